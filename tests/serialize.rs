//! `innative serialize`: round trips and the command line.
//!
//! Round trip: every module of the WebAssembly 2.0 spec suite
//! (`../shared/testsuite/wasm-2.0/*.wast`, the `simd_*` scripts included)
//! that the validator accepts, the relaxed SIMD scripts of the 3.0 suite, and
//! every fixture module, is printed as text, parsed again with the `wat`
//! crate and with wabt's `wat2wasm`, and must give the same sections as the
//! original (custom sections aside).  The same holds for the text annotated
//! with `--emit-debug`.  The 3.0 suite's modules round-trip through `wat`
//! too.  `cargo test --test serialize -- --nocapture` prints the counts.

mod common;

use common::{describe, innative, output, require, stderr, stdout, tempdir};
use innative::Input;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The non-custom sections of a module: (id, payload), in order.
fn sections(bytes: &[u8]) -> Result<Vec<(u8, Vec<u8>)>, String> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| e.to_string())?;
        if let wasmparser::Payload::CustomSection(_) = payload {
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            out.push((id, bytes[range.start as usize..range.end as usize].to_vec()));
        }
    }
    Ok(out)
}

/// How a round trip compares with the original.
#[derive(Debug, PartialEq, Eq)]
enum Same {
    /// Every non-custom section is byte-for-byte the original's.
    Identical,
    /// The same module, encoded differently: the original uses encodings
    /// that text cannot express (over-long LEB128s as `wasm-ld` and
    /// `binary-leb128.wast` write them, empty sections), or the text parser
    /// picks another of two encodings (see [`normalize`] for wabt's);
    /// printing both without custom sections gives the same text.
    Encoding,
}

/// `bytes` without its custom sections.
fn strip_custom(bytes: &[u8]) -> Vec<u8> {
    common::without_custom_sections(bytes, |_| true)
}

/// Encoding choices wabt makes differently from the original (the same
/// module either way), written the same in both texts:
/// * element segments: an active segment on table 0 with or without its
///   table index, functions as indices or as `ref.func` expressions;
/// * a block type given by a type index (`block (type 1)`) or inline
///   (`block (result i32)`, nothing for `[] -> []`);
/// * an empty `else` (wabt leaves it out).
fn normalize(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if t == "else" && lines.get(i + 1).is_some_and(|n| n.trim_start() == "end") {
            continue;
        }
        if t.starts_with("block ") || t.starts_with("loop ") || t.starts_with("if ") {
            if let Some(start) = l.find(" (type ") {
                if let Some(len) = l[start + 1..].find(')') {
                    out.push(format!("{}{}", &l[..start], &l[start + 2 + len..]));
                    continue;
                }
            }
        }
        if !t.starts_with("(elem ") {
            out.push(l.to_string());
            continue;
        }
        let l = l.replacen(" (table 0) ", " ", 1);
        let l = match l.strip_suffix(" funcref)") {
            Some(head) => format!("{head} func)"),
            None => l,
        };
        // `funcref (ref.func 1) (ref.func 2)` is `func 1 2`.
        out.push(match l.split_once(" funcref (ref.func ") {
            Some((head, items)) => {
                let items = items.trim_end().trim_end_matches(')');
                let indices: Vec<&str> = items.split(") (ref.func ").collect();
                if indices.iter().all(|i| !i.contains(['(', ')', ' '])) {
                    format!("{head} func {})", indices.join(" "))
                } else {
                    l.clone()
                }
            }
            None => l,
        });
    }
    out.join("\n")
}

fn compare(original: &[u8], again: &[u8]) -> Result<Same, String> {
    match difference(original, again) {
        None => Ok(Same::Identical),
        Some(d) => {
            let text = |b: &[u8]| {
                wasmprinter::print_bytes(strip_custom(b))
                    .ok()
                    .map(|t| normalize(&t))
            };
            match (text(original), text(again)) {
                (Some(a), Some(b)) if a == b => Ok(Same::Encoding),
                (a, b) => {
                    // SERIALIZE_DUMP=DIR keeps both texts of every mismatch.
                    if let Some(dir) = std::env::var_os("SERIALIZE_DUMP") {
                        use std::sync::atomic::{AtomicUsize, Ordering};
                        static N: AtomicUsize = AtomicUsize::new(0);
                        let n = N.fetch_add(1, Ordering::Relaxed);
                        let dir = Path::new(&dir);
                        let _ =
                            std::fs::write(dir.join(format!("{n}.a.wat")), a.unwrap_or_default());
                        let _ =
                            std::fs::write(dir.join(format!("{n}.b.wat")), b.unwrap_or_default());
                    }
                    Err(d)
                }
            }
        }
    }
}

/// Where the two modules' sections first differ (None: they are equal).
fn difference(original: &[u8], again: &[u8]) -> Option<String> {
    let a = match sections(original) {
        Ok(a) => a,
        Err(e) => return Some(format!("original does not parse: {e}")),
    };
    let b = match sections(again) {
        Ok(b) => b,
        Err(e) => return Some(format!("round trip does not parse: {e}")),
    };
    if a == b {
        return None;
    }
    if a.len() != b.len() {
        let ids = |s: &[(u8, Vec<u8>)]| s.iter().map(|(id, _)| *id).collect::<Vec<_>>();
        return Some(format!("sections {:?} became {:?}", ids(&a), ids(&b)));
    }
    let (i, ((id, x), (_, y))) = a
        .iter()
        .zip(&b)
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .unwrap();
    Some(format!(
        "section #{i} (id {id}) differs: {} bytes vs {}",
        x.len(),
        y.len()
    ))
}

/// A module to round-trip: where it came from and its bytes.
struct Case {
    what: String,
    bytes: Vec<u8>,
}

fn spec_modules(suite: &str) -> Option<Vec<Case>> {
    let files = common::spec_suite(suite)?;
    let mut cases = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let script =
            innative::wast::script::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for m in script.modules {
            let Ok(bytes) = m.bytes else { continue };
            if innative::validate::validate_bytes(&bytes).is_ok() {
                cases.push(Case {
                    what: format!("{name}:{}", m.pos),
                    bytes,
                });
            }
        }
    }
    Some(cases)
}

/// Every `.wasm` and `.wat` under `fixtures/` (including what `make
/// fixtures` built) that validates, and the debugger fixtures built with
/// clang-19 `-g` (modules with DWARF, for `--emit-debug`).
fn fixture_modules(tmp: &Path) -> Vec<Case> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "wasm" || e == "wat") {
                out.push(p);
            }
        }
    }
    let root = common::fixtures();
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    if require("clang-19") {
        for prog in ["functions", "recursion", "inline", "loops"] {
            let src = root.join("debug").join(prog).join(format!("{prog}.c"));
            if !src.exists() {
                continue;
            }
            let wasm = tmp.join(format!("{prog}.wasm"));
            let o = output(Command::new("clang-19").args([
                "--target=wasm32-wasi",
                "-g",
                "-O0",
                src.to_str().unwrap(),
                "-o",
                wasm.to_str().unwrap(),
            ]));
            assert!(o.status.success(), "clang-19 {prog}: {}", describe(&o));
            paths.push(wasm);
        }
    }
    let mut cases = Vec::new();
    for p in paths {
        let Ok(input) = Input::from_file(&p) else {
            continue;
        };
        if innative::validate::validate(&input).is_ok() {
            cases.push(Case {
                what: p.strip_prefix(&root).unwrap_or(&p).display().to_string(),
                bytes: input.bytes,
            });
        }
    }
    cases
}

#[derive(Default)]
struct Tally {
    modules: usize,
    wat_equal: usize,
    wat_encoding: usize,
    wabt_equal: usize,
    wabt_encoding: usize,
    debug_equal: usize,
    annotated: usize,
    /// Texts wat2wasm rejects for want of a WebAssembly 2.0 feature.
    wabt_limits: Vec<String>,
    failures: Vec<String>,
}

/// Serializes every case, checks the `wat` crate round trip (plain and
/// `--emit-debug` text) here and batches the texts for `wat2wasm`.
fn round_trip(cases: &[Case], dir: &Path, wabt: bool) -> Tally {
    let mut t = Tally {
        modules: cases.len(),
        ..Default::default()
    };
    let mut for_wabt = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let text = match innative::text::print(&case.bytes, false) {
            Ok(p) => p.text,
            Err(e) => {
                t.failures.push(format!("{}: cannot print: {e}", case.what));
                continue;
            }
        };
        match wat::parse_str(&text) {
            Ok(again) => match compare(&case.bytes, &again) {
                Ok(Same::Identical) => t.wat_equal += 1,
                Ok(Same::Encoding) => t.wat_encoding += 1,
                Err(d) => t.failures.push(format!("{}: wat: {d}", case.what)),
            },
            Err(e) => t
                .failures
                .push(format!("{}: wat: does not parse: {e}", case.what)),
        }
        // The annotated text (source positions or byte offsets) parses to
        // the same module.
        let input = Input {
            path: PathBuf::from(format!("case{i}.wasm")),
            bytes: case.bytes.clone(),
            text: None,
            name: None,
        };
        match innative::serialize_input(&input, true) {
            Ok(annotated) => {
                if annotated.contains("(; ") {
                    t.annotated += 1;
                }
                match wat::parse_str(&annotated) {
                    Ok(again) => match compare(&case.bytes, &again) {
                        Ok(_) => t.debug_equal += 1,
                        Err(d) => t.failures.push(format!("{}: --emit-debug: {d}", case.what)),
                    },
                    Err(e) => t.failures.push(format!(
                        "{}: --emit-debug text does not parse: {e}",
                        case.what
                    )),
                }
            }
            Err(e) => t.failures.push(format!("{}: --emit-debug: {e}", case.what)),
        }
        if wabt {
            let wat = dir.join(format!("m{i}.wat"));
            std::fs::write(&wat, &text).unwrap();
            for_wabt.push((i, wat));
        }
    }
    // wat2wasm, two processes at a time.
    let chunks: Vec<&[(usize, PathBuf)]> =
        for_wabt.chunks(for_wabt.len().div_ceil(2).max(1)).collect();
    let results: Vec<(usize, Result<Vec<u8>, String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|(i, wat)| {
                            let wasm = wat.with_extension("wasm");
                            let o = output(Command::new("wat2wasm").args([
                                "--enable-annotations",
                                "--enable-relaxed-simd",
                                wat.to_str().unwrap(),
                                "-o",
                                wasm.to_str().unwrap(),
                            ]));
                            let r = if o.status.success() {
                                Ok(std::fs::read(&wasm).unwrap())
                            } else {
                                Err(stderr(&o).lines().next().unwrap_or("").to_string())
                            };
                            (*i, r)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (i, r) in results {
        let case = &cases[i];
        match r {
            Ok(again) => match compare(&case.bytes, &again) {
                Ok(Same::Identical) => t.wabt_equal += 1,
                Ok(Same::Encoding) => t.wabt_encoding += 1,
                Err(d) => t.failures.push(format!("{}: wat2wasm: {d}", case.what)),
            },
            // wabt 1.0.32 rejects `global.get` in element expressions,
            // which WebAssembly 2.0 allows (elem.wast has one such module;
            // wat2wasm rejects the spec's own text of it too).
            Err(e) if e.contains("invalid elem expression") => {
                t.wabt_limits.push(format!("{}: {e}", case.what))
            }
            // wabt 1.0.32 knows the relaxed dot products only by their
            // pre-standard names (`i16x8.dot_i8x16_i7x16_s`).
            Err(e) if e.contains("unexpected token i16x8.relaxed_dot_i8x16_i7x16_s") => {
                t.wabt_limits.push(format!("{}: {e}", case.what))
            }
            Err(e) => t
                .failures
                .push(format!("{}: wat2wasm rejects the text: {e}", case.what)),
        }
    }
    t
}

fn report(name: &str, t: &Tally, wabt: bool) {
    eprintln!(
        "serialize round trip, {name}: {} modules\n  wat crate: {} identical sections + {} same module (original encoding not canonical) = {}/{}\n  wat2wasm:  {}\n  --emit-debug text (wat crate): {}/{} ({} annotated with source positions)",
        t.modules,
        t.wat_equal,
        t.wat_encoding,
        t.wat_equal + t.wat_encoding,
        t.modules,
        if wabt {
            format!(
                "{} identical sections + {} same module (encoding choices differ) = {}/{}; {} rejected by wabt 1.0.32 (a 2.0 feature it lacks)",
                t.wabt_equal,
                t.wabt_encoding,
                t.wabt_equal + t.wabt_encoding,
                t.modules,
                t.wabt_limits.len()
            )
        } else {
            "not run".into()
        },
        t.debug_equal,
        t.modules,
        t.annotated,
    );
    let show = std::env::var("SERIALIZE_SHOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    for f in t.wabt_limits.iter().chain(&t.failures).take(show) {
        eprintln!("  {f}");
    }
}

#[test]
fn spec_suite_round_trips() {
    let Some(cases) = spec_modules("wasm-2.0") else {
        eprintln!("no spec suite checked out next to the repository; skipping");
        return;
    };
    assert!(cases.len() > 1000, "only {} modules", cases.len());
    let wabt = require("wat2wasm");
    let dir = tempdir();
    let t = round_trip(&cases, dir.path(), wabt);
    report("wasm-2.0 spec suite", &t, wabt);
    assert!(t.wabt_limits.len() <= 1, "{:?}", t.wabt_limits);
    assert!(
        t.failures.is_empty(),
        "{} round-trip failures (first: {})",
        t.failures.len(),
        t.failures[0]
    );
}

/// The 3.0 suite's modules (memory64, several memories, tail calls,
/// exceptions, typed function references...) round-trip through the `wat`
/// crate (wabt's `wat2wasm` does not know all of 3.0).
#[test]
fn spec_3_0_suite_round_trips() {
    let Some(cases) = spec_modules("wasm-3.0") else {
        eprintln!("no 3.0 spec suite checked out next to the repository; skipping");
        return;
    };
    assert!(cases.len() > 1000, "only {} modules", cases.len());
    let dir = tempdir();
    let t = round_trip(&cases, dir.path(), false);
    report("wasm-3.0 spec suite", &t, false);
    assert!(
        t.failures.is_empty(),
        "{} round-trip failures (first: {})",
        t.failures.len(),
        t.failures[0]
    );
}

#[test]
fn fixtures_round_trip() {
    let dir = tempdir();
    let cases = fixture_modules(dir.path());
    assert!(cases.len() >= 10, "only {} fixture modules", cases.len());
    let wabt = require("wat2wasm");
    let t = round_trip(&cases, dir.path(), wabt);
    report("fixtures", &t, wabt);
    assert!(
        t.failures.is_empty(),
        "{} round-trip failures (first: {})",
        t.failures.len(),
        t.failures[0]
    );
}

/// A small module with names, a global and a data segment.
const SMALL: &str = r#"(module $small
  (memory 1)
  (global $count (mut i32) (i32.const 0))
  (func $bump (export "bump") (param $by i32) (result i32)
    global.get $count
    local.get $by
    i32.add
    global.set $count
    global.get $count)
  (data (i32.const 16) "hi"))
"#;

#[test]
fn serialize_writes_text_with_names() {
    let dir = tempdir();
    let wasm = dir.path().join("small.wasm");
    std::fs::write(&wasm, wat::parse_str(SMALL).unwrap()).unwrap();
    // Default: <stem>.wat in the current directory.
    let o = output(innative(["serialize", "small.wasm"]).current_dir(dir.path()));
    assert!(o.status.success(), "{}", describe(&o));
    let text = std::fs::read_to_string(dir.path().join("small.wat")).unwrap();
    assert!(text.contains("(func $bump"), "{text}");
    assert!(text.contains("(param $by i32)"), "{text}");
    assert!(text.contains("global.get $count"), "{text}");
    assert_eq!(
        sections(&wat::parse_str(&text).unwrap()).unwrap(),
        sections(&std::fs::read(&wasm).unwrap()).unwrap()
    );
    // -o FILE, and -o - (standard output).
    let out = dir.path().join("out.wat");
    let o = output(innative([
        "serialize".as_ref(),
        wasm.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]));
    assert!(o.status.success(), "{}", describe(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    let o = output(innative([
        "serialize".as_ref(),
        wasm.as_os_str(),
        "-o".as_ref(),
        "-".as_ref(),
    ]));
    assert!(o.status.success(), "{}", describe(&o));
    assert_eq!(stdout(&o), text);
}

#[test]
fn serialize_several_inputs_one_file_each() {
    let dir = tempdir();
    let a = dir.path().join("a.wasm");
    std::fs::write(&a, wat::parse_str(SMALL).unwrap()).unwrap();
    let b = dir.path().join("b.wat");
    std::fs::write(&b, "(module (func $f (result i32) i32.const 7))").unwrap();
    let outdir = dir.path().join("texts");
    std::fs::create_dir(&outdir).unwrap();
    let o = output(innative([
        "serialize".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        "-o".as_ref(),
        outdir.as_os_str(),
    ]));
    assert!(o.status.success(), "{}", describe(&o));
    assert_eq!(common::entries(&outdir), vec!["a.wat", "b.wat"]);
    assert!(std::fs::read_to_string(outdir.join("b.wat"))
        .unwrap()
        .contains("(func $f"));
    // -o naming a file with several inputs is a usage error.
    let o = output(innative([
        "serialize".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        "-o".as_ref(),
        dir.path().join("x.wat").as_os_str(),
    ]));
    assert_eq!(o.status.code(), Some(2), "{}", describe(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", describe(&o));
    // Writing b.wat next to itself would overwrite the input.
    let o = output(innative(["serialize", "b.wat"]).current_dir(dir.path()));
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(stderr(&o).contains("overwrite"), "{}", describe(&o));
    // A malformed input: the one-line compile error, exit 1.
    let o = output(innative([
        "serialize".as_ref(),
        common::fixture("malformed.wasm").as_os_str(),
        "-o".as_ref(),
        "-".as_ref(),
    ]));
    assert_eq!(o.status.code(), Some(1), "{}", describe(&o));
    assert!(
        stderr(&o).contains("malformed.wasm:@0x"),
        "{}",
        describe(&o)
    );
}

#[test]
fn emit_debug_annotates_positions_or_offsets() {
    let dir = tempdir();
    // A .wat input: positions in that text.
    let wat = dir.path().join("small.wat");
    std::fs::write(&wat, SMALL).unwrap();
    let o = output(innative([
        "serialize".as_ref(),
        "--emit-debug".as_ref(),
        wat.as_os_str(),
        "-o".as_ref(),
        "-".as_ref(),
    ]));
    assert!(o.status.success(), "{}", describe(&o));
    let text = stdout(&o);
    assert!(
        text.contains("(func $bump (;0;) (type 0) (param $by i32) (result i32)  (; small.wat:4 ;)"),
        "{text}"
    );
    assert!(
        text.contains("global.get $count  (; small.wat:5:5 ;)"),
        "{text}"
    );
    assert!(text.contains("i32.add  (; small.wat:7:5 ;)"), "{text}");
    wat::parse_str(&text).unwrap();
    // A binary without provenance: byte offsets.
    let wasm = dir.path().join("small.wasm");
    std::fs::write(&wasm, wat::parse_str(SMALL).unwrap()).unwrap();
    let o = output(innative([
        "serialize".as_ref(),
        "--emit-debug".as_ref(),
        wasm.as_os_str(),
        "-o".as_ref(),
        "-".as_ref(),
    ]));
    assert!(o.status.success(), "{}", describe(&o));
    let text = stdout(&o);
    assert!(text.contains("(;@"), "{text}");
    assert!(!text.contains("small.wat"), "{text}");
    wat::parse_str(&text).unwrap();
}

#[test]
fn emit_debug_uses_clang_dwarf() {
    if !require("clang-19") {
        return;
    }
    let dir = tempdir();
    let c = dir.path().join("sq.c");
    std::fs::write(
        &c,
        "int square(int x) {\n  int r = x * x;\n  return r;\n}\n\nint twice_square(int x) {\n  return 2 * square(x);\n}\n",
    )
    .unwrap();
    let wasm = dir.path().join("sq.wasm");
    let o = output(
        Command::new("clang-19")
            .args([
                "--target=wasm32-unknown-unknown",
                "-nostdlib",
                "-g",
                "-O0",
                "-Wl,--no-entry",
                "-Wl,--export=twice_square",
            ])
            .arg(&c)
            .arg("-o")
            .arg(&wasm)
            .current_dir(dir.path()),
    );
    assert!(o.status.success(), "{}", describe(&o));
    let o = output(
        innative(["serialize", "--emit-debug", "sq.wasm", "-o", "-"]).current_dir(dir.path()),
    );
    assert!(o.status.success(), "{}", describe(&o));
    let text = stdout(&o);
    assert!(text.contains("(func $square (;0;)"), "{text}");
    assert!(text.contains("(; sq.c:1 ;)"), "{text}");
    assert!(text.contains("(; sq.c:2:11 ;)"), "{text}");
    assert!(text.contains("(; sq.c:7:14 ;)"), "{text}");
    // Written only where the position changes (a function's header gives
    // its declaration; its instructions start over).
    let positions: Vec<(bool, &str)> = text
        .lines()
        .filter_map(|l| {
            let pos = l.split("(; ").nth(1)?;
            Some((l.trim_start().starts_with("(func "), pos))
        })
        .collect();
    for pair in positions.windows(2) {
        if !pair[0].0 && !pair[1].0 {
            assert_ne!(pair[0].1, pair[1].1, "repeated position in\n{text}");
        }
    }
    // wasm-ld pads LEB128s: the same module, encoded more tightly.
    let again = wat::parse_str(&text).unwrap();
    assert!(compare(&std::fs::read(&wasm).unwrap(), &again).is_ok());
}

#[test]
fn innative_serialize_spelling_also_compiles() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("small.wasm"),
        wat::parse_str(SMALL).unwrap(),
    )
    .unwrap();
    // inNative: -serialize writes <stem>.wat, then compiles as usual.
    let o = output(innative(["small.wasm", "-serialize", "-f", "library"]).current_dir(dir.path()));
    assert!(o.status.success(), "{}", describe(&o));
    let entries = common::entries(dir.path());
    assert!(entries.contains(&"small.wat".to_string()), "{entries:?}");
    assert!(entries.contains(&"small.so".to_string()), "{entries:?}");
    // -serialize FILE and -serialize emitdebug.
    let o = output(
        innative([
            "small.wasm",
            "-serialize",
            "text.wat",
            "-o",
            "small.so",
            "-f",
            "library",
        ])
        .current_dir(dir.path()),
    );
    assert!(o.status.success(), "{}", describe(&o));
    assert!(std::fs::read_to_string(dir.path().join("text.wat"))
        .unwrap()
        .contains("$bump"));
    std::fs::remove_file(dir.path().join("small.wat")).unwrap();
    let o = output(
        innative(["-serialize", "emitdebug", "small.wasm", "-f", "library"])
            .current_dir(dir.path()),
    );
    assert!(o.status.success(), "{}", describe(&o));
    assert!(std::fs::read_to_string(dir.path().join("small.wat"))
        .unwrap()
        .contains("(;@"));
}
