//! The source type graph (from the module's DWARF) as LLVM debug types.
//!
//! Types keep their wasm layout — a pointer inside a struct or array is 4
//! bytes — because the debugger reads them from linear memory as they are.
//! Pointers *stored in linear memory* get the descriptions of
//! [`super::debug_pointers`], which let gdb follow them by itself and the
//! debugger extensions print them as native pointers.
//! A *variable* of pointer type is different: its value is presented as a
//! native pointer (memory base + wasm address), so that `*p`, `p->f` and
//! `p[i]` work in the debugger; [`DebugTypes::native_pointer`] gives that type.
//!
//! Types are translated per compile unit (the caches are keyed by the
//! unit's DIBuilder): a wasm pointer refers to its unit's helper variable.

use super::debug_pointers::{pointer_name, spell, WasmPointers, BOX_MEMBER};
use super::di::{dw, Di, Md};
use innative_dwarf::{Provenance, TypeId, TypeKind};
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
    pub pointers: WasmPointers,
}

fn unit(di: &Di) -> usize {
    di.builder as usize
}

impl<'p> DebugTypes<'p> {
    pub fn new(prov: &'p Provenance, module: llvm_sys::prelude::LLVMModuleRef) -> Self {
        let this = DebugTypes {
            prov,
            cache: RefCell::default(),
            native_pointers: RefCell::default(),
            boxes: RefCell::default(),
            elements: RefCell::default(),
            arrays: RefCell::default(),
            pointers: WasmPointers::new(module),
        };
        this.pointers.embed_symbols(prov, &|ty| this.byte_size(ty));
        this
    }

    /// The module's memory struct, which wasm pointers are relative to.
    pub fn set_memory(&self, memory: inkwell::values::GlobalValue<'_>) {
        self.pointers.set_memory(memory);
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
            TypeKind::Array { element, dims } => {
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

    /// If `id` is (a typedef of / qualified) pointer, its pointee.
    pub fn pointee_if_pointer(&self, id: Option<TypeId>) -> Option<Option<TypeId>> {
        match self
            .strip(id)
            .and_then(|i| self.prov.types.get(i))
            .map(|t| &t.kind)
        {
            Some(TypeKind::Pointer { pointee, .. }) => Some(*pointee),
            _ => None,
        }
    }

    /// A native (64-bit) pointer to `pointee`.  A pointee that is itself a
    /// pointer (in linear memory, 4 bytes) is its 4-byte wrapper, so that
    /// `p[i]` steps by 4.
    pub fn native_pointer(&self, di: &Di, scope: Md, pointee: Option<TypeId>) -> Md {
        if let Some(md) = self.native_pointers.borrow().get(&(unit(di), pointee)) {
            return *md;
        }
        let target = self.slot(di, scope, pointee);
        let md = di.pointer_type(target, 64, "");
        self.native_pointers
            .borrow_mut()
            .insert((unit(di), pointee), md);
        md
    }

    fn is_pointer(&self, id: Option<TypeId>) -> bool {
        self.pointee_if_pointer(id).is_some()
    }

    /// The type of a 4-byte-stride slot holding a value of type `id` (an
    /// array element, the target of a native pointer): a wasm pointer is
    /// wrapped in its 4-byte struct, anything else is `id` itself.
    fn slot(&self, di: &Di, scope: Md, id: Option<TypeId>) -> Md {
        match id {
            Some(i) if self.is_pointer(id) => self.boxed(di, scope, i),
            _ => self.translate(di, scope, id),
        }
    }

    /// `typedef struct { T __wasm_ptr : 32; } T` for a wasm pointer type `T`
    /// (see [`super::debug_pointers`]).
    fn boxed(&self, di: &Di, scope: Md, id: TypeId) -> Md {
        if let Some(md) = self.boxes.borrow().get(&(unit(di), id)) {
            return *md;
        }
        let inner = self.translate(di, scope, Some(id));
        let temp = di.replaceable_composite(dw::TAG_STRUCTURE, "", scope, 0, 32);
        let mut members = [di.bitfield(temp, BOX_MEMBER, 0, 32, 0, 0, inner)];
        let full = di.struct_type("", scope, 0, 32, &mut members);
        di.replace(temp, full);
        let md = di.typedef(full, &pointer_name(self.prov, Some(id)), 0, scope);
        self.boxes.borrow_mut().insert((unit(di), id), md);
        md
    }

    /// A wasm pointer type `id` (stored in linear memory): a typedef named
    /// after the C type, of a native pointer to a one-element dynamic array
    /// of the pointee (see [`super::debug_pointers`]).
    fn wasm_pointer(&self, di: &Di, scope: Md, id: TypeId, pointee: Option<TypeId>) -> Md {
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
        let pointer = di.pointer_type(target, 64, "");
        di.typedef(pointer, &pointer_name(self.prov, Some(id)), 0, scope)
    }

    /// The element type of the dynamic array a wasm pointer to `id` points
    /// to: `id` without typedefs, with named structs, unions and classes
    /// replaced by a declaration of the other tag (see
    /// [`super::debug_pointers`]) and wasm pointers by their 4-byte wrapper.
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
                let other = if *tag == 0x17 {
                    dw::TAG_STRUCTURE
                } else {
                    dw::TAG_UNION
                };
                di.forward_declaration(other, t.name.as_deref().unwrap_or(""), scope, t.line)
            }
            // (No second typedef of the same name: lldb's expressions
            // would see two `Node_t`s.  The array's name keeps the spelling.)
            TypeKind::Typedef(x) => self.element(di, scope, *x),
            TypeKind::Const(x) => di.qualified_type(dw::TAG_CONST, self.element(di, scope, *x)),
            TypeKind::Volatile(x) => {
                di.qualified_type(dw::TAG_VOLATILE, self.element(di, scope, *x))
            }
            TypeKind::Pointer { .. } => self.boxed(di, scope, i),
            TypeKind::Array { element, dims } => {
                let elem = self.element(di, scope, *element);
                let counts: Vec<i64> = dims
                    .iter()
                    .map(|d| d.map(|c| c as i64).unwrap_or(-1))
                    .collect();
                di.array_type(elem, self.byte_size(Some(i)) * 8, &counts)
            }
            _ => self.translate(di, scope, id),
        };
        self.elements.borrow_mut().insert((unit(di), i), md);
        md
    }

    /// The debug type of `id` (null metadata for `void`).
    pub fn translate(&self, di: &Di, scope: Md, id: Option<TypeId>) -> Md {
        let Some(id) = id else {
            return std::ptr::null_mut();
        };
        if let Some(md) = self.cache.borrow().get(&(unit(di), id)) {
            return *md;
        }
        let Some(t) = self.prov.types.get(id) else {
            return std::ptr::null_mut();
        };
        let name = t.name.clone().unwrap_or_default();
        let md = match &t.kind {
            TypeKind::Base {
                encoding,
                byte_size,
            } => di.basic_type(&name, byte_size * 8, *encoding as u32),
            TypeKind::Pointer { pointee, .. } => self.wasm_pointer(di, scope, id, *pointee),
            TypeKind::Reference { pointee, .. } => {
                let target = self.translate(di, scope, *pointee);
                di.pointer_type(target, 32, &name)
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
                di.typedef(target, &name, t.line, scope)
            }
            TypeKind::Composite {
                tag,
                byte_size,
                members,
                declaration,
            } => {
                let llvm_tag = match *tag {
                    0x17 => dw::TAG_UNION,
                    0x02 => dw::TAG_CLASS,
                    _ => dw::TAG_STRUCTURE,
                };
                if *declaration {
                    di.forward_declaration(llvm_tag, &name, scope, t.line)
                } else {
                    let temp =
                        di.replaceable_composite(llvm_tag, &name, scope, t.line, byte_size * 8);
                    self.cache.borrow_mut().insert((unit(di), id), temp);
                    let mut elements: Vec<Md> = members
                        .iter()
                        .map(|m| {
                            let ty = self.translate(di, scope, m.ty);
                            let mname = m.name.clone().unwrap_or_default();
                            match m.bit_size {
                                Some(bits) => {
                                    let offset = m.bit_offset.unwrap_or(m.offset * 8);
                                    di.bitfield(temp, &mname, 0, bits, offset, m.offset * 8, ty)
                                }
                                // A wasm pointer: exactly its 32 bits (the
                                // debugger's pointer type is 64 bits wide).
                                None if self.is_pointer(m.ty) => {
                                    di.bitfield(temp, &mname, 0, 32, m.offset * 8, m.offset * 8, ty)
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
                    let full = if llvm_tag == dw::TAG_UNION {
                        di.union_type(&name, scope, t.line, byte_size * 8, &mut elements)
                    } else {
                        di.struct_type(&name, scope, t.line, byte_size * 8, &mut elements)
                    };
                    di.replace(temp, full);
                    full
                }
            }
            TypeKind::Enum {
                byte_size,
                underlying,
                enumerators,
                unsigned,
            } => {
                let base = self.translate(di, scope, *underlying);
                di.enumeration(
                    &name,
                    scope,
                    t.line,
                    byte_size * 8,
                    enumerators,
                    *unsigned,
                    base,
                )
            }
            TypeKind::Array { element, dims } => {
                let elem = self.slot(di, scope, *element);
                let counts: Vec<i64> = dims
                    .iter()
                    .map(|d| d.map(|c| c as i64).unwrap_or(-1))
                    .collect();
                di.array_type(elem, self.byte_size(Some(id)) * 8, &counts)
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
