//! `innative build-sourcemap` (inNative: `-build-sourcemap`): a source map
//! v3 from the DWARF line tables of a wasm module or of an ELF object,
//! executable or shared library.  The work is in the `innative-sourcemap`
//! crate; this is the command line.
//!
//! Generated positions: for wasm, line 1 and column = byte offset of the
//! instruction in the `.wasm` file (emscripten's convention; with
//! `--wasm-out`, in that file); for ELF, line 1 and column = virtual
//! address, or for a relocatable object the offset inside the section that
//! holds the code (an object built with `-ffunction-sections` has one such
//! section per function, so positions of different functions can coincide).

use crate::error::Error;
use clap::{Args, Parser};
use innative_sourcemap::build::{parse_prefix, BuildOptions, InputKind};
use innative_sourcemap::driver::{self, Request};
use std::path::PathBuf;

/// Options of `innative build-sourcemap`.
#[derive(Args, Debug, Clone, Default)]
pub struct BuildArgs {
    /// Inputs: .wasm modules with DWARF (clang -g), or ELF objects,
    /// executables or shared libraries with DWARF.
    #[arg(value_name = "IN", required = true)]
    pub inputs: Vec<PathBuf>,

    /// The map to write (one input only).  Default: IN.map beside the input.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Rewrite source paths in the map: a path starting with OLD starts with
    /// NEW instead (`OLD` alone strips it).  The first matching prefix
    /// applies.  Repeatable.
    #[arg(long = "prefix", value_name = "OLD=NEW")]
    pub prefix: Vec<String>,

    /// Embed the sources' text (`sourcesContent`); a source that cannot be
    /// read is written as null.
    #[arg(long)]
    pub sources: bool,

    /// Where --sources reads a source from: OLD=NEW rewrites the path as
    /// --prefix does (applied to the path in the DWARF).  Repeatable.
    #[arg(long = "load-prefix", value_name = "OLD=NEW")]
    pub load_prefix: Vec<String>,

    /// Function names in the map's `names` (on each function's first
    /// mapping): the name section's for wasm, the symbol table's for ELF.
    #[arg(long)]
    pub names: bool,

    /// (wasm) Write the module again, to FILE, with a `sourceMappingURL`
    /// section; the map's columns are then offsets in FILE.
    #[arg(long = "wasm-out", value_name = "FILE")]
    pub wasm_out: Option<PathBuf>,

    /// (with --wasm-out) The URL to put in the `sourceMappingURL` section.
    /// Default: the map's file name when it is in FILE's directory, else
    /// its absolute path.
    #[arg(long = "source-map-url", value_name = "URL", requires = "wasm_out")]
    pub source_map_url: Option<String>,

    /// (with --wasm-out) Leave the `.debug_*` sections out of FILE.
    #[arg(long, requires = "wasm_out")]
    pub strip: bool,

    /// Say what was written, on stderr.
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

#[derive(Parser, Debug)]
#[command(
    name = "innative build-sourcemap",
    about = "Build a source map (v3) from the DWARF line tables of a wasm module or an ELF file",
    long_about = None
)]
struct Cli {
    #[command(flatten)]
    args: BuildArgs,
}

/// The outcome of parsing: arguments, or text to print (help), or a usage
/// error.
pub enum Parsed {
    Args(BuildArgs),
    Print(String),
    Usage(String),
}

/// Parses the arguments that follow `build-sourcemap`.
pub fn parse(args: &[String]) -> Parsed {
    let argv = std::iter::once("innative build-sourcemap".to_string()).chain(args.iter().cloned());
    match Cli::try_parse_from(argv) {
        Ok(cli) => Parsed::Args(cli.args),
        Err(e) => {
            use clap::error::ErrorKind;
            match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    Parsed::Print(e.render().to_string())
                }
                _ => {
                    let text = e.render().to_string();
                    let first = text
                        .lines()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("invalid command line")
                        .trim()
                        .trim_start_matches("error: ")
                        .to_string();
                    Parsed::Usage(format!(
                        "build-sourcemap: {first} (try 'innative build-sourcemap --help')"
                    ))
                }
            }
        }
    }
}

/// inNative's spelling: `innative FILE... -build-sourcemap [-o OUT]`; every
/// argument not starting with a dash is an input, `-o`/`-out`/`-output`
/// names the map, and the modern options above are accepted too.
pub fn parse_legacy(args: &[String]) -> Parsed {
    let mut modern = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-build-sourcemap" => {}
            "-o" | "-out" | "-output" => {
                modern.push("-o".to_string());
                if let Some(v) = it.next() {
                    modern.push(v.clone());
                }
            }
            "-v" | "-verbose" => modern.push("-v".to_string()),
            _ => modern.push(a.clone()),
        }
    }
    parse(&modern)
}

/// Runs `build-sourcemap` with the words that follow it (or, for inNative's
/// spelling, the whole command line); returns the exit code.
pub fn main(args: &[String]) -> i32 {
    let parsed = if args.iter().any(|a| a == "-build-sourcemap") {
        parse_legacy(args)
    } else {
        parse(args)
    };
    let args = match parsed {
        Parsed::Args(a) => a,
        Parsed::Print(text) => {
            print!("{text}");
            return 0;
        }
        Parsed::Usage(msg) => {
            eprintln!("{}", Error::new(msg));
            return crate::error::EXIT_USAGE;
        }
    };
    match run(&args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{e}");
            crate::error::EXIT_ERROR
        }
    }
}

/// Builds the map of every input.
pub fn run(args: &BuildArgs) -> Result<(), Error> {
    if args.inputs.len() > 1 && (args.output.is_some() || args.wasm_out.is_some()) {
        return Err(Error::new(
            "build-sourcemap: -o and --wasm-out take one input (with several, each map is IN.map)",
        ));
    }
    let opts = BuildOptions {
        prefixes: args.prefix.iter().map(|p| parse_prefix(p)).collect(),
        load_prefixes: args.load_prefix.iter().map(|p| parse_prefix(p)).collect(),
        sources_content: args.sources,
        names: args.names,
        file: None,
    };
    for input in &args.inputs {
        let output = args.output.clone().unwrap_or_else(|| {
            let mut s = input.clone().into_os_string();
            s.push(".map");
            PathBuf::from(s)
        });
        let req = Request {
            input: input.clone(),
            output: output.clone(),
            opts: opts.clone(),
            wasm_out: args.wasm_out.clone(),
            url: args.source_map_url.clone(),
            strip: args.strip,
        };
        let report = driver::run(&req).map_err(|e| Error::in_file(input, e))?;
        for w in &report.warnings {
            eprintln!("{}: warning: {w}", input.display());
        }
        if report.stats.missing_sources > 0 {
            eprintln!(
                "{}: warning: {} of {} sources could not be read for --sources (null in sourcesContent; see --load-prefix)",
                input.display(),
                report.stats.missing_sources,
                report.stats.sources
            );
        }
        if args.verbose {
            let what = match report.kind {
                InputKind::Wasm => "wasm".to_string(),
                InputKind::Elf { relocatable: true } => "ELF relocatable object".to_string(),
                InputKind::Elf { relocatable: false } => "ELF".to_string(),
            };
            eprintln!(
                "innative: {} ({what}): {} rows -> {} mappings, {} sources, {} names -> {}",
                input.display(),
                report.rows,
                report.stats.mappings,
                report.stats.sources,
                report.stats.names,
                output.display()
            );
            if let (Some(out), Some(url)) = (&args.wasm_out, &report.url) {
                eprintln!(
                    "innative: wrote {} (sourceMappingURL {url}{})",
                    out.display(),
                    if args.strip { ", DWARF stripped" } else { "" }
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_both_spellings() {
        let Parsed::Args(a) = parse(&words(
            "a.wasm -o a.map --prefix /src=src --sources --names --wasm-out b.wasm --source-map-url b.map --strip",
        )) else {
            panic!()
        };
        assert_eq!(a.inputs, vec![PathBuf::from("a.wasm")]);
        assert!(a.sources && a.names && a.strip);
        assert_eq!(a.source_map_url.as_deref(), Some("b.map"));
        let Parsed::Args(a) = parse_legacy(&words("app.o -build-sourcemap -out app.map")) else {
            panic!()
        };
        assert_eq!(a.inputs, vec![PathBuf::from("app.o")]);
        assert_eq!(a.output, Some(PathBuf::from("app.map")));
        assert!(matches!(parse(&words("a.wasm --strip")), Parsed::Usage(_)));
        assert!(matches!(parse(&words("--help")), Parsed::Print(_)));
        assert!(matches!(parse(&[]), Parsed::Usage(_)));
    }
}
