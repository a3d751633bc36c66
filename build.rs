//! Link settings for the programs, each applied where the toolchain supports
//! it.
//!
//! Packed relative relocations (`DT_RELR`): a position-independent program
//! carries one relocation per pointer in its read-only data, which the loader
//! reads at every start; packed, the table shrinks from about 2 MiB to a few
//! KiB, and so does what the process holds in memory for it.
//!
//! In release builds linked by LLD (Rust's default linker on x86-64 Linux),
//! the functions listed in `linker/startup-order.txt` (written by `bench
//! layout`) are placed first and together: the kernel maps code 64 KiB at a
//! time around each page a process touches, and the functions a start runs
//! are otherwise spread over the whole binary.

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
    let order = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("linker/startup-order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    if env::var("PROFILE").is_ok_and(|p| p == "release") && order.exists() {
        let args = [
            format!("-Wl,--symbol-ordering-file={}", order.display()),
            "-Wl,--no-warn-symbol-ordering".to_owned(),
        ];
        if rustc_links_with(&args) {
            for arg in args {
                println!("cargo:rustc-link-arg-bins={arg}");
            }
        }
    }
}

/// Whether rustc, as this build calls it, links a program with `args` passed
/// to the linker (only LLD knows the ordering options; GNU ld refuses them).
fn rustc_links_with(args: &[String]) -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let mut command = Command::new(rustc);
    if let Ok(flags) = env::var("CARGO_ENCODED_RUSTFLAGS") {
        command.args(flags.split('\x1f').filter(|f| !f.is_empty()));
    }
    for arg in args {
        command.arg(format!("-Clink-arg={arg}"));
    }
    probe(command, "order_probe.rs", "fn main() {}\n").is_some_and(|o| o.status.success())
}

/// Whether the C toolchain links a program with the option, without a
/// warning (linkers that do not know it say so and ignore it).
fn links_packed() -> bool {
    let compiler = env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut command = Command::new(compiler);
    command.arg("-Wl,-z,pack-relative-relocs");
    probe(command, "relr_probe.c", "int main(void) { return 0; }\n")
        .is_some_and(|o| o.status.success() && o.stderr.is_empty())
}

/// Runs `command` on `source`, written to `file` in the build's output
/// folder, building a program beside it; `None` if it could not run.
fn probe(mut command: Command, file: &str, source: &str) -> Option<std::process::Output> {
    let out = PathBuf::from(env::var_os("OUT_DIR")?);
    let path = out.join(file);
    std::fs::write(&path, source).ok()?;
    command
        .arg(&path)
        .arg("-o")
        .arg(out.join(file.split('.').next().unwrap_or(file)))
        .output()
        .ok()
}
