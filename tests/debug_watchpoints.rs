//! Hardware watchpoints on C globals, as natively: gdb watches every memory
//! cell a variable's location reads.  innative attaches all of a module's C
//! globals to its memory struct, so finding one reads only the memory base
//! (shared by all) besides the variable: several `watch`es fit in x86-64's
//! four debug registers, as they do natively.

mod common;

use common::{innative, tempdir};
use std::path::Path;
use std::process::Command;

const PROGRAM: &str = r#"#include <stdio.h>
static int counter;
int hits[4];
static void bump(int k) {
  counter += k;
  hits[k % 4]++;
}
int main(void) {
  for (int i = 0; i < 5; i++)
    bump(i);
  printf("%d %d\n", counter, hits[1]);
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

fn build(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    std::fs::write(dir.join("prog.c"), PROGRAM).unwrap();
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

/// The watchpoint reports of a gdb session (hex numbers dropped).
fn session(exe: &Path) -> Vec<String> {
    let o = Command::new("gdb")
        .args(["-batch", "-nx", "-iex", "set auto-load safe-path /"])
        .args(["-ex", "break main", "-ex", "run"])
        .args(["-ex", "watch counter", "-ex", "watch hits[1]"])
        .args(["-ex", "continue", "-ex", "continue", "-ex", "continue"])
        .args(["-ex", "info watchpoints"])
        .arg(exe)
        .current_dir(exe.parent().unwrap())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    text.lines()
        .filter(|l| {
            l.contains("atchpoint")
                || l.starts_with("Old value")
                || l.starts_with("New value")
                || l.starts_with("bump (")
                || l.contains("already hit")
                || l.contains("Could not insert")
        })
        .map(|l| {
            let mut out = String::new();
            let mut rest = l;
            while let Some(i) = rest.find("0x") {
                out.push_str(&rest[..i]);
                out.push_str("0x?");
                rest = rest[i + 2..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
            }
            out.push_str(rest);
            out.trim().to_string()
        })
        .collect()
}

#[test]
fn two_watchpoints_on_globals_as_natively() {
    if !have("clang-19") || !have("gdb") {
        return;
    }
    let dir = tempdir();
    let (native, innative) = build(dir.path());
    let (n, i) = (session(&native), session(&innative));
    assert!(
        n.iter().filter(|l| l.starts_with("New value")).count() == 3,
        "the native session does not hit three watchpoints: {n:#?}"
    );
    assert_eq!(i, n, "gdb watchpoint reports (innative, then native)");
}
