//! The C library's `memcpy`, `memmove` and `memset` as LLVM's own memory
//! intrinsics, the way a C compiler treats these reserved names as builtins.
//!
//! A module built by clang without `-mbulk-memory` carries wasi-libc's
//! byte-and-word loops for them, which run several times slower than the
//! host's vectorized `memmove`/`memset` on anything but a few bytes (37% of
//! the fannkuch benchmark's instructions were in them).  A defined function
//! whose name-section name is one of these and whose type is
//! `(i32, i32, i32) -> i32` is compiled instead as what `memory.copy` /
//! `memory.fill` do: check the whole range against the memory's current
//! size (trap "out of bounds memory access" before writing anything), then
//! `llvm.memmove` / `llvm.memset` on linear memory, and return the
//! destination.  LLVM then inlines small constant-size copies where they are
//! called.  The one observable difference from the wasm body is on a trap:
//! nothing of an out-of-bounds copy is written (the loop would have written
//! the part before the fault), and overlapping `memcpy` ranges (undefined in
//! C) behave as `memmove`.
//!
//! Only when optimizing and without `-g` (the wasm body is what a debugger
//! should step through), and only for linear memory 0 of a module that has
//! one.

use super::function::FuncTranslator;
use super::runtime::{TrapKind, MEMORY_SIZE};
use crate::error::{Error, Result};
use inkwell::IntPredicate;
use wasmparser::ValType;

/// Which builtin a function is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LibcBuiltin {
    /// `memcpy` or `memmove`: copy with `memmove` semantics.
    Move,
    /// `memset`.
    Set,
}

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    /// The builtin this function is compiled as, if any.
    pub(crate) fn libc_builtin(&self) -> Option<LibcBuiltin> {
        let info = self.env.info;
        if self.opts.opt_level == crate::options::OptLevel::O0
            || self.opts.debug
            || info.memories.is_empty()
            || info.is_imported_func(self.func_index)
        {
            return None;
        }
        let which = match *info.func_names.get(&self.func_index)? {
            "memcpy" | "memmove" => LibcBuiltin::Move,
            "memset" => LibcBuiltin::Set,
            _ => return None,
        };
        let ty = info.func_type(self.func_index);
        (ty.params() == [ValType::I32; 3] && ty.results() == [ValType::I32]).then_some(which)
    }

    /// Emits the whole body of builtin `which` (see the module comment).
    pub(crate) fn emit_libc_builtin(&mut self, which: LibcBuiltin) -> Result<()> {
        let param = |i: u32| -> Result<inkwell::values::IntValue<'ctx>> {
            Ok(self
                .func
                .get_nth_param(i)
                .ok_or_else(|| Error::new("builtin without its parameters"))?
                .into_int_value())
        };
        let (dst, second, n) = (param(0)?, param(1)?, param(2)?);
        let body = self.rt.context.append_basic_block(self.func, "body");
        self.b.build_unconditional_branch(body)?;
        self.enter(body);
        let (mem, base) = self.memory(0)?;
        let i64t = self.rt.i64;
        let size_ptr = self
            .b
            .build_struct_gep(self.rt.memory, mem, MEMORY_SIZE, "size_ptr")?;
        let size = self.b.build_load(i64t, size_ptr, "size")?.into_int_value();
        let n64 = self.b.build_int_z_extend(n, i64t, "n")?;
        let dst64 = self.b.build_int_z_extend(dst, i64t, "dst")?;
        let dst_end = self.b.build_int_add(dst64, n64, "dst_end")?;
        let mut oob = self
            .b
            .build_int_compare(IntPredicate::UGT, dst_end, size, "dst_oob")?;
        let dst_ptr = unsafe {
            self.b
                .build_gep(self.rt.context.i8_type(), base, &[dst64], "to")?
        };
        match which {
            LibcBuiltin::Move => {
                let src64 = self.b.build_int_z_extend(second, i64t, "src")?;
                let src_end = self.b.build_int_add(src64, n64, "src_end")?;
                let src_oob =
                    self.b
                        .build_int_compare(IntPredicate::UGT, src_end, size, "src_oob")?;
                oob = self.b.build_or(oob, src_oob, "oob")?;
                self.trap_if(oob, TrapKind::MemoryOutOfBounds)?;
                let src_ptr = unsafe {
                    self.b
                        .build_gep(self.rt.context.i8_type(), base, &[src64], "from")?
                };
                self.b
                    .build_memmove(dst_ptr, 1, src_ptr, 1, n64)
                    .map_err(|e| Error::new(format!("memmove: {e}")))?;
            }
            LibcBuiltin::Set => {
                self.trap_if(oob, TrapKind::MemoryOutOfBounds)?;
                let byte = self
                    .b
                    .build_int_truncate(second, self.rt.context.i8_type(), "byte")?;
                self.b
                    .build_memset(dst_ptr, 1, byte, n64)
                    .map_err(|e| Error::new(format!("memset: {e}")))?;
            }
        }
        self.b.build_return(Some(&dst))?;
        Ok(())
    }
}
