//! The source type graph (from the module's DWARF) as LLVM debug types.
//!
//! Types keep their wasm layout — a pointer inside a struct or array is 4
//! bytes — because the debugger reads them from linear memory as they are.
//! A *variable* of pointer type is different: its value is presented as a
//! native pointer (memory base + wasm address), so that `*p`, `p->f` and
//! `p[i]` work in the debugger; [`DebugTypes::native_pointer`] gives that type.

use super::di::{dw, Di, Md};
use innative_dwarf::{Provenance, TypeId, TypeKind};
use std::cell::RefCell;
use std::collections::HashMap;

pub struct DebugTypes<'p> {
    prov: &'p Provenance,
    cache: RefCell<HashMap<TypeId, Md>>,
    native_pointers: RefCell<HashMap<Option<TypeId>, Md>>,
}

impl<'p> DebugTypes<'p> {
    pub fn new(prov: &'p Provenance) -> Self {
        DebugTypes {
            prov,
            cache: RefCell::default(),
            native_pointers: RefCell::default(),
        }
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

    /// A native (64-bit) pointer to `pointee`.
    pub fn native_pointer(&self, di: &Di, scope: Md, pointee: Option<TypeId>) -> Md {
        if let Some(md) = self.native_pointers.borrow().get(&pointee) {
            return *md;
        }
        let target = self.translate(di, scope, pointee);
        let md = di.pointer_type(target, 64, "");
        self.native_pointers.borrow_mut().insert(pointee, md);
        md
    }

    /// The debug type of `id` (null metadata for `void`).
    pub fn translate(&self, di: &Di, scope: Md, id: Option<TypeId>) -> Md {
        let Some(id) = id else {
            return std::ptr::null_mut();
        };
        if let Some(md) = self.cache.borrow().get(&id) {
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
            TypeKind::Pointer { pointee, byte_size } => {
                // Reserve the slot first: a pointer may lead back to itself.
                let target = self.translate(di, scope, *pointee);
                di.pointer_type(target, byte_size * 8, &name)
            }
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
                    self.cache.borrow_mut().insert(id, temp);
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
                let elem = self.translate(di, scope, *element);
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
        self.cache.borrow_mut().insert(id, md);
        md
    }
}
