//! A C library built to WebAssembly by clang-19, compiled by innative into a
//! native shared library, linked into a C host program that calls its exports
//! like any C functions (fixtures/mathlib.c, fixtures/host/mathlib_host.c).

mod common;

use common::*;
use std::process::Command;

#[test]
fn c_host_calls_wasm_library_exports() {
    if !require("clang-19") || !require("cc") {
        return;
    }
    let dir = tempdir();
    let wasm = dir.path().join("mathlib.wasm");
    // The same command fixtures/build.sh uses for library fixtures.
    let o = output(
        Command::new("clang-19")
            .args(["--target=wasm32-unknown-unknown", "-nostdlib", "-O2"])
            .args(["-Wl,--no-entry", "-Wl,--export-dynamic"])
            .arg(fixture("mathlib.c"))
            .arg("-o")
            .arg(&wasm),
    );
    assert_success(&o, "clang-19 mathlib.c");

    let lib = dir.path().join("libmathlib.so");
    let o = output(innative([
        "compile".as_ref(),
        "--shared".as_ref(),
        wasm.as_os_str(),
        "-o".as_ref(),
        lib.as_os_str(),
    ]));
    assert_success(&o, "innative compile --shared mathlib.wasm");
    assert_eq!(elf_type(&lib), Some(3), "not a shared object");

    let host = dir.path().join("mathlib_host");
    let o = output(
        Command::new("cc")
            .arg(fixture("host/mathlib_host.c"))
            .arg(&lib)
            .arg(format!("-Wl,-rpath,{}", dir.path().display()))
            .arg("-o")
            .arg(&host),
    );
    assert_success(&o, "cc mathlib_host.c libmathlib.so");

    let o = run_program(&host, &[]);
    let expected = std::fs::read_to_string(fixture("host/mathlib_host.expected")).unwrap();
    assert_eq!(stdout(&o), expected, "{}", describe(&o));
    assert_success(&o, "mathlib_host");
}

/// The same library through inNative's spelling, at -O0 with debug info: the
/// host must get the same results.
#[test]
fn c_host_with_innative_spelling_and_debug_build() {
    if !require("clang-19") || !require("cc") {
        return;
    }
    let dir = tempdir();
    let wasm = dir.path().join("mathlib.wasm");
    let o = output(
        Command::new("clang-19")
            .args(["--target=wasm32-unknown-unknown", "-nostdlib", "-O2"])
            .args(["-Wl,--no-entry", "-Wl,--export-dynamic"])
            .arg(fixture("mathlib.c"))
            .arg("-o")
            .arg(&wasm),
    );
    assert_success(&o, "clang-19 mathlib.c");
    let lib = dir.path().join("libmathlib.so");
    let o = output(innative([
        wasm.as_os_str(),
        "-f".as_ref(),
        "library".as_ref(),
        "debug".as_ref(),
        "o0".as_ref(),
        "-o".as_ref(),
        lib.as_os_str(),
    ]));
    assert_success(&o, "innative mathlib.wasm -f library debug o0");
    let host = dir.path().join("mathlib_host");
    let o = output(
        Command::new("cc")
            .arg(fixture("host/mathlib_host.c"))
            .arg(&lib)
            .arg(format!("-Wl,-rpath,{}", dir.path().display()))
            .arg("-o")
            .arg(&host),
    );
    assert_success(&o, "cc mathlib_host.c libmathlib.so");
    let o = run_program(&host, &[]);
    let expected = std::fs::read_to_string(fixture("host/mathlib_host.expected")).unwrap();
    assert_eq!(stdout(&o), expected, "{}", describe(&o));
}

/// The exported memory (`mathlib_WASM_memory`, an `innative_memory`) is the
/// one the library uses: a host reads what the library stored.
#[test]
fn c_host_reads_exported_memory() {
    if !require("clang-19") || !require("cc") {
        return;
    }
    let dir = tempdir();
    let wasm = dir.path().join("mathlib.wasm");
    let o = output(
        Command::new("clang-19")
            .args(["--target=wasm32-unknown-unknown", "-nostdlib", "-O2"])
            .args(["-Wl,--no-entry", "-Wl,--export-dynamic"])
            .arg(fixture("mathlib.c"))
            .arg("-o")
            .arg(&wasm),
    );
    assert_success(&o, "clang-19 mathlib.c");
    let lib = dir.path().join("libmathlib.so");
    let o = output(innative([
        "compile".as_ref(),
        "--shared".as_ref(),
        wasm.as_os_str(),
        "-o".as_ref(),
        lib.as_os_str(),
    ]));
    assert_success(&o, "innative compile --shared mathlib.wasm");
    let host = dir.path().join("memory_host");
    let include = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/include");
    let o = output(
        Command::new("cc")
            .arg("-I")
            .arg(&include)
            .arg(fixture("host/memory_host.c"))
            .arg(&lib)
            .arg(format!("-Wl,-rpath,{}", dir.path().display()))
            .arg("-o")
            .arg(&host),
    );
    assert_success(&o, "cc memory_host.c libmathlib.so");
    let o = run_program(&host, &[]);
    assert_success(&o, "memory_host");
    assert!(stdout(&o).starts_with("memory: ok"), "{}", describe(&o));
}
