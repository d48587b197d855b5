//! Lowering one function body: the operand stack, locals, structured control
//! flow (block/loop/if, branches, br_table, return), calls, globals and traps.
//! Numeric, memory and reference operators live in their own files as more
//! `impl FuncTranslator` blocks.
//!
//! Every operator is visited with its byte offset in the module (`self.offset`);
//! debug info goes through a few hooks (function entry, operator position, a
//! local's or global's new value) in `debug_hooks.rs`.

use super::module_env::{Callee, ModuleEnv};
use super::runtime::{Runtime, TrapKind, FUNC_CODE};
use crate::debuginfo::records::FunctionValues;
use crate::debuginfo::values::Source;
use crate::debuginfo::{FrameBase, FunctionDebug, ModuleDebug};
use crate::error::{Error, Result};
use crate::options::Options;
use inkwell::basic_block::BasicBlock;
use inkwell::builder::Builder;
use inkwell::intrinsics::Intrinsic;
use inkwell::module::Module;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{
    BasicMetadataValueEnum, BasicValue, BasicValueEnum, FunctionValue, IntValue, PhiValue,
    PointerValue,
};
use inkwell::IntPredicate;
use innative_dwarf::ModuleOffset;
use wasmparser::{BlockType, FunctionBody, Operator};

/// What kind of construct a control frame is.
pub(super) enum FrameKind<'ctx> {
    Function,
    Block,
    Loop {
        header: BasicBlock<'ctx>,
        phis: Vec<PhiValue<'ctx>>,
    },
    If {
        else_block: BasicBlock<'ctx>,
        params: Vec<BasicValueEnum<'ctx>>,
        has_else: bool,
    },
}

/// One entry of the control stack.
struct Frame<'ctx> {
    kind: FrameKind<'ctx>,
    params: Vec<BasicTypeEnum<'ctx>>,
    results: Vec<BasicTypeEnum<'ctx>>,
    /// Operand-stack height below the frame's parameters.
    height: usize,
    /// Where the frame continues after `end` (the return block for the function).
    end_block: BasicBlock<'ctx>,
    /// Values arriving at `end_block` and the block each comes from.
    incoming: Vec<(Vec<BasicValueEnum<'ctx>>, BasicBlock<'ctx>)>,
}

impl<'ctx> Frame<'ctx> {
    /// Types a branch to this frame carries.
    fn branch_arity(&self) -> usize {
        match self.kind {
            FrameKind::Loop { .. } => self.params.len(),
            _ => self.results.len(),
        }
    }
}

pub struct FuncTranslator<'ctx, 'a, 'e> {
    pub rt: &'e Runtime<'ctx>,
    pub env: &'e ModuleEnv<'ctx, 'a>,
    pub module: &'e Module<'ctx>,
    pub opts: &'e Options,
    pub b: Builder<'ctx>,
    pub func: FunctionValue<'ctx>,
    pub func_index: u32,
    /// The entry block; function-wide values (allocas, memory bases) are
    /// inserted before its terminator.
    pub(super) entry: BasicBlock<'ctx>,
    pub(super) locals: Vec<(PointerValue<'ctx>, BasicTypeEnum<'ctx>)>,
    /// With debug info: variables tracked as values (location lists…).
    pub(super) values: Option<FunctionValues>,
    /// Where debug records go when the builder is not at a block's end
    /// (LLVM-C cannot tell the builder's position).
    pub(super) records_before: Option<inkwell::values::InstructionValue<'ctx>>,
    pub stack: Vec<BasicValueEnum<'ctx>>,
    control: Vec<Frame<'ctx>>,
    /// The current position cannot be reached (after br, return, unreachable).
    pub(super) unreachable: bool,
    /// Blocks opened inside unreachable code, skipped until their `end`.
    pub(super) dead_depth: u32,
    /// Per memory: (struct pointer, base pointer), loaded once at entry — the
    /// runtime never moves a memory's base.
    memory_cache: Vec<Option<(PointerValue<'ctx>, PointerValue<'ctx>)>>,
    /// Blocks in the order code was first emitted into them: the final
    /// layout, so that native code follows the source order (as clang's does)
    /// and cold trap blocks end up last.
    layout: Vec<BasicBlock<'ctx>>,
    placed: std::collections::HashSet<BasicBlock<'ctx>>,
    /// Byte offset (in the module) of the operator being lowered.
    pub offset: ModuleOffset,
    /// Source locations, when compiling with debug info and the module's
    /// provenance covers this function.
    pub(super) debug: Option<(&'e ModuleDebug<'ctx, 'e>, FunctionDebug<'ctx>)>,
    /// With debug info: the `{ memory base, native frame base }` slot that
    /// variable locations read, and which wasm value is the frame base.
    pub(super) debug_frame: Option<(PointerValue<'ctx>, Option<FrameBase>)>,
    /// At -O0 with debug info: wasm locals whose value (zero-extended) is
    /// mirrored in the frame slot from field 4 on, in this order, for
    /// variables that a local *points at* (see `ModuleDebug::mirrored_locals`).
    pub(super) mirrors: Vec<u32>,
    /// Every load from linear memory, for `observed_loads`.
    pub(super) memory_loads: Vec<inkwell::values::InstructionValue<'ctx>>,
    /// The try_tables being lowered, outermost first (`exceptions.rs`).
    pub(super) tries: Vec<super::exceptions::TryFrame<'ctx>>,
    /// The function has a try_table (calls `_setjmp`).
    pub(super) has_try: bool,
}

impl<'ctx, 'a, 'e> FuncTranslator<'ctx, 'a, 'e> {
    pub fn new(
        rt: &'e Runtime<'ctx>,
        env: &'e ModuleEnv<'ctx, 'a>,
        module: &'e Module<'ctx>,
        opts: &'e Options,
        func_index: u32,
        debug: Option<&'e ModuleDebug<'ctx, 'e>>,
        body: &FunctionBody<'a>,
    ) -> Result<Self> {
        let func = env.functions[func_index as usize]
            .ok_or_else(|| Error::new("not a defined function"))?;
        let entry = rt.context.append_basic_block(func, "entry");
        let b = rt.context.create_builder();
        b.position_at_end(entry);
        let range = body.range();
        let fallback_name = env.info.display_func_name(func_index);
        let debug = debug.and_then(|d| {
            let body = ModuleOffset(range.start)..ModuleOffset(range.end);
            d.function(func, body, &fallback_name).map(|f| (d, f))
        });
        if let Some((d, f)) = &debug {
            b.set_current_debug_location(d.entry_location(f));
        }
        Ok(FuncTranslator {
            rt,
            env,
            module,
            opts,
            b,
            func,
            func_index,
            entry,
            locals: Vec::new(),
            values: None,
            records_before: None,
            stack: Vec::new(),
            control: Vec::new(),
            unreachable: false,
            dead_depth: 0,
            memory_cache: vec![None; env.memories.len()],
            layout: vec![entry],
            placed: std::collections::HashSet::from([entry]),
            offset: ModuleOffset(0),
            debug,
            debug_frame: None,
            mirrors: Vec::new(),
            memory_loads: Vec::new(),
            tries: Vec::new(),
            has_try: false,
        })
    }

    /// Lowers the whole body.
    pub fn translate(mut self, body: &FunctionBody<'a>) -> Result<()> {
        if let Some(which) = self.libc_builtin() {
            return self.emit_libc_builtin(which);
        }
        let info = self.env.info;
        let ty = info.func_type(self.func_index).clone();
        let wasm_err = |e: wasmparser::BinaryReaderError| {
            Error::at_offset(
                &info.input.path,
                e.offset() as usize,
                e.message().to_string(),
            )
        };

        self.has_try = Self::uses_try_table(body);
        // Locals: parameters first, then declared locals, all zeroed.
        for (i, p) in ty.params().iter().enumerate() {
            let t = self.rt.val_type(*p);
            let slot = self.b.build_alloca(t, &format!("p{i}"))?;
            let param = self
                .func
                .get_nth_param(i as u32)
                .ok_or_else(|| Error::new("missing parameter"))?;
            self.b.build_store(slot, param)?;
            self.locals.push((slot, t));
        }
        let mut locals_reader = body.get_locals_reader().map_err(wasm_err)?;
        for _ in 0..locals_reader.get_count() {
            let (count, vt) = locals_reader.read().map_err(wasm_err)?;
            let t = self.rt.val_type(vt);
            for _ in 0..count {
                let slot = self.b.build_alloca(t, &format!("l{}", self.locals.len()))?;
                self.b.build_store(slot, self.rt.zero(vt))?;
                self.locals.push((slot, t));
            }
        }

        // Stack guard: trap when the frame is below the runtime's limit.
        let body_block = self.rt.context.append_basic_block(self.func, "body");
        if self.needs_stack_check(body).map_err(wasm_err)? {
            self.build_stack_check(body_block)?;
        } else {
            self.b.build_unconditional_branch(body_block)?;
        }
        self.enter(body_block);
        self.debug_function_entry(body_block)?;

        let return_block = self.rt.context.append_basic_block(self.func, "return");
        self.control.push(Frame {
            kind: FrameKind::Function,
            params: Vec::new(),
            results: ty.results().iter().map(|t| self.rt.val_type(*t)).collect(),
            height: 0,
            end_block: return_block,
            incoming: Vec::new(),
        });

        let mut reader = body.get_operators_reader().map_err(wasm_err)?;
        while !reader.eof() {
            let (op, offset) = reader.read_with_offset().map_err(wasm_err)?;
            self.offset = ModuleOffset(offset);
            self.debug_operator()?;
            self.operator(op)?;
        }
        super::observed_loads::keep_unobserved_loads(self.func, &self.memory_loads);
        for pair in self.layout.windows(2) {
            pair[1]
                .move_after(pair[0])
                .map_err(|_| Error::new("cannot lay out blocks"))?;
        }
        if self.has_try {
            self.make_locals_volatile();
        }
        Ok(())
    }

    /// Number of open control frames (the function's included).
    pub(super) fn control_depth(&self) -> usize {
        self.control.len()
    }

    /// Opens a block, loop or if whose parameters are on top of the stack.
    pub(super) fn push_frame(
        &mut self,
        kind: FrameKind<'ctx>,
        params: Vec<BasicTypeEnum<'ctx>>,
        results: Vec<BasicTypeEnum<'ctx>>,
        end_block: BasicBlock<'ctx>,
    ) {
        let height = self.stack.len() - params.len();
        self.control.push(Frame {
            kind,
            params,
            results,
            end_block,
            height,
            incoming: Vec::new(),
        });
    }

    /// Continues emitting code in `block`.
    pub(super) fn enter(&mut self, block: BasicBlock<'ctx>) {
        if self.placed.insert(block) {
            self.layout.push(block);
        }
        self.b.position_at_end(block);
    }

    /// An LLVM intrinsic declaration.
    /// Whether the function checks the stack limit on entry.  Only a function
    /// that can leave compiled wasm code needs to: one that calls an import
    /// (a host function, which must find the runtime's stack margin free) or
    /// calls through a table that may hold one (not one of
    /// [`ModuleInfo::wasm_only_tables`](crate::module::ModuleInfo::wasm_only_tables),
    /// which hold only the module's own functions, as clang's
    /// `__indirect_function_table` does).  Any other overflow runs
    /// into the guard below the thread's stack — frames probe every page they
    /// allocate ("probe-stack") so none can jump over it — and the runtime's
    /// fault handler reports that as the same "call stack exhausted" trap.
    /// Leaving the check out of the rest saves a load, a compare and the
    /// forced frame pointer in every leaf and wasm-to-wasm call.
    fn needs_stack_check(
        &self,
        body: &FunctionBody<'a>,
    ) -> std::result::Result<bool, wasmparser::BinaryReaderError> {
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            match reader.read()? {
                Operator::Call { function_index } => {
                    if matches!(self.env.callees[function_index as usize], Callee::Slot(_)) {
                        return Ok(true);
                    }
                }
                Operator::CallIndirect { table_index, .. } => {
                    if !self.env.wasm_only_tables[table_index as usize] {
                        return Ok(true);
                    }
                }
                Operator::CallRef { .. }
                | Operator::ReturnCall { .. }
                | Operator::ReturnCallIndirect { .. }
                | Operator::ReturnCallRef { .. } => return Ok(true),
                _ => {}
            }
        }
        Ok(false)
    }

    /// The entry check: branch to `body_block` unless the frame address is
    /// below the runtime's stack limit, in which case trap.
    fn build_stack_check(&mut self, body_block: BasicBlock<'ctx>) -> Result<()> {
        let trap_block = self
            .rt
            .context
            .append_basic_block(self.func, "stack_exhausted");
        let frameaddress = self.intrinsic("llvm.frameaddress", &[self.rt.ptr.into()])?;
        let frame = self
            .b
            .build_call(frameaddress, &[self.rt.i32.const_zero().into()], "frame")?
            .try_as_basic_value()
            .basic()
            .ok_or_else(|| Error::new("frameaddress returned nothing"))?
            .into_pointer_value();
        let limit =
            self.rt
                .invariant_load(&self.b, self.rt.stack_limit.as_pointer_value(), "limit")?;
        let frame_int = self.b.build_ptr_to_int(frame, self.rt.i64, "frame_int")?;
        let limit_int = self.b.build_ptr_to_int(limit, self.rt.i64, "limit_int")?;
        let below = self
            .b
            .build_int_compare(IntPredicate::ULT, frame_int, limit_int, "below")?;
        self.b
            .build_conditional_branch(below, trap_block, body_block)?;
        self.b.position_at_end(trap_block);
        self.b.build_call(
            self.rt.trap,
            &[self
                .rt
                .i32
                .const_int(TrapKind::StackExhausted as u64, false)
                .into()],
            "",
        )?;
        self.b.build_unreachable()?;
        Ok(())
    }

    pub fn intrinsic(
        &self,
        name: &str,
        types: &[BasicTypeEnum<'ctx>],
    ) -> Result<FunctionValue<'ctx>> {
        Intrinsic::find(name)
            .and_then(|i| i.get_declaration(self.module, types))
            .ok_or_else(|| Error::new(format!("LLVM intrinsic {name} is missing")))
    }

    /// Calls an intrinsic that returns a value.
    pub fn call_intrinsic(
        &self,
        name: &str,
        types: &[BasicTypeEnum<'ctx>],
        args: &[BasicMetadataValueEnum<'ctx>],
    ) -> Result<BasicValueEnum<'ctx>> {
        let f = self.intrinsic(name, types)?;
        self.b
            .build_call(f, args, name)?
            .try_as_basic_value()
            .basic()
            .ok_or_else(|| Error::new(format!("{name} returned nothing")))
    }

    pub fn push(&mut self, v: impl BasicValue<'ctx>) {
        self.stack.push(v.as_basic_value_enum());
    }

    pub fn pop(&mut self) -> Result<BasicValueEnum<'ctx>> {
        self.stack
            .pop()
            .ok_or_else(|| Error::new("operand stack underflow (internal error)"))
    }

    pub fn pop_int(&mut self) -> Result<IntValue<'ctx>> {
        Ok(self.pop()?.into_int_value())
    }

    fn pop_n(&mut self, n: usize) -> Result<Vec<BasicValueEnum<'ctx>>> {
        if n > self.stack.len() {
            return Err(Error::new("operand stack underflow (internal error)"));
        }
        Ok(self.stack.split_off(self.stack.len() - n))
    }

    /// Traps unconditionally; the position becomes unreachable.
    pub fn trap(&mut self, kind: TrapKind) -> Result<()> {
        self.b.build_call(
            self.rt.trap,
            &[self.rt.i32.const_int(kind as u64, false).into()],
            "",
        )?;
        self.b.build_unreachable()?;
        self.unreachable = true;
        Ok(())
    }

    /// Traps with `kind` when `cond` is true; continues in a fresh block.
    pub fn trap_if(&mut self, cond: IntValue<'ctx>, kind: TrapKind) -> Result<()> {
        let trap_block = self.rt.context.append_basic_block(self.func, "trap");
        let cont = self.rt.context.append_basic_block(self.func, "cont");
        self.b.build_conditional_branch(cond, trap_block, cont)?;
        self.b.position_at_end(trap_block);
        self.b.build_call(
            self.rt.trap,
            &[self.rt.i32.const_int(kind as u64, false).into()],
            "",
        )?;
        self.b.build_unreachable()?;
        self.enter(cont);
        Ok(())
    }

    /// A builder placed before the entry block's terminator, for values that
    /// must dominate the whole body.
    pub(super) fn entry_builder(&self) -> Result<Builder<'ctx>> {
        let b = self.rt.context.create_builder();
        if let Some((d, f)) = &self.debug {
            b.set_current_debug_location(d.entry_location(f));
        }
        let term = self
            .entry
            .get_terminator()
            .ok_or_else(|| Error::new("entry block has no terminator"))?;
        b.position_before(&term);
        Ok(b)
    }

    /// (struct pointer, base pointer) of memory `index`.
    pub fn memory(&mut self, index: u32) -> Result<(PointerValue<'ctx>, PointerValue<'ctx>)> {
        if self.opts.opt_level == crate::options::OptLevel::O0 {
            // At -O0 a value live across blocks is reloaded at each block's
            // start without a source location, which makes debuggers stop
            // twice on one line: load the base where it is used instead.
            let mem = self.env.memories[index as usize].address(self.rt, &self.b)?;
            let base = self.rt.invariant_load(&self.b, mem, "membase")?;
            return Ok((mem, base));
        }
        if let Some(cached) = self.memory_cache[index as usize] {
            return Ok(cached);
        }
        let b = self.entry_builder()?;
        let mem = self.env.memories[index as usize].address(self.rt, &b)?;
        let base = self.rt.invariant_load(&b, mem, "membase")?;
        self.memory_cache[index as usize] = Some((mem, base));
        Ok((mem, base))
    }

    pub(super) fn block_signature(
        &self,
        bt: BlockType,
    ) -> (Vec<BasicTypeEnum<'ctx>>, Vec<BasicTypeEnum<'ctx>>) {
        match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![self.rt.val_type(t)]),
            BlockType::FuncType(idx) => {
                let ft = &self.env.info.types[idx as usize];
                (
                    ft.params().iter().map(|t| self.rt.val_type(*t)).collect(),
                    ft.results().iter().map(|t| self.rt.val_type(*t)).collect(),
                )
            }
        }
    }

    /// Lowers one operator.
    fn operator(&mut self, op: Operator<'a>) -> Result<()> {
        if self.unreachable {
            match op {
                Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::TryTable { .. } => {
                    self.dead_depth += 1;
                    return Ok(());
                }
                Operator::Else if self.dead_depth == 0 => return self.op_else(),
                Operator::End if self.dead_depth == 0 => return self.op_end(),
                Operator::End => {
                    self.dead_depth -= 1;
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }
        match op {
            Operator::Nop => {}
            Operator::Unreachable => self.trap(TrapKind::Unreachable)?,
            Operator::Block { blockty } => {
                let (params, results) = self.block_signature(blockty);
                let end_block = self.rt.context.append_basic_block(self.func, "block_end");
                self.push_frame(FrameKind::Block, params, results, end_block);
            }
            Operator::Loop { blockty } => {
                let (params, results) = self.block_signature(blockty);
                let header = self.rt.context.append_basic_block(self.func, "loop");
                let end_block = self.rt.context.append_basic_block(self.func, "loop_end");
                let args = self.pop_n(params.len())?;
                let from = self.current_block()?;
                self.b.build_unconditional_branch(header)?;
                self.enter(header);
                let mut phis = Vec::new();
                for (t, v) in params.iter().zip(&args) {
                    let phi = self.b.build_phi(*t, "loop_param")?;
                    phi.add_incoming(&[(v as &dyn BasicValue, from)]);
                    self.stack.push(phi.as_basic_value());
                    phis.push(phi);
                }
                self.push_frame(FrameKind::Loop { header, phis }, params, results, end_block);
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_signature(blockty);
                let cond = self.pop_int()?;
                let cond = self.b.build_int_compare(
                    IntPredicate::NE,
                    cond,
                    self.rt.i32.const_zero(),
                    "cond",
                )?;
                let then_block = self.rt.context.append_basic_block(self.func, "then");
                let else_block = self.rt.context.append_basic_block(self.func, "else");
                let end_block = self.rt.context.append_basic_block(self.func, "if_end");
                self.b
                    .build_conditional_branch(cond, then_block, else_block)?;
                self.enter(then_block);
                let args = self.stack[self.stack.len() - params.len()..].to_vec();
                let kind = FrameKind::If {
                    else_block,
                    params: args,
                    has_else: false,
                };
                self.push_frame(kind, params, results, end_block);
            }
            Operator::Else => self.op_else()?,
            Operator::End => self.op_end()?,
            Operator::Br { relative_depth } => {
                self.branch(relative_depth)?;
                self.unreachable = true;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop_int()?;
                let cond = self.b.build_int_compare(
                    IntPredicate::NE,
                    cond,
                    self.rt.i32.const_zero(),
                    "br_if",
                )?;
                let taken = self.rt.context.append_basic_block(self.func, "br_if_taken");
                let cont = self.rt.context.append_basic_block(self.func, "br_if_cont");
                self.b.build_conditional_branch(cond, taken, cont)?;
                self.enter(taken);
                let saved = self.stack.clone();
                self.branch(relative_depth)?;
                self.stack = saved;
                self.enter(cont);
            }
            Operator::BrTable { targets } => {
                let index = self.pop_int()?;
                let default = targets.default();
                let depths: Vec<u32> = targets
                    .targets()
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| Error::new(e.message().to_string()))?;
                // One edge block per distinct target, so that phis at the
                // target see each predecessor once.
                let mut edge_blocks: Vec<(u32, BasicBlock<'ctx>)> = Vec::new();
                let mut edge_for = |depth: u32, this: &Self| {
                    if let Some((_, bb)) = edge_blocks.iter().find(|(d, _)| *d == depth) {
                        return *bb;
                    }
                    let bb = this
                        .rt
                        .context
                        .append_basic_block(this.func, "br_table_edge");
                    edge_blocks.push((depth, bb));
                    bb
                };
                let default_block = edge_for(default, self);
                let cases: Vec<(IntValue<'ctx>, BasicBlock<'ctx>)> = depths
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (self.rt.i32.const_int(i as u64, false), edge_for(*d, self)))
                    .collect();
                self.b.build_switch(index, default_block, &cases)?;
                let saved = self.stack.clone();
                for (depth, bb) in edge_blocks {
                    self.enter(bb);
                    self.stack = saved.clone();
                    self.branch(depth)?;
                }
                self.unreachable = true;
            }
            Operator::Return => {
                let depth = self.control.len() as u32 - 1;
                self.branch(depth)?;
                self.unreachable = true;
            }
            Operator::Call { function_index } => self.call(function_index)?,
            Operator::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index)?,
            Operator::Drop => {
                // A dropped load keeps its trap: see `observed_loads`.
                self.pop()?;
            }
            Operator::Select | Operator::TypedSelect { .. } | Operator::TypedSelectMulti { .. } => {
                let cond = self.pop_int()?;
                let b = self.pop()?;
                let a = self.pop()?;
                let cond = self.b.build_int_compare(
                    IntPredicate::NE,
                    cond,
                    self.rt.i32.const_zero(),
                    "sel",
                )?;
                let v = self.b.build_select(cond, a, b, "select")?;
                self.push(v);
            }
            Operator::LocalGet { local_index } => {
                let (slot, ty) = self.locals[local_index as usize];
                let v = self.b.build_load(ty, slot, "local")?;
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop()?;
                self.b.build_store(self.locals[local_index as usize].0, v)?;
                self.track_frame_base(FrameBase::Local(local_index), v)?;
                self.rebind_local(local_index, v)?;
            }
            Operator::LocalTee { local_index } => {
                let v = *self
                    .stack
                    .last()
                    .ok_or_else(|| Error::new("operand stack underflow"))?;
                self.b.build_store(self.locals[local_index as usize].0, v)?;
                self.track_frame_base(FrameBase::Local(local_index), v)?;
                self.rebind_local(local_index, v)?;
            }
            Operator::GlobalGet { global_index } => {
                let ty = self
                    .rt
                    .val_type(self.env.info.globals[global_index as usize].ty.content_type);
                let cell = self.env.globals[global_index as usize].address(self.rt, &self.b)?;
                let v = self.b.build_load(ty, cell, "global")?;
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let v = self.pop()?;
                let cell = self.env.globals[global_index as usize].address(self.rt, &self.b)?;
                self.b.build_store(cell, v)?;
                self.track_frame_base(FrameBase::Global(global_index), v)?;
                self.rebind(Source::Global(global_index), v)?;
            }
            op => {
                if !(self.numeric(&op)?
                    || self.memory_op(&op)?
                    || self.reference_op(&op)?
                    || self.simd_op(&op)?
                    || self.typed_ref_op(&op)?
                    || self.tail_call_op(&op)?
                    || self.exception_op(&op)?)
                {
                    return Err(Error::at_offset(
                        &self.env.info.input.path,
                        self.offset.0 as usize,
                        format!("operator {op:?} is not supported yet"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn current_block(&self) -> Result<BasicBlock<'ctx>> {
        self.b
            .get_insert_block()
            .ok_or_else(|| Error::new("builder has no position"))
    }

    /// Branches to the frame `depth` levels out, carrying its branch values
    /// from the top of the stack.
    pub(super) fn branch(&mut self, depth: u32) -> Result<()> {
        let index = self.control.len() - 1 - depth as usize;
        self.leave_tries_to(index)?;
        let arity = self.control[index].branch_arity();
        let values = self.stack[self.stack.len() - arity..].to_vec();
        let from = self.current_block()?;
        let frame = &mut self.control[index];
        match &frame.kind {
            FrameKind::Loop { header, phis } => {
                for (phi, v) in phis.iter().zip(&values) {
                    phi.add_incoming(&[(v as &dyn BasicValue, from)]);
                }
                let header = *header;
                self.b.build_unconditional_branch(header)?;
            }
            _ => {
                frame.incoming.push((values, from));
                let end = frame.end_block;
                self.b.build_unconditional_branch(end)?;
            }
        }
        Ok(())
    }

    fn op_else(&mut self) -> Result<()> {
        let reachable = !self.unreachable;
        let from = self.current_block()?;
        let frame = self
            .control
            .last_mut()
            .ok_or_else(|| Error::new("else without if"))?;
        let n = frame.results.len();
        let height = frame.height;
        if reachable {
            let values = self.stack[self.stack.len() - n..].to_vec();
            frame.incoming.push((values, from));
            self.b.build_unconditional_branch(frame.end_block)?;
        }
        let FrameKind::If {
            else_block,
            params,
            has_else,
        } = &mut frame.kind
        else {
            return Err(Error::new("else without if"));
        };
        *has_else = true;
        let else_block = *else_block;
        let params = params.clone();
        self.stack.truncate(height);
        self.stack.extend(params);
        self.enter(else_block);
        self.unreachable = false;
        Ok(())
    }

    fn op_end(&mut self) -> Result<()> {
        self.end_try()?;
        let mut frame = self
            .control
            .pop()
            .ok_or_else(|| Error::new("end without block"))?;
        if !self.unreachable {
            let n = frame.results.len();
            let values = self.stack[self.stack.len() - n..].to_vec();
            frame.incoming.push((values, self.current_block()?));
            self.b.build_unconditional_branch(frame.end_block)?;
        }
        if let FrameKind::If {
            else_block,
            params,
            has_else: false,
        } = &frame.kind
        {
            // An `if` without `else`: the false edge carries the parameters
            // through as results.
            self.enter(*else_block);
            frame.incoming.push((params.clone(), *else_block));
            self.b.build_unconditional_branch(frame.end_block)?;
        }
        self.stack.truncate(frame.height);
        self.enter(frame.end_block);
        let values: Vec<BasicValueEnum<'ctx>> = match frame.incoming.len() {
            0 => {
                self.b.build_unreachable()?;
                self.unreachable = true;
                if matches!(frame.kind, FrameKind::Function) {
                    return Ok(());
                }
                // Keep the stack shape for the (dead) code that follows.
                return Ok(());
            }
            1 => frame.incoming.pop().map(|(v, _)| v).unwrap_or_default(),
            _ => {
                let mut values = Vec::new();
                for (i, ty) in frame.results.iter().enumerate() {
                    let phi = self.b.build_phi(*ty, "result")?;
                    for (vals, from) in &frame.incoming {
                        phi.add_incoming(&[(&vals[i] as &dyn BasicValue, *from)]);
                    }
                    values.push(phi.as_basic_value());
                }
                values
            }
        };
        self.unreachable = false;
        if matches!(frame.kind, FrameKind::Function) {
            self.build_return(&values)?;
            self.unreachable = true;
        } else {
            self.stack.extend(values);
        }
        Ok(())
    }

    pub(super) fn build_return(&mut self, values: &[BasicValueEnum<'ctx>]) -> Result<()> {
        match values {
            [] => self.b.build_return(None)?,
            [one] => self.b.build_return(Some(one))?,
            many => {
                let ty = self
                    .func
                    .get_type()
                    .get_return_type()
                    .ok_or_else(|| Error::new("no return type"))?;
                let mut agg = ty.into_struct_type().get_undef();
                for (i, v) in many.iter().enumerate() {
                    agg = self
                        .b
                        .build_insert_value(agg, *v, i as u32, "ret")?
                        .into_struct_value();
                }
                self.b.build_return(Some(&agg))?
            }
        };
        Ok(())
    }

    /// Pushes the results of a call.
    pub fn push_call_results(
        &mut self,
        call: inkwell::values::CallSiteValue<'ctx>,
        nresults: usize,
    ) -> Result<()> {
        if nresults == 0 {
            return Ok(());
        }
        let v = call
            .try_as_basic_value()
            .basic()
            .ok_or_else(|| Error::new("call returned nothing"))?;
        if nresults == 1 {
            self.push(v);
        } else {
            let agg = v.into_struct_value();
            for i in 0..nresults {
                let field = self.b.build_extract_value(agg, i as u32, "result")?;
                self.push(field);
            }
        }
        Ok(())
    }

    fn call(&mut self, function_index: u32) -> Result<()> {
        let ty = self.env.info.func_type(function_index).clone();
        let args: Vec<BasicMetadataValueEnum> = self
            .pop_n(ty.params().len())?
            .into_iter()
            .map(Into::into)
            .collect();
        let call = match self.env.callees[function_index as usize] {
            Callee::Direct(f) => self.b.build_call(f, &args, "call")?,
            Callee::Slot(slot) => {
                let desc = self
                    .b
                    .build_load(self.rt.ptr, slot.as_pointer_value(), "import")?
                    .into_pointer_value();
                let code_ptr =
                    self.b
                        .build_struct_gep(self.rt.func, desc, FUNC_CODE, "code_ptr")?;
                let code = self
                    .b
                    .build_load(self.rt.ptr, code_ptr, "code")?
                    .into_pointer_value();
                self.b
                    .build_indirect_call(self.rt.fn_type(&ty), code, &args, "call")?
            }
        };
        self.push_call_results(call, ty.results().len())
    }

    /// Pops call arguments for a function type.
    pub fn pop_args(&mut self, nparams: usize) -> Result<Vec<BasicMetadataValueEnum<'ctx>>> {
        Ok(self.pop_n(nparams)?.into_iter().map(Into::into).collect())
    }

    /// Zero-extends a wasm i32 to a native index.
    pub fn index64(&self, v: IntValue<'ctx>) -> Result<IntValue<'ctx>> {
        Ok(self.b.build_int_z_extend(v, self.rt.i64, "idx")?)
    }
}
