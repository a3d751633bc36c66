//! Links the programs with packed relative relocations (`DT_RELR`) where the
//! toolchain supports them: a position-independent program carries one
//! relocation per pointer in its read-only data, which the loader reads at
//! every start; packed, the table shrinks from about 2 MiB to a few KiB,
//! and so does what the process holds in memory for it.

use std::{env, path::PathBuf, process::Command};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = env::var("TARGET").unwrap_or_default();
    let host = env::var("HOST").unwrap_or_default();
    if target != host || !target.contains("linux-gnu") {
        return;
    }
    if links_packed() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether the C toolchain links a program with the option, without a
/// warning (linkers that do not know it say so and ignore it).
fn links_packed() -> bool {
    let Some(out) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        return false;
    };
    let source = out.join("relr_probe.c");
    if std::fs::write(&source, "int main(void) { return 0; }\n").is_err() {
        return false;
    }
    let compiler = env::var("CC").unwrap_or_else(|_| "cc".into());
    Command::new(compiler)
        .arg(&source)
        .arg("-o")
        .arg(out.join("relr_probe"))
        .arg("-Wl,-z,pack-relative-relocs")
        .output()
        .is_ok_and(|o| o.status.success() && o.stderr.is_empty())
}
