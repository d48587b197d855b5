//! The debug layer: turns the module's provenance into LLVM debug metadata —
//! a compile unit per source compile unit, a `DISubprogram` per function,
//! `DILexicalBlock`s, inlined-call chains (`inlinedAt`) and a `DILocation`
//! per operator — which LLVM then writes as native DWARF.
//!
//! Lowering never looks at DWARF itself: it asks this layer for a function's
//! debug scope ([`ModuleDebug::function`]) and for the location of a code
//! offset ([`ModuleDebug::location`]).

use innative_dwarf::{Provenance, Scope, ScopeKind, Subprogram};
use inkwell::context::Context;
use inkwell::debug_info::{
    AsDIScope, DICompileUnit, DIFile, DIFlags, DIFlagsConstants, DILocation, DIScope, DISubprogram,
    DWARFEmissionKind, DWARFSourceLanguage, DebugInfoBuilder,
};
use inkwell::module::Module;
use inkwell::values::FunctionValue;
use std::cell::RefCell;
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
    /// Scopes created on demand while locations are asked for.
    cache: RefCell<ScopeCache<'ctx>>,
    /// For functions the provenance does not cover: a unit named after the
    /// module file, whose subprograms carry the name-section names (no lines).
    fallback: Option<(DebugInfoBuilder<'ctx>, DICompileUnit<'ctx>)>,
}

#[derive(Default)]
struct ScopeCache<'ctx> {
    /// Subprograms of inlined callees, by subprogram index.
    callees: HashMap<usize, DISubprogram<'ctx>>,
    /// Lexical blocks, by the address of the provenance scope they mirror
    /// and the scope they are nested in.
    blocks: HashMap<(*const Scope, usize), DIScope<'ctx>>,
    /// Blocks that switch file (code from a header), by parent scope and file.
    file_blocks: HashMap<(usize, usize), DIScope<'ctx>>,
}

/// Debug metadata of one function.
pub struct FunctionDebug<'ctx> {
    pub subprogram: DISubprogram<'ctx>,
    /// Index of the provenance subprogram (None: fallback, no lines).
    sp: Option<usize>,
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

/// A key for a metadata node (its address; nodes are uniqued by LLVM).
fn key(scope: DIScope<'_>) -> usize {
    scope.as_mut_ptr() as usize
}

impl<'ctx, 'p> ModuleDebug<'ctx, 'p> {
    /// Prepares a compile unit for every source unit with live code, and a
    /// fallback unit for the module itself when some function body (module
    /// byte ranges in `bodies`) has no DWARF.
    pub fn new(
        context: &'ctx Context,
        module: &Module<'ctx>,
        prov: &'p Provenance,
        code_offset: u64,
        optimized: bool,
        module_path: &std::path::Path,
        bodies: &[Range<u64>],
    ) -> Self {
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
        let mut this = ModuleDebug { context, prov, code_offset, units, files, cache: RefCell::default(), fallback: None };
        if bodies.iter().any(|b| this.subprogram_index(b.clone()).is_none()) {
            let dir = module_path.parent().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
            let dir = if dir.is_empty() { ".".to_string() } else { dir };
            let name = module_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            this.fallback = Some(module.create_debug_info_builder(
                true,
                DWARFSourceLanguage::C,
                &name,
                &dir,
                &format!("innative {}", env!("CARGO_PKG_VERSION")),
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
            ));
        }
        this
    }

    /// The provenance subprogram covering a function body (module offsets).
    fn subprogram_index(&self, body: Range<u64>) -> Option<usize> {
        let start = self.dwarf_address(body.start);
        let end = self.dwarf_address(body.end);
        self.prov.subprograms.iter().position(|s| s.ranges.iter().any(|r| r.start < end && start < r.end))
    }

    fn dwarf_address(&self, module_offset: u64) -> u64 {
        module_offset.saturating_sub(self.code_offset)
    }

    fn file_of(&self, sp: &Subprogram) -> Option<DIFile<'ctx>> {
        let (_, cu) = self.units.get(&sp.unit)?;
        Some(sp.file.and_then(|f| self.files.get(&(sp.unit, f)).copied()).unwrap_or_else(|| cu.get_file()))
    }

    fn create_subprogram(&self, sp: &Subprogram, fallback_name: &str, scope_line: u32) -> Option<DISubprogram<'ctx>> {
        let (builder, cu) = self.units.get(&sp.unit)?;
        let file = self.file_of(sp)?;
        let name = sp.name.clone().unwrap_or_else(|| fallback_name.to_string());
        let ty = builder.create_subroutine_type(file, None, &[], DIFlags::ZERO);
        Some(builder.create_function(
            cu.as_debug_info_scope(),
            &name,
            sp.linkage_name.as_deref(),
            file,
            sp.line,
            ty,
            !sp.external,
            true,
            scope_line,
            DIFlags::PROTOTYPED,
            false,
        ))
    }

    /// The subprogram of the function whose body spans `body` (module byte
    /// offsets), attached to `func`.  None when the DWARF does not cover it.
    pub fn function(&self, func: FunctionValue<'ctx>, body: Range<u64>, fallback_name: &str) -> Option<FunctionDebug<'ctx>> {
        let start = self.dwarf_address(body.start);
        let end = self.dwarf_address(body.end);
        let Some(index) = self.subprogram_index(body) else {
            // No DWARF for this function: a named subprogram without lines.
            let (builder, cu) = self.fallback.as_ref()?;
            let file = cu.get_file();
            let ty = builder.create_subroutine_type(file, None, &[], DIFlags::ZERO);
            let subprogram = builder.create_function(
                cu.as_debug_info_scope(),
                fallback_name,
                None,
                file,
                0,
                ty,
                true,
                true,
                0,
                DIFlags::ZERO,
                false,
            );
            func.set_subprogram(subprogram);
            return Some(FunctionDebug { subprogram, sp: None, entry_line: 0, prologue_end: None });
        };
        let sp = &self.prov.subprograms[index];
        let rows = self.prov.rows_in(start..end);
        let entry_line = rows.iter().find(|r| r.line != 0).map(|r| r.line).unwrap_or(sp.line);
        let prologue_end = rows.iter().find(|r| r.prologue_end && !r.end_sequence).map(|r| r.address);
        let subprogram = self.create_subprogram(sp, fallback_name, entry_line)?;
        func.set_subprogram(subprogram);
        Some(FunctionDebug { subprogram, sp: Some(index), entry_line, prologue_end })
    }

    /// A lexical block carrying `file` under `parent` when `file` is not the
    /// file `parent` already names (code from a header or macro).
    fn in_file(&self, parent: DIScope<'ctx>, parent_file: Option<usize>, unit: usize, file: usize) -> DIScope<'ctx> {
        if parent_file == Some(file) {
            return parent;
        }
        let Some(f) = self.files.get(&(unit, file)).copied() else { return parent };
        let mut cache = self.cache.borrow_mut();
        *cache.file_blocks.entry((key(parent), file)).or_insert_with(|| {
            let (builder, _) = &self.units[&unit];
            builder.create_lexical_block(parent, f, 0, 0).as_debug_info_scope()
        })
    }

    /// The location of the operator at `module_offset` in `f`, with its
    /// lexical block and inlined-call chain.
    pub fn location(&self, f: &FunctionDebug<'ctx>, module_offset: u64) -> DILocation<'ctx> {
        let Some(sp_index) = f.sp else { return self.entry_location(f) };
        let address = self.dwarf_address(module_offset);
        let sp = &self.prov.subprograms[sp_index];
        let in_prologue = f.prologue_end.is_some_and(|end| address < end);
        let row = match self.prov.row_at(address) {
            Some(r) if r.unit == sp.unit && !in_prologue => Some(*r),
            _ => None,
        };

        // Walk the scopes that contain the address, outermost first.
        let mut scope = f.subprogram.as_debug_info_scope();
        let mut scope_file = sp.file;
        let mut inlined_at: Option<DILocation<'ctx>> = None;
        let mut level: &[Scope] = &sp.scopes;
        while let Some(s) = level.iter().find(|s| s.ranges.iter().any(|r| r.contains(&address))) {
            match &s.kind {
                ScopeKind::LexicalBlock => {
                    let mut cache = self.cache.borrow_mut();
                    let parent = scope;
                    scope = *cache.blocks.entry((s as *const Scope, key(parent))).or_insert_with(|| {
                        let (builder, _) = &self.units[&sp.unit];
                        let file = scope_file
                            .and_then(|fi| self.files.get(&(sp.unit, fi)).copied())
                            .unwrap_or_else(|| self.units[&sp.unit].1.get_file());
                        let line = self.prov.row_at(s.ranges[0].start).map(|r| r.line).unwrap_or(0);
                        builder.create_lexical_block(parent, file, line, 0).as_debug_info_scope()
                    });
                }
                ScopeKind::Inlined { callee, call_file, call_line, call_column } => {
                    let Some(callee_sp) = self.prov.subprograms.get(*callee) else { break };
                    let call_scope = match call_file {
                        Some(cf) => self.in_file(scope, scope_file, sp.unit, *cf),
                        None => scope,
                    };
                    let (builder, _) = &self.units[&sp.unit];
                    inlined_at =
                        Some(builder.create_debug_location(self.context, *call_line, *call_column, call_scope, inlined_at));
                    let callee_scope = {
                        let existing = self.cache.borrow().callees.get(callee).copied();
                        match existing {
                            Some(c) => c,
                            None => {
                                let Some(c) = self.create_subprogram(callee_sp, "<inlined>", callee_sp.line) else { break };
                                self.cache.borrow_mut().callees.insert(*callee, c);
                                c
                            }
                        }
                    };
                    scope = callee_scope.as_debug_info_scope();
                    scope_file = callee_sp.file;
                }
            }
            level = &s.children;
        }

        let (line, column) = match row {
            Some(r) => {
                scope = self.in_file(scope, scope_file, sp.unit, r.file);
                (r.line, r.column)
            }
            None => (0, 0),
        };
        let (builder, _) = &self.units[&sp.unit];
        builder.create_debug_location(self.context, line, column, scope, inlined_at)
    }

    /// The location of code before the first operator (locals, stack guard):
    /// no line, like the prologue.
    pub fn entry_location(&self, f: &FunctionDebug<'ctx>) -> DILocation<'ctx> {
        let builder = match f.sp {
            Some(sp) => &self.units[&self.prov.subprograms[sp].unit].0,
            None => match &self.fallback {
                Some((b, _)) => b,
                None => unreachable!("a fallback function always has the fallback unit"),
            },
        };
        builder.create_debug_location(self.context, 0, 0, f.subprogram.as_debug_info_scope(), None)
    }

    /// Resolves the metadata; call once, before emission.
    pub fn finalize(&self) {
        for (builder, _) in self.units.values().chain(self.fallback.iter()) {
            builder.finalize();
        }
    }
}
