//! Reading DWARF sections with gimli into the [`Provenance`] model: units and
//! their line tables, then one walk over each unit's DIE tree collecting
//! types, subprograms (with scopes and variables) and global variables.

use crate::model::{
    LineRow, LocOp, Location, Member, Provenance, Scope, ScopeKind, Subprogram, Type, TypeId,
    TypeKind, Unit, Variable, Variant, VariantPart,
};
use crate::split::{self, SideFiles};
use gimli::{AttributeValue, EndianSlice, LittleEndian, UnitOffset};
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

type R<'a> = EndianSlice<'a, LittleEndian>;

/// The DWARF sections of a module, by name (`.debug_info`, `.debug_line`...).
#[derive(Debug, Default, Clone)]
pub struct DwarfSections<'a> {
    sections: HashMap<String, &'a [u8]>,
}

impl<'a> DwarfSections<'a> {
    /// No sections yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a section if its name is a DWARF section name.
    pub fn add(&mut self, name: &str, data: &'a [u8]) {
        if name.starts_with(".debug_") {
            self.sections.insert(name.to_string(), data);
        }
    }

    /// Whether a `.debug_info` section was added.
    pub fn has_debug_info(&self) -> bool {
        self.sections.contains_key(".debug_info") || self.sections.contains_key(".debug_line")
    }

    fn get(&self, name: &str) -> &'a [u8] {
        self.sections.get(name).copied().unwrap_or(&[])
    }
}

/// Whether `address` can be live code in a code section of `code_size`
/// bytes.  The linker leaves dead code at 0 or at tombstones (-1, -2).
fn is_live(address: u64, code_size: u64) -> bool {
    address != 0 && address < code_size && address < 0xffff_fffe
}

/// Reads the DWARF in `sections`.  `code_size` is the size of the code
/// section payload; rows and ranges outside it are dead code.  Split-DWARF
/// skeletons are read without their `.dwo` files (see [`read_dwarf_split`]).
pub fn read_dwarf(sections: &DwarfSections<'_>, code_size: u64) -> Provenance {
    read_with(sections, code_size, &SideFiles::none())
}

/// Like [`read_dwarf`], and the `.dwo`/`.dwp` files that split-DWARF
/// skeleton units name are looked for on disk (relative to the module at
/// `module_path` as a fallback) and read.
pub fn read_dwarf_split(
    sections: &DwarfSections<'_>,
    code_size: u64,
    module_path: &Path,
) -> Provenance {
    let side = match load_dwarf(sections) {
        Ok(dwarf) => SideFiles::load(&dwarf, module_path),
        Err(_) => SideFiles::none(),
    };
    read_with(sections, code_size, &side)
}

fn load_dwarf<'a>(sections: &DwarfSections<'a>) -> gimli::Result<gimli::Dwarf<R<'a>>> {
    gimli::Dwarf::load(|id| -> gimli::Result<R<'a>> {
        Ok(EndianSlice::new(sections.get(id.name()), LittleEndian))
    })
}

fn read_with<'a>(sections: &DwarfSections<'a>, code_size: u64, side: &'a SideFiles) -> Provenance {
    let mut prov = Provenance::default();
    let dwarf = match load_dwarf(sections) {
        Ok(d) => d,
        Err(e) => {
            prov.warnings.push(format!("cannot load DWARF: {e}"));
            return prov;
        }
    };
    let mut units = dwarf.units();
    loop {
        let header = match units.next() {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => {
                prov.warnings
                    .push(format!("cannot read a compile unit header: {e}"));
                break;
            }
        };
        let offset = header
            .offset()
            .to_debug_info_offset(&header)
            .map(|o| o.0)
            .unwrap_or(0);
        // A unit that fails half-way must not leave half of itself behind.
        let saved = (
            prov.units.len(),
            prov.rows.len(),
            prov.subprograms.len(),
            prov.types.len(),
            prov.globals.len(),
            prov.warnings.len(),
        );
        if let Err(e) = read_unit(&dwarf, header, code_size, side, &mut prov) {
            prov.units.truncate(saved.0);
            prov.rows.truncate(saved.1);
            prov.subprograms.truncate(saved.2);
            prov.types.truncate(saved.3);
            prov.globals.truncate(saved.4);
            prov.warnings.truncate(saved.5);
            prov.warnings.push(format!(
                "compile unit at .debug_info+{offset:#x}: {e}; its debug info is skipped"
            ));
        }
    }
    prov.sort_rows();
    prov
}

fn attr_string<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: &gimli::Unit<R<'a>>,
    value: AttributeValue<R<'a>>,
) -> Option<String> {
    dwarf
        .attr_string(unit, value)
        .ok()
        .map(|s| s.to_string_lossy().into_owned())
}

fn root_strings<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: &gimli::Unit<R<'a>>,
    u: &mut Unit,
) -> gimli::Result<()> {
    let mut entries = unit.entries();
    if let Some(root) = entries.next_dfs()? {
        if let Some(v) = root.attr_value(gimli::DW_AT_producer) {
            u.producer = attr_string(dwarf, unit, v).unwrap_or_default();
        }
        if let Some(AttributeValue::Language(l)) = root.attr_value(gimli::DW_AT_language) {
            u.language = l.0;
        }
    }
    Ok(())
}

fn read_unit<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    header: gimli::UnitHeader<R<'a>>,
    code_size: u64,
    side: &'a SideFiles,
    prov: &mut Provenance,
) -> gimli::Result<()> {
    let unit = dwarf.unit(header)?;
    let unit_index = prov.units.len();
    let mut u = Unit {
        version: unit.header.version(),
        ..Default::default()
    };
    u.name = unit
        .name
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    u.comp_dir = unit
        .comp_dir
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    root_strings(dwarf, &unit, &mut u)?;
    // The line table is always the (skeleton) unit's own.
    let rows = read_line_table(dwarf, &unit, unit_index, code_size, &mut u)?;
    if !split::is_skeleton(&unit) {
        return read_dies(dwarf, &unit, unit_index, code_size, u, rows, prov);
    }
    let split = match side.split_unit(dwarf, &unit) {
        Ok(split) => split,
        Err(e) => {
            lines_only(u, rows, unit_index, &e, prov);
            return Ok(());
        }
    };
    let mut full = u.clone();
    // Name, producer and language are in the split unit's root.
    if let Some(name) = split.unit.name {
        full.name = name.to_string_lossy().into_owned();
    }
    if full.comp_dir.is_empty() {
        if let Some(dir) = split.unit.comp_dir {
            full.comp_dir = dir.to_string_lossy().into_owned();
        }
    }
    let _ = root_strings(&split.dwarf, &split.unit, &mut full);
    // A broken split unit still leaves the skeleton's line table.
    if let Err(e) = read_dies(
        &split.dwarf,
        &split.unit,
        unit_index,
        code_size,
        full,
        rows.clone(),
        prov,
    ) {
        lines_only(
            u,
            rows,
            unit_index,
            &format!("cannot read its split unit: {e}"),
            prov,
        );
    }
    Ok(())
}

/// Adds a skeleton unit whose split unit is unavailable (`why`): its line
/// table, with one nameless subprogram per function.
fn lines_only(
    mut u: Unit,
    rows: Vec<LineRow>,
    unit_index: usize,
    why: &str,
    prov: &mut Provenance,
) {
    // Skeletons carry no DW_AT_name: the line table's primary file (DWARF 5
    // file 0; DWARF 4: file 1, clang's first) names the unit instead.
    if u.name.is_empty() {
        let primary = if u.version >= 5 { 0 } else { 1 };
        if let Some(Some(f)) = u.files.get(primary) {
            u.name = f.name.clone();
        }
    }
    let name = if u.name.is_empty() {
        "a split-DWARF unit"
    } else {
        &u.name
    };
    prov.warnings.push(format!(
        "{name}: {why}; only its line table is used (no variables or types)"
    ));
    prov.subprograms
        .extend(split::line_only_subprograms(&rows, unit_index));
    prov.units.push(u);
    prov.rows.extend(rows);
}

/// Reads the DIE tree of `unit` (the unit itself, or a skeleton's split
/// unit) and adds it, with the unit `u` and its line `rows`, to `prov`.
fn read_dies<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: &gimli::Unit<R<'a>>,
    unit_index: usize,
    code_size: u64,
    u: Unit,
    rows: Vec<LineRow>,
    prov: &mut Provenance,
) -> gimli::Result<()> {
    // Every type DIE gets its id up front, so references can point forward.
    let mut type_ids = HashMap::new();
    {
        let mut entries = unit.entries();
        let mut next = prov.types.len();
        while let Some(entry) = entries.next_dfs()? {
            if is_type_tag(entry.tag()) {
                type_ids.insert(entry.offset(), next);
                next += 1;
            }
        }
    }
    let mut walker = Walker {
        dwarf,
        unit,
        unit_index,
        code_size,
        type_ids,
        types: Vec::new(),
        subprograms: Vec::new(),
        by_offset: HashMap::new(),
        origins: Vec::new(),
        globals: Vec::new(),
        namespace: Vec::new(),
        declarations: HashMap::new(),
        specifications: Vec::new(),
        inline_refs: Vec::new(),
    };
    {
        let mut tree = unit.entries_tree(None)?;
        let root = tree.root()?;
        walker.walk(root)?;
    }
    walker.resolve_origins(prov.subprograms.len());
    walker.resolve_specifications();
    let Walker {
        types,
        subprograms,
        globals,
        ..
    } = walker;
    let mut types: Vec<(TypeId, Type)> = types;
    types.sort_by_key(|(id, _)| *id);
    prov.units.push(u);
    prov.rows.extend(rows);
    prov.subprograms.extend(subprograms);
    prov.types.extend(types.into_iter().map(|(_, t)| t));
    prov.globals
        .extend(globals.into_iter().map(|v| (unit_index, v)));
    Ok(())
}

fn read_line_table<'a>(
    dwarf: &gimli::Dwarf<R<'a>>,
    unit: &gimli::Unit<R<'a>>,
    unit_index: usize,
    code_size: u64,
    u: &mut Unit,
) -> gimli::Result<Vec<LineRow>> {
    let mut rows = Vec::new();
    let Some(program) = unit.line_program.clone() else {
        return Ok(rows);
    };
    let header = program.header();
    let count = header.file_names().len() as u64;
    for index in 0..=count {
        let file = crate::paths::line_file(dwarf, unit, header, index);
        u.files.push(file);
    }
    let mut sequence: Vec<LineRow> = Vec::new();
    let mut program_rows = program.rows();
    while let Some((_, row)) = program_rows.next_row()? {
        let column = match row.column() {
            gimli::ColumnType::LeftEdge => 0,
            gimli::ColumnType::Column(c) => c.get().min(u32::MAX as u64) as u32,
        };
        sequence.push(LineRow {
            address: row.address(),
            unit: unit_index,
            file: row.file_index() as usize,
            line: row
                .line()
                .map(|l| l.get().min(u32::MAX as u64) as u32)
                .unwrap_or(0),
            column,
            is_stmt: row.is_stmt(),
            prologue_end: row.prologue_end(),
            end_sequence: row.end_sequence(),
        });
        if row.end_sequence() {
            if sequence
                .first()
                .is_some_and(|r| is_live(r.address, code_size))
            {
                rows.append(&mut sequence);
            }
            sequence.clear();
        }
    }
    Ok(rows)
}

/// Whether an entry has `DW_AT_external`.
fn is_external(entry: &gimli::DebuggingInformationEntry<R<'_>>) -> bool {
    matches!(
        entry.attr_value(gimli::DW_AT_external),
        Some(AttributeValue::Flag(true))
    )
}

fn is_declaration(entry: &gimli::DebuggingInformationEntry<R<'_>>) -> bool {
    matches!(
        entry.attr_value(gimli::DW_AT_declaration),
        Some(AttributeValue::Flag(true))
    )
}

fn is_type_tag(tag: gimli::DwTag) -> bool {
    matches!(
        tag,
        gimli::DW_TAG_base_type
            | gimli::DW_TAG_pointer_type
            | gimli::DW_TAG_reference_type
            | gimli::DW_TAG_rvalue_reference_type
            | gimli::DW_TAG_const_type
            | gimli::DW_TAG_volatile_type
            | gimli::DW_TAG_restrict_type
            | gimli::DW_TAG_atomic_type
            | gimli::DW_TAG_typedef
            | gimli::DW_TAG_structure_type
            | gimli::DW_TAG_class_type
            | gimli::DW_TAG_union_type
            | gimli::DW_TAG_enumeration_type
            | gimli::DW_TAG_array_type
            | gimli::DW_TAG_subroutine_type
            | gimli::DW_TAG_unspecified_type
            | gimli::DW_TAG_ptr_to_member_type
    )
}

fn udata(v: Option<AttributeValue<R<'_>>>) -> Option<u64> {
    match v? {
        // gimli reads DW_AT_decl_file/call_file as file indices.
        AttributeValue::FileIndex(f) => Some(f),
        other => other.udata_value(),
    }
}

fn sdata(v: Option<AttributeValue<R<'_>>>) -> Option<i64> {
    match v? {
        AttributeValue::Sdata(s) => Some(s),
        AttributeValue::Block(b) => {
            let mut bytes = [0u8; 8];
            let n = b.len().min(8);
            bytes[..n].copy_from_slice(&b.slice()[..n]);
            Some(i64::from_le_bytes(bytes))
        }
        other => other.udata_value().map(|u| u as i64),
    }
}

/// Parses a location expression into [`LocOp`]s; `resolve_index` reads a
/// `DW_OP_addrx` entry of `.debug_addr` (DWARF 5).
fn parse_expression(
    expr: gimli::Expression<R<'_>>,
    encoding: gimli::Encoding,
    resolve_index: &dyn Fn(gimli::DebugAddrIndex<usize>) -> Option<u64>,
) -> Vec<LocOp> {
    let mut out = Vec::new();
    let mut ops = expr.operations(encoding);
    loop {
        let op = match ops.next() {
            Ok(Some(op)) => op,
            Ok(None) => break,
            Err(_) => {
                out.push(LocOp::Unsupported(0));
                break;
            }
        };
        use gimli::Operation as O;
        let mut implicit = None;
        let translated = match op {
            O::WasmLocal { index } => LocOp::WasmLocal(index),
            O::WasmGlobal { index } => LocOp::WasmGlobal(index),
            O::WasmStack { index } => LocOp::WasmStack(index),
            O::FrameOffset { offset } => LocOp::Fbreg(offset),
            O::Address { address } => LocOp::Addr(address),
            O::PlusConstant { value } => LocOp::PlusUconst(value),
            O::UnsignedConstant { value } => LocOp::Const(value as i64),
            O::SignedConstant { value } => LocOp::Const(value),
            O::Plus => LocOp::Plus,
            O::Minus => LocOp::Minus,
            O::And => LocOp::Arith(gimli::constants::DW_OP_and.0),
            O::Div => LocOp::Arith(gimli::constants::DW_OP_div.0),
            O::Mod => LocOp::Arith(gimli::constants::DW_OP_mod.0),
            O::Mul => LocOp::Arith(gimli::constants::DW_OP_mul.0),
            O::Neg => LocOp::Arith(gimli::constants::DW_OP_neg.0),
            O::Not => LocOp::Arith(gimli::constants::DW_OP_not.0),
            O::Or => LocOp::Arith(gimli::constants::DW_OP_or.0),
            O::Shl => LocOp::Arith(gimli::constants::DW_OP_shl.0),
            O::Shr => LocOp::Arith(gimli::constants::DW_OP_shr.0),
            O::Shra => LocOp::Arith(gimli::constants::DW_OP_shra.0),
            O::Xor => LocOp::Arith(gimli::constants::DW_OP_xor.0),
            O::Eq => LocOp::Arith(gimli::constants::DW_OP_eq.0),
            O::Ge => LocOp::Arith(gimli::constants::DW_OP_ge.0),
            O::Gt => LocOp::Arith(gimli::constants::DW_OP_gt.0),
            O::Le => LocOp::Arith(gimli::constants::DW_OP_le.0),
            O::Lt => LocOp::Arith(gimli::constants::DW_OP_lt.0),
            O::Ne => LocOp::Arith(gimli::constants::DW_OP_ne.0),
            O::Pick { index: 0 } => LocOp::Arith(gimli::constants::DW_OP_dup.0),
            O::Pick { index: 1 } => LocOp::Arith(gimli::constants::DW_OP_over.0),
            O::Swap => LocOp::Arith(gimli::constants::DW_OP_swap.0),
            O::Deref {
                size, space: false, ..
            } if size >= 8 => LocOp::Deref,
            O::Deref {
                size, space: false, ..
            } => LocOp::DerefSize(size),
            O::StackValue => LocOp::StackValue,
            // A constant given by its bytes (doubles, mostly): the value.
            O::ImplicitValue { data } if data.len() <= 8 => {
                let mut bytes = [0u8; 8];
                bytes[..data.len()].copy_from_slice(&data);
                // Read as `DW_OP_constu bits; DW_OP_stack_value`.
                implicit = Some(LocOp::Const(i64::from_le_bytes(bytes)));
                LocOp::StackValue
            }
            O::Piece {
                size_in_bits,
                bit_offset: None,
            } if size_in_bits % 8 == 0 => LocOp::Piece(size_in_bits / 8),
            O::AddressIndex { index } => match resolve_index(index) {
                Some(address) => LocOp::Addr(address),
                None => LocOp::Unsupported(0xfb),
            },
            _ => LocOp::Unsupported(0xff),
        };
        out.extend(implicit);
        out.push(translated);
    }
    out
}

struct Walker<'a, 'u> {
    dwarf: &'u gimli::Dwarf<R<'a>>,
    unit: &'u gimli::Unit<R<'a>>,
    unit_index: usize,
    code_size: u64,
    type_ids: HashMap<UnitOffset, TypeId>,
    types: Vec<(TypeId, Type)>,
    subprograms: Vec<Subprogram>,
    by_offset: HashMap<UnitOffset, usize>,
    /// (subprogram index, abstract origin or specification)
    origins: Vec<(usize, UnitOffset)>,
    globals: Vec<Variable>,
    namespace: Vec<String>,
    /// Qualified names (`geo::Counter::instances`) of variable declarations
    /// — static data members, `extern` declarations in a namespace — that
    /// a definition's `DW_AT_specification` may refer to.
    declarations: HashMap<UnitOffset, String>,
    /// (index into `globals`, its `DW_AT_specification`), resolved by
    /// [`Walker::resolve_specifications`] (the declaration may come later).
    specifications: Vec<(usize, UnitOffset)>,
    /// Abstract origins of inlined calls, by the index an `Inlined` scope
    /// holds until [`Walker::resolve_origins`] (origins may come later).
    inline_refs: Vec<UnitOffset>,
}

impl<'a, 'u> Walker<'a, 'u> {
    fn type_ref(&self, entry: &gimli::DebuggingInformationEntry<R<'a>>) -> Option<TypeId> {
        match entry.attr_value(gimli::DW_AT_type) {
            Some(AttributeValue::UnitRef(o)) => self.type_ids.get(&o).copied(),
            _ => None,
        }
    }

    fn name(&self, entry: &gimli::DebuggingInformationEntry<R<'a>>) -> Option<String> {
        entry
            .attr_value(gimli::DW_AT_name)
            .and_then(|v| attr_string(self.dwarf, self.unit, v))
    }

    fn live_ranges(
        &self,
        entry: &gimli::DebuggingInformationEntry<R<'a>>,
    ) -> gimli::Result<Vec<Range<u64>>> {
        let mut out = Vec::new();
        let mut ranges = self.dwarf.die_ranges(self.unit, entry)?;
        while let Some(r) = ranges.next()? {
            if r.end > r.begin && is_live(r.begin, self.code_size) {
                out.push(r.begin..r.end.min(self.code_size));
            }
        }
        Ok(out)
    }

    /// Walks the children of `node` at namespace/unit level.
    fn walk(&mut self, node: gimli::EntriesTreeNode<R<'a>>) -> gimli::Result<()> {
        let mut children = node.children();
        while let Some(child) = children.next()? {
            let entry = child.entry().clone();
            let tag = entry.tag();
            if tag == gimli::DW_TAG_subprogram {
                self.subprogram(child)?;
            } else if tag == gimli::DW_TAG_variable {
                let mut v = self.variable(&entry, false)?;
                // A variable in a namespace is named as C++ names it
                // (`geo::created`), which is how the debuggers show and
                // look it up.
                v.name = v.name.map(|n| self.qualified(&n));
                if let Some(n) = &v.name {
                    if is_declaration(&entry) {
                        self.declarations.insert(entry.offset(), n.clone());
                    }
                }
                if v.location != Location::None || v.const_value.is_some() {
                    if let Some(AttributeValue::UnitRef(o)) =
                        entry.attr_value(gimli::DW_AT_specification)
                    {
                        self.specifications.push((self.globals.len(), o));
                    }
                    self.globals.push(v);
                }
            } else if is_type_tag(tag) {
                self.type_entry(child)?;
            } else if tag == gimli::DW_TAG_namespace {
                self.namespace.push(
                    self.name(&entry)
                        .unwrap_or_else(|| "(anonymous namespace)".into()),
                );
                self.walk(child)?;
                self.namespace.pop();
            } else {
                self.walk(child)?;
            }
        }
        Ok(())
    }

    /// `name` inside the current namespaces (and classes): `geo::name`.
    fn qualified(&self, name: &str) -> String {
        if self.namespace.is_empty() {
            name.to_string()
        } else {
            format!("{}::{name}", self.namespace.join("::"))
        }
    }

    /// A definition (`int Counter::instances = 0;`) takes its name — the
    /// declaration's, qualified — type and position from the declaration
    /// its `DW_AT_specification` names.
    fn resolve_specifications(&mut self) {
        for (index, o) in std::mem::take(&mut self.specifications) {
            let Ok(decl) = self.unit.entry(o) else {
                continue;
            };
            let name = self
                .declarations
                .get(&o)
                .cloned()
                .or_else(|| self.name(&decl));
            let ty = self.type_ref(&decl);
            let linkage = [gimli::DW_AT_linkage_name, gimli::DW_AT_MIPS_linkage_name]
                .into_iter()
                .find_map(|a| attr_string(self.dwarf, self.unit, decl.attr_value(a)?));
            let file = udata(decl.attr_value(gimli::DW_AT_decl_file)).map(|f| f as usize);
            let line = udata(decl.attr_value(gimli::DW_AT_decl_line)).unwrap_or(0) as u32;
            let v = &mut self.globals[index];
            v.name = v.name.take().or(name);
            v.linkage_name = v.linkage_name.take().or(linkage);
            v.ty = v.ty.or(ty);
            v.file = v.file.or(file);
            if v.line == 0 {
                v.line = line;
            }
        }
    }

    fn variable(
        &self,
        entry: &gimli::DebuggingInformationEntry<R<'a>>,
        is_parameter: bool,
    ) -> gimli::Result<Variable> {
        let mut v = Variable {
            name: self.name(entry),
            linkage_name: [gimli::DW_AT_linkage_name, gimli::DW_AT_MIPS_linkage_name]
                .into_iter()
                .find_map(|a| attr_string(self.dwarf, self.unit, entry.attr_value(a)?)),
            ty: self.type_ref(entry),
            location: Location::None,
            const_value: sdata(entry.attr_value(gimli::DW_AT_const_value)),
            file: udata(entry.attr_value(gimli::DW_AT_decl_file)).map(|f| f as usize),
            line: udata(entry.attr_value(gimli::DW_AT_decl_line)).unwrap_or(0) as u32,
            is_parameter,
            artificial: matches!(
                entry.attr_value(gimli::DW_AT_artificial),
                Some(AttributeValue::Flag(true))
            ),
            external: is_external(entry),
        };
        if let Some(AttributeValue::UnitRef(o)) = entry.attr_value(gimli::DW_AT_specification) {
            if let Ok(declaration) = self.unit.entry(o) {
                v.external |= is_external(&declaration);
            }
        }
        // Inlined instances name their abstract origin for name and type.
        if let Some(AttributeValue::UnitRef(o)) = entry.attr_value(gimli::DW_AT_abstract_origin) {
            if let Ok(origin) = self.unit.entry(o) {
                v.name = v.name.or_else(|| self.name(&origin));
                v.ty = v.ty.or_else(|| self.type_ref(&origin));
                v.file = v
                    .file
                    .or(udata(origin.attr_value(gimli::DW_AT_decl_file)).map(|f| f as usize));
                if v.line == 0 {
                    v.line = udata(origin.attr_value(gimli::DW_AT_decl_line)).unwrap_or(0) as u32;
                }
            }
        }
        let encoding = self.unit.encoding();
        let resolve = |index| self.dwarf.address(self.unit, index).ok();
        match entry.attr_value(gimli::DW_AT_location) {
            Some(AttributeValue::Exprloc(expr)) => {
                v.location = Location::Expr(parse_expression(expr, encoding, &resolve))
            }
            Some(attr) => {
                if let Ok(Some(mut list)) = self.dwarf.attr_locations(self.unit, attr) {
                    let mut entries = Vec::new();
                    while let Ok(Some(e)) = list.next() {
                        if e.range.end > e.range.begin && is_live(e.range.begin, self.code_size) {
                            entries.push((
                                e.range.begin..e.range.end,
                                parse_expression(e.data, encoding, &resolve),
                            ));
                        }
                    }
                    v.location = Location::List(entries);
                }
            }
            None => {}
        }
        Ok(v)
    }

    /// The variables of an inlined copy of the function at `origin`, with
    /// every parameter the function declares, in its order.  clang's wasm
    /// builds often leave out the parameters of an inlined copy whose
    /// values were optimized away, where native builds list them as
    /// `<optimized out>`; a parameter without a concrete entry here is
    /// added with no location, which does the same.
    fn with_origin_parameters(&self, origin: UnitOffset, concrete: Vec<Variable>) -> Vec<Variable> {
        let mut declared = Vec::new();
        if let Ok(mut tree) = self.unit.entries_tree(Some(origin)) {
            if let Ok(root) = tree.root() {
                let mut children = root.children();
                while let Ok(Some(child)) = children.next() {
                    let entry = child.entry();
                    if entry.tag() == gimli::DW_TAG_formal_parameter {
                        if let Ok(p) = self.variable(entry, true) {
                            declared.push(p);
                        }
                    }
                }
            }
        }
        let named = |v: &Variable, name: &Option<String>| v.name.is_some() && v.name == *name;
        if declared
            .iter()
            .all(|d| concrete.iter().any(|c| c.is_parameter && named(c, &d.name)))
        {
            return concrete;
        }
        let (mut params, others): (Vec<Variable>, Vec<Variable>) =
            concrete.into_iter().partition(|v| v.is_parameter);
        let mut out = Vec::new();
        for mut d in declared {
            match params.iter().position(|p| named(p, &d.name)) {
                Some(i) => out.push(params.remove(i)),
                None => {
                    d.location = Location::None;
                    d.const_value = None;
                    out.push(d);
                }
            }
        }
        out.extend(params);
        out.extend(others);
        out
    }

    fn subprogram(&mut self, node: gimli::EntriesTreeNode<R<'a>>) -> gimli::Result<()> {
        let entry = node.entry().clone();
        let mut s = Subprogram {
            unit: self.unit_index,
            scope: self.namespace.clone(),
            ..Default::default()
        };
        s.name = self.name(&entry);
        for attr in [gimli::DW_AT_linkage_name, gimli::DW_AT_MIPS_linkage_name] {
            if let Some(v) = entry.attr_value(attr) {
                s.linkage_name = s.linkage_name.or(attr_string(self.dwarf, self.unit, v));
            }
        }
        s.file = udata(entry.attr_value(gimli::DW_AT_decl_file)).map(|f| f as usize);
        s.line = udata(entry.attr_value(gimli::DW_AT_decl_line)).unwrap_or(0) as u32;
        s.external = is_external(&entry);
        s.ranges = self.live_ranges(&entry)?;
        s.result = self.type_ref(&entry);
        if let Some(AttributeValue::Exprloc(expr)) = entry.attr_value(gimli::DW_AT_frame_base) {
            s.frame_base = Some(parse_expression(expr, self.unit.encoding(), &|_| None));
        }
        let index = self.subprograms.len();
        self.by_offset.insert(entry.offset(), index);
        for attr in [gimli::DW_AT_abstract_origin, gimli::DW_AT_specification] {
            if let Some(AttributeValue::UnitRef(o)) = entry.attr_value(attr) {
                self.origins.push((index, o));
            }
        }
        self.subprograms.push(s);
        let mut scopes = Vec::new();
        let mut variables = Vec::new();
        self.scope_children(node, &mut scopes, &mut variables)?;
        self.subprograms[index].scopes = scopes;
        self.subprograms[index].variables = variables;
        Ok(())
    }

    /// Lexical blocks, inlined calls and variables below a subprogram or scope.
    fn scope_children(
        &mut self,
        node: gimli::EntriesTreeNode<R<'a>>,
        scopes: &mut Vec<Scope>,
        variables: &mut Vec<Variable>,
    ) -> gimli::Result<()> {
        let mut children = node.children();
        while let Some(child) = children.next()? {
            let entry = child.entry().clone();
            match entry.tag() {
                gimli::DW_TAG_formal_parameter => variables.push(self.variable(&entry, true)?),
                gimli::DW_TAG_variable => variables.push(self.variable(&entry, false)?),
                gimli::DW_TAG_lexical_block | gimli::DW_TAG_inlined_subroutine => {
                    let kind = if entry.tag() == gimli::DW_TAG_lexical_block {
                        Some(ScopeKind::LexicalBlock)
                    } else {
                        let callee = match entry.attr_value(gimli::DW_AT_abstract_origin) {
                            Some(AttributeValue::UnitRef(o)) => {
                                self.inline_refs.push(o);
                                Some(self.inline_refs.len() - 1)
                            }
                            _ => None,
                        };
                        callee.map(|callee| ScopeKind::Inlined {
                            callee,
                            call_file: udata(entry.attr_value(gimli::DW_AT_call_file))
                                .map(|f| f as usize),
                            call_line: udata(entry.attr_value(gimli::DW_AT_call_line)).unwrap_or(0)
                                as u32,
                            call_column: udata(entry.attr_value(gimli::DW_AT_call_column))
                                .unwrap_or(0) as u32,
                        })
                    };
                    match kind {
                        Some(kind) => {
                            let ranges = self.live_ranges(&entry)?;
                            let mut scope = Scope {
                                kind,
                                ranges,
                                children: Vec::new(),
                                variables: Vec::new(),
                            };
                            let (mut c, mut v) = (Vec::new(), Vec::new());
                            let origin = match entry.attr_value(gimli::DW_AT_abstract_origin) {
                                Some(AttributeValue::UnitRef(o))
                                    if entry.tag() == gimli::DW_TAG_inlined_subroutine =>
                                {
                                    Some(o)
                                }
                                _ => None,
                            };
                            self.scope_children(child, &mut c, &mut v)?;
                            if let Some(o) = origin {
                                v = self.with_origin_parameters(o, v);
                            }
                            scope.children = c;
                            scope.variables = v;
                            if !scope.ranges.is_empty() {
                                scopes.push(scope);
                            }
                        }
                        None => self.scope_children(child, scopes, variables)?,
                    }
                }
                tag if is_type_tag(tag) => self.type_entry(child)?,
                _ => self.scope_children(child, scopes, variables)?,
            }
        }
        Ok(())
    }

    /// A `DW_TAG_member` / `DW_TAG_inheritance` with storage.
    fn member(&self, m: &gimli::DebuggingInformationEntry<R<'a>>) -> Member {
        let offset = match m.attr_value(gimli::DW_AT_data_member_location) {
            Some(AttributeValue::Exprloc(e)) => {
                parse_expression(e, self.unit.encoding(), &|_| None)
                    .iter()
                    .find_map(|op| match op {
                        LocOp::PlusUconst(v) => Some(*v),
                        _ => None,
                    })
                    .unwrap_or(0)
            }
            other => udata(other).unwrap_or(0),
        };
        Member {
            name: self.name(m),
            ty: self.type_ref(m),
            offset,
            bit_size: udata(m.attr_value(gimli::DW_AT_bit_size)),
            bit_offset: udata(m.attr_value(gimli::DW_AT_data_bit_offset)),
            is_static: false,
            is_base: m.tag() == gimli::DW_TAG_inheritance,
        }
    }

    /// A `DW_TAG_variant_part`: its discriminant (the member `DW_AT_discr`
    /// names, a child of the part in rustc's DWARF) and its variants, each
    /// with the (first) member it holds.  A variant with no member, or a
    /// discriminant given as a list (`DW_AT_discr_list`), is left out.
    fn variant_part(&mut self, node: gimli::EntriesTreeNode<R<'a>>) -> gimli::Result<VariantPart> {
        let discr_at = match node.entry().attr_value(gimli::DW_AT_discr) {
            Some(AttributeValue::UnitRef(o)) => Some(o),
            _ => None,
        };
        let mut part = VariantPart::default();
        let mut children = node.children();
        while let Some(child) = children.next()? {
            let e = child.entry().clone();
            match e.tag() {
                gimli::DW_TAG_member if Some(e.offset()) == discr_at => {
                    part.discr = Some(self.member(&e));
                }
                gimli::DW_TAG_variant => {
                    let discr_value = udata(e.attr_value(gimli::DW_AT_discr_value));
                    let has_list = e.attr_value(gimli::DW_AT_discr_list).is_some();
                    let mut member = None;
                    let mut grandchildren = child.children();
                    while let Some(g) = grandchildren.next()? {
                        let m = g.entry().clone();
                        if m.tag() == gimli::DW_TAG_member && member.is_none() {
                            member = Some(self.member(&m));
                        } else if is_type_tag(m.tag()) {
                            self.type_entry(g)?;
                        }
                    }
                    if let (Some(member), false) = (member, has_list) {
                        part.variants.push(Variant {
                            discr_value,
                            member,
                        });
                    }
                }
                _ => {}
            }
        }
        Ok(part)
    }

    fn type_entry(&mut self, node: gimli::EntriesTreeNode<R<'a>>) -> gimli::Result<()> {
        let entry = node.entry().clone();
        let Some(&id) = self.type_ids.get(&entry.offset()) else {
            return Ok(());
        };
        let target = self.type_ref(&entry);
        let byte_size = udata(entry.attr_value(gimli::DW_AT_byte_size));
        let tag = entry.tag();
        let kind = match tag {
            gimli::DW_TAG_base_type => {
                let encoding = match entry.attr_value(gimli::DW_AT_encoding) {
                    Some(AttributeValue::Encoding(e)) => e.0,
                    _ => 0,
                };
                TypeKind::Base {
                    encoding,
                    byte_size: byte_size.unwrap_or(0),
                }
            }
            // clang gives pointers no byte size: the unit's address size
            // (4, or 8 for wasm64).
            gimli::DW_TAG_pointer_type => TypeKind::Pointer {
                pointee: target,
                byte_size: byte_size.unwrap_or(u64::from(self.unit.encoding().address_size)),
            },
            gimli::DW_TAG_reference_type => TypeKind::Reference {
                pointee: target,
                rvalue: false,
            },
            gimli::DW_TAG_rvalue_reference_type => TypeKind::Reference {
                pointee: target,
                rvalue: true,
            },
            gimli::DW_TAG_const_type => TypeKind::Const(target),
            gimli::DW_TAG_volatile_type => TypeKind::Volatile(target),
            gimli::DW_TAG_restrict_type => TypeKind::Restrict(target),
            gimli::DW_TAG_atomic_type | gimli::DW_TAG_typedef => TypeKind::Typedef(target),
            gimli::DW_TAG_structure_type | gimli::DW_TAG_class_type | gimli::DW_TAG_union_type => {
                let declaration = matches!(
                    entry.attr_value(gimli::DW_AT_declaration),
                    Some(AttributeValue::Flag(true))
                );
                let mut members = Vec::new();
                let mut variant_part = None;
                let mut template_params = Vec::new();
                let mut children = node.children();
                let name = self.name(&entry);
                if let Some(n) = &name {
                    self.namespace.push(n.clone());
                }
                while let Some(child) = children.next()? {
                    let m = child.entry().clone();
                    // A static data member: a declaration (DW_TAG_member
                    // before DWARF 5, DW_TAG_variable since), whose
                    // definition names it through DW_AT_specification.
                    let is_static = m.tag() == gimli::DW_TAG_variable
                        || (m.tag() == gimli::DW_TAG_member && is_declaration(&m));
                    if is_static {
                        if let Some(n) = self.name(&m) {
                            self.declarations.insert(m.offset(), self.qualified(&n));
                        }
                        members.push(Member {
                            name: self.name(&m),
                            ty: self.type_ref(&m),
                            offset: 0,
                            bit_size: None,
                            bit_offset: None,
                            is_static: true,
                            is_base: false,
                        });
                        continue;
                    }
                    match m.tag() {
                        gimli::DW_TAG_member | gimli::DW_TAG_inheritance => {
                            members.push(self.member(&m));
                        }
                        // Only the first variant part (rustc writes one).
                        gimli::DW_TAG_variant_part if variant_part.is_none() => {
                            variant_part = Some(self.variant_part(child)?);
                        }
                        gimli::DW_TAG_template_type_parameter => {
                            template_params
                                .push((self.name(&m).unwrap_or_default(), self.type_ref(&m)));
                        }
                        gimli::DW_TAG_subprogram => self.subprogram(child)?,
                        t if is_type_tag(t) => self.type_entry(child)?,
                        _ => {}
                    }
                }
                if name.is_some() {
                    self.namespace.pop();
                }
                TypeKind::Composite {
                    tag: tag.0,
                    byte_size: byte_size.unwrap_or(0),
                    members,
                    declaration,
                    variant_part,
                    template_params,
                }
            }
            gimli::DW_TAG_enumeration_type => {
                let mut enumerators = Vec::new();
                let mut children = node.children();
                while let Some(child) = children.next()? {
                    let e = child.entry();
                    if e.tag() == gimli::DW_TAG_enumerator {
                        let value = sdata(e.attr_value(gimli::DW_AT_const_value)).unwrap_or(0);
                        enumerators.push((self.name(e).unwrap_or_default(), value));
                    }
                }
                let unsigned = matches!(
                    target.and_then(|t| self.types.iter().find(|(id, _)| *id == t)).map(|(_, t)| &t.kind),
                    Some(TypeKind::Base { encoding, .. }) if *encoding == gimli::DW_ATE_unsigned.0 || *encoding == gimli::DW_ATE_unsigned_char.0
                ) || enumerators.iter().all(|(_, v)| *v >= 0);
                TypeKind::Enum {
                    byte_size: byte_size.unwrap_or(4),
                    underlying: target,
                    enumerators,
                    unsigned,
                    scoped: matches!(
                        entry.attr_value(gimli::DW_AT_enum_class),
                        Some(AttributeValue::Flag(true))
                    ),
                }
            }
            gimli::DW_TAG_array_type => {
                let vector = matches!(
                    entry.attr_value(gimli::DW_AT_GNU_vector),
                    Some(AttributeValue::Flag(true))
                );
                let mut dims = Vec::new();
                let mut children = node.children();
                while let Some(child) = children.next()? {
                    let e = child.entry();
                    if e.tag() == gimli::DW_TAG_subrange_type {
                        let count = udata(e.attr_value(gimli::DW_AT_count)).or_else(|| {
                            udata(e.attr_value(gimli::DW_AT_upper_bound)).map(|u| u + 1)
                        });
                        dims.push(count);
                    }
                }
                TypeKind::Array {
                    element: target,
                    dims,
                    vector,
                }
            }
            gimli::DW_TAG_subroutine_type => {
                let mut params = Vec::new();
                let mut variadic = false;
                let mut children = node.children();
                while let Some(child) = children.next()? {
                    let e = child.entry();
                    match e.tag() {
                        gimli::DW_TAG_formal_parameter => params.push(self.type_ref(e)),
                        gimli::DW_TAG_unspecified_parameters => variadic = true,
                        _ => {}
                    }
                }
                TypeKind::Subroutine {
                    result: target,
                    params,
                    variadic,
                }
            }
            _ => TypeKind::Unspecified,
        };
        // A composite pushed (and popped) its own name: the scope is outside it.
        let scope = self.namespace.clone();
        self.types.push((
            id,
            Type {
                name: self.name(&entry),
                kind,
                unit: self.unit_index,
                file: udata(entry.attr_value(gimli::DW_AT_decl_file)).map(|f| f as usize),
                line: udata(entry.attr_value(gimli::DW_AT_decl_line)).unwrap_or(0) as u32,
                scope,
            },
        ));
        Ok(())
    }

    /// Out-of-line instances of inline functions take their name and
    /// declaration from the abstract origin; callee indices become global.
    fn resolve_origins(&mut self, base: usize) {
        for (index, origin) in std::mem::take(&mut self.origins) {
            if let Some(&o) = self.by_offset.get(&origin) {
                let (name, linkage, file, line, external, result, scope) = {
                    let s = &self.subprograms[o];
                    let scope = if s.declared_in.len() > s.scope.len() {
                        s.declared_in.clone()
                    } else {
                        s.scope.clone()
                    };
                    (
                        s.name.clone(),
                        s.linkage_name.clone(),
                        s.file,
                        s.line,
                        s.external,
                        s.result,
                        scope,
                    )
                };
                let s = &mut self.subprograms[index];
                if scope.len() > s.scope.len() && scope.starts_with(&s.scope) {
                    s.declared_in = scope;
                }
                s.name = s.name.take().or(name);
                s.linkage_name = s.linkage_name.take().or(linkage);
                s.file = s.file.or(file);
                if s.line == 0 {
                    s.line = line;
                }
                s.external |= external;
                s.result = s.result.or(result);
            }
        }
        // Inlined callees: from abstract-origin references to global
        // subprogram indices; an origin that is not a subprogram leaves a
        // plain lexical block.
        let callees: Vec<Option<usize>> = self
            .inline_refs
            .iter()
            .map(|o| self.by_offset.get(o).map(|i| i + base))
            .collect();
        fn fix(scopes: &mut [Scope], callees: &[Option<usize>]) {
            for s in scopes {
                if let ScopeKind::Inlined { callee, .. } = &s.kind {
                    match callees.get(*callee).copied().flatten() {
                        Some(c) => {
                            if let ScopeKind::Inlined { callee, .. } = &mut s.kind {
                                *callee = c;
                            }
                        }
                        None => s.kind = ScopeKind::LexicalBlock,
                    }
                }
                fix(&mut s.children, callees);
            }
        }
        for s in &mut self.subprograms {
            fix(&mut s.scopes, &callees);
        }
    }
}
