//! SIMD vectors in the debuggers: `__attribute__((vector_size(16)))`
//! parameters and locals (what `v128_t` is) print in gdb and lldb exactly as
//! in the native build, with their vector type (clang's `DW_AT_GNU_vector`
//! array).  The wasm side is built with `-msimd128` twice: at -O0 the
//! vectors live in linear memory (the shadow stack), at -O1 they arrive in
//! v128 wasm locals, which innative keeps in LLVM values.  The reference is
//! the native `clang-19 -g -O0` build.

mod common;

use common::{debugger_output, hide_hex, require, tempdir};
use std::path::{Path, PathBuf};
use std::process::Command;

const PROGRAM: &str = r#"#include <stdio.h>
typedef int v4si __attribute__((vector_size(16)));
typedef float v4sf __attribute__((vector_size(16)));
typedef unsigned char v16u8 __attribute__((vector_size(16)));
typedef double v2df __attribute__((vector_size(16)));
static volatile v2df sink;

__attribute__((noinline)) int combine(v4si v, v4sf f, v16u8 bytes, v2df d) {
  v4si w = v * 2 + (v4si)bytes;
  v4sf g = f * f;
  sink = d + d;
  int s = w[0] + w[1] + w[2] + w[3] + (int)g[2] + (int)d[1];
  return s;
}

int main(void) {
  v4si v = {1, -2, 3, 40};
  v4sf f = {0.5f, -1.25f, 3.0f, 1e10f};
  v16u8 bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 255};
  v2df d = {-0.0, 1e300};
  printf("%d\n", combine(v, f, bytes, d));
  return 0;
}
"#;

/// The native reference and innative builds of [`PROGRAM`] from wasm built
/// at `wasm_opt` (`-O0`, `-O1`).
fn build(dir: &Path, wasm_opt: &str) -> (PathBuf, PathBuf) {
    common::build_native_and_innative_with(dir, PROGRAM, &["-msimd128", wasm_opt])
}

/// gdb at `combine`'s first line: the stop line, `info args`, a vector's
/// type and one lane.
fn gdb(exe: &Path) -> String {
    let out = debugger_output(
        Command::new("gdb")
            .args(["-batch", "-nx", "-iex", "set auto-load safe-path /"])
            .args(["-ex", "break combine", "-ex", "run", "-ex", "info args"])
            .args(["-ex", "ptype bytes", "-ex", "whatis f", "-ex", "p v[3]"])
            .args(["-ex", "p/x bytes", "-ex", "p d"])
            .arg(exe)
            .current_dir(exe.parent().unwrap()),
    );
    let from = out.find("Breakpoint 1, ").unwrap_or(0);
    out[from..]
        .lines()
        .filter(|l| !l.starts_with('[') && !l.starts_with("Using host"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// lldb at `combine`: the parameters and a lane.
fn lldb(exe: &Path) -> String {
    let out = debugger_output(
        Command::new("lldb-19")
            .args(["--no-lldbinit", "-b", "-o", "b combine", "-o", "run"])
            .args([
                "-o",
                "frame variable v f bytes d",
                "-o",
                "p v[3]",
                "-o",
                "p f",
            ])
            .arg(exe)
            .current_dir(exe.parent().unwrap()),
    );
    let from = out.find("(lldb) frame variable").unwrap_or(out.len());
    out[from..].to_string()
}

#[test]
fn vector_parameters_print_as_natively() {
    if !require("clang-19") || !require("gdb") || !require("lldb-19") {
        return;
    }
    for wasm_opt in ["-O0", "-O1"] {
        let dir = tempdir();
        let (native, innative) = build(dir.path(), wasm_opt);
        let n = gdb(&native);
        assert!(
            n.contains("v = {1, -2, 3, 40}") && n.contains("vector_size(16)"),
            "gdb native: {n}"
        );
        let i = gdb(&innative);
        assert!(i.starts_with("Breakpoint 1, combine (v=..."), "gdb: {i}");
        // Optimized wasm may start the function at another source line
        // (clang schedules the wasm code): compare from the values on.
        let values = |s: &str| {
            let s = if wasm_opt == "-O0" {
                s
            } else {
                &s[s.find("\nv = ").unwrap_or(0)..]
            };
            hide_hex(s)
        };
        assert_eq!(values(&i), values(&n), "gdb, wasm {wasm_opt}");
        let n = lldb(&native);
        assert!(n.contains("(v4si) v = (1, -2, 3, 40)"), "lldb native: {n}");
        assert_eq!(
            hide_hex(&lldb(&innative)),
            hide_hex(&n),
            "lldb, wasm {wasm_opt}"
        );
    }
}
