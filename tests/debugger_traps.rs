//! A trapping program under gdb and lldb stops where it trapped, as the same
//! C compiled natively stops on its signal: `bt` shows the same own frames
//! (function, file:line), and `continue` ends the program with innative's
//! trap report and exit status.
//!
//! Each program is built natively (`clang-19 -g -O0`, the reference) and
//! through innative (`clang-19 --target=wasm32-wasi -g -O0`, then
//! `innative compile -g -O0`), then run under each debugger in batch mode.

mod common;

use common::{build_native_and_innative, debugger_output, require, tempdir};
use std::path::Path;
use std::process::Command;

/// (name, program, what the native program receives).
const PROGRAMS: &[(&str, &str, &str)] = &[
    (
        "divide",
        r#"#include <stdio.h>
static volatile int zero = 0;
static int divide(int a, int b) {
  int q = a / b;
  return q;
}
int main(void) {
  int x = 10;
  printf("%d\n", divide(x, zero));
  return 0;
}
"#,
        "SIGFPE",
    ),
    (
        "assert",
        r#"#include <assert.h>
#include <stdio.h>
static int check(int n) {
  assert(n < 3 && "n is small");
  return n * 2;
}
int main(void) {
  int total = 0;
  for (int i = 0; i < 5; i++)
    total += check(i);
  printf("%d\n", total);
  return 0;
}
"#,
        "SIGABRT",
    ),
    (
        "builtin_trap",
        r#"static volatile int flag = 1;
static void fail(int code) {
  if (code)
    __builtin_trap();
}
int main(void) {
  fail(flag);
  return 0;
}
"#,
        "SIGILL",
    ),
    (
        "wild_pointer",
        r#"static int read_at(unsigned long address) {
  volatile int *p = (volatile int *)address;
  return *p;
}
int main(void) {
  return read_at(0x70000000ul);
}
"#,
        "SIGSEGV",
    ),
];

/// An own frame of a backtrace: (function, "file:line").
type Frame = (String, String);

/// Own frames of a gdb backtrace: `#1  0x... in divide (a=10, b=0) at prog.c:4`.
fn gdb_frames(out: &str) -> Vec<Frame> {
    out.lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(|l| {
            let (head, place) = l.rsplit_once(" at ")?;
            if !place.starts_with("prog.c:") {
                return None;
            }
            let head = head.split_once(" in ").map_or(head, |(_, f)| f);
            let head = head
                .trim_start_matches(|c: char| c == '#' || c.is_ascii_digit())
                .trim();
            let func = head.split(" (").next()?.trim();
            Some((func.to_string(), place.trim().to_string()))
        })
        .collect()
}

/// Own frames of an lldb backtrace:
/// `frame #1: 0x... exe`divide(a=10, b=0) at prog.c:4:13`.
fn lldb_frames(out: &str) -> Vec<Frame> {
    // The `bt` command's output only (the stop report shows frame #0 too).
    let bt = out.split_once("(lldb) bt").map_or("", |(_, rest)| rest);
    let bt = bt.split("(lldb) ").next().unwrap_or("");
    bt.lines()
        .filter(|l| {
            l.trim_start()
                .trim_start_matches("* ")
                .starts_with("frame #")
        })
        .filter_map(|l| {
            let (head, place) = l.rsplit_once(" at ")?;
            if !place.starts_with("prog.c:") {
                return None;
            }
            // file:line, without the column.
            let place = match place.trim().rsplitn(2, ':').collect::<Vec<_>>()[..] {
                [_, fl] if fl.contains(':') => fl.to_string(),
                _ => place.trim().to_string(),
            };
            let (_, func) = head.split_once('`')?;
            let func = func.split('(').next()?.trim().to_string();
            Some((func, place))
        })
        .collect()
}

fn gdb(exe: &Path) -> String {
    debugger_output(
        Command::new("gdb")
            .args(["-batch", "-nx", "-iex", "set auto-load safe-path /"])
            .args(["-ex", "run", "-ex", "bt", "-ex", "continue"])
            .arg(exe)
            .current_dir(exe.parent().unwrap()),
    )
}

fn lldb(exe: &Path) -> String {
    debugger_output(
        Command::new("lldb-19")
            .args([
                "--no-lldbinit",
                "-b",
                "-o",
                "run",
                "-k",
                "bt",
                "-k",
                "continue",
            ])
            .arg(exe)
            .current_dir(exe.parent().unwrap()),
    )
}

fn check(debugger: &str, run: fn(&Path) -> String, frames: fn(&str) -> Vec<Frame>) {
    if !require("clang-19") || !require(debugger) {
        return;
    }
    for (name, program, signal) in PROGRAMS {
        let dir = tempdir();
        let (native, innative) = build_native_and_innative(dir.path(), program);
        let (n, i) = (run(&native), run(&innative));
        assert!(
            n.contains(signal),
            "{debugger} {name}: the native program does not stop on {signal}:\n{n}"
        );
        let (nf, inf) = (frames(&n), frames(&i));
        assert!(
            !nf.is_empty(),
            "{debugger} {name}: no own frames natively:\n{n}"
        );
        assert_eq!(
            inf, nf,
            "{debugger} {name}: own frames at the stop differ (innative, then native)\n\
             --- innative ---\n{i}\n--- native ---\n{n}"
        );
        // `continue`: the trap report, and the trap exit status (134).
        assert!(
            i.contains("trap: ") && i.contains("at ") && (i.contains("0206") || i.contains("134")),
            "{debugger} {name}: no trap report or exit 134 after `continue`:\n{i}"
        );
        eprintln!("{debugger} {name}: stops as natively: {nf:?}");
    }
}

#[test]
fn gdb_stops_where_the_program_trapped() {
    check("gdb", gdb, gdb_frames);
}

#[test]
fn lldb_stops_where_the_program_trapped() {
    check("lldb-19", lldb, lldb_frames);
}

#[test]
fn backtrace_parsers() {
    let g = "#0  0x00005555 in innative_trap ()\n#1  0x0000555555557b20 in divide (a=10, b=0) at prog.c:4\n#2  main () at prog.c:9\n";
    assert_eq!(
        gdb_frames(g),
        vec![
            ("divide".into(), "prog.c:4".into()),
            ("main".into(), "prog.c:9".into())
        ]
    );
    let l = "(lldb) bt\n  * frame #0: 0x0000 exe`innative_trap + 100\n    frame #1: 0x0000 exe`divide(a=10, b=0) at prog.c:4:13\n    frame #2: 0x0000 exe`main at prog.c:9:18\n(lldb) continue\n    frame #0: 0x0000 exe`main at prog.c:9:18\n";
    assert_eq!(
        lldb_frames(l),
        vec![
            ("divide".into(), "prog.c:4".into()),
            ("main".into(), "prog.c:9".into())
        ]
    );
}
