//! Compiles the Slint UI into Rust code (`readpoint::ui`), with the bundled UI translations
//! (`lang/<lang>/LC_MESSAGES/readpoint-ui.po`, named after this crate as slint-build wants: zh-Hant
//! and en; the source strings are zh-Hans).

fn main() {
    // The testing backend's ElementHandle needs element debug info in the generated code. It is on
    // for the dev profile, which is the only profile the project builds, tests and measures with.
    let debug_info = std::env::var("PROFILE").as_deref() == Ok("debug");
    let config = slint_build::CompilerConfiguration::new()
        .with_debug_info(debug_info)
        .with_bundled_translations("lang")
        // Messages are looked up by their text alone, so one translation serves every screen.
        .with_default_translation_context(slint_build::DefaultTranslationContext::None);
    if let Err(err) = slint_build::compile_with_config("app_window.slint", config) {
        panic!("compiling ui/app_window.slint failed: {err}");
    }
}
