//! wasi-libc's `memcpy`, `memmove`, `memset` and `qsort` compiled as
//! builtins (src/lower/libc_builtins.rs): fixtures/wasi/memops.c, built for
//! wasm32-wasi at -O2, prints the same checksums through innative -O2 (with
//! the builtins) and -O0 (the wasm bodies) as its native build; a copy past
//! the end of linear memory traps; and the optimized IR really has the
//! builtin body (so this test fails if the recognition breaks).
//! fixtures/wasi/sorting.c sorts the same keys at both levels, and at -O2
//! (runtime/sort.c) also puts equal elements in glibc's order with glibc's
//! comparisons, as the native build does.  fixtures/wasi/strops.c checks
//! strlen, strcspn, strspn and memcmp (src/lower/libc_strings.rs) the same way.

mod common;

use common::*;
use std::process::Command;

/// Builds `fixtures/wasi/NAME.c` for wasm32-wasi and natively (both -O2)
/// into `dir`; returns the wasm path and the native build's output.
fn build_both(dir: &std::path::Path, name: &str) -> (std::path::PathBuf, std::process::Output) {
    let src = fixture(&format!("wasi/{name}.c"));
    let wasm = dir.join(format!("{name}.wasm"));
    let native = dir.join(format!("{name}.native"));
    let o = output(
        Command::new("clang-19")
            .args(["--target=wasm32-wasi", "-O2", "-w"])
            .arg(&src)
            .arg("-o")
            .arg(&wasm),
    );
    assert_success(&o, &format!("clang-19 --target=wasm32-wasi {name}.c"));
    let o = output(
        Command::new("clang-19")
            .args(["-O2", "-w"])
            .arg(&src)
            .arg("-o")
            .arg(&native),
    );
    assert_success(&o, &format!("clang-19 {name}.c"));
    let expected = output(&mut Command::new(&native));
    assert_success(&expected, &format!("native {name}"));
    (wasm, expected)
}

/// `innative compile LEVEL WASM` into `dir`: the executable and its LLVM IR.
fn compile_at(
    dir: &std::path::Path,
    wasm: &std::path::Path,
    name: &str,
    level: &str,
) -> (std::path::PathBuf, String) {
    let exe = dir.join(format!("{name}{level}"));
    let ir = dir.join(format!("{name}{level}.ll"));
    let o = output(innative([
        "compile".as_ref(),
        level.as_ref(),
        wasm.as_os_str(),
        "-o".as_ref(),
        exe.as_os_str(),
        "--emit-llvm".as_ref(),
        ir.as_os_str(),
    ]));
    assert_success(&o, &format!("innative compile {level} {name}.wasm"));
    let text = std::fs::read_to_string(&ir).unwrap();
    (exe, text)
}

/// The definition of `func` in LLVM IR text.
fn definition<'t>(ir: &'t str, func: &str) -> Option<&'t str> {
    ir.split("\ndefine ")
        .find(|f| f.contains(&format!("@{func}(")))
}

#[test]
fn memcpy_memmove_memset_builtins_behave_as_the_c_library() {
    if !require("clang-19") {
        return;
    }
    let dir = tempdir();
    let (wasm, expected) = build_both(dir.path(), "memops");

    for level in ["-O0", "-O2"] {
        let (exe, text) = compile_at(dir.path(), &wasm, "memops", level);
        let ran = output(&mut Command::new(&exe));
        assert_eq!(
            stdout(&ran),
            stdout(&expected),
            "{level}: {}",
            describe(&ran)
        );
        assert_eq!(status(&ran), 0, "{level}: {}", describe(&ran));

        let trapped = output(Command::new(&exe).arg("oob"));
        assert_eq!(status(&trapped), 134, "{level}: {}", describe(&trapped));
        assert!(
            stderr(&trapped).contains("out of bounds memory access"),
            "{level}: {}",
            describe(&trapped)
        );
        assert!(
            !stdout(&trapped).contains("not reached"),
            "{level}: {}",
            describe(&trapped)
        );

        // The builtin body: memcpy's definition calls llvm.memmove at -O2 and
        // is the wasm loop at -O0.
        let memcpy_body = definition(&text, "memops.memcpy")
            .unwrap_or_else(|| panic!("{level}: no memcpy definition in the IR"));
        assert_eq!(
            memcpy_body.contains("@llvm.memmove"),
            level == "-O2",
            "{level}: memcpy body:\n{memcpy_body}"
        );
    }
}

/// Lines of `text` that start with `prefix`.
fn lines_with<'t>(text: &'t str, prefix: &str) -> Vec<&'t str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn qsort_builtin_sorts_as_glibc_and_keeps_the_traps() {
    if !require("clang-19") {
        return;
    }
    let dir = tempdir();
    let (wasm, expected) = build_both(dir.path(), "sorting");
    let native = stdout(&expected);
    assert!(native.contains("order pairs"), "{native}");
    for level in ["-O0", "-O2"] {
        let (exe, text) = compile_at(dir.path(), &wasm, "sorting", level);
        let ran = output(&mut Command::new(&exe));
        assert_eq!(status(&ran), 0, "{level}: {}", describe(&ran));
        let got = stdout(&ran);
        // What was sorted is the same at every level ...
        assert_eq!(
            lines_with(&got, "keys"),
            lines_with(&native, "keys"),
            "{level}"
        );
        // ... how ties end and which comparisons ran is glibc's at -O2 only.
        assert_eq!(
            got == native,
            level == "-O2",
            "{level}: native\n{native}\ninnative\n{got}"
        );

        for (arg, trap) in [
            ("null", "uninitialized element"),
            ("oob", "out of bounds memory access"),
        ] {
            let trapped = output(Command::new(&exe).arg(arg));
            assert_eq!(
                status(&trapped),
                134,
                "{level} {arg}: {}",
                describe(&trapped)
            );
            assert!(
                stderr(&trapped).contains(trap) && !stdout(&trapped).contains("not reached"),
                "{level} {arg}: {}",
                describe(&trapped)
            );
        }

        let body = definition(&text, "sorting.qsort")
            .unwrap_or_else(|| panic!("{level}: no qsort definition in the IR"));
        assert_eq!(
            body.contains("@innative_sort("),
            level == "-O2",
            "{level}: qsort body:\n{body}"
        );
    }
}

#[test]
fn string_builtins_call_the_host_library_and_keep_the_traps() {
    if !require("clang-19") {
        return;
    }
    let dir = tempdir();
    let (wasm, expected) = build_both(dir.path(), "strops");
    for level in ["-O0", "-O2"] {
        let (exe, text) = compile_at(dir.path(), &wasm, "strops", level);
        let ran = output(&mut Command::new(&exe));
        assert_eq!(
            stdout(&ran),
            stdout(&expected),
            "{level}: {}",
            describe(&ran)
        );
        // Reading off the end of linear memory traps, in the host's strlen
        // as in the wasm loop; a memcmp that differs before the end returns.
        for arg in ["strlen", "memcmp"] {
            let trapped = output(Command::new(&exe).arg(arg));
            assert_eq!(
                status(&trapped),
                134,
                "{level} {arg}: {}",
                describe(&trapped)
            );
            assert!(
                stderr(&trapped).contains("out of bounds memory access")
                    && !stdout(&trapped).contains("not reached"),
                "{level} {arg}: {}",
                describe(&trapped)
            );
        }
        let early = output(Command::new(&exe).arg("memcmp_early"));
        assert_eq!(status(&early), 0, "{level}: {}", describe(&early));
        assert!(
            stdout(&early).contains("memcmp early -1"),
            "{}",
            describe(&early)
        );

        for (func, host) in [
            ("strcspn", "@strcspn("),
            ("strspn", "@strspn("),
            ("memcmp", "@memcmp("),
        ] {
            let body = definition(&text, &format!("strops.{func}"));
            // At -O2 the tiny builtins may be inlined into their callers:
            // then the host call is in the module.
            let calls_host = body.map_or(text.contains(host), |b| b.contains(host));
            assert_eq!(calls_host, level == "-O2", "{level}: {func}");
        }
    }
}
