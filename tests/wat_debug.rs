//! Debugging at the WebAssembly text level (issue 7), with real `gdb` and
//! `lldb-19` in batch mode:
//!
//! * a hand-written `.wat` (`fixtures/wat/factorial.wat`) compiled with
//!   `-g` debugs against that file: breakpoints by `factorial.wat:LINE`,
//!   the `next`/`step` sequence follows the text, `bt` names the functions,
//!   parameters, locals, wasm globals and linear memory hold what the
//!   program computes;
//! * a binary without DWARF (the same program through `wat2wasm`, no
//!   names) gets `OUT.wat` written beside the output and debugs against it,
//!   with `param0`/`local1` names;
//! * a clang-built program stripped of its DWARF
//!   (`fixtures/wat/collatz.c`, `-O1`) likewise, through `OUT.wat`.
//!
//! Without gdb, lldb-19, clang-19, wat2wasm or llvm-dwarfdump-19 the tests
//! skip loudly — and fail on CI (`CI` set).

mod common;

use common::{describe, innative, output, require, stdout, tempdir};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tools(needed: &[&str]) -> bool {
    needed.iter().all(|t| require(t))
}

/// `innative compile -g -O0 IN -o OUT` in `dir`.
fn compile(dir: &Path, input: &Path, out: &str) -> PathBuf {
    let o = output(
        innative([
            "compile".as_ref(),
            "-g".as_ref(),
            "-O0".as_ref(),
            input.as_os_str(),
            "-o".as_ref(),
            out.as_ref(),
        ])
        .current_dir(dir),
    );
    assert!(
        o.status.success(),
        "compile {}: {}",
        input.display(),
        describe(&o)
    );
    let exe = dir.join(out);
    let run = output(Command::new(&exe));
    assert!(
        run.status.success(),
        "{}: {}",
        exe.display(),
        describe(&run)
    );
    exe
}

/// A gdb batch session (no init files, no auto-loaded scripts).
fn gdb(exe: &Path, commands: &[&str]) -> String {
    let mut c = Command::new("timeout");
    c.args([
        "120",
        "gdb",
        "-q",
        "-batch",
        "-nx",
        "-iex",
        "set auto-load off",
    ]);
    for cmd in commands {
        c.arg("-ex").arg(cmd);
    }
    c.arg(exe).current_dir(exe.parent().unwrap());
    let o = output(c);
    let text = format!("{}{}", stdout(&o), common::stderr(&o));
    eprintln!("---- gdb {commands:?}\n{text}");
    text
}

/// An lldb-19 batch session.
fn lldb(exe: &Path, commands: &[&str]) -> String {
    let mut c = Command::new("timeout");
    c.args(["120", "lldb-19", "--no-lldbinit", "-b"]);
    for cmd in commands {
        c.arg("-o").arg(cmd);
    }
    c.arg(exe).current_dir(exe.parent().unwrap());
    let o = output(c);
    let text = format!("{}{}", stdout(&o), common::stderr(&o));
    eprintln!("---- lldb {commands:?}\n{text}");
    text
}

/// The lines gdb stopped at, in order: the `LINE\tSOURCE` lines it prints.
fn gdb_lines(session: &str) -> Vec<u32> {
    session
        .lines()
        .filter_map(|l| {
            let (n, _) = l.split_once('\t')?;
            n.parse().ok()
        })
        .collect()
}

/// The `file:line` of every lldb stop (`frame #0: ... at FILE:LINE:COL`).
fn lldb_lines(session: &str, file: &str) -> Vec<u32> {
    let pat = format!(" at {file}:");
    session
        .lines()
        .filter(|l| {
            l.trim_start_matches([' ', '*']).starts_with("frame #0:") || l.starts_with("* thread")
        })
        .filter_map(|l| {
            let rest = &l[l.find(&pat)? + pat.len()..];
            rest.split(':').next()?.parse().ok()
        })
        .collect()
}

/// Every `NAME = VALUE` gdb printed (`info args`, `info locals`, `p`), in order.
fn gdb_values(session: &str, name: &str) -> Vec<String> {
    let pre = format!("{name} = ");
    session
        .lines()
        .filter_map(|l| l.strip_prefix(&pre).map(|v| v.trim().to_string()))
        .collect()
}

/// Every `(TYPE) NAME = VALUE` lldb printed, in order.
fn lldb_values(session: &str, name: &str) -> Vec<String> {
    let pat = format!(") {name} = ");
    session
        .lines()
        .filter_map(|l| {
            let i = l.find(&pat)?;
            l.trim_start()
                .starts_with('(')
                .then(|| l[i + pat.len()..].trim().to_string())
        })
        .collect()
}

/// Lines of `file` the executable's line table has statements for.
fn code_lines(exe: &Path, file: &str) -> BTreeSet<u32> {
    let o = output(
        Command::new("llvm-dwarfdump-19")
            .arg("--debug-line")
            .arg(exe),
    );
    assert!(o.status.success(), "{}", describe(&o));
    let text = stdout(&o);
    // One unit per module: the table's only file is `file`.
    assert!(text.contains(file), "no {file} in the line table");
    text.lines()
        .filter(|l| l.starts_with("0x") && l.contains("is_stmt") && !l.contains("end_sequence"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .filter(|&n| n != 0)
        .collect()
}

/// The 1-based line of the first line of `text` containing `needle` after
/// line `after`.
fn find_line(text: &str, needle: &str, after: u32) -> u32 {
    text.lines()
        .enumerate()
        .skip(after as usize)
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i as u32 + 1)
        .unwrap_or_else(|| panic!("no {needle:?} after line {after}"))
}

fn factorial(n: u64) -> u64 {
    (1..=n).product()
}

/// `fixtures/wat/factorial.wat`, with the lines the tests rely on checked.
fn factorial_fixture() -> (PathBuf, String) {
    let path = common::fixture("wat/factorial.wat");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = |n: usize| text.lines().nth(n - 1).unwrap().trim();
    assert_eq!(
        line(12),
        "(func $fact (export \"fact\") (param $n i32) (result i64)"
    );
    assert_eq!(line(15), "global.get $calls");
    assert_eq!(line(25), "local.get $i");
    assert_eq!(line(33), "local.set $acc");
    assert_eq!(line(41), "local.get $acc)");
    assert_eq!(line(57), "call $fact");
    assert_eq!(line(58), "local.set $f");
    assert_eq!(line(79), "call $table");
    assert_eq!(line(80), "global.set $last)");
    (path, text)
}

/// Every instruction line `fact(1)` executes, in order, then the line its
/// caller continues on: straight through the prologue, once around the
/// loop, the exit test again, the result.
fn fact_1_trace() -> Vec<u32> {
    let mut t: Vec<u32> = (15..=28).collect();
    t.extend(29..=38);
    t.extend(25..=28);
    t.push(41);
    t.push(58);
    t
}

#[test]
fn wat_file_in_gdb() {
    if !tools(&["gdb", "llvm-dwarfdump-19", "timeout"]) {
        return;
    }
    let (src, _) = factorial_fixture();
    let dir = tempdir();
    let exe = compile(dir.path(), &src, "factorial");
    assert!(
        !dir.path().join("factorial.wat").exists(),
        "a .wat input needs no second text"
    );

    // A breakpoint by line; parameters and locals at each hit.  Line 33
    // runs before `acc` takes i!, so at the hits of fact(n), i = 1..n,
    // acc = (i-1)!.
    let mut cmds = vec!["break factorial.wat:33", "run"];
    for _ in 0..6 {
        cmds.extend(["info args", "info locals", "continue"]);
    }
    let s = gdb(&exe, &cmds);
    assert!(
        s.contains("Breakpoint 1 at 0x") && s.contains("file factorial.wat, line 33."),
        "{s}"
    );
    let expected: Vec<(u64, u64)> = (1..=3u64)
        .flat_map(|n| (1..=n).map(move |i| (n, i)))
        .collect();
    let hits = s.matches("factorial.wat:33\n").count();
    assert!(hits >= 6, "{hits} hits\n{s}");
    let ns = gdb_values(&s, "n");
    let is = gdb_values(&s, "i");
    let accs = gdb_values(&s, "acc");
    for (k, (n, i)) in expected.iter().enumerate() {
        assert_eq!(ns[k], n.to_string(), "hit {k}: n\n{s}");
        assert_eq!(is[k], i.to_string(), "hit {k}: i\n{s}");
        assert_eq!(accs[k], factorial(i - 1).to_string(), "hit {k}: acc\n{s}");
        assert!(
            s.contains(&format!("Breakpoint 1, fact (n={n}) at factorial.wat:33")),
            "{s}"
        );
    }

    // `next` from the function breakpoint follows the text.
    let mut cmds = vec!["break fact", "run"];
    cmds.extend(std::iter::repeat("next").take(20));
    let s = gdb(&exe, &cmds);
    assert!(
        s.contains("Breakpoint 1, fact (n=1) at factorial.wat:15"),
        "{s}"
    );
    let with_code = code_lines(&exe, "factorial.wat");
    let want: Vec<u32> = fact_1_trace()
        .into_iter()
        .filter(|l| with_code.contains(l))
        .collect();
    let got = gdb_lines(&s);
    assert_eq!(got[..want.len()], want[..], "next sequence\n{s}");
    assert!(s.contains("table (count=5) at factorial.wat:58"), "{s}");

    // `step` into a call, `bt`, `finish` with the result, a wasm global.
    let s = gdb(
        &exe,
        &[
            "break factorial.wat:57",
            "run",
            "step",
            "bt",
            "finish",
            "print calls",
            "continue",
            "step",
            "finish",
        ],
    );
    assert!(
        s.contains("Breakpoint 1, table (count=5) at factorial.wat:57"),
        "{s}"
    );
    assert!(s.contains("fact (n=1) at factorial.wat:15"), "{s}");
    let frames: Vec<&str> = s.lines().filter(|l| l.starts_with('#')).collect();
    assert!(
        frames[0].starts_with("#0  fact (n=1) at factorial.wat:15"),
        "{s}"
    );
    assert!(
        frames[1].contains(" in table (count=5) at factorial.wat:57"),
        "{s}"
    );
    assert!(
        frames[2].contains(" in _start () at factorial.wat:79"),
        "{s}"
    );
    assert!(s.contains("Value returned is $1 = 1\n"), "{s}");
    assert_eq!(gdb_values(&s, "$2"), ["1"], "calls after one call\n{s}");
    assert!(s.contains("fact (n=2) at factorial.wat:15"), "{s}");
    assert!(s.contains("Value returned is $3 = 2\n"), "{s}");

    // Globals and linear memory once everything ran: k! at 8 * k.
    let s = gdb(
        &exe,
        &[
            "break factorial.wat:80",
            "run",
            "print calls",
            "print last",
            "x/5gd &__memory[8]",
            "print *(long long *)&__memory[40]",
            "ptype __memory",
            "finish",
            "print last",
        ],
    );
    assert_eq!(gdb_values(&s, "$1"), ["5"], "{s}");
    assert_eq!(gdb_values(&s, "$2"), ["0"], "{s}");
    let words: Vec<String> = s
        .lines()
        .filter(|l| l.starts_with("0x"))
        .flat_map(|l| l.split('\t').skip(1).map(|w| w.trim().to_string()))
        .collect();
    let facts: Vec<String> = (1..=5).map(|k| factorial(k).to_string()).collect();
    assert_eq!(words, facts, "{s}");
    assert_eq!(gdb_values(&s, "$3"), ["120"], "{s}");
    assert!(s.contains("type = u8 [65536]"), "{s}");
    let sum: u64 = (1..=5).map(factorial).sum();
    assert_eq!(gdb_values(&s, "$4"), [sum.to_string()], "{s}");
}

#[test]
fn wat_file_in_lldb() {
    if !tools(&["lldb-19", "llvm-dwarfdump-19", "timeout"]) {
        return;
    }
    let (src, _) = factorial_fixture();
    let dir = tempdir();
    let exe = compile(dir.path(), &src, "factorial");

    let s = lldb(
        &exe,
        &[
            "breakpoint set -f factorial.wat -l 33",
            "run",
            "frame variable",
            "continue",
            "frame variable",
            "continue",
            "frame variable",
            "thread step-over",
            "frame variable acc",
            "bt",
        ],
    );
    assert!(s.contains("Breakpoint 1: where = factorial`fact + "), "{s}");
    assert_eq!(lldb_values(&s, "n"), ["1", "2", "2"], "{s}");
    assert_eq!(lldb_values(&s, "i")[..3], ["1", "1", "2"], "{s}");
    // acc before line 33, three times, then after it (2! = 2).
    assert_eq!(lldb_values(&s, "acc"), ["1", "1", "1", "2"], "{s}");
    assert_eq!(lldb_lines(&s, "factorial.wat"), [33, 33, 33, 34, 34], "{s}");
    assert!(
        s.contains("factorial`table(count=5) at factorial.wat:57:9"),
        "{s}"
    );
    assert!(s.contains("factorial`_start at factorial.wat:79:5"), "{s}");

    // thread step-over from the function breakpoint follows the text.
    let mut cmds = vec!["breakpoint set -n fact", "run"];
    cmds.extend(std::iter::repeat("thread step-over").take(20));
    let s = lldb(&exe, &cmds);
    let with_code = code_lines(&exe, "factorial.wat");
    let want: Vec<u32> = fact_1_trace()
        .into_iter()
        .filter(|l| with_code.contains(l))
        .collect();
    let got = lldb_lines(&s, "factorial.wat");
    assert_eq!(got[..want.len()], want[..], "step-over sequence\n{s}");

    // Globals and memory.
    let s = lldb(
        &exe,
        &[
            "breakpoint set -f factorial.wat -l 80",
            "run",
            "target variable calls last",
            "memory read -f d -s 8 -c 5 &__memory[8]",
            "expression -- *(long long *)&__memory[40]",
        ],
    );
    assert_eq!(lldb_values(&s, "calls"), ["5"], "{s}");
    assert_eq!(lldb_values(&s, "last"), ["0"], "{s}");
    let words: Vec<String> = s
        .lines()
        .filter(|l| l.starts_with("0x") && l.contains(": "))
        .map(|l| l.split(": ").nth(1).unwrap().trim().to_string())
        .collect();
    let facts: Vec<String> = (1..=5).map(|k| factorial(k).to_string()).collect();
    assert_eq!(words, facts, "{s}");
    assert!(
        s.lines()
            .any(|l| l.starts_with("(long long) $") && l.ends_with(" = 120")),
        "{s}"
    );
}

/// `bytes` without its `.debug_*` custom sections (what `strip --strip-debug`
/// does).
fn strip_debug(bytes: &[u8]) -> Vec<u8> {
    common::without_custom_sections(bytes, |name| name.starts_with(".debug"))
}

#[test]
fn binary_without_dwarf_debugs_against_its_text() {
    if !tools(&["gdb", "lldb-19", "wat2wasm", "timeout"]) {
        return;
    }
    let (src, _) = factorial_fixture();
    let dir = tempdir();
    // wat2wasm without --debug-names: no name section at all.
    let wasm = dir.path().join("factorial.wasm");
    let o = output(Command::new("wat2wasm").arg(&src).arg("-o").arg(&wasm));
    assert!(o.status.success(), "{}", describe(&o));
    let exe = compile(dir.path(), &wasm, "fact");
    let wat = dir.path().join("fact.wat");
    let text = std::fs::read_to_string(&wat).expect("fact.wat beside the output");
    // The text `innative serialize` writes, after a first line saying what
    // it is.
    let o = output(innative([
        "serialize".as_ref(),
        wasm.as_os_str(),
        "-o".as_ref(),
        "-".as_ref(),
    ]));
    assert!(
        text.starts_with(";; innative: the text of factorial.wasm"),
        "{text}"
    );
    assert_eq!(text.split_once('\n').unwrap().1, stdout(&o));

    let fact = find_line(&text, "(func (;0;)", 0);
    let mul = find_line(&text, "i64.mul", fact);
    let s = gdb(
        &exe,
        &[
            &format!("break fact.wat:{mul}"),
            "run",
            "info args",
            "info locals",
            "continue",
            "info locals",
            "bt",
        ],
    );
    assert!(
        s.contains(&format!("Breakpoint 1, fact (param0=1) at fact.wat:{mul}")),
        "{s}"
    );
    assert!(
        s.contains(&format!("fact (param0=2) at fact.wat:{mul}")),
        "{s}"
    );
    assert_eq!(gdb_values(&s, "param0"), ["1"], "{s}");
    // local1 = acc, local2 = i (before the multiplication).
    assert_eq!(gdb_values(&s, "local1"), ["1", "1"], "{s}");
    assert_eq!(gdb_values(&s, "local2"), ["1", "1"], "{s}");
    let call = find_line(&text, "call 0", fact);
    assert!(
        s.contains(&format!(" in func[1] (param0=5) at fact.wat:{call}")),
        "{s}"
    );

    let s = lldb(
        &exe,
        &[
            &format!("breakpoint set -f fact.wat -l {mul}"),
            "run",
            "frame variable",
            "target variable global0",
        ],
    );
    assert!(
        s.contains(&format!("fact(param0=1) at fact.wat:{mul}")),
        "{s}"
    );
    assert_eq!(lldb_values(&s, "local1"), ["1"], "{s}");
    assert_eq!(lldb_values(&s, "global0"), ["1"], "{s}");
}

#[test]
fn stripped_clang_program_debugs_against_its_text() {
    if !tools(&["gdb", "lldb-19", "clang-19", "timeout"]) {
        return;
    }
    let dir = tempdir();
    let with_dwarf = dir.path().join("collatz.debug.wasm");
    let o = output(
        Command::new("clang-19")
            .args([
                "--target=wasm32-unknown-unknown",
                "-nostdlib",
                "-g",
                "-O1",
                "-Wl,--no-entry",
                "-Wl,--export=_start",
            ])
            .arg(common::fixture("wat/collatz.c"))
            .arg("-o")
            .arg(&with_dwarf),
    );
    assert!(o.status.success(), "{}", describe(&o));
    let bytes = std::fs::read(&with_dwarf).unwrap();
    let stripped = strip_debug(&bytes);
    assert!(stripped.len() < bytes.len());
    let wasm = dir.path().join("collatz.wasm");
    std::fs::write(&wasm, &stripped).unwrap();
    let exe = compile(dir.path(), &wasm, "collatz");
    let text = std::fs::read_to_string(dir.path().join("collatz.wat")).unwrap();

    // Function breakpoint, the parameter at each call, the result.
    let s = gdb(
        &exe,
        &[
            "break collatz_steps",
            "run",
            "info args",
            "bt",
            "continue",
            "continue",
            "info args",
            "finish",
        ],
    );
    let steps_fn = find_line(&text, "(func $collatz_steps", 0);
    assert!(
        s.contains("Breakpoint 1, collatz_steps (param0=1) at collatz.wat:"),
        "{s}"
    );
    assert!(
        s.contains("Breakpoint 1, collatz_steps (param0=3) at collatz.wat:"),
        "{s}"
    );
    assert_eq!(gdb_values(&s, "param0"), ["1", "3"], "{s}");
    let frames: Vec<&str> = s.lines().filter(|l| l.starts_with('#')).collect();
    assert!(
        frames[0].starts_with("#0  collatz_steps (param0=1) at collatz.wat:"),
        "{s}"
    );
    let call = find_line(&text, "call $collatz_steps", steps_fn);
    assert!(
        frames[1].contains(&format!(" in longest (param0=10) at collatz.wat:{call}")),
        "{s}"
    );
    assert!(frames[2].contains(" in _start () at collatz.wat:"), "{s}");
    // 3 → 10 → 5 → 16 → 8 → 4 → 2 → 1: seven steps.
    assert!(s.contains("Value returned is $1 = 7\n"), "{s}");
    let stop = gdb_lines(&s)[0];
    assert!(
        stop > steps_fn && stop < find_line(&text, "(func $longest", 0),
        "{s}"
    );

    // A line breakpoint inside the loop: the value of n at each pass
    // (steps(2): 2; steps(3): 3 10 5 16 8 4 2).
    let mul = find_line(&text, "i32.mul", steps_fn);
    let mut cmds = vec![format!("break collatz.wat:{mul}"), "run".into()];
    for _ in 0..8 {
        cmds.extend(["info args".to_string(), "continue".to_string()]);
    }
    cmds.extend([
        "delete".to_string(),
        "next".into(),
        "next".into(),
        "next".into(),
    ]);
    let cmds: Vec<&str> = cmds.iter().map(String::as_str).collect();
    let s = gdb(&exe, &cmds);
    assert_eq!(
        gdb_values(&s, "param0"),
        ["2", "3", "10", "5", "16", "8", "4", "2"],
        "{s}"
    );
    assert!(s.contains(&format!("file collatz.wat, line {mul}.")), "{s}");
    // After the last hit, `next` moves on down the loop body.
    let lines = gdb_lines(&s);
    let after = &lines[lines.len() - 3..];
    assert!(
        after.windows(2).all(|w| w[0] < w[1]) && after[0] > mul,
        "{after:?}\n{s}"
    );

    let s = lldb(
        &exe,
        &[
            "breakpoint set -n collatz_steps",
            "run",
            "continue",
            "frame variable param0",
            "bt",
        ],
    );
    assert_eq!(lldb_values(&s, "param0"), ["2"], "{s}");
    assert!(
        s.contains("collatz`longest(param0=10) at collatz.wat:"),
        "{s}"
    );
}
