//! Hardware watchpoints on C globals, as natively: gdb watches every memory
//! cell a variable's location reads.  innative attaches all of a module's C
//! globals to its memory struct, so finding one reads only the memory base
//! (shared by all) besides the variable: several `watch`es fit in x86-64's
//! four debug registers, as they do natively.

mod common;

use common::{build_native_and_innative, debugger_output, hide_hex, require, tempdir};
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

/// The watchpoint reports of a gdb session (hex numbers dropped).
fn session(exe: &Path) -> Vec<String> {
    let text = debugger_output(
        Command::new("gdb")
            .args(["-batch", "-nx", "-iex", "set auto-load safe-path /"])
            .args(["-ex", "break main", "-ex", "run"])
            .args(["-ex", "watch counter", "-ex", "watch hits[1]"])
            .args(["-ex", "continue", "-ex", "continue", "-ex", "continue"])
            .args(["-ex", "info watchpoints"])
            .arg(exe)
            .current_dir(exe.parent().unwrap()),
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
        .map(|l| hide_hex(l).trim().to_string())
        .collect()
}

#[test]
fn two_watchpoints_on_globals_as_natively() {
    if !require("clang-19") || !require("gdb") {
        return;
    }
    let dir = tempdir();
    let (native, innative) = build_native_and_innative(dir.path(), PROGRAM);
    let (n, i) = (session(&native), session(&innative));
    assert!(
        n.iter().filter(|l| l.starts_with("New value")).count() == 3,
        "the native session does not hit three watchpoints: {n:#?}"
    );
    assert_eq!(i, n, "gdb watchpoint reports (innative, then native)");
}
