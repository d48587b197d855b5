//! The command line.
//!
//! Two spellings reach the same code:
//!
//! * modern subcommands parsed with clap: `innative compile`, `run`, `wast`,
//!   `serialize`, `build-sourcemap` (see `innative --help`);
//! * inNative's single-dash spellings (`innative app.wasm -o app -f o3`,
//!   `innative -r app.wasm`, `innative lib.wasm -f library`), used whenever
//!   the first argument is not a subcommand; see [`legacy`].
//!
//! Every failure is reported as one line on stderr.  Exit codes: 0 success,
//! 1 a compile error (bad input, unwritable output, invalid module...), 2 a
//! usage error (unknown flag, missing argument, feature not supported yet);
//! `run` passes the program's own status through (a signal `S` → `128 + S`).

mod debugger;
mod legacy;
mod serialize;

use crate::error::Error;
use crate::load::Input;
use crate::options::{OptLevel, Options, OutputKind};
use clap::{Args, CommandFactory, Parser, Subcommand};
use std::path::{Path, PathBuf};

pub use crate::error::{EXIT_ERROR, EXIT_USAGE};

const AFTER_HELP: &str = "\
inNative spellings (used when the first argument is not a subcommand):
  innative [-r] [-f FLAG...] [-o FILE] [-l FILE...] [-shared-lib FILE...]
           [-w [MOD:]FN...] [-sys MOD] [-start [MOD:]FN] [-v] FILE...
  -r, -run                    compile to a temporary executable and run it
  -f, -flag, -flags FLAG...   debug (= -g), library (= --shared),
                              o0 o1 o2 o3 os (= -O0..-Os),
                              check_memory_access (= --bounds-checks),
                              whitelist, sandbox, strict (turn the C-import
                              whitelist on; sandbox/strict add --bounds-checks)
  -o, -out, -output FILE      output path
  -l, -lib, -libs, -library FILE...          static libraries to link
  -shared-lib, -shared-libs, -shared-library FILE...  shared libraries
  -w, -whitelist [MOD:]FN...  allow a C import (turns the whitelist on)
  -sys, -system MOD           the module whose imports are plain C names
  -start [MOD:]FN             set or override the start function
  -serialize [FILE|emitdebug]  also write every module as .wat (<stem>.wat,
                              or FILE for one module; emitdebug annotates it
                              with source positions), then compile
  -build-sourcemap            same as the subcommand: FILE.map from the DWARF
                              of each input (wasm or ELF), or -o FILE
Example: innative app.wasm -o app -f o3     innative -r app.wasm
         innative lib.wasm -f library       innative prog.wat -f debug

Exit status: 0 on success, 1 on a compile error (one line on stderr naming the
file and position), 2 on a usage error or an option that is not supported yet.
A compiled executable that traps prints `trap: ...` and exits with 134.";

#[derive(Parser, Debug)]
#[command(
    name = "innative",
    version,
    about = "Ahead-of-time compiler from WebAssembly to native executables, shared libraries and objects (LLVM 19)",
    after_help = AFTER_HELP,
    disable_help_subcommand = false
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compile WebAssembly modules (.wasm or .wat) into a native executable,
    /// a shared library (--shared) or a relocatable object (--object).
    ///
    /// Several inputs are linked together: an import that names another
    /// input module binds to its export directly.
    Compile(CompileArgs),
    /// Compile a module to a temporary executable, run it with ARGS and exit
    /// with its exit status (a signal S becomes 128 + S; a trap exits 134).
    ///
    /// Options go before FILE; everything after FILE (or after `--`) is passed
    /// to the program.
    Run(RunArgs),
    /// Run WebAssembly spec scripts (.wast) through the real AOT path; prints a
    /// line per file and ends with `N passed, M failed`.
    Wast(WastArgs),
    /// Write each module as WebAssembly text (.wat), with names from the name
    /// section, optionally annotated with source positions.
    ///
    /// One input: written to -o FILE (`-o -`: standard output), into -o DIR,
    /// or to <stem>.wat in the current directory.  Several inputs: one
    /// <stem>.wat per module, in -o DIR or the current directory.
    Serialize(SerializeArgs),
    /// Build a source map (v3) from the DWARF line tables of a wasm module
    /// (column = byte offset in the .wasm file) or of an ELF object,
    /// executable or shared library (column = virtual address; in a
    /// relocatable object, the offset inside the code section).
    BuildSourcemap(crate::build_sourcemap::BuildArgs),
    /// Start gdb with innative's extension trusted for the programs named
    /// (`innative gdb ./prog`, `innative gdb --args ./prog a b`); every
    /// argument goes to gdb unchanged.  $INNATIVE_GDB names another gdb.
    #[command(disable_help_flag = true)]
    Gdb(DebuggerArgs),
    /// Start lldb with innative's extension imported (`innative lldb ./prog`,
    /// `innative lldb -- ./prog a b`); every argument goes to lldb unchanged.
    /// $INNATIVE_LLDB names another lldb (default lldb-19, else lldb).
    #[command(disable_help_flag = true)]
    Lldb(DebuggerArgs),
}

/// Everything after `innative gdb` / `innative lldb`, for the debugger.
#[derive(Args, Debug)]
struct DebuggerArgs {
    /// Arguments for the debugger.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    args: Vec<String>,
}

/// Options that change the generated code; shared by `compile` and `run`.
#[derive(Args, Debug, Clone)]
struct CodegenArgs {
    /// Optimization level: -O0, -O1, -O2, -O3 or -Os (optimize for size).
    /// The default is -O2.  (inNative: -f o0 .. -f os)
    #[arg(short = 'O', value_name = "LEVEL", default_value = "2", value_parser = parse_opt_level)]
    opt_level: OptLevel,

    /// Emit native DWARF debug info.  (inNative: -f debug)
    #[arg(short = 'g', long = "debug")]
    debug: bool,

    /// DWARF version of the native debug info: 5 (default) or 4.
    #[arg(long, value_name = "N", default_value = "5", value_parser = clap::builder::PossibleValuesParser::new(["4", "5"]))]
    dwarf_version: String,

    /// With -g, take the module's debug info from this source map (v3 or an
    /// index map; generated column = byte offset in the .wasm file) instead
    /// of its `sourceMappingURL` section.  Used when the module has no DWARF
    /// (or with --prefer-source-map).  Repeatable: the i-th map belongs to the
    /// i-th input.
    #[arg(long = "source-map", value_name = "FILE")]
    source_map: Vec<PathBuf>,

    /// With -g, use the module's source map even when it has DWARF.
    #[arg(long)]
    prefer_source_map: bool,

    /// With -g, keep source-level debug info for the WASI C library too.  By
    /// default it is treated like a native system library (no debug info), so
    /// that `break main` and `step` behave as in a native build.
    #[arg(long)]
    debug_system_libs: bool,

    /// With -g, rewrite the path prefix OLD to NEW in the DWARF (compile
    /// directories, source and line-table paths), as clang's
    /// -fdebug-prefix-map; repeatable, the last matching one wins.
    #[arg(long = "debug-prefix-map", value_name = "OLD=NEW", value_parser = crate::provenance::prefix_map::parse)]
    debug_prefix_map: Vec<(String, String)>,

    /// Check every memory access against the memory's current size instead of
    /// relying on guard pages.  (inNative: -f check_memory_access)
    #[arg(long)]
    bounds_checks: bool,

    /// The "system" module: its imports link to plain C names, so
    /// `(import "env" "putchar" ...)` with `--sys env` calls libc's putchar.
    /// Imports of other modules that are not compiled alongside link to the C
    /// symbol `<module>_WASM_<name>`.  (inNative: -sys)
    #[arg(long = "sys", value_name = "MOD")]
    sys: Option<String>,

    /// Allow the C import MOD:FN and turn the whitelist on: every other C
    /// import is then a compile error naming it.  `MOD:` allows the whole
    /// module; a bare `FN` means the --sys module.  Repeatable.
    /// (inNative: -w)
    #[arg(short = 'w', long = "whitelist", value_name = "MOD:FN")]
    whitelist: Vec<String>,

    /// Set or override the start function (no parameters, no results).  A bare
    /// `FN` means the first input module.  (inNative: -start)
    #[arg(long, value_name = "MOD:FN")]
    start: Option<String>,

    /// Link a static library (.a or .o) into the output.  Repeatable.
    /// (inNative: -l)
    #[arg(short = 'l', long = "lib", value_name = "FILE")]
    libs: Vec<PathBuf>,

    /// Link a shared library (.so) into the output.  Repeatable.
    /// (inNative: -shared-lib)
    #[arg(long = "shared-lib", value_name = "FILE")]
    shared_libs: Vec<PathBuf>,

    /// WASI: give the program the host directory HOST, seen as GUEST (default:
    /// HOST as written).  Executables only; the directory is opened when the
    /// program starts, relative to its working directory.  More directories
    /// can be given at run time in $INNATIVE_WASI_DIRS (';'-separated
    /// HOST[::GUEST] entries).  Repeatable.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,

    /// WASI: the program's environment.  `K=V` sets K; a bare `K` passes the
    /// host's K through when the program runs.  Nothing else of the host's
    /// environment is visible unless --inherit-env is given (or, for a
    /// compiled executable, $INNATIVE_WASI_ENV names host variables at run
    /// time: `A,B` or `*`).  Executables only.  Repeatable.
    #[arg(long = "env", value_name = "K[=V]")]
    env: Vec<String>,

    /// WASI: the program sees the whole host environment (after --env).
    /// Executables only.
    #[arg(long = "inherit-env")]
    inherit_env: bool,

    /// Say what is being done, on stderr.
    #[arg(short = 'v', long)]
    verbose: bool,

    /// Also write the LLVM IR that is turned into machine code (after
    /// optimization) to FILE.ll, for inspecting what innative generated.
    #[arg(long = "emit-llvm", value_name = "FILE.ll")]
    emit_llvm: Option<PathBuf>,

    /// The machine to compile for: x86_64-linux-gnu (the default),
    /// aarch64-linux-gnu, or x86_64-windows-gnu (PE/COFF, MinGW ABI; -g
    /// writes a PDB).  Other spellings of these triples are accepted
    /// (aarch64-unknown-linux-gnu, x86_64-w64-mingw32).  (inNative: -arch,
    /// -abi)
    #[arg(long, value_name = "TRIPLE", value_parser = parse_target)]
    target: Option<crate::target::Target>,

    /// The LLVM CPU to select instructions for, or `native` (this machine's
    /// CPU and all its features).  The default is the architecture's
    /// baseline (x86-64, generic), so outputs run on any machine of it.
    /// (inNative: -cpu)
    #[arg(long, value_name = "NAME")]
    cpu: Option<String>,

    /// A CPU feature to assume (+F, or F) or not to use (-F), as LLVM names
    /// them: +avx2, -sse4.1.  Repeatable; commas separate several.
    /// (inNative: -cpu-feature)
    #[arg(long = "cpu-feature", value_name = "[+-]F", value_parser = parse_cpu_feature, allow_hyphen_values = true)]
    cpu_features: Vec<String>,
}

#[derive(Args, Debug)]
struct CompileArgs {
    #[command(flatten)]
    codegen: CodegenArgs,

    /// Produce a shared library: every export of module M is the C symbol
    /// `M_WASM_<export>`; modules initialize themselves when it is loaded.
    /// (inNative: -f library)
    #[arg(long, conflicts_with = "object")]
    shared: bool,

    /// Produce a relocatable ELF object (link it with the innative runtime
    /// yourself).
    #[arg(long)]
    object: bool,

    /// Output path.  Default: the first input's file stem in the current
    /// directory (`.so` added for --shared, `.o` for --object).
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: Option<PathBuf>,

    /// Also write a C header declaring every export with its natural C
    /// signature, the exported memories, tables and globals, and
    /// `<export>_checked` wrappers that report traps to the caller instead
    /// of ending the process.
    #[arg(long = "header", value_name = "FILE.h")]
    header: Option<PathBuf>,

    /// Input modules: .wasm binaries or .wat text.
    #[arg(value_name = "IN", required = true)]
    inputs: Vec<PathBuf>,
}

#[derive(Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    codegen: CodegenArgs,

    /// Also keep the executable at OUT (by default it lives in a temporary
    /// directory that is removed afterwards).
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: Option<PathBuf>,

    /// The module to run (.wasm or .wat).
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// Arguments passed to the program.
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    args: Vec<String>,
}

#[derive(Args, Debug)]
struct WastArgs {
    /// Number of modules compiled in parallel (default: the number of CPUs).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    jobs: Option<usize>,

    /// Print every assertion's outcome, not only failures.
    #[arg(short = 'v', long)]
    verbose: bool,

    /// Optimization level of the scripts' modules: 0, 1, 2, 3 or s.  Default:
    /// -O1 (compile time dominates the suite), or $INNATIVE_WAST_OPT.
    #[arg(short = 'O', value_name = "LEVEL", value_parser = parse_opt_level)]
    opt_level: Option<OptLevel>,

    /// Run every script in this process, without a child process per script
    /// (a crash then ends the whole run): for debugging the harness.
    #[arg(long, hide = true)]
    in_process: bool,

    /// The standard the scripts test: 3.0 (default) or 2.0, whose scripts
    /// expect 3.0's additions (several memories, ...) to be invalid.
    #[arg(long, value_name = "VERSION", value_parser = parse_standard)]
    standard: Option<crate::validate::Standard>,

    /// Spec scripts to run.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
struct SerializeArgs {
    /// Annotate the text with where each function and instruction came from:
    /// `(; file.c:12:5 ;)` comments from the module's DWARF (or, for a .wat
    /// input, from that text), written where the position changes; a module
    /// without provenance gets its byte offsets, `(;@1f2 ;)`.
    #[arg(long = "emit-debug")]
    emit_debug: bool,

    /// Output file (one input; `-` for standard output) or directory.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: Option<PathBuf>,

    /// Input modules: .wasm binaries or .wat text.
    #[arg(value_name = "IN", required = true)]
    inputs: Vec<PathBuf>,
}

fn parse_standard(s: &str) -> std::result::Result<crate::validate::Standard, String> {
    crate::validate::Standard::parse(s)
        .ok_or_else(|| format!("unknown standard '{s}' (2.0 or 3.0)"))
}

fn parse_target(s: &str) -> Result<crate::target::Target, String> {
    crate::target::Target::parse_triple(s)
}

fn parse_cpu_feature(s: &str) -> Result<String, String> {
    crate::target::Target::host().add_features(s)?;
    Ok(s.to_string())
}

fn parse_opt_level(s: &str) -> Result<OptLevel, String> {
    match s {
        "0" => Ok(OptLevel::O0),
        "1" => Ok(OptLevel::O1),
        "2" => Ok(OptLevel::O2),
        "3" => Ok(OptLevel::O3),
        "s" => Ok(OptLevel::Os),
        _ => Err(format!(
            "unknown optimization level '-O{s}' (use -O0, -O1, -O2, -O3 or -Os)"
        )),
    }
}

fn opt_level_name(l: OptLevel) -> &'static str {
    match l {
        OptLevel::O0 => "-O0",
        OptLevel::O1 => "-O1",
        OptLevel::O2 => "-O2",
        OptLevel::O3 => "-O3",
        OptLevel::Os => "-Os",
    }
}

/// Subcommand names (and clap's own flags) that select the modern parser.
const SUBCOMMANDS: &[&str] = &[
    "compile",
    "run",
    "wast",
    "serialize",
    "build-sourcemap",
    "gdb",
    "lldb",
    "help",
    "-h",
    "--help",
    "-V",
    "--version",
];

/// A parsed request, whichever spelling it came from.
#[derive(Debug)]
pub(crate) enum Action {
    Compile {
        job: Job,
    },
    Run {
        job: Job,
        args: Vec<String>,
    },
    Wast {
        files: Vec<PathBuf>,
        jobs: usize,
        verbose: bool,
        opt_level: Option<OptLevel>,
        in_process: bool,
        standard: Option<crate::validate::Standard>,
    },
    Serialize {
        req: serialize::Request,
    },
    BuildSourcemap {
        args: Vec<String>,
    },
    /// Start a debugger with innative's extension.
    Debug {
        debugger: debugger::Debugger,
        args: Vec<String>,
    },
    /// Print this text on stdout and exit 0 (help).
    Print(String),
}

/// What to compile and how (before inputs are loaded).
#[derive(Debug, Default)]
pub(crate) struct Job {
    pub inputs: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    pub opts: Options,
    /// Raw `--whitelist` entries (`MOD:FN`, `MOD:`, `FN`), resolved once the
    /// system module is known.
    pub whitelist: Vec<String>,
    /// The whitelist is on even when empty (inNative's `-f whitelist`).
    pub whitelist_on: bool,
    /// Raw `--start` value (`MOD:FN` or `FN`).
    pub start: Option<String>,
    /// Where to write the C header (`--header`).
    pub header: Option<PathBuf>,
    /// inNative's `-serialize`: also write the inputs as text (its `inputs`
    /// are the job's).
    pub serialize: Option<serialize::Request>,
    /// inNative's `-f debug_pdb` (checked against the target once parsed).
    pub pdb_requested: bool,
}

/// A usage error: printed as one line, exit 2.
#[derive(Debug)]
pub(crate) struct Usage(pub String);

impl From<CodegenArgs> for Job {
    fn from(c: CodegenArgs) -> Job {
        let mut target = c.target.unwrap_or_default();
        target.cpu = c.cpu;
        for f in &c.cpu_features {
            // Checked by `parse_cpu_feature`.
            let _ = target.add_features(f);
        }
        Job {
            inputs: Vec::new(),
            output: None,
            opts: Options {
                opt_level: c.opt_level,
                debug: c.debug,
                debug_system_libs: c.debug_system_libs,
                debug_prefix_map: c.debug_prefix_map,
                source_maps: c.source_map,
                prefer_source_map: c.prefer_source_map,
                dwarf_version: c.dwarf_version.parse().unwrap_or(5),
                bounds_checks: c.bounds_checks,
                system_module: c.sys,
                libs: c.libs,
                shared_libs: c.shared_libs,
                preopens: c.dirs,
                env: c.env,
                inherit_env: c.inherit_env,
                verbose: c.verbose,
                emit_llvm: c.emit_llvm,
                target,
                ..Options::default()
            },
            whitelist_on: !c.whitelist.is_empty(),
            whitelist: c.whitelist,
            start: c.start,
            header: None,
            serialize: None,
            pdb_requested: false,
        }
    }
}

/// Runs the CLI on `args` (without argv[0]); returns the exit code.
pub fn main_with_args(args: Vec<String>) -> i32 {
    match parse(&args) {
        Ok(action) => execute(action),
        Err(Usage(msg)) => {
            eprintln!("{}", Error::new(msg));
            EXIT_USAGE
        }
    }
}

/// Parses the command line into an [`Action`].
pub(crate) fn parse(args: &[String]) -> Result<Action, Usage> {
    let Some(first) = args.first() else {
        return Err(Usage(
            "no input files (usage: innative <compile|run|wast|serialize|build-sourcemap> ..., \
             or inNative's `innative [options] FILE...`; try 'innative --help')"
                .into(),
        ));
    };
    if SUBCOMMANDS.contains(&first.as_str()) {
        parse_modern(args)
    } else {
        legacy::parse(args)
    }
}

fn parse_modern(args: &[String]) -> Result<Action, Usage> {
    // `innative gdb|lldb ARGS...`: every argument is the debugger's, even
    // ones that look like innative's options.
    if let Some(debugger) = args
        .first()
        .and_then(|a| debugger::Debugger::from_subcommand(a))
    {
        return Ok(Action::Debug {
            debugger,
            args: args[1..].to_vec(),
        });
    }
    let args = separate_run_arguments(args);
    let argv = std::iter::once("innative".to_string()).chain(args.iter().cloned());
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    Ok(Action::Print(e.render().to_string()))
                }
                _ => Err(Usage(clap_one_line(&e.render().to_string()))),
            };
        }
    };
    Ok(match cli.command {
        Command::Compile(c) => {
            let mut job = Job::from(c.codegen);
            job.opts.kind = if c.shared {
                OutputKind::SharedLibrary
            } else if c.object {
                OutputKind::Object
            } else {
                OutputKind::Executable
            };
            check_dirs_kind(&job)?;
            job.inputs = c.inputs;
            job.output = c.output;
            job.header = c.header;
            Action::Compile { job }
        }
        Command::Run(r) => {
            let mut job = Job::from(r.codegen);
            job.inputs = vec![r.file];
            job.output = r.output;
            Action::Run { job, args: r.args }
        }
        Command::Wast(w) => Action::Wast {
            opt_level: w.opt_level,
            in_process: w.in_process,
            standard: w.standard,
            files: w.files,
            jobs: w.jobs.unwrap_or_else(default_jobs).max(1),
            verbose: w.verbose,
        },
        Command::Serialize(a) => Action::Serialize {
            req: serialize::Request {
                inputs: a.inputs,
                output: a.output,
                emit_debug: a.emit_debug,
            },
        },
        // Parsed again by build_sourcemap::main (clap checked them here).
        Command::BuildSourcemap(_) => Action::BuildSourcemap {
            args: args[1..].to_vec(),
        },
        // Handled before clap (see parse_modern); here for `--help` only.
        Command::Gdb(_) | Command::Lldb(_) => unreachable!("debugger subcommands are parsed first"),
    })
}

/// `run OPTIONS FILE ARGS...`: everything after FILE belongs to the program,
/// even words that look like innative options (`run prog.wasm -v --dir x`).
/// clap would take those, so a `--` is inserted after FILE.  FILE is the
/// first word after `run` that is neither an option nor the value of one
/// (the options taking a separate value are read from clap's definition).
fn separate_run_arguments(args: &[String]) -> Vec<String> {
    let mut out = args.to_vec();
    if args.first().map(String::as_str) != Some("run") {
        return out;
    }
    let command = Cli::command();
    let Some(run) = command.find_subcommand("run") else {
        return out;
    };
    let mut takes_value: Vec<String> = Vec::new();
    for arg in run
        .get_arguments()
        .filter(|a| !a.is_positional() && a.get_action().takes_values())
    {
        takes_value.extend(arg.get_long().map(|l| format!("--{l}")));
        takes_value.extend(arg.get_short().map(|c| format!("-{c}")));
    }
    let mut i = 1;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "--" {
            return out; // FILE (if any) follows; the program's arguments are already separated
        }
        if a.starts_with('-') && a.len() > 1 {
            i += if takes_value.iter().any(|t| t == a) {
                2
            } else {
                1
            };
            continue;
        }
        // FILE
        if i + 1 < args.len() && args[i + 1] != "--" {
            out.insert(i + 1, "--".to_string());
        }
        return out;
    }
    out
}

/// `--dir`, `--env` and `--inherit-env` are baked into executables only.
pub(crate) fn check_dirs_kind(job: &Job) -> Result<(), Usage> {
    if job.opts.kind == OutputKind::Executable {
        return Ok(());
    }
    if !job.opts.preopens.is_empty() {
        return Err(Usage(
            "--dir applies to executables; a library's host gives WASI directories at run time \
             through $INNATIVE_WASI_DIRS"
                .into(),
        ));
    }
    if !job.opts.env.is_empty() || job.opts.inherit_env {
        return Err(Usage(
            "--env and --inherit-env apply to executables; a library's host names the variables \
             its WASI modules see at run time in $INNATIVE_WASI_ENV"
                .into(),
        ));
    }
    Ok(())
}

/// Squeezes a clap error (several lines with tips and usage) into one line.
fn clap_one_line(rendered: &str) -> String {
    let mut parts = Vec::new();
    for line in rendered.lines() {
        let t = line.trim();
        if t.starts_with("Usage:") || t.starts_with("For more information") {
            break;
        }
        if t.is_empty() || t.starts_with("tip:") {
            continue;
        }
        parts.push(t.strip_prefix("error: ").unwrap_or(t).to_string());
    }
    let mut msg = parts.join(" ");
    if msg.is_empty() {
        msg = "invalid command line".into();
    }
    format!("{msg} (try 'innative --help')")
}

fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The full `--help` text (used by the inNative spelling `-help`).
pub(crate) fn help_text() -> String {
    Cli::command().render_long_help().to_string()
}

fn execute(action: Action) -> i32 {
    match action {
        Action::Print(text) => {
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
            0
        }
        Action::Compile { job } => guarded(move || compile_job(job)),
        Action::Run { job, args } => guarded(move || run_job(job, &args)),
        Action::Debug { debugger, args } => debugger::run(debugger, &args),
        Action::Wast {
            files,
            jobs,
            verbose,
            opt_level,
            in_process,
            standard,
        } => {
            if let Some(standard) = standard {
                // Read by validation here and in the per-script children.
                std::env::set_var(crate::validate::STANDARD_ENV, standard.name());
            }
            if let Some(level) = opt_level {
                // The harness (and the per-script children it starts) read
                // the level from the environment.
                std::env::set_var(crate::wast::env::OPT, crate::wast::opt_name(level));
            }
            if in_process {
                let settings = crate::wast::Settings {
                    jobs,
                    verbose,
                    opt_level: opt_level.unwrap_or(crate::wast::DEFAULT_OPT),
                };
                let counts = crate::wast::run_in_process(&files, &settings);
                return if counts.failed == 0 { 0 } else { 1 };
            }
            crate::wast::run_cli(&files, jobs, verbose)
        }
        Action::Serialize { req } => guarded(move || serialize::run(&req)),
        Action::BuildSourcemap { args } => build_sourcemap(&args),
    }
}

/// `innative build-sourcemap` / inNative `-build-sourcemap`.
fn build_sourcemap(args: &[String]) -> i32 {
    crate::build_sourcemap::main(args)
}

/// Runs `f`, turning a panic into a one-line "internal error" report
/// (exit 101) instead of a backtrace dump.
fn guarded(f: impl FnOnce() -> i32 + std::panic::UnwindSafe) -> i32 {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "{}",
            Error::new(format!(
                "internal compiler error: {msg}{at} (please report this)"
            ))
        );
    }));
    let result = std::panic::catch_unwind(f);
    std::panic::set_hook(previous);
    result.unwrap_or(101)
}

/// The output path when none is given: the first input's stem in the current
/// directory, with `.so` for shared libraries and `.o` for objects (`.exe`
/// and `.dll` for Windows).
pub(crate) fn default_output(
    first_input: &Path,
    kind: OutputKind,
    target: &crate::target::Target,
) -> PathBuf {
    let stem = first_input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "a".into());
    PathBuf::from(match kind {
        OutputKind::Executable => format!("{stem}{}", target.executable_suffix()),
        OutputKind::SharedLibrary => format!("{stem}{}", target.shared_library_suffix()),
        OutputKind::Object => format!("{stem}.o"),
    })
}

pub(crate) use crate::names::module_name;

fn split_mod_fn(s: &str) -> (Option<&str>, &str) {
    match s.split_once(':') {
        Some((m, f)) => (Some(m), f),
        None => (None, s),
    }
}

/// Fills `job.opts.whitelist` / `job.opts.start` from the raw strings.
fn resolve_names(job: &mut Job, inputs: &[Input]) -> Result<(), Error> {
    if job.whitelist_on {
        let mut list = Vec::new();
        for entry in &job.whitelist {
            let (m, f) = split_mod_fn(entry);
            let module = match m {
                Some(m) => m.to_string(),
                None => job.opts.system_module.clone().unwrap_or_default(),
            };
            if module.is_empty() && f.is_empty() {
                return Err(Error::new(format!(
                    "empty whitelist entry '{entry}' (use MOD:FN)"
                )));
            }
            list.push((module, f.to_string()));
        }
        job.opts.whitelist = Some(list);
    }
    if let Some(start) = &job.start {
        let (m, f) = split_mod_fn(start);
        if f.is_empty() {
            return Err(Error::new(format!(
                "--start '{start}' names no function (use MOD:FN)"
            )));
        }
        let module = match m {
            Some(m) if !m.is_empty() => m.to_string(),
            _ => inputs.first().map(module_name).unwrap_or_default(),
        };
        job.opts.start = Some((module, f.to_string()));
    }
    Ok(())
}

/// Fails early (before any work) when `out` cannot be written.
fn check_output(out: &Path) -> Result<(), Error> {
    if out.is_dir() {
        return Err(Error::in_file(
            out,
            "cannot write output: it is a directory",
        ));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(Error::in_file(
            out,
            format!(
                "cannot write output: directory '{}' does not exist",
                parent.display()
            ),
        ));
    }
    tempfile::Builder::new()
        .prefix(".innative-probe-")
        .tempfile_in(parent)
        .map(drop)
        .map_err(|e| Error::in_file(out, format!("cannot write output: {e}")))
}

fn load_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, Error> {
    paths
        .iter()
        .map(|p| {
            let mut input = Input::from_file(p)?;
            input.name = crate::names::linker_module_name(&input);
            Ok(input)
        })
        .collect()
}

fn kind_name(kind: OutputKind) -> &'static str {
    match kind {
        OutputKind::Executable => "executable",
        OutputKind::SharedLibrary => "shared library",
        OutputKind::Object => "object",
    }
}

/// Loads, checks and compiles `job` into `out`.
fn compile_to(job: &mut Job, out: &Path) -> Result<(), Error> {
    let inputs = load_inputs(&job.inputs)?;
    check_output(out)?;
    if let Some(header) = &job.header {
        check_output(header)?;
    }
    if let Some(ir) = &job.opts.emit_llvm {
        check_output(ir)?;
    }
    check_preopens(&job.opts.preopens)?;
    check_env(&job.opts.env)?;
    resolve_names(job, &inputs)?;
    if job.opts.verbose {
        let names: Vec<String> = inputs
            .iter()
            .map(|i| format!("{} (module {})", i.path.display(), module_name(i)))
            .collect();
        eprintln!(
            "innative: compiling {} -> {} ({}, {}{}{})",
            names.join(", "),
            out.display(),
            kind_name(job.opts.kind),
            opt_level_name(job.opts.opt_level),
            if job.opts.debug { ", -g" } else { "" },
            if job.opts.bounds_checks {
                ", bounds checks"
            } else {
                ""
            },
        );
    }
    crate::driver::compile(&inputs, &job.opts, out)?;
    if job.opts.verbose {
        eprintln!("innative: wrote {}", out.display());
    }
    if let Some(header) = &job.header {
        let modules = inputs
            .iter()
            .map(crate::module::ModuleInfo::parse)
            .collect::<Result<Vec<_>, Error>>()?;
        crate::header::write_header(&modules, header)?;
        if job.opts.verbose {
            eprintln!("innative: wrote {}", header.display());
        }
    }
    Ok(())
}

/// Checks the form of `--env` entries: `K` or `K=V` with a non-empty name.
fn check_env(env: &[String]) -> Result<(), Error> {
    for spec in env {
        let name = spec.split_once('=').map_or(spec.as_str(), |(k, _)| k);
        if name.is_empty() || spec.contains('\0') {
            return Err(Error::new(format!("bad --env '{spec}' (use K=V or K)")));
        }
    }
    Ok(())
}

/// Checks the form of `--dir` entries (`HOST` or `HOST::GUEST`, neither
/// empty).  The directories themselves are opened when the program starts.
fn check_preopens(preopens: &[String]) -> Result<(), Error> {
    for spec in preopens {
        let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
        if host.is_empty() || guest.is_empty() || spec.contains('\0') {
            return Err(Error::new(format!(
                "bad --dir '{spec}' (use HOST or HOST::GUEST)"
            )));
        }
    }
    Ok(())
}

/// `run` opens the `--dir` directories right away: a missing one is an error
/// before anything is compiled.
fn check_preopen_dirs(preopens: &[String]) -> Result<(), Error> {
    for spec in preopens {
        let host = spec.split_once("::").map_or(spec.as_str(), |(h, _)| h);
        if !Path::new(host).is_dir() {
            return Err(Error::new(format!(
                "--dir '{spec}': '{host}' is not a directory"
            )));
        }
    }
    Ok(())
}

/// inNative's `-serialize`: the text of every input, before compiling.
fn serialize_first(job: &Job) -> i32 {
    match &job.serialize {
        Some(req) => serialize::run(&serialize::Request {
            inputs: job.inputs.clone(),
            ..req.clone()
        }),
        None => 0,
    }
}

fn compile_job(mut job: Job) -> i32 {
    let Some(first) = job.inputs.first().cloned() else {
        eprintln!("{}", Error::new("no input files"));
        return EXIT_USAGE;
    };
    let status = serialize_first(&job);
    if status != 0 {
        return status;
    }
    let out = job
        .output
        .clone()
        .unwrap_or_else(|| default_output(&first, job.opts.kind, &job.opts.target));
    if job.output.is_none() && job.inputs.iter().any(|i| same_path(i, &out)) {
        eprintln!(
            "{}",
            Error::in_file(
                &first,
                "the default output would overwrite this input; name one with -o"
            )
        );
        return EXIT_ERROR;
    }
    match compile_to(&mut job, &out) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{e}");
            EXIT_ERROR
        }
    }
}

pub(crate) fn same_path(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Compiles `job` to an executable (a temporary one unless `-o` names it),
/// runs it with `args` and returns its exit status.
fn run_job(mut job: Job, args: &[String]) -> i32 {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let Some(first) = job.inputs.first().cloned() else {
        eprintln!("{}", Error::new("no input file to run"));
        return EXIT_USAGE;
    };
    job.opts.kind = OutputKind::Executable;
    let status = serialize_first(&job);
    if status != 0 {
        return status;
    }
    if let Err(e) = check_preopen_dirs(&job.opts.preopens) {
        eprintln!("{e}");
        return EXIT_ERROR;
    }
    let tmp = match tempfile::Builder::new().prefix("innative-run-").tempdir() {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "{}",
                Error::new(format!("cannot create a temporary directory: {e}"))
            );
            return EXIT_ERROR;
        }
    };
    let exe = match &job.output {
        Some(out) => out.clone(),
        None => tmp.path().join(default_output(
            &first,
            OutputKind::Executable,
            &job.opts.target,
        )),
    };
    if let Err(e) = compile_to(&mut job, &exe) {
        eprintln!("{e}");
        return EXIT_ERROR;
    }
    // A relative path without a slash would be looked up in PATH.
    let exe_abs = std::path::absolute(&exe).unwrap_or(exe.clone());
    if job.opts.verbose {
        eprintln!("innative: running {} {}", exe.display(), args.join(" "));
    }
    // The program's environment is what --env / --inherit-env baked in: the
    // run-time rule of compiled executables does not apply to `run`.
    // Another target's program runs under its emulator (qemu-aarch64, wine).
    let mut command = match job.opts.target.emulator() {
        Some(emulator) => {
            let mut c = std::process::Command::new(&emulator[0]);
            c.args(&emulator[1..]).arg(&exe_abs);
            if job.opts.target.is_windows() && std::env::var_os("WINEDEBUG").is_none() {
                c.env("WINEDEBUG", "-all");
            }
            c
        }
        None => {
            let mut c = std::process::Command::new(&exe_abs);
            c.arg0(first.as_os_str());
            c
        }
    };
    let status = command.args(args).env_remove("INNATIVE_WASI_ENV").status();
    match status {
        Ok(s) => match (s.code(), s.signal()) {
            (Some(code), _) => code,
            (None, Some(sig)) => 128 + sig,
            _ => EXIT_ERROR,
        },
        Err(e) => {
            eprintln!(
                "{}",
                Error::in_file(&exe, format!("cannot run the compiled program: {e}"))
            );
            EXIT_ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn compile_job_of(s: &str) -> Job {
        match parse(&args(s)) {
            Ok(Action::Compile { job }) => job,
            other => panic!("{s}: expected compile, got {other:?}"),
        }
    }

    #[test]
    fn modern_compile_flags() {
        let j = compile_job_of("compile -O3 -g --shared --sys env -w env:putchar --start m:go -l a.a --shared-lib b.so -v x.wasm y.wat -o out.so");
        assert_eq!(j.opts.opt_level, OptLevel::O3);
        assert!(j.opts.debug && j.opts.verbose);
        assert_eq!(j.opts.kind, OutputKind::SharedLibrary);
        assert_eq!(j.opts.system_module.as_deref(), Some("env"));
        assert_eq!(j.whitelist, vec!["env:putchar"]);
        assert_eq!(j.start.as_deref(), Some("m:go"));
        assert_eq!(j.opts.libs, vec![PathBuf::from("a.a")]);
        assert_eq!(j.opts.shared_libs, vec![PathBuf::from("b.so")]);
        assert_eq!(
            j.inputs,
            vec![PathBuf::from("x.wasm"), PathBuf::from("y.wat")]
        );
        assert_eq!(j.output, Some(PathBuf::from("out.so")));
        let j = compile_job_of("compile -Os --object x.wasm");
        assert_eq!(j.opts.opt_level, OptLevel::Os);
        assert_eq!(j.opts.kind, OutputKind::Object);
        let j = compile_job_of("compile x.wasm");
        assert_eq!(j.opts.opt_level, OptLevel::O2);
        assert_eq!(j.opts.kind, OutputKind::Executable);
    }

    #[test]
    fn wasi_dirs_and_header() {
        let j = compile_job_of("compile --dir data --dir /srv/x::x --header out/lib.h x.wasm");
        assert_eq!(j.opts.preopens, vec!["data", "/srv/x::x"]);
        assert_eq!(j.header, Some(PathBuf::from("out/lib.h")));
        let j = compile_job_of("x.wasm --dir a::b --header h.h -f o3");
        assert_eq!(j.opts.preopens, vec!["a::b"]);
        assert_eq!(j.header, Some(PathBuf::from("h.h")));
        match parse(&args("run --dir . prog.wasm --dir not-an-option")).unwrap() {
            Action::Run { job, args } => {
                assert_eq!(job.opts.preopens, vec!["."]);
                assert_eq!(args, vec!["--dir", "not-an-option"]);
            }
            a => panic!("{a:?}"),
        }
        for bad in [
            "compile --shared --dir . x.wasm",
            "compile --object --dir . x.wasm",
            "x.wasm -f library --dir .",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
        assert!(check_preopens(&["a".into(), "a::b".into()]).is_ok());
        for bad in ["", "::b", "a::"] {
            assert!(check_preopens(&[bad.into()]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn modern_errors_are_one_line() {
        for bad in [
            "compile --frobnicate x.wasm",
            "compile",
            "compile -O7 x.wasm",
            "compile --shared --object x",
            "nosuch",
        ] {
            if let Err(Usage(msg)) = parse(&args(bad)) {
                assert!(!msg.contains('\n'), "{bad}: {msg}");
            } else if bad != "nosuch" {
                panic!("{bad} parsed");
            }
        }
    }

    #[test]
    fn run_passes_trailing_args() {
        match parse(&args("run -O1 prog.wasm a -b --c")).unwrap() {
            Action::Run { job, args } => {
                assert_eq!(job.inputs, vec![PathBuf::from("prog.wasm")]);
                assert_eq!(job.opts.opt_level, OptLevel::O1);
                assert_eq!(args, vec!["a", "-b", "--c"]);
            }
            a => panic!("{a:?}"),
        }
        match parse(&args("run prog.wasm -- a b")).unwrap() {
            Action::Run { args, .. } => assert_eq!(args, vec!["a", "b"]),
            a => panic!("{a:?}"),
        }
        // Words after FILE that look like innative's options are the program's.
        match parse(&args("run -o out --sys env prog.wasm -v -O3 --dir x -- y")).unwrap() {
            Action::Run { job, args } => {
                assert_eq!(job.inputs, vec![PathBuf::from("prog.wasm")]);
                assert_eq!(job.output, Some(PathBuf::from("out")));
                assert!(!job.opts.verbose);
                assert_eq!(args, vec!["-v", "-O3", "--dir", "x", "--", "y"]);
            }
            a => panic!("{a:?}"),
        }
    }

    #[test]
    fn wast_jobs() {
        match parse(&args("wast -j 3 -v -O2 a.wast b.wast")).unwrap() {
            Action::Wast {
                files,
                jobs,
                verbose,
                opt_level,
                in_process,
                standard,
            } => {
                assert!(!in_process);
                assert_eq!(opt_level, Some(OptLevel::O2));
                assert_eq!(files.len(), 2);
                assert_eq!(jobs, 3);
                assert!(verbose);
                assert_eq!(standard, None);
            }
            a => panic!("{a:?}"),
        }
        match parse(&args("wast --standard 2.0 a.wast")).unwrap() {
            Action::Wast { standard, .. } => {
                assert_eq!(standard, Some(crate::validate::Standard::V2))
            }
            a => panic!("{a:?}"),
        }
        assert!(parse(&args("wast --standard 4.0 a.wast")).is_err());
    }

    #[test]
    fn default_outputs() {
        assert_eq!(
            default_output(
                Path::new("dir/app.wasm"),
                OutputKind::Executable,
                &Default::default()
            ),
            PathBuf::from("app")
        );
        assert_eq!(
            default_output(
                Path::new("lib.wat"),
                OutputKind::SharedLibrary,
                &Default::default()
            ),
            PathBuf::from("lib.so")
        );
        assert_eq!(
            default_output(Path::new("x.wasm"), OutputKind::Object, &Default::default()),
            PathBuf::from("x.o")
        );
    }

    #[test]
    fn whitelist_and_start_resolution() {
        let mut job =
            compile_job_of("compile --sys env -w printf -w m:f -w whole: --start go x.wasm");
        let input = Input {
            path: "dir/x.wasm".into(),
            bytes: vec![],
            text: None,
            name: None,
        };
        resolve_names(&mut job, &[input]).unwrap();
        assert_eq!(
            job.opts.whitelist,
            Some(vec![
                ("env".into(), "printf".into()),
                ("m".into(), "f".into()),
                ("whole".into(), "".into())
            ])
        );
        assert_eq!(job.opts.start, Some(("x".into(), "go".into())));
    }
}
