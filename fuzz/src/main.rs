//! `innative-fuzz`: stable-Rust fuzz drivers for innative, driven through
//! its command line.
//!
//! * `diff`: wasm-smith modules, run by wasmi, checked by `innative wast`
//!   at -O0 and -O2 (results, traps, exported globals, a memory hash);
//! * `crash`: mutated inputs for every parser (`--target wasm|wat|dwarf|
//!   sourcemap|elf`); every run must end with status 0 or a one-line error
//!   (not 101, not a signal), within the time and memory limits.
//!
//! `diff --stop-at-oob` ends each case at its first call that wasmi says
//! traps out of bounds.  At -O2 innative may lose such a trap when the
//! optimizer finds the loaded value unneeded, or report a later trap first
//! (a documented limit: src/lower/observed_loads.rs); with `--opt 2` this
//! keeps other differences visible.  At -O0 such traps are exact.
//!
//! `crash --in-process` runs the CLI inside the fuzzer (fast; see
//! `in_process.rs` for what it cannot check).
//!
//! `--simd` lets wasm-smith generate SIMD (a different module per seed).
//!
//! `--seeds N` runs seeds `START..START+N` (`--start`, default 0);
//! `--seconds T` runs until T seconds have passed.  Findings go to `--out
//! DIR` (default `target/fuzz-out`).  Exit status 1 when anything was found.

mod crash;
mod diff;
mod gen;
mod in_process;
mod run;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct Opts {
    pub seeds: Option<u64>,
    pub seconds: Option<u64>,
    pub start: u64,
    pub out: PathBuf,
    pub batch: usize,
    pub target: String,
    pub opt: Vec<String>,
    pub quiet: bool,
    pub stop_at_oob: bool,
    pub in_process: bool,
    /// `crash --target wasm|wat`: every Nth input is also compiled.
    pub compile_every: u64,
}

impl Opts {
    /// Yields seeds until the budget is spent.
    pub fn budget(&self) -> impl FnMut(u64) -> bool + '_ {
        let t0 = Instant::now();
        move |done| match (self.seeds, self.seconds) {
            (Some(n), _) => done < n,
            (None, Some(s)) => t0.elapsed() < Duration::from_secs(s),
            (None, None) => done < 100,
        }
    }
}

pub fn usage() -> ! {
    eprintln!(
        "usage: innative-fuzz diff  [--seeds N | --seconds T] [--start S] [--batch B] [--opt 0,2] [--stop-at-oob] [--simd] [--out DIR]\n       \
         innative-fuzz crash --target wasm|wat|dwarf|sourcemap|elf [--seeds N | --seconds T] [--start S] [--in-process] [--compile-every N] [--out DIR]\n       \
         innative-fuzz case SEED [--stop-at-oob] [--simd]   (print one diff case)"
    );
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let cmd = args.next().unwrap_or_else(|| usage());
    if cmd == "case" {
        // `case SEED [--stop-at-oob]`: print one diff case's script.
        let seed: u64 = args
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| usage());
        let rest: Vec<String> = args.collect();
        let stop = rest.iter().any(|a| a == "--stop-at-oob");
        if rest.iter().any(|a| a == "--simd") {
            gen::SIMD.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        match diff::case(seed, stop) {
            diff::Case::Script { wast, .. } => print!("{wast}"),
            diff::Case::Skip => eprintln!("seed {seed}: no case"),
        }
        return;
    }
    let mut o = Opts {
        seeds: None,
        seconds: None,
        start: 0,
        out: PathBuf::from("target/fuzz-out"),
        batch: 16,
        target: "wasm".into(),
        opt: vec!["0".into(), "2".into()],
        quiet: false,
        stop_at_oob: false,
        in_process: false,
        compile_every: 4,
    };
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--seeds" => o.seeds = Some(val().parse().unwrap_or_else(|_| usage())),
            "--seconds" => o.seconds = Some(val().parse().unwrap_or_else(|_| usage())),
            "--start" => o.start = val().parse().unwrap_or_else(|_| usage()),
            "--batch" => o.batch = val().parse().unwrap_or_else(|_| usage()),
            "--out" => o.out = PathBuf::from(val()),
            "--target" => o.target = val(),
            "--opt" => o.opt = val().split(',').map(str::to_string).collect(),
            "-q" | "--quiet" => o.quiet = true,
            "--stop-at-oob" => o.stop_at_oob = true,
            "--in-process" => o.in_process = true,
            "--compile-every" => {
                o.compile_every = val()
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .unwrap_or_else(|| usage())
            }
            "--simd" => gen::SIMD.store(true, std::sync::atomic::Ordering::Relaxed),
            _ => usage(),
        }
    }
    std::fs::create_dir_all(&o.out).expect("create --out");
    let found = match cmd.as_str() {
        "diff" => diff_main(&o),
        "crash" => crash::main(&o),
        _ => usage(),
    };
    std::process::exit(if found == 0 { 0 } else { 1 });
}

/// Result of one `innative wast` run on a script.
struct WastRun {
    passed: usize,
    failed: usize,
    ok: bool,
    output: String,
}

fn run_wast(script: &str, opt: &str, dir: &std::path::Path, verbose: bool) -> WastRun {
    let path = dir.join("case.wast");
    std::fs::write(&path, script).expect("write script");
    let mut args: Vec<std::ffi::OsString> = vec![
        "wast".into(),
        "-j".into(),
        "1".into(),
        format!("-O{opt}").into(),
        path.into(),
    ];
    if verbose {
        args.insert(1, "-v".into());
    }
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let r = run::run(&refs, dir, Duration::from_secs(600));
    let last = r
        .stdout
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or("");
    let num = |word: &str| -> usize {
        last.split(", ")
            .find_map(|p| {
                p.trim()
                    .strip_suffix(word)
                    .and_then(|n| n.trim().rsplit(' ').next()?.parse().ok())
            })
            .unwrap_or(0)
    };
    let (passed, failed) = (num(" passed"), num(" failed"));
    WastRun {
        passed,
        failed,
        ok: r.end == run::End::Exit(0) && failed == 0,
        output: format!("{:?}\n{}\n{}", r.end, r.stdout, r.stderr),
    }
}

/// The differential driver: batches of cases per script, each batch at every
/// optimization level; a failing batch is split into its cases, and every
/// failing case is saved with innative's output.
fn diff_main(o: &Opts) -> usize {
    let dir = tempdir();
    let mut more = o.budget();
    let mut seed = o.start;
    let (mut cases, mut skipped, mut mismatches) = (0usize, 0usize, 0usize);
    let mut execs = vec![0usize; o.opt.len()];
    let mut kinds: std::collections::BTreeMap<String, usize> = Default::default();
    let t0 = Instant::now();
    while more(seed - o.start) {
        let mut batch: Vec<(u64, String, usize)> = Vec::new();
        while batch.len() < o.batch && more(seed - o.start) {
            match diff::case(seed, o.stop_at_oob) {
                diff::Case::Script { wast, calls } => batch.push((seed, wast, calls)),
                diff::Case::Skip => skipped += 1,
            }
            seed += 1;
        }
        let script: String = batch.iter().map(|(_, w, _)| w.as_str()).collect();
        // Every assertion counts as one passed command (modules do not).
        let expected: usize = batch.iter().map(|(_, _, c)| c).sum();
        for (li, opt) in o.opt.iter().enumerate() {
            let r = run_wast(&script, opt, &dir, false);
            if r.ok && r.passed == expected {
                execs[li] += batch.iter().map(|(_, _, c)| c).sum::<usize>();
                continue;
            }
            for (s, w, c) in &batch {
                let one = run_wast(w, opt, &dir, true);
                if one.ok && one.passed == *c {
                    execs[li] += c;
                    continue;
                }
                mismatches += 1;
                *kinds.entry(classify(&one.output, opt)).or_insert(0) += 1;
                let base = o.out.join(format!("diff-seed{s}-O{opt}"));
                std::fs::write(base.with_extension("wast"), w).ok();
                std::fs::write(base.with_extension("txt"), &one.output).ok();
                eprintln!(
                    "MISMATCH seed {s} -O{opt}: {} passed, {} failed of {}; saved {}",
                    one.passed,
                    one.failed,
                    c,
                    base.with_extension("wast").display()
                );
            }
        }
        cases += batch.len();
        if !o.quiet {
            eprintln!(
                "[{:>5.0}s] seeds {}..{}: {cases} cases, {:?} executions, {mismatches} mismatches",
                t0.elapsed().as_secs_f64(),
                o.start,
                seed,
                execs
            );
        }
    }
    println!(
        "diff: seeds {}..{}, {cases} cases ({skipped} skipped), executions {}, {mismatches} mismatches, {:.0} s",
        o.start,
        seed,
        o.opt.iter().zip(&execs).map(|(l, n)| format!("-O{l}: {n}")).collect::<Vec<_>>().join(", "),
        t0.elapsed().as_secs_f64()
    );
    for (k, n) in &kinds {
        println!("  {n:>6}  {k}");
    }
    mismatches
}

/// A short class for a failing case: the first failure's expectation and
/// what innative did, without values.
fn classify(output: &str, opt: &str) -> String {
    let Some(line) = output.lines().find(|l| {
        l.contains("): expected")
            || l.contains(": expected (")
            || l.contains(": module: ")
            || l.contains(": expected trap")
    }) else {
        return format!("-O{opt}: {}", output.lines().next().unwrap_or("no output"));
    };
    let msg = line.split_once(": assert").map(|(_, r)| r).unwrap_or(line);
    let msg: String = msg.chars().take_while(|c| *c != '[').collect();
    let what = msg.split_once(": ").map(|(_, r)| r).unwrap_or(&msg);
    if opt != "0" && what.starts_with("expected trap \"out of bounds memory access\", got") {
        // The documented -O2 limit (src/lower/observed_loads.rs): the
        // optimizer deleted a load it found unneeded, or sank it past a
        // later trap.
        return format!(
            "-O{opt}: expected an out-of-bounds trap, got none or another (-O2 load motion)"
        );
    }
    let kind = if what.starts_with("expected trap") {
        "expected a trap, got something else"
    } else if what.contains("got trap") {
        "expected a result, got a trap"
    } else {
        "other"
    };
    format!("-O{opt}: {kind}")
}

/// A scratch directory under the system temp dir, removed at exit by the OS
/// tmp cleaner at worst; each driver uses its own.
pub fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("innative-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}
