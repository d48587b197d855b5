//! wasi-libc's `memcpy`, `memmove` and `memset` compiled as builtins
//! (src/lower/libc_builtins.rs): fixtures/wasi/memops.c, built for
//! wasm32-wasi at -O2, prints the same checksums through innative -O2 (with
//! the builtins) and -O0 (the wasm bodies) as its native build; a copy past
//! the end of linear memory traps; and the optimized IR really has the
//! builtin body (so this test fails if the recognition breaks).

mod common;

use common::*;
use std::process::Command;

#[test]
fn memcpy_memmove_memset_builtins_behave_as_the_c_library() {
    if !require("clang-19") {
        return;
    }
    let dir = tempdir();
    let src = fixture("wasi/memops.c");
    let wasm = dir.path().join("memops.wasm");
    let native = dir.path().join("memops.native");
    let o = output(
        Command::new("clang-19")
            .args(["--target=wasm32-wasi", "-O2"])
            .arg(&src)
            .arg("-o")
            .arg(&wasm),
    );
    assert_success(&o, "clang-19 --target=wasm32-wasi memops.c");
    let o = output(
        Command::new("clang-19")
            .arg("-O2")
            .arg(&src)
            .arg("-o")
            .arg(&native),
    );
    assert_success(&o, "clang-19 memops.c");
    let expected = output(&mut Command::new(&native));
    assert_success(&expected, "native memops");

    for level in ["-O0", "-O2"] {
        let exe = dir.path().join(format!("memops{level}"));
        let ir = dir.path().join(format!("memops{level}.ll"));
        let o = output(innative([
            "compile".as_ref(),
            level.as_ref(),
            wasm.as_os_str(),
            "-o".as_ref(),
            exe.as_os_str(),
            "--emit-llvm".as_ref(),
            ir.as_os_str(),
        ]));
        assert_success(&o, &format!("innative compile {level} memops.wasm"));
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
        let text = std::fs::read_to_string(&ir).unwrap();
        let memcpy_body = text
            .split("\ndefine ")
            .find(|f| f.contains("@memops.memcpy("))
            .unwrap_or_else(|| panic!("{level}: no memcpy definition in the IR"));
        assert_eq!(
            memcpy_body.contains("@llvm.memmove"),
            level == "-O2",
            "{level}: memcpy body:\n{memcpy_body}"
        );
    }
}
