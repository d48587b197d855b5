//! The [`Binding`]s of [`super::values`] for one function while its body is
//! lowered: which start and which end before each operator
//! ([`FunctionValues::advance`]) and which are active on a wasm local or
//! global ([`FunctionValues::active_on`]).  The lowering's hooks
//! (`lower/debug_hooks.rs`) emit them: at each binding's start a
//! `#dbg_value` record of the source's current LLVM value, after every write
//! to a bound wasm local or global a new record, and at its end a poison
//! record.  LLVM then carries those values through optimization and
//! register allocation into native location lists.
//!
//! A wasm pointer's native value is `memory base + W` (null stays null) and
//! a linear-memory location is `memory base + address`: both are computed
//! by the DWARF expression from two LLVM values (a `DIArgList`, see
//! `di_arglist.cpp`), so the memory base and the wasm value each live in
//! whatever register LLVM gives them.

use super::di::{Di, Md};
use super::values::{Binding, Source};
use inkwell::types::BasicTypeEnum;
use innative_dwarf::CodeOffset;

/// `DW_OP_LLVM_fragment`, `DW_OP_LLVM_arg` (LLVM's own expression operators).
pub(crate) const OP_LLVM_FRAGMENT: u64 = 0x1000;
pub(crate) const OP_LLVM_ARG: u64 = 0x1005;

/// A planned binding with the metadata LLVM needs to emit it.
#[derive(Debug, Clone)]
pub struct LiveBinding {
    pub binding: Binding,
    /// The unit's DIBuilder (for expressions and records).
    pub di: Di,
    /// The variable's size in bytes (0: unknown).
    pub bytes: u64,
    /// The `DILocalVariable` and the `DILocation` (scope, inlinedAt) of its
    /// records.
    pub variable: Md,
    pub location: Md,
}

impl LiveBinding {
    /// The variable instance (a variable inlined twice is two instances:
    /// same variable, different location scope) and piece it describes.
    pub(crate) fn key(&self) -> (usize, usize, Option<(u64, u64)>) {
        (
            self.variable as usize,
            self.location as usize,
            self.binding.fragment,
        )
    }
}

/// The bindings of one function while its body is lowered.
#[derive(Default)]
pub struct FunctionValues {
    /// Not started yet, by start address (whole-function ones first).
    pending: Vec<LiveBinding>,
    next: usize,
    /// Started and not ended.
    active: Vec<LiveBinding>,
}

impl FunctionValues {
    pub fn new(mut bindings: Vec<LiveBinding>) -> Self {
        bindings.sort_by_key(|b| b.binding.range.as_ref().map(|r| r.start));
        FunctionValues {
            pending: bindings,
            next: 0,
            active: Vec::new(),
        }
    }

    /// The bindings due before the operator at DWARF address `address`
    /// (None: at the function's entry): those that start there (in order;
    /// each replaces an active binding of the same variable piece), and
    /// those that ended (variable, location, fragment, builder) and were
    /// not restarted.
    #[allow(clippy::type_complexity)]
    pub fn advance(
        &mut self,
        address: Option<CodeOffset>,
    ) -> (Vec<LiveBinding>, Vec<(Md, Md, Option<(u64, u64)>, Di)>) {
        let address = address.map(|a| a.0);
        let mut ended = Vec::new();
        if let Some(a) = address {
            self.active.retain(|b| match &b.binding.range {
                Some(r) if r.end <= a => {
                    ended.push((b.key(), b.variable, b.location, b.binding.fragment, b.di));
                    false
                }
                _ => true,
            });
        }
        let mut started = Vec::new();
        while let Some(b) = self.pending.get(self.next) {
            let due = match (&b.binding.range, address) {
                (None, _) => true,
                (Some(r), Some(a)) => r.start <= a,
                (Some(_), None) => false,
            };
            if !due {
                break;
            }
            let b = b.clone();
            self.next += 1;
            if let (Some(r), Some(a)) = (&b.binding.range, address) {
                if r.end <= a {
                    continue; // a range skipped over (dead code)
                }
            }
            // A newer binding of the same variable (piece) replaces the old.
            self.active.retain(|x| x.key() != b.key());
            ended.retain(|e| e.0 != b.key());
            started.push(b.clone());
            self.active.push(b);
        }
        let ended = ended
            .into_iter()
            .map(|(_, variable, location, fragment, di)| (variable, location, fragment, di))
            .collect();
        (started, ended)
    }

    /// The active bindings on wasm local or global `source`.
    pub fn active_on(&self, source: Source) -> impl Iterator<Item = &LiveBinding> {
        self.active
            .iter()
            .filter(move |b| b.binding.source == source)
    }
}

/// Bytes of a wasm value type's LLVM type.
pub(crate) fn byte_width(ty: BasicTypeEnum<'_>) -> u64 {
    match ty {
        BasicTypeEnum::IntType(i) => u64::from(i.get_bit_width()).div_ceil(8),
        BasicTypeEnum::FloatType(f) if f.get_context().f32_type() == f => 4,
        BasicTypeEnum::VectorType(_) => 16,
        _ => 8,
    }
}

/// `expr` with the binding's fragment appended.
pub(crate) fn fragmented(mut expr: Vec<u64>, b: &LiveBinding) -> Vec<u64> {
    if let Some((o, s)) = b.binding.fragment {
        expr.extend([OP_LLVM_FRAGMENT, o, s]);
    }
    expr
}
