//! Link settings of the kiosk's binary.
//!
//! Relative relocations are packed (`DT_RELR`, glibc 2.36+): a position-independent binary
//! otherwise carries about 3 MB of them (`.rela.dyn`), which the loader reads at every start and
//! which then stay in the kiosk's resident memory.

fn main() {
    println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
}
