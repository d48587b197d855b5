//! wasi-libc's `strlen`, `strcspn`, `strspn` and `memcmp` as calls of the
//! host's C library on linear memory (a builtin of `libc_builtins.rs`).
//!
//! musl's versions compare a byte or a word at a time; glibc's use SSE4.2
//! and AVX2.  In the SQLite benchmark `strcspn` alone took 2% of innative's
//! instructions (0.3% natively), and `memcmp`, small enough to be inlined
//! into its callers as a byte loop, made SQLite's sorter comparisons 1.5×
//! the native instruction count.
//!
//! Traps stay where the wasm code would raise them:
//! * the string functions read until a NUL (or a byte outside the set):
//!   a string that runs into the end of linear memory faults on the guard
//!   region, which the runtime reports as "out of bounds memory access",
//!   as the wasm loop's load would.  glibc reads aligned blocks that never
//!   cross a page the string does not reach, and linear memory ends on a
//!   page;
//! * `memcmp(a, b, n)` compares only the part of both ranges inside linear
//!   memory; when that part is equal and shorter than `n`, it traps (musl
//!   would have read the first byte outside), and a difference inside
//!   returns before that, as musl does.
//!
//! One difference is visible: `memcmp` returns glibc's value, whose sign is
//! musl's but whose magnitude may not be (C promises only the sign), which
//! is what the program's native build returns.

use super::function::FuncTranslator;
use super::runtime::{TrapKind, MEMORY_SIZE};
use crate::error::{Error, Result};
use inkwell::module::Linkage;
use inkwell::types::BasicMetadataTypeEnum;
use inkwell::values::{FunctionValue, IntValue, PointerValue};
use inkwell::IntPredicate;

/// Which string builtin a function is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StringBuiltin {
    Strlen,
    Strcspn,
    Strspn,
    Memcmp,
}

impl StringBuiltin {
    fn host_name(self) -> &'static str {
        match self {
            StringBuiltin::Strlen => "strlen",
            StringBuiltin::Strcspn => "strcspn",
            StringBuiltin::Strspn => "strspn",
            StringBuiltin::Memcmp => "memcmp",
        }
    }
}

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    /// The host C library function `name`, declared once per module.
    fn host_libc(&self, which: StringBuiltin) -> FunctionValue<'ctx> {
        let name = which.host_name();
        if let Some(f) = self.module.get_function(name) {
            return f;
        }
        let (ptr, i64t, i32t) = (self.rt.ptr, self.rt.i64, self.rt.i32);
        let ty = match which {
            StringBuiltin::Strlen => i64t.fn_type(&[ptr.into()], false),
            StringBuiltin::Strcspn | StringBuiltin::Strspn => {
                i64t.fn_type(&[ptr.into(), ptr.into()], false)
            }
            StringBuiltin::Memcmp => {
                let p: [BasicMetadataTypeEnum; 3] = [ptr.into(), ptr.into(), i64t.into()];
                i32t.fn_type(&p, false)
            }
        };
        self.module.add_function(name, ty, Some(Linkage::External))
    }

    /// The native address of wasm address `a` in memory 0.
    fn native_address(
        &self,
        base: PointerValue<'ctx>,
        a: IntValue<'ctx>,
    ) -> Result<PointerValue<'ctx>> {
        let a64 = self.b.build_int_z_extend(a, self.rt.i64, "addr")?;
        // SAFETY (for LLVM): a byte offset from the memory base, never
        // assumed in bounds (see memory.rs).
        Ok(unsafe { self.b.build_gep(self.rt.i8, base, &[a64], "native")? })
    }

    /// Emits the whole body of string builtin `which`.
    pub(crate) fn emit_string_builtin(&mut self, which: StringBuiltin) -> Result<()> {
        let func = self.func;
        let param = |i: u32| super::libc_builtins::builtin_param(func, i);
        let body = self.rt.context.append_basic_block(self.func, "body");
        self.b.build_unconditional_branch(body)?;
        self.enter(body);
        let (mem, base) = self.memory(0)?;
        let host = self.host_libc(which);
        let (i32t, i64t) = (self.rt.i32, self.rt.i64);
        let result = match which {
            StringBuiltin::Strlen => {
                let s = self.native_address(base, param(0)?)?;
                let n = self.b.build_call(host, &[s.into()], "len")?;
                let n = n
                    .try_as_basic_value()
                    .basic()
                    .ok_or_else(|| Error::new("strlen"))?;
                self.b
                    .build_int_truncate(n.into_int_value(), i32t, "len32")?
            }
            StringBuiltin::Strcspn | StringBuiltin::Strspn => {
                let s = self.native_address(base, param(0)?)?;
                let set = self.native_address(base, param(1)?)?;
                let n = self.b.build_call(host, &[s.into(), set.into()], "span")?;
                let n = n
                    .try_as_basic_value()
                    .basic()
                    .ok_or_else(|| Error::new("strspn"))?;
                self.b
                    .build_int_truncate(n.into_int_value(), i32t, "span32")?
            }
            StringBuiltin::Memcmp => {
                let (a, b, n) = (param(0)?, param(1)?, param(2)?);
                let size_ptr =
                    self.b
                        .build_struct_gep(self.rt.memory, mem, MEMORY_SIZE, "size_ptr")?;
                let size = self.b.build_load(i64t, size_ptr, "size")?.into_int_value();
                let zext = |v, name| self.b.build_int_z_extend(v, i64t, name);
                let (a64, b64, n64) = (zext(a, "a")?, zext(b, "b")?, zext(n, "n")?);
                // The bytes of both ranges inside memory: min(n, size - max(a, b)).
                let a_higher = self
                    .b
                    .build_int_compare(IntPredicate::UGT, a64, b64, "a_higher")?;
                let top = self
                    .b
                    .build_select(a_higher, a64, b64, "top")?
                    .into_int_value();
                let inside = self
                    .b
                    .build_int_compare(IntPredicate::ULT, top, size, "inside")?;
                let room = self.b.build_int_sub(size, top, "room")?;
                let room = self
                    .b
                    .build_select(inside, room, i64t.const_zero(), "room")?
                    .into_int_value();
                let short = self
                    .b
                    .build_int_compare(IntPredicate::ULT, room, n64, "short")?;
                let m = self.b.build_select(short, room, n64, "m")?.into_int_value();
                let pa = self.native_address(base, a)?;
                let pb = self.native_address(base, b)?;
                let r = self
                    .b
                    .build_call(host, &[pa.into(), pb.into(), m.into()], "cmp")?;
                let r = r
                    .try_as_basic_value()
                    .basic()
                    .ok_or_else(|| Error::new("memcmp"))?
                    .into_int_value();
                // Equal up to the end of memory, with more to compare: the
                // next byte musl reads is outside.
                let equal =
                    self.b
                        .build_int_compare(IntPredicate::EQ, r, i32t.const_zero(), "equal")?;
                let oob = self.b.build_and(equal, short, "oob")?;
                self.trap_if(oob, TrapKind::MemoryOutOfBounds)?;
                r
            }
        };
        self.b.build_return(Some(&result))?;
        Ok(())
    }
}
