//! `innative gdb ...` and `innative lldb ...`: the system debugger with
//! innative's extension loaded and trusted, as `rust-gdb` / `rust-lldb` do
//! for Rust.  Every argument is passed through unchanged; the wrapper only
//! adds, in front of them:
//!
//! * gdb: `-iex "add-auto-load-safe-path DIR"` for the directory of every
//!   argument that is an ELF file carrying a `.debug_gdb_scripts` section
//!   (an innative `-g` output, whose embedded extension gdb then runs
//!   without the "auto-loading has been declined" warning).  Trusting the
//!   directory also covers innative shared libraries beside the program.
//! * lldb: `-O "command script import .../innative_lldb.py"`, the extension
//!   extracted with the runtime (see `link::runtime_dir`), run before the
//!   target is loaded.
//!
//! The debugger replaces this process (exec), so the terminal, signals and
//! exit status are the debugger's own.  `$INNATIVE_GDB` / `$INNATIVE_LLDB`
//! name another debugger binary.

use crate::error::Error;
use crate::error::EXIT_ERROR;
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which debugger to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Debugger {
    Gdb,
    Lldb,
}

impl Debugger {
    /// The subcommand that selects it (`gdb`, `lldb`).
    pub(crate) fn from_subcommand(word: &str) -> Option<Debugger> {
        match word {
            "gdb" => Some(Debugger::Gdb),
            "lldb" => Some(Debugger::Lldb),
            _ => None,
        }
    }

    /// The binary to run: `$INNATIVE_GDB`/`$INNATIVE_LLDB`, else the first of
    /// the usual names found on PATH.
    fn program(self) -> Option<OsString> {
        let (var, names): (&str, &[&str]) = match self {
            Debugger::Gdb => ("INNATIVE_GDB", &["gdb"]),
            Debugger::Lldb => ("INNATIVE_LLDB", &["lldb-19", "lldb"]),
        };
        if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
            return Some(p);
        }
        names
            .iter()
            .find(|n| find_on_path(n).is_some())
            .map(|n| OsString::from(*n))
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Whether `path` is an ELF file with a `.debug_gdb_scripts` section (only
/// an ELF file is read whole).
fn has_gdb_scripts(path: &Path) -> bool {
    use object::{Object, ObjectSection};
    use std::io::Read;
    let mut magic = [0u8; 4];
    let is_elf = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == b"\x7fELF");
    if !is_elf {
        return false;
    }
    let Ok(data) = std::fs::read(path) else {
        return false;
    };
    object::File::parse(&*data)
        .map(|f| f.sections().any(|s| s.name() == Ok(".debug_gdb_scripts")))
        .unwrap_or(false)
}

/// The arguments the wrapper puts in front of the user's.
fn leading_arguments(debugger: Debugger, args: &[OsString]) -> Result<Vec<OsString>, Error> {
    let mut lead = Vec::new();
    match debugger {
        Debugger::Gdb => {
            let mut trusted: Vec<PathBuf> = Vec::new();
            for a in args {
                let p = Path::new(a);
                if p.is_file() && has_gdb_scripts(p) {
                    let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
                    let dir = abs.parent().unwrap_or(Path::new("/")).to_path_buf();
                    if !trusted.contains(&dir) {
                        trusted.push(dir);
                    }
                }
            }
            for dir in trusted {
                lead.push("-iex".into());
                let mut cmd = OsString::from("add-auto-load-safe-path ");
                cmd.push(dir.as_os_str());
                lead.push(cmd);
            }
        }
        Debugger::Lldb => {
            let script =
                crate::link::runtime_dir()?.join(crate::debuginfo::pointers::LLDB_SCRIPT_NAME);
            lead.push("-O".into());
            let mut cmd = OsString::from("command script import ");
            cmd.push(script.as_os_str());
            lead.push(cmd);
        }
    }
    Ok(lead)
}

/// Runs the debugger with `args` (everything after `innative gdb|lldb`);
/// returns only when it cannot be started.
pub(crate) fn run(debugger: Debugger, args: &[String]) -> i32 {
    let name = match debugger {
        Debugger::Gdb => "gdb",
        Debugger::Lldb => "lldb",
    };
    let Some(program) = debugger.program() else {
        eprintln!(
            "{}",
            Error::new(format!(
                "{name} not found on PATH (install it with scripts/setup.sh, or name it in ${})",
                if debugger == Debugger::Gdb {
                    "INNATIVE_GDB"
                } else {
                    "INNATIVE_LLDB"
                }
            ))
        );
        return EXIT_ERROR;
    };
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    let lead = match leading_arguments(debugger, &args) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_ERROR;
        }
    };
    let err = Command::new(&program).args(&lead).args(&args).exec();
    eprintln!(
        "{}",
        Error::new(format!(
            "cannot start {}: {err}",
            Path::new(&program).display()
        ))
    );
    EXIT_ERROR
}
