//! What a wasm module declares, read once with wasmparser after validation:
//! types, imports, functions, tables, memories, globals, exports, segments,
//! the start function and names.  Borrowed from the input bytes; function
//! bodies stay unparsed until lowering reads their operators.

use crate::error::{Error, Result};
use crate::load::Input;
use std::collections::HashMap;
use wasmparser::{
    ConstExpr, DataKind, ElementItems, ElementKind, ExternalKind, FuncType, FunctionBody,
    GlobalType, MemoryType, Name, Parser, Payload, RefType, TableType, TypeRef, ValType,
};

/// An import, in import-section order.
#[derive(Debug, Clone)]
pub(crate) struct Import<'a> {
    pub(crate) module: &'a str,
    pub(crate) name: &'a str,
    pub(crate) kind: ImportKind,
}

/// What an import brings in; the index is into the matching index space.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ImportKind {
    Func { func: u32 },
    Table { table: u32 },
    Memory { memory: u32 },
    Global { global: u32 },
    Tag { tag: u32 },
}

/// An export, in export-section order.
#[derive(Debug, Clone)]
pub(crate) struct Export<'a> {
    pub(crate) name: &'a str,
    pub(crate) kind: ExternalKind,
    pub(crate) index: u32,
}

/// A global: its type and, for defined globals, its initializer.
#[derive(Debug, Clone)]
pub(crate) struct Global<'a> {
    pub(crate) ty: GlobalType,
    pub(crate) init: Option<ConstExpr<'a>>,
}

/// A table: its type and, for defined tables, an optional initializer.
#[derive(Debug, Clone)]
pub(crate) struct Table<'a> {
    pub(crate) ty: TableType,
    pub(crate) init: Option<ConstExpr<'a>>,
    pub(crate) imported: bool,
}

/// An element segment.
#[derive(Clone)]
pub(crate) struct ElemSegment<'a> {
    pub(crate) mode: ElemMode<'a>,
    pub(crate) items: Vec<ElemItem<'a>>,
}

#[derive(Clone)]
pub(crate) enum ElemMode<'a> {
    Passive,
    Active { table: u32, offset: ConstExpr<'a> },
    Declared,
}

#[derive(Clone)]
pub(crate) enum ElemItem<'a> {
    Func(u32),
    Expr(ConstExpr<'a>),
}

/// A data segment.
#[derive(Clone)]
pub(crate) struct DataSegment<'a> {
    pub(crate) active: Option<(u32, ConstExpr<'a>)>,
    pub(crate) bytes: &'a [u8],
}

/// Everything lowering needs to know about one module.
pub struct ModuleInfo<'a> {
    /// Module name: the input's override, the name section, or the file stem.
    pub(crate) name: String,
    pub(crate) input: &'a Input,
    pub(crate) types: Vec<FuncType>,
    pub(crate) imports: Vec<Import<'a>>,
    /// Type index of every function (imported first).
    pub(crate) func_types: Vec<u32>,
    pub(crate) num_imported_funcs: u32,
    pub(crate) tables: Vec<Table<'a>>,
    pub(crate) memories: Vec<MemoryType>,
    pub(crate) num_imported_memories: u32,
    pub(crate) globals: Vec<Global<'a>>,
    pub(crate) num_imported_globals: u32,
    /// Exception tags: the function type index of each (imported first).
    pub(crate) tags: Vec<u32>,
    pub(crate) num_imported_tags: u32,
    pub(crate) exports: Vec<Export<'a>>,
    pub(crate) start: Option<u32>,
    pub(crate) elems: Vec<ElemSegment<'a>>,
    pub(crate) datas: Vec<DataSegment<'a>>,
    /// Bodies of the defined functions, in order.
    pub(crate) bodies: Vec<FunctionBody<'a>>,
    /// Function names from the name section.
    pub(crate) func_names: HashMap<u32, &'a str>,
    /// Local names from the name section: function → local → name.
    pub(crate) local_names: HashMap<u32, HashMap<u32, &'a str>>,
    /// Byte offset of the code section's payload in the module (DWARF code
    /// addresses are relative to it).
    pub(crate) code_section_offset: u64,
    pub(crate) code_section_size: u64,
    /// Custom sections (name, payload), in module order.
    pub(crate) custom_sections: Vec<(&'a str, &'a [u8])>,
}

impl<'a> ModuleInfo<'a> {
    /// The code section's payload (empty without one): the bytes DWARF
    /// code addresses count from.
    pub fn code_section(&self) -> &'a [u8] {
        let start = self.code_section_offset as usize;
        self.input
            .bytes
            .get(start..start + self.code_section_size as usize)
            .unwrap_or(&[])
    }

    /// Reads a module that has already been validated.
    pub fn parse(input: &'a Input) -> Result<ModuleInfo<'a>> {
        let err = |e: wasmparser::BinaryReaderError| {
            Error::at_offset(&input.path, e.offset() as usize, e.message().to_string())
        };
        let mut m = ModuleInfo {
            name: String::new(),
            input,
            types: Vec::new(),
            imports: Vec::new(),
            func_types: Vec::new(),
            num_imported_funcs: 0,
            tables: Vec::new(),
            memories: Vec::new(),
            num_imported_memories: 0,
            globals: Vec::new(),
            num_imported_globals: 0,
            tags: Vec::new(),
            num_imported_tags: 0,
            exports: Vec::new(),
            start: None,
            elems: Vec::new(),
            datas: Vec::new(),
            bodies: Vec::new(),
            func_names: HashMap::new(),
            local_names: HashMap::new(),
            code_section_offset: 0,
            code_section_size: 0,
            custom_sections: Vec::new(),
        };
        let mut section_name: Option<&'a str> = None;
        for payload in Parser::new(0).parse_all(&input.bytes) {
            match payload.map_err(err)? {
                Payload::TypeSection(reader) => {
                    for group in reader {
                        for sub in group.map_err(err)?.into_types() {
                            match sub.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(f) => m.types.push(f),
                                _ => {
                                    return Err(Error::in_file(
                                        &input.path,
                                        "GC types are not supported yet",
                                    ))
                                }
                            }
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for group in reader {
                        let imports: Vec<wasmparser::Import<'a>> = match group.map_err(err)? {
                            wasmparser::Imports::Single(_, imp) => vec![imp],
                            wasmparser::Imports::Compact1 { module, items } => items
                                .into_iter()
                                .map(|i| {
                                    i.map(|i| wasmparser::Import {
                                        module,
                                        name: i.name,
                                        ty: i.ty,
                                    })
                                })
                                .collect::<std::result::Result<_, _>>()
                                .map_err(err)?,
                            wasmparser::Imports::Compact2 { module, ty, names } => names
                                .into_iter()
                                .map(|n| n.map(|name| wasmparser::Import { module, name, ty }))
                                .collect::<std::result::Result<_, _>>()
                                .map_err(err)?,
                        };
                        for imp in imports {
                            m.add_import(imp, input)?;
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        m.func_types.push(ty.map_err(err)?);
                    }
                }
                Payload::TableSection(reader) => {
                    for t in reader {
                        let t = t.map_err(err)?;
                        let init = match t.init {
                            wasmparser::TableInit::RefNull => None,
                            wasmparser::TableInit::Expr(e) => Some(e),
                        };
                        m.tables.push(Table {
                            ty: t.ty,
                            init,
                            imported: false,
                        });
                    }
                }
                Payload::MemorySection(reader) => {
                    for mem in reader {
                        m.memories.push(mem.map_err(err)?);
                    }
                }
                Payload::TagSection(reader) => {
                    for t in reader {
                        m.tags.push(t.map_err(err)?.func_type_idx);
                    }
                }
                Payload::GlobalSection(reader) => {
                    for g in reader {
                        let g = g.map_err(err)?;
                        m.globals.push(Global {
                            ty: g.ty,
                            init: Some(g.init_expr),
                        });
                    }
                }
                Payload::ExportSection(reader) => {
                    for e in reader {
                        let e = e.map_err(err)?;
                        m.exports.push(Export {
                            name: e.name,
                            kind: e.kind,
                            index: e.index,
                        });
                    }
                }
                Payload::StartSection { func, .. } => m.start = Some(func),
                Payload::ElementSection(reader) => {
                    for e in reader {
                        let e = e.map_err(err)?;
                        let mode = match e.kind {
                            ElementKind::Passive => ElemMode::Passive,
                            ElementKind::Declared => ElemMode::Declared,
                            ElementKind::Active {
                                table_index,
                                offset_expr,
                            } => ElemMode::Active {
                                table: table_index.unwrap_or(0),
                                offset: offset_expr,
                            },
                        };
                        let items = match e.items {
                            ElementItems::Functions(r) => r
                                .into_iter()
                                .map(|f| f.map(ElemItem::Func))
                                .collect::<std::result::Result<_, _>>()
                                .map_err(err)?,
                            ElementItems::Expressions(_, r) => r
                                .into_iter()
                                .map(|x| x.map(ElemItem::Expr))
                                .collect::<std::result::Result<_, _>>()
                                .map_err(err)?,
                        };
                        m.elems.push(ElemSegment { mode, items });
                    }
                }
                Payload::DataSection(reader) => {
                    for d in reader {
                        let d = d.map_err(err)?;
                        let active = match d.kind {
                            DataKind::Passive => None,
                            DataKind::Active {
                                memory_index,
                                offset_expr,
                            } => Some((memory_index, offset_expr)),
                        };
                        m.datas.push(DataSegment {
                            active,
                            bytes: d.data,
                        });
                    }
                }
                Payload::CodeSectionStart {
                    unchecked_range, ..
                } => {
                    m.code_section_offset = unchecked_range.start;
                    m.code_section_size = unchecked_range.end - unchecked_range.start;
                }
                Payload::CodeSectionEntry(body) => m.bodies.push(body),
                Payload::CustomSection(reader) => {
                    m.custom_sections.push((reader.name(), reader.data()));
                    if let wasmparser::KnownCustom::Name(names) = reader.as_known() {
                        // A malformed name section is only a loss of names.
                        for name in names.into_iter().flatten() {
                            match name {
                                Name::Module { name, .. } => section_name = Some(name),
                                Name::Function(map) => {
                                    for n in map.into_iter().flatten() {
                                        m.func_names.insert(n.index, n.name);
                                    }
                                }
                                Name::Local(map) => {
                                    for f in map.into_iter().flatten() {
                                        let locals = m.local_names.entry(f.index).or_default();
                                        for n in f.names.into_iter().flatten() {
                                            locals.insert(n.index, n.name);
                                        }
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        m.name = crate::names::module_name_from(input, section_name);
        Ok(m)
    }

    fn add_import(&mut self, imp: wasmparser::Import<'a>, _input: &Input) -> Result<()> {
        let kind = match imp.ty {
            TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                self.func_types.push(ty);
                self.num_imported_funcs += 1;
                ImportKind::Func {
                    func: self.func_types.len() as u32 - 1,
                }
            }
            TypeRef::Table(ty) => {
                self.tables.push(Table {
                    ty,
                    init: None,
                    imported: true,
                });
                ImportKind::Table {
                    table: self.tables.len() as u32 - 1,
                }
            }
            TypeRef::Memory(ty) => {
                self.memories.push(ty);
                self.num_imported_memories += 1;
                ImportKind::Memory {
                    memory: self.memories.len() as u32 - 1,
                }
            }
            TypeRef::Global(ty) => {
                self.globals.push(Global { ty, init: None });
                self.num_imported_globals += 1;
                ImportKind::Global {
                    global: self.globals.len() as u32 - 1,
                }
            }
            TypeRef::Tag(t) => {
                self.tags.push(t.func_type_idx);
                self.num_imported_tags += 1;
                ImportKind::Tag {
                    tag: self.tags.len() as u32 - 1,
                }
            }
        };
        self.imports.push(Import {
            module: imp.module,
            name: imp.name,
            kind,
        });
        Ok(())
    }

    /// The type of function `func`.
    pub(crate) fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.func_types[func as usize] as usize]
    }

    pub(crate) fn is_imported_func(&self, func: u32) -> bool {
        func < self.num_imported_funcs
    }

    /// The name to show for function `func`: name section, else its first
    /// export name, else `func[N]`.
    pub(crate) fn display_func_name(&self, func: u32) -> String {
        if let Some(n) = self.func_names.get(&func) {
            return n.to_string();
        }
        self.exports
            .iter()
            .find(|e| e.kind == ExternalKind::Func && e.index == func)
            .map(|e| e.name.to_string())
            .unwrap_or_else(|| format!("func[{func}]"))
    }

    /// Tables that can only ever hold this module's own (defined) functions
    /// or nulls: neither imported nor exported (no host or other module can
    /// reach them), without an initializer expression, filled only by active
    /// element segments that name defined functions (or null), and never
    /// written by code (no table.set/grow/fill/copy/init anywhere in the
    /// module).  A `call_indirect` through such a table cannot leave
    /// compiled wasm code.
    pub(crate) fn wasm_only_tables(&self) -> Vec<bool> {
        use wasmparser::Operator as O;
        let mut only: Vec<bool> = self
            .tables
            .iter()
            .map(|t| !t.imported && t.init.is_none())
            .collect();
        for e in &self.exports {
            if e.kind == ExternalKind::Table {
                only[e.index as usize] = false;
            }
        }
        let defined_or_null = |item: &ElemItem<'a>| match item {
            ElemItem::Func(f) => *f >= self.num_imported_funcs,
            ElemItem::Expr(e) => {
                let mut r = e.get_operators_reader();
                let mut ok = true;
                while let Ok(op) = r.read() {
                    match op {
                        O::RefFunc { function_index } => {
                            ok &= function_index >= self.num_imported_funcs
                        }
                        O::RefNull { .. } | O::End => {}
                        _ => ok = false,
                    }
                }
                ok
            }
        };
        for seg in &self.elems {
            if let ElemMode::Active { table, .. } = seg.mode {
                if !seg.items.iter().all(defined_or_null) {
                    only[table as usize] = false;
                }
            }
        }
        if !only.iter().any(|&o| o) {
            return only;
        }
        for body in &self.bodies {
            let Ok(mut r) = body.get_operators_reader() else {
                return vec![false; only.len()];
            };
            while !r.eof() {
                match r.read() {
                    Ok(
                        O::TableSet { .. }
                        | O::TableGrow { .. }
                        | O::TableFill { .. }
                        | O::TableCopy { .. }
                        | O::TableInit { .. },
                    ) => return vec![false; only.len()],
                    Ok(_) => {}
                    Err(_) => return vec![false; only.len()],
                }
            }
        }
        only
    }

    /// Functions that can be referenced (and so need a descriptor): exported,
    /// in element segments, or named by `ref.func` in a constant expression.
    /// `ref.func` inside bodies must name one of these (validation ensures it).
    pub(crate) fn referenced_funcs(&self) -> Vec<bool> {
        let mut used = vec![false; self.func_types.len()];
        let mark_expr = |e: &ConstExpr<'a>, used: &mut Vec<bool>| {
            let mut r = e.get_operators_reader();
            while let Ok(op) = r.read() {
                if let wasmparser::Operator::RefFunc { function_index } = op {
                    if let Some(u) = used.get_mut(function_index as usize) {
                        *u = true;
                    }
                }
            }
        };
        for e in &self.exports {
            if e.kind == ExternalKind::Func {
                used[e.index as usize] = true;
            }
        }
        for seg in &self.elems {
            for item in &seg.items {
                match item {
                    ElemItem::Func(f) => used[*f as usize] = true,
                    ElemItem::Expr(e) => mark_expr(e, &mut used),
                }
            }
        }
        for g in &self.globals {
            if let Some(e) = &g.init {
                mark_expr(e, &mut used);
            }
        }
        for t in &self.tables {
            if let Some(e) = &t.init {
                mark_expr(e, &mut used);
            }
        }
        used
    }
}

/// The signature string the runtime interns for call_indirect checks:
/// params ':' results with i=i32 l=i64 f=f32 d=f64 v=v128 r=funcref e=externref.
pub(crate) fn signature_string(ty: &FuncType) -> String {
    let code = |t: &ValType| match t {
        ValType::I32 => 'i',
        ValType::I64 => 'l',
        ValType::F32 => 'f',
        ValType::F64 => 'd',
        ValType::V128 => 'v',
        ValType::Ref(r) if *r == RefType::EXTERNREF => 'e',
        ValType::Ref(_) => 'r',
    };
    let mut s: String = ty.params().iter().map(code).collect();
    s.push(':');
    s.extend(ty.results().iter().map(code));
    s
}
