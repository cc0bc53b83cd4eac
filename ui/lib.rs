//! Readpoint's Slint UI, compiled from `app_window.slint` by `build.rs`: the window, the
//! globals (`Nav`, `Session`, `Status`, the `XxxAdapter`s) and the structs Rust fills. The kiosk
//! uses it as `readpoint::ui`. No logic lives here: it is generated code only, and it never
//! reads the store, the network or the clock.

slint::include_modules!();
