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

/// `--header` writes a self-contained C header; a host that includes it calls
/// the exports (multi-value, floats, a name that is not a C identifier),
/// reads the exported memory and global, survives traps through the
/// `_checked` wrappers (and reports them), and keeps calling the library.
/// A direct call that traps ends the host with the trap line and status 134.
#[test]
fn c_host_uses_generated_header() {
    if !require("cc") {
        return;
    }
    let dir = tempdir();
    let lib = dir.path().join("libcalc.so");
    let header = dir.path().join("calc.h");
    let o = output(innative([
        "compile".as_ref(),
        "--shared".as_ref(),
        fixture("host/calc.wat").as_os_str(),
        "-o".as_ref(),
        lib.as_os_str(),
        "--header".as_ref(),
        header.as_os_str(),
    ]));
    assert_success(&o, "innative compile --shared calc.wat --header calc.h");
    let text = std::fs::read_to_string(&header).expect("the header was written");
    assert!(
        !text.contains("#include \"innative.h\""),
        "the header must be self-contained"
    );
    assert!(
        text.contains("int32_t calc_WASM_add(int32_t p0, int32_t p1);"),
        "{text}"
    );

    let host = dir.path().join("header_host");
    let o = output(
        Command::new("cc")
            .args(["-Wall", "-Wextra", "-Werror", "-std=c99", "-pedantic"])
            .arg("-I")
            .arg(dir.path())
            .arg(fixture("host/header_host.c"))
            .arg(&lib)
            .arg(format!("-Wl,-rpath,{}", dir.path().display()))
            .arg("-o")
            .arg(&host),
    );
    assert_success(&o, "cc header_host.c libcalc.so (warnings are errors)");
    let o = run_program(&host, &[]);
    assert_success(&o, "header_host");
    let out = stdout(&o);
    assert!(
        out.ends_with("header host: all checks passed\n"),
        "{}",
        describe(&o)
    );
    assert!(
        out.contains("report: trap: integer divide by zero"),
        "{}",
        describe(&o)
    );
    assert!(
        out.contains("report: trap: unreachable"),
        "{}",
        describe(&o)
    );
    assert!(
        out.contains("report: trap: out of bounds memory access"),
        "{}",
        describe(&o)
    );

    let o = run_program(&host, &["direct"]);
    assert_eq!(status(&o), 134, "{}", describe(&o));
    assert!(
        stderr(&o).starts_with("trap: integer divide by zero"),
        "{}",
        describe(&o)
    );

    // The header also compiles as C++ and alongside innative.h, in either order.
    let include = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/include");
    for (first, second) in [("innative.h", "calc.h"), ("calc.h", "innative.h")] {
        let src = dir.path().join("both.c");
        std::fs::write(&src, format!("#include \"{first}\"\n#include \"{second}\"\nint main(void) {{ return calc_WASM_add(1, 2) != 3; }}\n")).unwrap();
        let o = output(
            Command::new("cc")
                .args(["-Wall", "-Werror", "-fsyntax-only", "-I"])
                .arg(dir.path())
                .arg("-I")
                .arg(&include)
                .arg(&src),
        );
        assert_success(&o, &format!("cc with {first} then {second}"));
    }
    if have("c++") {
        let o = output(
            Command::new("c++")
                .args(["-x", "c++", "-Wall", "-Werror", "-fsyntax-only", "-I"])
                .arg(dir.path())
                .arg(fixture("host/header_host.c")),
        );
        assert_success(&o, "c++ -fsyntax-only header_host.c");
    }
}

/// v128 across the C ABI: `--header` maps v128 to `innative_v128` (SSE's
/// `__m128i` by a cast); a host passes and receives vectors directly (XMM
/// registers, a v128 among other results), through the `_checked` wrappers
/// (two invoker slots per v128, also when one traps) and in an exported
/// global, and checks every value against SSE2 intrinsics.
#[test]
fn c_host_passes_v128_values() {
    if !require("cc") {
        return;
    }
    let dir = tempdir();
    let lib = dir.path().join("libsimd_calc.so");
    let header = dir.path().join("simd_calc.h");
    let o = output(innative([
        "compile".as_ref(),
        "--shared".as_ref(),
        fixture("host/simd_calc.wat").as_os_str(),
        "-o".as_ref(),
        lib.as_os_str(),
        "--header".as_ref(),
        header.as_os_str(),
    ]));
    assert_success(&o, "innative compile --shared simd_calc.wat --header");
    let text = std::fs::read_to_string(&header).unwrap();
    assert!(
        text.contains("innative_v128 simd_calc_WASM_add4(innative_v128 p0, innative_v128 p1);"),
        "{text}"
    );
    let host = dir.path().join("simd_host");
    let o = output(
        Command::new("cc")
            .args(["-Wall", "-Wextra", "-Werror", "-std=c99", "-pedantic"])
            .arg("-I")
            .arg(dir.path())
            .arg(fixture("host/simd_host.c"))
            .arg(&lib)
            .arg(format!("-Wl,-rpath,{}", dir.path().display()))
            .arg("-o")
            .arg(&host),
    );
    assert_success(&o, "cc simd_host.c libsimd_calc.so (warnings are errors)");
    let o = run_program(&host, &[]);
    assert_success(&o, "simd_host");
    let out = stdout(&o);
    assert!(
        out.ends_with("simd host: all checks passed\n"),
        "{}",
        describe(&o)
    );
    assert!(
        out.contains("report: trap: integer divide by zero in function div4"),
        "{}",
        describe(&o)
    );
}
