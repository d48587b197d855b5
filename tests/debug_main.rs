//! `main` by its C name, in each form the wasm C ABI renames it: clang
//! compiles `int main(int, char **)` to `__main_argc_argv` and
//! `int main(void)` to `__original_main`, and records that as the
//! function's linkage name.  A native build has no such name: `break main`
//! must stop in the program's `main` (gdb looks C functions up by linkage
//! name), and lldb must call the frame `main`, as for the native build.

mod common;

use common::{build_native_and_innative, debugger_output, hide_hex, require, tempdir};
use std::path::Path;
use std::process::Command;

const WITH_ARGS: &str = r#"#include <stdio.h>
int main(int argc, char **argv) {
  int n = argc * 2;
  printf("%d %c\n", n, argv[0][0]);
  return 0;
}
"#;

const WITHOUT_ARGS: &str = r#"#include <stdio.h>
int main(void) {
  int n = 21 * 2;
  printf("%d\n", n);
  return 0;
}
"#;

/// gdb's `Breakpoint 1, main (...) at prog.c:N` line.
fn gdb_stop(exe: &Path) -> Option<String> {
    let out = debugger_output(
        Command::new("gdb")
            .args(["-batch", "-nx", "-iex", "set auto-load safe-path /"])
            .args(["-ex", "break main", "-ex", "run"])
            .arg(exe)
            .current_dir(exe.parent().unwrap()),
    );
    out.lines()
        .find(|l| l.starts_with("Breakpoint 1, "))
        .map(|l| l.trim_start_matches("Breakpoint 1, ").to_string())
}

/// lldb's frame #0 after `b main` + `run`: `main(argc=1, ...) at prog.c:N:C`.
fn lldb_stop(exe: &Path) -> Option<String> {
    let out = debugger_output(
        Command::new("lldb-19")
            .args(["--no-lldbinit", "-b", "-o", "b main", "-o", "run"])
            .arg(exe)
            .current_dir(exe.parent().unwrap()),
    );
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("frame #0:"))?;
    let (_, at) = line.split_once('`')?;
    Some(at.to_string())
}

#[test]
fn break_main_stops_in_main_in_both_of_its_forms() {
    if !require("clang-19") || !require("gdb") || !require("lldb-19") {
        return;
    }
    for (form, program) in [
        ("main(int, char **)", WITH_ARGS),
        ("main(void)", WITHOUT_ARGS),
    ] {
        let dir = tempdir();
        let (native, innative) = build_native_and_innative(dir.path(), program);
        let (n, i) = (gdb_stop(&native), gdb_stop(&innative));
        assert!(
            n.as_deref().is_some_and(|s| s.starts_with("main (")),
            "gdb native {form}: {n:?}"
        );
        assert_eq!(
            i.map(|s| hide_hex(&s)),
            n.map(|s| hide_hex(&s)),
            "gdb {form}: `break main`"
        );
        let (n, i) = (lldb_stop(&native), lldb_stop(&innative));
        assert!(
            n.as_deref().is_some_and(|s| s.starts_with("main")),
            "lldb native {form}: {n:?}"
        );
        assert_eq!(
            i.map(|s| hide_hex(&s)),
            n.map(|s| hide_hex(&s)),
            "lldb {form}: `b main`"
        );
    }
}
