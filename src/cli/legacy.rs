//! inNative's command-line spellings (`innative-cmd`), translated into the
//! same [`Action`]s as the subcommands.
//!
//! Inputs are the arguments without a leading dash.  Options that take
//! several values (`-f`, `-l`, `-shared-lib`, `-w`) take the arguments that
//! follow them up to the next option; they stop early at an argument that
//! looks like an input module (`.wasm`, `.wat`, `.wast`) or, for `-f`, at a
//! word that is not a flag name, so `innative -f o3 app.wasm` works too.
//! The modern long options (`--shared`, `--sys`, `-O3`, `-g`, ...) are
//! accepted here as well.  Anything else that starts with a dash is an error.

use super::{help_text, Action, Job, Usage};
use crate::options::{OptLevel, OutputKind};
use std::collections::VecDeque;
use std::path::PathBuf;

/// inNative's `-f` flags and what they do here.
enum Flag {
    Debug,
    /// `debug_pdb`: debug info as PDB, which needs a Windows target.
    DebugPdb,
    Library,
    Level(OptLevel),
    BoundsChecks,
    /// Turns the C-import whitelist on.
    Whitelist,
    /// `sandbox` / `strict`: whitelist on + explicit memory bounds checks (the
    /// other checks they imply are always on in innative).
    Sandbox,
    /// A check innative always performs, or a transformation it never does.
    AlwaysOn,
    /// Known to inNative, not implemented here yet.
    NotYet,
}

fn flag(name: &str) -> Option<Flag> {
    Some(match name.to_ascii_lowercase().as_str() {
        "debug" | "debug_dwarf" => Flag::Debug,
        "library" => Flag::Library,
        "o0" => Flag::Level(OptLevel::O0),
        "o1" => Flag::Level(OptLevel::O1),
        "o2" => Flag::Level(OptLevel::O2),
        "o3" => Flag::Level(OptLevel::O3),
        "os" => Flag::Level(OptLevel::Os),
        "check_memory_access" => Flag::BoundsChecks,
        "whitelist" => Flag::Whitelist,
        "sandbox" | "strict" => Flag::Sandbox,
        // Traps on stack exhaustion, bad float truncation, bad indirect calls
        // and integer division are part of the semantics innative implements
        // unconditionally; it never emits tail calls.
        "check_stack_overflow"
        | "check_float_trunc"
        | "check_indirect_call"
        | "check_int_division"
        | "disable_tail_call" => Flag::AlwaysOn,
        "debug_pdb" => Flag::DebugPdb,
        "multithreaded" | "llvm" | "noinit" | "fastmath" => Flag::NotYet,
        _ => return None,
    })
}

/// inNative options this compiler does not implement yet (each takes the
/// number of values given here, consumed only so the error names the option).
const NOT_YET: &[&str] = &[
    "-generate-loader",
    "-linker",
    "-i",
    "-install",
    "-u",
    "-uninstall",
    "-sdk",
    "-library-dir",
    "-obj",
    "-obj-dir",
    "-object-dir",
    "-intermediate-dir",
    "-compile-llvm",
];

fn is_option(s: &str) -> bool {
    s.starts_with('-') && s.len() > 1
}

fn looks_like_module(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.ends_with(".wasm") || l.ends_with(".wat") || l.ends_with(".wast")
}

struct Tokens(VecDeque<String>);

impl Tokens {
    /// The required value of `opt`.
    fn value(&mut self, opt: &str, what: &str) -> Result<String, Usage> {
        match self.0.front() {
            Some(v) if !is_option(v) => Ok(self.0.pop_front().unwrap()),
            _ => Err(Usage(format!("option '{opt}' needs {what}"))),
        }
    }

    /// One or more values of `opt`: up to the next option or input module.
    fn values(&mut self, opt: &str, what: &str) -> Result<Vec<String>, Usage> {
        let mut out = vec![self.value(opt, what)?];
        while let Some(v) = self.0.front() {
            if is_option(v) || v == "--" || looks_like_module(v) {
                break;
            }
            out.push(self.0.pop_front().unwrap());
        }
        Ok(out)
    }
}

/// Parses inNative-style arguments.
pub(crate) fn parse(args: &[String]) -> Result<Action, Usage> {
    let mut t = Tokens(args.iter().cloned().collect());
    let mut job = Job::default();
    let mut run = false;
    let mut program_args = Vec::new();
    let mut shared = false;
    let mut object = false;

    while let Some(tok) = t.0.pop_front() {
        // `--name=value` → `--name value`.
        let tok = match tok.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                t.0.push_front(value.to_string());
                name.to_string()
            }
            _ => tok,
        };
        match tok.as_str() {
            "--" => {
                program_args.extend(t.0.drain(..));
            }
            "-r" | "-run" | "--run" => run = true,
            "-f" | "-flag" | "-flags" => {
                let first = t.value(&tok, "a flag name")?;
                apply_flag(&first, &mut job, &mut shared)?;
                while let Some(next) = t.0.front() {
                    if is_option(next) || flag(next).is_none() {
                        break;
                    }
                    let next = t.0.pop_front().unwrap();
                    apply_flag(&next, &mut job, &mut shared)?;
                }
            }
            "-o" | "-out" | "-output" | "--output" => {
                job.output = Some(PathBuf::from(t.value(&tok, "a file name")?));
            }
            "-l" | "-lib" | "-libs" | "-library" => {
                job.opts.libs.extend(
                    t.values(&tok, "a library file")?
                        .into_iter()
                        .map(PathBuf::from),
                );
            }
            "--lib" => job.opts.libs.push(t.value(&tok, "a library file")?.into()),
            "-shared-lib" | "-shared-libs" | "-shared-library" => {
                job.opts.shared_libs.extend(
                    t.values(&tok, "a library file")?
                        .into_iter()
                        .map(PathBuf::from),
                );
            }
            "--shared-lib" => job
                .opts
                .shared_libs
                .push(t.value(&tok, "a library file")?.into()),
            "-v" | "-verbose" | "--verbose" => job.opts.verbose = true,
            "-w" | "-whitelist" => {
                job.whitelist.extend(t.values(&tok, "[MODULE:]FUNCTION")?);
                job.whitelist_on = true;
            }
            "--whitelist" => {
                job.whitelist.push(t.value(&tok, "MODULE:FUNCTION")?);
                job.whitelist_on = true;
            }
            "-sys" | "-system" | "--sys" => {
                job.opts.system_module = Some(t.value(&tok, "a module name")?);
            }
            "-start" | "--start" => job.start = Some(t.value(&tok, "[MODULE:]FUNCTION")?),
            "-serialize" => {
                // inNative: `-serialize [FILE|emitdebug]` writes every module
                // as text in addition to compiling it.
                // FILE is the next word unless it is an option or an input
                // module; a `.wat` after the inputs is FILE (`app.wasm
                // -serialize app.wat`).
                let mut req = super::serialize::Request::default();
                if let Some(v) = t.0.front() {
                    let wat_after_inputs =
                        v.to_ascii_lowercase().ends_with(".wat") && !job.inputs.is_empty();
                    if !is_option(v) && (!looks_like_module(v) || wat_after_inputs) {
                        let v = t.0.pop_front().unwrap();
                        if v.eq_ignore_ascii_case("emitdebug") {
                            req.emit_debug = true;
                        } else {
                            req.output = Some(PathBuf::from(v));
                        }
                    }
                }
                job.serialize = Some(req);
            }
            "-build-sourcemap" => {
                return Ok(Action::BuildSourcemap {
                    args: args.to_vec(),
                })
            }
            "-h" | "-help" | "--help" => return Ok(Action::Print(help_text())),
            // Modern spellings, accepted here too.
            "-g" | "--debug" => job.opts.debug = true,
            "-O0" => job.opts.opt_level = OptLevel::O0,
            "-O1" => job.opts.opt_level = OptLevel::O1,
            "-O2" => job.opts.opt_level = OptLevel::O2,
            "-O3" => job.opts.opt_level = OptLevel::O3,
            "-Os" => job.opts.opt_level = OptLevel::Os,
            "--shared" => shared = true,
            "--object" => object = true,
            "--bounds-checks" => job.opts.bounds_checks = true,
            "--source-map" => job
                .opts
                .source_maps
                .push(t.value(&tok, "a source map file")?.into()),
            "--prefer-source-map" => job.opts.prefer_source_map = true,
            "--dir" => job.opts.preopens.push(t.value(&tok, "HOST[::GUEST]")?),
            "--env" => job.opts.env.push(t.value(&tok, "K[=V]")?),
            "--inherit-env" => job.opts.inherit_env = true,
            "--header" => job.header = Some(t.value(&tok, "a header file")?.into()),
            "--target" => {
                let triple = t.value(&tok, "a target triple")?;
                let cpu = job.opts.target.cpu.take();
                let features = std::mem::take(&mut job.opts.target.features);
                job.opts.target = crate::target::Target::parse_triple(&triple).map_err(Usage)?;
                job.opts.target.cpu = cpu;
                job.opts.target.features = features;
            }
            "-abi" | "-platform" => {
                let abi = t.value(&tok, "an ABI (linux, windows)")?;
                job.opts.target.set_abi(&abi).map_err(Usage)?;
            }
            "-arch" | "-architecture" => {
                let arch = t.value(&tok, "an architecture (x86_64, aarch64)")?;
                job.opts.target.set_arch(&arch).map_err(Usage)?;
            }
            "-cpu" | "-cpu-name" | "--cpu" => {
                job.opts.target.cpu = Some(t.value(&tok, "a CPU name")?);
            }
            "-cpu-feature" | "-cpu-features" | "--cpu-feature" => {
                // Values start with + or -: take the words up to the next
                // option-looking word that is not a feature, or an input.
                let first =
                    t.0.pop_front()
                        .ok_or_else(|| Usage(format!("option '{tok}' needs a CPU feature")))?;
                job.opts.target.add_features(&first).map_err(Usage)?;
                while let Some(v) = t.0.front() {
                    let feature_like = v.len() > 1
                        && (v.starts_with('+') || !is_option(v))
                        && !looks_like_module(v)
                        && v != "--";
                    if !feature_like {
                        break;
                    }
                    let v = t.0.pop_front().unwrap();
                    job.opts.target.add_features(&v).map_err(Usage)?;
                }
            }
            other if NOT_YET.contains(&other) => {
                return Err(Usage(format!("option '{other}' is not supported yet")));
            }
            other if is_option(other) => {
                return Err(Usage(format!(
                    "unknown option '{other}' (try 'innative --help')"
                )));
            }
            _ => job.inputs.push(PathBuf::from(tok)),
        }
    }

    if job.inputs.is_empty() {
        return Err(Usage("no input files (try 'innative --help')".into()));
    }
    if job.pdb_requested && !job.opts.target.is_windows() {
        return Err(Usage(format!(
            "flag 'debug_pdb' needs a Windows target (-abi windows); {} writes DWARF (-f debug)",
            job.opts.target
        )));
    }
    if let Some(req) = &job.serialize {
        if req.output.is_some() && job.inputs.len() > 1 {
            return Err(Usage(
                "-serialize FILE names the text of a single module; with several inputs use                  -serialize alone (each module goes to <stem>.wat)"
                    .into(),
            ));
        }
    }
    if shared && object {
        return Err(Usage(
            "'--shared' (-f library) and '--object' cannot be used together".into(),
        ));
    }
    job.opts.kind = if shared {
        OutputKind::SharedLibrary
    } else if object {
        OutputKind::Object
    } else {
        OutputKind::Executable
    };
    super::check_dirs_kind(&job)?;
    if run {
        if job.opts.kind != OutputKind::Executable {
            return Err(Usage(
                "'-r' runs an executable; it cannot be combined with '-f library' or '--object'"
                    .into(),
            ));
        }
        return Ok(Action::Run {
            job,
            args: program_args,
        });
    }
    if !program_args.is_empty() {
        return Err(Usage(format!(
            "unexpected arguments after '--' ({}) without '-r'",
            program_args.join(" ")
        )));
    }
    Ok(Action::Compile { job })
}

fn apply_flag(name: &str, job: &mut Job, shared: &mut bool) -> Result<(), Usage> {
    match flag(name) {
        Some(Flag::Debug) => job.opts.debug = true,
        Some(Flag::DebugPdb) => {
            job.opts.debug = true;
            job.pdb_requested = true;
        }
        Some(Flag::Library) => *shared = true,
        Some(Flag::Level(l)) => job.opts.opt_level = l,
        Some(Flag::BoundsChecks) => job.opts.bounds_checks = true,
        Some(Flag::Whitelist) => job.whitelist_on = true,
        Some(Flag::Sandbox) => {
            job.whitelist_on = true;
            job.opts.bounds_checks = true;
        }
        Some(Flag::AlwaysOn) => {}
        Some(Flag::NotYet) => return Err(Usage(format!("flag '{name}' is not supported yet"))),
        None => {
            return Err(Usage(format!(
                "unknown flag '{name}' (flags: debug library o0 o1 o2 o3 os check_memory_access \
                 whitelist sandbox strict ...; see 'innative --help')"
            )))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Action, Usage> {
        parse(&s.split_whitespace().map(String::from).collect::<Vec<_>>())
    }

    fn job(s: &str) -> Job {
        match parse_str(s) {
            Ok(Action::Compile { job }) => job,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn innative_examples() {
        let j = job("app.wasm -o app -f o3");
        assert_eq!(j.inputs, vec![PathBuf::from("app.wasm")]);
        assert_eq!(j.output, Some(PathBuf::from("app")));
        assert_eq!(j.opts.opt_level, OptLevel::O3);

        let j = job("lib.wasm -f library");
        assert_eq!(j.opts.kind, OutputKind::SharedLibrary);

        let j = job("yourfile.wat -flag debug o3");
        assert!(j.opts.debug);
        assert_eq!(j.opts.opt_level, OptLevel::O3);

        let j = job("-f o0 debug app.wasm -v");
        assert_eq!(j.inputs, vec![PathBuf::from("app.wasm")]);
        assert!(j.opts.debug && j.opts.verbose);
        assert_eq!(j.opts.opt_level, OptLevel::O0);

        match parse_str("-r app.wasm").unwrap() {
            Action::Run { job, args } => {
                assert_eq!(job.inputs, vec![PathBuf::from("app.wasm")]);
                assert!(args.is_empty());
            }
            a => panic!("{a:?}"),
        }
        match parse_str("yourfile.wat -flag debug o3 -run -- x y").unwrap() {
            Action::Run { job, args } => {
                assert!(job.opts.debug);
                assert_eq!(args, vec!["x", "y"]);
            }
            a => panic!("{a:?}"),
        }
    }

    #[test]
    fn target_spellings() {
        let j = job("app.wasm -arch arm64 -abi linux -cpu cortex-a72 -cpu-feature +crc sve -cpu-feature -lse");
        assert_eq!(j.opts.target.name(), "aarch64-linux-gnu");
        assert_eq!(j.opts.target.cpu.as_deref(), Some("cortex-a72"));
        assert_eq!(j.opts.target.features, vec!["+crc", "+sve", "-lse"]);
        let j = job("app.wasm -f debug_pdb -abi windows");
        assert!(j.opts.debug && j.opts.target.is_windows());
        let j = job("--target x86_64-w64-mingw32 app.wasm");
        assert_eq!(j.opts.target.name(), "x86_64-windows-gnu");
        match parse_str("app.wasm -f debug_pdb") {
            Err(Usage(m)) => assert!(m.contains("needs a Windows target"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn multi_value_options() {
        let j = job("-l a.a b.a app.wasm -shared-lib c.so -w env:f g -sys env -start main");
        assert_eq!(
            j.opts.libs,
            vec![PathBuf::from("a.a"), PathBuf::from("b.a")]
        );
        assert_eq!(j.opts.shared_libs, vec![PathBuf::from("c.so")]);
        assert_eq!(j.inputs, vec![PathBuf::from("app.wasm")]);
        assert_eq!(j.whitelist, vec!["env:f", "g"]);
        assert!(j.whitelist_on);
        assert_eq!(j.opts.system_module.as_deref(), Some("env"));
        assert_eq!(j.start.as_deref(), Some("main"));
        let j = job("a.wasm b.wat -f check_memory_access --sys=env -O1 -g");
        assert_eq!(j.inputs.len(), 2);
        assert!(j.opts.bounds_checks && j.opts.debug);
        assert_eq!(j.opts.system_module.as_deref(), Some("env"));
        assert_eq!(j.opts.opt_level, OptLevel::O1);
        let j = job("a.wasm -f whitelist");
        assert!(j.whitelist_on && j.whitelist.is_empty());
    }

    #[test]
    fn errors() {
        let cases = [
            ("app.wasm -frobnicate", "unknown option '-frobnicate'"),
            ("app.wasm -f nosuchflag", "unknown flag 'nosuchflag'"),
            ("app.wasm -f noinit", "flag 'noinit' is not supported yet"),
            (
                "app.wasm -f fastmath",
                "flag 'fastmath' is not supported yet",
            ),
            (
                "app.wasm -linker ld",
                "option '-linker' is not supported yet",
            ),
            ("app.wasm -o", "option '-o' needs a file name"),
            ("-f library", "no input files"),
            ("-r lib.wasm -f library", "cannot be combined"),
            ("app.wasm -- x", "without '-r'"),
        ];
        for (args, want) in cases {
            match parse_str(args) {
                Err(Usage(msg)) => assert!(msg.contains(want), "{args}: {msg}"),
                Ok(a) => panic!("{args}: parsed as {a:?}"),
            }
        }
    }

    #[test]
    fn routes_provenance_tools() {
        let j = job("app.wasm -serialize emitdebug -f o0");
        let req = j.serialize.expect("serialize request");
        assert!(req.emit_debug && req.output.is_none());
        assert_eq!(j.opts.opt_level, OptLevel::O0);
        let j = job("-serialize out.txt app.wasm");
        assert_eq!(
            j.serialize.and_then(|r| r.output),
            Some(PathBuf::from("out.txt"))
        );
        assert_eq!(j.inputs, vec![PathBuf::from("app.wasm")]);
        let j = job("app.wasm -serialize out.wat");
        assert_eq!(
            j.serialize.and_then(|r| r.output),
            Some(PathBuf::from("out.wat"))
        );
        assert_eq!(j.inputs, vec![PathBuf::from("app.wasm")]);
        let j = job("-serialize prog.wat");
        assert_eq!(j.inputs, vec![PathBuf::from("prog.wat")]);
        let j = job("-serialize app.wasm");
        assert_eq!(j.serialize, Some(Default::default()));
        assert!(parse_str("a.wasm b.wasm -serialize x.txt").is_err());
        match parse_str("-r app.wasm -serialize").unwrap() {
            Action::Run { job, .. } => assert!(job.serialize.is_some()),
            a => panic!("{a:?}"),
        }
        assert!(matches!(
            parse_str("-build-sourcemap app").unwrap(),
            Action::BuildSourcemap { .. }
        ));
    }
}
