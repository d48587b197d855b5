//! One module's debug metadata: turns its provenance into LLVM debug metadata —
//! a compile unit per source compile unit, a `DISubprogram` per function,
//! `DILexicalBlock`s, inlined-call chains (`inlinedAt`) and a `DILocation`
//! per operator — which LLVM then writes as native DWARF.
//!
//! Lowering never looks at DWARF itself: it asks this layer for a function's
//! debug scope ([`ModuleDebug::function`]) and for the location of a code
//! offset ([`ModuleDebug::location`]).

use super::di::{dw, Di, Md};
use super::records::LiveBinding;
use super::types::DebugTypes;
use super::values::{self, PlanInput, Source};
use inkwell::context::Context;
use inkwell::debug_info::{
    AsDIScope, DICompileUnit, DIFile, DIFlags, DIFlagsConstants, DILocation, DIScope, DISubprogram,
    DWARFEmissionKind, DWARFSourceLanguage, DebugInfoBuilder,
};
use inkwell::module::Module;
use inkwell::values::FunctionValue;
use innative_dwarf::{
    CodeOffset, LocOp, Location, ModuleOffset, Provenance, Scope, ScopeKind, Subprogram, Variable,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

/// Where a wasm global's value lives, for its debug info: a cell defined
/// here, or the import slot that points at the cell.
#[derive(Debug, Clone, Copy)]
pub enum WasmGlobalCell<'ctx> {
    /// The value sits at offset 0 of this global.
    Direct(inkwell::values::GlobalValue<'ctx>),
    /// This global holds a pointer to the cell.
    Slot(inkwell::values::GlobalValue<'ctx>),
}

/// Debug metadata of one wasm module inside the LLVM module.
pub struct ModuleDebug<'ctx, 'p> {
    context: &'ctx Context,
    prov: &'p Provenance,
    /// Module byte offset of the code section payload (DWARF address 0).
    code_offset: ModuleOffset,
    /// One DIBuilder + compile unit per source unit that has code here.
    units: HashMap<usize, (DebugInfoBuilder<'ctx>, DICompileUnit<'ctx>)>,
    files: HashMap<(usize, usize), DIFile<'ctx>>,
    /// Scopes created on demand while locations are asked for.
    cache: RefCell<ScopeCache<'ctx>>,
    /// For functions the provenance does not cover: a unit named after the
    /// module file, whose subprograms carry the name-section names (no lines).
    fallback: Option<(DebugInfoBuilder<'ctx>, DICompileUnit<'ctx>)>,
    types: DebugTypes<'p>,
    /// Compiling with optimization: variables are described by values
    /// (`#dbg_value`) rather than by storage (`#dbg_declare`).
    optimized: bool,
    /// LLVM writes CodeView, not DWARF ([`super::codeview`]).
    codeview: bool,
    /// Variables that could not be described, counted by reason (reported
    /// under `-v`).
    dropped_variables: RefCell<std::collections::BTreeMap<String, u32>>,
}

/// What a function's DWARF frame base is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameBase {
    /// The value of wasm local N (clang at -O0: the shadow-stack frame).
    Local(u32),
    /// The value of wasm global N (`__stack_pointer`).
    Global(u32),
}

/// Where the generated code keeps what variable locations need: a stack
/// slot `{ memory base, memory base + frame base, table 0, null }` (native
/// pointers; the table struct for function pointers, null for their null
/// entries), and the allocas of the wasm locals.
pub struct VariableStorage<'a, 'ctx> {
    pub frame: Option<inkwell::values::PointerValue<'ctx>>,
    pub locals: &'a [(
        inkwell::values::PointerValue<'ctx>,
        inkwell::types::BasicTypeEnum<'ctx>,
    )],
    /// Wasm locals mirrored (zero-extended) in the frame slot from field 4
    /// on, in this order ([`ModuleDebug::mirrored_locals`]).
    pub mirrors: &'a [u32],
    /// Insert the declarations before this instruction (the entry terminator).
    pub before: inkwell::values::InstructionValue<'ctx>,
}

/// What declaring a function's variables produced.
struct Declared {
    bindings: Vec<LiveBinding>,
    frame_base: Option<Source>,
}

impl VariableStorage<'_, '_> {
    /// Byte offset in the frame slot of wasm local `n`'s mirror.
    fn mirror_offset(&self, n: u32) -> Option<u64> {
        let i = self.mirrors.iter().position(|m| *m == n)?;
        Some(32 + 8 * i as u64)
    }
}

/// What a wasm local mirrored in the -O0 frame slot holds for a variable.
#[derive(Clone, Copy)]
enum MirroredLocal {
    /// The variable's linear-memory address (a struct passed by value).
    Address(u32),
    /// The variable's value, a wasm pointer.
    Pointer(u32),
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

/// Where a location is being built: the current scope, its file, and the
/// inlined-call chain leading to it.
#[derive(Clone, Copy)]
struct ScopeState<'ctx> {
    scope: DIScope<'ctx>,
    file: Option<usize>,
    inlined_at: Option<DILocation<'ctx>>,
}

/// Debug metadata of one function.
#[derive(Clone, Copy)]
pub struct FunctionDebug<'ctx> {
    pub subprogram: DISubprogram<'ctx>,
    /// Index of the provenance subprogram (None: fallback, no lines).
    sp: Option<usize>,
    /// DWARF address where the source compiler's prologue ends (its
    /// `prologue_end` row).  Code before it — parameter spills, shadow-stack
    /// setup — gets no line, as clang does natively, so that a breakpoint on
    /// the function stops on its first statement.
    prologue_end: Option<u64>,
}

/// The wasm global a location names (`DW_OP_WASM_location 1/3 N`).
fn wasm_global(ops: &[LocOp]) -> Option<u32> {
    match ops {
        [LocOp::WasmGlobal(n)] | [LocOp::WasmGlobal(n), LocOp::StackValue] => Some(*n),
        _ => None,
    }
}

/// The end of a function pointer's location: `[S W]` (S: the frame slot,
/// see [`VariableStorage`]; W: the wasm value, an index into table 0) ->
/// the native code address of `table.elems[W]->code`.  A null entry reads
/// the slot's always-null last field instead, so a null function pointer
/// prints as 0 rather than as a memory error (DWARF expressions in LLVM
/// have no branches).
fn function_pointer_tail() -> Vec<u64> {
    vec![
        // [S W] -> [S W E]: E = T->elems, T in slot[2].
        dw::OP_OVER,
        dw::OP_PLUS_UCONST,
        16,
        dw::OP_DEREF,
        dw::OP_DEREF,
        // [S W E] -> [S D]: D = E[W] (the innative_func*, or null).
        dw::OP_SWAP,
        dw::OP_CONSTU,
        8,
        dw::OP_MUL,
        dw::OP_PLUS,
        dw::OP_DEREF,
        // [S D] -> [D + (D == 0) * &slot[3]] -> [code]
        dw::OP_SWAP,
        dw::OP_PLUS_UCONST,
        24,
        dw::OP_OVER,
        dw::OP_LIT0,
        dw::OP_EQ,
        dw::OP_MUL,
        dw::OP_PLUS,
        dw::OP_DEREF,
        dw::OP_STACK_VALUE,
    ]
}

/// The linkage name a subprogram keeps in the native DWARF: none for `main`.
/// The wasm C ABI renames `main` (`__main_argc_argv` for `main(int, char
/// **)`, `__original_main` for `main(void)`) and clang records that as a
/// linkage name; natively `main` has none, and with one gdb no longer finds
/// `break main` (it looks C functions up by linkage name) and lldb names the
/// frame `__main_argc_argv`.  Only C's renamed `main`: a Rust `fn main`
/// keeps its mangled name (`_ZN6shapes4main17h…E`), as natively.
fn linkage_name(sp: &Subprogram) -> Option<&str> {
    let c_main = matches!(
        sp.linkage_name.as_deref(),
        Some("__main_argc_argv" | "__original_main" | "main")
    );
    if sp.name.as_deref() == Some("main") && (c_main || sp.linkage_name.is_none()) {
        return None;
    }
    sp.linkage_name.as_deref()
}

/// Asks for a local ELF symbol with the function's source (or C++ linkage)
/// name at its address, as a native build has: lldb looks functions up by
/// symbol to call them (`p add(2, 3)`), while innative's own symbol is
/// `<module>.<name>`.  Recorded as `!innative.symbol_aliases` metadata and
/// made after optimization (`crate::emit`) for the functions that are still
/// there — as natively, a function optimized away cannot be called.  Not for
/// `main` (the runtime's `main` is the program's entry point).
fn symbol_alias(func: FunctionValue<'_>, sp: &Subprogram) {
    let Some(name) = linkage_name(sp).or(sp.name.as_deref()) else {
        return;
    };
    if name.is_empty() || name == "main" || func.get_name().to_bytes() == name.as_bytes() {
        return;
    }
    use inkwell::values::AsValueRef;
    let own = func.get_name().to_bytes().to_vec();
    // SAFETY: `func` is a function of a live module; the metadata is made in
    // its context and attached to that module.
    unsafe {
        let f = func.as_value_ref();
        let module = llvm_sys::core::LLVMGetGlobalParent(f);
        let ctx = llvm_sys::core::LLVMGetModuleContext(module);
        let mut strings = [
            llvm_sys::core::LLVMMDStringInContext2(ctx, own.as_ptr() as *const _, own.len()),
            llvm_sys::core::LLVMMDStringInContext2(ctx, name.as_ptr() as *const _, name.len()),
        ];
        let node = llvm_sys::core::LLVMMDNodeInContext2(ctx, strings.as_mut_ptr(), 2);
        llvm_sys::core::LLVMAddNamedMetadataOperand(
            module,
            SYMBOL_ALIASES.as_ptr(),
            llvm_sys::core::LLVMMetadataAsValue(ctx, node),
        );
    }
}

/// Named metadata listing (function, source-name alias) pairs.
pub const SYMBOL_ALIASES: &std::ffi::CStr = c"innative.symbol_aliases";

/// A DIBuilder and its full-debug-info compile unit.
fn compile_unit<'ctx>(
    module: &Module<'ctx>,
    language: DWARFSourceLanguage,
    name: &str,
    directory: &str,
    producer: &str,
    optimized: bool,
) -> (DebugInfoBuilder<'ctx>, DICompileUnit<'ctx>) {
    module.create_debug_info_builder(
        true,
        language,
        non_empty(name),
        directory,
        producer,
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
    )
}

/// A file name LLVM's verifier accepts: broken DWARF can leave one empty.
fn non_empty(name: &str) -> &str {
    if name.is_empty() {
        "<unknown>"
    } else {
        name
    }
}

fn language(code: u16) -> DWARFSourceLanguage {
    match code {
        dw::LANG_C89 => DWARFSourceLanguage::C89,
        c if dw::is_cxx(c) => DWARFSourceLanguage::CPlusPlus,
        dw::LANG_RUST => DWARFSourceLanguage::Rust,
        dw::LANG_C99 => DWARFSourceLanguage::C99,
        dw::LANG_C11 => DWARFSourceLanguage::C11,
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
        code_offset: ModuleOffset,
        optimized: bool,
        module_path: &std::path::Path,
        bodies: &[Range<ModuleOffset>],
    ) -> Self {
        let codeview = super::codeview::format_of(module) == super::DebugFormat::CodeView;
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
                format!(
                    "innative {} (from: {})",
                    env!("CARGO_PKG_VERSION"),
                    unit.producer
                )
            };
            let (builder, cu) = compile_unit(
                module,
                language(unit.language),
                &unit.name,
                &unit.comp_dir,
                &producer,
                optimized,
            );
            for (fi, f) in unit.files.iter().enumerate() {
                if let Some(f) = f {
                    files.insert(
                        (i, fi),
                        builder.create_file(non_empty(&f.name), &f.directory),
                    );
                }
            }
            units.insert(i, (builder, cu));
        }
        let mut this = ModuleDebug {
            context,
            prov,
            code_offset,
            units,
            files,
            cache: RefCell::default(),
            fallback: None,
            types: DebugTypes::new(prov, module.as_mut_ptr(), codeview),
            optimized,
            codeview,
            dropped_variables: RefCell::default(),
        };
        // A module with no DWARF at all still gets function-level debug
        // info; in a module with DWARF, code it does not cover (system
        // libraries) gets none, as in a native build.
        let has_dwarf_code = prov.subprograms.iter().any(|s| !s.ranges.is_empty());
        if !has_dwarf_code && !bodies.is_empty() {
            let dir = module_path
                .parent()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default();
            let dir = if dir.is_empty() { ".".to_string() } else { dir };
            let name = module_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            this.fallback = Some(compile_unit(
                module,
                DWARFSourceLanguage::C,
                &name,
                &dir,
                &format!("innative {}", env!("CARGO_PKG_VERSION")),
                optimized,
            ));
        }
        this
    }

    /// The provenance subprogram covering a function body (module offsets).
    fn subprogram_index(&self, body: Range<ModuleOffset>) -> Option<usize> {
        let start = self.dwarf_address(body.start).0;
        let end = self.dwarf_address(body.end).0;
        self.prov
            .subprograms
            .iter()
            .position(|s| s.ranges.iter().any(|r| r.start < end && start < r.end))
    }

    /// The DWARF address (code offset) of a module offset.
    pub fn dwarf_address(&self, module_offset: ModuleOffset) -> CodeOffset {
        module_offset.to_code(self.code_offset)
    }

    fn file_of(&self, sp: &Subprogram) -> Option<DIFile<'ctx>> {
        let (_, cu) = self.units.get(&sp.unit)?;
        Some(
            sp.file
                .and_then(|f| self.files.get(&(sp.unit, f)).copied())
                .unwrap_or_else(|| cu.get_file()),
        )
    }

    fn create_subprogram(
        &self,
        sp: &Subprogram,
        fallback_name: &str,
        scope_line: u32,
    ) -> Option<DISubprogram<'ctx>> {
        let (builder, cu) = self.units.get(&sp.unit)?;
        let file = self.file_of(sp)?;
        let mut name = sp.name.clone().unwrap_or_else(|| fallback_name.to_string());
        if self.codeview {
            name = super::codeview::msvc_name(&name);
        }
        let placeholder = builder.create_subroutine_type(file, None, &[], DIFlags::ZERO);
        let subprogram = builder.create_function(
            cu.as_debug_info_scope(),
            &name,
            linkage_name(sp),
            file,
            sp.line,
            placeholder,
            !sp.external,
            true,
            scope_line,
            DIFlags::PROTOTYPED,
            false,
        );
        // The real signature (result and parameter types) comes from the
        // source's type graph, which inkwell's typed API cannot express:
        // set the subprogram's type operand (index 4) directly.
        let di = self.di(sp.unit);
        let mut types = vec![self.types.translate(&di, di.file(), sp.result)];
        types.extend(sp.variables.iter().filter(|v| v.is_parameter).map(|v| {
            let t = self.types.translate(&di, di.file(), v.ty);
            // A null parameter type would read as `...` (varargs).
            if t.is_null() {
                di.unspecified_type("<unknown type>")
            } else {
                t
            }
        }));
        let ty = di.subroutine_type(&mut types);
        // A Rust function is declared in its module's namespaces, as rustc
        // declares it: debuggers name it by that path (`break shapes::area`,
        // `shapes::main` in a backtrace).  (C++ functions stay at unit level:
        // gdb and lldb name them from their linkage names.)
        let language = self.prov.units.get(sp.unit).map(|u| u.language);
        let namespace = if language == Some(dw::LANG_RUST) {
            self.types.namespace(&di, sp.unit, &sp.scope)
        } else if self.codeview && language.is_some_and(dw::is_cxx) {
            // CodeView names a function by its scopes (`geo::Point::dot`),
            // as clang's definitions are scoped natively.
            let path = if sp.declared_in.is_empty() {
                &sp.scope
            } else {
                &sp.declared_in
            };
            self.types.declaring_scope(&di, sp.unit, path)
        } else {
            std::ptr::null_mut()
        };
        // SAFETY: a distinct DISubprogram just created in this context; its
        // operand 4 is the type, replaced by a DISubroutineType, and operand
        // 1 its scope, replaced by a DINamespace of the same unit.
        unsafe {
            let ctx = inkwell::context::AsContextRef::as_ctx_ref(&self.context);
            let node = llvm_sys::core::LLVMMetadataAsValue(ctx, subprogram.as_mut_ptr());
            llvm_sys::core::LLVMReplaceMDNodeOperandWith(node, 4, ty);
            if !namespace.is_null() {
                llvm_sys::core::LLVMReplaceMDNodeOperandWith(node, 1, namespace);
            }
        }
        Some(subprogram)
    }

    /// Describes the module's C globals (`DW_OP_addr` in linear memory):
    /// each is attached to `memory` (the memory struct) with a debug-info
    /// expression that reaches the variable from there (base + address).
    pub fn declare_globals(
        &self,
        memory: inkwell::values::GlobalValue<'ctx>,
        table: Option<inkwell::values::GlobalValue<'ctx>>,
    ) {
        self.types.set_memory(memory);
        if let Some(table) = table {
            self.types.set_table(table);
        }
        for (unit, v) in &self.prov.globals {
            let (Some(name), Location::Expr(ops)) = (&v.name, &v.location) else {
                continue;
            };
            let [LocOp::Addr(a)] = ops.as_slice() else {
                if wasm_global(ops).is_none() {
                    self.drop_variable("a global not at a linear-memory address");
                }
                continue;
            };
            if self.codeview {
                // CodeView places a global at a link-time address plus a
                // constant; linear memory's base is known at run time only.
                self.drop_variable("a global in linear memory (no CodeView location)");
                continue;
            }
            let Some((_, cu)) = self.units.get(unit) else {
                continue;
            };
            let di = self.di(*unit);
            // &memory struct -> base -> base + a
            let pointer = self.types.pointee_if_pointer(v.ty);
            let (ty, ops): (Md, Vec<u64>) = match pointer {
                Some(pointee) => (
                    self.types.native_pointer(&di, di.file(), pointee),
                    [
                        dw::OP_DEREF,
                        dw::OP_DUP,
                        dw::OP_PLUS_UCONST,
                        *a,
                        dw::OP_DEREF_SIZE,
                        4,
                    ]
                    .into_iter()
                    .chain(super::pointers::TO_NATIVE)
                    .collect(),
                ),
                None => (
                    self.types.translate(&di, di.file(), v.ty),
                    vec![dw::OP_DEREF, dw::OP_PLUS_UCONST, *a],
                ),
            };
            self.describe_global(memory, (*unit, cu), v, name, ty, &ops);
        }
    }

    /// Attaches the global variable `v` to the LLVM global `target`: its
    /// address is `ops` applied to `target`'s address.  A global carries any
    /// number of variables (`super::di::add_global_debug_info`), so the C
    /// globals of a module all hang off its memory struct and share the one
    /// cell a debugger reads to find them (the memory base).
    #[allow(clippy::too_many_arguments)]
    fn describe_global(
        &self,
        target: inkwell::values::GlobalValue<'ctx>,
        (unit, cu): (usize, &DICompileUnit<'ctx>),
        v: &Variable,
        name: &str,
        ty: Md,
        ops: &[u64],
    ) {
        if ty.is_null() {
            self.drop_variable("a variable without a type");
            return;
        }
        let di = self.di(unit);
        let file = v
            .file
            .and_then(|fi| self.files.get(&(unit, fi)).copied())
            .map(|f| f.as_mut_ptr())
            .unwrap_or(di.file());
        let expr = di.expression(ops);
        let linkage = v.linkage_name.as_deref().unwrap_or("");
        let gve = di.global_variable(
            cu.as_mut_ptr(),
            name,
            linkage,
            file,
            v.line,
            ty,
            !v.external,
            expr,
        );
        // SAFETY: `target` is a global of this module, `gve` the global
        // variable expression just made by its unit's builder.
        unsafe {
            super::di::add_global_debug_info(
                inkwell::values::AsValueRef::as_value_ref(&target),
                gve,
            )
        };
    }

    /// Describes the globals whose location is a wasm global
    /// (`DW_OP_WASM_location 1/3 N`; the text-level debug info names every
    /// wasm global so): each is attached to the global's cell, where the
    /// value sits at offset 0 (or to the import slot that points at it).
    pub fn declare_wasm_globals(&self, globals: &[WasmGlobalCell<'ctx>]) {
        for (unit, v) in &self.prov.globals {
            let (Some(name), Location::Expr(ops)) = (&v.name, &v.location) else {
                continue;
            };
            let Some(n) = wasm_global(ops) else { continue };
            let (Some(place), Some((_, cu))) = (globals.get(n as usize), self.units.get(unit))
            else {
                self.drop_variable("a global in a wasm global innative has no cell for");
                continue;
            };
            // The value sits at offset 0 of its cell; an import slot points
            // at the cell.
            let (target, ops) = match place {
                WasmGlobalCell::Direct(g) => (*g, vec![]),
                WasmGlobalCell::Slot(_) if self.codeview => {
                    // (CodeView has no load in a global's location.)
                    self.drop_variable("an imported wasm global (no CodeView location)");
                    continue;
                }
                WasmGlobalCell::Slot(slot) => (*slot, vec![dw::OP_DEREF]),
            };
            let di = self.di(*unit);
            let ty = self.types.translate(&di, di.file(), v.ty);
            self.describe_global(target, (*unit, cu), v, name, ty, &ops);
        }
    }

    /// The subprogram of the function whose body spans `body` (module byte
    /// offsets), attached to `func`.  None when the DWARF does not cover it.
    pub fn function(
        &self,
        func: FunctionValue<'ctx>,
        body: Range<ModuleOffset>,
        fallback_name: &str,
    ) -> Option<FunctionDebug<'ctx>> {
        let start = self.dwarf_address(body.start).0;
        let end = self.dwarf_address(body.end).0;
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
            return Some(FunctionDebug {
                subprogram,
                sp: None,
                prologue_end: None,
            });
        };
        let sp = &self.prov.subprograms[index];
        let rows = self.prov.rows_in(start..end);
        let entry_line = rows
            .iter()
            .find(|r| r.line != 0)
            .map(|r| r.line)
            .unwrap_or(sp.line);
        let prologue_end = rows
            .iter()
            .find(|r| r.prologue_end && !r.end_sequence)
            .map(|r| r.address);
        let subprogram = self.create_subprogram(sp, fallback_name, entry_line)?;
        func.set_subprogram(subprogram);
        symbol_alias(func, sp);
        Some(FunctionDebug {
            subprogram,
            sp: Some(index),
            prologue_end,
        })
    }

    /// A lexical block carrying `file` under `parent` when `file` is not the
    /// file `parent` already names (code from a header or macro).
    fn in_file(
        &self,
        parent: DIScope<'ctx>,
        parent_file: Option<usize>,
        unit: usize,
        file: usize,
    ) -> DIScope<'ctx> {
        if parent_file == Some(file) {
            return parent;
        }
        let Some(f) = self.files.get(&(unit, file)).copied() else {
            return parent;
        };
        let mut cache = self.cache.borrow_mut();
        *cache
            .file_blocks
            .entry((key(parent), file))
            .or_insert_with(|| {
                let (builder, _) = &self.units[&unit];
                builder
                    .create_lexical_block(parent, f, 0, 0)
                    .as_debug_info_scope()
            })
    }

    /// The location of the operator at `module_offset` in `f`, with its
    /// lexical block and inlined-call chain.
    pub fn location(
        &self,
        f: &FunctionDebug<'ctx>,
        module_offset: ModuleOffset,
    ) -> DILocation<'ctx> {
        let Some(sp_index) = f.sp else {
            return self.entry_location(f);
        };
        let address = self.dwarf_address(module_offset).0;
        let sp = &self.prov.subprograms[sp_index];
        let in_prologue = f.prologue_end.is_some_and(|end| address < end);
        let row = match self.prov.row_at(address) {
            Some(r) if r.unit == sp.unit && !in_prologue => Some(*r),
            _ => None,
        };

        // Walk the scopes that contain the address, outermost first.
        let mut at = ScopeState {
            scope: f.subprogram.as_debug_info_scope(),
            file: sp.file,
            inlined_at: None,
        };
        let mut level: &[Scope] = &sp.scopes;
        while let Some(s) = level
            .iter()
            .find(|s| s.ranges.iter().any(|r| r.contains(&address)))
        {
            if !self.enter_scope(sp.unit, &mut at, s) {
                break;
            }
            level = &s.children;
        }
        let ScopeState {
            mut scope,
            file: scope_file,
            inlined_at,
        } = at;

        let (line, column) = match row {
            Some(r) => {
                scope = self.in_file(scope, scope_file, sp.unit, r.file);
                (r.line, r.column)
            }
            None if in_prologue => (0, super::inlined_prologue::PROLOGUE_COLUMN),
            None => (0, 0),
        };
        let (builder, _) = &self.units[&sp.unit];
        builder.create_debug_location(self.context, line, column, scope, inlined_at)
    }

    /// Moves `at` into the provenance scope `s` (a lexical block, or the
    /// callee of an inlined call, which extends the inlinedAt chain).
    fn enter_scope(&self, unit: usize, at: &mut ScopeState<'ctx>, s: &Scope) -> bool {
        match &s.kind {
            ScopeKind::LexicalBlock => {
                let mut cache = self.cache.borrow_mut();
                let parent = at.scope;
                let file = at.file;
                at.scope = *cache
                    .blocks
                    .entry((s as *const Scope, key(parent)))
                    .or_insert_with(|| {
                        let (builder, cu) = &self.units[&unit];
                        let file = file
                            .and_then(|fi| self.files.get(&(unit, fi)).copied())
                            .unwrap_or_else(|| cu.get_file());
                        let line = self
                            .prov
                            .row_at(s.ranges[0].start)
                            .map(|r| r.line)
                            .unwrap_or(0);
                        builder
                            .create_lexical_block(parent, file, line, 0)
                            .as_debug_info_scope()
                    });
                true
            }
            ScopeKind::Inlined {
                callee,
                call_file,
                call_line,
                call_column,
            } => {
                let Some(callee_sp) = self.prov.subprograms.get(*callee) else {
                    return false;
                };
                let call_scope = match call_file {
                    Some(cf) => self.in_file(at.scope, at.file, unit, *cf),
                    None => at.scope,
                };
                let (builder, _) = &self.units[&unit];
                let existing = self.cache.borrow().callees.get(callee).copied();
                let callee_scope = match existing {
                    Some(c) => c,
                    None => {
                        let Some(c) =
                            self.create_subprogram(callee_sp, "<inlined>", callee_sp.line)
                        else {
                            return false;
                        };
                        self.cache.borrow_mut().callees.insert(*callee, c);
                        c
                    }
                };
                at.inlined_at = Some(builder.create_debug_location(
                    self.context,
                    *call_line,
                    *call_column,
                    call_scope,
                    at.inlined_at,
                ));
                at.scope = callee_scope.as_debug_info_scope();
                at.file = callee_sp.file;
                true
            }
        }
    }

    /// The location of code before the first operator (locals, stack guard):
    /// no line, like the prologue (marked as prologue code, see
    /// [`super::inlined_prologue`]).
    pub fn entry_location(&self, f: &FunctionDebug<'ctx>) -> DILocation<'ctx> {
        let builder = match f.sp {
            Some(sp) => &self.units[&self.prov.subprograms[sp].unit].0,
            None => match &self.fallback {
                Some((b, _)) => b,
                None => unreachable!("a fallback function always has the fallback unit"),
            },
        };
        builder.create_debug_location(
            self.context,
            0,
            super::inlined_prologue::PROLOGUE_COLUMN,
            f.subprogram.as_debug_info_scope(),
            None,
        )
    }

    /// The function's frame base, when its variables need one.
    pub fn frame_base(&self, f: &FunctionDebug<'ctx>) -> Option<FrameBase> {
        let sp = &self.prov.subprograms[f.sp?];
        match sp.frame_base.as_deref()? {
            [LocOp::WasmLocal(n)] | [LocOp::WasmLocal(n), LocOp::StackValue] => {
                Some(FrameBase::Local(*n))
            }
            [LocOp::WasmGlobal(n)] | [LocOp::WasmGlobal(n), LocOp::StackValue] => {
                Some(FrameBase::Global(*n))
            }
            _ => None,
        }
    }

    /// At -O0: the wasm locals whose value must be mirrored in the frame
    /// slot so that a variable can be described from it for the whole
    /// function — a local holding a variable's linear-memory address (a
    /// struct passed by value: `DW_OP_WASM_location 0 N` alone) or holding a
    /// pointer (the debugger sees `memory base + value`).  Optimized code
    /// describes these with value bindings instead.
    pub fn mirrored_locals(&self, f: &FunctionDebug<'ctx>) -> Vec<u32> {
        let mut out = Vec::new();
        let Some(sp) = f.sp.map(|i| &self.prov.subprograms[i]) else {
            return out;
        };
        if self.optimized {
            return out;
        }
        let mut visit = |v: &Variable| {
            if let Some(MirroredLocal::Address(n) | MirroredLocal::Pointer(n)) =
                self.mirrored_local(v)
            {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        };
        fn walk(scopes: &[Scope], visit: &mut dyn FnMut(&Variable)) {
            for s in scopes {
                s.variables.iter().for_each(&mut *visit);
                walk(&s.children, visit);
            }
        }
        sp.variables.iter().for_each(&mut visit);
        walk(&sp.scopes, &mut visit);
        out
    }

    /// Whether `v`'s -O0 location needs wasm local N mirrored in the frame
    /// slot (see [`ModuleDebug::mirrored_locals`]), and as what.
    fn mirrored_local(&self, v: &Variable) -> Option<MirroredLocal> {
        let Location::Expr(ops) = &v.location else {
            return None;
        };
        if self.optimized || v.const_value.is_some() {
            return None;
        }
        match ops.as_slice() {
            [LocOp::WasmLocal(n)] => Some(MirroredLocal::Address(*n)),
            [LocOp::WasmLocal(n), LocOp::StackValue]
                if self.types.pointee_if_pointer(v.ty).is_some() =>
            {
                Some(MirroredLocal::Pointer(*n))
            }
            _ => None,
        }
    }

    fn di(&self, unit: usize) -> Di {
        let (builder, cu) = &self.units[&unit];
        // SAFETY: the unit's own builder and file, which live as long as
        // `self` (the builders are finalized only by `finalize`).
        unsafe { Di::new(builder.as_mut_ptr(), cu.get_file().as_mut_ptr()) }
    }

    /// Declares every parameter and local of `f` (its own and those of the
    /// calls inlined into it) with locations LLVM can carry into native
    /// DWARF: storage (`#dbg_declare`) where one slot holds the variable for
    /// the whole function (at -O0), otherwise value bindings, returned for
    /// the lowering to emit ([`super::values`]).
    pub fn declare_variables(
        &self,
        module: &Module<'ctx>,
        f: &FunctionDebug<'ctx>,
        storage: &VariableStorage<'_, 'ctx>,
    ) -> Vec<LiveBinding> {
        let Some(sp_index) = f.sp else {
            return Vec::new();
        };
        let sp = &self.prov.subprograms[sp_index];
        let at = ScopeState {
            scope: f.subprogram.as_debug_info_scope(),
            file: sp.file,
            inlined_at: None,
        };
        let mut out = Declared {
            bindings: Vec::new(),
            frame_base: self.frame_base(f).map(|fb| match fb {
                FrameBase::Local(n) => Source::Local(n),
                FrameBase::Global(g) => Source::Global(g),
            }),
        };
        self.declare_in(module, sp.unit, &at, &sp.variables, None, storage, &mut out);
        self.declare_scopes(module, sp.unit, &at, &sp.scopes, storage, &mut out);
        out.bindings
    }

    fn declare_scopes(
        &self,
        module: &Module<'ctx>,
        unit: usize,
        at: &ScopeState<'ctx>,
        scopes: &[Scope],
        storage: &VariableStorage<'_, 'ctx>,
        out: &mut Declared,
    ) {
        for s in scopes {
            let mut inner = *at;
            if !self.enter_scope(unit, &mut inner, s) {
                for _ in &s.variables {
                    self.drop_variable("in a scope innative cannot describe");
                }
                continue;
            }
            self.declare_in(
                module,
                unit,
                &inner,
                &s.variables,
                Some(&s.ranges),
                storage,
                out,
            );
            self.declare_scopes(module, unit, &inner, &s.children, storage, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn declare_in(
        &self,
        module: &Module<'ctx>,
        unit: usize,
        at: &ScopeState<'ctx>,
        variables: &[Variable],
        scope_ranges: Option<&[Range<u64>]>,
        storage: &VariableStorage<'_, 'ctx>,
        out: &mut Declared,
    ) {
        let di = self.di(unit);
        let scope: Md = at.scope.as_mut_ptr();
        let (builder, _) = &self.units[&unit];
        let mut arg_no = 0;
        // A parameter inside a lexical block of the function itself (only
        // broken DWARF has one) would repeat an argument number, which
        // LLVM's verifier rejects: describe it as a local variable.
        let params_here = scope_ranges.is_none() || at.inlined_at.is_some();
        for v in variables {
            let is_parameter = v.is_parameter && params_here;
            if is_parameter {
                arg_no += 1;
            }
            let Some(name) = &v.name else { continue };
            let pointee = self.types.pointee_if_pointer(v.ty);
            let file = v
                .file
                .and_then(|fi| self.files.get(&(unit, fi)).copied())
                .map(|f| f.as_mut_ptr())
                .unwrap_or(di.file());
            let loc =
                builder.create_debug_location(self.context, v.line, 0, at.scope, at.inlined_at);
            let variable = |pointer: bool| {
                let ty = match (pointer, pointee) {
                    (true, Some(p)) => self.types.native_pointer(&di, di.file(), p),
                    _ => self.types.translate(&di, di.file(), v.ty),
                };
                if is_parameter {
                    di.parameter(scope, name, arg_no, file, v.line, ty)
                } else {
                    di.auto_variable(scope, name, file, v.line, ty)
                }
            };
            if self.types.translate(&di, di.file(), v.ty).is_null() {
                // (LLVM cannot write a variable without a type.)
                self.drop_variable("a variable without a type");
                continue;
            }
            // -O0: one storage location for the whole function, as clang.
            let declared = match (self.optimized, v.const_value) {
                (false, None) => self.variable_location(v, storage),
                _ => None,
            };
            if let Some((mut storage_value, mut ops, pointer)) = declared {
                if self.codeview && !ops.is_empty() {
                    // CodeView: the address in a slot of its own (see
                    // `super::codeview`), or nothing it could express.
                    let frame = storage.frame.map(|f| {
                        use inkwell::values::AsValueRef;
                        f.as_value_ref()
                    });
                    let slot_bytes = 32 + 8 * storage.mirrors.len() as u64;
                    match frame
                        .filter(|f| *f == storage_value)
                        .and_then(|f| super::codeview::indirect_slot(f, slot_bytes, &ops))
                    {
                        Some(slot) => {
                            storage_value = slot;
                            ops = vec![dw::OP_DEREF];
                        }
                        None => {
                            self.drop_variable("a location CodeView cannot express");
                            continue;
                        }
                    }
                }
                let var = variable(pointer);
                di.declare(
                    module.as_mut_ptr(),
                    storage_value,
                    var,
                    di.expression(&ops),
                    loc.as_mut_ptr(),
                    inkwell::values::AsValueRef::as_value_ref(&storage.before),
                );
                continue;
            }
            let input = PlanInput {
                variable: v,
                is_pointer: pointee.is_some(),
                is_function_pointer: self.types.is_function_pointer(v.ty),
                pointers_as_wasm_values: self.optimized,
                byte_size: self.types.byte_size(v.ty),
                scope_ranges,
                frame_base: out.frame_base,
            };
            match values::plan(&input) {
                Ok(plan) => {
                    let var = variable(pointee.is_some() && !plan.wasm_pointer);
                    out.bindings
                        .extend(plan.bindings.into_iter().map(|binding| LiveBinding {
                            binding,
                            di,
                            bytes: input.byte_size,
                            variable: var,
                            location: loc.as_mut_ptr(),
                        }));
                }
                Err(values::Unsupported(why)) => self.drop_variable(&why),
            }
        }
    }

    /// The storage and DWARF expression describing `v`, and whether the
    /// expression computes a native pointer value.  None: not describable.
    fn variable_location(
        &self,
        v: &Variable,
        storage: &VariableStorage<'_, 'ctx>,
    ) -> Option<(llvm_sys::prelude::LLVMValueRef, Vec<u64>, bool)> {
        use inkwell::values::AsValueRef;
        let is_pointer = self.types.pointee_if_pointer(v.ty).is_some();
        let Location::Expr(ops) = &v.location else {
            return None;
        };

        // The tail shared by pointer variables: [.. M W] -> native pointer.
        let to_native = super::pointers::TO_NATIVE;
        let offset_ops = |k: i64| -> Vec<u64> {
            if k >= 0 {
                vec![dw::OP_PLUS_UCONST, k as u64]
            } else {
                vec![dw::OP_CONSTU, k.unsigned_abs(), dw::OP_MINUS]
            }
        };
        if self.types.is_function_pointer(v.ty) {
            let frame = storage.frame?.as_value_ref();
            // [S] -> [S W]: the variable's wasm value (a table index).
            let mut e = vec![dw::OP_DUP];
            match ops.as_slice() {
                [LocOp::Fbreg(k)] => {
                    e.extend([dw::OP_PLUS_UCONST, 8, dw::OP_DEREF]);
                    e.extend(offset_ops(*k));
                }
                [LocOp::Addr(a)] => e.extend([dw::OP_DEREF, dw::OP_PLUS_UCONST, *a]),
                _ => {
                    let Some(MirroredLocal::Pointer(n)) = self.mirrored_local(v) else {
                        return None;
                    };
                    // A mirrored local: [S S] -> [S W], W zero-extended.
                    e.extend([dw::OP_PLUS_UCONST, storage.mirror_offset(n)?, dw::OP_DEREF]);
                    e.extend(function_pointer_tail());
                    return Some((frame, e, true));
                }
            }
            e.extend([dw::OP_DEREF_SIZE, 4]);
            e.extend(function_pointer_tail());
            return Some((frame, e, true));
        }
        // A mirrored local (see `mirrored_locals`): [S] -> [M W].
        if let (Some(m), Some(frame)) = (self.mirrored_local(v), storage.frame) {
            let n = match m {
                MirroredLocal::Address(n) | MirroredLocal::Pointer(n) => n,
            };
            let mut e = vec![
                dw::OP_DUP,
                dw::OP_DEREF,
                dw::OP_SWAP,
                dw::OP_PLUS_UCONST,
                storage.mirror_offset(n)?,
                dw::OP_DEREF,
            ];
            let native = match (m, is_pointer) {
                // The local holds the variable's linear-memory address.
                (MirroredLocal::Address(_), false) => {
                    e.push(dw::OP_PLUS);
                    false
                }
                (MirroredLocal::Address(_), true) => {
                    // [M W] -> [M M+W] -> [M W'] -> native
                    e.extend([dw::OP_OVER, dw::OP_PLUS, dw::OP_DEREF_SIZE, 4]);
                    e.extend(to_native);
                    true
                }
                // The local holds a pointer.
                (MirroredLocal::Pointer(_), _) => {
                    e.extend(to_native);
                    true
                }
            };
            return Some((frame.as_value_ref(), e, native));
        }
        match ops.as_slice() {
            [LocOp::Fbreg(k)] => {
                let frame = storage.frame?.as_value_ref();
                if is_pointer {
                    // [S] -> [M S] -> [M FB+k] -> [M W] -> native
                    let mut e = memory_base_and_frame_address();
                    e.extend(offset_ops(*k));
                    e.extend([dw::OP_DEREF_SIZE, 4]);
                    e.extend(to_native);
                    Some((frame, e, true))
                } else {
                    let mut e = vec![dw::OP_PLUS_UCONST, 8, dw::OP_DEREF];
                    e.extend(offset_ops(*k));
                    Some((frame, e, false))
                }
            }
            [LocOp::Addr(a)] => {
                let frame = storage.frame?.as_value_ref();
                if is_pointer {
                    let e = [
                        dw::OP_DEREF,
                        dw::OP_DUP,
                        dw::OP_PLUS_UCONST,
                        *a,
                        dw::OP_DEREF_SIZE,
                        4,
                    ];
                    Some((frame, e.iter().copied().chain(to_native).collect(), true))
                } else {
                    Some((frame, vec![dw::OP_DEREF, dw::OP_PLUS_UCONST, *a], false))
                }
            }
            // A place reached through pointers in linear memory (a Rust
            // closure's captured variable: `DW_OP_fbreg k, DW_OP_deref,
            // DW_OP_deref`): [S] -> [M FB+k], the first read gives a wasm
            // address W ([M W]); each further read is [M W] -> [M *(M+W)].
            [LocOp::Fbreg(k), rest @ ..]
                if rest
                    .iter()
                    .any(|o| matches!(o, LocOp::Deref | LocOp::DerefSize(4)))
                    && rest.iter().all(|o| {
                        matches!(o, LocOp::Deref | LocOp::DerefSize(4) | LocOp::PlusUconst(_))
                    }) =>
            {
                let frame = storage.frame?.as_value_ref();
                let mut e = memory_base_and_frame_address();
                e.extend(offset_ops(*k));
                let mut native_address = true;
                for op in rest {
                    match op {
                        LocOp::PlusUconst(c) => e.extend([dw::OP_PLUS_UCONST, *c]),
                        _ if native_address => {
                            e.extend([dw::OP_DEREF_SIZE, 4]);
                            native_address = false;
                        }
                        _ => e.extend(super::values::wasm_deref(4)),
                    }
                }
                // [M W]: the variable lives at M+W.
                e.extend([dw::OP_CONSTU, 0xffff_ffff, dw::OP_AND]);
                if is_pointer {
                    e.extend([dw::OP_OVER, dw::OP_PLUS, dw::OP_DEREF_SIZE, 4]);
                    e.extend(to_native);
                    Some((frame, e, true))
                } else {
                    e.push(dw::OP_PLUS);
                    Some((frame, e, false))
                }
            }
            // The local's value (without DW_OP_stack_value the local holds
            // the variable's linear-memory address: a by-value struct).
            [LocOp::WasmLocal(n), LocOp::StackValue] if !is_pointer => {
                let (slot, ty) = storage.locals.get(*n as usize)?;
                let local_size = super::records::byte_width(*ty);
                (self.types.byte_size(v.ty) <= local_size)
                    .then(|| (slot.as_value_ref(), vec![], false))
            }
            _ => None,
        }
    }

    fn drop_variable(&self, reason: &str) {
        *self
            .dropped_variables
            .borrow_mut()
            .entry(reason.to_string())
            .or_default() += 1;
    }

    /// What could not be described: one line, None when nothing was lost.
    pub fn dropped_variables_summary(&self) -> Option<String> {
        let dropped = self.dropped_variables.borrow();
        let total: u32 = dropped.values().sum();
        if total == 0 {
            return None;
        }
        let reasons: Vec<String> = dropped
            .iter()
            .map(|(why, n)| format!("{why}: {n}"))
            .collect();
        Some(format!(
            "{total} variables have locations innative cannot describe yet ({}); the debugger shows them as optimized out",
            reasons.join(", ")
        ))
    }

    /// Resolves the metadata; call once, before emission.
    pub fn finalize(&self) {
        for (builder, _) in self.units.values().chain(self.fallback.iter()) {
            builder.finalize();
        }
    }
}

/// `[S] -> [M FB]`: from the frame slot S, the memory base M and the native
/// frame base FB (the slot's fields 0 and 8).
fn memory_base_and_frame_address() -> Vec<u64> {
    vec![
        dw::OP_DUP,
        dw::OP_DEREF,
        dw::OP_SWAP,
        dw::OP_PLUS_UCONST,
        8,
        dw::OP_DEREF,
    ]
}
