//! `innative serialize IN... [-o OUT] [--emit-debug]` and inNative's
//! `-serialize [FILE|emitdebug]`: every input module written as `.wat`.
//!
//! Where the text goes:
//! * one input: `-o FILE` (`-o -`: standard output), `-o DIR` (an existing
//!   directory: `DIR/<stem>.wat`), else `<stem>.wat` in the current
//!   directory;
//! * several inputs: one file per module, `<stem>.wat` (the input's file
//!   name without its extension) in `-o DIR` or the current directory.
//!   Two inputs with the same stem, or an output that would overwrite an
//!   input, are errors.

use super::{Usage, EXIT_ERROR};
use crate::error::Error;
use crate::load::Input;
use std::path::{Path, PathBuf};

/// What to serialize, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Request {
    pub inputs: Vec<PathBuf>,
    /// `-o`: a file (one input), `-` (standard output) or a directory.
    pub output: Option<PathBuf>,
    /// `--emit-debug` / `emitdebug`: annotate with source positions.
    pub emit_debug: bool,
}

/// Where each input's text goes (None: standard output).
pub(crate) fn targets(req: &Request) -> Result<Vec<Option<PathBuf>>, Usage> {
    let dir = match &req.output {
        Some(o) if o.is_dir() => Some(o.clone()),
        Some(o) if req.inputs.len() == 1 => {
            return Ok(vec![(o.as_os_str() != "-").then(|| o.clone())]);
        }
        Some(o) => {
            return Err(Usage(format!(
                "serialize: with several inputs, -o names a directory ('{}' is not one); \
                 each module is written to <stem>.wat there",
                o.display()
            )))
        }
        None => None,
    };
    let mut out: Vec<Option<PathBuf>> = Vec::new();
    for input in &req.inputs {
        let stem = input
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "module".into());
        let file = format!("{stem}.wat");
        let path = match &dir {
            Some(d) => d.join(file),
            None => PathBuf::from(file),
        };
        if out.iter().flatten().any(|p| *p == path) {
            return Err(Usage(format!(
                "serialize: two inputs would both be written to {} (inputs with the same \
                 file stem); serialize them separately with -o",
                path.display()
            )));
        }
        out.push(Some(path));
    }
    Ok(out)
}

/// Serializes every input; returns the exit status (errors printed).
pub(crate) fn run(req: &Request) -> i32 {
    let targets = match targets(req) {
        Ok(t) => t,
        Err(Usage(msg)) => {
            eprintln!("{}", Error::new(msg));
            return super::EXIT_USAGE;
        }
    };
    match write_all(req, &targets) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{e}");
            EXIT_ERROR
        }
    }
}

fn write_all(req: &Request, targets: &[Option<PathBuf>]) -> Result<(), Error> {
    // Everything is read and printed before anything is written.
    let mut texts = Vec::new();
    for (path, target) in req.inputs.iter().zip(targets) {
        if let Some(t) = target {
            if req.inputs.iter().any(|i| super::same_path(i, t)) {
                return Err(Error::in_file(
                    path,
                    format!(
                        "the text would overwrite an input ({}); name another output with -o",
                        t.display()
                    ),
                ));
            }
        }
        let input = Input::from_file(path)?;
        texts.push(crate::driver::serialize_input(&input, req.emit_debug)?);
    }
    for (text, target) in texts.iter().zip(targets) {
        match target {
            Some(t) => write_file(t, text)?,
            None => {
                use std::io::Write;
                std::io::stdout()
                    .write_all(text.as_bytes())
                    .map_err(|e| Error::new(format!("cannot write to standard output: {e}")))?;
            }
        }
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text)
        .map_err(|e| Error::in_file(path, format!("cannot write output: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(inputs: &[&str], output: Option<&str>) -> Request {
        Request {
            inputs: inputs.iter().map(PathBuf::from).collect(),
            output: output.map(PathBuf::from),
            emit_debug: false,
        }
    }

    #[test]
    fn output_names() {
        assert_eq!(
            targets(&req(&["dir/a.wasm"], None)).unwrap(),
            vec![Some(PathBuf::from("a.wat"))]
        );
        assert_eq!(
            targets(&req(&["a.wasm"], Some("x/out.wat"))).unwrap(),
            vec![Some(PathBuf::from("x/out.wat"))]
        );
        assert_eq!(targets(&req(&["a.wasm"], Some("-"))).unwrap(), vec![None]);
        assert_eq!(
            targets(&req(&["a.wasm", "b/c.wasm"], None)).unwrap(),
            vec![Some(PathBuf::from("a.wat")), Some(PathBuf::from("c.wat"))]
        );
        let dir = std::env::temp_dir();
        assert_eq!(
            targets(&req(&["a.wasm", "b.wasm"], Some(dir.to_str().unwrap()))).unwrap(),
            vec![Some(dir.join("a.wat")), Some(dir.join("b.wat"))]
        );
        assert!(targets(&req(&["a.wasm", "b.wasm"], Some("no/such/dir.wat"))).is_err());
        assert!(targets(&req(&["x/a.wasm", "y/a.wat"], None)).is_err());
    }
}
