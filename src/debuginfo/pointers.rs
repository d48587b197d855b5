//! Wasm pointers in a native debugger.
//!
//! A C pointer stored in linear memory is a 4-byte wasm address `W`; the
//! object it designates is at native address `M + W` (`M`: the memory's
//! base).  DWARF cannot describe the *value* of a struct member or array
//! element as `M + W`, so innative describes such pointers in a way each
//! debugger can follow (see the README, "Pointers in the debugger"):
//!
//! * **struct/union members** of pointer type are a 32-bit bitfield whose
//!   type is a typedef named after the C type (`struct Node * __ptr32`,
//!   see [`pointer_name`]) of a 64-bit
//!   pointer to a one-element *dynamic array* of the pointee.  The array
//!   carries `DW_AT_data_location`, a reference to a per-unit helper
//!   variable (`__innative_wasm_address`) whose location expression turns
//!   `DW_OP_push_object_address` (the pointer value `W`) into `M + W`
//!   (null stays null).  gdb honours it: `p->next->value`, `*p->next`,
//!   `p->next[0]` follow the pointer with no script at all.  LLVM only
//!   emits a data location on array types, hence the one-element array.
//! * **array elements** and the pointee of a native pointer that points at
//!   a wasm pointer (`char **argv`) must stay 4 bytes wide (gdb and lldb
//!   give every pointer type 8 bytes and ignore `DW_AT_byte_size`, and gdb
//!   13 crashes on array strides shorter than the element), so they are a
//!   4-byte anonymous struct `{ <pointer typedef> __wasm_ptr : 32; }`
//!   under a typedef named after the C type.
//! * the per-unit variable `__innative_memory_base` holds `M`; the debugger
//!   extensions (`src/debuginfo/innative_gdb.py`, embedded in the output's
//!   `.debug_gdb_scripts` section, and `src/debuginfo/innative_lldb.py`, written
//!   next to the output) use it to print these pointers as native
//!   addresses (strings for `char *`) and, in lldb, to follow them; a
//!   second `.debug_gdb_scripts` entry per module lists its data symbols
//!   so that gdb's extension prints `<nodes+8>` as gdb does natively.
//!
//! The dynamic array's element is the pointee with every named struct,
//! union or class replaced by a declaration of the *other* tag (a `union`
//! declaration for `struct Node`): gdb resolves a declaration by name only
//! (it finds `struct Node`), while lldb, which completes array element
//! types eagerly, would otherwise recurse into the struct being completed
//! and mark it `<incomplete type>`; a union declaration does not match the
//! struct, so lldb leaves it alone.
//!
//! Alternatives measured (gdb 13.1, lldb 19.1.7, LLVM 19) and why not:
//!
//! * `DW_AT_data_location` on the pointee struct itself: LLVM's verifier
//!   rejects `dataLocation` on anything but an array ("dataLocation can only
//!   appear in array type") and `DwarfUnit` emits it for arrays only.
//! * a member typed as the dynamic array itself (no pointer): gdb resolves
//!   the member's data location with the wrong object address (wrong
//!   values) and hits `value_address: Assertion PROP_CONST ==
//!   TYPE_DATA_LOCATION_KIND` when printing.  The same assertion fires when
//!   gdb prints an array whose *elements* are dynamic arrays, which is why
//!   array elements stay plain 4-byte wrappers and gdb cannot apply `*` to
//!   them without the extension's `$native()`.
//! * 8-byte pointer elements with `DW_AT_byte_stride` 4: gdb 13 prints array
//!   elements at their size, not the stride, and corrupts its heap
//!   ("free(): invalid next size").
//! * `DW_AT_byte_size` 4 or `DW_AT_address_class` on a pointer type: both
//!   debuggers give every pointer 8 bytes (gdb has no address classes on
//!   x86-64), so a 4-byte member read 4 bytes of its neighbour.
//! * gdb xmethods (`operator->`, `operator*` on a 4-byte wrapper struct,
//!   like libstdc++'s `unique_ptr`): gdb consults them in C++ mode only (in
//!   C it looks for a member named `operator*`); pretty-printers only change
//!   how values print, and gdb 13's Python has no other evaluation hook.
//! * linear memory at a fixed address `K` (`MAP_FIXED_NOREPLACE`): `K = 0`
//!   is impossible (`vm.mmap_min_addr`, 4096 here; clang puts data from
//!   1024), and with `K != 0` DWARF still cannot add `K` to a member's
//!   value; a data location can read `M` from a variable instead, so a
//!   fixed address buys nothing (and would weaken linear memory's ASLR).
//! * lldb ignores `DW_AT_data_location`; its `->` on a pointer falls back to
//!   synthetic children only for names the pointee lacks, `*` never does,
//!   and lldb 19's `p` (`dwim-print`) runs clang for anything but a plain
//!   name — hence the extension's `innative-print`.  lldb caches formatter
//!   choices by type name, hence `__ptr32` in the typedef names (a typedef
//!   named `int *` made lldb format every native `int *` as a wasm one).
//!   lldb reads a pointer *bitfield* right only through a typedef.

use super::di::{dw, Di, Md};
use innative_dwarf::{LocOp, Location, Provenance, Scope, TypeId, TypeKind, Variable};
use llvm_sys::core as c;
use llvm_sys::prelude::{LLVMModuleRef, LLVMValueRef};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// The gdb extension, embedded in every `-g` output (`.debug_gdb_scripts`).
pub const GDB_SCRIPT: &str = include_str!("innative_gdb.py");
/// The lldb extension, written next to `-g` executables and libraries.
pub const LLDB_SCRIPT: &str = include_str!("innative_lldb.py");
/// File name of the lldb extension written next to the output.
pub const LLDB_SCRIPT_NAME: &str = "innative_lldb.py";

/// Name of the per-unit DWARF variable holding the memory base.
pub const MEMORY_BASE_VARIABLE: &str = "__innative_memory_base";
/// Name of the per-unit DWARF variable holding the address of table 0 (an
/// `innative_table`), through which the extensions turn a function pointer
/// stored in linear memory (a table index) into the function.
pub const TABLE_VARIABLE: &str = "__innative_table";
/// Name of the per-unit DWARF variable the dynamic arrays' data location
/// refers to.
pub const ADDRESS_VARIABLE: &str = "__innative_wasm_address";
/// The end of every expression that turns a wasm pointer into a native
/// one: `[M W] -> W + M * (W != 0)` (M: memory base; null stays null).
pub const TO_NATIVE: [u64; 7] = [
    dw::OP_SWAP,
    dw::OP_OVER,
    dw::OP_LIT0,
    dw::OP_NE,
    dw::OP_MUL,
    dw::OP_PLUS,
    dw::OP_STACK_VALUE,
];

/// Name of the member of the 4-byte wrapper of array elements.
pub const BOX_MEMBER: &str = "__wasm_ptr";

/// Per-module state: the helper variables of each compile unit and the
/// globals holding `&memory` that their locations start from.
pub struct WasmPointers {
    module: LLVMModuleRef,
    /// DIBuilder (one per unit) → the address helper `DIGlobalVariable`.
    units: RefCell<HashMap<usize, Md>>,
    /// Globals holding `&memory` or `&table` (see [`Held`]).
    holders: RefCell<Vec<(LLVMValueRef, Held)>>,
    memory: Cell<LLVMValueRef>,
    table: Cell<LLVMValueRef>,
}

/// What a holder global points at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Held {
    Memory,
    Table,
}

// SAFETY (whole impl): `module` is the live LLVM module this lowering
// builds; every value and metadata passed belongs to its context.
impl WasmPointers {
    /// `gdb_script`: embed the gdb extension (DWARF output only).
    pub fn new(module: LLVMModuleRef, gdb_script: bool) -> Self {
        let this = WasmPointers {
            module,
            units: RefCell::default(),
            holders: RefCell::default(),
            memory: Cell::new(std::ptr::null_mut()),
            table: Cell::new(std::ptr::null_mut()),
        };
        if gdb_script {
            this.embed_gdb_script();
        }
        this
    }

    fn context(&self) -> llvm_sys::prelude::LLVMContextRef {
        unsafe { c::LLVMGetModuleContext(self.module) }
    }

    fn ptr_type(&self) -> llvm_sys::prelude::LLVMTypeRef {
        unsafe { c::LLVMPointerTypeInContext(self.context(), 0) }
    }

    /// The memory struct (`innative_memory`, whose first field is the base)
    /// that the helper variables read: set once the module knows it.
    pub fn set_memory(&self, memory: inkwell::values::GlobalValue<'_>) {
        use inkwell::values::AsValueRef;
        let memory = memory.as_value_ref();
        self.memory.set(memory);
        self.fill_holders(Held::Memory, memory);
    }

    /// Table 0 (`innative_table`), for function pointers stored in memory.
    pub fn set_table(&self, table: inkwell::values::GlobalValue<'_>) {
        use inkwell::values::AsValueRef;
        let table = table.as_value_ref();
        self.table.set(table);
        self.fill_holders(Held::Table, table);
    }

    fn fill_holders(&self, held: Held, value: LLVMValueRef) {
        for (h, what) in self.holders.borrow().iter() {
            if *what == held {
                unsafe { c::LLVMSetInitializer(*h, value) };
            }
        }
    }

    /// A global holding `&memory` or `&table` (null until [`set_memory`] /
    /// [`set_table`]), kept alive through `llvm.compiler.used`, carrying
    /// `gve` as its `!dbg`.
    fn holder(&self, gve: Md, held: Held) {
        let prefix = match held {
            Held::Memory => "innative.dbg.memory",
            Held::Table => "innative.dbg.table",
        };
        let name = unique_global_name(self.module, prefix);
        let cname = std::ffi::CString::new(name).unwrap_or_default();
        unsafe {
            let ptr = self.ptr_type();
            let g = c::LLVMAddGlobal(self.module, ptr, cname.as_ptr());
            c::LLVMSetLinkage(g, llvm_sys::LLVMLinkage::LLVMInternalLinkage);
            c::LLVMSetGlobalConstant(g, 1);
            let target = match held {
                Held::Memory => self.memory.get(),
                Held::Table => self.table.get(),
            };
            let init = if target.is_null() {
                c::LLVMConstPointerNull(ptr)
            } else {
                target
            };
            c::LLVMSetInitializer(g, init);
            c::LLVMGlobalSetMetadata(g, 0, gve);
            compiler_used(self.module, g);
            self.holders.borrow_mut().push((g, held));
        }
    }

    /// The unit's address helper variable (created with the memory base
    /// variable on first use, so that both come before any variable whose
    /// type needs them: LLVM only links a data location to a variable DIE
    /// that already exists).
    pub fn address_variable(&self, di: &Di) -> Md {
        let key = di.unit_key();
        if let Some(v) = self.units.borrow().get(&key) {
            return *v;
        }
        let ulong = di.basic_type("unsigned long", 64, dw::ATE_UNSIGNED);
        // &holder -> &memory -> M
        let base = di.expression(&[dw::OP_DEREF, dw::OP_DEREF, dw::OP_STACK_VALUE]);
        let gve = di.global_variable(
            di.file(),
            MEMORY_BASE_VARIABLE,
            "",
            di.file(),
            0,
            ulong,
            true,
            base,
        );
        self.holder(gve, Held::Memory);
        // &holder -> &table (0 when the module has no table).
        let table = di.expression(&[dw::OP_DEREF, dw::OP_STACK_VALUE]);
        let gve = di.global_variable(
            di.file(),
            TABLE_VARIABLE,
            "",
            di.file(),
            0,
            ulong,
            true,
            table,
        );
        self.holder(gve, Held::Table);
        // [M W] -> W + M * (W != 0), W = the pointer value (low 32 bits:
        // a debugger may have read 8 bytes).
        let address = di.expression(
            &[
                dw::OP_DEREF,
                dw::OP_DEREF,
                dw::OP_PUSH_OBJECT_ADDRESS,
                dw::OP_CONSTU,
                0xffff_ffff,
                dw::OP_AND,
            ]
            .into_iter()
            .chain(TO_NATIVE)
            .collect::<Vec<u64>>(),
        );
        let gve = di.global_variable(
            di.file(),
            ADDRESS_VARIABLE,
            "",
            di.file(),
            0,
            ulong,
            true,
            address,
        );
        self.holder(gve, Held::Memory);
        let var = unsafe { llvm_sys::debuginfo::LLVMDIGlobalVariableExpressionGetVariable(gve) };
        self.units.borrow_mut().insert(key, var);
        var
    }

    /// A one-element array of `element` named `name` whose data lives at
    /// `M + W` (see the module comment).  Its size is 1 bit, which no C
    /// array has, so LLVM's uniquing never hands back (and this never
    /// modifies) an array type of the program.
    pub fn dynamic_array(&self, di: &Di, element: Md, name: &str) -> Md {
        let var = self.address_variable(di);
        let array = di.array_type(element, 1, &[1], false);
        unsafe {
            let ctx = self.context();
            let node = c::LLVMMetadataAsValue(ctx, array);
            // DICompositeType operands: 2 name, 9 dataLocation.
            if c::LLVMGetMDNodeNumOperands(node) > 9 {
                let s = c::LLVMMDStringInContext2(ctx, name.as_ptr() as *const _, name.len());
                c::LLVMReplaceMDNodeOperandWith(node, 2, s);
                c::LLVMReplaceMDNodeOperandWith(node, 9, var);
            }
        }
        array
    }

    /// `.debug_gdb_scripts`: one inline Python script (entry kind 4) that
    /// gdb runs when it loads the output — where `auto-load safe-path`
    /// allows it.
    fn embed_gdb_script(&self) {
        const NAME: &str = "innative.debug_gdb_scripts";
        let cname = std::ffi::CString::new(NAME).unwrap_or_default();
        // SAFETY: a lookup by a NUL-terminated name in a live module.
        if !unsafe { c::LLVMGetNamedGlobal(self.module, cname.as_ptr()) }.is_null() {
            return;
        }
        self.embed_script(NAME, "innative", GDB_SCRIPT);
    }

    /// One `.debug_gdb_scripts` entry, in global `global`; gdb loads a
    /// script name once per program.
    fn embed_script(&self, global: &str, name: &str, script: &str) {
        let cname = std::ffi::CString::new(global).unwrap_or_default();
        let mut bytes = vec![4u8];
        bytes.extend_from_slice(format!("gdb.inlined-script.{name}\n").as_bytes());
        bytes.extend_from_slice(script.as_bytes());
        unsafe {
            let ctx = self.context();
            // Null-terminated (DontNullTerminate = 0).
            let init =
                c::LLVMConstStringInContext2(ctx, bytes.as_ptr() as *const _, bytes.len(), 0);
            let g = c::LLVMAddGlobal(self.module, c::LLVMTypeOf(init), cname.as_ptr());
            c::LLVMSetInitializer(g, init);
            c::LLVMSetGlobalConstant(g, 1);
            c::LLVMSetLinkage(g, llvm_sys::LLVMLinkage::LLVMInternalLinkage);
            c::LLVMSetAlignment(g, 1);
            c::LLVMSetSection(g, c".debug_gdb_scripts".as_ptr());
            compiler_used(self.module, g);
        }
    }
}

impl WasmPointers {
    /// A second `.debug_gdb_scripts` entry with the module's data symbols
    /// — C globals and `static` locals by wasm address and size — so that
    /// the gdb extension can print a pointer into them as gdb prints a
    /// native one, `0x... <nodes+16>` (clang names a `static` local
    /// `function.variable`).  The table is registered under the module's
    /// unit names, which is how the extension finds it from a memory base.
    pub fn embed_symbols(&self, prov: &Provenance, size_of: &dyn Fn(Option<TypeId>) -> u64) {
        let mut symbols: Vec<(u64, u64, String)> = Vec::new();
        let mut add = |v: &Variable, prefix: Option<&str>| {
            let (Some(name), Location::Expr(ops)) = (&v.name, &v.location) else {
                return;
            };
            let [LocOp::Addr(a)] = ops.as_slice() else {
                return;
            };
            let name = match prefix {
                Some(f) => format!("{f}.{name}"),
                None => name.clone(),
            };
            if !symbols.iter().any(|(b, _, _)| b == a) {
                symbols.push((*a, size_of(v.ty), name));
            }
        };
        for (_, v) in &prov.globals {
            add(v, None);
        }
        fn scopes(list: &[Scope], f: &str, add: &mut dyn FnMut(&Variable, Option<&str>)) {
            for s in list {
                for v in &s.variables {
                    add(v, Some(f));
                }
                scopes(&s.children, f, add);
            }
        }
        for sp in &prov.subprograms {
            let Some(f) = sp.name.as_deref() else {
                continue;
            };
            for v in &sp.variables {
                add(v, Some(f));
            }
            scopes(&sp.scopes, f, &mut add);
        }
        if symbols.is_empty() {
            return;
        }
        symbols.sort();
        let quote = |x: &str| format!("{x:?}");
        let mut script = String::from(
            "import gdb\n_t = getattr(gdb, \"_innative_symbols\", None)\nif _t is None:\n    _t = gdb._innative_symbols = {}\n_e = [",
        );
        for (a, size, name) in &symbols {
            script.push_str(&format!("({a}, {size}, {}), ", quote(name)));
        }
        script.push_str("]\nfor _u in [");
        for u in &prov.units {
            script.push_str(&format!("{}, ", quote(&u.name)));
        }
        script.push_str("]:\n    _t[_u] = _e\n");
        let tag = prov.units.first().map(|u| u.name.as_str()).unwrap_or("");
        let global = unique_global_name(self.module, "innative.debug_gdb_symbols");
        self.embed_script(
            &global,
            &format!("innative-symbols.{global}.{tag}"),
            &script,
        );
    }
}

fn unique_global_name(module: LLVMModuleRef, base: &str) -> String {
    for n in 0.. {
        let name = format!("{base}.{n}");
        let cname = std::ffi::CString::new(name.clone()).unwrap_or_default();
        // SAFETY: a lookup by a NUL-terminated name in a live module.
        if unsafe { c::LLVMGetNamedGlobal(module, cname.as_ptr()) }.is_null() {
            return name;
        }
    }
    unreachable!()
}

/// Appends `g` to `llvm.compiler.used` (rebuilding the list), so that
/// optimization keeps a global only debug info refers to.
///
/// SAFETY: `module` is live and `g` one of its globals.
unsafe fn compiler_used(module: LLVMModuleRef, g: LLVMValueRef) {
    let ctx = c::LLVMGetModuleContext(module);
    let ptr = c::LLVMPointerTypeInContext(ctx, 0);
    let name = c"llvm.compiler.used";
    let mut values = Vec::new();
    let old = c::LLVMGetNamedGlobal(module, name.as_ptr());
    if !old.is_null() {
        let init = c::LLVMGetInitializer(old);
        if !init.is_null() {
            for i in 0..c::LLVMGetNumOperands(init) {
                values.push(c::LLVMGetOperand(init, i as u32));
            }
        }
        c::LLVMDeleteGlobal(old);
    }
    values.push(g);
    let array = c::LLVMConstArray2(ptr, values.as_mut_ptr(), values.len() as u64);
    let list = c::LLVMAddGlobal(module, c::LLVMTypeOf(array), name.as_ptr());
    c::LLVMSetLinkage(list, llvm_sys::LLVMLinkage::LLVMAppendingLinkage);
    c::LLVMSetSection(list, c"llvm.metadata".as_ptr());
    c::LLVMSetInitializer(list, array);
}

/// The name of the typedef innative gives a wasm pointer type `id` (or its
/// 4-byte wrapper): the C spelling and `__ptr32` (MSVC's word for a 32-bit
/// pointer).  The suffix keeps it distinct from the native type of the same
/// spelling, which matters to lldb: it caches formatter choices by type name.
pub fn pointer_name(prov: &Provenance, id: Option<TypeId>) -> String {
    format!("{} {POINTER_SUFFIX}", spell(prov, id))
}

/// See [`pointer_name`].
pub const POINTER_SUFFIX: &str = "__ptr32";

/// The C spelling of a type as gdb prints it: `struct Node *`,
/// `const char *`, `char **`, `int (*)[4]`, `void (*)(int)`.
pub fn spell(prov: &Provenance, id: Option<TypeId>) -> String {
    declarator(prov, id, String::new(), 0)
}

fn join(base: &str, inner: &str) -> String {
    if inner.is_empty() {
        base.to_string()
    } else {
        format!("{base} {inner}")
    }
}

fn is_cplusplus(prov: &Provenance, unit: usize) -> bool {
    prov.units.get(unit).is_some_and(|u| dw::is_cxx(u.language))
}

fn declarator(prov: &Provenance, id: Option<TypeId>, inner: String, depth: u32) -> String {
    let Some(t) = id.and_then(|i| prov.types.get(i)) else {
        return join("void", &inner);
    };
    if depth > 32 {
        return join("?", &inner);
    }
    let name = t.name.as_deref().unwrap_or("");
    let parenthesize = |target: Option<TypeId>, inner: String| -> String {
        match target.and_then(|i| prov.types.get(i)).map(|t| &t.kind) {
            Some(TypeKind::Array { .. } | TypeKind::Subroutine { .. }) => format!("({inner})"),
            _ => inner,
        }
    };
    match &t.kind {
        TypeKind::Pointer { pointee, .. } => {
            // `* const`, as gdb spells a qualified pointer.
            let sep = if inner.starts_with(|c: char| c.is_ascii_alphabetic()) {
                " "
            } else {
                ""
            };
            let inner = parenthesize(*pointee, format!("*{sep}{inner}"));
            declarator(prov, *pointee, inner, depth + 1)
        }
        TypeKind::Reference { pointee, rvalue } => {
            let amp = if *rvalue { "&&" } else { "&" };
            let inner = parenthesize(*pointee, format!("{amp}{inner}"));
            declarator(prov, *pointee, inner, depth + 1)
        }
        TypeKind::Const(x) | TypeKind::Volatile(x) | TypeKind::Restrict(x) => {
            let q = match &t.kind {
                TypeKind::Const(_) => "const",
                TypeKind::Volatile(_) => "volatile",
                _ => "restrict",
            };
            let target_is_pointer = matches!(
                x.and_then(|i| prov.types.get(i)).map(|t| &t.kind),
                Some(TypeKind::Pointer { .. } | TypeKind::Reference { .. })
            );
            if target_is_pointer {
                declarator(prov, *x, join(q, &inner), depth + 1)
            } else {
                format!("{q} {}", declarator(prov, *x, inner, depth + 1))
            }
        }
        TypeKind::Array { element, dims, .. } => {
            let mut inner = inner;
            for d in dims {
                match d {
                    Some(n) => inner.push_str(&format!("[{n}]")),
                    None => inner.push_str("[]"),
                }
            }
            declarator(prov, *element, inner, depth + 1)
        }
        TypeKind::Subroutine {
            result,
            params,
            variadic,
        } => {
            let mut ps: Vec<String> = params
                .iter()
                .map(|p| declarator(prov, *p, String::new(), depth + 1))
                .collect();
            if *variadic {
                ps.push("...".into());
            }
            if ps.is_empty() && !is_cplusplus(prov, t.unit) {
                ps.push("void".into());
            }
            declarator(
                prov,
                *result,
                format!("{inner}({})", ps.join(", ")),
                depth + 1,
            )
        }
        TypeKind::Composite { tag, .. } => {
            let keyword = match u32::from(*tag) {
                dw::TAG_UNION => "union",
                dw::TAG_CLASS => "class",
                _ => "struct",
            };
            let base = if name.is_empty() {
                format!("{keyword} {{...}}")
            } else if is_cplusplus(prov, t.unit) {
                name.to_string()
            } else {
                format!("{keyword} {name}")
            };
            join(&base, &inner)
        }
        TypeKind::Enum { .. } => {
            let base = if name.is_empty() {
                "enum {...}".to_string()
            } else if is_cplusplus(prov, t.unit) {
                name.to_string()
            } else {
                format!("enum {name}")
            };
            join(&base, &inner)
        }
        TypeKind::Base { .. } | TypeKind::Typedef(_) => join(name, &inner),
        TypeKind::Unspecified => join(if name.is_empty() { "void" } else { name }, &inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use innative_dwarf::{Type, Unit};

    fn ty(kind: TypeKind, name: Option<&str>) -> Type {
        Type {
            name: name.map(String::from),
            kind,
            unit: 0,
            file: None,
            line: 0,
            scope: Vec::new(),
        }
    }

    #[test]
    fn spells_types_as_gdb_prints_them() {
        let mut prov = Provenance::default();
        prov.units.push(Unit {
            language: dw::LANG_C99,
            ..Default::default()
        });
        let types = vec![
            /* 0 */
            ty(
                TypeKind::Base {
                    encoding: 6,
                    byte_size: 1,
                },
                Some("char"),
            ),
            /* 1 */ ty(TypeKind::Const(Some(0)), None),
            /* 2 */
            ty(
                TypeKind::Pointer {
                    pointee: Some(1),
                    byte_size: 4,
                },
                None,
            ),
            /* 3 */
            ty(
                TypeKind::Composite {
                    tag: dw::TAG_STRUCTURE as u16,
                    byte_size: 8,
                    members: vec![],
                    declaration: false,
                    variant_part: None,
                    template_params: vec![],
                },
                Some("Node"),
            ),
            /* 4 */
            ty(
                TypeKind::Pointer {
                    pointee: Some(3),
                    byte_size: 4,
                },
                None,
            ),
            /* 5 */
            ty(
                TypeKind::Pointer {
                    pointee: Some(2),
                    byte_size: 4,
                },
                None,
            ),
            /* 6 */
            ty(
                TypeKind::Array {
                    element: Some(7),
                    dims: vec![Some(4)],
                    vector: false,
                },
                None,
            ),
            /* 7 */
            ty(
                TypeKind::Base {
                    encoding: 5,
                    byte_size: 4,
                },
                Some("int"),
            ),
            /* 8 */
            ty(
                TypeKind::Pointer {
                    pointee: Some(6),
                    byte_size: 4,
                },
                None,
            ),
            /* 9 */
            ty(
                TypeKind::Subroutine {
                    result: None,
                    params: vec![Some(7)],
                    variadic: false,
                },
                None,
            ),
            /* 10 */
            ty(
                TypeKind::Pointer {
                    pointee: Some(9),
                    byte_size: 4,
                },
                None,
            ),
            /* 11 */ ty(TypeKind::Const(Some(4)), None),
            /* 12 */
            ty(
                TypeKind::Pointer {
                    pointee: None,
                    byte_size: 4,
                },
                None,
            ),
        ];
        prov.types = types;
        let s = |i| spell(&prov, Some(i));
        assert_eq!(s(2), "const char *");
        assert_eq!(s(4), "struct Node *");
        assert_eq!(s(5), "const char **");
        assert_eq!(s(8), "int (*)[4]");
        assert_eq!(s(10), "void (*)(int)");
        assert_eq!(s(11), "struct Node * const");
        assert_eq!(s(12), "void *");
        assert_eq!(pointer_name(&prov, Some(4)), "struct Node * __ptr32");
    }
}
