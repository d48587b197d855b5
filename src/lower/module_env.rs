//! The LLVM-level shape of one wasm module: a function per defined function,
//! a descriptor per referenceable function, a struct per memory and table, a
//! cell per global, a slot per import, segment data, and the module
//! descriptor.  Function bodies and the init code are lowered elsewhere; they
//! find everything they need here.

use super::runtime::Runtime;
use crate::error::Result;
use crate::module::ModuleInfo;
use crate::names;
use inkwell::builder::Builder;
use inkwell::module::{Linkage, Module};
use inkwell::values::{FunctionValue, GlobalValue, PointerValue};

/// Something a module either defines or imports through a slot.
#[derive(Clone, Copy)]
pub enum Place<'ctx> {
    /// Defined here (or resolved at link time): the global itself.
    Direct(GlobalValue<'ctx>),
    /// Imported at run time: the slot global holding a pointer to it.
    Slot(GlobalValue<'ctx>),
}

impl<'ctx> Place<'ctx> {
    /// Address of the memory/table struct, global cell or function descriptor.
    pub fn address(&self, rt: &Runtime<'ctx>, b: &Builder<'ctx>) -> Result<PointerValue<'ctx>> {
        Ok(match self {
            Place::Direct(g) => g.as_pointer_value(),
            Place::Slot(slot) => b
                .build_load(rt.ptr, slot.as_pointer_value(), "slot")?
                .into_pointer_value(),
        })
    }
}

/// How to call a function.
#[derive(Clone, Copy)]
pub enum Callee<'ctx> {
    /// A direct call (defined here, in a module compiled alongside, or a C function).
    Direct(FunctionValue<'ctx>),
    /// Through the `innative_func*` held by an import slot.
    Slot(GlobalValue<'ctx>),
}

/// A segment held by the module: its contents and its current length
/// (set to zero by `data.drop`/`elem.drop` and after active initialization).
pub struct Segment<'ctx> {
    pub items: GlobalValue<'ctx>,
    pub len: GlobalValue<'ctx>,
    pub count: u32,
}

pub struct ModuleEnv<'ctx, 'a> {
    pub info: &'a ModuleInfo<'a>,
    /// The escaped module name, prefix of every symbol of the module.
    pub prefix: String,
    /// Defined functions' LLVM functions (None for imports).
    pub functions: Vec<Option<FunctionValue<'ctx>>>,
    pub callees: Vec<Callee<'ctx>>,
    /// Function descriptors (None for functions that cannot be referenced).
    pub descriptors: Vec<Option<Place<'ctx>>>,
    pub memories: Vec<Place<'ctx>>,
    pub tables: Vec<Place<'ctx>>,
    pub globals: Vec<Place<'ctx>>,
    /// Exception tags (`innative_tag`), identified by address.
    pub tags: Vec<Place<'ctx>>,
    /// One slot per import, in import order.
    pub import_slots: Vec<GlobalValue<'ctx>>,
    /// `[ntypes x i32]`: interned signature ids, filled by init.
    pub sigids: GlobalValue<'ctx>,
    /// Per table: can hold only this module's own functions
    /// ([`ModuleInfo::wasm_only_tables`]).
    pub wasm_only_tables: Vec<bool>,
    /// Per table: for a funcref table of the module's own functions (one of
    /// `wasm_only_tables`, 32-bit, never resized), a private copy laid out
    /// for `call_indirect`: `{ [n x ptr] code, [n x i32] sig }`, filled by
    /// init after the element segments (`innative_table_shadow`), with its
    /// element count n.  One load of the signature id checks both null
    /// (id 0) and type, and the code pointer is read from the same base.
    pub table_shadows: Vec<Option<(GlobalValue<'ctx>, u32)>>,
    pub datas: Vec<Segment<'ctx>>,
    pub elems: Vec<Segment<'ctx>>,
    /// `[nexports x ptr]`, filled by init.
    pub exports_array: GlobalValue<'ctx>,
    /// The `innative_module` descriptor (its initializer is set last).
    pub descriptor: GlobalValue<'ctx>,
}

/// The largest table given a call_indirect shadow (12 bytes an element, in
/// .bss).
const SHADOW_LIMIT: u64 = 1 << 20;

/// `{ [n x ptr] code, [n x i32] sig }`: see `ModuleEnv::table_shadows`.
pub fn shadow_type<'ctx>(rt: &Runtime<'ctx>, n: u32) -> inkwell::types::StructType<'ctx> {
    rt.context.struct_type(
        &[rt.ptr.array_type(n).into(), rt.i32.array_type(n).into()],
        false,
    )
}

impl<'ctx, 'a> ModuleEnv<'ctx, 'a> {
    /// Declares every module-level entity of `info` in `module`.
    pub fn declare(rt: &Runtime<'ctx>, module: &Module<'ctx>, info: &'a ModuleInfo<'a>) -> Self {
        let prefix = names::escape(&info.name);
        let internal = |name: String, ty: inkwell::types::BasicTypeEnum<'ctx>| {
            let g = module.add_global(ty, None, &name);
            g.set_linkage(Linkage::Internal);
            g.set_initializer(&ty.const_zero());
            g
        };
        let referenced = info.referenced_funcs();
        // The first export of a defined entity names it directly: created
        // external from the start, so that PIC code reaches exported data
        // through the GOT like any other default-visibility symbol.
        let mut export_name: std::collections::HashMap<(u8, u32), String> =
            std::collections::HashMap::new();
        for e in &info.exports {
            let key = (e.kind as u8, e.index);
            export_name
                .entry(key)
                .or_insert_with(|| names::export_symbol(&info.name, e.name));
        }
        let exported = |kind: wasmparser::ExternalKind, index: u32| {
            export_name.get(&(kind as u8, index)).cloned()
        };
        let external = |name: String, ty: inkwell::types::BasicTypeEnum<'ctx>| {
            let g = module.add_global(ty, None, &name);
            g.set_initializer(&ty.const_zero());
            g
        };

        let mut import_slots = Vec::new();
        for (i, imp) in info.imports.iter().enumerate() {
            let slot = internal(
                format!("{prefix}.import.{i}.{}.{}", imp.module, imp.name),
                rt.ptr.into(),
            );
            import_slots.push(slot);
        }
        let slot_of = |kind_index: &dyn Fn(&crate::module::ImportKind) -> Option<u32>,
                       index: u32| {
            info.imports
                .iter()
                .position(|imp| kind_index(&imp.kind) == Some(index))
                .map(|i| import_slots[i])
        };

        let mut functions = Vec::new();
        let mut callees = Vec::new();
        let mut descriptors = Vec::new();
        for f in 0..info.func_types.len() as u32 {
            if info.is_imported_func(f) {
                let slot = slot_of(
                    &|k| match k {
                        crate::module::ImportKind::Func { func } => Some(*func),
                        _ => None,
                    },
                    f,
                )
                .expect("every imported function has an import");
                functions.push(None);
                callees.push(Callee::Slot(slot));
                descriptors.push(Some(Place::Slot(slot)));
                continue;
            }
            let ty = rt.fn_type(info.func_type(f));
            let func = match exported(wasmparser::ExternalKind::Func, f) {
                Some(sym) if info.func_type(f).results().len() <= 1 => {
                    module.add_function(&sym, ty, Some(Linkage::External))
                }
                _ => {
                    let name = match info.func_names.get(&f) {
                        Some(n) => format!("{prefix}.{n}"),
                        None => format!("{prefix}.func{f}"),
                    };
                    module.add_function(&name, ty, Some(Linkage::Internal))
                }
            };
            // Every page a frame allocates is touched in order, so an
            // overflow always faults on the guard below the stack (see
            // FuncTranslator::needs_stack_check).
            func.add_attribute(
                inkwell::attributes::AttributeLoc::Function,
                rt.context
                    .create_string_attribute("probe-stack", "inline-asm"),
            );
            functions.push(Some(func));
            callees.push(Callee::Direct(func));
            if referenced[f as usize] {
                let desc = module.add_global(rt.func, None, &format!("{prefix}.funcref.{f}"));
                desc.set_linkage(Linkage::Internal);
                descriptors.push(Some(Place::Direct(desc)));
            } else {
                descriptors.push(None);
            }
        }

        let mut memories = Vec::new();
        for (i, _) in info.memories.iter().enumerate() {
            let i = i as u32;
            let slot = slot_of(
                &|k| match k {
                    crate::module::ImportKind::Memory { memory } => Some(*memory),
                    _ => None,
                },
                i,
            );
            memories.push(match slot {
                Some(s) => Place::Slot(s),
                None => Place::Direct(match exported(wasmparser::ExternalKind::Memory, i) {
                    Some(sym) => external(sym, rt.memory.into()),
                    None => internal(format!("{prefix}.memory.{i}"), rt.memory.into()),
                }),
            });
        }
        let mut tables = Vec::new();
        for (i, t) in info.tables.iter().enumerate() {
            let i = i as u32;
            tables.push(if t.imported {
                let slot = slot_of(
                    &|k| match k {
                        crate::module::ImportKind::Table { table } => Some(*table),
                        _ => None,
                    },
                    i,
                )
                .expect("imported table has an import");
                Place::Slot(slot)
            } else {
                Place::Direct(match exported(wasmparser::ExternalKind::Table, i) {
                    Some(sym) => external(sym, rt.table.into()),
                    None => internal(format!("{prefix}.table.{i}"), rt.table.into()),
                })
            });
        }
        let wasm_only_tables = info.wasm_only_tables();
        let table_shadows = info
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let n = t.ty.initial;
                let eligible = wasm_only_tables[i]
                    && !t.ty.table64
                    && t.ty.element_type.is_func_ref()
                    && n > 0
                    && n <= SHADOW_LIMIT;
                eligible.then(|| {
                    let ty = shadow_type(rt, n as u32);
                    (
                        internal(format!("{prefix}.table.{i}.shadow"), ty.into()),
                        n as u32,
                    )
                })
            })
            .collect::<Vec<_>>();
        let mut globals = Vec::new();
        for (i, g) in info.globals.iter().enumerate() {
            let i = i as u32;
            globals.push(if g.init.is_none() {
                let slot = slot_of(
                    &|k| match k {
                        crate::module::ImportKind::Global { global } => Some(*global),
                        _ => None,
                    },
                    i,
                )
                .expect("imported global has an import");
                Place::Slot(slot)
            } else {
                let cell = match exported(wasmparser::ExternalKind::Global, i) {
                    Some(sym) => external(sym, rt.global_cell.into()),
                    None => internal(format!("{prefix}.global.{i}"), rt.global_cell.into()),
                };
                cell.set_alignment(16);
                Place::Direct(cell)
            });
        }

        let mut tags = Vec::new();
        for (i, ty) in info.tags.iter().enumerate() {
            let i = i as u32;
            if i < info.num_imported_tags {
                let slot = slot_of(
                    &|k| match k {
                        crate::module::ImportKind::Tag { tag } => Some(*tag),
                        _ => None,
                    },
                    i,
                )
                .expect("imported tag has an import");
                tags.push(Place::Slot(slot));
                continue;
            }
            let export = info
                .exports
                .iter()
                .find(|e| e.kind == wasmparser::ExternalKind::Tag && e.index == i);
            let display = match export {
                Some(e) => e.name.to_string(),
                None => format!("tag[{i}]"),
            };
            let name = rt.context.const_string(display.as_bytes(), true);
            let name_g =
                module.add_global(name.get_type(), None, &format!("{prefix}.tag.{i}.name"));
            name_g.set_linkage(Linkage::Private);
            name_g.set_constant(true);
            name_g.set_initializer(&name);
            let nparams = info.types[*ty as usize].params().len() as u64;
            let g = match exported(wasmparser::ExternalKind::Tag, i) {
                Some(sym) => module.add_global(rt.tag, None, &sym),
                None => {
                    let g = module.add_global(rt.tag, None, &format!("{prefix}.tag.{i}"));
                    g.set_linkage(Linkage::Internal);
                    g
                }
            };
            g.set_constant(true);
            g.set_initializer(&rt.tag.const_named_struct(&[
                name_g.as_pointer_value().into(),
                rt.i32.const_int(nparams, false).into(),
                rt.i32.const_zero().into(),
            ]));
            tags.push(Place::Direct(g));
        }

        let sigids = internal(
            format!("{prefix}.sigids"),
            rt.i32.array_type(info.types.len() as u32).into(),
        );
        let datas = info
            .datas
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let bytes = rt.context.const_string(d.bytes, false);
                let items =
                    module.add_global(bytes.get_type(), None, &format!("{prefix}.data.{i}"));
                items.set_linkage(Linkage::Private);
                items.set_constant(true);
                items.set_initializer(&bytes);
                let len = internal(format!("{prefix}.data.{i}.len"), rt.i32.into());
                len.set_initializer(&rt.i32.const_int(d.bytes.len() as u64, false));
                Segment {
                    items,
                    len,
                    count: d.bytes.len() as u32,
                }
            })
            .collect();
        let elems = info
            .elems
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let count = e.items.len() as u32;
                let items = internal(
                    format!("{prefix}.elem.{i}"),
                    rt.ptr.array_type(count).into(),
                );
                let len = internal(format!("{prefix}.elem.{i}.len"), rt.i32.into());
                len.set_initializer(&rt.i32.const_int(count as u64, false));
                Segment { items, len, count }
            })
            .collect();
        let exports_array = internal(
            format!("{prefix}.exports"),
            rt.ptr.array_type(info.exports.len() as u32).into(),
        );
        let descriptor = module.add_global(
            rt.module_desc,
            None,
            &names::module_descriptor_symbol(&info.name),
        );
        descriptor.set_linkage(Linkage::External);

        ModuleEnv {
            info,
            prefix,
            functions,
            callees,
            descriptors,
            memories,
            tables,
            globals,
            tags,
            import_slots,
            sigids,
            wasm_only_tables,
            table_shadows,
            datas,
            elems,
            exports_array,
            descriptor,
        }
    }
}
