//! Linking: the runtime archive embedded in the compiler, and the system
//! linker invocations that turn an object into an executable or shared library.
//! (Stub — being written.)

use crate::compile::Options;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Writes `object` to `out` linked as `opts.kind` asks.
pub fn link_output(_object: &[u8], _opts: &Options, _out: &Path) -> Result<()> {
    Err(Error::new("linking is not implemented yet"))
}

/// A shared library holding the runtime, for hosts that load modules
/// themselves (the spec harness).  Built once and cached.
pub fn runtime_shared_library() -> Result<PathBuf> {
    Err(Error::new("not implemented yet"))
}
