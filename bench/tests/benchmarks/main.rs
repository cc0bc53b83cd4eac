//! The benchmarks' integration tests, linked into one binary as the product's are: the
//! `readpoint-bench` command line end to end, and a short soak through the library.

// `readpoint-bench search` on a small corpus, `--help`, and the binary started as the product.
mod cli;
// A short `readpoint-bench soak`: no version lost, the content and the cache sound after two
// simulated hours of visitors, staff and a flapping portal.
mod soak;
