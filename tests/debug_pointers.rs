//! Pointers stored in linear memory, in gdb and lldb (issue 5, item 3).
//!
//! A C pointer that lives in linear memory (a struct member, an array
//! element) is a 4-byte wasm address.  innative describes it so that gdb
//! follows it with no setup (DWARF `DW_AT_data_location`), and ships debugger
//! extensions — embedded in the output for gdb (`.debug_gdb_scripts`),
//! `innative_lldb.py` next to the output for lldb — that print such pointers
//! as native ones and, in lldb, follow them.  See the README, "Pointers in the
//! debugger", and `src/debuginfo/pointers.rs`.
//!
//! Each test builds one C program twice — to wasm (then innative) and
//! natively with clang — and runs the same debugger commands on both; the
//! answers must be the same modulo addresses (hex numbers, and `<sym+N>`
//! offsets, which follow the wasm layout: 4-byte pointers).  The program is
//! also built for wasm64 (memory64, 8-byte wasm pointers).

mod common;

use common::{assert_success, output, require, tempdir};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SOURCE: &str = r#"struct Node { int value; struct Node *next; };
struct Node nodes[3];
struct Holder { struct Node *head; const char *name; int *numbers[2]; };
typedef struct Node *NodePtr;
struct B;
typedef struct { struct B *b; int tag; } A;
struct B { A *a; const char *label; };
union U { int *ip; char *cp; };
struct Misc {
  NodePtr typed;
  void *opaque;
  union U u;
  A *anon;
  const char **names;
  struct Node *const fixed;
};
const char *words[3] = { "alpha", "beta", "gamma" };
A a_obj;
struct B b_obj;
int result;

int sum(struct Node *p) {
  int t = 0;
  while (p) {
    t += p->value;
    p = p->next;
  }
  return t;
}

int twice(int x) { return 2 * x; }

int use(struct Misc *m, char **argv) {
  return m->typed->value + argv[1][0] + m->anon->tag;
}

void _start(void) {
  nodes[0].value = 1; nodes[0].next = &nodes[1];
  nodes[1].value = 2; nodes[1].next = &nodes[2];
  nodes[2].value = 3; nodes[2].next = 0;
  static int a = 7, b = 9;
  struct Holder h = { &nodes[0], "hello", { &a, &b } };
  a_obj.b = &b_obj; a_obj.tag = 5;
  b_obj.a = &a_obj; b_obj.label = "bee";
  struct Misc m = { &nodes[1], &nodes[2], { &b }, &a_obj, words, &nodes[0] };
  result = sum(h.head) + *h.numbers[1];
  result += use(&m, (char **)words) + twice(0);
}
"#;

struct Built {
    dir: tempfile::TempDir,
    innative: PathBuf,
    native: PathBuf,
}

/// Builds SOURCE with clang (wasm32, no libc) + innative at `opt`, and
/// natively.  None when a tool is missing (outside CI).
fn build(opt: &str) -> Option<Built> {
    build_for(opt, "wasm32")
}

/// [`build`] for `arch` (`wasm32`, or `wasm64`: memory64, 8-byte pointers).
fn build_for(opt: &str, arch: &str) -> Option<Built> {
    for t in ["clang-19", "gdb", "lldb-19"] {
        if !require(t) {
            return None;
        }
    }
    let dir = tempdir();
    let src = dir.path().join("pointers.c");
    std::fs::write(&src, SOURCE).unwrap();
    let wasm = dir.path().join("pointers.wasm");
    let o = output(
        Command::new("clang-19")
            .arg(format!("--target={arch}-unknown-unknown"))
            .args(["-nostdlib", "-g", "-O0"])
            .args(["-Wl,--no-entry", "-Wl,--export=_start"])
            .arg(&src)
            .arg("-o")
            .arg(&wasm),
    );
    assert_success(&o, &format!("clang-19 --target={arch} pointers.c"));
    let native = dir.path().join("pointers.native");
    let o = output(
        Command::new("clang-19")
            .args(["-g", "-O0", "-nostartfiles"])
            .arg(&src)
            .arg("-o")
            .arg(&native),
    );
    assert_success(&o, "clang-19 pointers.c (native)");
    let innative = dir.path().join(format!("pointers{opt}"));
    let o = output(
        common::innative(["compile", "-g", opt])
            .arg(&wasm)
            .arg("-o")
            .arg(&innative),
    );
    assert_success(&o, &format!("innative compile -g {opt}"));
    Some(Built {
        dir,
        innative,
        native,
    })
}

/// Runs `commands` in a batch debugger session on `program` (in `dir`);
/// returns what each printed (stdout and errors).  gdb gets innative's
/// extension through auto-load when `extension`; lldb imports
/// `innative_lldb.py` from `dir` then.
fn session(
    debugger: &str,
    dir: &Path,
    program: &Path,
    extension: bool,
    commands: &[&str],
) -> Vec<String> {
    let cmds = dir.join(format!("{debugger}.cmds"));
    std::fs::write(&cmds, commands.join("\n")).unwrap();
    let log = dir.join(format!("{debugger}.log"));
    let file = std::fs::File::create(&log).unwrap();
    let mut cmd;
    if debugger == "gdb" {
        let driver = dir.join("gdb_driver.py");
        std::fs::write(&driver, GDB_DRIVER).unwrap();
        cmd = Command::new("timeout");
        cmd.args(["120", "gdb", "-q", "-batch", "-nx"])
            .args(["-iex", "set debuginfod enabled off"]);
        if extension {
            cmd.arg("-iex")
                .arg(format!("add-auto-load-safe-path {}", dir.display()));
        }
        cmd.arg("-x").arg(&driver).arg(program);
    } else {
        let driver = dir.join("lldb_driver.py");
        std::fs::write(&driver, LLDB_DRIVER).unwrap();
        cmd = Command::new("timeout");
        cmd.args(["120", "lldb-19", "--no-lldbinit", "--batch"]);
        if extension {
            cmd.arg("-o").arg(format!(
                "command script import {}",
                dir.join("innative_lldb.py").display()
            ));
        }
        cmd.arg("-o")
            .arg(format!("command script import {}", driver.display()))
            .arg(program);
    }
    let status = cmd
        .current_dir(dir)
        .env("PTR_CMDS", &cmds)
        .env_remove("DEBUGINFOD_URLS")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .status()
        .expect("debugger runs");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        status.success() && !text.contains("internal-error") && !text.contains("Fatal signal"),
        "{debugger} on {} failed ({status}):\n{text}",
        program.display()
    );
    let mut answers = vec![String::new(); commands.len()];
    let mut current: Option<usize> = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("<<<").and_then(|l| l.strip_suffix(">>>")) {
            current = n.parse().ok();
            continue;
        }
        if let Some(i) = current {
            answers[i].push_str(line);
            answers[i].push('\n');
        }
    }
    answers
}

const GDB_DRIVER: &str = r#"
import gdb, os
for i, cmd in enumerate(open(os.environ["PTR_CMDS"]).read().split("\n")):
    try:
        out = gdb.execute(cmd, to_string=True)
    except gdb.error as e:
        out = "error: %s\n" % e
    print("<<<%d>>>" % i)
    print(out)
"#;

const LLDB_DRIVER: &str = r#"
import lldb, os
def __lldb_init_module(debugger, internal_dict):
    debugger.SetAsync(False)
    ci = debugger.GetCommandInterpreter()
    for i, cmd in enumerate(open(os.environ["PTR_CMDS"]).read().split("\n")):
        r = lldb.SBCommandReturnObject()
        process = debugger.GetSelectedTarget().GetProcess()
        if process.IsValid():
            frame = process.GetSelectedThread().GetSelectedFrame()
            ci.HandleCommand(cmd, lldb.SBExecutionContext(frame), r)
        else:
            ci.HandleCommand(cmd, r)
        print("<<<%d>>>" % i)
        print((r.GetOutput() or "") + ("error: " + r.GetError() if r.GetError() else ""))
"#;

/// An answer without its addresses: hex numbers become `0x?`, `<sym+N>`
/// `<sym+?>`; gdb's `$N = ` and each line's leading `(type) ` go (gdb and
/// lldb spell types differently, and innative's wasm pointer types carry
/// `__ptr32`); whitespace collapses.
fn normalize(text: &str) -> String {
    let mut lines = Vec::new();
    for line in text.lines() {
        let mut line = line.trim();
        if let Some(rest) = line.strip_prefix('$') {
            if let Some(i) = rest.find(" = ") {
                if rest[..i].chars().all(|c| c.is_ascii_digit()) {
                    line = &rest[i + 3..];
                }
            }
        }
        if line.starts_with('(') {
            let mut depth = 0;
            for (i, c) in line.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            if line[i + 1..].starts_with(' ') {
                                line = &line[i + 2..];
                            }
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        lines.push(line);
    }
    let joined = lines.join(" ");
    let owned = joined.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    let b = owned.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'0' && i + 2 < b.len() && b[i + 1] == b'x' && b[i + 2].is_ascii_hexdigit() {
            out.push_str("0x?");
            i += 2;
            while i < b.len() && b[i].is_ascii_hexdigit() {
                i += 1;
            }
        } else if b[i] == b'+' && i + 1 < b.len() && b[i + 1].is_ascii_digit() && out.contains('<')
        {
            out.push_str("+?");
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out.trim().to_string()
}

/// Runs `commands` on both builds and asserts that the answers to the
/// commands listed in `compare` (indices) agree.
fn compare_sessions(
    debugger: &str,
    b: &Built,
    commands: &[&str],
    compare: &[usize],
) -> Vec<String> {
    let native = session(debugger, b.dir.path(), &b.native, false, commands);
    let ours = session(debugger, b.dir.path(), &b.innative, true, commands);
    let mut report = String::new();
    let mut failures = 0;
    for &i in compare {
        let (n, o) = (normalize(&native[i]), normalize(&ours[i]));
        let ok = n == o && !n.is_empty() && !n.contains("error");
        if !ok {
            failures += 1;
        }
        report.push_str(&format!(
            "{} {debugger}: {}\n    native:   {n}\n    innative: {o}\n",
            if ok { "ok  " } else { "FAIL" },
            commands[i]
        ));
    }
    eprintln!("{report}");
    assert_eq!(
        failures, 0,
        "{debugger}: answers differ from the native build:\n{report}"
    );
    ours
}

/// Commands at `sum` (p = &nodes[0]), in `_start` (h), and in `use` (m, argv).
const AT_SUM: &[&str] = &[
    "break sum",
    "run",
    "p p->next->next->value",
    "p *p->next",
    "p p->next->value",
    "p *p",
    "p p->next",
    "up",
    "p h.head->next->value",
    "p h.name",
    "p nodes[0].next->value",
    "p h.numbers[1]",
    "p *h.head",
    "info locals",
];

#[test]
fn gdb_follows_wasm_pointers_with_no_setup() {
    let Some(b) = build("-O0") else { return };
    // No auto-load: DWARF alone.
    let a = session("gdb", b.dir.path(), &b.innative, false, AT_SUM);
    let value = |i: usize| normalize(&a[i]);
    assert_eq!(value(2), "3", "p p->next->next->value");
    assert!(value(3).contains("value = 2"), "p *p->next: {}", a[3]);
    assert_eq!(value(4), "2", "p p->next->value");
    assert_eq!(value(8), "2", "p h.head->next->value");
    assert_eq!(value(10), "2", "p nodes[0].next->value");
    // (`*p` of a wasm pointer is a one-element array without the extension)
    assert!(value(12).contains("value = 1"), "p *h.head: {}", a[12]);
    // Printing values holding wasm pointers shows wasm addresses, but works.
    assert!(
        value(13).contains("h = {head = 0x?"),
        "info locals: {}",
        a[13]
    );
}

#[test]
fn gdb_with_extension_prints_pointers_like_native() {
    let Some(b) = build("-O0") else { return };
    let mut commands = AT_SUM.to_vec();
    commands.extend([
        "info auto-load python-scripts",
        "p *$native(h.numbers[1])",
        "p *h.numbers[1]",
    ]);
    let ours = compare_sessions("gdb", &b, &commands, &[2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]);
    assert!(
        ours[14].contains("innative") && ours[14].contains("Yes"),
        "the embedded extension was not loaded:\n{}",
        ours[14]
    );
    // gdb cannot dereference an array element of pointer type by itself
    // (a 4-byte slot: no gdb type fits); $native() does it.
    assert_eq!(normalize(&ours[15]), "9", "p *$native(h.numbers[1])");

    // In `use`: typedef'd, void, union, anonymous-struct, pointer-to-pointer
    // and const pointer members, and a native `char **` parameter.
    let commands = [
        "break use",
        "run",
        "p m->typed->value",
        "p *m->typed",
        "p m->anon->b->a->tag",
        "p m->anon->b->label",
        "p *m->anon",
        "p m->names[2]",
        "p argv[1]",
        "p *m->u.ip",
        "p *m->fixed",
        "p m->opaque",
        "p m->u",
    ];
    compare_sessions("gdb", &b, &commands, &[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
}

#[test]
fn lldb_with_extension_prints_and_follows_pointers_like_native() {
    let Some(b) = build("-O0") else { return };
    assert!(
        b.dir.path().join("innative_lldb.py").exists(),
        "innative compile -g did not write innative_lldb.py next to the output"
    );
    let mut commands = AT_SUM.to_vec();
    commands[0] = "b sum";
    commands.extend([
        "p *h.numbers[1]",
        "frame variable h.name",
        "frame variable h.head",
        "p/x h.head->next->value",
    ]);
    // (`info locals` is gdb's; lldb's `frame variable` of the whole frame
    // differs: native lldb prints `h.numbers` as an empty `{}`.)
    compare_sessions(
        "lldb",
        &b,
        &commands,
        &[2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 14, 15, 16, 17],
    );

    let commands = [
        "b use",
        "run",
        "p m->typed->value",
        "p *m->typed",
        "p m->anon->b->a->tag",
        "p m->anon->b->label",
        "p *m->anon",
        "p m->names[2]",
        "p argv[1]",
        "p *argv[1]",
        "p argv[1][0]",
        "p *m->u.ip",
        "p *m->fixed",
        "p m->opaque",
        "frame variable m->typed->value",
    ];
    // (`frame variable *m->typed` dereferences natively: use `p`.)
    compare_sessions(
        "lldb",
        &b,
        &commands,
        &[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
    );
}

#[test]
fn pointers_in_globals_at_o2() {
    let Some(b) = build("-O2") else { return };
    let commands = [
        "break sum",
        "run",
        "p nodes[0].next->next->value",
        "p *nodes[1].next",
        "p nodes",
        "p b_obj.a->b->label",
        "p words[1]",
    ];
    compare_sessions("gdb", &b, &commands, &[2, 3, 4, 5, 6]);
    let mut commands = commands.to_vec();
    commands[0] = "b sum";
    compare_sessions("lldb", &b, &commands, &[2, 3, 5, 6]);
}

#[test]
fn normalize_drops_addresses() {
    assert_eq!(
        normalize("$3 = (struct Node *) 0x5555 <nodes+32>"),
        "0x? <nodes+?>"
    );
    assert_eq!(normalize("(int) 3\n"), "3");
    assert_eq!(
        normalize("(char * __ptr32:32) h.name = 0x1 \"hi\""),
        "h.name = 0x? \"hi\""
    );
    assert_eq!(normalize("{a = 0x10,  b = 2}"), "{a = 0x?, b = 2}");
}

/// Calling the program's functions from the debugger, as natively: gdb finds
/// them through DWARF, lldb by symbol (innative adds a local symbol with the
/// source name beside its `<module>.<name>` one).  (Stopped in a function
/// that calls nothing, like `sum`, a call may overwrite its shadow-stack
/// frame — wasm leaf functions do not move the stack pointer — so the
/// arguments here are constants.)
#[test]
fn debuggers_call_program_functions_like_native() {
    let Some(b) = build("-O0") else { return };
    compare_sessions(
        "gdb",
        &b,
        &["break sum", "run", "p twice(21)", "p twice(-4)"],
        &[2, 3],
    );
    compare_sessions(
        "lldb",
        &b,
        &[
            "breakpoint set -n sum",
            "run",
            "expression twice(21)",
            "p twice(4)",
        ],
        &[2, 3],
    );
}

/// C++: gdb applies `*`, `->` and `[]` to an element of an array of pointers (a
/// 4-byte wrapper in innative's types) through the extension's xmethods,
/// as it does to a native pointer.
#[test]
fn gdb_cpp_dereferences_pointer_array_elements() {
    for t in ["clang++-19", "gdb"] {
        if !require(t) {
            return;
        }
    }
    const CPP: &str = r#"struct Shape {
  int id;
  explicit Shape(int i) : id(i) {}
  virtual int area() const { return 0; }
};
struct Rect : Shape {
  int w, h;
  Rect(int i, int a, int b) : Shape(i), w(a), h(b) {}
  int area() const override { return w * h; }
};
static int total(const Shape *const *shapes, int n) {
  int sum = 0;
  for (int i = 0; i < n; i++)
    sum += shapes[i]->area();
  return sum;
}
int main() {
  Rect a(1, 2, 3), b(2, 4, 5);
  const Shape *all[2] = {&a, &b};
  return total(all, 2) == 26 ? 0 : 1;
}
"#;
    let dir = tempdir();
    std::fs::write(dir.path().join("shapes.cpp"), CPP).unwrap();
    let flags = ["-g", "-O0", "-fno-exceptions", "-fno-rtti", "-nostdlib++"];
    let o = output(
        Command::new("clang++-19")
            .args(flags)
            .args(["shapes.cpp", "-o", "native"])
            .current_dir(dir.path()),
    );
    assert_success(&o, "clang++-19 shapes.cpp (native)");
    let o = output(
        Command::new("clang++-19")
            .arg("--target=wasm32-wasi")
            .args(flags)
            .args(["shapes.cpp", "-o", "shapes.wasm"])
            .current_dir(dir.path()),
    );
    assert_success(&o, "clang++-19 --target=wasm32-wasi shapes.cpp");
    let o = output(
        common::innative(["compile", "-g", "-O0", "shapes.wasm", "-o", "innative"])
            .current_dir(dir.path()),
    );
    assert_success(&o, "innative compile -g shapes.wasm");
    let commands = [
        "break total",
        "run",
        "p shapes[1]->id",
        "p (*shapes[0]).id",
        "p shapes[0]->id + shapes[1]->id",
        "p shapes[1][0].id",
        "p *shapes[0]",
    ];
    let run = |program: &str| {
        session(
            "gdb",
            dir.path(),
            &dir.path().join(program),
            true,
            &commands,
        )
    };
    let (n, i) = (run("native"), run("innative"));
    for k in 2..6 {
        assert_eq!(
            normalize(&i[k]),
            normalize(&n[k]),
            "`{}`: innative {:?}, native {:?}",
            commands[k],
            i[k],
            n[k]
        );
    }
    assert!(
        normalize(&i[6]).contains("id = 1"),
        "`p *shapes[0]`: {:?}",
        i[6]
    );
}

/// The program built for wasm64 (a 64-bit memory, 8-byte wasm pointers):
/// gdb, with the extension, answers as for the native build.
#[test]
fn gdb_memory64_program_prints_pointers_like_native() {
    let Some(b) = build_for("-O0", "wasm64") else {
        return;
    };
    let mut commands = AT_SUM.to_vec();
    commands.extend(["bt 2", "finish"]);
    compare_sessions("gdb", &b, &commands, &[2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]);
}

/// The same in lldb.
#[test]
fn lldb_memory64_program_prints_pointers_like_native() {
    let Some(b) = build_for("-O0", "wasm64") else {
        return;
    };
    let mut commands = AT_SUM.to_vec();
    commands[0] = "b sum";
    commands.extend(["frame variable h.name", "frame variable h.head"]);
    compare_sessions(
        "lldb",
        &b,
        &commands,
        &[2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 14, 15],
    );
}
