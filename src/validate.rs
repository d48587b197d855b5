//! Validation with wasmparser (WebAssembly 2.0 features plus the parts of 3.0
//! that lowering supports).  Errors name the file and byte offset (line:column for text).

use crate::error::{Error, Result};
use crate::load::Input;

/// Which edition of WebAssembly a module is validated against.  Compilation
/// always accepts 3.0 (less GC); the spec harness checks 2.0 scripts, which
/// expect 3.0's additions to be rejected, with `--standard 2.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standard {
    /// WebAssembly 2.0.
    V2,
    /// WebAssembly 3.0 without GC heap types.
    V3,
}

/// Environment variable holding the standard (`2.0` or `3.0`, default 3.0),
/// so that the spec harness's per-script children inherit it.
pub const STANDARD_ENV: &str = "INNATIVE_WASM_STANDARD";

impl Standard {
    /// `2.0` or `3.0` (also `2`, `3`).
    pub fn parse(s: &str) -> Option<Standard> {
        match s {
            "2" | "2.0" => Some(Standard::V2),
            "3" | "3.0" => Some(Standard::V3),
            _ => None,
        }
    }

    /// The version as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Standard::V2 => "2.0",
            Standard::V3 => "3.0",
        }
    }

    /// The standard chosen by the environment (3.0 unless it says 2.0).
    pub fn current() -> Standard {
        std::env::var(STANDARD_ENV)
            .ok()
            .and_then(|s| Standard::parse(&s))
            .unwrap_or(Standard::V3)
    }
}

/// The feature set innative compiles.
pub fn features() -> wasmparser::WasmFeatures {
    use wasmparser::WasmFeatures as F;
    let v2 = F::MUTABLE_GLOBAL
        | F::SATURATING_FLOAT_TO_INT
        | F::SIGN_EXTENSION
        | F::MULTI_VALUE
        | F::BULK_MEMORY
        | F::REFERENCE_TYPES
        // wasmparser files funcref/externref values under "GC types".
        | F::GC_TYPES
        | F::FLOATS
        | F::SIMD;
    match Standard::current() {
        Standard::V2 => v2,
        // WebAssembly 3.0 (issue 16), as far as lowering supports it.
        Standard::V3 => {
            v2 | F::RELAXED_SIMD
                | F::MULTI_MEMORY
                | F::EXTENDED_CONST
                | F::MEMORY64
                | F::FUNCTION_REFERENCES
                | F::TAIL_CALL
                | F::EXCEPTIONS
        }
    }
}

/// Validates `input`; the error names the file and the offending offset.
pub fn validate(input: &Input) -> Result<wasmparser::types::Types> {
    let mut validator = wasmparser::Validator::new_with_features(features());
    validator
        .validate_all(&input.bytes)
        .map_err(|e| Error::at_offset(&input.path, e.offset() as usize, e.message().to_string()))
}

/// Same as [`validate`] but without a file (the spec harness).
pub fn validate_bytes(bytes: &[u8]) -> std::result::Result<(), String> {
    let mut validator = wasmparser::Validator::new_with_features(features());
    validator
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| e.message().to_string())
}
