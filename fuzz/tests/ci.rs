//! The CI part of issue 18: a fixed seed set of every driver, about a
//! minute on 2 cores.  Needs the `innative` binary of the same target
//! directory (`cargo test --workspace` builds it; alone: `cargo build --bin
//! innative && cargo test -p innative-fuzz`) and clang-19 (DWARF seeds).

use std::path::PathBuf;
use std::process::Command;

fn fuzz(args: &[&str]) {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_innative-fuzz"));
    // The innative of the same profile, else the debug one.
    let mut innative = exe.with_file_name("innative");
    if !innative.exists() {
        innative = exe.parent().unwrap().join("../debug/innative");
    }
    assert!(
        innative.exists(),
        "{} is missing: build it first (cargo build --bin innative)",
        innative.display()
    );
    let out = std::env::temp_dir().join(format!("innative-fuzz-ci-{}", std::process::id()));
    let o = Command::new(&exe)
        .args(args)
        .args(["-q", "--out"])
        .arg(&out)
        .env("INNATIVE", &innative)
        .output()
        .expect("run innative-fuzz");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    println!("{text}");
    assert!(
        o.status.success(),
        "innative-fuzz {args:?} found problems (inputs in {}):\n{text}",
        out.display()
    );
    // The summary says how much ran: an empty run must not pass.
    assert!(
        !text.contains(" 0 cases") && !text.contains(" 0 inputs"),
        "nothing ran: {text}"
    );
}

/// wasm-smith modules checked against wasmi: at -O0 every trap is exact;
/// at -O2 calls that trap out of bounds end a case (the documented limit
/// of src/lower/observed_loads.rs).
#[test]
fn diff_fixed_seeds() {
    fuzz(&["diff", "--seeds", "400", "--opt", "0"]);
    fuzz(&["diff", "--seeds", "400", "--opt", "2", "--stop-at-oob"]);
}

/// The same with SIMD in the generated modules (`--simd`).
#[test]
fn diff_fixed_seeds_simd() {
    fuzz(&["diff", "--simd", "--seeds", "200", "--stop-at-oob"]);
}

#[test]
fn crash_fixed_seeds() {
    for target in ["wasm", "wat", "dwarf", "sourcemap", "elf"] {
        fuzz(&["crash", "--target", target, "--seeds", "250"]);
    }
}

/// The in-process mode (the CLI called as a library, for throughput) on
/// other seeds of the cheap targets.
#[test]
fn crash_fixed_seeds_in_process() {
    for target in ["wasm", "wat", "elf"] {
        fuzz(&[
            "crash",
            "--target",
            target,
            "--seeds",
            "2000",
            "--start",
            "5000",
            "--in-process",
        ]);
    }
}
