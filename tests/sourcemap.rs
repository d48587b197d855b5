//! Source maps both ways (issue 6), checked against real consumers and
//! oracles:
//!
//! * `build-sourcemap` on wasm and ELF inputs (native executables, shared
//!   libraries, relocatable objects, innative's own output): the map holds
//!   every row with line > 0 of the live sequences `llvm-dwarfdump-19
//!   --debug-line` prints — same address, file and line — and nothing else
//!   (end-of-sequence rows mark an end, not a position, and are left out);
//! * the npm `source-map` library (0.7, installed into `target/npm` by the
//!   test) reads those maps, and its `originalPositionFor` agrees with
//!   `llvm-symbolizer-19` at sampled addresses;
//! * a map-only round trip: a clang `-g` module → `build-sourcemap --strip
//!   --wasm-out --source-map-url` → `innative compile -g` of the stripped
//!   module steps in gdb through the same lines as the DWARF-driven build;
//! * AssemblyScript (`asc --sourceMap`, from npm) drives breakpoints on its
//!   `.ts` lines;
//! * malformed maps give one warning and the compile goes on.
//!
//! Tools missing: the test skips loudly, and fails when `CI` is set.

mod common;

#[path = "sourcemap/oracle.rs"]
mod oracle;
#[path = "debugger/session.rs"]
#[allow(dead_code)]
mod session;

use common::{assert_success, describe, innative, output, stderr, stdout, tempdir};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

// ---- tools ----------------------------------------------------------------------

fn tools(list: &[&str]) -> bool {
    list.iter().all(|t| common::require(t))
}

fn target_dir() -> PathBuf {
    common::innative_bin()
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// `target/npm/node_modules` with `source-map@0.7` and `assemblyscript`,
/// installed once (npm reaches the registry).  None (after a loud message)
/// when npm is missing outside CI; on CI that fails the test.
fn node_modules() -> Option<PathBuf> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let r = DIR.get_or_init(|| {
        let prefix = target_dir().join("npm");
        let modules = prefix.join("node_modules");
        let have = |p: &str| modules.join(p).join("package.json").is_file();
        let source_map_07 = std::fs::read_to_string(modules.join("source-map/package.json"))
            .map(|t| t.contains("\"version\": \"0.7."))
            .unwrap_or(false);
        if source_map_07 && have("assemblyscript") {
            return Ok(modules);
        }
        if !common::have("npm") || !common::have("node") {
            return Err("node/npm not installed (scripts/setup.sh installs them)".into());
        }
        std::fs::create_dir_all(&prefix).map_err(|e| e.to_string())?;
        let o = Command::new("npm")
            .arg("install")
            .arg("--prefix")
            .arg(&prefix)
            .args([
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "source-map@0.7",
                "assemblyscript@0.28",
            ])
            .output()
            .map_err(|e| format!("npm: {e}"))?;
        if !o.status.success() {
            return Err(format!("npm install failed: {}", describe(&o)));
        }
        Ok(modules)
    });
    match r {
        Ok(p) => Some(p.clone()),
        Err(e) if std::env::var_os("CI").is_some() => panic!("{e}"),
        Err(e) => {
            eprintln!("\n!!!!!!!! {e}.  SKIPPING this test !!!!!!!!\n");
            None
        }
    }
}

fn run_ok(cmd: &mut Command, what: &str) -> String {
    let o = output(&mut *cmd);
    assert_success(&o, what);
    stdout(&o)
}

fn fixture_dir(name: &str) -> PathBuf {
    common::fixtures().join("debug").join(name)
}

fn c_sources(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".c"))
        .collect();
    v.sort();
    v
}

/// clang-19 on a `fixtures/debug` program, run in its directory (relative
/// file names, as the debugger fixtures do); `out` is absolute.
fn clang(fixture: &str, args: &[&str], out: &Path) {
    let dir = fixture_dir(fixture);
    run_ok(
        Command::new("clang-19")
            .current_dir(&dir)
            .args(args)
            .args(c_sources(&dir))
            .arg("-o")
            .arg(out),
        &format!("clang-19 {args:?} {fixture}"),
    );
}

fn wasm_of(fixture: &str, extra: &[&str], out: &Path) {
    let mut args = vec!["--target=wasm32-wasi", "-g", "-ftrivial-auto-var-init=zero"];
    args.extend_from_slice(extra);
    clang(fixture, &args, out);
}

fn build_map(input: &Path, map: &Path, extra: &[&str]) {
    let o = output(
        innative(["build-sourcemap"])
            .arg(input)
            .arg("-o")
            .arg(map)
            .args(extra),
    );
    assert_success(&o, &format!("build-sourcemap {}", input.display()));
}

fn decode(map: &Path) -> sourcemap::SourceMap {
    let bytes = std::fs::read(map).unwrap();
    match sourcemap::decode_slice(&bytes)
        .unwrap_or_else(|e| panic!("{}: not a valid source map: {e}", map.display()))
    {
        sourcemap::DecodedMap::Regular(m) => m,
        _ => panic!("{}: not a regular map", map.display()),
    }
}

/// File offset of the code section payload.
fn code_offset(wasm: &Path) -> u64 {
    let bytes = std::fs::read(wasm).unwrap();
    for p in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let Ok(wasmparser::Payload::CodeSectionStart {
            unchecked_range: range,
            ..
        }) = p
        {
            return range.start as u64;
        }
    }
    panic!("{}: no code section", wasm.display())
}

fn custom_sections(wasm: &Path) -> Vec<(String, Vec<u8>)> {
    let bytes = std::fs::read(wasm).unwrap();
    let mut out = Vec::new();
    for p in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let Ok(wasmparser::Payload::CustomSection(r)) = p {
            out.push((r.name().to_string(), r.data().to_vec()));
        }
    }
    out
}

/// How an input's addresses become map columns, and which sequences live.
#[derive(Clone)]
enum Kind {
    /// Column = code offset + this (file offset of the code payload).
    Wasm(u64),
    /// Column = virtual address; live = starts in an executable section.
    Elf(Vec<std::ops::Range<u64>>),
    /// Column = offset in the section; every sequence is live.
    Object,
}

impl Kind {
    fn of(binary: &Path) -> Kind {
        if binary.extension().is_some_and(|e| e == "wasm") {
            Kind::Wasm(code_offset(binary))
        } else if common::elf_type(binary) == Some(1) {
            Kind::Object
        } else {
            Kind::Elf(oracle::elf_text_ranges(binary).unwrap())
        }
    }

    fn live(&self, first: u64, binary: &Path) -> bool {
        match self {
            Kind::Wasm(_) => {
                let size = wasm_code_size(binary);
                first != 0 && first < size && first < 0xffff_fffe
            }
            Kind::Elf(text) => text.iter().any(|r| r.contains(&first)),
            Kind::Object => true,
        }
    }

    fn column_offset(&self) -> u64 {
        match self {
            Kind::Wasm(o) => *o,
            _ => 0,
        }
    }
}

fn wasm_code_size(wasm: &Path) -> u64 {
    let bytes = std::fs::read(wasm).unwrap();
    for p in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let Ok(wasmparser::Payload::CodeSectionStart {
            unchecked_range: range,
            ..
        }) = p
        {
            return (range.end - range.start) as u64;
        }
    }
    0
}

type Position = (u64, String, u32);

/// The dump's rows with line > 0 of live sequences: (address, file, line).
fn expected_rows(binary: &Path, kind: &Kind) -> BTreeSet<Position> {
    let tables = oracle::line_tables(binary).unwrap();
    let mut out = BTreeSet::new();
    for t in &tables {
        for seq in &t.sequences {
            let Some(first) = seq.first() else { continue };
            if !kind.live(first.address, binary) {
                continue;
            }
            for r in seq.iter().filter(|r| !r.end_sequence && r.line > 0) {
                out.insert((r.address, r.file.clone(), r.line));
            }
        }
    }
    out
}

/// The map's mappings: (address, file, line).
fn map_rows(map: &sourcemap::SourceMap, kind: &Kind) -> BTreeSet<Position> {
    map.tokens()
        .filter(|t| t.get_dst_line() == 0 && t.has_source())
        .map(|t| {
            (
                t.get_dst_col() as u64 - kind.column_offset(),
                oracle::normalize(t.get_source().unwrap()),
                t.get_src_line() + 1,
            )
        })
        .collect()
}

/// (a): exactly the dump's rows.  Returns how many were compared.
fn check_rows(binary: &Path, map_path: &Path) -> usize {
    let kind = Kind::of(binary);
    let expected = expected_rows(binary, &kind);
    let actual = map_rows(&decode(map_path), &kind);
    let missing: Vec<_> = expected.difference(&actual).take(10).collect();
    let extra: Vec<_> = actual.difference(&expected).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{}: the map differs from llvm-dwarfdump-19 --debug-line ({} rows vs {} mappings)\nmissing: {missing:#?}\nextra: {extra:#?}",
        binary.display(),
        expected.len(),
        actual.len()
    );
    assert!(
        expected.len() > 20,
        "{}: too few rows to compare",
        binary.display()
    );
    expected.len()
}

/// (b): `originalPositionFor` of the npm library against llvm-symbolizer at
/// row addresses and one byte past them, where the map has one answer (a
/// position with several mappings is answered by whichever the library's
/// binary search meets first).  Returns the number of samples.
fn check_consumer(binary: &Path, map_path: &Path, modules: &Path) -> usize {
    let kind = Kind::of(binary);
    let map = decode(map_path);
    // column -> answers of the mappings there (None = unmapped segment)
    let mut at: BTreeMap<u64, BTreeSet<Option<(String, u32)>>> = BTreeMap::new();
    for t in map.tokens().filter(|t| t.get_dst_line() == 0) {
        let v = t
            .get_source()
            .map(|s| (oracle::normalize(s), t.get_src_line() + 1));
        at.entry(t.get_dst_col() as u64).or_default().insert(v);
    }
    let rows = expected_rows(binary, &kind);
    let mut addresses: BTreeSet<u64> = BTreeSet::new();
    for (a, _, _) in &rows {
        addresses.insert(*a);
        addresses.insert(a + 1);
    }
    let off = kind.column_offset();
    let samples: Vec<u64> = addresses
        .into_iter()
        .filter(|a| {
            at.range(..=a + off)
                .next_back()
                .is_some_and(|(_, answers)| answers.len() == 1)
        })
        .collect();
    // Spread at most 400 samples over the module.
    let step = (samples.len() / 400).max(1);
    let samples: Vec<u64> = samples.into_iter().step_by(step).collect();
    assert!(samples.len() > 20, "{}: too few samples", binary.display());

    let symbolized = oracle::symbolize(binary, &samples).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sourcemap/consumer.js");
    let out = run_ok(
        Command::new("node")
            .arg(&script)
            .arg(modules)
            .arg(map_path)
            .args(samples.iter().map(|a| (a + off).to_string())),
        "node consumer.js",
    );
    let answers: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(answers.len(), samples.len());
    let mut wrong = Vec::new();
    for ((a, sym), npm) in samples.iter().zip(&symbolized).zip(&answers) {
        let npm = npm["source"].as_str().map(|s| {
            (
                oracle::normalize(s),
                npm["line"].as_u64().unwrap_or(0) as u32,
            )
        });
        if &npm != sym {
            wrong.push(format!(
                "{a:#x}: source-map {npm:?}, llvm-symbolizer {sym:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{}: the npm source-map library and llvm-symbolizer-19 disagree at {} of {} samples:\n{}",
        binary.display(),
        wrong.len(),
        samples.len(),
        wrong[..wrong.len().min(15)].join("\n")
    );
    samples.len()
}

// ---- (a) + (b): wasm inputs -------------------------------------------------------

#[test]
fn wasm_maps_hold_exactly_the_dwarf_rows_and_npm_reads_them() {
    if !tools(&[
        "clang-19",
        "llvm-dwarfdump-19",
        "llvm-symbolizer-19",
        "node",
    ]) {
        return;
    }
    let Some(modules) = node_modules() else {
        return;
    };
    let dir = tempdir();
    for (fixture, extra) in [
        ("functions", &["-O0"][..]),
        ("multifile", &["-O2"][..]),
        ("loops", &["-O0", "-gdwarf-5"][..]),
        ("inline", &["-O1", "-gdwarf-5"][..]),
    ] {
        let wasm = dir.path().join(format!("{fixture}{}.wasm", extra.join("")));
        wasm_of(fixture, extra, &wasm);
        let map = wasm.with_extension("wasm.map");
        build_map(&wasm, &map, &[]);
        let rows = check_rows(&wasm, &map);
        let samples = check_consumer(&wasm, &map, &modules);
        eprintln!("{fixture} {extra:?}: {rows} rows match, {samples} positions agree");
    }
}

// ---- (a) + (b): ELF inputs ------------------------------------------------------

#[test]
fn elf_maps_hold_exactly_the_dwarf_rows_and_npm_reads_them() {
    if !tools(&[
        "clang-19",
        "llvm-dwarfdump-19",
        "llvm-symbolizer-19",
        "llvm-readelf-19",
        "node",
    ]) {
        return;
    }
    let Some(modules) = node_modules() else {
        return;
    };
    let dir = tempdir();
    let d = dir.path();
    let exe = d.join("multifile");
    clang("multifile", &["-g", "-O0"], &exe);
    let exe4 = d.join("functions4");
    clang("functions", &["-g", "-gdwarf-4", "-O1"], &exe4);
    let so = d.join("libfunctions.so");
    clang("functions", &["-g", "-O0", "-shared", "-fPIC"], &so);
    let obj = d.join("shapes.o");
    run_ok(
        Command::new("clang-19")
            .current_dir(fixture_dir("multifile"))
            .args(["-g", "-O0", "-c", "shapes.c", "-o"])
            .arg(&obj),
        "clang-19 -c",
    );
    // innative's own output: the wasm's DWARF turned native.
    let wasm = d.join("multifile.wasm");
    wasm_of("multifile", &["-O0"], &wasm);
    let inn = d.join("multifile.innative");
    assert_success(
        &output(
            innative(["compile", "-g", "-O0"])
                .arg(&wasm)
                .arg("-o")
                .arg(&inn),
        ),
        "innative compile -g",
    );
    for (binary, npm) in [
        (&exe, true),
        (&exe4, true),
        (&so, true),
        (&obj, false),
        (&inn, true),
    ] {
        let map = PathBuf::from(format!("{}.map", binary.display()));
        build_map(binary, &map, &["--names"]);
        let rows = check_rows(binary, &map);
        // llvm-symbolizer reads a relocatable object's addresses differently
        // (per section); its rows were checked above.
        let samples = if npm {
            check_consumer(binary, &map, &modules)
        } else {
            0
        };
        eprintln!(
            "{}: {rows} rows match, {samples} positions agree",
            binary.file_name().unwrap().to_string_lossy()
        );
    }
    // --names: function names ride on the first mapping of each function.
    let m = decode(&PathBuf::from(format!("{}.map", exe.display())));
    let names: BTreeSet<&str> = m.names().collect();
    for f in ["main", "total_area", "grow", "clamp"] {
        assert!(names.contains(f), "no `{f}` in names: {names:?}");
    }
}

// ---- (c): map-only round trip ------------------------------------------------------

fn step_locations(program: &Path, own: &[String], start: &str) -> Vec<String> {
    let s = session::run(&session::Config {
        debugger: session::Debugger::Gdb,
        program,
        own,
        mode: session::Mode::Step {
            start: start.to_string(),
            max_steps: 1000,
            vars: false,
            over: false,
        },
        budget_secs: 90,
        extensions: false,
    })
    .unwrap_or_else(|e| panic!("gdb on {}: {e}", program.display()));
    assert!(
        s.ended_normally(),
        "gdb on {} ended with {}:\n{}",
        program.display(),
        s.end,
        s.log
    );
    s.stops.iter().map(|st| st.loc.to_string()).collect()
}

#[test]
fn map_only_round_trip_steps_like_the_dwarf_build() {
    if !tools(&["clang-19", "gdb", "timeout", "llvm-dwarfdump-19"]) {
        return;
    }
    for fixture in ["functions", "multifile"] {
        let dir = tempdir();
        let d = dir.path();
        let wasm = d.join("prog.wasm");
        wasm_of(fixture, &["-O0"], &wasm);
        let stripped = d.join("stripped.wasm");
        let map = d.join("stripped.wasm.map");
        build_map(
            &wasm,
            &map,
            &[
                "--names",
                "--strip",
                "--wasm-out",
                stripped.to_str().unwrap(),
                "--source-map-url",
                "stripped.wasm.map",
            ],
        );
        let sections = custom_sections(&stripped);
        assert!(
            !sections.iter().any(|(n, _)| n.starts_with(".debug_")),
            "--strip left DWARF in {}",
            stripped.display()
        );
        let url = sections
            .iter()
            .find(|(n, _)| n == "sourceMappingURL")
            .map(|(_, d)| String::from_utf8_lossy(&d[1..]).into_owned());
        assert_eq!(url.as_deref(), Some("stripped.wasm.map"));

        let by_dwarf = d.join("by-dwarf");
        let by_map = d.join("by-map");
        assert_success(
            &output(
                innative(["compile", "-g", "-O0"])
                    .arg(&wasm)
                    .arg("-o")
                    .arg(&by_dwarf),
            ),
            "compile -g (DWARF)",
        );
        let o = output(
            innative(["compile", "-g", "-O0", "-v"])
                .arg(&stripped)
                .arg("-o")
                .arg(&by_map),
        );
        assert_success(&o, "compile -g (source map)");
        assert!(
            stderr(&o).contains("debug info from source map"),
            "the map was not used:\n{}",
            describe(&o)
        );
        let run = |p: &Path| stdout(&common::run_program(p, &[]));
        assert_eq!(run(&by_dwarf), run(&by_map));

        let src = fixture_dir(fixture).canonicalize().unwrap();
        let own: Vec<String> = std::fs::read_dir(&src)
            .unwrap()
            .flatten()
            .map(|e| e.path().to_string_lossy().into_owned())
            .filter(|p| p.ends_with(".c") || p.ends_with(".h"))
            .collect();
        let main_file = if fixture == "functions" {
            "functions.c"
        } else {
            "main.c"
        };
        let start = format!("{}:main", src.join(main_file).display());
        let a = step_locations(&by_dwarf, &own, &start);
        let b = step_locations(&by_map, &own, &start);
        assert!(a.len() > 10, "{fixture}: only {} stops", a.len());
        assert_eq!(
            a, b,
            "{fixture}: stepping the map-driven build differs from the DWARF-driven one"
        );
        eprintln!("{fixture}: {} stops, same sequence", a.len());
    }
}

// ---- (d): AssemblyScript ---------------------------------------------------------

#[test]
fn assemblyscript_source_map_drives_breakpoints_on_ts_lines() {
    if !tools(&["gdb", "timeout", "node"]) {
        return;
    }
    let Some(modules) = node_modules() else {
        return;
    };
    let dir = tempdir();
    let d = dir.path();
    let ts = d.join("fib.ts");
    std::fs::copy(common::fixtures().join("sourcemap/asc/fib.ts"), &ts).unwrap();
    run_ok(
        Command::new("node")
            .current_dir(d)
            .arg(modules.join("assemblyscript/bin/asc.js"))
            .args([
                "fib.ts",
                "--outFile",
                "fib.wasm",
                "--sourceMap",
                "--debug",
                "--runtime",
                "stub",
                "--use",
                "abort=",
            ]),
        "asc --sourceMap",
    );
    let wasm = d.join("fib.wasm");
    assert!(
        custom_sections(&wasm)
            .iter()
            .any(|(n, _)| n == "sourceMappingURL"),
        "asc wrote no sourceMappingURL section"
    );
    let exe = d.join("fib");
    let o = output(
        innative(["compile", "-g", "-O0", "--sys", "env", "-v"])
            .arg(&wasm)
            .arg("-o")
            .arg(&exe),
    );
    assert_success(&o, "innative compile -g (asc module)");
    assert!(
        stderr(&o).contains("debug info from source map"),
        "{}",
        describe(&o)
    );
    assert_eq!(
        stdout(&common::run_program(&exe, &[])),
        "0 1 1 2 3 5 8 13 21 34 55 89\n"
    );
    // The map's library source exists only in sourcesContent: written
    // beside the output.
    assert!(
        d.join("fib.sources/~lib/rt/common.ts").is_file(),
        "sourcesContent not written: {:?}",
        common::entries(d)
    );

    let lines = [11u32, 12, 20, 22, 27, 28];
    let specs: Vec<String> = lines.iter().map(|l| format!("fib.ts:{l}")).collect();
    let s = session::run(&session::Config {
        debugger: session::Debugger::Gdb,
        program: &exe,
        own: &[ts.canonicalize().unwrap().to_string_lossy().into_owned()],
        mode: session::Mode::Breaks {
            specs: specs.clone(),
        },
        budget_secs: 90,
        extensions: false,
    })
    .unwrap();
    for (spec, line) in specs.iter().zip(lines) {
        let b = s
            .break_for(spec)
            .unwrap_or_else(|| panic!("no record for {spec}:\n{}", s.log));
        let hit = b.hit.as_ref().unwrap_or_else(|| {
            panic!(
                "{spec} never stopped (resolved {:?}):\n{}",
                b.resolved, s.log
            )
        });
        assert_eq!(
            (hit.loc.file.as_str(), hit.loc.line),
            ("fib.ts", line),
            "{spec} stopped at {}",
            hit.loc
        );
    }
    // Function names are the name section's.
    let fib_hit = s.break_for("fib.ts:11").unwrap().hit.as_ref().unwrap();
    assert!(fib_hit.loc.func.contains("fib"), "{}", fib_hit.loc);
}

// ---- (e): malformed maps ----------------------------------------------------------

#[test]
fn malformed_maps_warn_once_and_the_compile_goes_on() {
    let dir = tempdir();
    let demo = common::fixture("demo.wat");
    let expected = std::fs::read_to_string(common::fixture("demo.expected")).unwrap();
    let malformed = common::fixtures().join("sourcemap/malformed");
    let mut maps: Vec<PathBuf> = std::fs::read_dir(&malformed)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "map"))
        .collect();
    maps.sort();
    assert!(maps.len() >= 8);
    maps.push(malformed.join("no-such-file.map"));
    for map in &maps {
        let exe = dir.path().join("demo");
        let o = output(
            innative(["compile", "-g", "--sys", "env"])
                .arg(&demo)
                .arg("--source-map")
                .arg(map)
                .arg("-o")
                .arg(&exe),
        );
        assert_success(&o, &format!("compile with {}", map.display()));
        let err = stderr(&o);
        let warnings: Vec<&str> = err.lines().filter(|l| l.contains("source map")).collect();
        assert_eq!(
            warnings.len(),
            1,
            "{}: expected one warning line:\n{err}",
            map.display()
        );
        let name = map.file_name().unwrap().to_string_lossy();
        assert!(
            warnings[0].contains("warning:") && warnings[0].contains(&*name),
            "{}: the warning does not name the map: {}",
            map.display(),
            warnings[0]
        );
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(stdout(&common::run_program(&exe, &[])), expected);
    }
}

#[test]
fn malformed_source_mapping_urls_warn_and_compile() {
    if !tools(&["clang-19"]) {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    let wasm = d.join("prog.wasm");
    wasm_of("functions", &["-O0"], &wasm);
    for (url, needle) in [
        ("data:application/json;base64,!!!!", "base64"),
        ("data:application/json;base64,e30=", "version"),
        ("https://example.invalid/prog.wasm.map", "only files"),
        ("missing/prog.wasm.map", "cannot read"),
    ] {
        let out_wasm = d.join("url.wasm");
        build_map(
            &wasm,
            &d.join("unused.map"),
            &[
                "--strip",
                "--wasm-out",
                out_wasm.to_str().unwrap(),
                "--source-map-url",
                url,
            ],
        );
        let o = output(
            innative(["compile", "-g"])
                .arg(&out_wasm)
                .arg("-o")
                .arg(d.join("prog")),
        );
        assert_success(&o, url);
        let err = stderr(&o);
        let warnings: Vec<&str> = err.lines().filter(|l| l.contains("source map")).collect();
        assert!(
            warnings.len() == 1 && warnings[0].contains(needle),
            "{url}: expected one warning mentioning {needle:?}:\n{err}"
        );
    }
}

// ---- how a map is found --------------------------------------------------------------

/// (basename, line) of the rows of `binary`'s line table in `file`.
fn native_lines(binary: &Path, file: &str) -> BTreeSet<u32> {
    oracle::line_tables(binary)
        .unwrap()
        .iter()
        .flat_map(|t| t.sequences.iter().flatten())
        .filter(|r| r.line > 0 && r.file.ends_with(&format!("/{file}")))
        .map(|r| r.line)
        .collect()
}

fn producers(binary: &Path) -> String {
    let o = output(
        Command::new("llvm-dwarfdump-19")
            .arg("--debug-info")
            .arg(binary),
    );
    stdout(&o)
        .lines()
        .filter(|l| l.contains("DW_AT_producer"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn maps_are_found_by_path_url_data_url_and_index_map_alike() {
    if !tools(&["clang-19", "llvm-dwarfdump-19"]) {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    let wasm = d.join("prog.wasm");
    wasm_of("functions", &["-O0"], &wasm);
    // The reference: a stripped module and its map given with --source-map.
    let stripped = d.join("stripped.wasm");
    let map = d.join("maps/prog.map");
    std::fs::create_dir_all(d.join("maps")).unwrap();
    build_map(
        &wasm,
        &map,
        &[
            "--strip",
            "--wasm-out",
            stripped.to_str().unwrap(),
            "--names",
        ],
    );
    let compile = |input: &Path, extra: &[&str], out: &str| -> PathBuf {
        let exe = d.join(out);
        let o = output(
            innative(["compile", "-g", "-O0"])
                .arg(input)
                .args(extra)
                .arg("-o")
                .arg(&exe),
        );
        assert_success(&o, out);
        assert!(!stderr(&o).contains("warning"), "{out}: {}", describe(&o));
        exe
    };
    let reference = compile(&stripped, &["--source-map", map.to_str().unwrap()], "ref");
    let want = native_lines(&reference, "functions.c");
    assert!(want.len() > 15, "{want:?}");
    assert!(producers(&reference).contains("source map"));

    // --wasm-out without a URL: the map's path relative to the module.
    let mut cases: Vec<(String, PathBuf)> =
        vec![("default URL (maps/prog.map)".into(), stripped.clone())];
    let json = std::fs::read(&map).unwrap();
    for (label, url) in [
        ("relative path", "maps/prog.map".to_string()),
        ("absolute path", map.display().to_string()),
        ("file:// URL", format!("file://{}", map.display())),
        (
            "data: URL",
            format!(
                "data:application/json;charset=utf-8;base64,{}",
                base64(&json)
            ),
        ),
    ] {
        let out = d.join(format!("{}.wasm", label.replace([' ', ':', '/'], "_")));
        build_map(
            &wasm,
            &d.join("scratch.map"),
            &[
                "--strip",
                "--names",
                "--wasm-out",
                out.to_str().unwrap(),
                "--source-map-url",
                &url,
            ],
        );
        cases.push((label.into(), out));
    }
    for (i, (label, module)) in cases.iter().enumerate() {
        let exe = compile(module, &[], &format!("case{i}"));
        assert_eq!(native_lines(&exe, "functions.c"), want, "{label}");
    }

    // An index map: the same mappings in two sections, the second shifted.
    let m = decode(&map);
    let split = m
        .tokens()
        .nth(m.get_token_count() as usize / 2)
        .unwrap()
        .get_dst_col();
    let section = |from: u32, to: u32, shift: u32| {
        let mut b = sourcemap::SourceMapBuilder::new(None);
        for t in m.tokens().filter(|t| (from..to).contains(&t.get_dst_col())) {
            let src = t.get_source().map(|s| b.add_source(s));
            let name = t.get_name().map(|n| b.add_name(n));
            b.add_raw(
                0,
                t.get_dst_col() - shift,
                t.get_src_line(),
                t.get_src_col(),
                src,
                name,
                false,
            );
        }
        let mut out = Vec::new();
        b.into_sourcemap().to_writer(&mut out).unwrap();
        serde_json::from_slice::<serde_json::Value>(&out).unwrap()
    };
    let index = serde_json::json!({
        "version": 3,
        "sections": [
            {"offset": {"line": 0, "column": 0}, "map": section(0, split, 0)},
            {"offset": {"line": 0, "column": split}, "map": section(split, u32::MAX, split)},
        ]
    });
    let index_path = d.join("maps/index.map");
    std::fs::write(&index_path, index.to_string()).unwrap();
    let exe = compile(
        &stripped,
        &["--source-map", index_path.to_str().unwrap()],
        "index",
    );
    assert_eq!(native_lines(&exe, "functions.c"), want, "index map");
}

#[test]
fn dwarf_wins_over_the_map_unless_prefer_source_map() {
    if !tools(&["clang-19", "llvm-dwarfdump-19"]) {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    let wasm = d.join("prog.wasm");
    wasm_of("functions", &["-O0"], &wasm);
    let both = d.join("both.wasm");
    build_map(
        &wasm,
        &d.join("both.wasm.map"),
        &["--wasm-out", both.to_str().unwrap()],
    );
    for (extra, from_map) in [(&[][..], false), (&["--prefer-source-map"][..], true)] {
        let exe = d.join("prog");
        assert_success(
            &output(
                innative(["compile", "-g"])
                    .args(extra)
                    .arg(&both)
                    .arg("-o")
                    .arg(&exe),
            ),
            "compile",
        );
        let p = producers(&exe);
        assert_eq!(p.contains("source map"), from_map, "{extra:?}: {p}");
        assert_eq!(p.contains("clang"), !from_map, "{extra:?}: {p}");
    }
}

#[test]
fn sources_missing_on_disk_come_from_sources_content() {
    if !tools(&["clang-19", "llvm-dwarfdump-19", "gdb"]) {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    let wasm = d.join("prog.wasm");
    wasm_of("functions", &["-O0"], &wasm);
    let stripped = d.join("stripped.wasm");
    let src = fixture_dir("functions").canonicalize().unwrap();
    // Embed the text, and name the sources where they are not.
    let prefix = format!("--prefix={}=/nonexistent/project", src.display());
    build_map(
        &wasm,
        &d.join("stripped.wasm.map"),
        &[
            "--sources",
            &prefix,
            "--strip",
            "--wasm-out",
            stripped.to_str().unwrap(),
        ],
    );
    let map: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("stripped.wasm.map")).unwrap()).unwrap();
    let i = map["sources"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s == "/nonexistent/project/functions.c")
        .expect("prefix not applied");
    let text = std::fs::read_to_string(src.join("functions.c")).unwrap();
    assert_eq!(map["sourcesContent"][i].as_str(), Some(text.as_str()));

    let exe = d.join("prog");
    assert_success(
        &output(
            innative(["compile", "-g", "-O0"])
                .arg(&stripped)
                .arg("-o")
                .arg(&exe),
        ),
        "compile",
    );
    let written = d.join("prog.sources/nonexistent/project/functions.c");
    assert_eq!(
        std::fs::read_to_string(&written).ok().as_deref(),
        Some(text.as_str())
    );
    // gdb shows the written copy.
    let o = output(
        Command::new("gdb")
            .args(["-q", "-batch", "-nx", "-iex", "set auto-load no"])
            .args(["-ex", "list functions.c:24,24"])
            .arg(&exe),
    );
    assert!(
        stdout(&o).contains("int s = sum_of_squares(a);"),
        "gdb cannot list the source: {}",
        describe(&o)
    );
}

// ---- command line ------------------------------------------------------------------

#[test]
fn build_sourcemap_errors_are_one_line() {
    let dir = tempdir();
    let d = dir.path();
    let garbage = d.join("garbage.bin");
    std::fs::write(&garbage, b"not a module").unwrap();
    let wat_only = common::fixture("demo.wat");
    let nodwarf = d.join("nodwarf.wasm");
    std::fs::write(&nodwarf, wat::parse_file(&wat_only).unwrap()).unwrap();
    for (args, code, needle) in [
        (
            vec![garbage.to_str().unwrap()],
            1,
            "not a wasm module or an ELF file",
        ),
        (vec![nodwarf.to_str().unwrap()], 1, "no DWARF line table"),
        (vec!["/no/such/file.wasm"], 1, "cannot read input"),
        (vec![nodwarf.to_str().unwrap(), "--strip"], 2, "--wasm-out"),
        (vec![], 2, "IN"),
    ] {
        let o = output(innative(["build-sourcemap"]).args(&args));
        assert_eq!(common::status(&o), code, "{args:?}: {}", describe(&o));
        let line = common::one_line_stderr(&o);
        assert!(line.contains(needle), "{args:?}: {line}");
    }
    // inNative's spelling.
    if tools(&["clang-19"]) {
        let wasm = d.join("prog.wasm");
        wasm_of("functions", &["-O0"], &wasm);
        let o = output(innative([wasm.to_str().unwrap(), "-build-sourcemap"]));
        assert_success(&o, "-build-sourcemap");
        assert!(d.join("prog.wasm.map").is_file());
        let o = output(innative(["build-sourcemap", "--help"]));
        assert_success(&o, "--help");
        assert!(stdout(&o).contains("--source-map-url"));
    }
}
