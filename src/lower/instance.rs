//! A module's instance-level code: the init function (memories, tables,
//! globals, segments — in the order the spec instantiates them), the start
//! wrapper, export symbols and invoke trampolines, and the `innative_module`
//! descriptor that ties them together for hosts.

use super::module_env::{Callee, ModuleEnv, Place};
use super::runtime::{Runtime, FUNC_SIG};
use crate::error::{Error, Result};
use crate::module::{signature_string, ElemItem, ElemMode};
use crate::names;
use inkwell::builder::Builder;
use inkwell::module::{Linkage, Module};
use inkwell::types::BasicType;
use inkwell::values::{
    BasicMetadataValueEnum, BasicValueEnum, FunctionValue, GlobalValue, PointerValue,
};
use wasmparser::{ConstExpr, ExternalKind, FuncType, Operator};

/// Evaluates a constant expression at the builder's position.
pub fn const_expr<'ctx>(
    rt: &Runtime<'ctx>,
    env: &ModuleEnv<'ctx, '_>,
    b: &Builder<'ctx>,
    expr: &ConstExpr<'_>,
) -> Result<BasicValueEnum<'ctx>> {
    let mut stack: Vec<BasicValueEnum<'ctx>> = Vec::new();
    let mut reader = expr.get_operators_reader();
    let bad = || Error::new("malformed constant expression");
    loop {
        let op = reader
            .read()
            .map_err(|e| Error::new(e.message().to_string()))?;
        let v: BasicValueEnum = match op {
            Operator::End => break,
            Operator::I32Const { value } => rt.i32.const_int(value as u32 as u64, false).into(),
            Operator::I64Const { value } => rt.i64.const_int(value as u64, false).into(),
            Operator::F32Const { value } => {
                b.build_bit_cast(rt.i32.const_int(value.bits() as u64, false), rt.f32, "f")?
            }
            Operator::F64Const { value } => {
                b.build_bit_cast(rt.i64.const_int(value.bits(), false), rt.f64, "f")?
            }
            Operator::V128Const { value } => {
                super::simd::v128_const(rt.context, value.bytes()).into()
            }
            Operator::RefNull { .. } => rt.ptr.const_null().into(),
            Operator::RefFunc { function_index } => env.descriptors[function_index as usize]
                .ok_or_else(|| {
                    Error::new("ref.func of a function without descriptor (internal error)")
                })?
                .address(rt, b)?
                .into(),
            Operator::GlobalGet { global_index } => {
                let ty = rt.val_type(env.info.globals[global_index as usize].ty.content_type);
                let cell = env.globals[global_index as usize].address(rt, b)?;
                b.build_load(ty, cell, "g")?
            }
            Operator::I32Add
            | Operator::I64Add
            | Operator::I32Sub
            | Operator::I64Sub
            | Operator::I32Mul
            | Operator::I64Mul => {
                let r = stack.pop().ok_or_else(bad)?.into_int_value();
                let l = stack.pop().ok_or_else(bad)?.into_int_value();
                match op {
                    Operator::I32Add | Operator::I64Add => b.build_int_add(l, r, "c")?.into(),
                    Operator::I32Sub | Operator::I64Sub => b.build_int_sub(l, r, "c")?.into(),
                    _ => b.build_int_mul(l, r, "c")?.into(),
                }
            }
            other => {
                return Err(Error::new(format!(
                    "unsupported constant expression operator {other:?}"
                )))
            }
        };
        stack.push(v);
    }
    stack.pop().ok_or_else(bad)
}

/// A 64-bit table offset as the runtime's u32 (saturating: any offset of
/// 2^32 or more is out of bounds of every runtime table).
fn saturate_u32<'ctx>(
    rt: &Runtime<'ctx>,
    b: &Builder<'ctx>,
    v: inkwell::values::IntValue<'ctx>,
) -> Result<inkwell::values::IntValue<'ctx>> {
    if v.get_type().get_bit_width() == 32 {
        return Ok(v);
    }
    let max = rt.i64.const_int(u32::MAX as u64, false);
    let big = b.build_int_compare(inkwell::IntPredicate::UGT, v, max, "big")?;
    let v = b.build_select(big, max, v, "sat")?.into_int_value();
    Ok(b.build_int_truncate(v, rt.i32, "off32")?)
}

fn gep_index<'ctx>(
    rt: &Runtime<'ctx>,
    b: &Builder<'ctx>,
    array: GlobalValue<'ctx>,
    elem: impl BasicType<'ctx>,
    len: u32,
    index: u32,
) -> Result<PointerValue<'ctx>> {
    // SAFETY (for LLVM): constant index within the array's declared length.
    Ok(unsafe {
        b.build_in_bounds_gep(
            elem.array_type(len),
            array.as_pointer_value(),
            &[rt.i32.const_zero(), rt.i32.const_int(index as u64, false)],
            "at",
        )?
    })
}

/// Calls `callee` with `args` (direct, or through an import slot).
pub fn call_callee<'ctx>(
    rt: &Runtime<'ctx>,
    b: &Builder<'ctx>,
    callee: Callee<'ctx>,
    ty: &FuncType,
    args: &[BasicMetadataValueEnum<'ctx>],
) -> Result<inkwell::values::CallSiteValue<'ctx>> {
    Ok(match callee {
        Callee::Direct(f) => b.build_call(f, args, "call")?,
        Callee::Slot(slot) => {
            let desc = b
                .build_load(rt.ptr, slot.as_pointer_value(), "import")?
                .into_pointer_value();
            let code = b.build_load(rt.ptr, desc, "code")?.into_pointer_value();
            b.build_indirect_call(rt.fn_type(ty), code, args, "call")?
        }
    })
}

/// A call from a trampoline or wrapper into a wasm function stays a call:
/// inlined, the function's code would run under the trampoline's name, and
/// trap reports and backtraces would name the wrong function.
fn keep_frame<'ctx>(rt: &Runtime<'ctx>, call: inkwell::values::CallSiteValue<'ctx>) {
    let noinline = inkwell::attributes::Attribute::get_named_enum_kind_id("noinline");
    call.add_attribute(
        inkwell::attributes::AttributeLoc::Function,
        rt.context.create_enum_attribute(noinline, 0),
    );
}

pub struct InstanceBuilder<'ctx, 'a, 'e> {
    pub rt: &'e Runtime<'ctx>,
    pub env: &'e ModuleEnv<'ctx, 'a>,
    pub module: &'e Module<'ctx>,
}

impl<'ctx, 'a, 'e> InstanceBuilder<'ctx, 'a, 'e> {
    fn new_function(
        &self,
        name: &str,
        ty: inkwell::types::FunctionType<'ctx>,
    ) -> (FunctionValue<'ctx>, Builder<'ctx>) {
        let f = self.module.add_function(name, ty, Some(Linkage::Internal));
        let b = self.rt.context.create_builder();
        b.position_at_end(self.rt.context.append_basic_block(f, "entry"));
        (f, b)
    }

    /// Builds the init function.
    pub fn build_init(&self) -> Result<FunctionValue<'ctx>> {
        let (rt, env, info) = (self.rt, self.env, self.env.info);
        let (init, b) = self.new_function(
            &format!("{}.init", env.prefix),
            rt.context.void_type().fn_type(&[], false),
        );
        b.build_call(
            rt.register_module,
            &[env.descriptor.as_pointer_value().into()],
            "",
        )?;

        // Signature ids, then the descriptors' signatures.
        let ntypes = info.types.len() as u32;
        for (i, ty) in info.types.iter().enumerate() {
            let s = b.build_global_string_ptr(&signature_string(ty), "sig")?;
            let id = b.build_call(rt.sig_intern, &[s.as_pointer_value().into()], "sigid")?;
            let id = id
                .try_as_basic_value()
                .basic()
                .ok_or_else(|| Error::new("sig_intern returned nothing"))?;
            b.build_store(gep_index(rt, &b, env.sigids, rt.i32, ntypes, i as u32)?, id)?;
        }
        for (f, place) in env.descriptors.iter().enumerate() {
            if let Some(Place::Direct(desc)) = place {
                let ty_index = info.func_types[f];
                let id = b.build_load(
                    rt.i32,
                    gep_index(rt, &b, env.sigids, rt.i32, ntypes, ty_index)?,
                    "id",
                )?;
                let sig_ptr =
                    b.build_struct_gep(rt.func, desc.as_pointer_value(), FUNC_SIG, "sig_ptr")?;
                b.build_store(sig_ptr, id)?;
            }
        }

        for (i, mem) in info.memories.iter().enumerate() {
            if let Place::Direct(g) = env.memories[i] {
                if (i as u32) < info.num_imported_memories {
                    continue;
                }
                if mem.memory64 {
                    let max = mem.maximum.unwrap_or(u64::MAX);
                    b.build_call(
                        rt.memory_new64,
                        &[
                            g.as_pointer_value().into(),
                            rt.i64.const_int(mem.initial, false).into(),
                            rt.i64.const_int(max, false).into(),
                        ],
                        "",
                    )?;
                    continue;
                }
                let max = mem.maximum.map(|m| m as u32).unwrap_or(u32::MAX);
                b.build_call(
                    rt.memory_new,
                    &[
                        g.as_pointer_value().into(),
                        rt.i32.const_int(mem.initial, false).into(),
                        rt.i32.const_int(max as u64, false).into(),
                    ],
                    "",
                )?;
            }
        }
        for (i, g) in info.globals.iter().enumerate() {
            if let (Some(expr), Place::Direct(cell)) = (&g.init, env.globals[i]) {
                let v = const_expr(rt, env, &b, expr)?;
                b.build_store(cell.as_pointer_value(), v)?;
            }
        }
        for (i, t) in info.tables.iter().enumerate() {
            if t.imported {
                continue;
            }
            if let Place::Direct(g) = env.tables[i] {
                let init = match &t.init {
                    Some(e) => const_expr(rt, env, &b, e)?,
                    None => rt.ptr.const_null().into(),
                };
                // A 64-bit table's limits saturate at u32::MAX (more than
                // the runtime allows anyway).
                let max = t.ty.maximum.map(|m| m.min(u32::MAX as u64) as u32);
                let max = max.unwrap_or(u32::MAX);
                let initial = t.ty.initial.min(u32::MAX as u64);
                b.build_call(
                    rt.table_new,
                    &[
                        g.as_pointer_value().into(),
                        rt.i32.const_int(initial, false).into(),
                        rt.i32.const_int(max as u64, false).into(),
                        init.into(),
                    ],
                    "",
                )?;
            }
        }

        // Exports, now that every entity exists.
        let nexports = info.exports.len() as u32;
        for (i, e) in info.exports.iter().enumerate() {
            let place = match e.kind {
                ExternalKind::Func => env.descriptors[e.index as usize],
                ExternalKind::Table => Some(env.tables[e.index as usize]),
                ExternalKind::Memory => Some(env.memories[e.index as usize]),
                ExternalKind::Global => Some(env.globals[e.index as usize]),
                ExternalKind::Tag => Some(env.tags[e.index as usize]),
                _ => None,
            };
            let value = match place {
                Some(p) => p.address(rt, &b)?,
                None => rt.ptr.const_null(),
            };
            b.build_store(
                gep_index(rt, &b, env.exports_array, rt.ptr, nexports, i as u32)?,
                value,
            )?;
        }

        // Element segments, then data segments, in order; an out-of-bounds
        // active segment traps in the runtime, leaving earlier ones applied.
        for (i, seg) in info.elems.iter().enumerate() {
            let s = &env.elems[i];
            for (j, item) in seg.items.iter().enumerate() {
                let v: BasicValueEnum = match item {
                    ElemItem::Func(f) => env.descriptors[*f as usize]
                        .ok_or_else(|| Error::new("element without descriptor (internal error)"))?
                        .address(rt, &b)?
                        .into(),
                    ElemItem::Expr(e) => const_expr(rt, env, &b, e)?,
                };
                b.build_store(gep_index(rt, &b, s.items, rt.ptr, s.count, j as u32)?, v)?;
            }
            match &seg.mode {
                ElemMode::Passive => {}
                ElemMode::Declared => {
                    b.build_store(s.len.as_pointer_value(), rt.i32.const_zero())?;
                }
                ElemMode::Active { table, offset } => {
                    let offset = const_expr(rt, env, &b, offset)?.into_int_value();
                    let offset = saturate_u32(rt, &b, offset)?;
                    let t = env.tables[*table as usize].address(rt, &b)?;
                    let n = rt.i32.const_int(s.count as u64, false);
                    b.build_call(
                        rt.table_init,
                        &[
                            t.into(),
                            offset.into(),
                            s.items.as_pointer_value().into(),
                            n.into(),
                            rt.i32.const_zero().into(),
                            n.into(),
                        ],
                        "",
                    )?;
                    b.build_store(s.len.as_pointer_value(), rt.i32.const_zero())?;
                }
            }
        }
        // call_indirect's copies of the tables only element segments fill.
        for (i, shadow) in env.table_shadows.iter().enumerate() {
            if let Some((g, n)) = shadow {
                let ty = super::module_env::shadow_type(rt, *n);
                let code = b.build_struct_gep(ty, g.as_pointer_value(), 0, "shadow_code")?;
                let sig = b.build_struct_gep(ty, g.as_pointer_value(), 1, "shadow_sig")?;
                let t = env.tables[i].address(rt, &b)?;
                b.build_call(
                    rt.table_shadow,
                    &[
                        t.into(),
                        code.into(),
                        sig.into(),
                        rt.i32.const_int(*n as u64, false).into(),
                    ],
                    "",
                )?;
            }
        }
        for (i, seg) in info.datas.iter().enumerate() {
            if let Some((mem, offset)) = &seg.active {
                let s = &env.datas[i];
                let offset = const_expr(rt, env, &b, offset)?;
                let m = env.memories[*mem as usize].address(rt, &b)?;
                let n = rt.i32.const_int(s.count as u64, false);
                let memory64 = info.memories[*mem as usize].memory64;
                b.build_call(
                    if memory64 {
                        rt.memory_init64
                    } else {
                        rt.memory_init
                    },
                    &[
                        m.into(),
                        offset.into(),
                        s.items.as_pointer_value().into(),
                        n.into(),
                        rt.i32.const_zero().into(),
                        n.into(),
                    ],
                    "",
                )?;
                b.build_store(s.len.as_pointer_value(), rt.i32.const_zero())?;
            }
        }
        b.build_return(None)?;
        Ok(init)
    }

    /// The start wrapper (`void(void)`), when the module has a start function.
    pub fn build_start(&self, start: Option<u32>) -> Result<Option<FunctionValue<'ctx>>> {
        let Some(start) = start else { return Ok(None) };
        let (f, b) = self.new_function(
            &format!("{}.start", self.env.prefix),
            self.rt.context.void_type().fn_type(&[], false),
        );
        let ty = self.env.info.func_type(start).clone();
        call_callee(self.rt, &b, self.env.callees[start as usize], &ty, &[])?;
        b.build_return(None)?;
        Ok(Some(f))
    }

    /// Gives exports their C symbols: a defined function or entity takes the
    /// `<module>_WASM_<export>` name itself; other exported functions get a
    /// wrapper.  A function with several results is exported as
    /// `void sym(params..., struct results *out)`.
    pub fn export_symbols(&self) -> Result<()> {
        let (env, info) = (self.env, self.env.info);
        for e in &info.exports {
            let sym = names::export_symbol(&info.name, e.name);
            if e.kind != ExternalKind::Func {
                // Defined memories, tables and globals were named after their
                // first export when declared; others get no C symbol.
                continue;
            }
            if let Some(f) = env.functions[e.index as usize] {
                if f.get_name().to_bytes() == sym.as_bytes() {
                    continue;
                }
            }
            if self.module.get_function(&sym).is_some() || self.module.get_global(&sym).is_some() {
                return Err(Error::in_file(
                    &info.input.path,
                    format!("duplicate export symbol {sym}"),
                ));
            }
            let ty = info.func_type(e.index).clone();
            self.export_wrapper(&sym, &ty, env.callees[e.index as usize])?;
        }
        Ok(())
    }

    fn export_wrapper(&self, sym: &str, ty: &FuncType, callee: Callee<'ctx>) -> Result<()> {
        let rt = self.rt;
        let multi = ty.results().len() > 1;
        let fn_ty = if multi {
            let mut params: Vec<inkwell::types::BasicMetadataTypeEnum> =
                ty.params().iter().map(|t| rt.val_type(*t).into()).collect();
            params.push(rt.ptr.into());
            rt.context.void_type().fn_type(&params, false)
        } else {
            rt.fn_type(ty)
        };
        let f = self
            .module
            .add_function(sym, fn_ty, Some(Linkage::External));
        let b = rt.context.create_builder();
        b.position_at_end(rt.context.append_basic_block(f, "entry"));
        let args: Vec<BasicMetadataValueEnum> = (0..ty.params().len() as u32)
            .filter_map(|i| f.get_nth_param(i))
            .map(Into::into)
            .collect();
        let call = call_callee(rt, &b, callee, ty, &args)?;
        keep_frame(rt, call);
        let result = call.try_as_basic_value().basic();
        if multi {
            let out = f
                .get_nth_param(ty.params().len() as u32)
                .ok_or_else(|| Error::new("missing out param"))?;
            let st = rt.results_struct(ty.results());
            let agg = result
                .ok_or_else(|| Error::new("no results"))?
                .into_struct_value();
            for i in 0..ty.results().len() as u32 {
                let v = b.build_extract_value(agg, i, "r")?;
                let p = b.build_struct_gep(st, out.into_pointer_value(), i, "out")?;
                b.build_store(p, v)?;
            }
            b.build_return(None)?;
        } else {
            match result {
                Some(v) => b.build_return(Some(&v))?,
                None => b.build_return(None)?,
            };
        }
        Ok(())
    }

    /// The generic trampoline of an exported function (see `innative_invoker`).
    fn build_invoker(&self, export_index: usize, func: u32) -> Result<FunctionValue<'ctx>> {
        let rt = self.rt;
        let ty = self.env.info.func_type(func).clone();
        let (f, b) = self.new_function(
            &format!("{}.invoke.{export_index}", self.env.prefix),
            rt.context.void_type().fn_type(&[rt.ptr.into()], false),
        );
        let slots = f
            .get_nth_param(0)
            .ok_or_else(|| Error::new("missing param"))?
            .into_pointer_value();
        // Slot offsets: one slot per value, two per v128 (innative.h).
        let offsets = |types: &[wasmparser::ValType]| -> Vec<usize> {
            types
                .iter()
                .scan(0, |at, t| {
                    let here = *at;
                    *at += if *t == wasmparser::ValType::V128 {
                        2
                    } else {
                        1
                    };
                    Some(here)
                })
                .collect()
        };
        let (param_at, result_at) = (offsets(ty.params()), offsets(ty.results()));
        let slot = |i: usize| -> Result<PointerValue<'ctx>> {
            // SAFETY (for LLVM): the host passes enough slots for the
            // parameters and for the results.
            Ok(unsafe {
                b.build_in_bounds_gep(rt.i64, slots, &[rt.i64.const_int(i as u64, false)], "slot")?
            })
        };
        // Slots are 8-byte aligned (a v128 is 16 bytes in two of them).
        let aligned8 = |v: BasicValueEnum<'ctx>| {
            if let Some(i) = inkwell::values::BasicValue::as_instruction_value(&v) {
                i.set_alignment(8).ok();
            }
        };
        let mut args: Vec<BasicMetadataValueEnum> = Vec::new();
        for (i, p) in ty.params().iter().enumerate() {
            let v = b.build_load(rt.val_type(*p), slot(param_at[i])?, "arg")?;
            aligned8(v);
            args.push(v.into());
        }
        let call = call_callee(rt, &b, self.env.callees[func as usize], &ty, &args)?;
        keep_frame(rt, call);
        match ty.results().len() {
            0 => {}
            1 => {
                let v = call
                    .try_as_basic_value()
                    .basic()
                    .ok_or_else(|| Error::new("no result"))?;
                b.build_store(slot(0)?, v)?.set_alignment(8).ok();
            }
            n => {
                let agg = call
                    .try_as_basic_value()
                    .basic()
                    .ok_or_else(|| Error::new("no result"))?
                    .into_struct_value();
                for i in 0..n {
                    let v = b.build_extract_value(agg, i as u32, "r")?;
                    b.build_store(slot(result_at[i])?, v)?.set_alignment(8).ok();
                }
            }
        }
        b.build_return(None)?;
        Ok(f)
    }

    fn constant_array(&self, name: &str, values: &[PointerValue<'ctx>]) -> GlobalValue<'ctx> {
        let arr = self.rt.ptr.const_array(values);
        let g = self.module.add_global(arr.get_type(), None, name);
        g.set_linkage(Linkage::Private);
        g.set_constant(true);
        g.set_initializer(&arr);
        g
    }

    fn c_string(&self, name: &str, s: &str) -> PointerValue<'ctx> {
        let bytes = self.rt.context.const_string(s.as_bytes(), true);
        let g = self.module.add_global(bytes.get_type(), None, name);
        g.set_linkage(Linkage::Private);
        g.set_constant(true);
        g.set_initializer(&bytes);
        g.as_pointer_value()
    }

    /// Fills in the `innative_module` descriptor and the descriptors of the
    /// module's own functions.
    pub fn build_descriptor(
        &self,
        init: FunctionValue<'ctx>,
        start: Option<FunctionValue<'ctx>>,
    ) -> Result<()> {
        let (rt, env, info) = (self.rt, self.env, self.env.info);
        let p = &env.prefix;
        for (f, place) in env.descriptors.iter().enumerate() {
            if let (Some(Place::Direct(desc)), Some(func)) = (place, env.functions[f]) {
                desc.set_initializer(&rt.func.const_named_struct(&[
                    func.as_global_value().as_pointer_value().into(),
                    rt.i32.const_zero().into(),
                    rt.i32.const_int(f as u64, false).into(),
                    env.descriptor.as_pointer_value().into(),
                ]));
            }
        }
        let imports = self.constant_array(
            &format!("{p}.imports"),
            &env.import_slots
                .iter()
                .map(|s| s.as_pointer_value())
                .collect::<Vec<_>>(),
        );
        let mut invokers = Vec::new();
        for (i, e) in info.exports.iter().enumerate() {
            invokers.push(if e.kind == ExternalKind::Func {
                self.build_invoker(i, e.index)?
                    .as_global_value()
                    .as_pointer_value()
            } else {
                rt.ptr.const_null()
            });
        }
        let invokers = self.constant_array(&format!("{p}.invokers"), &invokers);
        let defined: Vec<FunctionValue> = env.functions.iter().flatten().copied().collect();
        let code = self.constant_array(
            &format!("{p}.func_code"),
            &defined
                .iter()
                .map(|f| f.as_global_value().as_pointer_value())
                .collect::<Vec<_>>(),
        );
        let names: Vec<PointerValue> = (info.num_imported_funcs..info.func_types.len() as u32)
            .map(|f| {
                let name = crate::names::demangled(&info.display_func_name(f));
                self.c_string(&format!("{p}.name.{f}"), &name)
            })
            .collect();
        let names = self.constant_array(&format!("{p}.func_names"), &names);
        let name = self.c_string(&format!("{p}.module_name"), &info.name);
        let start_ptr = match start {
            Some(s) => s.as_global_value().as_pointer_value(),
            None => rt.ptr.const_null(),
        };
        env.descriptor.set_initializer(
            &rt.module_desc.const_named_struct(&[
                rt.i32.const_int(1, false).into(),
                rt.i32
                    .const_int(env.import_slots.len() as u64, false)
                    .into(),
                name.into(),
                imports.as_pointer_value().into(),
                rt.i32.const_int(info.exports.len() as u64, false).into(),
                rt.i32.const_int(defined.len() as u64, false).into(),
                env.exports_array.as_pointer_value().into(),
                invokers.as_pointer_value().into(),
                init.as_global_value().as_pointer_value().into(),
                start_ptr.into(),
                code.as_pointer_value().into(),
                names.as_pointer_value().into(),
            ]),
        );
        Ok(())
    }
}
