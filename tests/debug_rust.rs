//! A Rust program (fixtures/rust/debug_shapes.rs) debugged through
//! `innative gdb` / `innative lldb` against the same program built natively
//! by the same rustc (Debian's 1.63, whose wasm32-wasi standard library comes
//! from `libstd-rust-dev-wasm32`), both `-g -C opt-level=0`:
//!
//! * a breakpoint by function path (`shapes::area`) stops in that function
//!   on the same line, and the backtrace's innermost frames carry the same
//!   Rust names (`shapes::main::{closure#0}`);
//! * a breakpoint by `file:line` in `main` stops there, with the frame
//!   named as natively, and scalar and array locals print as natively;
//! * in gdb, `p *s` of an enum with data (`shapes::Shape::Circle{...}`),
//!   `p maybe` (`core::option::Option<u32>::Some(7)`), `p slice`
//!   (`&[u8] [2, 3]`), `p label` (a `&str`: `"total"`) and `info locals`
//!   (with `String` and `Vec`, structurally) print as natively, and so
//!   does a C-like enum (`shapes::Unit::Meter`);
//! * in lldb, enums with data and `Option` show the same variants,
//!   discriminants, values and variant type names as natively.
//!
//! * a panic (fixtures/rust/debug_panic.rs, from a closure): the program
//!   stops in the debugger, and the backtrace from `std::panicking::
//!   rust_panic` down to `main` has the same Rust frames, with the same
//!   lines in the program's own file, as the native build (`-C
//!   panic=abort`) in gdb and lldb; the closure's locals print as natively.
//!
//! Not compared (see the README's Rust section): lldb's slices and `&str`
//! (natively lldb reads the data pointer as a C string, past the slice's
//! end).

mod common;

use common::{debugger_output, hide_hex, innative, require, tempdir};
use std::path::{Path, PathBuf};
use std::process::Command;

const RUSTC: &str = "/usr/bin/rustc";

/// (native, innative) builds of the fixture.
fn build(dir: &Path) -> (PathBuf, PathBuf) {
    build_fixture(dir, "debug_shapes.rs", "shapes", &[])
}

/// (native, innative) builds of `fixtures/rust/FIXTURE`, copied to
/// `NAME.rs` in `dir`; `native_extra` are more rustc flags for the native
/// build.
fn build_fixture(
    dir: &Path,
    fixture: &str,
    name: &str,
    native_extra: &[&str],
) -> (PathBuf, PathBuf) {
    let src = common::fixture(&format!("rust/{fixture}"));
    let file = format!("{name}.rs");
    let wasm = format!("{name}.wasm");
    std::fs::copy(&src, dir.join(&file)).unwrap();
    let rustc = |extra: &[&str], out: &str| {
        let o = common::output(
            Command::new(RUSTC)
                .args([
                    "--edition",
                    "2021",
                    "-g",
                    "-C",
                    "opt-level=0",
                    &file,
                    "-o",
                    out,
                ])
                .args(extra)
                .current_dir(dir),
        );
        common::assert_success(&o, &format!("rustc {extra:?}"));
    };
    rustc(native_extra, "native");
    rustc(&["--target", "wasm32-wasi"], &wasm);
    let o = common::output(
        innative(["compile", "-g", "-O0", &wasm, "-o", "innative"]).current_dir(dir),
    );
    common::assert_success(&o, &format!("innative compile -g -O0 {wasm}"));
    (dir.join("native"), dir.join("innative"))
}

/// A session's text with hex numbers hidden and source paths reduced to
/// the file name (rustc's line table names the file relative to the
/// compilation directory; innative's native DWARF names it absolutely).
fn normalize(text: &str, dir: &Path) -> String {
    let dir = format!("{}/", std::fs::canonicalize(dir).unwrap().display());
    hide_hex(&text.replace(&dir, ""))
}

/// The debugger a session runs in.
#[derive(Clone, Copy)]
enum Debugger {
    Gdb,
    Lldb,
}

/// The same `commands` in batch mode on innative's build `exe` (through
/// `innative gdb` / `innative lldb`) and on the native build: (ours,
/// theirs), normalized.
fn sessions(
    debugger: Debugger,
    commands: &[&str],
    dir: &Path,
    exe: &Path,
    native: &Path,
) -> (String, String) {
    let session =
        |cmd: &mut Command| normalize(&debugger_output(cmd.args(commands).current_dir(dir)), dir);
    match debugger {
        Debugger::Gdb => (
            session(innative(["gdb", "-batch", "-nx"]).arg(exe)),
            session(Command::new("gdb").args(["-batch", "-nx"]).arg(native)),
        ),
        Debugger::Lldb => (
            session(innative(["lldb", "--no-lldbinit", "-b"]).arg(exe)),
            session(
                Command::new("lldb-19")
                    .args(["--no-lldbinit", "-b"])
                    .arg(native),
            ),
        ),
    }
}

fn lines_with<'t>(text: &'t str, prefixes: &[&str]) -> Vec<&'t str> {
    text.lines()
        .filter(|l| prefixes.iter().any(|p| l.trim_start().starts_with(p)))
        .collect()
}

#[test]
fn gdb_on_a_rust_program_names_and_shows_what_native_does() {
    if !require(RUSTC) || !require("gdb") {
        return;
    }
    let dir = tempdir();
    let (native, exe) = build(dir.path());
    let commands = [
        "-ex",
        "break shapes::area",
        "-ex",
        "run",
        "-ex",
        "bt 2",
        "-ex",
        "p *s",
        "-ex",
        "break shapes.rs:33",
        "-ex",
        "delete 1",
        "-ex",
        "continue",
        "-ex",
        "p total",
        "-ex",
        "p scale",
        "-ex",
        "p nums",
        "-ex",
        "info frame",
        "-ex",
        "p maybe",
        "-ex",
        "p slice",
        "-ex",
        "p label",
        "-ex",
        "p shapes",
        "-ex",
        "info locals",
        "-ex",
        "break shapes.rs:41",
        "-ex",
        "continue",
        "-ex",
        "p unit",
    ];
    let (ours, theirs) = sessions(Debugger::Gdb, &commands, dir.path(), &exe, &native);
    // Stops, frames and printed values; `info frame`'s first line names the
    // function and line.
    // `info locals` at line 33: every local of `main` (the `String` and
    // `Vec` structurally, as gdb 13 prints them without rust-gdb's printers).
    let wanted = [
        "Breakpoint 1,",
        "Breakpoint 2,",
        "Breakpoint 3,",
        "#0 ",
        "#1 ",
        "$",
        "rip = ",
        "total = ",
        "scale = ",
        "slice = ",
        "nums = ",
        "maybe = ",
        "shapes = ",
        "label = ",
        "name = ",
    ];
    let pick = |t: &str| -> Vec<String> {
        lines_with(t, &wanted)
            .iter()
            .map(|l| match l.split_once(" in ") {
                // `rip = 0x? in shapes::main (shapes.rs:33); saved rip = 0x?`
                Some((_, rest)) if l.trim_start().starts_with("rip = ") => {
                    rest.split(';').next().unwrap_or(rest).to_string()
                }
                _ => l.to_string(),
            })
            .collect()
    };
    assert_eq!(
        pick(&ours),
        pick(&theirs),
        "gdb: innative\n{ours}\n---- native\n{theirs}"
    );
    assert!(ours.contains("shapes::area (s="), "{ours}");
    assert!(ours.contains("shapes::main::{closure#0}"), "{ours}");
    // Enums with data and `Option` (variant parts), a slice and a `&str`.
    for shown in [
        "= shapes::Shape::Circle{center: shapes::Point {x: 1, y: 2}, radius: 3}",
        "maybe = core::option::Option<u32>::Some(7)",
        "slice = &[u8] [2, 3]",
        "label = \"total\"",
        "= shapes::Unit::Meter",
    ] {
        assert!(ours.contains(shown), "{shown}\n{ours}");
    }
}

#[test]
fn lldb_on_a_rust_program_names_and_shows_what_native_does() {
    if !require(RUSTC) || !require("lldb-19") {
        return;
    }
    let dir = tempdir();
    let (native, exe) = build(dir.path());
    let commands = [
        "-o",
        "b shapes.rs:33",
        "-o",
        "run",
        "-o",
        "frame variable total scale nums",
        "-o",
        "b shapes::area",
        "-o",
        "bt 1",
    ];
    let (ours, theirs) = sessions(Debugger::Lldb, &commands, dir.path(), &exe, &native);
    let pick = |t: &str| -> Vec<String> {
        lines_with(t, &["frame #0", "(unsigned long)", "(unsigned char[4])"])
            .iter()
            .map(|l| {
                // `frame #0: 0x? innative`shapes::main::h… at shapes.rs:33:5`:
                // the function and position, not the binary's name.
                l.split_once('`')
                    .map_or(l.to_string(), |(_, rest)| rest.to_string())
            })
            .collect()
    };
    assert_eq!(
        pick(&ours),
        pick(&theirs),
        "lldb: innative\n{ours}\n---- native\n{theirs}"
    );
    assert!(ours.contains("shapes::main::h"), "{ours}");
}

#[test]
fn lldb_shows_rust_enums_as_natively() {
    if !require(RUSTC) || !require("lldb-19") {
        return;
    }
    let dir = tempdir();
    let (native, exe) = build(dir.path());
    // lldb 19 (no Rust plugin) shows a variant part as a union of the
    // variants, each with the discriminant and the variant's value.
    let commands = [
        "-o",
        "b shapes::area",
        "-o",
        "run",
        "-o",
        "frame variable *s",
        "-o",
        "breakpoint delete 1",
        "-o",
        "b shapes.rs:33",
        "-o",
        "continue",
        "-o",
        "frame variable maybe",
    ];
    let (ours, theirs) = sessions(Debugger::Lldb, &commands, dir.path(), &exe, &native);
    // Every line but `Rect`'s second point, which overlaps the padding of
    // the `Circle` that is there (whatever the allocator left: 0 in a fresh
    // linear memory).  A dataless variant's line names its type with the
    // enum's template parameters, as natively: `Option<u32>::None<unsigned int>`.
    let pick = |t: &str| -> Vec<String> {
        lines_with(
            t,
            &[
                "$variant",
                "$discr$ = ",
                "center = ",
                "radius = ",
                "value = (",
                "(shapes::Shape)",
                "(core::option",
            ],
        )
        .iter()
        .map(|l| l.to_string())
        .collect()
    };
    assert_eq!(
        pick(&ours),
        pick(&theirs),
        "lldb: innative\n{ours}\n---- native\n{theirs}"
    );
    assert!(ours.contains("radius = 3"), "{ours}");
    assert!(ours.contains("value = (__0 = 7)"), "{ours}");
    assert!(
        ours.contains("core::option::Option<u32>::None<unsigned int>"),
        "{ours}"
    );
}

/// The frames of a backtrace from the one naming `first` down to the one
/// naming `last`: each function name (symbol hashes `::h…` left out: the
/// standard libraries of the two targets differ), with `file:line` when the
/// frame is in `own_file`.
fn frames_between(bt: &[String], first: &str, last: &str, own_file: &str) -> Vec<String> {
    let start = bt.iter().position(|f| f.contains(first));
    let end = bt.iter().rposition(|f| f.contains(last));
    let (Some(start), Some(end)) = (start, end) else {
        return Vec::new();
    };
    bt[start..=end]
        .iter()
        .map(|f| {
            let name: String = {
                let mut out = String::new();
                let mut rest = f.as_str();
                while let Some(i) = rest.find("::h") {
                    let hash = &rest[i + 3..];
                    let n = hash.chars().take_while(|c| c.is_ascii_hexdigit()).count();
                    out.push_str(&rest[..i]);
                    if n == 16 {
                        rest = &hash[n..];
                    } else {
                        out.push_str("::h");
                        rest = hash;
                    }
                }
                out.push_str(rest);
                out
            };
            let func = name.split_whitespace().next().unwrap_or("").to_string();
            match name.find(own_file) {
                Some(i) => {
                    let at: String = name[i..]
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .collect();
                    // gdb: `panic.rs:10`; lldb: `panic.rs:10:17`.
                    let line: Vec<&str> = at.split(':').take(2).collect();
                    format!("{func} at {}", line.join(":"))
                }
                None => func,
            }
        })
        .collect()
}

/// gdb's `bt` lines as `FUNCTION (args) at FILE:LINE`.
fn gdb_frames(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| {
            let rest = l.split_once(' ').map_or(l, |(_, r)| r).trim_start();
            // `0x? in NAME (...)` or `NAME (...)` (inlined frames).
            rest.split_once(" in ").map_or(rest, |(_, r)| r).to_string()
        })
        .collect()
}

/// lldb's `bt` lines as `FUNCTION at FILE:LINE:COL` (the `[inlined]` name
/// when there is one).
fn lldb_frames(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| {
            l.trim_start()
                .trim_start_matches("* ")
                .starts_with("frame #")
        })
        .map(|l| {
            let rest = l.split_once('`').map_or(l, |(_, r)| r);
            let rest = rest.rsplit_once(" [inlined] ").map_or(rest, |(_, r)| r);
            // Arguments are printed differently (addresses); keep the name
            // and the position.
            let name = rest.split('(').next().unwrap_or(rest).trim();
            let name = name.split(" at ").next().unwrap_or(name).trim();
            let name = name.split(" + ").next().unwrap_or(name).trim();
            match rest.rsplit_once(" at ") {
                Some((_, at)) => format!("{name} at {at}"),
                None => name.to_string(),
            }
        })
        .collect()
}

#[test]
fn gdb_on_a_rust_panic_shows_the_native_backtrace() {
    if !require(RUSTC) || !require("gdb") {
        return;
    }
    let dir = tempdir();
    let (native, exe) = build_fixture(
        dir.path(),
        "debug_panic.rs",
        "panic",
        &["-C", "panic=abort"],
    );
    let commands = [
        "-ex",
        "run",
        "-ex",
        "bt",
        "-ex",
        "frame function panic::checks::check_all::{closure#0}",
        "-ex",
        "info locals",
        "-ex",
        "p *v",
    ];
    let (ours, theirs) = sessions(Debugger::Gdb, &commands, dir.path(), &exe, &native);
    assert!(
        ours.contains("innative: trap: unreachable: stopped in the debugger"),
        "{ours}"
    );
    let pick = |t: &str| frames_between(&gdb_frames(t), "rust_panic (", "panic::main ", "panic.rs");
    let (o, t) = (pick(&ours), pick(&theirs));
    assert!(t.len() >= 8, "native backtrace:\n{theirs}");
    assert_eq!(o, t, "gdb: innative\n{ours}\n---- native\n{theirs}");
    assert!(
        o.iter()
            .any(|f| f == "panic::checks::check_all::{closure#0} at panic.rs:10"),
        "{o:?}"
    );
    // The closure's frame: its captured limit and the value it panicked on.
    let locals = |t: &str| lines_with(t, &["limit = ", "$1 = "]).join("\n");
    assert_eq!(
        locals(&ours),
        locals(&theirs),
        "{ours}\n---- native\n{theirs}"
    );
    assert!(locals(&ours).contains("$1 = 12"), "{ours}");
}

#[test]
fn lldb_on_a_rust_panic_shows_the_native_backtrace() {
    if !require(RUSTC) || !require("lldb-19") {
        return;
    }
    let dir = tempdir();
    let (native, exe) = build_fixture(
        dir.path(),
        "debug_panic.rs",
        "panic",
        &["-C", "panic=abort"],
    );
    // `-k`: commands for when the process stops on a signal (batch mode
    // stops running `-o` commands then).
    let commands = ["-o", "run", "-k", "bt"];
    let (ours, theirs) = sessions(Debugger::Lldb, &commands, dir.path(), &exe, &native);
    let pick = |t: &str| frames_between(&lldb_frames(t), "rust_panic", "panic::main", "panic.rs");
    let (o, t) = (pick(&ours), pick(&theirs));
    assert!(t.len() >= 8, "native backtrace:\n{theirs}");
    assert_eq!(o, t, "lldb: innative\n{ours}\n---- native\n{theirs}");
    assert!(o.iter().any(|f| f.ends_with("at panic.rs:10")), "{o:?}");
}
