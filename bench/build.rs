//! Link settings of the benchmark binary: the kiosk's own (see the root `build.rs`), so the
//! memory figure `readpoint-bench ui` measures in this process is the kiosk's.

fn main() {
    println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
}
