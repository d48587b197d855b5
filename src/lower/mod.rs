//! Lowering a program (one or more wasm modules compiled together) to one
//! LLVM module:
//!
//! 1. [`module_env`] declares each module's functions, memories, tables,
//!    globals, segments and import slots;
//! 2. imports are resolved ([`Linkage::Static`]: to modules compiled alongside
//!    or to C symbols; [`Linkage::Host`]: left to slots a host fills);
//! 3. [`function`] (with [`numeric`], [`memory`], [`reference`], [`simd`]) lowers bodies;
//! 4. [`instance`] builds init/start, export symbols, invokers and the module
//!    descriptor; executables also get `innative_program_start`.
//!
//! With `-g`, each module's provenance (chosen beforehand by
//! [`crate::provenance::select`]) goes to the debug layer
//! ([`crate::debuginfo`]), which the function translator reaches through
//! the hooks of `debug_hooks.rs`.  Nothing here reads DWARF or writes files.

mod debug_hooks;
mod exceptions;
pub mod function;
mod index64;
pub mod instance;
mod libc_builtins;
mod libc_strings;
pub mod memory;
pub mod module_env;
pub mod numeric;
mod observed_loads;
pub mod reference;
pub mod runtime;
pub mod simd;
mod simd_memory;
mod simd_ops;
mod tail_call;
mod typed_refs;

use crate::debuginfo::{ModuleDebug, WasmGlobalCell};
use crate::error::{Error, Result};
use crate::module::{ImportKind, ModuleInfo};
use crate::names;
use crate::options::{Linkage, OptLevel, Options, OutputKind};
use inkwell::context::Context;
use inkwell::module::Module;
use inkwell::values::FunctionValue;
use innative_dwarf::{ModuleOffset, Provenance};
use instance::InstanceBuilder;
use module_env::{Callee, ModuleEnv, Place};
use runtime::Runtime;
use wasmparser::ExternalKind;

/// Function attribute of a function that makes wasm tail calls: tail calls
/// stay enabled in it (see `emit::optimize`).
pub const WASM_TAIL_CALLS: &str = "innative-wasm-tail-calls";

/// Lowers `modules` into a new LLVM module; with `-g`, `provenance[i]` is
/// the provenance chosen for module `i` (see [`crate::provenance::select`]).
pub fn lower_program<'ctx>(
    context: &'ctx Context,
    modules: &[ModuleInfo<'_>],
    provenance: &[Option<Provenance>],
    opts: &Options,
) -> Result<Module<'ctx>> {
    let llvm_name = modules
        .first()
        .map(|m| m.name.as_str())
        .unwrap_or("innative");
    let module = context.create_module(llvm_name);
    let rt = Runtime::declare(context, &module);

    let mut envs: Vec<ModuleEnv> = modules
        .iter()
        .map(|m| ModuleEnv::declare(&rt, &module, m))
        .collect();
    if opts.linkage == Linkage::Static {
        resolve_static_imports(&rt, &module, &mut envs, opts)?;
    }

    if opts.debug {
        add_debug_module_flags(context, &module, opts);
    }
    let debug: Vec<Option<ModuleDebug>> = envs
        .iter()
        .zip(provenance)
        .map(|(env, prov)| {
            prov.as_ref().map(|p| {
                let bodies: Vec<std::ops::Range<ModuleOffset>> = env
                    .info
                    .bodies
                    .iter()
                    .map(|b| ModuleOffset(b.range().start)..ModuleOffset(b.range().end))
                    .collect();
                ModuleDebug::new(
                    context,
                    &module,
                    p,
                    ModuleOffset(env.info.code_section_offset),
                    opts.opt_level != OptLevel::O0,
                    &env.info.input.path,
                    &bodies,
                )
            })
        })
        .collect();

    for (env, dbg) in envs.iter().zip(&debug) {
        for (i, body) in env.info.bodies.iter().enumerate() {
            let func_index = env.info.num_imported_funcs + i as u32;
            function::FuncTranslator::new(&rt, env, &module, opts, func_index, dbg.as_ref(), body)?
                .translate(body)?;
        }
    }
    for (env, d) in envs.iter().zip(&debug) {
        let Some(d) = d else { continue };
        if let Some(Place::Direct(memory)) = env.memories.first() {
            let table = match env.tables.first() {
                Some(Place::Direct(t)) => Some(*t),
                _ => None,
            };
            d.declare_globals(*memory, table);
        }
        let cells: Vec<WasmGlobalCell> = env
            .globals
            .iter()
            .map(|place| match place {
                Place::Direct(g) => WasmGlobalCell::Direct(*g),
                Place::Slot(slot) => WasmGlobalCell::Slot(*slot),
            })
            .collect();
        d.declare_wasm_globals(&cells);
        if let (true, Some(summary)) = (opts.verbose, d.dropped_variables_summary()) {
            eprintln!("{}: note: {summary}", env.info.input.path.display());
        }
        d.finalize();
    }

    let mut inits = Vec::new();
    for env in &envs {
        let ib = InstanceBuilder {
            rt: &rt,
            env,
            module: &module,
        };
        let init = ib.build_init()?;
        let start = ib.build_start(start_function(env, opts))?;
        ib.export_symbols()?;
        ib.build_descriptor(init, start)?;
        inits.push((init, start));
    }

    if opts.linkage == Linkage::Static {
        match opts.kind {
            OutputKind::Executable => {
                build_program_start(&rt, &module, &envs, &inits)?;
                build_string_array(&rt, &module, "innative_wasi_preopens", &opts.preopens);
                build_string_array(&rt, &module, "innative_wasi_env", &opts.env);
                if opts.inherit_env {
                    let g =
                        module.add_global(rt.context.i32_type(), None, "innative_wasi_inherit_env");
                    g.set_constant(true);
                    g.set_initializer(&rt.context.i32_type().const_int(1, false));
                }
            }
            OutputKind::SharedLibrary => build_library_constructor(&rt, &module, &envs, &inits)?,
            OutputKind::Object => {}
        }
    } else {
        // A host initializes the modules itself, and may unload them.
        build_unregister_on_unload(&rt, &module, &envs)?;
    }

    if opts.debug {
        keep_debug_functions_out_of_line(&module);
    }
    module.verify().map_err(|e| {
        Error::new(format!(
            "internal error: invalid LLVM IR: {}",
            e.to_string_lossy()
        ))
    })?;
    Ok(module)
}

/// With debug info: a function that has source lines is never inlined into
/// one that has none (wasi-libc's `_start` calling the program's `main`).
/// LLVM drops the callee's lines when the caller has no `DISubprogram`, so
/// `break main` would never stop — natively, libc's `_start` is not even in
/// the same object.  Calls in that direction are rare and cold.
fn keep_debug_functions_out_of_line(module: &Module<'_>) {
    let noinline = module.get_context().create_enum_attribute(
        inkwell::attributes::Attribute::get_named_enum_kind_id("noinline"),
        0,
    );
    for caller in module.get_functions() {
        if caller.get_subprogram().is_some() {
            continue;
        }
        for block in caller.get_basic_block_iter() {
            let mut next = block.get_first_instruction();
            while let Some(inst) = next {
                next = inst.get_next_instruction();
                if inst.get_opcode() != inkwell::values::InstructionOpcode::Call {
                    continue;
                }
                // The callee is a call's last operand.
                let Some(callee) = inst
                    .get_operand(inst.get_num_operands().saturating_sub(1))
                    .and_then(|o| o.value())
                    .filter(|v| v.is_pointer_value())
                    .and_then(|v| {
                        module.get_function(v.into_pointer_value().get_name().to_str().ok()?)
                    })
                else {
                    continue;
                };
                if callee.get_subprogram().is_some() && callee.count_basic_blocks() > 0 {
                    callee.add_attribute(inkwell::attributes::AttributeLoc::Function, noinline);
                }
            }
        }
    }
}

/// Module flags every module with debug info needs.
fn add_debug_module_flags<'ctx>(context: &'ctx Context, module: &Module<'ctx>, opts: &Options) {
    use inkwell::module::FlagBehavior;
    let i32t = context.i32_type();
    module.add_basic_value_flag(
        "Debug Info Version",
        FlagBehavior::Warning,
        i32t.const_int(inkwell::debug_info::debug_metadata_version() as u64, false),
    );
    if opts.target.is_windows() {
        // CodeView, linked into a PDB (src/debuginfo/codeview.rs); with both
        // flags LLVM would write both formats.
        module.add_basic_value_flag(
            crate::debuginfo::CODEVIEW,
            FlagBehavior::Warning,
            i32t.const_int(1, false),
        );
        return;
    }
    let version = if opts.dwarf_version == 4 { 4 } else { 5 };
    module.add_basic_value_flag(
        "Dwarf Version",
        FlagBehavior::Warning,
        i32t.const_int(version, false),
    );
}

/// The start function: `--start MOD:FN` (for the named module) or the module's own.
fn start_function(env: &ModuleEnv, opts: &Options) -> Option<u32> {
    if let Some((m, f)) = &opts.start {
        if *m == env.info.name {
            return env
                .info
                .exports
                .iter()
                .find(|e| e.kind == ExternalKind::Func && e.name == f)
                .map(|e| e.index);
        }
    }
    env.info.start
}

/// Follows an export (possibly a re-exported import) to the module that defines it.
fn resolve_export(
    envs: &[ModuleEnv],
    module: &str,
    name: &str,
    depth: u32,
) -> Option<(usize, ExternalKind, u32)> {
    if depth > 64 {
        return None;
    }
    let mi = envs.iter().position(|e| e.info.name == module)?;
    let info = envs[mi].info;
    let export = info.exports.iter().find(|e| e.name == name)?;
    // Is the exported index itself an import of this module?
    let imported = info
        .imports
        .iter()
        .find(|imp| match (imp.kind, export.kind) {
            (ImportKind::Func { func }, ExternalKind::Func) => func == export.index,
            (ImportKind::Table { table }, ExternalKind::Table) => table == export.index,
            (ImportKind::Memory { memory }, ExternalKind::Memory) => memory == export.index,
            (ImportKind::Global { global }, ExternalKind::Global) => global == export.index,
            (ImportKind::Tag { tag }, ExternalKind::Tag) => tag == export.index,
            _ => false,
        });
    match imported {
        Some(imp) => resolve_export(envs, imp.module, imp.name, depth + 1),
        None => Some((mi, export.kind, export.index)),
    }
}

/// Links imports at compile time: to modules compiled alongside, else to C.
fn resolve_static_imports<'ctx>(
    rt: &Runtime<'ctx>,
    module: &Module<'ctx>,
    envs: &mut [ModuleEnv<'ctx, '_>],
    opts: &Options,
) -> Result<()> {
    for mi in 0..envs.len() {
        let info = envs[mi].info;
        for (ii, imp) in info.imports.iter().enumerate() {
            let slot = envs[mi].import_slots[ii];
            let target = resolve_export(envs, imp.module, imp.name, 0);
            let here = |msg: String| Error::in_file(&info.input.path, msg);
            match (imp.kind, target) {
                (ImportKind::Func { func }, Some((ti, ExternalKind::Func, tf))) => {
                    let callee = envs[ti].callees[tf as usize];
                    let desc = envs[ti].descriptors[tf as usize];
                    let Some(Place::Direct(desc)) = desc else {
                        return Err(here(format!("cannot link import {}.{}", imp.module, imp.name)));
                    };
                    slot.set_initializer(&desc.as_pointer_value());
                    envs[mi].callees[func as usize] = callee;
                    envs[mi].descriptors[func as usize] = Some(Place::Direct(desc));
                }
                (ImportKind::Memory { memory }, Some((ti, ExternalKind::Memory, tm))) => {
                    let place = envs[ti].memories[tm as usize];
                    if let Place::Direct(g) = place {
                        slot.set_initializer(&g.as_pointer_value());
                    }
                    envs[mi].memories[memory as usize] = place;
                }
                (ImportKind::Table { table }, Some((ti, ExternalKind::Table, tt))) => {
                    let place = envs[ti].tables[tt as usize];
                    if let Place::Direct(g) = place {
                        slot.set_initializer(&g.as_pointer_value());
                    }
                    envs[mi].tables[table as usize] = place;
                }
                (ImportKind::Global { global }, Some((ti, ExternalKind::Global, tg))) => {
                    let place = envs[ti].globals[tg as usize];
                    if let Place::Direct(g) = place {
                        slot.set_initializer(&g.as_pointer_value());
                    }
                    envs[mi].globals[global as usize] = place;
                }
                (ImportKind::Tag { tag }, Some((ti, ExternalKind::Tag, tt))) => {
                    let place = envs[ti].tags[tt as usize];
                    if let Place::Direct(g) = place {
                        slot.set_initializer(&g.as_pointer_value());
                    }
                    envs[mi].tags[tag as usize] = place;
                }
                (_, Some(_)) => {
                    return Err(here(format!(
                        "import {}.{} does not match the kind of the export it names",
                        imp.module, imp.name
                    )))
                }
                (ImportKind::Func { func }, None) => {
                    if envs.iter().any(|e| e.info.name == imp.module) {
                        return Err(here(format!(
                            "import {}.{}: module '{}' has no such export",
                            imp.module, imp.name, imp.module
                        )));
                    }
                    let c = c_import(rt, module, info, func, imp.module, imp.name, opts)?;
                    let desc = module.add_global(rt.func, None, &format!("{}.cfuncref.{func}", envs[mi].prefix));
                    desc.set_linkage(inkwell::module::Linkage::Internal);
                    desc.set_initializer(&rt.func.const_named_struct(&[
                        c.as_global_value().as_pointer_value().into(),
                        rt.i32.const_zero().into(),
                        rt.i32.const_int(func as u64, false).into(),
                        rt.ptr.const_null().into(),
                    ]));
                    slot.set_initializer(&desc.as_pointer_value());
                    envs[mi].callees[func as usize] = Callee::Direct(c);
                    envs[mi].descriptors[func as usize] = Some(Place::Direct(desc));
                }
                (_, None) => {
                    return Err(here(format!(
                        "import {}.{}: no module named '{}' is compiled alongside (only functions can be imported from C)",
                        imp.module, imp.name, imp.module
                    )))
                }
            }
        }
    }
    Ok(())
}

/// Declares the C function an import links to (checking the whitelist).
fn c_import<'ctx>(
    rt: &Runtime<'ctx>,
    module: &Module<'ctx>,
    info: &ModuleInfo,
    func: u32,
    import_module: &str,
    import_name: &str,
    opts: &Options,
) -> Result<FunctionValue<'ctx>> {
    if let Some(list) = &opts.whitelist {
        let allowed = list
            .iter()
            .any(|(m, f)| m == import_module && (f.is_empty() || f == import_name));
        if !allowed {
            return Err(Error::in_file(
                &info.input.path,
                format!("illegal C import {import_module}.{import_name}: not in the whitelist"),
            ));
        }
    }
    let symbol = if opts.system_module.as_deref() == Some(import_module) {
        import_name.to_string()
    } else {
        names::export_symbol(import_module, import_name)
    };
    let ty = rt.fn_type(info.func_type(func));
    match module.get_function(&symbol) {
        Some(f) if f.get_type() == ty => Ok(f),
        Some(_) => Err(Error::in_file(
            &info.input.path,
            format!("C import {symbol} is declared with two different signatures"),
        )),
        None => {
            if module.get_global(&symbol).is_some() {
                return Err(Error::in_file(
                    &info.input.path,
                    format!("C import {symbol} clashes with a data symbol"),
                ));
            }
            Ok(module.add_function(&symbol, ty, Some(inkwell::module::Linkage::External)))
        }
    }
}

/// Modules in dependency order (imported modules first).
fn init_order(envs: &[ModuleEnv]) -> Vec<usize> {
    let mut order = Vec::new();
    let mut state = vec![0u8; envs.len()];
    fn visit(i: usize, envs: &[ModuleEnv], state: &mut [u8], order: &mut Vec<usize>) {
        if state[i] != 0 {
            return;
        }
        state[i] = 1;
        for imp in &envs[i].info.imports {
            if let Some(j) = envs.iter().position(|e| e.info.name == imp.module) {
                visit(j, envs, state, order);
            }
        }
        state[i] = 2;
        order.push(i);
    }
    for i in 0..envs.len() {
        visit(i, envs, &mut state, &mut order);
    }
    order
}

/// `innative_program_start`: init and start every module (dependencies
/// first), then call the first module's `_start` export when it has one.
fn build_program_start<'ctx>(
    rt: &Runtime<'ctx>,
    module: &Module<'ctx>,
    envs: &[ModuleEnv<'ctx, '_>],
    inits: &[(FunctionValue<'ctx>, Option<FunctionValue<'ctx>>)],
) -> Result<()> {
    let f = module.add_function(
        "innative_program_start",
        rt.context.void_type().fn_type(&[], false),
        None,
    );
    let b = rt.context.create_builder();
    b.position_at_end(rt.context.append_basic_block(f, "entry"));
    hand_memory_to_wasi(rt, module, envs, f, &b)?;
    for i in init_order(envs) {
        b.build_call(inits[i].0, &[], "")?;
        if let Some(start) = inits[i].1 {
            b.build_call(start, &[], "")?;
        }
    }
    if let Some(main) = envs.first() {
        let entry = main
            .info
            .exports
            .iter()
            .find(|e| e.kind == ExternalKind::Func && e.name == "_start");
        if let Some(e) = entry {
            let ty = main.info.func_type(e.index).clone();
            if ty.params().is_empty() && ty.results().is_empty() {
                instance::call_callee(rt, &b, main.callees[e.index as usize], &ty, &[])?;
            } else {
                return Err(Error::in_file(
                    &main.info.input.path,
                    "_start must take no parameters and return nothing",
                ));
            }
        }
    }
    b.build_return(None)?;
    Ok(())
}

/// WASI functions work on the main module's exported memory: tell the
/// runtime which one (through a weak reference — a runtime without WASI, or
/// an object linked by hand, simply has none).  Leaves `b` after the call.
fn hand_memory_to_wasi<'ctx>(
    rt: &Runtime<'ctx>,
    module: &Module<'ctx>,
    envs: &[ModuleEnv<'ctx, '_>],
    f: FunctionValue<'ctx>,
    b: &inkwell::builder::Builder<'ctx>,
) -> Result<()> {
    let Some(main) = envs.first() else {
        return Ok(());
    };
    let memory = main
        .info
        .exports
        .iter()
        .find(|e| e.kind == ExternalKind::Memory && e.name == "memory");
    let Some(e) = memory else { return Ok(()) };
    let set = match module.get_function("innative_wasi_set_memory") {
        Some(set) => set,
        None => module.add_function(
            "innative_wasi_set_memory",
            rt.context.void_type().fn_type(&[rt.ptr.into()], false),
            Some(inkwell::module::Linkage::ExternalWeak),
        ),
    };
    let mem = main.memories[e.index as usize].address(rt, b)?;
    let present = rt.context.append_basic_block(f, "wasi");
    let rest = rt.context.append_basic_block(f, "inits");
    let null = b.build_is_null(set.as_global_value().as_pointer_value(), "no_wasi")?;
    b.build_conditional_branch(null, rest, present)?;
    b.position_at_end(present);
    b.build_call(set, &[mem.into()], "")?;
    b.build_unconditional_branch(rest)?;
    b.position_at_end(rest);
    Ok(())
}

/// A NULL-terminated array of C strings baked into an executable for the
/// runtime's WASI: `innative_wasi_preopens` (the `--dir` entries) and
/// `innative_wasi_env` (the `--env` entries).  Nothing is defined when
/// `items` is empty: the runtime's weak reference is then NULL.
fn build_string_array<'ctx>(
    rt: &Runtime<'ctx>,
    module: &Module<'ctx>,
    name: &str,
    items: &[String],
) {
    if items.is_empty() {
        return;
    }
    let mut entries = Vec::new();
    for (i, p) in items.iter().enumerate() {
        let bytes = rt.context.const_string(p.as_bytes(), true);
        let g = module.add_global(bytes.get_type(), None, &format!("{name}.{i}"));
        g.set_linkage(inkwell::module::Linkage::Private);
        g.set_constant(true);
        g.set_initializer(&bytes);
        entries.push(g.as_pointer_value());
    }
    entries.push(rt.ptr.const_null());
    let array = rt.ptr.const_array(&entries);
    let g = module.add_global(array.get_type(), None, name);
    g.set_constant(true);
    g.set_initializer(&array);
}

/// A shared library initializes its modules when it is loaded.
fn build_library_constructor<'ctx>(
    rt: &Runtime<'ctx>,
    module: &Module<'ctx>,
    envs: &[ModuleEnv<'ctx, '_>],
    inits: &[(FunctionValue<'ctx>, Option<FunctionValue<'ctx>>)],
) -> Result<()> {
    let void_fn = rt.context.void_type().fn_type(&[], false);
    let f = module.add_function(
        "innative.library_init",
        void_fn,
        Some(inkwell::module::Linkage::Internal),
    );
    let b = rt.context.create_builder();
    b.position_at_end(rt.context.append_basic_block(f, "entry"));
    let runtime_init = module.add_function("innative_runtime_init", void_fn, None);
    b.build_call(runtime_init, &[], "")?;
    hand_memory_to_wasi(rt, module, envs, f, &b)?;
    for (init, start) in inits {
        b.build_call(*init, &[], "")?;
        if let Some(s) = start {
            b.build_call(*s, &[], "")?;
        }
    }
    b.build_return(None)?;

    add_to_global_list(rt, module, "llvm.global_ctors", f);
    build_unregister_on_unload(rt, module, envs)
}

/// On unload (dlclose), the runtime must forget the modules: trap reports
/// and backtraces look their code up.
fn build_unregister_on_unload<'ctx>(
    rt: &Runtime<'ctx>,
    module: &Module<'ctx>,
    envs: &[ModuleEnv<'ctx, '_>],
) -> Result<()> {
    let void_fn = rt.context.void_type().fn_type(&[], false);
    let fini = module.add_function(
        "innative.library_fini",
        void_fn,
        Some(inkwell::module::Linkage::Internal),
    );
    let b = rt.context.create_builder();
    b.position_at_end(rt.context.append_basic_block(fini, "entry"));
    let unregister = module.add_function(
        "innative_unregister_module",
        rt.context.void_type().fn_type(&[rt.ptr.into()], false),
        None,
    );
    for env in envs {
        b.build_call(unregister, &[env.descriptor.as_pointer_value().into()], "")?;
    }
    b.build_return(None)?;
    add_to_global_list(rt, module, "llvm.global_dtors", fini);
    Ok(())
}

/// `list = [{ i32 65535, ptr @function, ptr null }]` (global ctors/dtors).
fn add_to_global_list<'ctx>(
    rt: &Runtime<'ctx>,
    module: &Module<'ctx>,
    list: &str,
    function: FunctionValue<'ctx>,
) {
    let entry_ty = rt
        .context
        .struct_type(&[rt.i32.into(), rt.ptr.into(), rt.ptr.into()], false);
    let entry = entry_ty.const_named_struct(&[
        rt.i32.const_int(65535, false).into(),
        function.as_global_value().as_pointer_value().into(),
        rt.ptr.const_null().into(),
    ]);
    let g = module.add_global(entry_ty.array_type(1), None, list);
    g.set_linkage(inkwell::module::Linkage::Appending);
    g.set_initializer(&entry_ty.const_array(&[entry]));
}
