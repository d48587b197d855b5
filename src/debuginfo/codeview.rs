//! CodeView (PDB) output for Windows targets: what the debug layer does
//! differently when LLVM is to write CodeView instead of DWARF.
//!
//! The caller picks the format once per LLVM module, before lowering builds
//! any debug metadata: [`use_codeview`] turns the module's `"Dwarf Version"`
//! flag into `"CodeView"` (what `clang -gcodeview` writes), and the rest of
//! the debug layer reads the choice back from the module ([`format_of`]).
//!
//! LLVM's CodeView writer (`CodeViewDebug.cpp`) knows far fewer variable
//! locations than its DWARF writer: a register, a register plus offset, or
//! — for a `#dbg_declare` — a stack slot plus offset, or a stack slot that
//! holds the variable's address (`!DIExpression(DW_OP_deref)`, which it
//! writes as a local of reference type `T&`).  Anything else is dropped
//! without a word.  innative's -O0 locations are DWARF expressions over the
//! frame slot (`{ memory base, memory base + frame base, ... }`, see
//! [`super::VariableStorage`]): C locals that clang keeps on the wasm shadow
//! stack live at `*(slot + 8) + k`, two loads away from a register.  For
//! CodeView each such variable gets a stack slot of its own holding its
//! native address ([`indirect_slot`]), declared with `DW_OP_deref`; the
//! post-pass [`materialize_addresses`] recomputes these addresses, in IR,
//! after every store into the frame slot (the frame base is set by the
//! function's prologue; a mirrored wasm local can change at any
//! `local.set`).  Only expressions whose every load reads the frame slot
//! itself are accepted: their value cannot change behind the slot's back,
//! and evaluating them never touches linear memory.
//!
//! Types: wasm pointers are plain 32-bit pointers (`LF_POINTER`, kind
//! `ptr32`), which is what they are; the DWARF output's native-pointer
//! presentation (computed `memory base + value`, data locations, wrapper
//! structs) has no CodeView form.  See `CODEVIEW.md` beside this file.

use super::di::dw;
use inkwell::module::Module;
use llvm_sys::core as c;
use llvm_sys::prelude::{LLVMBuilderRef, LLVMValueRef};

/// The debug-info format LLVM writes for a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DebugFormat {
    /// DWARF (ELF targets; the default).
    #[default]
    Dwarf,
    /// CodeView, linked into a PDB (Windows targets).
    CodeView,
}

/// The module flag that makes LLVM write CodeView.
pub const CODEVIEW: &str = "CodeView";
/// Metadata kind on the frame slot alloca of a function (CodeView only).
const FRAME_SLOT_KIND: &str = "innative.cv.frame";
/// Metadata kind on an address slot: the DWARF expression (one i64 per
/// operator or operand) that computes the variable's address from the
/// frame slot.
const ADDRESS_SLOT_KIND: &str = "innative.cv.address";

/// The debug format of `module`: CodeView when it has the `CodeView` flag
/// (`lower::add_debug_module_flags` writes it for Windows targets), else
/// DWARF.
pub fn format_of(module: &Module<'_>) -> DebugFormat {
    // (clang writes the flag with value 1 only; its presence decides.)
    if module.get_flag(CODEVIEW).is_some() {
        DebugFormat::CodeView
    } else {
        DebugFormat::Dwarf
    }
}

/// A C++ name as clang spells it in CodeView (its MSVC printing policy):
/// template arguments without a space after the comma (`Stack<int,4>`)
/// and a lambda as `` `lambda at f.cpp:3:5' `` (DWARF: `(lambda at ...)`).
pub fn msvc_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    let mut rest = name;
    while let Some(c) = rest.chars().next() {
        if let Some(tail) = rest.strip_prefix("(lambda at ") {
            if let Some(end) = tail.find(')') {
                out.push_str("`lambda at ");
                out.push_str(&tail[..end]);
                out.push('\'');
                rest = &tail[end + 1..];
                continue;
            }
        }
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
        if c == ',' && depth > 0 {
            rest = rest.strip_prefix(' ').unwrap_or(rest);
        }
    }
    out
}

/// What an abstract evaluation of an address expression knows about a
/// stack entry.
#[derive(Clone, Copy, PartialEq)]
enum Abstract {
    /// The frame slot's address plus this many bytes.
    Slot(i128),
    /// A number (a constant, or a value read from the slot).
    Number,
}

/// Whether `ops`, evaluated with the frame slot's address (of `slot_bytes`
/// bytes) on the stack, computes an address reading nothing but the slot:
/// the operators [`materialize_addresses`] evaluates, no `DW_OP_stack_value`.
fn reads_only_the_slot(ops: &[u64], slot_bytes: u64) -> bool {
    use Abstract::*;
    let mut stack = vec![Slot(0)];
    let mut i = 0;
    let operand = |i: usize| ops.get(i + 1).copied();
    while i < ops.len() {
        let op = ops[i];
        let mut width = 1;
        match op {
            dw::OP_PLUS_UCONST => {
                let Some(k) = operand(i) else { return false };
                width = 2;
                match stack.pop() {
                    Some(Slot(o)) => stack.push(Slot(o + k as i128)),
                    Some(Number) => stack.push(Number),
                    None => return false,
                }
            }
            dw::OP_CONSTU | dw::OP_CONSTS => {
                if operand(i).is_none() {
                    return false;
                }
                width = 2;
                stack.push(Number);
            }
            o if (dw::OP_LIT0..dw::OP_LIT0 + 32).contains(&o) => stack.push(Number),
            dw::OP_DEREF | dw::OP_DEREF_SIZE => {
                let size = if op == dw::OP_DEREF {
                    8
                } else {
                    let Some(n) = operand(i) else { return false };
                    width = 2;
                    n
                };
                match stack.pop() {
                    Some(Slot(o)) if o >= 0 && (o as u64).saturating_add(size) <= slot_bytes => {
                        stack.push(Number)
                    }
                    _ => return false,
                }
            }
            dw::OP_DUP => match stack.last() {
                Some(&top) => stack.push(top),
                None => return false,
            },
            dw::OP_OVER => match stack.len() {
                n if n >= 2 => stack.push(stack[n - 2]),
                _ => return false,
            },
            dw::OP_SWAP => match stack.len() {
                n if n >= 2 => stack.swap(n - 1, n - 2),
                _ => return false,
            },
            dw::OP_PLUS | dw::OP_MINUS | dw::OP_MUL | dw::OP_AND | dw::OP_EQ | dw::OP_NE => {
                let (Some(b), Some(a)) = (stack.pop(), stack.pop()) else {
                    return false;
                };
                // A slot address moved by a run-time amount may point
                // anywhere: a number, which is never loaded from.
                if let (Slot(_), Slot(_)) = (a, b) {
                    return false;
                }
                stack.push(Number);
            }
            _ => return false,
        }
        i += width;
    }
    stack.len() == 1
}

/// For a variable whose -O0 location is `ops` applied to the address of the
/// frame slot `frame` (an alloca of `slot_bytes` bytes): a new stack slot,
/// at the start of the function's entry block, that
/// [`materialize_addresses`] keeps holding the variable's native address.
/// Declare the variable on it with `!DIExpression(DW_OP_deref)`.  None when
/// the expression reads more than the frame slot or computes a value.
pub fn indirect_slot(frame: LLVMValueRef, slot_bytes: u64, ops: &[u64]) -> Option<LLVMValueRef> {
    if ops.is_empty() || !reads_only_the_slot(ops, slot_bytes) {
        return None;
    }
    // SAFETY: `frame` is an alloca in the entry block of a function of a
    // live module; everything made here belongs to its context.
    unsafe {
        let entry = c::LLVMGetInstructionParent(frame);
        let first = c::LLVMGetFirstInstruction(entry);
        let ctx = c::LLVMGetTypeContext(c::LLVMTypeOf(frame));
        let ptr = c::LLVMPointerTypeInContext(ctx, 0);
        let b = c::LLVMCreateBuilderInContext(ctx);
        c::LLVMPositionBuilderBefore(b, first);
        let slot = c::LLVMBuildAlloca(b, ptr, c"dbg_address".as_ptr());
        c::LLVMDisposeBuilder(b);
        mark(ctx, frame, FRAME_SLOT_KIND, &[slot_bytes]);
        mark(ctx, slot, ADDRESS_SLOT_KIND, ops);
        Some(slot)
    }
}

/// Attaches `!{i64 v...}` under metadata kind `kind` to `inst`.
unsafe fn mark(
    ctx: llvm_sys::prelude::LLVMContextRef,
    inst: LLVMValueRef,
    kind: &str,
    values: &[u64],
) {
    let i64t = c::LLVMInt64TypeInContext(ctx);
    let mut mds: Vec<_> = values
        .iter()
        .map(|v| c::LLVMValueAsMetadata(c::LLVMConstInt(i64t, *v, 0)))
        .collect();
    let node = c::LLVMMDNodeInContext2(ctx, mds.as_mut_ptr(), mds.len());
    let id = c::LLVMGetMDKindIDInContext(ctx, kind.as_ptr() as *const _, kind.len() as u32);
    c::LLVMSetMetadata(inst, id, c::LLVMMetadataAsValue(ctx, node));
}

/// The i64 operands of the metadata `kind` on `inst`, if it has it.
unsafe fn marked(
    ctx: llvm_sys::prelude::LLVMContextRef,
    inst: LLVMValueRef,
    kind: &str,
) -> Option<Vec<u64>> {
    let id = c::LLVMGetMDKindIDInContext(ctx, kind.as_ptr() as *const _, kind.len() as u32);
    let node = c::LLVMGetMetadata(inst, id);
    if node.is_null() {
        return None;
    }
    let n = c::LLVMGetMDNodeNumOperands(node) as usize;
    let mut ops = vec![std::ptr::null_mut(); n];
    if n > 0 {
        c::LLVMGetMDNodeOperands(node, ops.as_mut_ptr());
    }
    Some(
        ops.into_iter()
            .map(|v| {
                let int = c::LLVMIsAConstantInt(v);
                if int.is_null() {
                    0
                } else {
                    c::LLVMConstIntGetZExtValue(int)
                }
            })
            .collect(),
    )
}

/// The post-pass for CodeView (run it after optimization, before code
/// generation): in every function, the address slots [`indirect_slot`]
/// made start as null and receive their variable's address again after
/// each store into the function's frame slot.  Does nothing to a module
/// without them.
pub fn materialize_addresses(module: &Module<'_>) {
    // SAFETY: walks and extends the instructions of a live module; every
    // instruction built goes into the function it reads.
    unsafe {
        let ctx = c::LLVMGetModuleContext(module.as_mut_ptr());
        let b = c::LLVMCreateBuilderInContext(ctx);
        let mut f = c::LLVMGetFirstFunction(module.as_mut_ptr());
        while !f.is_null() {
            materialize_in(ctx, b, f);
            f = c::LLVMGetNextFunction(f);
        }
        c::LLVMDisposeBuilder(b);
    }
}

unsafe fn materialize_in(
    ctx: llvm_sys::prelude::LLVMContextRef,
    b: LLVMBuilderRef,
    f: LLVMValueRef,
) {
    if c::LLVMCountBasicBlocks(f) == 0 {
        return;
    }
    let entry = c::LLVMGetEntryBasicBlock(f);
    let mut frame = None;
    let mut slots: Vec<(LLVMValueRef, Vec<u64>)> = Vec::new();
    let mut i = c::LLVMGetFirstInstruction(entry);
    while !i.is_null() {
        if !c::LLVMIsAAllocaInst(i).is_null() {
            if marked(ctx, i, FRAME_SLOT_KIND).is_some() {
                frame = Some(i);
            } else if let Some(ops) = marked(ctx, i, ADDRESS_SLOT_KIND) {
                slots.push((i, ops));
            }
        }
        i = c::LLVMGetNextInstruction(i);
    }
    let Some(frame) = frame else { return };
    if slots.is_empty() {
        return;
    }
    let ptr = c::LLVMPointerTypeInContext(ctx, 0);
    // Null until the frame slot is first written.
    for (slot, _) in &slots {
        let next = c::LLVMGetNextInstruction(*slot);
        c::LLVMPositionBuilderBefore(b, next);
        c::LLVMBuildStore(b, c::LLVMConstPointerNull(ptr), *slot);
    }
    // Every store into the frame slot (directly or through a GEP of it).
    let mut stores = Vec::new();
    let mut bb = c::LLVMGetFirstBasicBlock(f);
    while !bb.is_null() {
        let mut i = c::LLVMGetFirstInstruction(bb);
        while !i.is_null() {
            if !c::LLVMIsAStoreInst(i).is_null() {
                let target = c::LLVMGetOperand(i, 1);
                let into_frame = target == frame
                    || (!c::LLVMIsAGetElementPtrInst(target).is_null()
                        && c::LLVMGetOperand(target, 0) == frame);
                if into_frame {
                    stores.push(i);
                }
            }
            i = c::LLVMGetNextInstruction(i);
        }
        bb = c::LLVMGetNextBasicBlock(bb);
    }
    for store in stores {
        let next = c::LLVMGetNextInstruction(store);
        if next.is_null() {
            continue;
        }
        c::LLVMPositionBuilderBefore(b, next);
        // The debug location of the store (none: the builder's is unset).
        let loc = llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(store);
        c::LLVMSetCurrentDebugLocation2(b, loc);
        for (slot, ops) in &slots {
            if let Some(address) = evaluate(ctx, b, frame, ops) {
                c::LLVMBuildStore(b, address, *slot);
            }
        }
    }
}

/// IR computing the address `ops` describes from the frame slot `frame`
/// (an expression [`reads_only_the_slot`] accepted).
unsafe fn evaluate(
    ctx: llvm_sys::prelude::LLVMContextRef,
    b: LLVMBuilderRef,
    frame: LLVMValueRef,
    ops: &[u64],
) -> Option<LLVMValueRef> {
    let i64t = c::LLVMInt64TypeInContext(ctx);
    let ptr = c::LLVMPointerTypeInContext(ctx, 0);
    let k = |v: u64| c::LLVMConstInt(i64t, v, 0);
    let mut stack: Vec<LLVMValueRef> = vec![c::LLVMBuildPtrToInt(b, frame, i64t, c"".as_ptr())];
    let mut i = 0;
    while i < ops.len() {
        let op = ops[i];
        let arg = ops.get(i + 1).copied();
        let mut width = 1;
        let pop = |s: &mut Vec<LLVMValueRef>| s.pop();
        match op {
            dw::OP_PLUS_UCONST => {
                width = 2;
                let a = pop(&mut stack)?;
                stack.push(c::LLVMBuildAdd(b, a, k(arg?), c"".as_ptr()));
            }
            dw::OP_CONSTU | dw::OP_CONSTS => {
                width = 2;
                stack.push(k(arg?));
            }
            o if (dw::OP_LIT0..dw::OP_LIT0 + 32).contains(&o) => stack.push(k(o - dw::OP_LIT0)),
            dw::OP_DEREF | dw::OP_DEREF_SIZE => {
                let bytes = if op == dw::OP_DEREF {
                    8
                } else {
                    width = 2;
                    arg?
                };
                let a = pop(&mut stack)?;
                let p = c::LLVMBuildIntToPtr(b, a, ptr, c"".as_ptr());
                let ty = c::LLVMIntTypeInContext(ctx, (bytes * 8) as u32);
                let v = c::LLVMBuildLoad2(b, ty, p, c"".as_ptr());
                c::LLVMSetAlignment(v, 1);
                stack.push(if bytes == 8 {
                    v
                } else {
                    c::LLVMBuildZExt(b, v, i64t, c"".as_ptr())
                });
            }
            dw::OP_DUP => stack.push(*stack.last()?),
            dw::OP_OVER => stack.push(*stack.get(stack.len().checked_sub(2)?)?),
            dw::OP_SWAP => {
                let n = stack.len();
                if n < 2 {
                    return None;
                }
                stack.swap(n - 1, n - 2);
            }
            dw::OP_PLUS | dw::OP_MINUS | dw::OP_MUL | dw::OP_AND | dw::OP_EQ | dw::OP_NE => {
                let y = pop(&mut stack)?;
                let x = pop(&mut stack)?;
                let name = c"".as_ptr();
                stack.push(match op {
                    dw::OP_PLUS => c::LLVMBuildAdd(b, x, y, name),
                    dw::OP_MINUS => c::LLVMBuildSub(b, x, y, name),
                    dw::OP_MUL => c::LLVMBuildMul(b, x, y, name),
                    dw::OP_AND => c::LLVMBuildAnd(b, x, y, name),
                    _ => {
                        let pred = if op == dw::OP_EQ {
                            llvm_sys::LLVMIntPredicate::LLVMIntEQ
                        } else {
                            llvm_sys::LLVMIntPredicate::LLVMIntNE
                        };
                        let bit = c::LLVMBuildICmp(b, pred, x, y, name);
                        c::LLVMBuildZExt(b, bit, i64t, name)
                    }
                });
            }
            _ => return None,
        }
        i += width;
    }
    let address = stack.pop()?;
    Some(c::LLVMBuildIntToPtr(b, address, ptr, c"".as_ptr()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_base_offsets_read_only_the_slot() {
        // *(slot + 8) + 12: a shadow-stack local.
        assert!(reads_only_the_slot(
            &[dw::OP_PLUS_UCONST, 8, dw::OP_DEREF, dw::OP_PLUS_UCONST, 12],
            32
        ));
        // *(slot) + a: a static local at a linear-memory address.
        assert!(reads_only_the_slot(
            &[dw::OP_DEREF, dw::OP_PLUS_UCONST, 1024],
            32
        ));
        // *(slot) + *(slot + 32): a by-value struct whose address is a
        // mirrored wasm local.
        assert!(reads_only_the_slot(
            &[
                dw::OP_DUP,
                dw::OP_DEREF,
                dw::OP_SWAP,
                dw::OP_PLUS_UCONST,
                32,
                dw::OP_DEREF,
                dw::OP_PLUS
            ],
            40
        ));
    }

    #[test]
    fn names_as_clang_writes_them_for_codeview() {
        assert_eq!(msvc_name("Stack<int, 4>"), "Stack<int,4>");
        assert_eq!(
            msvc_name("apply_n<(lambda at templates.cpp:81:21)>"),
            "apply_n<`lambda at templates.cpp:81:21'>"
        );
        assert_eq!(msvc_name("f(int, int)"), "f(int, int)");
        assert_eq!(msvc_name("operator<"), "operator<");
    }

    #[test]
    fn values_and_reads_of_linear_memory_are_refused() {
        // A computed value.
        assert!(!reads_only_the_slot(
            &[dw::OP_PLUS_UCONST, 8, dw::OP_DEREF, dw::OP_STACK_VALUE],
            32
        ));
        // A read through an address found in the slot (linear memory).
        assert!(!reads_only_the_slot(
            &[dw::OP_PLUS_UCONST, 8, dw::OP_DEREF, dw::OP_DEREF_SIZE, 4],
            32
        ));
        // Outside the slot.
        assert!(!reads_only_the_slot(
            &[dw::OP_PLUS_UCONST, 64, dw::OP_DEREF],
            32
        ));
    }
}
