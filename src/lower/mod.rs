//! Lowering to LLVM IR (stub).
use crate::compile::Options;
use crate::error::{Error, Result};
use crate::module::ModuleInfo;
pub fn lower_program<'ctx>(_c: &'ctx inkwell::context::Context, _m: &[ModuleInfo], _o: &Options) -> Result<inkwell::module::Module<'ctx>> {
    Err(Error::new("not implemented"))
}
