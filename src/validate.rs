//! Validation with wasmparser (WebAssembly 2.0 features plus what later issues
//! enable).  Errors name the file and byte offset (line:column for text).

use crate::error::{Error, Result};
use crate::load::Input;

/// The feature set innative compiles.
pub fn features() -> wasmparser::WasmFeatures {
    use wasmparser::WasmFeatures as F;
    F::MUTABLE_GLOBAL
        | F::SATURATING_FLOAT_TO_INT
        | F::SIGN_EXTENSION
        | F::MULTI_VALUE
        | F::BULK_MEMORY
        | F::REFERENCE_TYPES
        // wasmparser files funcref/externref values under "GC types".
        | F::GC_TYPES
        | F::FLOATS
        | F::SIMD
        | F::RELAXED_SIMD
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
