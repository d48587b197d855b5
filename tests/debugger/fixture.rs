//! Builds a debugger fixture (`fixtures/debug/<name>/`) twice: natively with
//! clang-19 (the reference) and through innative (clang-19 → wasm32-wasi →
//! `innative compile -g`).  Both compiles run in the fixture directory with
//! relative file names, so DW_AT_name/comp_dir — and the file names the
//! debuggers show — are the same.  A fixture with `*.cpp` files is C++:
//! both builds use clang++-19 without the C++ library (see [`CXX_FLAGS`]).

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Opt {
    O0,
    O2,
}

impl Opt {
    pub fn flag(self) -> &'static str {
        match self {
            Opt::O0 => "-O0",
            Opt::O2 => "-O2",
        }
    }
}

/// Another architecture: both builds are made for `triple` and run under
/// `emulator`; debuggers connect to it remotely (`session::run_remote`).
#[derive(Clone, Debug)]
pub struct Cross {
    /// As `clang-19 --target` and `innative --target` take it.
    pub triple: &'static str,
    /// The emulator command that runs a program (`qemu-aarch64 -L SYSROOT`).
    pub emulator: Vec<String>,
    /// The target's C library root, for gdb's `set sysroot`.
    pub sysroot: &'static str,
}

impl Cross {
    /// aarch64 Linux under qemu-user, with Debian's cross C library.
    pub fn aarch64() -> Cross {
        let sysroot = "/usr/aarch64-linux-gnu";
        Cross {
            triple: "aarch64-linux-gnu",
            emulator: vec!["qemu-aarch64".into(), "-L".into(), sysroot.into()],
            sysroot,
        }
    }
}

pub struct Built {
    pub name: String,
    /// `Some` when built for another architecture.
    pub cross: Option<Cross>,
    /// Keeps the outputs alive; removed when dropped.
    pub dir: tempfile::TempDir,
    pub native: PathBuf,
    pub innative: PathBuf,
    pub wasm: PathBuf,
    /// Full (canonical) paths of every source file in the fixture directory
    /// (.c, .cpp, .h, .hpp): a frame is the program's own when its file is
    /// one of them.
    pub own_paths: Vec<String>,
    /// (basename, number of lines) of each own file.
    pub lines: Vec<(String, usize)>,
    /// The file that defines `main`.
    pub main_file: String,
    /// Functions defined (or inlined) in the own files, from the native
    /// build's DWARF, `main` excluded.
    pub functions: Vec<String>,
}

pub fn source_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("debug")
        .join(name)
}

/// Every fixture directory under `fixtures/debug/`, sorted.
pub fn all() -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/debug"))
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.path().is_dir())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
    v.sort();
    v
}

pub fn run(cmd: &mut Command, what: &str) -> Result<(String, f64), String> {
    let t = std::time::Instant::now();
    let o = cmd
        .output()
        .map_err(|e| format!("{what}: cannot run {cmd:?}: {e}"))?;
    let secs = t.elapsed().as_secs_f64();
    if !o.status.success() {
        return Err(format!(
            "{what} failed ({:?}): {cmd:?}\n{}{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    Ok((String::from_utf8_lossy(&o.stdout).into_owned(), secs))
}

pub fn innative_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_innative"))
}

/// Where cargo puts its outputs (the directory holding `debug/innative`).
pub fn target_dir() -> PathBuf {
    let bin = innative_bin();
    bin.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// The files compiled by both builds: `*.c` and `*.cpp` of the fixture,
/// sorted.
fn c_sources(src: &Path) -> Result<Vec<String>, String> {
    let mut v: Vec<String> = std::fs::read_dir(src)
        .map_err(|e| format!("{}: {e}", src.display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".c") || n.ends_with(".cpp"))
        .collect();
    v.sort();
    Ok(v)
}

/// Flags of both builds of a C++ fixture: wasi-libc has no C++ library
/// (no libc++/libc++abi for wasm32 here), so the fixtures use none — no
/// exceptions, no RTTI, no `new` — and neither build links one.
pub const CXX_FLAGS: [&str; 3] = ["-fno-exceptions", "-fno-rtti", "-nostdlib++"];

/// The compiler for `sources` (clang++-19 when any is C++) and its extra
/// flags.
fn compiler(sources: &[String]) -> (&'static str, &'static [&'static str]) {
    if sources.iter().any(|s| s.ends_with(".cpp")) {
        ("clang++-19", &CXX_FLAGS)
    } else {
        ("clang-19", &[])
    }
}

/// `clang-19 --target=wasm32-wasi -g OPT -ftrivial-auto-var-init=zero *.c -o out`
/// (clang++-19 and [`CXX_FLAGS`] for C++) in the fixture directory; returns
/// the seconds it took.
pub fn compile_wasm(name: &str, opt: Opt, out: &Path) -> Result<f64, String> {
    let src = source_dir(name);
    let sources = c_sources(&src)?;
    let (cc, extra) = compiler(&sources);
    let (_, secs) = run(
        Command::new(cc)
            .current_dir(&src)
            .args([
                "--target=wasm32-wasi",
                "-g",
                opt.flag(),
                "-ftrivial-auto-var-init=zero",
            ])
            .args(extra)
            .args(&sources)
            .arg("-o")
            .arg(out),
        &format!("{cc} --target=wasm32-wasi"),
    )?;
    Ok(secs)
}

pub fn build(name: &str, opt: Opt) -> Result<Built, String> {
    build_for(name, opt, None)
}

/// [`build`] for another architecture (`None`: the host).  The native
/// reference is `clang-19 --target=TRIPLE -fuse-ld=lld`.
pub fn build_for(name: &str, opt: Opt, cross: Option<&Cross>) -> Result<Built, String> {
    let src = source_dir(name);
    let sources = c_sources(&src)?;
    if sources.is_empty() {
        return Err(format!("no .c or .cpp files in {}", src.display()));
    }
    let dir = tempfile::Builder::new()
        .prefix(&format!("innative-dbg-{name}-{}-", opt.flag()))
        .tempdir()
        .map_err(|e| format!("temporary directory: {e}"))?;
    let native = dir.path().join("native");
    let wasm = dir.path().join("prog.wasm");
    let innative = dir.path().join("prog");
    let common = ["-g", opt.flag(), "-ftrivial-auto-var-init=zero"];
    let (cc, extra) = compiler(&sources);

    let cross_flags: Vec<String> = cross
        .map(|c| vec![format!("--target={}", c.triple), "-fuse-ld=lld".into()])
        .unwrap_or_default();
    run(
        Command::new(cc)
            .current_dir(&src)
            .args(&cross_flags)
            .args(common)
            .args(extra)
            .args(&sources)
            .arg("-o")
            .arg(&native),
        &format!("native {cc}"),
    )?;
    compile_wasm(name, opt, &wasm)?;
    let mut compile = Command::new(innative_bin());
    compile
        .args(["compile", "-g", opt.flag()])
        .args(cross.map(|c| ["--target", c.triple]).into_iter().flatten())
        .arg(&wasm)
        .arg("-o")
        .arg(&innative);
    run(&mut compile, "innative compile -g")?;

    let mut own: Vec<String> = std::fs::read_dir(&src)
        .map_err(|e| format!("{}: {e}", src.display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| [".c", ".cpp", ".h", ".hpp"].iter().any(|x| n.ends_with(x)))
        .collect();
    own.sort();
    let lines = own
        .iter()
        .map(|f| {
            let n = std::fs::read_to_string(src.join(f))
                .map(|t| t.lines().count())
                .unwrap_or(0);
            (f.clone(), n)
        })
        .collect();

    let canonical = src.canonicalize().unwrap_or(src.clone());
    let own_paths: Vec<String> = own
        .iter()
        .map(|f| canonical.join(f).to_string_lossy().into_owned())
        .collect();
    let (main_file, functions) = functions_of(&native, &own_paths)?;
    Ok(Built {
        name: name.to_string(),
        cross: cross.cloned(),
        dir,
        native,
        innative,
        wasm,
        own_paths,
        lines,
        main_file,
        functions,
    })
}

/// The subprograms of `exe`'s DWARF declared in the own files (definitions
/// and abstract inline instances, not declarations): (basename of the file
/// of main, the others).  `own`: full paths.
fn functions_of(exe: &Path, own: &[String]) -> Result<(String, Vec<String>), String> {
    let (text, _) = run(
        Command::new("llvm-dwarfdump-19")
            .arg("--debug-info")
            .arg(exe),
        "llvm-dwarfdump-19",
    )?;
    let mut main_file = None;
    let mut functions = Vec::new();
    let mut cur: Option<(Option<String>, Option<String>, bool)> = None;
    let mut finish = |cur: &mut Option<(Option<String>, Option<String>, bool)>| {
        if let Some((Some(name), Some(file), false)) = cur.take() {
            let path = Path::new(&file);
            let path = path
                .canonicalize()
                .unwrap_or(path.to_path_buf())
                .to_string_lossy()
                .into_owned();
            let base = Path::new(&file)
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if own.contains(&path) {
                if name == "main" {
                    main_file = Some(base);
                } else if !functions.contains(&name) {
                    functions.push(name);
                }
            }
        }
    };
    for line in text.lines() {
        let l = line.trim();
        if l.contains("DW_TAG_") || l.is_empty() {
            finish(&mut cur);
            if l.contains("DW_TAG_subprogram") {
                cur = Some((None, None, false));
            }
            continue;
        }
        if let Some(c) = cur.as_mut() {
            let value = || {
                l.split_once('(')
                    .map(|(_, v)| v.trim_end_matches(')').trim_matches('"').to_string())
            };
            if l.starts_with("DW_AT_name") {
                c.0 = value();
            } else if l.starts_with("DW_AT_decl_file") {
                c.1 = value();
            } else if l.starts_with("DW_AT_declaration") {
                c.2 = true;
            }
        }
    }
    finish(&mut cur);
    functions.sort();
    let main_file =
        main_file.ok_or_else(|| format!("no `main` in the DWARF of {}", exe.display()))?;
    Ok((main_file, functions))
}

/// Runs both builds without a debugger; their stdout must be the same.
pub fn check_outputs(b: &Built) -> Result<String, String> {
    let emulator = b
        .cross
        .as_ref()
        .map(|c| c.emulator.clone())
        .unwrap_or_default();
    let go = |exe: &Path| {
        run(
            Command::new("timeout")
                .arg("60")
                .args(&emulator)
                .arg(exe)
                .current_dir(b.dir.path()),
            &format!("{}", exe.display()),
        )
        .map(|(out, _)| out)
    };
    let n = go(&b.native)?;
    let i = go(&b.innative)?;
    if n != i {
        return Err(format!(
            "{}: outputs differ:\nnative:\n{n}\ninnative:\n{i}",
            b.name
        ));
    }
    Ok(n)
}

impl Built {
    /// The full path of the file that defines `main`.
    pub fn main_path(&self) -> &str {
        self.own_paths
            .iter()
            .find(|p| {
                Path::new(p)
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy() == self.main_file)
            })
            .map(String::as_str)
            .unwrap_or(&self.main_file)
    }
}

impl Built {
    /// The last line of the statement that declares a variable on `line` of
    /// the own file `file` (basename): where its `;` is, outside brackets,
    /// comments and literals.  A declaration in a `for` header ends on its
    /// line.  `line` itself when the file cannot be read.
    pub fn declaration_end(&self, file: &str, line: u32) -> u32 {
        let Some(path) = self
            .own_paths
            .iter()
            .find(|p| Path::new(p).file_name().is_some_and(|n| n == file))
        else {
            return line;
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            return line;
        };
        statement_end(&text, line)
    }
}

/// See [`Built::declaration_end`].  A scanner, not a C parser: enough for
/// the fixtures' declarations.
fn statement_end(text: &str, line: u32) -> u32 {
    let lines: Vec<&str> = text.lines().collect();
    let Some(first) = lines.get((line as usize).wrapping_sub(1)) else {
        return line;
    };
    if first.trim_start().starts_with("for") {
        return line;
    }
    let (mut depth, mut in_block_comment) = (0i32, false);
    for (k, l) in lines.iter().enumerate().skip(line as usize - 1) {
        let mut chars = l.chars().peekable();
        while let Some(c) = chars.next() {
            if in_block_comment {
                if c == '*' && chars.peek() == Some(&'/') {
                    chars.next();
                    in_block_comment = false;
                }
                continue;
            }
            match c {
                '/' if chars.peek() == Some(&'/') => break,
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    in_block_comment = true;
                }
                '"' | '\'' => {
                    while let Some(d) = chars.next() {
                        if d == '\\' {
                            chars.next();
                        } else if d == c {
                            break;
                        }
                    }
                }
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                ';' if depth <= 0 => return k as u32 + 1,
                _ => {}
            }
        }
    }
    line
}

#[cfg(test)]
mod statement_end_tests {
    use super::statement_end;

    #[test]
    fn spans_lines_up_to_its_semicolon() {
        let src = "int main(void) {\n  int a = f(1,\n            \";\" /* ; */);\n  int b = 2; // ;\n  for (int i = 0; i < 3; i++)\n    ;\n}\n";
        assert_eq!(statement_end(src, 2), 3);
        assert_eq!(statement_end(src, 4), 4);
        assert_eq!(statement_end(src, 5), 5);
        assert_eq!(statement_end(src, 99), 99);
    }
}
