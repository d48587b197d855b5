//! Loads from linear memory whose value nothing observes.
//!
//! A wasm load traps when its address is out of bounds, whether or not its
//! value is used; innative leaves that check to the guard region, so the
//! trap happens only if the machine load is executed.  LLVM deletes a load
//! whose value is unused (its optimizer at -O2, instruction selection even
//! at -O0), trap and all.  After a function is lowered, this pass finds the
//! memory loads whose value reaches no side effect and makes just those
//! volatile, which LLVM must keep.  Loads whose value is used stay ordinary
//! loads, free to be combined, hoisted and vectorized.
//!
//! The analysis is the marking phase of an aggressive dead-code elimination:
//! stores to memory or globals, calls, returns and branches are observed;
//! an instruction an observed instruction uses is observed.  Locals are
//! allocas here (before mem2reg), so a store into a local is observed only
//! once something observed reads that local.
//!
//! At -O0 that makes out-of-bounds loads trap exactly where wasm says.  At
//! -O2 two things remain that only the optimizer sees, both in a program
//! that traps anyway: a value it proves it does not need (`x * 0`, a
//! compare it can fold) still loses its load, and a load may be sunk past a
//! later trap check (a division by zero reported instead of the access).
//! Pinning every load in place (wasm2c's `FORCE_READ`, an empty volatile
//! asm using the value) closes both, but cost 3-36% more instructions on
//! the speed benchmark (matmul +36%, n-body +19%: loops no longer vectorize),
//! so innative does not; `--bounds-checks` gives exact traps at any level.

use inkwell::values::{
    BasicValueEnum, CallSiteValue, FunctionValue, InstructionOpcode as Op, InstructionValue,
    Operand,
};
use std::collections::{HashMap, HashSet};

/// Makes every load of `memory_loads` (loads from linear memory in `func`)
/// volatile when its value is not observed.
pub(super) fn keep_unobserved_loads<'ctx>(
    func: FunctionValue<'ctx>,
    memory_loads: &[InstructionValue<'ctx>],
) {
    if memory_loads.is_empty() {
        return;
    }
    // Values stored into each alloca (a local's slot).
    let mut stored: HashMap<InstructionValue<'ctx>, Vec<InstructionValue<'ctx>>> = HashMap::new();
    let mut observed: HashSet<InstructionValue<'ctx>> = HashSet::new();
    let mut work: Vec<InstructionValue<'ctx>> = Vec::new();
    for block in func.get_basic_blocks() {
        let mut next = block.get_first_instruction();
        while let Some(inst) = next {
            next = inst.get_next_instruction();
            if inst.get_opcode() == Op::Store {
                if let Some(slot) = operand_instruction(inst, 1).filter(is_alloca) {
                    if let Some(value) = operand_instruction(inst, 0) {
                        stored.entry(slot).or_default().push(value);
                    }
                    continue;
                }
            }
            if is_side_effect(inst) && observed.insert(inst) {
                work.push(inst);
            }
        }
    }
    while let Some(inst) = work.pop() {
        let mut uses: Vec<InstructionValue<'ctx>> = (0..inst.get_num_operands())
            .filter_map(|i| operand_instruction(inst, i))
            .collect();
        if is_alloca(&inst) {
            uses.extend(stored.get(&inst).into_iter().flatten().copied());
        }
        for used in uses {
            if observed.insert(used) {
                work.push(used);
            }
        }
    }
    for load in memory_loads {
        if !observed.contains(load) {
            load.set_volatile(true).ok();
        }
    }
}

/// Operand `i` of `inst`, if it is the result of an instruction.
fn operand_instruction<'ctx>(
    inst: InstructionValue<'ctx>,
    i: u32,
) -> Option<InstructionValue<'ctx>> {
    match inst.get_operand(i)? {
        Operand::Value(v) => instruction_of(v),
        Operand::Block(_) => None,
    }
}

fn instruction_of(v: BasicValueEnum<'_>) -> Option<InstructionValue<'_>> {
    use inkwell::values::BasicValue;
    v.as_instruction_value()
}

fn is_alloca(inst: &InstructionValue<'_>) -> bool {
    inst.get_opcode() == Op::Alloca
}

/// Whether `inst` is observable by itself: it writes memory, calls out,
/// leaves the function or decides where control goes.
fn is_side_effect(inst: InstructionValue<'_>) -> bool {
    match inst.get_opcode() {
        Op::Store
        | Op::Return
        | Op::Br
        | Op::Switch
        | Op::IndirectBr
        | Op::Unreachable
        | Op::Fence
        | Op::AtomicRMW
        | Op::AtomicCmpXchg
        | Op::Invoke
        | Op::Resume => true,
        Op::Load => inst.get_volatile().unwrap_or(false),
        Op::Call => !is_pure_intrinsic(inst),
        _ => false,
    }
}

/// Calls of LLVM intrinsics that only compute a value (bit counts, float
/// rounding, saturating arithmetic) or only describe variables (`llvm.dbg.*`).
fn is_pure_intrinsic(inst: InstructionValue<'_>) -> bool {
    let Ok(call) = CallSiteValue::try_from(inst) else {
        return false;
    };
    let Some(callee) = call.get_called_fn_value() else {
        return false;
    };
    let name = callee.get_name().to_bytes();
    name.starts_with(b"llvm.")
        && !(name.starts_with(b"llvm.mem")
            || name.starts_with(b"llvm.trap")
            || name.starts_with(b"llvm.debugtrap")
            || name.starts_with(b"llvm.stack"))
}
