//! Traps that say where: the trap line names the kind and the wasm function,
//! then a backtrace of wasm frames follows, each with `file:line` when the
//! executable has debug info.

mod common;

use common::{innative, tempdir};
use std::process::Command;

const PROGRAM: &str = r#"#include <stdio.h>
int table[4];
static int get(int i) {
    return table[i * 100000000];
}
int middle(int i) { return get(i) + 1; }
int main(void) { printf("before\n"); return middle(3); }
"#;

fn build_wasm(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    let src = dir.join("trap.c");
    std::fs::write(&src, PROGRAM).unwrap();
    let wasm = dir.join("trap.wasm");
    let ok = Command::new("clang-19")
        .args(["--target=wasm32-wasi", "-g", "-O0"])
        .arg(&src)
        .arg("-o")
        .arg(&wasm)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "clang-19 is required on CI"
        );
        eprintln!("SKIPPED: clang-19 not available");
        return None;
    }
    Some(wasm)
}

fn run_trap(exe: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(exe).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn debug_build_reports_backtrace_with_source_lines() {
    let dir = tempdir();
    let Some(wasm) = build_wasm(dir.path()) else {
        return;
    };
    let exe = dir.path().join("trap");
    let st = innative(["compile", "-g", "-O0"])
        .arg(&wasm)
        .arg("-o")
        .arg(&exe)
        .status()
        .unwrap();
    assert!(st.success());
    let (code, stdout, stderr) = run_trap(&exe);
    assert_eq!(code, 134, "trap exit status");
    assert_eq!(stdout, "before\n", "output before the trap is flushed");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0], "trap: out of bounds memory access in function get",
        "{stderr}"
    );
    let src = dir.path().join("trap.c");
    let at = |func: &str, line: u32| format!("    at {func} ({}:{line})", src.display());
    assert_eq!(
        lines.get(1).copied(),
        Some(at("get", 4).as_str()),
        "{stderr}"
    );
    assert_eq!(
        lines.get(2).copied(),
        Some(at("middle", 6).as_str()),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with(&format!("({}:7)", src.display()))),
        "main's frame: {stderr}"
    );
}

#[test]
fn release_build_reports_function_names() {
    let dir = tempdir();
    let Some(wasm) = build_wasm(dir.path()) else {
        return;
    };
    let exe = dir.path().join("trap");
    let st = innative(["compile", "-O0"])
        .arg(&wasm)
        .arg("-o")
        .arg(&exe)
        .status()
        .unwrap();
    assert!(st.success());
    let (code, _, stderr) = run_trap(&exe);
    assert_eq!(code, 134);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0], "trap: out of bounds memory access in function get",
        "{stderr}"
    );
    assert_eq!(lines.get(1).copied(), Some("    at get"), "{stderr}");
    assert_eq!(lines.get(2).copied(), Some("    at middle"), "{stderr}");
}
