//! Debugging a wasm library from its native host: a C host linked against an
//! innative `--shared -g` library steps from its own source into the
//! library's C source, sees the library function's arguments and locals, a
//! backtrace across both, and `finish` returns the value the call returns.
//! (fixtures/mathlib.c, fixtures/host/mathlib_host.c.)

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

/// The 1-based line of `fixture` holding `text` (so the test follows edits
/// of the fixture).
fn line_of(fixture_path: &Path, text: &str) -> usize {
    let src = std::fs::read_to_string(fixture_path).unwrap();
    src.lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("{text:?} not in {}", fixture_path.display()))
        + 1
}

/// Builds the host and the library with debug info in `dir`; returns the host.
fn build(dir: &Path) -> std::path::PathBuf {
    for f in ["mathlib.c", "host/mathlib_host.c"] {
        let name = Path::new(f).file_name().unwrap();
        std::fs::copy(fixture(f), dir.join(name)).unwrap();
    }
    let run = |cmd: &mut Command, what: &str| {
        let o = output(cmd.current_dir(dir));
        assert_success(&o, what);
    };
    run(
        Command::new("clang-19")
            .args(["--target=wasm32-unknown-unknown", "-nostdlib", "-g", "-O0"])
            .args(["-Wl,--no-entry", "-Wl,--export-dynamic"])
            .args(["mathlib.c", "-o", "mathlib.wasm"]),
        "clang-19 mathlib.c",
    );
    run(
        &mut innative([
            "compile",
            "-g",
            "-O0",
            "--shared",
            "mathlib.wasm",
            "-o",
            "libmathlib.so",
        ]),
        "innative compile --shared -g",
    );
    run(
        Command::new("cc")
            .args(["-g", "-O0", "mathlib_host.c", "libmathlib.so"])
            .arg(format!("-Wl,-rpath,{}", dir.display()))
            .args(["-o", "host"]),
        "cc mathlib_host.c",
    );
    dir.join("host")
}

/// A built host and library, and the source lines the sessions expect.
struct Session {
    dir: tempfile::TempDir,
    host: std::path::PathBuf,
    /// The host's line calling `mathlib_WASM_fib(10)`.
    call: usize,
    /// `fib`'s first line.
    first: usize,
}

/// Builds what a session with `debugger` needs; None when a tool is
/// missing (outside CI).
fn prepare(debugger: &str) -> Option<Session> {
    if !require("clang-19") || !require("cc") || !require(debugger) {
        return None;
    }
    let dir = tempdir();
    let host = build(dir.path());
    Some(Session {
        dir,
        host,
        call: line_of(&fixture("host/mathlib_host.c"), "mathlib_WASM_fib(10)"),
        first: line_of(&fixture("mathlib.c"), "int a = 0, b = 1;"),
    })
}

#[test]
fn gdb_steps_from_the_host_into_the_library() {
    let Some(Session {
        dir,
        host,
        call,
        first,
    }) = prepare("gdb")
    else {
        return;
    };
    let out = debugger_output(
        Command::new("gdb")
            .args(["-batch", "-nx", "-iex", "set auto-load safe-path /"])
            .args(["-ex", &format!("break mathlib_host.c:{call}"), "-ex", "run"])
            .args([
                "-ex",
                "step",
                "-ex",
                "bt",
                "-ex",
                "next",
                "-ex",
                "info locals",
            ])
            .args(["-ex", "finish"])
            .arg(&host)
            .current_dir(dir.path()),
    );
    for want in [
        format!("fib (n=10) at mathlib.c:{first}"),
        format!("#0  fib (n=10) at mathlib.c:{first}"),
        format!("in main () at mathlib_host.c:{call}"),
        "a = 0".to_string(),
        "b = 1".to_string(),
        "Value returned is $1 = 55".to_string(),
    ] {
        assert!(out.contains(&want), "gdb: no {want:?} in\n{out}");
    }
}

#[test]
fn lldb_steps_from_the_host_into_the_library() {
    let Some(Session {
        dir,
        host,
        call,
        first,
    }) = prepare("lldb-19")
    else {
        return;
    };
    let out = debugger_output(
        Command::new("lldb-19")
            .args(["--no-lldbinit", "-b"])
            .args(["-o", &format!("breakpoint set -f mathlib_host.c -l {call}")])
            .args(["-o", "run", "-o", "thread step-in", "-o", "bt"])
            .args(["-o", "thread step-over", "-o", "frame variable a b"])
            .args(["-o", "thread step-out"])
            .arg(&host)
            .current_dir(dir.path()),
    );
    for want in [
        format!("libmathlib.so`fib(n=10) at mathlib.c:{first}"),
        format!("host`main at mathlib_host.c:{call}"),
        "(int) a = 0".to_string(),
        "(int) b = 1".to_string(),
        "Return value: (int) $0 = 55".to_string(),
    ] {
        assert!(out.contains(&want), "lldb: no {want:?} in\n{out}");
    }
}
