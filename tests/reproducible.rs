//! Reproducible output (issue 18): the same inputs and flags give
//! byte-identical executables, shared libraries, objects, source maps and
//! `.wat` text whatever the working directory, the temporary directory or
//! the run.  Each build runs in its own directory (different names and
//! depths) with its own `TMPDIR`, from relative paths.  With `-g`, DWARF
//! holds paths only where the user gave them: a clang module's own paths
//! (identical everywhere), and for text provenance the build directory,
//! which `--debug-prefix-map DIR=.` rewrites (as clang's
//! `-fdebug-prefix-map`).

mod common;

use common::{fixture, innative, output, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds everything in `dir` (inputs already copied there).
fn build_all(dir: &Path, tmp: &Path) -> Vec<&'static str> {
    let d = dir.to_str().expect("utf-8 temp path");
    let map = format!("{d}=.");
    let runs: Vec<Vec<&str>> = vec![
        // Without -g.
        vec!["compile", "factorial.wat", "-o", "fact"],
        vec!["compile", "--shared", "plain.wasm", "-o", "libplain.so"],
        vec!["compile", "--object", "functions.wasm", "-o", "functions.o"],
        vec!["compile", "functions.wasm", "-o", "functions"],
        vec!["serialize", "functions.wasm", "-o", "functions.wat"],
        vec![
            "serialize",
            "--emit-debug",
            "functions.wasm",
            "-o",
            "functions.debug.wat",
        ],
        vec!["serialize", "factorial.wat", "-o", "factorial.out.wat"],
        vec![
            "build-sourcemap",
            "functions.wasm",
            "--names",
            "-o",
            "functions.map",
        ],
        // -g with DWARF from clang: its paths are the module's own.
        vec![
            "compile",
            "-g",
            "--object",
            "functions.wasm",
            "-o",
            "functions-g.o",
        ],
        vec!["compile", "-g", "functions.wasm", "-o", "functions-g"],
        vec![
            "build-sourcemap",
            "functions-g",
            "--names",
            "-o",
            "functions-g.map",
        ],
        // -g from text: the build directory is mapped away.
        vec![
            "compile",
            "-g",
            "--debug-prefix-map",
            &map,
            "factorial.wat",
            "-o",
            "fact-g",
        ],
        vec![
            "compile",
            "-g",
            "--debug-prefix-map",
            &map,
            "--object",
            "factorial.wat",
            "-o",
            "fact-g.o",
        ],
        vec![
            "compile",
            "-g",
            "--debug-prefix-map",
            &map,
            "--shared",
            "plain.wasm",
            "-o",
            "libplain-g.so",
        ],
        vec!["build-sourcemap", "fact-g", "-o", "fact-g.map"],
    ];
    for args in &runs {
        let o = output(innative(args).current_dir(dir).env("TMPDIR", tmp));
        assert!(
            o.status.success(),
            "innative {args:?} in {d}: {}",
            stderr(&o)
        );
    }
    vec![
        "fact",
        "libplain.so",
        "functions.o",
        "functions",
        "functions.wat",
        "functions.debug.wat",
        "factorial.out.wat",
        "functions.map",
        "functions-g.o",
        "functions-g",
        "functions-g.map",
        "fact-g",
        "fact-g.o",
        "libplain-g.so",
        "libplain-g.so.wat",
        "fact-g.map",
    ]
}

fn setup(root: &Path, sub: &str, inputs: &Path) -> (PathBuf, PathBuf) {
    let dir = root.join(sub);
    let tmp = root.join(format!("{sub}-tmp"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    for f in ["factorial.wat", "plain.wasm", "functions.wasm"] {
        std::fs::copy(inputs.join(f), dir.join(f)).unwrap();
    }
    (dir, tmp)
}

#[test]
fn outputs_identical_across_directories_and_runs() {
    if Command::new("clang-19").arg("--version").output().is_err() {
        eprintln!("skipped: clang-19 not found (scripts/setup.sh installs it)");
        return;
    }
    let inputs = common::tempdir();
    let i = inputs.path();
    std::fs::copy(fixture("wat/factorial.wat"), i.join("factorial.wat")).unwrap();
    // A binary without DWARF: -g writes and debugs OUT.wat.
    let plain = wat::parse_file(fixture("wat/factorial.wat")).expect("factorial.wat");
    std::fs::write(i.join("plain.wasm"), plain).unwrap();
    let o = output(
        Command::new("clang-19")
            .args(["--target=wasm32-wasi", "-g", "-O1"])
            .arg(fixture("debug/functions/functions.c"))
            .arg("-o")
            .arg(i.join("functions.wasm")),
    );
    assert!(o.status.success(), "clang-19: {}", stderr(&o));

    let a = common::tempdir();
    let b = tempfile::Builder::new()
        .prefix("innative-repro-other-")
        .tempdir()
        .unwrap();
    let (da, ta) = setup(a.path(), "first", i);
    let (db, tb) = setup(b.path(), "second/build/dir", i);
    let (dc, tc) = setup(a.path(), "again", i);
    let files = build_all(&da, &ta);
    build_all(&db, &tb);
    build_all(&dc, &tc);
    let mut differ = Vec::new();
    for f in &files {
        let x = std::fs::read(da.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        for other in [&db, &dc] {
            let y = std::fs::read(other.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
            if x != y {
                differ.push(format!("{f} ({} vs {})", da.display(), other.display()));
            }
        }
        // No build path leaks into any output.
        for dir in [&da, &ta] {
            let needle = dir.to_str().unwrap().as_bytes();
            assert!(
                !x.windows(needle.len()).any(|w| w == needle),
                "{f} contains the build path {}",
                dir.display()
            );
        }
    }
    assert!(differ.is_empty(), "outputs differ: {differ:?}");
}
