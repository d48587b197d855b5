//! The debug layer: turns the module's provenance into LLVM debug metadata —
//! a compile unit per source compile unit, a `DISubprogram` per function, and
//! a `DILocation` per operator — which LLVM then writes as native DWARF.
//!
//! Lowering never looks at DWARF itself: it asks this layer for a function's
//! scope ([`ModuleDebug::function`]) and for the location of a code offset
//! ([`FunctionDebug::location`]).

use innative_dwarf::Provenance;
use inkwell::context::Context;
use inkwell::debug_info::{
    AsDIScope, DICompileUnit, DIFile, DIFlags, DIFlagsConstants, DILocation, DIScope, DISubprogram,
    DWARFEmissionKind, DWARFSourceLanguage, DebugInfoBuilder,
};
use inkwell::module::Module;
use inkwell::values::FunctionValue;
use std::collections::HashMap;
use std::ops::Range;

/// Debug metadata of one wasm module inside the LLVM module.
pub struct ModuleDebug<'ctx, 'p> {
    context: &'ctx Context,
    prov: &'p Provenance,
    /// Module byte offset of the code section payload (DWARF address 0).
    code_offset: u64,
    /// One DIBuilder + compile unit per source unit that has code here.
    units: HashMap<usize, (DebugInfoBuilder<'ctx>, DICompileUnit<'ctx>)>,
    files: HashMap<(usize, usize), DIFile<'ctx>>,
}

/// Debug metadata of one function.
pub struct FunctionDebug<'ctx> {
    pub subprogram: DISubprogram<'ctx>,
    unit: usize,
    file: Option<usize>,
    /// Scopes for rows in files other than the subprogram's own (code from
    /// headers), as lexical blocks carrying that file.
    file_scopes: HashMap<usize, DIScope<'ctx>>,
    /// Line of the function's first row (the DISubprogram's scope line).
    pub entry_line: u32,
    /// DWARF address where the source compiler's prologue ends (its
    /// `prologue_end` row).  Code before it — parameter spills, shadow-stack
    /// setup — gets no line, as clang does natively, so that a breakpoint on
    /// the function stops on its first statement.
    prologue_end: Option<u64>,
}

fn language(code: u16) -> DWARFSourceLanguage {
    match code {
        0x01 => DWARFSourceLanguage::C89,
        0x04 | 0x1a | 0x21 | 0x2b => DWARFSourceLanguage::CPlusPlus,
        0x1c => DWARFSourceLanguage::Rust,
        0x0c => DWARFSourceLanguage::C99,
        0x1d => DWARFSourceLanguage::C11,
        _ => DWARFSourceLanguage::C,
    }
}

impl<'ctx, 'p> ModuleDebug<'ctx, 'p> {
    /// Prepares a compile unit for every source unit with live code.
    pub fn new(context: &'ctx Context, module: &Module<'ctx>, prov: &'p Provenance, code_offset: u64, optimized: bool) -> Self {
        let mut units = HashMap::new();
        let mut files = HashMap::new();
        let mut has_code = vec![false; prov.units.len()];
        for s in &prov.subprograms {
            if !s.ranges.is_empty() {
                has_code[s.unit] = true;
            }
        }
        for (i, unit) in prov.units.iter().enumerate() {
            if !has_code[i] {
                continue;
            }
            let producer = if unit.producer.is_empty() {
                format!("innative {}", env!("CARGO_PKG_VERSION"))
            } else {
                format!("innative {} (from: {})", env!("CARGO_PKG_VERSION"), unit.producer)
            };
            let (builder, cu) = module.create_debug_info_builder(
                true,
                language(unit.language),
                &unit.name,
                &unit.comp_dir,
                &producer,
                optimized,
                "",
                0,
                "",
                DWARFEmissionKind::Full,
                0,
                false,
                false,
                "",
                "",
            );
            for (fi, f) in unit.files.iter().enumerate() {
                if let Some(f) = f {
                    files.insert((i, fi), builder.create_file(&f.name, &f.directory));
                }
            }
            units.insert(i, (builder, cu));
        }
        ModuleDebug { context, prov, code_offset, units, files }
    }

    fn dwarf_address(&self, module_offset: u64) -> u64 {
        module_offset.saturating_sub(self.code_offset)
    }

    /// The subprogram of the function whose body spans `body` (module byte
    /// offsets), attached to `func`.  None when the DWARF does not cover it.
    pub fn function(&self, func: FunctionValue<'ctx>, body: Range<u64>, fallback_name: &str) -> Option<FunctionDebug<'ctx>> {
        let start = self.dwarf_address(body.start);
        let end = self.dwarf_address(body.end);
        let sp = self
            .prov
            .subprograms
            .iter()
            .find(|s| s.ranges.iter().any(|r| r.start < end && start < r.end))?;
        let (builder, cu) = self.units.get(&sp.unit)?;
        let file = sp
            .file
            .and_then(|f| self.files.get(&(sp.unit, f)).copied())
            .unwrap_or_else(|| cu.get_file());
        let rows = self.prov.rows_in(start..end);
        let entry_line = rows.iter().find(|r| r.line != 0).map(|r| r.line).unwrap_or(sp.line);
        let prologue_end = rows.iter().find(|r| r.prologue_end && !r.end_sequence).map(|r| r.address);
        let name = sp.name.clone().unwrap_or_else(|| fallback_name.to_string());
        let ty = builder.create_subroutine_type(file, None, &[], DIFlags::ZERO);
        let subprogram = builder.create_function(
            cu.as_debug_info_scope(),
            &name,
            sp.linkage_name.as_deref(),
            file,
            sp.line,
            ty,
            !sp.external,
            true,
            entry_line,
            DIFlags::PROTOTYPED,
            false,
        );
        func.set_subprogram(subprogram);
        let mut file_scopes = HashMap::new();
        for r in rows {
            if Some(r.file) != sp.file && r.unit == sp.unit && !file_scopes.contains_key(&r.file) {
                if let Some(f) = self.files.get(&(sp.unit, r.file)) {
                    let block = builder.create_lexical_block(subprogram.as_debug_info_scope(), *f, 0, 0);
                    file_scopes.insert(r.file, block.as_debug_info_scope());
                }
            }
        }
        Some(FunctionDebug { subprogram, unit: sp.unit, file: sp.file, file_scopes, entry_line, prologue_end })
    }

    /// The location of the operator at `module_offset` in `f`.
    pub fn location(&self, f: &FunctionDebug<'ctx>, module_offset: u64) -> DILocation<'ctx> {
        let address = self.dwarf_address(module_offset);
        let in_prologue = f.prologue_end.is_some_and(|end| address < end);
        let (line, column, scope) = match self.prov.row_at(address) {
            Some(r) if r.unit == f.unit && !in_prologue => {
                let scope = if Some(r.file) == f.file {
                    f.subprogram.as_debug_info_scope()
                } else {
                    f.file_scopes.get(&r.file).copied().unwrap_or(f.subprogram.as_debug_info_scope())
                };
                (r.line, r.column, scope)
            }
            _ => (0, 0, f.subprogram.as_debug_info_scope()),
        };
        self.at(f, line, column, scope)
    }

    /// The location of code before the first operator (locals, stack guard):
    /// no line, like the prologue.
    pub fn entry_location(&self, f: &FunctionDebug<'ctx>) -> DILocation<'ctx> {
        self.at(f, 0, 0, f.subprogram.as_debug_info_scope())
    }

    fn at(&self, f: &FunctionDebug<'ctx>, line: u32, column: u32, scope: DIScope<'ctx>) -> DILocation<'ctx> {
        let (builder, _) = &self.units[&f.unit];
        builder.create_debug_location(self.context, line, column, scope, None)
    }

    /// Resolves the metadata; call once, before emission.
    pub fn finalize(&self) {
        for (builder, _) in self.units.values() {
            builder.finalize();
        }
    }
}
