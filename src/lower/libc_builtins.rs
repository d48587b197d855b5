//! The C library's `memcpy`, `memmove` and `memset` as LLVM's own memory
//! intrinsics, and `qsort` as the runtime's sort, the way a C compiler treats
//! these reserved names as builtins.
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
//! `qsort` (`(i32 base, i32 n, i32 width, i32 compare) -> ()`, wasi-libc's
//! smoothsort, which ran 5.4 times slower than native) becomes
//! `innative_sort` (runtime/sort.c): the whole array is checked against the
//! memory's size (trap before anything is written), the comparator is
//! resolved once through table 0 with `call_indirect`'s checks (traps of the
//! same kinds, before the first comparison), and the runtime's merge sort
//! calls it directly.  The sort is glibc's algorithm, so equal elements end
//! in the order of the native build on glibc (smoothsort's order differs:
//! qsort is not stable, so both are correct C), and a comparator that counts
//! or prints its calls sees glibc's sequence.  Nothing is checked or called
//! for fewer than two elements or a width of 0, as in wasi-libc.
//!
//! `strlen`, `strcspn`, `strspn` and `memcmp` call the host's C library:
//! see `libc_strings.rs`.
//!
//! Only when optimizing and without `-g` (the wasm body is what a debugger
//! should step through), and only for linear memory 0 of a module that has
//! one.

use super::function::FuncTranslator;
use super::libc_strings::StringBuiltin;
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
    /// `qsort`, given the index of the type `(i32, i32) -> i32`.
    Sort { compare_type: u32 },
    /// `strlen`, `strcspn`, `strspn`, `memcmp`: see `libc_strings.rs`.
    Strings(super::libc_strings::StringBuiltin),
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
        let ty = info.func_type(self.func_index);
        let is = |params: &[ValType], results: &[ValType]| {
            ty.params() == params && ty.results() == results
        };
        match *info.func_names.get(&self.func_index)? {
            "memcpy" | "memmove" if is(&[ValType::I32; 3], &[ValType::I32]) => {
                Some(LibcBuiltin::Move)
            }
            "memset" if is(&[ValType::I32; 3], &[ValType::I32]) => Some(LibcBuiltin::Set),
            "strlen" if is(&[ValType::I32], &[ValType::I32]) => {
                Some(LibcBuiltin::Strings(StringBuiltin::Strlen))
            }
            "strcspn" if is(&[ValType::I32; 2], &[ValType::I32]) => {
                Some(LibcBuiltin::Strings(StringBuiltin::Strcspn))
            }
            "strspn" if is(&[ValType::I32; 2], &[ValType::I32]) => {
                Some(LibcBuiltin::Strings(StringBuiltin::Strspn))
            }
            "memcmp" if is(&[ValType::I32; 3], &[ValType::I32]) => {
                Some(LibcBuiltin::Strings(StringBuiltin::Memcmp))
            }
            "qsort" if is(&[ValType::I32; 4], &[]) && !info.tables.is_empty() => {
                let compare_type = info.types.iter().position(|t| {
                    t.params() == [ValType::I32; 2] && t.results() == [ValType::I32]
                })?;
                Some(LibcBuiltin::Sort {
                    compare_type: compare_type as u32,
                })
            }
            _ => None,
        }
    }

    /// Emits the whole body of builtin `which` (see the module comment).
    pub(crate) fn emit_libc_builtin(&mut self, which: LibcBuiltin) -> Result<()> {
        match which {
            LibcBuiltin::Sort { compare_type } => return self.emit_sort(compare_type),
            LibcBuiltin::Strings(which) => return self.emit_string_builtin(which),
            _ => {}
        }
        let func = self.func;
        let param = |i: u32| builtin_param(func, i);
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
            LibcBuiltin::Sort { .. } | LibcBuiltin::Strings(_) => {
                unreachable!("emitted above")
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

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    /// `qsort(base, n, width, compare)` as a call of `innative_sort`.
    fn emit_sort(&mut self, compare_type: u32) -> Result<()> {
        let func = self.func;
        let param = |i: u32| builtin_param(func, i);
        let (base, n, width, compare) = (param(0)?, param(1)?, param(2)?, param(3)?);
        let (i32t, i64t) = (self.rt.i32, self.rt.i64);
        let context = self.rt.context;
        let body = context.append_basic_block(self.func, "body");
        let sort = context.append_basic_block(self.func, "sort");
        let done = context.append_basic_block(self.func, "done");
        self.b.build_unconditional_branch(body)?;
        self.enter(body);
        let few =
            self.b
                .build_int_compare(IntPredicate::ULE, n, i32t.const_int(1, false), "few")?;
        let empty =
            self.b
                .build_int_compare(IntPredicate::EQ, width, i32t.const_zero(), "empty")?;
        let nothing = self.b.build_or(few, empty, "nothing")?;
        self.b.build_conditional_branch(nothing, done, sort)?;
        self.enter(sort);
        let (mem, membase) = self.memory(0)?;
        let size_ptr = self
            .b
            .build_struct_gep(self.rt.memory, mem, MEMORY_SIZE, "size_ptr")?;
        let size = self.b.build_load(i64t, size_ptr, "size")?.into_int_value();
        let zext = |v, name| self.b.build_int_z_extend(v, i64t, name);
        let bytes = self
            .b
            .build_int_mul(zext(n, "n")?, zext(width, "width")?, "bytes")?;
        let end = self.b.build_int_add(zext(base, "base")?, bytes, "end")?;
        let oob = self
            .b
            .build_int_compare(IntPredicate::UGT, end, size, "oob")?;
        self.trap_if(oob, TrapKind::MemoryOutOfBounds)?;
        let code = self.indirect_callee(compare_type, 0, compare)?;
        let ptr = self.rt.ptr;
        let sort_fn = self
            .module
            .get_function("innative_sort")
            .unwrap_or_else(|| {
                let ty = context.void_type().fn_type(
                    &[
                        ptr.into(),
                        i32t.into(),
                        i32t.into(),
                        i32t.into(),
                        ptr.into(),
                    ],
                    false,
                );
                self.module.add_function(
                    "innative_sort",
                    ty,
                    Some(inkwell::module::Linkage::External),
                )
            });
        self.b.build_call(
            sort_fn,
            &[
                membase.into(),
                base.into(),
                n.into(),
                width.into(),
                code.into(),
            ],
            "",
        )?;
        self.b.build_unconditional_branch(done)?;
        self.enter(done);
        self.b.build_return(None)?;
        Ok(())
    }
}

/// Parameter `i` of a builtin's function (all are i32).
pub(super) fn builtin_param(
    func: inkwell::values::FunctionValue<'_>,
    i: u32,
) -> Result<inkwell::values::IntValue<'_>> {
    Ok(func
        .get_nth_param(i)
        .ok_or_else(|| Error::new("builtin without its parameters"))?
        .into_int_value())
}
