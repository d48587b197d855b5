//! The DWARF reader on real clang output, and its robustness: corrupt or
//! truncated DWARF never panics and never fails a compile that would
//! otherwise succeed — it warns and degrades to less debug info.

mod common;

use common::{innative, tempdir, Lcg};
use innative_dwarf::{read_dwarf, DwarfSections, LocOp, Location, ScopeKind, TypeKind};
use std::path::Path;
use std::process::Command;

const PROGRAM: &str = r#"
struct point { int x; int y; };
static inline __attribute__((always_inline)) int twice(int v) { int r = v * 2; return r; }
int counter = 3;
int area(struct point *p) {
    int total = 0;
    for (int i = 0; i < 2; i++) { total += twice(p->x) * p->y; }
    return total;
}
int main(void) { struct point p = { 2, 5 }; counter = area(&p); return counter == 40 ? 0 : 1; }
"#;

/// Builds the test program to wasm with clang-19 (`-g`), or None when clang
/// is missing outside CI.
fn build(dir: &Path, extra: &[&str]) -> Option<Vec<u8>> {
    build_source(dir, PROGRAM, extra)
}

/// [`build`] for another program.
fn build_source(dir: &Path, source: &str, extra: &[&str]) -> Option<Vec<u8>> {
    let src = dir.join("prog.c");
    std::fs::write(&src, source).unwrap();
    let out = dir.join("prog.wasm");
    let status = Command::new("clang-19")
        .args(["--target=wasm32-wasi", "-g", "-O0"])
        .args(extra)
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .status();
    match status {
        Ok(s) if s.success() => Some(std::fs::read(&out).unwrap()),
        _ if std::env::var_os("CI").is_some() => panic!("clang-19 is required on CI"),
        _ => {
            eprintln!("SKIPPED: clang-19 not available");
            None
        }
    }
}

/// The DWARF custom sections of a module: (name, payload range), and the code size.
fn dwarf_sections(bytes: &[u8]) -> (Vec<(String, std::ops::Range<usize>)>, u64) {
    let mut out = Vec::new();
    let mut code_size = 0;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.unwrap() {
            wasmparser::Payload::CustomSection(r) if r.name().starts_with(".debug_") => {
                let start = r.data_offset() as usize;
                out.push((r.name().to_string(), start..start + r.data().len()));
            }
            wasmparser::Payload::CodeSectionStart {
                unchecked_range, ..
            } => {
                code_size = unchecked_range.end - unchecked_range.start;
            }
            _ => {}
        }
    }
    (out, code_size)
}

fn read(bytes: &[u8]) -> innative_dwarf::Provenance {
    let (sections, code_size) = dwarf_sections(bytes);
    let mut s = DwarfSections::new();
    for (name, range) in &sections {
        s.add(name, &bytes[range.clone()]);
    }
    read_dwarf(&s, code_size)
}

#[test]
fn reads_units_lines_subprograms_scopes_variables_and_types() {
    let dir = tempdir();
    for version in ["-gdwarf-4", "-gdwarf-5"] {
        let Some(bytes) = build(dir.path(), &[version]) else {
            return;
        };
        let p = read(&bytes);
        assert!(p.warnings.is_empty(), "{version}: {:?}", p.warnings);
        let unit = p
            .units
            .iter()
            .position(|u| u.name.ends_with("prog.c"))
            .expect("the program's unit");
        assert_eq!(
            p.units[unit].version,
            if version == "-gdwarf-4" { 4 } else { 5 }
        );
        let area = p
            .subprograms
            .iter()
            .find(|s| s.name.as_deref() == Some("area"))
            .expect("area");
        assert!(!area.ranges.is_empty());
        assert_eq!(area.line, 5);
        let file = p.file(unit, area.file.unwrap()).unwrap();
        assert!(file.path().ends_with("prog.c"), "{}", file.path());
        // Parameter p lives in the shadow stack; frame base is a wasm local.
        assert!(matches!(
            area.frame_base.as_deref(),
            Some([LocOp::WasmLocal(_), ..])
        ));
        let param = area.variables.iter().find(|v| v.is_parameter).unwrap();
        assert_eq!(param.name.as_deref(), Some("p"));
        assert!(
            matches!(&param.location, Location::Expr(ops) if matches!(ops.as_slice(), [LocOp::Fbreg(_)]))
        );
        // p: pointer to struct point { int x; int y; }.
        let pointee = match &p.types[param.ty.unwrap()].kind {
            TypeKind::Pointer {
                pointee,
                byte_size: 4,
            } => pointee.unwrap(),
            other => panic!("p has type {other:?}"),
        };
        match &p.types[pointee].kind {
            TypeKind::Composite {
                byte_size: 8,
                members,
                ..
            } => {
                let names: Vec<_> = members
                    .iter()
                    .map(|m| (m.name.clone().unwrap(), m.offset))
                    .collect();
                assert_eq!(names, [("x".to_string(), 0), ("y".to_string(), 4)]);
            }
            other => panic!("struct point is {other:?}"),
        }
        // The loop body is a lexical block holding `i`, with `twice` inlined in it.
        fn find_inlined(scopes: &[innative_dwarf::Scope]) -> bool {
            scopes
                .iter()
                .any(|s| matches!(s.kind, ScopeKind::Inlined { .. }) || find_inlined(&s.children))
        }
        assert!(find_inlined(&area.scopes), "twice is inlined into area");
        assert!(area
            .scopes
            .iter()
            .any(|s| s.variables.iter().any(|v| v.name.as_deref() == Some("i"))));
        let counter = p
            .globals
            .iter()
            .find(|(u, v)| *u == unit && v.name.as_deref() == Some("counter"))
            .expect("global");
        assert!(
            matches!(&counter.1.location, Location::Expr(ops) if matches!(ops.as_slice(), [LocOp::Addr(_)])),
            "{:?}",
            counter.1.location
        );
        // Rows: every row of `area` is inside its range and names prog.c.
        let r = area.ranges[0].clone();
        let rows = p.rows_in(r.clone());
        assert!(
            rows.iter().any(|row| row.line == 6),
            "a row for `int total = 0;`"
        );
        assert!(rows.iter().any(|row| row.prologue_end));
        assert_eq!(p.row_at(r.start).map(|row| row.line), Some(5));
    }
}

#[test]
fn corrupt_dwarf_never_panics_the_reader() {
    let dir = tempdir();
    let Some(bytes) = build(dir.path(), &[]) else {
        return;
    };
    let (sections, _) = dwarf_sections(&bytes);
    let mut rng = Lcg(0x1234_5678);
    let mut degraded = 0;
    for round in 0..400 {
        let mut m = bytes.clone();
        let (_, range) = &sections[round % sections.len()];
        match round % 3 {
            // Random byte flips.
            0 => {
                for _ in 0..8 {
                    let at = range.start + (rng.next() as usize) % range.len().max(1);
                    m[at] ^= (rng.next() as u8) | 1;
                }
            }
            // Truncation: the tail of the section becomes 0xff.
            1 => {
                let cut = range.start + (rng.next() as usize) % range.len().max(1);
                m[cut..range.end].fill(0xff);
            }
            // Zeroed section.
            _ => m[range.clone()].fill(0),
        }
        let p = read(&m);
        if !p.warnings.is_empty() {
            degraded += 1;
        }
    }
    assert!(
        degraded > 0,
        "some corruptions must be reported as warnings"
    );
}

#[test]
fn compile_with_corrupt_dwarf_warns_and_still_produces_a_working_program() {
    let dir = tempdir();
    let Some(bytes) = build(dir.path(), &[]) else {
        return;
    };
    let (sections, _) = dwarf_sections(&bytes);
    let (_, info) = sections
        .iter()
        .find(|(n, _)| n == ".debug_info")
        .expect(".debug_info")
        .clone();
    let (_, line) = sections
        .iter()
        .find(|(n, _)| n == ".debug_line")
        .expect(".debug_line")
        .clone();
    let mut m = bytes.clone();
    // Break the first unit header's version and scribble over the line table.
    m[info.start + 4] = 0x77;
    m[line.start + 4..line.start + 40].fill(0xee);
    let bad = dir.path().join("bad.wasm");
    std::fs::write(&bad, &m).unwrap();
    let exe = dir.path().join("bad");
    let out = innative(["compile", "-g", "-O0"])
        .arg(&bad)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "compile failed: {stderr}");
    assert!(
        stderr.contains("warning"),
        "expected a warning, got: {stderr}"
    );
    for line in stderr.lines() {
        assert!(line.contains("bad.wasm"), "warnings name the file: {line}");
    }
    let run = Command::new(&exe).status().unwrap();
    assert!(run.success(), "the program still runs correctly");
}

#[test]
fn native_dwarf_version_is_5_by_default_and_4_on_request() {
    let dir = tempdir();
    let Some(bytes) = build(dir.path(), &[]) else {
        return;
    };
    let wasm = dir.path().join("v.wasm");
    std::fs::write(&wasm, bytes).unwrap();
    for (flag, want) in [(None, "version = 0x0005"), (Some("4"), "version = 0x0004")] {
        let obj = dir.path().join("v.o");
        let mut cmd = innative(["compile", "-g", "-O0", "--object"]);
        if let Some(v) = flag {
            cmd.args(["--dwarf-version", v]);
        }
        let st = cmd.arg(&wasm).arg("-o").arg(&obj).status().unwrap();
        assert!(st.success());
        let dump = Command::new("llvm-dwarfdump-19")
            .arg("--debug-info")
            .arg(&obj)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&dump.stdout);
        let first = text
            .lines()
            .find(|l| l.contains("Compile Unit:"))
            .unwrap_or_default()
            .to_string();
        assert!(first.contains(want), "{flag:?}: {first}");
        let verify = Command::new("llvm-dwarfdump-19")
            .arg("--verify")
            .arg(&obj)
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "{}",
            String::from_utf8_lossy(&verify.stdout)
        );
    }
}

/// A variable whose location innative cannot translate (a thread-local:
/// `DW_OP_GNU_push_tls_address`) is dropped alone — the program compiles,
/// runs, and the other variables stay — and `-v` counts it with the reason.
#[test]
fn untranslatable_variables_are_dropped_alone_and_counted_under_verbose() {
    let dir = tempdir();
    let source = "#include <stdio.h>\n_Thread_local int counter = 3;\nint total = 5;\n\
                  int main(void) { counter++; printf(\"%d %d\\n\", counter, total); return 0; }\n";
    if build_source(dir.path(), source, &[]).is_none() {
        return;
    }
    let wasm = dir.path().join("prog.wasm");
    let exe = dir.path().join("prog");
    let verbose = innative(["compile", "-g", "-O0", "-v"])
        .arg(&wasm)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&verbose.stderr);
    assert!(verbose.status.success(), "compile failed: {stderr}");
    let note = stderr
        .lines()
        .find(|l| l.contains("variables have locations innative cannot describe"))
        .unwrap_or_else(|| panic!("no dropped-variable note in: {stderr}"));
    assert!(
        note.starts_with(&format!("{}: note: 1 variables", wasm.display())),
        "{note}"
    );
    assert!(
        note.contains("a global not at a linear-memory address: 1"),
        "{note}"
    );
    let run = Command::new(&exe).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "4 5\n");
    // Only `counter` is lost: `total` is still described.
    let info = Command::new("llvm-dwarfdump-19")
        .args(["--debug-info", "--name=total", "--name=counter"])
        .arg(&exe)
        .output();
    if let Ok(info) = info {
        let text = String::from_utf8_lossy(&info.stdout);
        assert!(text.contains("\"total\""), "{text}");
        assert!(!text.contains("\"counter\""), "{text}");
    }
    // Without -v: no note.
    let quiet = innative(["compile", "-g", "-O0"])
        .arg(&wasm)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(quiet.status.success());
    assert!(
        !String::from_utf8_lossy(&quiet.stderr).contains("cannot describe"),
        "the note is for -v only"
    );
}

/// The whole `-g` pipeline (reader, variable plans, value records, LLVM)
/// on corrupt debug info: byte flips in `.debug_info` and the location lists
/// (every other round: in any `.debug_*` section) of a -O0 and a -O2 build.
/// Every compile succeeds (debug info only degrades) and every program still
/// computes its result.  (Found: a variable whose type reference broke
/// crashed LLVM's DWARF writer; a piece outside its variable and an empty
/// file name failed LLVM's verifier.)
#[test]
fn corrupt_variable_locations_never_fail_a_compile() {
    let dir = tempdir();
    let mut rng = Lcg(0x9e37_79b9);
    let mut compiles = 0;
    for opt in ["-O0", "-O2"] {
        let Some(bytes) = build(dir.path(), &[opt]) else {
            return;
        };
        let (sections, _) = dwarf_sections(&bytes);
        let targets: Vec<_> = sections
            .iter()
            .filter(|(n, _)| matches!(n.as_str(), ".debug_info" | ".debug_loclists" | ".debug_loc"))
            .map(|(_, r)| r.clone())
            .collect();
        assert!(!targets.is_empty(), "no .debug_info in the {opt} build");
        for round in 0..24 {
            let mut m = bytes.clone();
            let range = if round % 2 == 0 {
                &targets[round / 2 % targets.len()]
            } else {
                &sections[round / 2 % sections.len()].1
            };
            for _ in 0..4 {
                let at = range.start + (rng.next() as usize) % range.len().max(1);
                m[at] ^= (rng.next() as u8) | 1;
            }
            let input = dir.path().join(format!("bad{opt}{round}.wasm"));
            std::fs::write(&input, &m).unwrap();
            let exe = dir.path().join(format!("bad{opt}{round}"));
            let out = innative(["compile", "-g", opt])
                .arg(&input)
                .arg("-o")
                .arg(&exe)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            if !out.status.success() || stderr.contains("panicked") {
                let keep = std::env::temp_dir().join(format!("innative-corrupt{opt}{round}.wasm"));
                let _ = std::fs::copy(&input, &keep);
                panic!(
                    "{opt} round {round}: compile failed ({}; input kept as {}): {stderr}",
                    out.status,
                    keep.display()
                );
            }
            let run = Command::new(&exe).status().unwrap();
            assert!(
                run.success(),
                "{opt} round {round}: the program computes its result"
            );
            compiles += 1;
        }
    }
    assert_eq!(compiles, 48);
}
