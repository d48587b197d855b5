//! Loading inputs: a `.wasm` binary or a `.wat` text file becomes an [`Input`]
//! (binary bytes, module name, and the text when the user wrote one).

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// One module to compile.
#[derive(Debug, Clone)]
pub struct Input {
    /// Where it came from (used in every diagnostic).
    pub path: PathBuf,
    /// The binary module.
    pub bytes: Vec<u8>,
    /// The text it was parsed from, for `.wat` inputs.
    pub text: Option<String>,
    /// Module name override (otherwise: name section, then file stem).
    pub name: Option<String>,
}

impl Input {
    /// Reads `path`; text (`.wat`/`.wast`, or anything not starting with the
    /// wasm magic) is parsed with the `wat` crate.
    pub fn from_file(path: &Path) -> Result<Input> {
        let data = std::fs::read(path)
            .map_err(|e| Error::in_file(path, format!("cannot read input: {e}")))?;
        Self::from_bytes(path, data)
    }

    /// An input whose contents `data` (binary or text) were read from
    /// `path`.
    pub fn from_bytes(path: &Path, data: Vec<u8>) -> Result<Input> {
        if data.starts_with(b"\0asm") {
            return Ok(Input {
                path: path.to_path_buf(),
                bytes: data,
                text: None,
                name: None,
            });
        }
        let text = String::from_utf8(data).map_err(|e| {
            Error::at_offset(
                path,
                e.utf8_error().valid_up_to(),
                "not a wasm binary and not UTF-8 text",
            )
        })?;
        let bytes = parse_text(path, &text)?;
        Ok(Input {
            path: path.to_path_buf(),
            bytes,
            text: Some(text),
            name: None,
        })
    }

    /// The stem of the file name, the default module name.
    pub fn file_stem(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "module".to_string())
    }
}

/// Parses WebAssembly text into a binary module, reporting `file:line:col`.
pub fn parse_text(path: &Path, text: &str) -> Result<Vec<u8>> {
    let buf = wast::parser::ParseBuffer::new(text).map_err(|e| text_error(path, text, e))?;
    let mut wat: wast::Wat = wast::parser::parse(&buf).map_err(|e| text_error(path, text, e))?;
    wat.encode().map_err(|e| text_error(path, text, e))
}

fn text_error(path: &Path, text: &str, mut e: wast::Error) -> Error {
    e.set_text(text);
    let (line, col) = {
        let off = e.span().offset().min(text.len());
        let before = &text[..off];
        let line = before.matches('\n').count() + 1;
        let col = off - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
        (line, col)
    };
    Error {
        file: Some(path.to_path_buf()),
        position: Some(format!("{line}:{col}")),
        message: e.message(),
    }
}
