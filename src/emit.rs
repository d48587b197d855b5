//! Optimization (LLVM new pass manager) and object emission.  (Stub.)
use crate::compile::Options;
use crate::error::{Error, Result};

pub fn emit_object(_m: &inkwell::module::Module, _opts: &Options) -> Result<Vec<u8>> {
    Err(Error::new("not implemented"))
}
