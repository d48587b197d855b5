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
//!
//! A program of another architecture (an aarch64 output of `--target
//! aarch64-linux-gnu` on an x86-64 machine) is started under
//! `qemu-aarch64 -g PORT` (with the arguments after gdb's `--args PROG` or
//! lldb's `-- PROG`), and the debugger — `gdb-multiarch` for gdb — is told
//! the target's sysroot and connects to qemu: the program waits at its
//! first instruction, and `continue` (not `run`) starts it.

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

/// The ELF machine of `path` (`e_machine`), if it is an ELF file.
fn elf_machine(path: &Path) -> Option<u16> {
    use std::io::Read;
    let mut header = [0u8; 20];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .ok()?;
    (&header[..4] == b"\x7fELF").then(|| u16::from_le_bytes([header[18], header[19]]))
}

/// `EM_AARCH64`.
const EM_AARCH64: u16 = 183;

/// The first argument that is an aarch64 ELF file, when this machine is not
/// aarch64: the program to run under qemu, with the arguments after it
/// (gdb's `--args PROG ARGS...`, lldb's `-- PROG ARGS...`).
fn foreign_program(args: &[OsString]) -> Option<(PathBuf, Vec<OsString>)> {
    if cfg!(target_arch = "aarch64") {
        return None;
    }
    let i = args
        .iter()
        .position(|a| Path::new(a).is_file() && elf_machine(Path::new(a)) == Some(EM_AARCH64))?;
    let passes_args = i > 0 && (args[i - 1] == "--args" || args[i - 1] == "--");
    let program_args = if passes_args {
        args[i + 1..].to_vec()
    } else {
        Vec::new()
    };
    Some((PathBuf::from(&args[i]), program_args))
}

/// Debian's aarch64 C library, which qemu and the debugger load the
/// program's shared libraries from.
const AARCH64_SYSROOT: &str = "/usr/aarch64-linux-gnu";

/// Starts `program` under `qemu-aarch64 -g PORT`, stopped at its first
/// instruction, and returns the port once qemu listens.
fn start_under_qemu(program: &Path, args: &[OsString]) -> Result<u16, Error> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error::new(format!("no free TCP port for qemu's gdb stub: {e}")))?;
    Command::new("qemu-aarch64")
        .args(["-L", AARCH64_SYSROOT, "-g"])
        .arg(port.to_string())
        .arg(program)
        .args(args)
        .spawn()
        .map_err(|e| {
            Error::new(format!(
                "cannot start qemu-aarch64 (Debian package qemu-user; scripts/setup.sh installs it): {e}"
            ))
        })?;
    // Wait until the port is in LISTEN state (a test connection would be
    // taken as the debugger's).
    let hex = format!(":{port:04X} ");
    for _ in 0..100 {
        let listening = std::fs::read_to_string("/proc/net/tcp").is_ok_and(|t| {
            t.lines().any(|l| {
                l.split_whitespace()
                    .nth(1)
                    .is_some_and(|a| format!("{a} ").ends_with(&hex))
                    && l.split_whitespace().nth(3) == Some("0A")
            })
        });
        if listening {
            return Ok(port);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err(Error::new(format!(
        "qemu-aarch64 did not open its gdb port {port}"
    )))
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
    let mut lead = match leading_arguments(debugger, &args) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_ERROR;
        }
    };
    let mut program = program;
    let mut trailing: Vec<OsString> = Vec::new();
    if let Some((exe, exe_args)) = foreign_program(&args) {
        let port = match start_under_qemu(&exe, &exe_args) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{e}");
                return EXIT_ERROR;
            }
        };
        match debugger {
            Debugger::Gdb => {
                if std::env::var_os("INNATIVE_GDB").is_none() {
                    program = "gdb-multiarch".into();
                }
                lead.push("-iex".into());
                lead.push(format!("set sysroot {AARCH64_SYSROOT}").into());
                trailing.push("-ex".into());
                trailing.push(format!("target remote 127.0.0.1:{port}").into());
            }
            Debugger::Lldb => {
                trailing.push("-o".into());
                trailing.push(format!("gdb-remote 127.0.0.1:{port}").into());
            }
        }
    }
    lead.extend(trailing);
    // In front of the user's arguments: `target remote` must run before
    // their `-ex` commands, and after `--args PROG` every word is the
    // program's.
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
