//! PDB for Windows targets: each debugger fixture (`fixtures/debug/*`) is
//! built natively by clang-19 for `x86_64-w64-windows-gnu` with CodeView
//! (`-g -gcodeview -Wl,--pdb=native.pdb`, the reference) and through
//! innative (`clang-19 --target=wasm32-wasi -g -O0`, then `innative compile
//! --target x86_64-w64-windows-gnu -g -O0 prog.wasm -o prog.exe`, which
//! writes `prog.pdb` beside it), and `scripts/pdb_compare.py` compares the
//! two PDBs through `llvm-pdbutil-19 dump`: functions, their source lines
//! (the native ones, or where clang's wasm code generation places lines
//! differently, the wasm module's own line table), parameters and locals by
//! name with a location, and their types (see `src/debuginfo/CODEVIEW.md`
//! for the differences that remain and why).
//!
//! Skipped with a message when
//! a tool is missing (clang-19, lld, llvm-pdbutil-19, llvm-dwarfdump-19,
//! python3).  `scripts/pdb-compare.sh` runs the same comparison by hand.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const TRIPLE: &str = "x86_64-w64-windows-gnu";

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Why the comparison cannot run here, if it cannot.
fn skip_reason() -> Option<String> {
    for t in [
        "clang-19",
        "clang++-19",
        "llvm-pdbutil-19",
        "llvm-dwarfdump-19",
        "python3",
    ] {
        if !have(t) {
            return Some(format!("{t} is missing (scripts/setup.sh installs it)"));
        }
    }
    None
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command, what: &str) {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        o.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Builds fixture `name` both ways in `dir`; returns the sources and
/// headers (as the PDBs name them).
fn build(name: &str, dir: &Path) -> Vec<String> {
    let src = repo().join("fixtures/debug").join(name);
    let mut files: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for f in &files {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let sources: Vec<&String> = files
        .iter()
        .filter(|f| f.ends_with(".c") || f.ends_with(".cpp"))
        .collect();
    let cxx = sources.iter().any(|s| s.ends_with(".cpp"));
    let (cc, extra): (&str, &[&str]) = if cxx {
        (
            "clang++-19",
            &["-fno-exceptions", "-fno-rtti", "-nostdlib++"],
        )
    } else {
        ("clang-19", &[])
    };
    run(
        Command::new(cc)
            .current_dir(dir)
            .args([
                &format!("--target={TRIPLE}"),
                "-fuse-ld=lld",
                "-g",
                "-gcodeview",
                "-O0",
            ])
            .args(extra)
            .args(&sources)
            .args(["-Wl,--pdb=native.pdb", "-o", "native.exe"]),
        &format!("{name}: native {cc} --target={TRIPLE}"),
    );
    run(
        Command::new(cc)
            .current_dir(dir)
            .args(["--target=wasm32-wasi", "-g", "-O0"])
            .args(extra)
            .args(&sources)
            .args(["-o", "prog.wasm"]),
        &format!("{name}: {cc} --target=wasm32-wasi"),
    );
    run(
        common::innative([
            "compile",
            "--target",
            TRIPLE,
            "-g",
            "-O0",
            "prog.wasm",
            "-o",
            "prog.exe",
        ])
        .current_dir(dir),
        &format!("{name}: innative compile --target {TRIPLE} -g"),
    );
    assert!(
        dir.join("prog.pdb").exists(),
        "{name}: innative compile --target {TRIPLE} -g wrote no prog.pdb beside prog.exe"
    );
    files
        .into_iter()
        .filter(|f| [".c", ".cpp", ".h", ".hpp"].iter().any(|e| f.ends_with(e)))
        .collect()
}

/// The comparison report of fixture `name` (`pdb_compare.py --json`).
fn compare(name: &str) -> serde_json::Value {
    let dir = tempfile::Builder::new()
        .prefix(&format!("innative-pdb-{name}-"))
        .tempdir()
        .unwrap();
    let sources = build(name, dir.path());
    let o = Command::new("python3")
        .current_dir(dir.path())
        .arg(repo().join("scripts/pdb_compare.py"))
        .args([
            "native.pdb",
            "prog.pdb",
            "--json",
            "--wasm",
            "prog.wasm",
            "--sources",
        ])
        .args(&sources)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "{name}: pdb_compare.py: {e}\n{text}{}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    // The human-readable summary, for the test log.
    let shown = Command::new("python3")
        .current_dir(dir.path())
        .arg(repo().join("scripts/pdb_compare.py"))
        .args([
            "native.pdb",
            "prog.pdb",
            "--wasm",
            "prog.wasm",
            "--name",
            name,
            "--sources",
        ])
        .args(&sources)
        .output()
        .unwrap();
    eprintln!("{}", String::from_utf8_lossy(&shown.stdout));
    report
}

fn total(report: &serde_json::Value, key: &str) -> u64 {
    report["totals"][key].as_u64().unwrap_or(0)
}

/// Every function, its lines, and every parameter and local (by name, with
/// a location) as in the native PDB; types equal but for the explained
/// differences (`allowed_type_differences`).
fn check(name: &str, allowed_type_differences: u64) {
    if let Some(why) = skip_reason() {
        eprintln!("SKIPPED pdb::{name}: {why}");
        return;
    }
    let r = compare(name);
    assert_eq!(
        r["missing_functions"],
        serde_json::json!([]),
        "{name}: functions of the native PDB that innative's lacks"
    );
    for f in r["functions"].as_array().unwrap() {
        let lines = &f["lines"];
        assert!(
            lines["ok"].as_bool() == Some(true) || lines["wasm_ok"].as_bool() == Some(true),
            "{name}: {}: lines {} (native {}, wasm {})",
            f["name"],
            lines["innative"],
            lines["native"],
            lines["wasm"]
        );
    }
    for what in ["params", "locals"] {
        assert_eq!(
            total(&r, &format!("{what}_found")),
            total(&r, what),
            "{name}: {what} of the native PDB missing (or without a location) in innative's"
        );
    }
    let type_differences =
        total(&r, "params") - total(&r, "params_ok") + total(&r, "locals") - total(&r, "locals_ok");
    assert!(
        type_differences <= allowed_type_differences,
        "{name}: {type_differences} parameter or local types differ from native (allowed: \
         {allowed_type_differences}; see src/debuginfo/CODEVIEW.md)"
    );
}

// C fixtures: every parameter and local has the native type (as `T&`
// where it lives in linear memory).  `control`: `va_list ap` is `char *`
// on Windows and `void *` (`__builtin_va_list`) on wasm32.
#[test]
fn control() {
    check("control", 1);
}
#[test]
fn functions() {
    check("functions", 0);
}
#[test]
fn inline() {
    check("inline", 0);
}
#[test]
fn loops() {
    check("loops", 0);
}
#[test]
fn multifile() {
    check("multifile", 0);
}
#[test]
fn recursion() {
    check("recursion", 0);
}
#[test]
fn types() {
    check("types", 0);
}
#[test]
fn classes() {
    check("classes", 0);
}

/// C++ templates: clang names a lambda's class `main::<lambda0>` in
/// CodeView; the wasm DWARF leaves it anonymous, so the two lambda
/// `operator()`s and the parameters of that type differ (known, listed in
/// CODEVIEW.md).
#[test]
fn templates() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIPPED pdb::templates: {why}");
        return;
    }
    let r = compare("templates");
    let missing: Vec<String> = r["missing_functions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .filter(|n| !n.starts_with("main::<lambda"))
        .collect();
    assert!(
        missing.is_empty(),
        "templates: missing functions {missing:?}"
    );
    for f in r["functions"].as_array().unwrap() {
        let lines = &f["lines"];
        assert!(
            lines["ok"].as_bool() == Some(true) || lines["wasm_ok"].as_bool() == Some(true),
            "templates: {}: lines {}",
            f["name"],
            lines["innative"]
        );
    }
    assert_eq!(total(&r, "params_found"), total(&r, "params"));
    assert_eq!(total(&r, "locals_found"), total(&r, "locals"));
}

#[test]
fn every_fixture_is_compared() {
    let mut on_disk: Vec<String> = std::fs::read_dir(repo().join("fixtures/debug"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    assert_eq!(
        on_disk,
        [
            "classes",
            "control",
            "functions",
            "inline",
            "loops",
            "multifile",
            "recursion",
            "templates",
            "types"
        ],
        "fixtures/debug/* and the tests of tests/pdb.rs differ"
    );
}
