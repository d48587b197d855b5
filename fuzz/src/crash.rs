//! Crash fuzzing of innative's input parsers through the CLI.
//!
//! Each target builds seed inputs, mutates them and runs the commands that
//! read them:
//! * `wasm`: wasm-smith modules, mutated bytes → `serialize`, `compile --object`;
//! * `wat`: their text (wasmprinter), mutated tokens → `serialize`, `compile -g --object`;
//! * `dwarf`: clang-19 `-g` modules (DWARF 4/5, -O0/-O1), bytes mutated only
//!   inside `.debug_*` custom sections → `serialize --emit-debug`,
//!   `compile -g --object`, `build-sourcemap`;
//! * `sourcemap`: maps made by `build-sourcemap`, mutated as text, and random
//!   maps → `compile -g --object --source-map`, and `serialize --emit-debug`
//!   through a `sourceMappingURL` section;
//! * `elf`: innative `-g` objects and executables, mutated → `build-sourcemap`.
//!
//! The rule for every run: exit 0, or 1/2 with an error line naming the
//! input; never 101 (panic), a signal, more than `TIMEOUT`, or more than
//! `MAX_RSS_KIB`.  Anything else is saved under `--out` with the command.

use crate::gen::{self, Rng};
use crate::run::{self, End};
use crate::Opts;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub(crate) const TIMEOUT: Duration = Duration::from_secs(20);
const MAX_RSS_KIB: i64 = 500 * 1024;

/// C compiled by clang-19 with `-g` into the DWARF seeds.
const C_SEED: &str = r#"
struct node { int value; struct node *next; double w[3]; };
typedef struct node node_t;
static int helper(int x) { int y = x * 3; return y + 1; }
__attribute__((always_inline)) static inline int sq(int v) { return v * v; }
int sum_list(node_t *n) { int s = 0; while (n) { s += n->value + sq(n->value); n = n->next; } return s; }
enum color { RED, GREEN = 5, BLUE };
union u { float f; unsigned int i; };
int global_counter = 7;
const char *names[] = {"a", "bb"};
double compute(int n, enum color c) {
  double acc = 0; union u x; x.f = 1.5f;
  for (int i = 0; i < n; i++) { int t = helper(i); acc += t * (double)c + x.i; global_counter++; }
  { long long big = n; acc += big; }
  return acc;
}
int arr_sum(int *a, int len) { int s = 0; for (int i = 0; i < len; i++) s += a[i]; return s; }
int (*fp)(int *, int) = arr_sum;
"#;

/// Generic byte mutations: flips, interesting bytes, inserts, deletes,
/// duplicated chunks, truncation, over-long or huge LEB128s.
pub fn mutate_bytes(data: &mut Vec<u8>, lo: usize, hi: usize, rng: &mut Rng) {
    let n = 1 + rng.below(4);
    for _ in 0..n {
        if hi <= lo || data.len() < hi {
            return;
        }
        let span = (hi - lo) as u64;
        let at = lo + rng.below(span) as usize;
        match rng.below(8) {
            0 => data[at] ^= 1 << rng.below(8),
            1 => data[at] = [0x00, 0xff, 0x80, 0x7f, 0x01, 0x40, 0xfe, 0x0b][rng.below(8) as usize],
            2 => data[at] = rng.next_u64() as u8,
            3 => {
                // A LEB128 that says "huge" (keeps the length when hi is fixed).
                let k = (rng.below(5) as usize).min(hi - at - 1);
                for b in &mut data[at..at + k] {
                    *b = 0xff;
                }
                data[at + k] = 0x0f;
            }
            4 if lo == 0 => {
                let len = rng.below(16) as usize;
                let bytes = rng.bytes(len);
                data.splice(at..at, bytes);
            }
            5 if lo == 0 => {
                let end = (at + rng.below(32) as usize).min(data.len());
                data.drain(at..end);
            }
            6 if lo == 0 => data.truncate(at),
            _ => {
                let len = (rng.below(8) as usize).min(hi - at);
                let to = lo + rng.below(span) as usize;
                let chunk: Vec<u8> = data[at..at + len].to_vec();
                for (i, b) in chunk.into_iter().enumerate() {
                    if to + i < hi {
                        data[to + i] = b;
                    }
                }
            }
        }
    }
}

/// The `.debug_*` custom sections of a module: payload byte ranges.
fn debug_ranges(wasm: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::CustomSection(c)) = payload {
            if c.name().starts_with(".debug_") {
                let r = c.data_offset() as usize;
                out.push((r, r + c.data().len()));
            }
        }
    }
    out
}

const WAT_TOKENS: &[&str] = &[
    "(",
    ")",
    "(func",
    "(module",
    "block",
    "loop",
    "end",
    "i32.const",
    "i64.const 0x8000000000000000",
    "f32.const nan:0x1",
    "f64.const -nan:0xfffffffffffff",
    "1e999999",
    "0x1p+999999",
    "$x",
    "$",
    "(@custom \"a\" \"b\")",
    "\"\\ff\\00\"",
    "\"\\u{110000}\"",
    "(;",
    ";)",
    ";;",
    "(param i32)",
    "(result i64 i64 i64)",
    "br 4294967295",
    "(memory 65537)",
    "(table 4294967295 funcref)",
    "(data (i32.const 4294967295) \"x\")",
    "call 99999",
    "(type (func))",
    "(export \"\" (func 0))",
    "(import \"a\" \"b\" (func))",
    "local.get 4294967295",
    "(elem (i32.const 0) func 0 0 0)",
    "select (result i32 i32)",
    "ref.func 0",
    "(@name \"x\")",
    "0_",
    "-0x",
];

fn mutate_text(text: &mut String, rng: &mut Rng) {
    let n = 1 + rng.below(3);
    for _ in 0..n {
        if text.is_empty() {
            text.push_str(WAT_TOKENS[rng.below(WAT_TOKENS.len() as u64) as usize]);
            continue;
        }
        let mut at = rng.below(text.len() as u64) as usize;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        match rng.below(7) {
            0 => text.insert_str(
                at,
                &format!(
                    " {} ",
                    WAT_TOKENS[rng.below(WAT_TOKENS.len() as u64) as usize]
                ),
            ),
            1 => {
                let mut end = (at + 1 + rng.below(40) as usize).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                text.replace_range(at..end, "");
            }
            2 => text.truncate(at),
            3 => {
                // Deep nesting.
                let depth = 1 + rng.below(20_000) as usize;
                let s = if rng.below(2) == 0 {
                    format!("{}{}", "(block ".repeat(depth), ")".repeat(depth))
                } else {
                    "(".repeat(depth)
                };
                text.insert_str(at, &s);
            }
            4 => {
                // A number somewhere becomes huge or odd.
                let num = [
                    "4294967296",
                    "18446744073709551616",
                    "-1",
                    "0x",
                    "1_000_",
                    "nan:0x0",
                    "inf",
                    "99999999999999999999999",
                ][rng.below(8) as usize];
                text.insert_str(at, num);
            }
            5 => {
                let end = (at + rng.below(200) as usize).min(text.len());
                let mut end = end;
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                let chunk = text[at..end].to_string();
                text.insert_str(at, &chunk);
            }
            _ => {
                let b = text.as_bytes()[at];
                if b.is_ascii() {
                    let c = (b'!' + rng.below(94) as u8) as char;
                    text.replace_range(at..at + 1, &c.to_string());
                }
            }
        }
    }
}

/// Random and mutated source maps.
fn mutate_map(base: &str, rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => {
            // Random but well-formed JSON with random mappings.
            const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let len = rng.below(400) as usize;
            let mut m = String::new();
            for _ in 0..len {
                match rng.below(12) {
                    0 => m.push(','),
                    1 => m.push(';'),
                    _ => m.push(B64[rng.below(64) as usize] as char),
                }
            }
            let nsrc = rng.below(4);
            let sources: Vec<String> = (0..nsrc).map(|i| format!("\"s{i}.c\"")).collect();
            let version = [3, 3, 3, 2, 4, -1][rng.below(6) as usize];
            format!(
                "{{\"version\":{version},\"sources\":[{}],\"names\":[\"f\"],\"mappings\":\"{m}\"{}}}",
                sources.join(","),
                if rng.below(3) == 0 { ",\"sourceRoot\":\"../../..\",\"sourcesContent\":[null,\"x\"]" } else { "" }
            )
        }
        1 => {
            // An index map, possibly nested and overlapping.
            let depth = rng.below(4) as usize;
            let mut inner = base.to_string();
            for _ in 0..depth {
                inner = format!(
                    "{{\"version\":3,\"sections\":[{{\"offset\":{{\"line\":{},\"column\":{}}},\"map\":{inner}}},{{\"offset\":{{\"line\":0,\"column\":{}}},\"map\":{inner}}}]}}",
                    rng.below(3),
                    rng.below(5000),
                    rng.next_u64() as i64
                );
            }
            inner
        }
        2 => "[".repeat(1 + rng.below(100_000) as usize),
        _ => {
            let mut s = base.to_string();
            mutate_text(&mut s, rng);
            // Also VLQ-level damage inside mappings.
            if let Some(i) = s.find("\"mappings\":\"") {
                let start = i + 12;
                if start < s.len() {
                    let at = start + rng.below((s.len() - start) as u64) as usize;
                    if s.is_char_boundary(at) {
                        let ins = [
                            "gggggggggggggggg",
                            "////////A",
                            ";;;;;;;;",
                            ",,",
                            "A",
                            "+",
                            "D",
                        ][rng.below(7) as usize];
                        s.insert_str(at, ins);
                    }
                }
            }
            s
        }
    }
}

/// One input file and the command lines to run on it (`{}` is the input).
struct Job {
    file: PathBuf,
    commands: Vec<Vec<String>>,
}

/// Checks one run; `Some(reason)` when it breaks the rule.
fn verdict(o: &run::Outcome, input: &Path) -> Option<String> {
    match o.end {
        End::Timeout => return Some(format!("timeout after {:?}", o.elapsed)),
        End::Signal(s) => return Some(format!("killed by signal {s}")),
        End::Exit(101) => return Some("panic (exit 101)".into()),
        End::Exit(0) => {}
        End::Exit(1 | 2) => {
            let errors: Vec<&str> = o.stderr.lines().filter(|l| l.contains("error")).collect();
            let name = input.file_name().unwrap_or_default().to_string_lossy();
            if errors.len() != 1 {
                return Some(format!("{} error lines on stderr", errors.len()));
            }
            if !errors[0].contains(name.as_ref()) {
                return Some("error line does not name the input".into());
            }
        }
        End::Exit(c) => return Some(format!("exit status {c}")),
    }
    if o.max_rss_kib > MAX_RSS_KIB {
        return Some(format!("peak RSS {} MiB", o.max_rss_kib / 1024));
    }
    None
}

struct Stats {
    inputs: usize,
    runs: usize,
    /// Runs that ended with status 0 (the input was accepted).
    accepted: usize,
    findings: usize,
    per_reason: std::collections::BTreeMap<String, usize>,
}

fn check(job: &Job, dir: &Path, out: &Path, seed: u64, in_process: bool, st: &mut Stats) {
    st.inputs += 1;
    for cmd in &job.commands {
        let args: Vec<OsString> = cmd
            .iter()
            .map(|a| {
                if a == "{}" {
                    job.file.clone().into_os_string()
                } else {
                    OsString::from(a)
                }
            })
            .collect();
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let o = if in_process {
            crate::in_process::run(&refs, dir)
        } else {
            run::run(&refs, dir, TIMEOUT)
        };
        st.runs += 1;
        if o.end == End::Exit(0) {
            st.accepted += 1;
        }
        if let Some(why) = verdict(&o, &job.file) {
            st.findings += 1;
            let first = o
                .stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .to_string();
            let key = format!(
                "{} [{}]: {}",
                why,
                cmd.join(" "),
                first.chars().take(120).collect::<String>()
            );
            *st.per_reason.entry(key).or_insert(0) += 1;
            let ext = job
                .file
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("bin");
            let dst = out.join(format!("crash-seed{seed}.{ext}"));
            std::fs::copy(&job.file, &dst).ok();
            std::fs::write(
                dst.with_extension(format!("{ext}.txt")),
                format!("{}\n{why}\n{:?}\n{}", cmd.join(" "), o.end, o.stderr),
            )
            .ok();
            eprintln!(
                "FINDING seed {seed}: {why}: innative {} -> {}",
                cmd.join(" "),
                dst.display()
            );
            // One finding per input is enough.
            return;
        }
    }
}

fn cmds(list: &[&[&str]]) -> Vec<Vec<String>> {
    list.iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect()
}

/// Seeds for the `dwarf` target: clang-19 builds of [`C_SEED`].
fn dwarf_seeds(dir: &Path) -> Vec<Vec<u8>> {
    let c = dir.join("seed.c");
    std::fs::write(&c, C_SEED).expect("write C seed");
    let mut seeds = Vec::new();
    for v in ["-gdwarf-4", "-gdwarf-5"] {
        for o in ["-O0", "-O1", "-O2"] {
            let wasm = dir.join("seed.wasm");
            let ok = std::process::Command::new("clang-19")
                .args([
                    "--target=wasm32-unknown-unknown",
                    "-nostdlib",
                    "-g",
                    v,
                    o,
                    "-Wl,--no-entry",
                    "-Wl,--export-all",
                ])
                .arg(&c)
                .arg("-o")
                .arg(&wasm)
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                seeds.push(std::fs::read(&wasm).expect("read seed"));
            }
        }
    }
    assert!(
        !seeds.is_empty(),
        "clang-19 could not build the DWARF seeds"
    );
    seeds
}

/// ELF seeds: innative `-g` outputs (object, shared library, executable).
fn elf_seeds(dir: &Path) -> Vec<Vec<u8>> {
    let wat = dir.join("elfseed.wat");
    std::fs::write(
        &wat,
        "(module (memory (export \"memory\") 1)\n (func $fib (export \"fib\") (param $n i32) (result i32)\n  local.get $n i32.const 2 i32.lt_u\n  if (result i32) local.get $n else\n   local.get $n i32.const 1 i32.sub call $fib\n   local.get $n i32.const 2 i32.sub call $fib i32.add end)\n (func (export \"_start\") i32.const 10 call $fib drop))\n",
    )
    .expect("write wat");
    let mut seeds = Vec::new();
    for (flag, name) in [("--object", "s.o"), ("--shared", "s.so"), ("", "s.exe")] {
        let mut args: Vec<&std::ffi::OsStr> =
            vec!["compile".as_ref(), "-g".as_ref(), "-O1".as_ref()];
        if !flag.is_empty() {
            args.push(flag.as_ref());
        }
        args.extend([wat.as_os_str(), "-o".as_ref(), name.as_ref()]);
        let r = run::run(&args, dir, Duration::from_secs(120));
        if r.end == End::Exit(0) {
            seeds.push(std::fs::read(dir.join(name)).expect("read ELF seed"));
        }
    }
    assert!(!seeds.is_empty(), "innative could not build the ELF seeds");
    seeds
}

/// Adds (or replaces) a `sourceMappingURL` custom section.
fn with_source_mapping_url(wasm: &[u8], url: &str) -> Vec<u8> {
    let mut out = wasm.to_vec();
    let mut payload = Vec::new();
    wasm_encoder::Encode::encode(&"sourceMappingURL", &mut payload);
    wasm_encoder::Encode::encode(&url, &mut payload);
    out.push(0);
    wasm_encoder::Encode::encode(&(payload.len() as u32), &mut out);
    out.extend_from_slice(&payload);
    out
}

pub fn main(o: &Opts) -> usize {
    let dir = crate::tempdir();
    // Absolute: the in-process mode changes the working directory.
    let out = std::path::absolute(&o.out)
        .unwrap_or_else(|_| o.out.clone())
        .join(format!("crash-{}", o.target));
    std::fs::create_dir_all(&out).expect("out dir");
    let mut st = Stats {
        inputs: 0,
        runs: 0,
        accepted: 0,
        findings: 0,
        per_reason: Default::default(),
    };
    let t0 = Instant::now();
    if o.in_process {
        crate::in_process::init();
    }
    let dwarf = if o.target == "dwarf" {
        dwarf_seeds(&dir)
    } else {
        Vec::new()
    };
    let elf = if o.target == "elf" {
        elf_seeds(&dir)
    } else {
        Vec::new()
    };
    // Source-map seeds: a DWARF module's map, and that module stripped.
    let (map_base, map_wasm) = if o.target == "sourcemap" {
        let seeds = dwarf_seeds(&dir);
        let w = dir.join("mapseed.wasm");
        std::fs::write(&w, &seeds[0]).expect("write");
        let args: Vec<&std::ffi::OsStr> = vec![
            "build-sourcemap".as_ref(),
            w.as_os_str(),
            "--names".as_ref(),
            "--sources".as_ref(),
            "--strip".as_ref(),
            "--wasm-out".as_ref(),
            "stripped.wasm".as_ref(),
            "-o".as_ref(),
            "base.map".as_ref(),
        ];
        let r = run::run(&args, &dir, Duration::from_secs(60));
        assert_eq!(r.end, End::Exit(0), "build-sourcemap seed: {}", r.stderr);
        (
            std::fs::read_to_string(dir.join("base.map")).expect("map"),
            std::fs::read(dir.join("stripped.wasm")).expect("stripped"),
        )
    } else {
        (String::new(), Vec::new())
    };
    let mut more = o.budget();
    let mut n = 0u64;
    while more(n) {
        let seed = o.start + n;
        n += 1;
        let mut rng = Rng::new(seed, 3);
        let job = match o.target.as_str() {
            "wasm" => {
                let Some(mut w) = gen::module(seed) else {
                    continue;
                };
                let len = w.len();
                mutate_bytes(&mut w, 0, len, &mut rng);
                let file = dir.join("in.wasm");
                std::fs::write(&file, &w).expect("write");
                let mut c = cmds(&[&["serialize", "{}", "-o", "-"]]);
                if seed.is_multiple_of(o.compile_every) {
                    c.extend(cmds(&[&[
                        "compile", "-O0", "--object", "{}", "-o", "out.o",
                    ]]));
                }
                Job { file, commands: c }
            }
            "wat" => {
                let Some(w) = gen::module(seed) else { continue };
                let Ok(mut text) = wasmprinter::print_bytes(&w) else {
                    continue;
                };
                mutate_text(&mut text, &mut rng);
                let file = dir.join("in.wat");
                std::fs::write(&file, &text).expect("write");
                let mut c = cmds(&[&["serialize", "{}", "-o", "-"]]);
                if seed.is_multiple_of(o.compile_every) {
                    c.extend(cmds(&[&[
                        "compile", "-g", "-O0", "--object", "{}", "-o", "out.o",
                    ]]));
                }
                Job { file, commands: c }
            }
            "dwarf" => {
                let mut w = dwarf[(seed % dwarf.len() as u64) as usize].clone();
                let ranges = debug_ranges(&w);
                let k = 1 + rng.below(3);
                for _ in 0..k {
                    let (lo, hi) = ranges[rng.below(ranges.len() as u64) as usize];
                    mutate_bytes(&mut w, lo, hi, &mut rng);
                }
                let file = dir.join("in.wasm");
                std::fs::write(&file, &w).expect("write");
                let c = match seed % 3 {
                    0 => cmds(&[&["serialize", "--emit-debug", "{}", "-o", "-"]]),
                    1 => cmds(&[&["build-sourcemap", "{}", "--names", "-o", "out.map"]]),
                    _ => cmds(&[&["compile", "-g", "-O0", "--object", "{}", "-o", "out.o"]]),
                };
                Job { file, commands: c }
            }
            "sourcemap" => {
                let map = mutate_map(&map_base, &mut rng);
                let file = dir.join("in.map");
                std::fs::write(&file, &map).expect("write");
                let w = with_source_mapping_url(&map_wasm, "in.map");
                std::fs::write(dir.join("mod.wasm"), &w).expect("write");
                let c = if seed.is_multiple_of(2) {
                    cmds(&[&[
                        "compile",
                        "-g",
                        "-O0",
                        "--object",
                        "--source-map",
                        "{}",
                        "mod.wasm",
                        "-o",
                        "out.o",
                    ]])
                } else {
                    cmds(&[&["serialize", "--emit-debug", "mod.wasm", "-o", "-"]])
                };
                Job { file, commands: c }
            }
            "elf" => {
                let mut e = elf[(seed % elf.len() as u64) as usize].clone();
                let len = e.len();
                // Mostly in-place damage (offsets stay meaningful), sometimes structural.
                let lo = if rng.below(4) == 0 { 0 } else { 64.min(len) };
                mutate_bytes(&mut e, lo, len, &mut rng);
                let file = dir.join("in.elf");
                std::fs::write(&file, &e).expect("write");
                Job {
                    file,
                    commands: cmds(&[&["build-sourcemap", "{}", "--names", "-o", "out.map"]]),
                }
            }
            _ => crate::usage(),
        };
        if o.in_process {
            // A crash by signal ends the fuzzer: this names its input.
            std::fs::write(out.join("in-process-seed"), format!("{seed}\n")).ok();
        }
        check(&job, &dir, &out, seed, o.in_process, &mut st);
        if !o.quiet && n.is_multiple_of(500) {
            eprintln!(
                "[{:>5.0}s] {} inputs, {} runs, {} findings",
                t0.elapsed().as_secs_f64(),
                st.inputs,
                st.runs,
                st.findings
            );
        }
    }
    println!(
        "crash --target {}: seeds {}..{}, {} inputs, {} runs ({} accepted, exit 0), {} findings, {:.0} s",
        o.target,
        o.start,
        o.start + n,
        st.inputs,
        st.runs,
        st.accepted,
        st.findings,
        t0.elapsed().as_secs_f64()
    );
    for (k, v) in &st.per_reason {
        println!("  {v:>6}  {k}");
    }
    st.findings
}
