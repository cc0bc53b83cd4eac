//! Chinese text helpers: folding for search, Simplified/Traditional conversion, segmentation into
//! index tokens, and pinyin keys.
//!
//! Everything here is pure: no I/O, no SQL, no Slint. The search index (in `store`) and the UI's
//! 简·繁 display both go through this module, so index time and query time always fold text the
//! same way.

pub mod fold;
pub mod ime;
pub mod pinyin;
pub mod script;
pub mod segment;

pub use fold::{fold_char, fold_str};
pub use script::{to_simplified, to_traditional};
