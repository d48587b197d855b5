//! `innative gdb` and `innative lldb`: the system debugger with innative's
//! extension loaded and trusted, every argument passed through.  A session
//! through the wrapper on an innative `-g` build must print what the plain
//! debugger prints on the native `-g` build of the same C (a pointer member
//! shown as a native string, `*p` followed), with no auto-load warning, and
//! the program must get its own arguments.

mod common;

use common::{build_native_and_innative, debugger_output, hide_hex, innative, require, tempdir};
use std::process::Command;

const PROGRAM: &str = r#"#include <stdio.h>
struct shape { const char *label; int id; };
int main(int argc, char **argv) {
  struct shape s = {"circle", argc};
  struct shape *p = &s;
  printf("%s %d %s\n", p->label, p->id, argv[argc - 1]);
  return 0;
}
"#;

/// The lines of a session from the first stop on, hex numbers hidden.
fn from_stop(out: &str, marker: &str) -> String {
    let start = out
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in:\n{out}"));
    hide_hex(&out[start..])
}

#[test]
fn innative_gdb_trusts_the_extension_and_passes_arguments_through() {
    if !require("gdb") || !require("clang-19") {
        return;
    }
    let dir = tempdir();
    let (native, exe) = build_native_and_innative(dir.path(), PROGRAM);
    let commands = [
        "-ex",
        "break 6",
        "-ex",
        "run",
        "-ex",
        "p s",
        "-ex",
        "p *p",
        "-ex",
        "p p->label",
        "-ex",
        "p argc",
    ];
    let through_wrapper = debugger_output(
        innative(["gdb", "-batch", "-nx"])
            .args(commands)
            .args([
                "--args".as_ref(),
                exe.as_os_str(),
                "one".as_ref(),
                "two".as_ref(),
            ])
            .current_dir(dir.path()),
    );
    assert!(
        !through_wrapper.contains("auto-loading has been declined"),
        "innative gdb left the extension untrusted:\n{through_wrapper}"
    );
    let native_session = debugger_output(
        Command::new("gdb")
            .args(["-batch", "-nx"])
            .args(commands)
            .args([
                "--args".as_ref(),
                native.as_os_str(),
                "one".as_ref(),
                "two".as_ref(),
            ])
            .current_dir(dir.path()),
    );
    let marker = "Breakpoint 1, main";
    assert_eq!(
        from_stop(&through_wrapper, marker),
        from_stop(&native_session, marker),
        "innative gdb on the innative build differs from gdb on the native build"
    );
    assert!(through_wrapper.contains("\"circle\""), "{through_wrapper}");
    assert!(through_wrapper.contains("= 3"), "argc: {through_wrapper}");

    // Without the wrapper, gdb declines the extension: the wrapper is what
    // makes the difference.
    let plain = debugger_output(
        Command::new("gdb")
            .args(["-batch", "-nx"])
            .args(commands)
            .arg(&exe)
            .current_dir(dir.path()),
    );
    assert!(plain.contains("auto-loading has been declined"), "{plain}");
}

#[test]
fn innative_lldb_imports_the_extension_and_passes_arguments_through() {
    if !require("lldb-19") || !require("clang-19") {
        return;
    }
    let dir = tempdir();
    let (native, exe) = build_native_and_innative(dir.path(), PROGRAM);
    // No innative_lldb.py beside the program: the wrapper brings its own.
    let _ = std::fs::remove_file(dir.path().join("innative_lldb.py"));
    // (Whole structs are left out: lldb prints a struct whose pointer member
    // has a summary provider over several lines, natively on one.)
    let commands = [
        "-o",
        "b prog.c:6",
        "-o",
        "run",
        "-o",
        "p s.label",
        "-o",
        "p p->label",
        "-o",
        "p p->id",
        "-o",
        "p argc",
    ];
    let through_wrapper = debugger_output(
        innative(["lldb", "--no-lldbinit", "-b"])
            .args(commands)
            .args([
                "--".as_ref(),
                exe.as_os_str(),
                "one".as_ref(),
                "two".as_ref(),
            ])
            .current_dir(dir.path()),
    );
    let native_session = debugger_output(
        Command::new("lldb-19")
            .args(["--no-lldbinit", "-b"])
            .args(commands)
            .args([
                "--".as_ref(),
                native.as_os_str(),
                "one".as_ref(),
                "two".as_ref(),
            ])
            .current_dir(dir.path()),
    );
    let marker = "(lldb) p s.label";
    assert_eq!(
        from_stop(&through_wrapper, marker),
        from_stop(&native_session, marker),
        "innative lldb on the innative build differs from lldb on the native build"
    );
    assert!(through_wrapper.contains("\"circle\""), "{through_wrapper}");
}

#[test]
fn a_missing_debugger_is_a_one_line_error() {
    let o = common::output(innative(["gdb", "--version"]).env("INNATIVE_GDB", "/nonexistent/gdb"));
    assert_eq!(common::status(&o), 1, "{}", common::describe(&o));
    let err = common::stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/gdb"), "{err}");
}

/// An aarch64 build (`--target aarch64-linux-gnu`) on this x86-64 machine:
/// `innative gdb` starts it under `qemu-aarch64 -g` and debugs it with
/// gdb-multiarch, `innative lldb` connects lldb to the same stub.  The gdb
/// session on the innative build prints what it prints on clang's native
/// aarch64 build of the same C; the program gets its arguments.
#[test]
fn innative_gdb_and_lldb_debug_an_aarch64_program_under_qemu() {
    if cfg!(target_arch = "aarch64")
        || !require("gdb-multiarch")
        || !require("qemu-aarch64")
        || !require("lldb-19")
        || !std::path::Path::new("/usr/aarch64-linux-gnu/include").is_dir()
    {
        return;
    }
    let dir = tempdir();
    std::fs::write(dir.path().join("prog.c"), PROGRAM).unwrap();
    let run = |cmd: &mut Command, what: &str| {
        let o = common::output(cmd.current_dir(dir.path()));
        common::assert_success(&o, what);
    };
    run(
        Command::new("clang-19").args([
            "--target=aarch64-linux-gnu",
            "-fuse-ld=lld",
            "-g",
            "-O0",
            "prog.c",
            "-o",
            "native",
        ]),
        "clang-19 --target=aarch64-linux-gnu",
    );
    run(
        Command::new("clang-19").args(["--target=wasm32-wasi", "-g", "prog.c", "-o", "prog.wasm"]),
        "clang-19 --target=wasm32-wasi",
    );
    run(
        &mut innative([
            "compile",
            "-g",
            "-O0",
            "--target",
            "aarch64-linux-gnu",
            "prog.wasm",
            "-o",
            "innative",
        ]),
        "innative compile --target aarch64-linux-gnu",
    );
    let gdb = |exe: &str| {
        debugger_output(
            innative(["gdb", "-batch", "-nx"])
                .args([
                    "-ex", "break 6", "-ex", "continue", "-ex", "p s", "-ex", "p *p",
                ])
                .args([
                    "-ex",
                    "p p->label",
                    "-ex",
                    "p argc",
                    "-ex",
                    "bt",
                    "-ex",
                    "kill",
                ])
                .args(["--args", exe, "one", "two"])
                .current_dir(dir.path()),
        )
    };
    let (native, inn) = (gdb("./native"), gdb("./innative"));
    let marker = "Breakpoint 1, main";
    assert_eq!(
        from_stop(&inn, marker),
        from_stop(&native, marker),
        "innative gdb: the aarch64 innative build differs from the native one"
    );
    assert!(inn.contains("\"circle\""), "{inn}");
    assert!(inn.contains("$4 = 3"), "argc: {inn}");

    let lldb = debugger_output(
        innative(["lldb", "--batch"])
            .args(["-o", "breakpoint set -f prog.c -l 6", "-o", "continue"])
            .args([
                "-o",
                "frame variable argc",
                "-o",
                "p p->label",
                "-o",
                "kill",
            ])
            .args(["--", "./innative", "one", "two"])
            .current_dir(dir.path()),
    );
    assert!(lldb.contains("(int) argc = 3"), "{lldb}");
    assert!(lldb.contains("\"circle\""), "{lldb}");
}
