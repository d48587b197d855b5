//! What a wasm module declares (stub).
use crate::error::Result;
use crate::load::Input;
pub struct ModuleInfo;
impl ModuleInfo {
    pub fn parse(_input: &Input) -> Result<ModuleInfo> { Ok(ModuleInfo) }
}
