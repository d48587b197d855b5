//! The source type graph (from the module's DWARF) as LLVM debug types.
//!
//! Types keep their wasm layout — a pointer inside a struct or array is 4
//! bytes — because the debugger reads them from linear memory as they are.
//! Pointers *stored in linear memory* get the descriptions of
//! [`super::pointers`], which let gdb follow them by itself and the
//! debugger extensions print them as native pointers.
//! A *variable* of pointer type is different: its value is presented as a
//! native pointer (memory base + wasm address), so that `*p`, `p->f` and
//! `p[i]` work in the debugger; [`DebugTypes::native_pointer`] gives that type.
//!
//! Types are translated per compile unit (the caches are keyed by the
//! unit's DIBuilder): a wasm pointer refers to its unit's helper variable.
//!
//! C++: a type declared in a namespace is declared in that namespace
//! (`geo::Point`), and a class keeps its static data members (as
//! declarations: their definitions are globals named `geo::Counter::n`,
//! which is how gdb finds their values).

use super::di::{dw, Di, Md};
use super::pointers::{pointer_name, spell, WasmPointers, BOX_MEMBER};
use innative_dwarf::{Provenance, Type, TypeId, TypeKind};
use std::cell::RefCell;
use std::collections::HashMap;

/// Cache key: the unit's DIBuilder and the source type.
type Key<T> = (usize, T);

pub struct DebugTypes<'p> {
    prov: &'p Provenance,
    cache: RefCell<HashMap<Key<TypeId>, Md>>,
    native_pointers: RefCell<HashMap<Key<Option<TypeId>>, Md>>,
    /// 4-byte wrappers of wasm pointers that are array elements.
    boxes: RefCell<HashMap<Key<TypeId>, Md>>,
    /// Element types of the dynamic arrays wasm pointers point to.
    elements: RefCell<HashMap<Key<TypeId>, Md>>,
    /// The dynamic arrays, by element metadata.
    arrays: RefCell<HashMap<Key<usize>, Md>>,
    /// C++ namespaces, by qualified name.
    namespaces: RefCell<HashMap<Key<String>, Md>>,
    /// (unit, scope path) of every named composite type: the scopes that are
    /// classes, not namespaces.
    classes: HashMap<(usize, Vec<String>), TypeId>,
    pub pointers: WasmPointers,
    /// Types for CodeView ([`super::codeview`]): a wasm pointer is a plain
    /// 32-bit pointer (CodeView `ptr32`) wherever it is, and a variable of
    /// pointer type is described by its wasm value.
    codeview: bool,
    /// Nesting of [`DebugTypes::translate`] calls: broken DWARF can make
    /// type references cycle (a typedef or array of itself).
    depth: std::cell::Cell<u32>,
}

/// Deeper type nesting than this is a reference cycle of broken DWARF (real
/// programs nest a few dozen levels); such a type becomes `void`.
const MAX_TYPE_DEPTH: u32 = 512;

fn unit(di: &Di) -> usize {
    di.unit_key()
}

impl<'p> DebugTypes<'p> {
    pub fn new(
        prov: &'p Provenance,
        module: llvm_sys::prelude::LLVMModuleRef,
        codeview: bool,
    ) -> Self {
        let this = DebugTypes {
            prov,
            codeview,
            depth: Default::default(),
            cache: RefCell::default(),
            native_pointers: RefCell::default(),
            boxes: RefCell::default(),
            elements: RefCell::default(),
            arrays: RefCell::default(),
            namespaces: RefCell::default(),
            classes: {
                // Definitions after declarations: a path names its definition.
                let mut ids: Vec<TypeId> = (0..prov.types.len())
                    .filter(|&i| matches!(prov.types[i].kind, TypeKind::Composite { .. }))
                    .collect();
                ids.sort_by_key(|&i| {
                    matches!(
                        prov.types[i].kind,
                        TypeKind::Composite {
                            declaration: false,
                            ..
                        }
                    )
                });
                ids.into_iter()
                    .filter_map(|id| {
                        let t = &prov.types[id];
                        let name = t.name.as_ref()?;
                        let mut path = t.scope.clone();
                        path.push(name.clone());
                        Some(((t.unit, path), id))
                    })
                    .collect()
            },
            pointers: WasmPointers::new(module, !codeview),
        };
        if !codeview {
            this.pointers.embed_symbols(prov, &|ty| this.byte_size(ty));
        }
        this
    }

    /// The module's memory struct, which wasm pointers are relative to.
    pub fn set_table(&self, table: inkwell::values::GlobalValue<'_>) {
        self.pointers.set_table(table);
    }

    pub fn set_memory(&self, memory: inkwell::values::GlobalValue<'_>) {
        self.pointers.set_memory(memory);
    }

    /// Where type `t` is declared: `scope` (the unit's file), or in a C++
    /// or Rust unit the namespaces enclosing it (`t.scope` up to the first
    /// class: a type nested in a class is declared in the class's namespace).
    ///
    /// In a Rust unit, a type nested in a struct is declared in that struct
    /// (an enum's variant `shapes::Shape::Circle`, `Option<u32>::Some`):
    /// gdb names the variant it prints by that nesting.
    fn type_scope(&self, di: &Di, scope: Md, t: &Type) -> Md {
        let rust = self
            .prov
            .units
            .get(t.unit)
            .is_some_and(|u| u.language == dw::LANG_RUST);
        if rust {
            if let Some(&class) = self.classes.get(&(t.unit, t.scope.clone())) {
                let md = self.translate(di, scope, Some(class));
                if !md.is_null() {
                    return md;
                }
            }
        }
        let namespace = self.namespace(di, t.unit, &t.scope);
        if namespace.is_null() {
            scope
        } else {
            namespace
        }
    }

    /// The (innermost) DW_TAG_namespace for `path` in unit `unit` — the
    /// source's namespaces up to the first class — made once per unit; null
    /// when there is none or the unit's language has no namespaces.
    pub fn namespace(&self, di: &Di, unit_index: usize, path_names: &[String]) -> Md {
        let namespaced = self
            .prov
            .units
            .get(unit_index)
            .is_some_and(|u| dw::has_namespaces(u.language));
        let mut parent: Md = std::ptr::null_mut();
        if path_names.is_empty() || !namespaced {
            return parent;
        }
        let mut path: Vec<String> = Vec::new();
        for name in path_names {
            path.push(name.clone());
            if self.classes.contains_key(&(unit_index, path.clone())) {
                break;
            }
            let key = (unit(di), path.join("::"));
            let existing = self.namespaces.borrow().get(&key).copied();
            parent = match existing {
                Some(ns) => ns,
                None => {
                    let spelled = if name == "(anonymous namespace)" {
                        ""
                    } else {
                        name
                    };
                    let ns = di.namespace(parent, spelled);
                    self.namespaces.borrow_mut().insert(key, ns);
                    ns
                }
            };
        }
        parent
    }

    /// The class (its debug type) or else the namespace that `path` names
    /// in unit `unit_index`: where a C++ function is declared.  Null at
    /// unit level.
    pub fn declaring_scope(&self, di: &Di, unit_index: usize, path: &[String]) -> Md {
        if let Some(&class) = self.classes.get(&(unit_index, path.to_vec())) {
            let md = self.translate(di, di.file(), Some(class));
            if !md.is_null() {
                return md;
            }
        }
        self.namespace(di, unit_index, path)
    }

    /// Size in bytes of a type (0 when unknown).
    pub fn byte_size(&self, id: Option<TypeId>) -> u64 {
        self.byte_size_depth(id, 0)
    }

    fn byte_size_depth(&self, id: Option<TypeId>, depth: u32) -> u64 {
        let Some(t) = id.and_then(|i| self.prov.types.get(i)) else {
            return 0;
        };
        if depth > 64 {
            return 0;
        }
        match &t.kind {
            TypeKind::Base { byte_size, .. } | TypeKind::Pointer { byte_size, .. } => *byte_size,
            TypeKind::Reference { .. } => 4,
            TypeKind::Const(x)
            | TypeKind::Volatile(x)
            | TypeKind::Restrict(x)
            | TypeKind::Typedef(x) => self.byte_size_depth(*x, depth + 1),
            TypeKind::Composite { byte_size, .. } | TypeKind::Enum { byte_size, .. } => *byte_size,
            TypeKind::Array { element, dims, .. } => {
                let count: u64 = dims.iter().map(|d| d.unwrap_or(0)).product();
                self.byte_size_depth(*element, depth + 1)
                    .saturating_mul(count)
            }
            TypeKind::Subroutine { .. } | TypeKind::Unspecified => 0,
        }
    }

    /// The type with typedefs and qualifiers looked through.
    pub fn strip(&self, mut id: Option<TypeId>) -> Option<TypeId> {
        for _ in 0..64 {
            match id.and_then(|i| self.prov.types.get(i)).map(|t| &t.kind) {
                Some(
                    TypeKind::Const(x)
                    | TypeKind::Volatile(x)
                    | TypeKind::Restrict(x)
                    | TypeKind::Typedef(x),
                ) => id = *x,
                _ => return id,
            }
        }
        id
    }

    /// If `id` is (a typedef of / qualified) pointer, its pointee: a
    /// variable of this type holds a wasm address that the debugger is to
    /// see as a native pointer of type [`DebugTypes::native_pointer`].
    ///
    /// A C++ reference holds a wasm address too.  For a reference type the
    /// answer is the reference type itself, which `native_pointer` turns
    /// into a native reference (nothing else reaches it with a reference:
    /// there are no pointers to references).
    ///
    /// For CodeView, always None: a pointer variable is its wasm value.
    pub fn pointee_if_pointer(&self, id: Option<TypeId>) -> Option<Option<TypeId>> {
        if self.codeview {
            return None;
        }
        let stripped = self.strip(id);
        match stripped
            .and_then(|i| self.prov.types.get(i))
            .map(|t| &t.kind)
        {
            Some(TypeKind::Pointer { pointee, .. }) => Some(*pointee),
            Some(TypeKind::Reference { .. }) => Some(stripped),
            _ => None,
        }
    }

    /// A native (64-bit) pointer to `pointee`.  A pointee that is itself a
    /// pointer (in linear memory, 4 bytes) is its 4-byte wrapper, so that
    /// `p[i]` steps by 4.  For a reference type (see
    /// [`DebugTypes::pointee_if_pointer`]): a native reference to what it
    /// refers to, so that the debuggers show `@0x7ffd...: {x = 1}`.
    pub fn native_pointer(&self, di: &Di, scope: Md, pointee: Option<TypeId>) -> Md {
        if let Some(md) = self.native_pointers.borrow().get(&(unit(di), pointee)) {
            return *md;
        }
        let md = match pointee
            .and_then(|i| self.prov.types.get(i))
            .map(|t| &t.kind)
        {
            Some(TypeKind::Reference { pointee, rvalue }) => {
                let tag = if *rvalue {
                    dw::TAG_RVALUE_REFERENCE
                } else {
                    dw::TAG_REFERENCE
                };
                di.reference_type(tag, self.slot(di, scope, *pointee))
            }
            _ => di.pointer_type(self.slot(di, scope, pointee), 64, ""),
        };
        self.native_pointers
            .borrow_mut()
            .insert((unit(di), pointee), md);
        md
    }

    /// Whether `id` is a (typedef of / qualified) pointer to a function: its
    /// wasm value is an index into the module's table, not an address.
    pub fn is_function_pointer(&self, id: Option<TypeId>) -> bool {
        match self.pointee_if_pointer(id) {
            Some(pointee) => matches!(
                self.strip(pointee)
                    .and_then(|i| self.prov.types.get(i))
                    .map(|t| &t.kind),
                Some(TypeKind::Subroutine { .. })
            ),
            None => false,
        }
    }

    /// Whether `id` is a (typedef of / qualified) pointer or reference: 4
    /// bytes of linear memory holding a wasm address.
    fn is_pointer(&self, id: Option<TypeId>) -> bool {
        matches!(
            self.strip(id)
                .and_then(|i| self.prov.types.get(i))
                .map(|t| &t.kind),
            Some(TypeKind::Pointer { .. } | TypeKind::Reference { .. })
        )
    }

    /// The type of a 4-byte-stride slot holding a value of type `id` (an
    /// array element, the target of a native pointer): a wasm pointer is
    /// wrapped in its 4-byte struct, anything else is `id` itself.
    fn slot(&self, di: &Di, scope: Md, id: Option<TypeId>) -> Md {
        match id {
            Some(i) if self.is_pointer(id) && !self.codeview => self.boxed(di, scope, i),
            _ => self.translate(di, scope, id),
        }
    }

    /// Width of a wasm pointer of type `id` in linear memory: 32 bits, or
    /// 64 in a memory64 program (its DWARF gives pointers 8 bytes).
    fn wasm_pointer_bits(&self, id: Option<TypeId>) -> u64 {
        if self.byte_size(id) == 8 {
            64
        } else {
            32
        }
    }

    /// `typedef struct { T __wasm_ptr : 32; } T` for a wasm pointer type `T`
    /// (`: 64` in a memory64 program)
    /// (see [`super::pointers`]).
    fn boxed(&self, di: &Di, scope: Md, id: TypeId) -> Md {
        if let Some(md) = self.boxes.borrow().get(&(unit(di), id)) {
            return *md;
        }
        let inner = self.translate(di, scope, Some(id));
        let bits = self.wasm_pointer_bits(Some(id));
        let temp = di.replaceable_composite(dw::TAG_STRUCTURE, "", scope, 0, bits);
        let mut members = [if bits == 64 {
            di.member(temp, BOX_MEMBER, 0, bits, 0, inner)
        } else {
            di.bitfield(temp, BOX_MEMBER, 0, bits, 0, 0, inner)
        }];
        let full = di.struct_type("", scope, 0, bits, &mut members);
        di.replace(temp, full);
        let md = di.typedef(full, &pointer_name(self.prov, Some(id)), 0, scope);
        self.boxes.borrow_mut().insert((unit(di), id), md);
        md
    }

    /// A wasm pointer type `id` (stored in linear memory): a typedef named
    /// after the C type, of a native pointer to a one-element dynamic array
    /// of the pointee (see [`super::pointers`]).
    fn wasm_pointer(&self, di: &Di, scope: Md, id: TypeId, pointee: Option<TypeId>) -> Md {
        let target = self.wasm_pointee(di, scope, pointee);
        let pointer = di.pointer_type(target, 64, "");
        di.typedef(pointer, &pointer_name(self.prov, Some(id)), 0, scope)
    }

    /// [`Self::wasm_pointer`] for a reference: a native reference to the
    /// same dynamic array, so that a debugger prints it as a reference
    /// (`top = @0x…`).
    fn wasm_reference(
        &self,
        di: &Di,
        scope: Md,
        id: TypeId,
        pointee: Option<TypeId>,
        rvalue: bool,
    ) -> Md {
        let target = self.wasm_pointee(di, scope, pointee);
        let tag = if rvalue {
            dw::TAG_RVALUE_REFERENCE
        } else {
            dw::TAG_REFERENCE
        };
        let reference = di.reference_type(tag, target);
        di.typedef(reference, &pointer_name(self.prov, Some(id)), 0, scope)
    }

    /// What a wasm pointer or reference to `pointee` points to: the one-
    /// element dynamic array that a debugger finds at `M + W` (functions and
    /// `void` as they are).
    fn wasm_pointee(&self, di: &Di, scope: Md, pointee: Option<TypeId>) -> Md {
        let stripped = self.strip(pointee).and_then(|i| self.prov.types.get(i));
        let target = match stripped.map(|t| &t.kind) {
            None | Some(TypeKind::Subroutine { .. } | TypeKind::Unspecified) => {
                self.translate(di, scope, pointee)
            }
            Some(_) => {
                let element = self.element(di, scope, pointee);
                let key = (unit(di), element as usize);
                let existing = self.arrays.borrow().get(&key).copied();
                match existing {
                    Some(a) => a,
                    None => {
                        let name = spell(self.prov, pointee);
                        let a = self.pointers.dynamic_array(di, element, &name);
                        self.arrays.borrow_mut().insert(key, a);
                        a
                    }
                }
            }
        };
        target
    }

    /// The element type of the dynamic array a wasm pointer to `id` points
    /// to: `id` without typedefs, with named structs, unions and classes
    /// replaced by a declaration of the other tag (see
    /// [`super::pointers`]) and wasm pointers by their 4-byte wrapper.
    fn element(&self, di: &Di, scope: Md, id: Option<TypeId>) -> Md {
        let Some(i) = id else {
            return std::ptr::null_mut();
        };
        if let Some(md) = self.elements.borrow().get(&(unit(di), i)) {
            return *md;
        }
        let Some(t) = self.prov.types.get(i) else {
            return std::ptr::null_mut();
        };
        let md = match &t.kind {
            TypeKind::Composite { tag, .. } if t.name.as_deref().is_some_and(|n| !n.is_empty()) => {
                let other = if u32::from(*tag) == dw::TAG_UNION {
                    dw::TAG_STRUCTURE
                } else {
                    dw::TAG_UNION
                };
                let decl_scope = self.type_scope(di, scope, t);
                di.forward_declaration(other, t.name.as_deref().unwrap_or(""), decl_scope, t.line)
            }
            // (No second typedef of the same name: lldb's expressions
            // would see two `Node_t`s.  The array's name keeps the spelling.)
            TypeKind::Typedef(x) => self.element(di, scope, *x),
            TypeKind::Const(x) => di.qualified_type(dw::TAG_CONST, self.element(di, scope, *x)),
            TypeKind::Volatile(x) => {
                di.qualified_type(dw::TAG_VOLATILE, self.element(di, scope, *x))
            }
            TypeKind::Pointer { .. } => self.boxed(di, scope, i),
            TypeKind::Array {
                element,
                dims,
                vector,
            } => {
                let elem = self.element(di, scope, *element);
                let counts: Vec<i64> = dims
                    .iter()
                    .map(|d| d.map(|c| c as i64).unwrap_or(-1))
                    .collect();
                di.array_type(elem, self.byte_size(Some(i)) * 8, &counts, *vector)
            }
            _ => self.translate(di, scope, id),
        };
        self.elements.borrow_mut().insert((unit(di), i), md);
        md
    }

    /// The debug type of `id` (null metadata for `void`).
    pub fn translate(&self, di: &Di, scope: Md, id: Option<TypeId>) -> Md {
        if self.depth.get() >= MAX_TYPE_DEPTH {
            return std::ptr::null_mut();
        }
        self.depth.set(self.depth.get() + 1);
        let md = self.translate_nested(di, scope, id);
        self.depth.set(self.depth.get() - 1);
        md
    }

    fn translate_nested(&self, di: &Di, scope: Md, id: Option<TypeId>) -> Md {
        let Some(id) = id else {
            return std::ptr::null_mut();
        };
        if let Some(md) = self.cache.borrow().get(&(unit(di), id)) {
            return *md;
        }
        let Some(t) = self.prov.types.get(id) else {
            return std::ptr::null_mut();
        };
        let mut name = t.name.clone().unwrap_or_default();
        if self.codeview {
            name = super::codeview::msvc_name(&name);
        }
        // Where a named type is declared (C++ namespaces); what it refers
        // to is translated with the unit's `scope`.
        let decl_scope = self.type_scope(di, scope, t);
        // (Translating the scope — a Rust enum — may have translated `id`.)
        if let Some(md) = self.cache.borrow().get(&(unit(di), id)) {
            return *md;
        }
        let md = match &t.kind {
            TypeKind::Base {
                encoding,
                byte_size,
            } => di.basic_type(&name, byte_size * 8, *encoding as u32),
            // CodeView: a plain pointer of the wasm width (`ptr32`).
            TypeKind::Pointer { pointee, .. } if self.codeview => {
                let bits = self.wasm_pointer_bits(Some(id));
                di.pointer_type(self.translate(di, scope, *pointee), bits, "")
            }
            TypeKind::Reference { pointee, rvalue } if self.codeview => {
                let tag = if *rvalue {
                    dw::TAG_RVALUE_REFERENCE
                } else {
                    dw::TAG_REFERENCE
                };
                di.reference_type(tag, self.translate(di, scope, *pointee))
            }
            TypeKind::Pointer { pointee, .. } => self.wasm_pointer(di, scope, id, *pointee),
            // A reference stored in memory (a member: a lambda's by-reference
            // capture, a class's `T &` field) holds a wasm address, as a
            // pointer member does, and follows it the same way.
            TypeKind::Reference { pointee, rvalue } => {
                self.wasm_reference(di, scope, id, *pointee, *rvalue)
            }
            TypeKind::Const(x) => di.qualified_type(dw::TAG_CONST, self.translate(di, scope, *x)),
            TypeKind::Volatile(x) => {
                di.qualified_type(dw::TAG_VOLATILE, self.translate(di, scope, *x))
            }
            TypeKind::Restrict(x) => {
                di.qualified_type(dw::TAG_RESTRICT, self.translate(di, scope, *x))
            }
            TypeKind::Typedef(x) => {
                let target = self.translate(di, scope, *x);
                di.typedef(target, &name, t.line, decl_scope)
            }
            TypeKind::Composite {
                tag,
                byte_size,
                members,
                declaration,
                variant_part,
                template_params,
            } => {
                let llvm_tag = match u32::from(*tag) {
                    dw::TAG_UNION => dw::TAG_UNION,
                    dw::TAG_CLASS => dw::TAG_CLASS,
                    _ => dw::TAG_STRUCTURE,
                };
                if *declaration {
                    di.forward_declaration(llvm_tag, &name, decl_scope, t.line)
                } else {
                    let temp = di.replaceable_composite(
                        llvm_tag,
                        &name,
                        decl_scope,
                        t.line,
                        byte_size * 8,
                    );
                    self.cache.borrow_mut().insert((unit(di), id), temp);
                    let mut elements: Vec<Md> = members
                        .iter()
                        .map(|m| {
                            let ty = self.translate(di, scope, m.ty);
                            let mname = m.name.clone().unwrap_or_default();
                            if m.is_static {
                                // LLVM dereferences a static member's type
                                // unchecked (a crash on broken DWARF).
                                let ty = if ty.is_null() {
                                    di.unspecified_type("void")
                                } else {
                                    ty
                                };
                                return static_member(di, temp, &mname, ty);
                            }
                            if m.is_base {
                                return di.inheritance(temp, ty, m.offset * 8);
                            }
                            match m.bit_size {
                                Some(bits) => {
                                    let offset = m.bit_offset.unwrap_or(m.offset * 8);
                                    di.bitfield(temp, &mname, 0, bits, offset, m.offset * 8, ty)
                                }
                                // A wasm pointer: exactly its 32 bits (the
                                // debugger's pointer type is 64 bits wide;
                                // memory64 pointers are 64 bits).
                                None if self.is_pointer(m.ty) && !self.codeview => {
                                    match self.wasm_pointer_bits(m.ty) {
                                        // As wide as the debugger's pointers:
                                        // a plain member (lldb shows a gap
                                        // before a bitfield as a member).
                                        64 => di.member(temp, &mname, 0, 64, m.offset * 8, ty),
                                        bits => di.bitfield(
                                            temp,
                                            &mname,
                                            0,
                                            bits,
                                            m.offset * 8,
                                            m.offset * 8,
                                            ty,
                                        ),
                                    }
                                }
                                None => di.member(
                                    temp,
                                    &mname,
                                    0,
                                    self.byte_size(m.ty) * 8,
                                    m.offset * 8,
                                    ty,
                                ),
                            }
                        })
                        .collect();
                    if let Some(part) = variant_part {
                        elements.push(self.variant_part(di, scope, temp, byte_size * 8, part));
                    }
                    let mut full = if llvm_tag == dw::TAG_UNION {
                        di.union_type(&name, decl_scope, t.line, byte_size * 8, &mut elements)
                    } else {
                        di.struct_type(&name, decl_scope, t.line, byte_size * 8, &mut elements)
                    };
                    // Rust: generic types keep their type parameters (lldb
                    // names a generic enum's variants by them).  C++ names
                    // carry them already (`Box<int>`); not repeated there.
                    let rust = self
                        .prov
                        .units
                        .get(t.unit)
                        .is_some_and(|u| u.language == dw::LANG_RUST);
                    if rust && !template_params.is_empty() {
                        let params: Vec<(&str, Md)> = template_params
                            .iter()
                            .map(|(n, ty)| (n.as_str(), self.translate(di, scope, *ty)))
                            .collect();
                        full = di.template_params(full, &params);
                    }
                    di.replace(temp, full);
                    full
                }
            }
            TypeKind::Enum {
                byte_size,
                underlying,
                enumerators,
                unsigned,
                scoped,
            } => {
                let base = self.translate(di, scope, *underlying);
                // CodeView writes enumerators as unsigned numbers of their
                // APInt's width, 64 bits from LLVM-C: as clang does (the
                // enum's width), a negative one is its two's complement in
                // the enum's size (`DOWN = 4294967295`, not 1).
                let masked: Vec<(String, i64)>;
                let (enumerators, unsigned) = match (self.codeview, *byte_size) {
                    (true, 1 | 2 | 4) => {
                        let mask = (1u64 << (byte_size * 8)) - 1;
                        masked = enumerators
                            .iter()
                            .map(|(n, v)| (n.clone(), (*v as u64 & mask) as i64))
                            .collect();
                        (&masked, true)
                    }
                    _ => (enumerators, *unsigned),
                };
                di.enumeration(
                    &name,
                    decl_scope,
                    t.line,
                    byte_size * 8,
                    enumerators,
                    unsigned,
                    *scoped,
                    base,
                )
            }
            TypeKind::Array {
                element,
                dims,
                vector,
            } => {
                let elem = self.slot(di, scope, *element);
                let counts: Vec<i64> = dims
                    .iter()
                    .map(|d| d.map(|c| c as i64).unwrap_or(-1))
                    .collect();
                di.array_type(elem, self.byte_size(Some(id)) * 8, &counts, *vector)
            }
            TypeKind::Subroutine { result, params, .. } => {
                let mut types = vec![self.translate(di, scope, *result)];
                types.extend(params.iter().map(|p| self.translate(di, scope, *p)));
                di.subroutine_type(&mut types)
            }
            TypeKind::Unspecified => {
                di.unspecified_type(if name.is_empty() { "void" } else { &name })
            }
        };
        self.cache.borrow_mut().insert((unit(di), id), md);
        md
    }
}

impl DebugTypes<'_> {
    /// The `DW_TAG_variant_part` of struct `owner` (a Rust enum): its
    /// discriminant member and one variant member per variant, at their
    /// wasm offsets and sizes.
    fn variant_part(
        &self,
        di: &Di,
        scope: Md,
        owner: Md,
        bits: u64,
        part: &innative_dwarf::VariantPart,
    ) -> Md {
        // Only an integer discriminant (LLVM writes DW_AT_discr_value by its
        // signedness); anything else leaves the variants without values.
        let integer = |id| {
            matches!(
                self.strip(id)
                    .and_then(|i| self.prov.types.get(i))
                    .map(|t| &t.kind),
                Some(TypeKind::Base {
                    byte_size: 1 | 2 | 4 | 8 | 16,
                    ..
                })
            )
        };
        let (discr, discr_bits) = match &part.discr {
            Some(m) if integer(m.ty) => {
                let size = self.byte_size(m.ty) * 8;
                let ty = self.translate(di, scope, m.ty);
                (
                    di.artificial_member(owner, size, m.offset * 8, ty),
                    size as u32,
                )
            }
            _ => (std::ptr::null_mut(), 0),
        };
        let mut members: Vec<Md> = part
            .variants
            .iter()
            .map(|v| {
                let m = &v.member;
                let ty = self.translate(di, scope, m.ty);
                di.variant_member(
                    owner,
                    m.name.as_deref().unwrap_or(""),
                    self.byte_size(m.ty) * 8,
                    m.offset * 8,
                    v.discr_value.filter(|_| !discr.is_null()),
                    discr_bits,
                    ty,
                )
            })
            .collect();
        di.variant_part(owner, bits, discr, &mut members)
    }
}

/// The declaration of a static data member `name` of class `class` (its
/// definition is a global variable; see the module comment).
fn static_member(di: &Di, class: Md, name: &str, ty: Md) -> Md {
    di.static_member_type(class, name, ty)
}
