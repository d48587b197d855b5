//! The one error type the compiler reports: a message, and where it applies
//! (file, and byte offset or line:column) when known.  It prints as a single
//! line: `FILE:POSITION: error: MESSAGE`.  Also the process exit codes of
//! the commands.

use std::fmt;
use std::path::{Path, PathBuf};

/// A compile error that names the file and position it applies to.
#[derive(Debug, Clone)]
pub struct Error {
    /// The input (or output) file the error is about.
    pub file: Option<PathBuf>,
    /// Where in the file: `@0x1f` for a byte offset, `12:5` for text.
    pub position: Option<String>,
    /// What is wrong (one line when printed).
    pub message: String,
}

impl Error {
    /// An error that applies to no particular file.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            file: None,
            position: None,
            message: message.into(),
        }
    }

    /// An error about `file` as a whole.
    pub fn in_file(file: &Path, message: impl Into<String>) -> Self {
        Error {
            file: Some(file.to_path_buf()),
            position: None,
            message: message.into(),
        }
    }

    /// An error at a byte offset of a binary module.
    pub fn at_offset(file: &Path, offset: usize, message: impl Into<String>) -> Self {
        Error {
            file: Some(file.to_path_buf()),
            position: Some(format!("@{offset:#x}")),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(pos) = &self.position {
                write!(f, ":{pos}")?;
            }
            write!(f, ": ")?;
        }
        // Keep the report on one line whatever the underlying message holds.
        write!(f, "error: {}", self.message.replace('\n', " "))
    }
}

impl std::error::Error for Error {}

/// Exit code of a compile error (the `innative::Error` line was printed).
pub const EXIT_ERROR: i32 = 1;
/// Exit code of a usage error or of a feature that is not supported yet.
pub const EXIT_USAGE: i32 = 2;

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<inkwell::builder::BuilderError> for Error {
    /// Builder errors are internal faults of the code generator (an unpositioned
    /// builder, a type mismatch); they surface as errors, never as panics.
    fn from(e: inkwell::builder::BuilderError) -> Self {
        Error::new(format!("internal code generator error: {e}"))
    }
}
