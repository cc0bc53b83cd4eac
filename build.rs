//! Compiles the Slint UI into Rust code (`readpoint::ui`).

fn main() {
    // The testing backend's ElementHandle needs element debug info in the generated code. It is on
    // for the dev profile, which is the only profile the project builds, tests and measures with.
    let debug_info = std::env::var("PROFILE").as_deref() == Ok("debug");
    let config = slint_build::CompilerConfiguration::new().with_debug_info(debug_info);
    if let Err(err) = slint_build::compile_with_config("ui/app_window.slint", config) {
        panic!("compiling ui/app_window.slint failed: {err}");
    }
}
