//! Split DWARF through innative's provenance path
//! (`innative::provenance::dwarf::read_module_dwarf`, what `innative compile -g`
//! uses): clang-19's `-gsplit-dwarf` output (skeleton units in the module,
//! DIEs in wasm-format `.dwo` files or an `llvm-dwp` package), DWARF 4 and 5,
//! and a separate debug file named by an `external_debug_info` section.
//!
//! Each split build must give the same provenance as the ordinary `-g` build
//! of the same sources — line rows, subprograms, variables and their
//! locations — and, end to end, the same gdb session.  Missing side files
//! only warn.
//!
//! Without clang-19 (or gdb, for the debugger checks) the tests print
//! SKIPPED; with `CI` set they fail instead.

mod common;

use common::{describe, innative, output, run_program, stderr, tempdir, Lcg};
use innative::module::ModuleInfo;
use innative::provenance::dwarf::read_module_dwarf;
use innative::Input;
use innative_dwarf::{Location, Provenance, Scope, ScopeKind, TypeKind};
use std::path::{Path, PathBuf};
use std::process::Command;

const MAIN_C: &str = r#"#include <stdio.h>
#include "util.h"

struct point { int x; int y; };
int counter = 3;

__attribute__((noinline)) int area(struct point *p, int n) {
    int total = 0;
    for (int i = 0; i < n; i++) {
        int step = twice(p->x) * p->y;
        total += step;
    }
    return total;
}

int main(void) {
    struct point p = { 2, 5 };
    counter = area(&p, 2);
    printf("%d\n", counter);
    return counter == 40 ? 0 : 1;
}
"#;

const UTIL_C: &str = r#"#include "util.h"

int twice(int v) {
    int r = v * 2;
    if (r > 100) {
        int clamp = 100;
        r = clamp;
    }
    return r;
}
"#;

const UTIL_H: &str = "int twice(int v);\n";

fn on_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Whether `tool` runs; outside CI a missing tool skips the test (loudly).
fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(!on_ci(), "{tool} is required on CI");
        eprintln!("SKIPPED: {tool} not available");
    }
    ok
}

fn write_sources(dir: &Path) {
    std::fs::write(dir.join("main.c"), MAIN_C).unwrap();
    std::fs::write(dir.join("util.c"), UTIL_C).unwrap();
    std::fs::write(dir.join("util.h"), UTIL_H).unwrap();
}

/// Runs `clang-19 --target=wasm32-wasi ARGS` in `dir`.
fn clang(dir: &Path, args: &[&str]) {
    let out = output(
        Command::new("clang-19")
            .current_dir(dir)
            .arg("--target=wasm32-wasi")
            .args(args),
    );
    assert!(
        out.status.success(),
        "clang-19 {args:?}: {}",
        describe(&out)
    );
}

/// How a split build is made.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// `clang -gsplit-dwarf a.c b.c -o prog.wasm`: `prog.wasm-a.dwo` beside
    /// the module (in the compile directory).
    OneStep,
    /// `clang -c` into `build/`, then link: `build/a.dwo`, named relative to
    /// `DW_AT_comp_dir`.
    Objects,
    /// One step, then `llvm-dwp-19 -e prog.wasm -o prog.wasm.dwp` and the
    /// `.dwo` files deleted.
    Package,
    /// One step, then the module and its `.dwo` files moved to another
    /// directory and the compile directory deleted.
    Moved,
}

/// Builds the program twice in one fresh directory (so that both builds
/// record the same `DW_AT_comp_dir`): ordinary `-g` as `ref.wasm`, and split
/// as `prog.wasm`; returns (reference, split module, the directory).
fn build_pair(version: &str, opt: &str, layout: Layout) -> (PathBuf, PathBuf, tempfile::TempDir) {
    let dir = tempdir();
    write_sources(dir.path());
    clang(
        dir.path(),
        &["-g", version, opt, "main.c", "util.c", "-o", "ref.wasm"],
    );
    let split_flags = ["-g", version, opt, "-gsplit-dwarf"];
    match layout {
        Layout::Objects => {
            std::fs::create_dir(dir.path().join("build")).unwrap();
            for f in ["main", "util"] {
                let mut args = split_flags.to_vec();
                let (src, obj) = (format!("{f}.c"), format!("build/{f}.o"));
                args.extend(["-c", &src, "-o", &obj]);
                clang(dir.path(), &args);
            }
            clang(
                dir.path(),
                &["build/main.o", "build/util.o", "-o", "prog.wasm"],
            );
            assert!(dir.path().join("build/main.dwo").exists());
        }
        _ => {
            let mut args = split_flags.to_vec();
            args.extend(["main.c", "util.c", "-o", "prog.wasm"]);
            clang(dir.path(), &args);
            assert!(dir.path().join("prog.wasm-main.dwo").exists());
        }
    }
    match layout {
        Layout::Package => {
            let out = output(Command::new("llvm-dwp-19").current_dir(dir.path()).args([
                "-e",
                "prog.wasm",
                "-o",
                "prog.wasm.dwp",
            ]));
            assert!(out.status.success(), "llvm-dwp-19: {}", describe(&out));
            for f in ["prog.wasm-main.dwo", "prog.wasm-util.dwo"] {
                std::fs::remove_file(dir.path().join(f)).unwrap();
            }
        }
        Layout::Moved => {
            let to = tempdir();
            for f in [
                "ref.wasm",
                "prog.wasm",
                "prog.wasm-main.dwo",
                "prog.wasm-util.dwo",
            ] {
                std::fs::copy(dir.path().join(f), to.path().join(f)).unwrap();
            }
            drop(dir);
            return (to.path().join("ref.wasm"), to.path().join("prog.wasm"), to);
        }
        _ => {}
    }
    (
        dir.path().join("ref.wasm"),
        dir.path().join("prog.wasm"),
        dir,
    )
}

/// The provenance `innative compile -g` reads for the module at `path`.
fn provenance(path: &Path) -> Provenance {
    let input = Input::from_file(path).expect("input");
    let info = ModuleInfo::parse(&input).expect("module");
    read_module_dwarf(&info)
}

/// What split and ordinary builds must agree on, in a form that does not
/// depend on unit order or type numbering.
#[derive(Debug, PartialEq)]
struct Summary {
    /// (name, comp_dir, producer, language) of units with code.
    units: Vec<(String, String, String, u16)>,
    /// (address, line, column, file path, is_stmt, end_sequence).
    rows: Vec<(u64, u32, u32, String, bool, bool)>,
    /// (name, linkage name, decl file, decl line, ranges).
    subprograms: Vec<(String, String, String, u32, Vec<(u64, u64)>)>,
    /// (function, scope path, name, type, location, parameter?, decl line).
    variables: Vec<(String, String, String, String, String, bool, u32)>,
    /// (name, type, location).
    globals: Vec<(String, String, String)>,
}

fn type_name(prov: &Provenance, ty: Option<usize>, depth: u32) -> String {
    let Some(t) = ty.and_then(|t| prov.types.get(t)) else {
        return "void".into();
    };
    if depth > 4 {
        return "...".into();
    }
    let inner = |t| type_name(prov, t, depth + 1);
    match &t.kind {
        TypeKind::Pointer { pointee, .. } => format!("{}*", inner(*pointee)),
        TypeKind::Const(x) => format!("const {}", inner(*x)),
        TypeKind::Volatile(x) => format!("volatile {}", inner(*x)),
        TypeKind::Restrict(x) => format!("restrict {}", inner(*x)),
        TypeKind::Array { element, dims, .. } => format!("{}{dims:?}", inner(*element)),
        // No type indices: they depend on unit order.
        kind => t.name.clone().unwrap_or_else(|| {
            let k = format!("{kind:?}");
            format!("<{}>", k.split(['(', ' ']).next().unwrap_or_default())
        }),
    }
}

fn location(l: &Location) -> String {
    format!("{l:?}")
}

fn summarize(prov: &Provenance) -> Summary {
    let file = |unit: usize, f: Option<usize>| {
        f.and_then(|f| prov.file(unit, f))
            .map(|f| f.path())
            .unwrap_or_default()
    };
    let mut has_code = vec![false; prov.units.len()];
    for s in &prov.subprograms {
        if !s.ranges.is_empty() {
            has_code[s.unit] = true;
        }
    }
    let mut units: Vec<_> = prov
        .units
        .iter()
        .enumerate()
        .filter(|(i, _)| has_code[*i])
        .map(|(_, u)| {
            (
                u.name.clone(),
                u.comp_dir.clone(),
                u.producer.clone(),
                u.language,
            )
        })
        .collect();
    units.sort();
    let rows = prov
        .rows
        .iter()
        .map(|r| {
            (
                r.address,
                r.line,
                r.column,
                file(r.unit, Some(r.file)),
                r.is_stmt,
                r.end_sequence,
            )
        })
        .collect();
    let mut subprograms = Vec::new();
    let mut variables = Vec::new();
    fn scope_vars(
        prov: &Provenance,
        function: &str,
        path: &str,
        scopes: &[Scope],
        out: &mut Vec<(String, String, String, String, String, bool, u32)>,
    ) {
        for (i, s) in scopes.iter().enumerate() {
            // Name inlined callees (subprogram indices depend on unit order).
            let kind = match &s.kind {
                ScopeKind::Inlined {
                    callee,
                    call_line,
                    call_column,
                    ..
                } => format!(
                    "inlined {:?} at {call_line}:{call_column}",
                    prov.subprograms.get(*callee).and_then(|c| c.name.clone())
                ),
                ScopeKind::LexicalBlock => "block".into(),
            };
            let path = format!("{path}/{i}:{kind}{:?}", s.ranges);
            for v in &s.variables {
                out.push((
                    function.to_string(),
                    path.clone(),
                    v.name.clone().unwrap_or_default(),
                    type_name(prov, v.ty, 0),
                    location(&v.location),
                    v.is_parameter,
                    v.line,
                ));
            }
            scope_vars(prov, function, &path, &s.children, out);
        }
    }
    for s in prov.subprograms.iter().filter(|s| !s.ranges.is_empty()) {
        let name = s.name.clone().unwrap_or_default();
        subprograms.push((
            name.clone(),
            s.linkage_name.clone().unwrap_or_default(),
            file(s.unit, s.file),
            s.line,
            s.ranges.iter().map(|r| (r.start, r.end)).collect(),
        ));
        for v in &s.variables {
            variables.push((
                name.clone(),
                String::new(),
                v.name.clone().unwrap_or_default(),
                type_name(prov, v.ty, 0),
                location(&v.location),
                v.is_parameter,
                v.line,
            ));
        }
        scope_vars(prov, &name, "", &s.scopes, &mut variables);
    }
    subprograms.sort();
    variables.sort();
    let mut globals: Vec<_> = prov
        .globals
        .iter()
        .map(|(_, v)| {
            (
                v.name.clone().unwrap_or_default(),
                type_name(prov, v.ty, 0),
                location(&v.location),
            )
        })
        .collect();
    globals.sort();
    Summary {
        units,
        rows,
        subprograms,
        variables,
        globals,
    }
}

/// Asserts two summaries are equal, field by field (readable failures).
#[track_caller]
fn assert_same(what: &str, split: &Summary, reference: &Summary) {
    assert_eq!(split.units, reference.units, "{what}: units");
    assert_rows(what, &split.rows, &reference.rows);
    assert_eq!(
        split.subprograms, reference.subprograms,
        "{what}: subprograms"
    );
    assert_eq!(split.variables, reference.variables, "{what}: variables");
    assert_eq!(split.globals, reference.globals, "{what}: globals");
}

#[track_caller]
fn assert_rows<T: PartialEq + std::fmt::Debug>(what: &str, split: &[T], reference: &[T]) {
    for (a, b) in split.iter().zip(reference) {
        assert_eq!(a, b, "{what}: line row");
    }
    assert_eq!(split.len(), reference.len(), "{what}: row count");
}

/// The program's own functions must be there with their variables, so that
/// equality is not vacuous.
#[track_caller]
fn assert_program_described(what: &str, s: &Summary) {
    for f in ["area", "main", "twice"] {
        assert!(
            s.subprograms.iter().any(|p| p.0 == f),
            "{what}: subprogram {f} missing: {:?}",
            s.subprograms.iter().map(|s| &s.0).collect::<Vec<_>>()
        );
    }
    // Optimized code folds some locals away (`clamp`, a constant).
    let optimized = what.contains("-O1");
    for (f, v) in [
        ("area", "p"),
        ("area", "n"),
        ("area", "total"),
        ("area", "i"),
        ("area", "step"),
        ("twice", "v"),
        ("twice", "clamp"),
    ] {
        if optimized && !matches!(v, "p" | "n" | "v") {
            continue;
        }
        assert!(
            s.variables.iter().any(|x| x.0 == f && x.2 == v),
            "{what}: variable {f}::{v} missing: {:?}",
            s.variables
        );
    }
    assert!(s.globals.iter().any(|g| g.0 == "counter"));
    assert!(s.rows.iter().any(|r| r.3.ends_with("/util.c")));
    assert!(s.rows.iter().any(|r| r.3.ends_with("/main.c")));
}

#[test]
fn split_dwarf_gives_the_same_provenance_as_an_ordinary_build() {
    if !have("clang-19") {
        return;
    }
    let dwp = have("llvm-dwp-19");
    let mut cases = Vec::new();
    for version in ["-gdwarf-4", "-gdwarf-5"] {
        for opt in ["-O0", "-O1"] {
            cases.push((version, opt, Layout::OneStep));
        }
        cases.push((version, "-O0", Layout::Objects));
        cases.push((version, "-O0", Layout::Moved));
        if dwp {
            cases.push((version, "-O1", Layout::Package));
        }
    }
    for (version, opt, layout) in cases {
        let what = format!("{version} {opt} {layout:?}");
        let (reference, split, _keep) = build_pair(version, opt, layout);
        let r = provenance(&reference);
        let s = provenance(&split);
        assert!(s.warnings.is_empty(), "{what}: warnings {:?}", s.warnings);
        let (rs, ss) = (summarize(&r), summarize(&s));
        assert_program_described(&what, &rs);
        assert_same(&what, &ss, &rs);
        if opt == "-O1" {
            // The optimized build exercises location lists in the .dwo
            // (.debug_loc.dwo for DWARF 4, .debug_loclists.dwo for 5).
            assert!(
                ss.variables.iter().any(|v| v.4.starts_with("List")),
                "{what}: expected some location lists: {:?}",
                ss.variables
            );
        }
    }
}

#[test]
fn missing_or_stale_dwo_keeps_the_line_table_and_warns() {
    if !have("clang-19") {
        return;
    }
    for version in ["-gdwarf-4", "-gdwarf-5"] {
        let (reference, split, keep) = build_pair(version, "-O0", Layout::OneStep);
        let dir = keep.path();
        // util's .dwo is missing; main's is replaced by util's (another dwo id).
        std::fs::rename(
            dir.join("prog.wasm-util.dwo"),
            dir.join("prog.wasm-main.dwo"),
        )
        .unwrap();
        let r = summarize(&provenance(&reference));
        let prov = provenance(&split);
        assert_eq!(prov.warnings.len(), 2, "{version}: {:?}", prov.warnings);
        assert!(prov.warnings.iter().any(|w| w.contains("util.c")
            && w.contains("prog.wasm-util.dwo")
            && w.contains("not found")));
        assert!(prov
            .warnings
            .iter()
            .any(|w| w.contains("main.c") && w.contains("dwo id")));
        let s = summarize(&prov);
        // Lines are all there; each function of the two units is a nameless
        // line-only subprogram with the reference's range.
        assert_rows(version, &s.rows, &r.rows);
        for f in ["area", "main", "twice"] {
            let want = &r.subprograms.iter().find(|p| p.0 == f).unwrap().4;
            assert!(
                s.subprograms.iter().any(|p| p.0.is_empty() && &p.4 == want),
                "{version}: no line-only subprogram for {f}"
            );
        }
        assert!(!s.variables.iter().any(|v| v.0 == "area" || v.0.is_empty()));
    }
}

/// The module's sections as (id, raw payload), in order.
fn sections(bytes: &[u8]) -> Vec<(u8, Vec<u8>, Option<String>)> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let payload = payload.unwrap();
        let name = match &payload {
            wasmparser::Payload::CustomSection(r) => Some(r.name().to_string()),
            _ => None,
        };
        if let Some((id, range)) = payload.as_section() {
            let range = range.start as usize..range.end as usize;
            out.push((id, bytes[range].to_vec(), name));
        }
    }
    out
}

/// Writes `module` without its `.debug_*` sections plus an
/// `external_debug_info` section naming `name`; and, when `debug` is given,
/// the debug file there: either the whole original module (as emscripten's
/// `-gseparate-dwarf` does) or only its `.debug_*` sections.
fn split_external(original: &[u8], module: &Path, name: &str, debug: Option<(&Path, bool)>) {
    let mut main = wasm_encoder::Module::new();
    let mut side = wasm_encoder::Module::new();
    for (id, data, custom) in sections(original) {
        let is_debug = custom.as_deref().is_some_and(|n| n.starts_with(".debug_"));
        if !is_debug {
            main.section(&wasm_encoder::RawSection { id, data: &data });
        } else {
            side.section(&wasm_encoder::RawSection { id, data: &data });
        }
    }
    let mut payload = Vec::new();
    wasm_encoder::Encode::encode(name, &mut payload);
    main.section(&wasm_encoder::CustomSection {
        name: "external_debug_info".into(),
        data: payload.into(),
    });
    std::fs::write(module, main.finish()).unwrap();
    if let Some((path, whole)) = debug {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        let bytes = if whole {
            original.to_vec()
        } else {
            side.finish()
        };
        std::fs::write(path, bytes).unwrap();
    }
}

#[test]
fn external_debug_info_file_gives_the_same_provenance() {
    if !have("clang-19") {
        return;
    }
    for version in ["-gdwarf-4", "-gdwarf-5"] {
        let (reference, split, _keep) = build_pair(version, "-O0", Layout::Objects);
        let original = std::fs::read(&reference).unwrap();
        let r = summarize(&provenance(&reference));
        let dir = tempdir();
        let abs = dir.path().join("abs/prog.debug.wasm");
        for (name, path, whole) in [
            ("prog.debug.wasm", dir.path().join("prog.debug.wasm"), true),
            (
                "dbg/prog.debug.wasm",
                dir.path().join("dbg/prog.debug.wasm"),
                false,
            ),
            (abs.to_str().unwrap(), abs.clone(), false),
        ] {
            let module = dir.path().join("prog.wasm");
            split_external(&original, &module, name, Some((&path, whole)));
            let prov = provenance(&module);
            assert!(prov.warnings.is_empty(), "{:?}", prov.warnings);
            assert_same(&format!("{version} external {name}"), &summarize(&prov), &r);
        }
        // The debug file may itself be split (-gsplit-dwarf): its skeletons
        // find their .dwo files through comp_dir.
        let split_bytes = std::fs::read(&split).unwrap();
        let module = dir.path().join("prog2.wasm");
        let debug = dir.path().join("prog2.debug.wasm");
        split_external(
            &split_bytes,
            &module,
            "prog2.debug.wasm",
            Some((&debug, false)),
        );
        let prov = provenance(&module);
        assert!(prov.warnings.is_empty(), "{:?}", prov.warnings);
        assert_same(&format!("{version} external+split"), &summarize(&prov), &r);
    }
}

#[test]
fn mismatched_or_missing_external_file_gives_no_debug_info() {
    if !have("clang-19") {
        return;
    }
    let (reference, _, _keep) = build_pair("-gdwarf-5", "-O0", Layout::OneStep);
    let original = std::fs::read(&reference).unwrap();
    // Another program's debug file.
    let other = tempdir();
    std::fs::write(
        other.path().join("other.c"),
        "int f(int x) { return x + 1; }\nint g(int y) { return f(y) * 3; }\nint main(void) { return g(1) - 6; }\n",
    )
    .unwrap();
    clang(other.path(), &["-g", "-O0", "other.c", "-o", "other.wasm"]);
    let other_bytes = std::fs::read(other.path().join("other.wasm")).unwrap();

    let dir = tempdir();
    let module = dir.path().join("prog.wasm");
    // Whole other module (code differs), and only its debug sections.
    for whole in [true, false] {
        let debug = dir.path().join("other.debug.wasm");
        split_external(
            &other_bytes,
            &dir.path().join("scratch.wasm"),
            "x",
            Some((&debug, whole)),
        );
        split_external(&original, &module, "other.debug.wasm", None);
        let prov = provenance(&module);
        assert!(prov.is_empty() && prov.units.is_empty(), "whole={whole}");
    }
    // Missing, not wasm, and an http URL: no debug info either.
    for (name, contents) in [
        ("missing.wasm", None),
        ("garbage.wasm", Some(&b"not wasm"[..])),
        ("http://example.com/d.wasm", None),
    ] {
        if let Some(c) = contents {
            std::fs::write(dir.path().join(name), c).unwrap();
        }
        split_external(&original, &module, name, None);
        assert!(provenance(&module).is_empty(), "{name}");
    }
}

/// `gdb -batch` on `exe`: break on `area`, run, then args, locals and the
/// backtrace.  Returns the session with addresses, pids and paths
/// normalized.
fn gdb_session(exe: &Path) -> String {
    let out = output(
        Command::new("gdb")
            .current_dir(exe.parent().unwrap())
            .args(["-q", "-nx", "-batch"])
            .args(["-ex", "set debuginfod enabled off"])
            .args(["-ex", "break area", "-ex", "run"])
            .args(["-ex", "info args", "-ex", "info locals", "-ex", "bt"])
            .args(["-ex", "print p->x * p->y"])
            .arg(exe),
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let dir = exe.parent().unwrap().display().to_string();
    text.lines()
        .filter(|l| !l.starts_with("[Inferior") && !l.contains("libthread_db"))
        .filter(|l| !l.starts_with("[Thread debugging"))
        .map(|l| {
            let l = l.replace(&dir, "DIR");
            let mut s = String::new();
            let mut rest = l.as_str();
            while let Some(i) = rest.find("0x") {
                s.push_str(&rest[..i]);
                s.push_str("0xADDR");
                rest = rest[i + 2..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
            }
            s.push_str(rest);
            s
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn compile(module: &Path, exe: &Path) -> std::process::Output {
    let out = output(
        innative(["compile", "-g", "-O0"])
            .arg(module)
            .arg("-o")
            .arg(exe),
    );
    assert!(out.status.success(), "innative compile: {}", describe(&out));
    let run = run_program(exe, &[]);
    assert!(run.status.success(), "program: {}", describe(&run));
    out
}

#[test]
fn gdb_on_a_split_build_matches_the_ordinary_build() {
    if !have("clang-19") || !have("gdb") {
        return;
    }
    for (version, layout) in [
        ("-gdwarf-4", Layout::OneStep),
        ("-gdwarf-5", Layout::Objects),
    ] {
        let (reference, split, _keep) = build_pair(version, "-O0", layout);
        let exe_dir = tempdir();
        let (ref_exe, split_exe) = (exe_dir.path().join("ref"), exe_dir.path().join("split"));
        compile(&reference, &ref_exe);
        let out = compile(&split, &split_exe);
        assert!(
            !stderr(&out).contains("warning"),
            "split compile warned: {}",
            stderr(&out)
        );
        // Same executable name for both sessions.
        let a = gdb_session(&ref_exe).replace("/ref", "/EXE");
        let b = gdb_session(&split_exe).replace("/split", "/EXE");
        assert!(
            a.contains("Breakpoint 1, area (p=") && a.contains("n = 2") && a.contains("total = 0"),
            "{version}: reference session:\n{a}"
        );
        assert!(a.contains("$1 = 10"), "{version}: reference session:\n{a}");
        eprintln!("{version} {layout:?}: gdb session:\n{a}");
        assert_eq!(b, a, "{version} {layout:?}: gdb on the split build");
    }
}

#[test]
fn compile_warns_for_missing_split_files_and_succeeds() {
    if !have("clang-19") {
        return;
    }
    let (reference, split, keep) = build_pair("-gdwarf-5", "-O0", Layout::OneStep);
    for f in ["prog.wasm-main.dwo", "prog.wasm-util.dwo"] {
        std::fs::remove_file(keep.path().join(f)).unwrap();
    }
    let exe = keep.path().join("prog");
    let out = compile(&split, &exe);
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 2, "one warning per unit: {err}");
    for w in &warnings {
        assert!(w.contains("prog.wasm") && w.contains(".dwo"), "{w}");
    }
    if have("llvm-dwarfdump-19") {
        let v = output(Command::new("llvm-dwarfdump-19").arg("--verify").arg(&exe));
        assert!(v.status.success(), "dwarfdump --verify: {}", describe(&v));
    }
    // Line-only functions: a breakpoint on `area` still stops in main.c.
    if have("gdb") {
        let s = gdb_session(&exe);
        assert!(
            s.contains("Breakpoint 1, ") && s.contains("main.c:8"),
            "{s}"
        );
    }

    // external_debug_info naming a missing file: one warning naming both.
    let original = std::fs::read(&reference).unwrap();
    let dir = tempdir();
    let module = dir.path().join("ext.wasm");
    split_external(&original, &module, "ext.debug.wasm", None);
    let out = compile(&module, &dir.path().join("ext"));
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].contains("ext.wasm") && warnings[0].contains("ext.debug.wasm"),
        "{err}"
    );
}

#[test]
fn corrupt_dwo_and_dwp_files_never_panic_and_keep_the_line_table() {
    if !have("clang-19") {
        return;
    }
    let dwp = have("llvm-dwp-19");
    let mut rng = Lcg(0x5eed);
    for (version, layout) in [
        ("-gdwarf-4", Layout::OneStep),
        ("-gdwarf-5", Layout::OneStep),
        ("-gdwarf-5", Layout::Package),
    ] {
        if matches!(layout, Layout::Package) && !dwp {
            continue;
        }
        let (reference, split, dir) = build_pair(version, "-O1", layout);
        let reference_rows = summarize(&provenance(&reference)).rows;
        let victim = dir.path().join(match layout {
            Layout::Package => "prog.wasm.dwp",
            _ => "prog.wasm-main.dwo",
        });
        let original = std::fs::read(&victim).unwrap();
        let mut degraded = 0;
        for round in 0..150 {
            let mut bytes = original.clone();
            match round % 3 {
                0 => bytes.truncate(rng.next() as usize % bytes.len()),
                1 => {
                    for _ in 0..1 + rng.next() % 8 {
                        let i = rng.next() as usize % bytes.len();
                        bytes[i] ^= 1 << (rng.next() % 8);
                    }
                }
                _ => {
                    // Scribble over a run inside the DWARF (past the headers).
                    let start = 40 + rng.next() as usize % (bytes.len() - 60);
                    let len = 1 + rng.next() as usize % 16;
                    let end = (start + len).min(bytes.len());
                    for b in &mut bytes[start..end] {
                        *b = rng.next() as u8;
                    }
                }
            }
            std::fs::write(&victim, &bytes).unwrap();
            let prov = provenance(&split);
            degraded += usize::from(!prov.warnings.is_empty());
            // The skeleton's line table never depends on the side file.
            assert_rows(
                &format!("{version} {layout:?} round {round}"),
                &summarize(&prov).rows,
                &reference_rows,
            );
        }
        assert!(
            degraded > 10,
            "{version} {layout:?}: corruption must be noticed"
        );
    }
}
