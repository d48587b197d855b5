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
    let src = common::fixture("rust/debug_shapes.rs");
    std::fs::copy(&src, dir.join("shapes.rs")).unwrap();
    let rustc = |extra: &[&str], out: &str| {
        let o = common::output(
            Command::new(RUSTC)
                .args([
                    "--edition",
                    "2021",
                    "-g",
                    "-C",
                    "opt-level=0",
                    "shapes.rs",
                    "-o",
                    out,
                ])
                .args(extra)
                .current_dir(dir),
        );
        common::assert_success(&o, &format!("rustc {extra:?}"));
    };
    rustc(&[], "native");
    rustc(&["--target", "wasm32-wasi"], "shapes.wasm");
    let o = common::output(
        innative(["compile", "-g", "-O0", "shapes.wasm", "-o", "innative"]).current_dir(dir),
    );
    common::assert_success(&o, "innative compile -g -O0 shapes.wasm");
    (dir.join("native"), dir.join("innative"))
}

/// A session's text with hex numbers hidden and source paths reduced to
/// the file name (rustc's line table names the file relative to the
/// compilation directory; innative's native DWARF names it absolutely).
fn normalize(text: &str, dir: &Path) -> String {
    let dir = format!("{}/", std::fs::canonicalize(dir).unwrap().display());
    hide_hex(&text.replace(&dir, ""))
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
    let session = |cmd: &mut Command| {
        normalize(
            &debugger_output(cmd.args(commands).current_dir(dir.path())),
            dir.path(),
        )
    };
    let ours = session(innative(["gdb", "-batch", "-nx"]).arg(&exe));
    let theirs = session(Command::new("gdb").args(["-batch", "-nx"]).arg(&native));
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
    let session = |cmd: &mut Command| {
        normalize(
            &debugger_output(cmd.args(commands).current_dir(dir.path())),
            dir.path(),
        )
    };
    let ours = session(innative(["lldb", "--no-lldbinit", "-b"]).arg(&exe));
    let theirs = session(
        Command::new("lldb-19")
            .args(["--no-lldbinit", "-b"])
            .arg(&native),
    );
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
    let session = |cmd: &mut Command| {
        normalize(
            &debugger_output(cmd.args(commands).current_dir(dir.path())),
            dir.path(),
        )
    };
    let ours = session(innative(["lldb", "--no-lldbinit", "-b"]).arg(&exe));
    let theirs = session(
        Command::new("lldb-19")
            .args(["--no-lldbinit", "-b"])
            .arg(&native),
    );
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
