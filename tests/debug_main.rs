//! `main` by its C name, in each form the wasm C ABI renames it: clang
//! compiles `int main(int, char **)` to `__main_argc_argv` and
//! `int main(void)` to `__original_main`, and records that as the
//! function's linkage name.  A native build has no such name: `break main`
//! must stop in the program's `main` (gdb looks C functions up by linkage
//! name), and lldb must call the frame `main`, as for the native build.

mod common;

use common::{innative, tempdir};
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

fn have(tool: &str) -> bool {
    if common::have(tool) {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{tool} is required on CI (scripts/setup.sh installs it)"
    );
    eprintln!("SKIPPED: {tool} not available");
    false
}

/// Builds `prog.c` (natively and through innative) in `dir`.
fn build(dir: &Path, program: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    std::fs::write(dir.join("prog.c"), program).unwrap();
    let clang = |args: &[&str]| {
        let o = Command::new("clang-19")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "clang-19 {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    clang(&["-g", "-O0", "prog.c", "-o", "native"]);
    clang(&[
        "--target=wasm32-wasi",
        "-g",
        "-O0",
        "prog.c",
        "-o",
        "prog.wasm",
    ]);
    let o = innative(["compile", "-g", "-O0", "prog.wasm", "-o", "innative"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "innative compile: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (dir.join("native"), dir.join("innative"))
}

fn run(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// gdb's `Breakpoint 1, main (...) at prog.c:N` line.
fn gdb_stop(exe: &Path) -> Option<String> {
    let out = run(Command::new("gdb")
        .args(["-batch", "-nx", "-iex", "set auto-load safe-path /"])
        .args(["-ex", "break main", "-ex", "run"])
        .arg(exe)
        .current_dir(exe.parent().unwrap()));
    out.lines()
        .find(|l| l.starts_with("Breakpoint 1, "))
        .map(|l| l.trim_start_matches("Breakpoint 1, ").to_string())
}

/// lldb's frame #0 after `b main` + `run`: `main(argc=1, ...) at prog.c:N:C`.
fn lldb_stop(exe: &Path) -> Option<String> {
    let out = run(Command::new("lldb-19")
        .args(["--no-lldbinit", "-b", "-o", "b main", "-o", "run"])
        .arg(exe)
        .current_dir(exe.parent().unwrap()));
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("frame #0:"))?;
    let (_, at) = line.split_once('`')?;
    Some(at.to_string())
}

/// Drops what differs between two builds of one program: pointer values.
fn normalize(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("0x") {
        out.push_str(&rest[..i]);
        out.push_str("0x?");
        rest = rest[i + 2..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}

#[test]
fn break_main_stops_in_main_in_both_of_its_forms() {
    if !have("clang-19") || !have("gdb") || !have("lldb-19") {
        return;
    }
    for (form, program) in [
        ("main(int, char **)", WITH_ARGS),
        ("main(void)", WITHOUT_ARGS),
    ] {
        let dir = tempdir();
        let (native, innative) = build(dir.path(), program);
        let (n, i) = (gdb_stop(&native), gdb_stop(&innative));
        assert!(
            n.as_deref().is_some_and(|s| s.starts_with("main (")),
            "gdb native {form}: {n:?}"
        );
        assert_eq!(
            i.map(|s| normalize(&s)),
            n.map(|s| normalize(&s)),
            "gdb {form}: `break main`"
        );
        let (n, i) = (lldb_stop(&native), lldb_stop(&innative));
        assert!(
            n.as_deref().is_some_and(|s| s.starts_with("main")),
            "lldb native {form}: {n:?}"
        );
        assert_eq!(
            i.map(|s| normalize(&s)),
            n.map(|s| normalize(&s)),
            "lldb {form}: `b main`"
        );
    }
}
