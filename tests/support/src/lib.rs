//! What Readpoint's tests and benchmarks share, outside the product library: the synthetic
//! corpus ([`corpus`]), the in-process feed server with fault injection ([`feed_server`]) and a
//! real nginx on 127.0.0.1 ([`nginx`]). The integration tests (`tests/`) and the benchmarks
//! (`bench/`, `readpoint-bench`) use it; the product never does.
//!
//! Owns test data and loopback servers only. Must never depend on the product library (its API
//! is JSON values, files and sockets, so the library's own unit tests could use it too), never
//! listen beyond 127.0.0.1, and never write outside the folders it is given or creates.

pub mod corpus;
pub mod feed_server;
pub mod nginx;
