//! Runs one batch debugger session (gdb or lldb-19) through the Python
//! drivers beside this file and parses the records they write (the format is
//! described in `records.py`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Debugger {
    Gdb,
    Lldb,
}

impl Debugger {
    pub fn program(self) -> &'static str {
        match self {
            Debugger::Gdb => "gdb",
            Debugger::Lldb => "lldb-19",
        }
    }
}

impl fmt::Display for Debugger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Debugger::Gdb => "gdb",
            Debugger::Lldb => "lldb",
        })
    }
}

/// A source position as a debugger shows it: function, file basename, line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Loc {
    pub func: String,
    pub file: String,
    pub line: u32,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}:{}", self.func, self.file, self.line)
    }
}

/// A variable in scope at a stop.  `value` has addresses replaced by `0x?`;
/// `pointee` is what a pointer points to (`-` for non-pointers, `NULL`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    pub kind: String,
    pub name: String,
    pub ty: String,
    pub value: String,
    pub pointee: String,
    /// Declaration line (0 when the debugger does not say).
    pub decl_line: u32,
    /// Last line of the declaration's statement (its initializer may span
    /// lines); `decl_line` until the test reads the source
    /// (`Built::declaration_end`).
    pub decl_end: u32,
    /// The kind of its type (`records.TYPE_KINDS`: base, enum, pointer,
    /// funcptr, reference, struct, bitfield-struct, union, array, other).
    pub tkind: String,
}

impl Var {
    pub fn is_pointer(&self) -> bool {
        self.pointee != "-"
    }
}

/// One stop of a stepping session.
#[derive(Clone, Debug)]
pub struct Stop {
    pub loc: Loc,
    /// The own frames of the backtrace, innermost first (`loc` included).
    pub bt: Vec<Loc>,
    /// `info args` + `info locals` (gdb) or `frame variable` (lldb).
    pub raw_vars: String,
    pub vars: Vec<Var>,
}

/// A stop of a breakpoint session.
#[derive(Clone, Debug)]
pub struct Hit {
    pub specs: Vec<String>,
    pub loc: Loc,
    pub bt: Vec<Loc>,
}

/// A breakpoint: where the debugger resolved it and where it first stopped.
#[derive(Clone, Debug)]
pub struct Break {
    pub spec: String,
    pub resolved: Vec<String>,
    pub hit: Option<Hit>,
}

#[derive(Clone, Debug, Default)]
pub struct Session {
    pub stops: Vec<Stop>,
    pub breaks: Vec<Break>,
    pub hits: Vec<Hit>,
    /// Why the session ended: left-program, exited, max-steps, max-hits,
    /// budget, no-start or error.
    pub end: String,
    pub notes: Vec<String>,
    /// The debugger's own stdout and stderr.
    pub log: String,
}

impl Session {
    pub fn break_for(&self, spec: &str) -> Option<&Break> {
        self.breaks.iter().find(|b| b.spec == spec)
    }

    /// A normal end: the program ran to the end of main or exited.
    pub fn ended_normally(&self) -> bool {
        self.end == "left-program" || self.end == "exited"
    }
}

pub enum Mode {
    /// Break at `start`, then `step` (or `next` when `over`) through the own
    /// files.
    Step {
        start: String,
        max_steps: usize,
        vars: bool,
        over: bool,
    },
    /// Set every spec as a breakpoint, run, record each first stop.
    Breaks { specs: Vec<String> },
}

pub struct Config<'a> {
    pub debugger: Debugger,
    pub program: &'a Path,
    /// Full paths of the program's own source files.
    pub own: &'a [String],
    pub mode: Mode,
    /// Wall-clock seconds the Python driver may spend; the debugger process
    /// is killed (and the session fails) 30 s after that.
    pub budget_secs: u32,
    /// Load innative's debugger extensions, as the README tells users to:
    /// gdb trusts the program's directory (`add-auto-load-safe-path`, so it
    /// runs the script embedded in `.debug_gdb_scripts`), lldb imports the
    /// `innative_lldb.py` that `innative compile -g` wrote beside it.
    pub extensions: bool,
}

fn helpers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("debugger")
}

/// A program of another architecture, debugged remotely: it runs under
/// `emulator` (`qemu-aarch64 -L SYSROOT`) with qemu's gdb stub, and
/// `gdb-multiarch` connects to it with the target's `sysroot`.
pub struct Remote<'a> {
    pub emulator: &'a [String],
    pub sysroot: &'a str,
}

pub fn run(cfg: &Config) -> Result<Session, String> {
    run_maybe_remote(cfg, None)
}

/// [`run`] for a program of another architecture (gdb only).
pub fn run_remote(cfg: &Config, remote: &Remote) -> Result<Session, String> {
    if cfg.debugger != Debugger::Gdb {
        return Err("remote sessions use gdb-multiarch".into());
    }
    run_maybe_remote(cfg, Some(remote))
}

/// A TCP port nobody listens on now (for qemu's gdb stub).
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free TCP port: {e}"))
}

/// Kills the emulator when the session ends, however it ends.
struct Emulator(std::process::Child);

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_maybe_remote(cfg: &Config, remote: Option<&Remote>) -> Result<Session, String> {
    let dir = cfg.program.parent().unwrap_or(Path::new("."));
    let stem = cfg.program.file_name().unwrap().to_string_lossy();
    let tag = match cfg.mode {
        Mode::Step { over: true, .. } => "next",
        Mode::Step { .. } => "step",
        Mode::Breaks { .. } => "breaks",
    };
    let out = dir.join(format!("{stem}.{}.{tag}.records", cfg.debugger));
    let _ = std::fs::remove_file(&out);
    let helpers = helpers_dir();

    let mut cmd = Command::new("timeout");
    cmd.arg("-k")
        .arg("5")
        .arg(format!("{}", cfg.budget_secs + 30));
    let lldb_extension = dir.join("innative_lldb.py");
    match cfg.debugger {
        Debugger::Gdb => {
            cmd.arg(if remote.is_some() {
                "gdb-multiarch"
            } else {
                "gdb"
            })
            .args(["-q", "-batch", "-nx", "-iex", "set debuginfod enabled off"]);
            if let Some(r) = remote {
                cmd.arg("-iex").arg(format!("set sysroot {}", r.sysroot));
            }
            if cfg.extensions {
                let trusted = dir.canonicalize().unwrap_or(dir.to_path_buf());
                cmd.arg("-iex")
                    .arg(format!("add-auto-load-safe-path {}", trusted.display()));
            }
            cmd.arg("-x").arg(helpers.join("gdb_session.py"));
        }
        Debugger::Lldb => {
            cmd.arg("lldb-19").args(["--no-lldbinit", "--batch"]);
            if cfg.extensions {
                if !lldb_extension.exists() {
                    return Err(format!(
                        "{} is missing (innative compile -g writes it beside its output)",
                        lldb_extension.display()
                    ));
                }
                cmd.arg("-o").arg(format!(
                    "command script import {}",
                    lldb_extension.display()
                ));
            }
            cmd.arg("-o").arg(format!(
                "command script import {}",
                helpers.join("lldb_session.py").display()
            ));
        }
    }
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .env_remove("DEBUGINFOD_URLS")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("INNATIVE_DBG_HELPERS", &helpers)
        .env("INNATIVE_DBG_OUT", &out)
        .env("INNATIVE_DBG_PROGRAM", cfg.program)
        .env("INNATIVE_DBG_OWN", cfg.own.join(","))
        .env("INNATIVE_DBG_BUDGET", cfg.budget_secs.to_string());
    match &cfg.mode {
        Mode::Step {
            start,
            max_steps,
            vars,
            over,
        } => {
            cmd.env("INNATIVE_DBG_MODE", "step")
                .env("INNATIVE_DBG_STEP_CMD", if *over { "next" } else { "step" })
                .env("INNATIVE_DBG_START", start)
                .env("INNATIVE_DBG_MAX_STEPS", max_steps.to_string())
                .env("INNATIVE_DBG_VARS", if *vars { "1" } else { "0" });
        }
        Mode::Breaks { specs } => {
            cmd.env("INNATIVE_DBG_MODE", "breaks")
                .env("INNATIVE_DBG_SPECS", specs.join(";"));
        }
    }
    // The emulated program waits for gdb at its first instruction.
    let _emulator = match remote {
        Some(r) => {
            let port = free_port()?;
            let child = Command::new(&r.emulator[0])
                .args(&r.emulator[1..])
                .arg("-g")
                .arg(port.to_string())
                .arg(cfg.program)
                .current_dir(dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot run {}: {e}", r.emulator[0]))?;
            let emulator = Emulator(child);
            // gdb_session.py retries the connection until qemu listens (a
            // probe here would count as the one connection qemu accepts).
            let addr = format!("127.0.0.1:{port}");
            cmd.env("INNATIVE_DBG_REMOTE", &addr);
            Some(emulator)
        }
        None => None,
    };
    let o = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", cfg.debugger.program()))?;
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let code = o.status.code();
    if code == Some(124) || code == Some(137) || code.is_none() {
        return Err(format!(
            "{} on {} timed out or was killed ({:?}); records so far:\n{}\nlog:\n{}",
            cfg.debugger,
            cfg.program.display(),
            o.status,
            tail(&text, 40),
            tail(&log, 40)
        ));
    }
    let mut session = parse(&text).map_err(|e| {
        format!(
            "{} on {}: bad records ({e}); log:\n{}",
            cfg.debugger,
            cfg.program.display(),
            tail(&log, 40)
        )
    })?;
    session.log = log;
    if session.end.is_empty() {
        return Err(format!(
            "{} on {} ended without an END record ({:?}); log:\n{}",
            cfg.debugger,
            cfg.program.display(),
            o.status,
            tail(&session.log, 40)
        ));
    }
    Ok(session)
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn loc(fields: &[String]) -> Result<Loc, String> {
    if fields.len() < 3 {
        return Err(format!("location needs 3 fields: {fields:?}"));
    }
    Ok(Loc {
        func: fields[0].clone(),
        file: fields[1].clone(),
        line: fields[2]
            .parse()
            .map_err(|_| format!("bad line {:?}", fields[2]))?,
    })
}

/// What the last STOP or HIT record was, so FRAME/RAW/VAR attach to it.
enum Current {
    None,
    Stop,
    Hit,
}

pub fn parse(text: &str) -> Result<Session, String> {
    let mut s = Session::default();
    let mut current = Current::None;
    for line in text.lines() {
        let fields: Vec<String> = line.split('\t').map(unescape).collect();
        let rest = &fields[1..];
        match fields[0].as_str() {
            "STOP" => {
                let l = loc(rest)?;
                s.stops.push(Stop {
                    loc: l,
                    bt: Vec::new(),
                    raw_vars: String::new(),
                    vars: Vec::new(),
                });
                current = Current::Stop;
            }
            "HIT" => {
                let specs = if rest.first().map(String::as_str) == Some("-") {
                    Vec::new()
                } else {
                    rest.first()
                        .map(|x| x.split(' ').map(str::to_string).collect())
                        .unwrap_or_default()
                };
                let l = loc(&rest[1.min(rest.len())..])?;
                s.hits.push(Hit {
                    specs,
                    loc: l,
                    bt: Vec::new(),
                });
                current = Current::Hit;
            }
            "FRAME" => {
                let l = loc(rest)?;
                match current {
                    Current::Stop => s.stops.last_mut().unwrap().bt.push(l),
                    Current::Hit => s.hits.last_mut().unwrap().bt.push(l),
                    Current::None => return Err("FRAME before STOP/HIT".into()),
                }
            }
            "RAW" => {
                if let (Current::Stop, Some(stop)) = (&current, s.stops.last_mut()) {
                    stop.raw_vars = rest.first().cloned().unwrap_or_default();
                }
            }
            "VAR" => {
                if rest.len() < 5 {
                    return Err(format!("VAR needs 5 fields: {line}"));
                }
                if let (Current::Stop, Some(stop)) = (&current, s.stops.last_mut()) {
                    stop.vars.push(Var {
                        kind: rest[0].clone(),
                        name: rest[1].clone(),
                        ty: rest[2].clone(),
                        value: rest[3].clone(),
                        pointee: rest[4].clone(),
                        decl_line: rest.get(5).and_then(|l| l.parse().ok()).unwrap_or(0),
                        decl_end: rest.get(5).and_then(|l| l.parse().ok()).unwrap_or(0),
                        tkind: rest.get(6).cloned().unwrap_or_else(|| "other".into()),
                    });
                }
            }
            "BP" => {
                let spec = rest.first().cloned().unwrap_or_default();
                let resolved = match rest.get(1).map(String::as_str) {
                    None | Some("-") | Some("") => Vec::new(),
                    Some(r) => r.split(' ').map(str::to_string).collect(),
                };
                s.breaks.push(Break {
                    spec,
                    resolved,
                    hit: None,
                });
            }
            "NOTE" => s.notes.push(rest.join(" ")),
            "END" => s.end = rest.first().cloned().unwrap_or_default(),
            "" => {}
            other => return Err(format!("unknown record {other:?}")),
        }
    }
    // Each breakpoint's first stop.
    for hit in &s.hits {
        for spec in &hit.specs {
            if let Some(b) = s.breaks.iter_mut().find(|b| &b.spec == spec) {
                if b.hit.is_none() {
                    b.hit = Some(hit.clone());
                }
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_records() {
        let text = "BP\tmain\tm.c:3 rt.c:17\n\
                    BP\tf\t-\n\
                    HIT\tmain\tmain\tm.c\t3\n\
                    FRAME\tmain\tm.c\t3\n\
                    STOP\tmain\tm.c\t3\n\
                    FRAME\tmain\tm.c\t3\n\
                    RAW\tx = 1\\n\\ty\\\\\n\
                    VAR\tlocal\tx\tint\t1\t-\n\
                    END\texited\t4\n";
        let s = parse(text).unwrap();
        assert_eq!(s.breaks.len(), 2);
        assert_eq!(s.breaks[0].resolved, vec!["m.c:3", "rt.c:17"]);
        assert_eq!(s.breaks[0].hit.as_ref().unwrap().loc.line, 3);
        assert!(s.breaks[1].hit.is_none());
        assert_eq!(s.stops.len(), 1);
        assert_eq!(s.stops[0].raw_vars, "x = 1\n\ty\\");
        assert_eq!(s.stops[0].vars[0].name, "x");
        assert_eq!(s.end, "exited");
    }
}
