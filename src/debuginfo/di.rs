//! Thin wrappers over LLVM's C debug-info builder for what inkwell 0.11 does
//! not expose (qualified and replaceable types, bitfields, variables with
//! arbitrary expressions, declare records).  Written by hand because no crate
//! wraps these calls; each is a direct, documented LLVM-C entry point.
//!
//! Everything here works on raw `LLVMMetadataRef`s; callers get them from
//! inkwell objects with `as_mut_ptr()`.

use llvm_sys::debuginfo as di;
use llvm_sys::prelude::{
    LLVMBasicBlockRef, LLVMDIBuilderRef, LLVMMetadataRef, LLVMModuleRef, LLVMValueRef,
};

pub type Md = LLVMMetadataRef;

extern "C" {
    /// `src/debuginfo/di_arglist.cpp`.
    fn innative_dbg_value_list(
        values: *mut LLVMValueRef,
        count: u32,
        variable: Md,
        expression: Md,
        location: Md,
        block: LLVMBasicBlockRef,
        before: LLVMValueRef,
    );
    /// `src/debuginfo/global_debug_info.cpp`.
    fn innative_global_add_debug_info(global: LLVMValueRef, expression: Md);
    /// `src/debuginfo/variant_part.cpp`.
    fn innative_variant_member(
        builder: LLVMDIBuilderRef,
        scope: Md,
        name: *const libc_char,
        name_len: usize,
        file: Md,
        line: u32,
        size_bits: u64,
        offset_bits: u64,
        has_discr: i32,
        discr_value: u64,
        discr_bits: u32,
        ty: Md,
    ) -> Md;
    /// `src/debuginfo/variant_part.cpp`.
    fn innative_variant_part(
        builder: LLVMDIBuilderRef,
        scope: Md,
        file: Md,
        size_bits: u64,
        discriminator: Md,
        elements: *mut Md,
        count: u32,
    ) -> Md;
    /// `src/debuginfo/variant_part.cpp`.
    #[allow(clippy::too_many_arguments)]
    fn innative_scoped_enumeration(
        builder: LLVMDIBuilderRef,
        scope: Md,
        name: *const libc_char,
        name_len: usize,
        file: Md,
        line: u32,
        size_bits: u64,
        elements: *mut Md,
        count: u32,
        underlying: Md,
    ) -> Md;
    /// `src/debuginfo/variant_part.cpp`.
    fn innative_template_params(
        builder: LLVMDIBuilderRef,
        composite: Md,
        names: *const *const libc_char,
        name_lens: *const usize,
        types: *mut Md,
        count: u32,
    ) -> Md;
}

/// Attaches one more source variable (a DIGlobalVariableExpression) to
/// `global`, keeping those it has.
///
/// # Safety
///
/// `global` must be a global variable and `expression` a
/// DIGlobalVariableExpression of the same LLVM context.
pub unsafe fn add_global_debug_info(global: LLVMValueRef, expression: Md) {
    innative_global_add_debug_info(global, expression)
}

/// A DIBuilder and the compile unit / file it describes.  Its methods call
/// LLVM-C with them, so it is made only through the `unsafe` [`Di::new`].
#[derive(Clone, Copy, Debug)]
pub struct Di {
    builder: LLVMDIBuilderRef,
    file: Md,
}

fn s(x: &str) -> (*const libc_char, usize) {
    (x.as_ptr() as *const libc_char, x.len())
}

#[allow(non_camel_case_types)]
type libc_char = std::os::raw::c_char;

// SAFETY (whole impl): every call passes the builder this `Di` was made from,
// metadata created by it (or by LLVM for the same context), and string
// pointers with explicit lengths that outlive the call.
impl Di {
    /// # Safety
    ///
    /// `builder` must be a live DIBuilder and `file` a `DIFile` of the same
    /// LLVM context, both outliving every use of the returned `Di`.
    pub unsafe fn new(builder: LLVMDIBuilderRef, file: Md) -> Di {
        Di { builder, file }
    }

    /// The unit's file.
    pub fn file(&self) -> Md {
        self.file
    }

    /// A key naming the builder (one per unit), for caches.
    pub fn unit_key(&self) -> usize {
        self.builder as usize
    }

    /// The declaration of a static data member `name` of class `class`.
    pub fn static_member_type(&self, class: Md, name: &str, ty: Md) -> Md {
        let (n, l) = s(name);
        unsafe {
            di::LLVMDIBuilderCreateStaticMemberType(
                self.builder,
                class,
                n,
                l,
                self.file,
                0,
                ty,
                di::LLVMDIFlagZero,
                std::ptr::null_mut(),
                0,
            )
        }
    }

    pub fn basic_type(&self, name: &str, bits: u64, encoding: u32) -> Md {
        let (n, l) = s(name);
        unsafe { di::LLVMDIBuilderCreateBasicType(self.builder, n, l, bits, encoding, 0) }
    }

    pub fn unspecified_type(&self, name: &str) -> Md {
        let (n, l) = s(name);
        unsafe { di::LLVMDIBuilderCreateUnspecifiedType(self.builder, n, l) }
    }

    pub fn pointer_type(&self, pointee: Md, bits: u64, name: &str) -> Md {
        let (n, l) = s(name);
        unsafe { di::LLVMDIBuilderCreatePointerType(self.builder, pointee, bits, 0, 0, n, l) }
    }

    /// const/volatile/restrict (and other one-operand derived tags).
    pub fn qualified_type(&self, tag: u32, ty: Md) -> Md {
        unsafe { di::LLVMDIBuilderCreateQualifiedType(self.builder, tag, ty) }
    }

    pub fn reference_type(&self, tag: u32, ty: Md) -> Md {
        unsafe { di::LLVMDIBuilderCreateReferenceType(self.builder, tag, ty) }
    }

    pub fn typedef(&self, ty: Md, name: &str, line: u32, scope: Md) -> Md {
        let (n, l) = s(name);
        unsafe { di::LLVMDIBuilderCreateTypedef(self.builder, ty, n, l, self.file, line, scope, 0) }
    }

    /// A placeholder for a composite type, replaced once its members exist
    /// (composites can refer to themselves through pointers).
    pub fn replaceable_composite(
        &self,
        tag: u32,
        name: &str,
        scope: Md,
        line: u32,
        bits: u64,
    ) -> Md {
        let (n, l) = s(name);
        unsafe {
            di::LLVMDIBuilderCreateReplaceableCompositeType(
                self.builder,
                tag,
                n,
                l,
                scope,
                self.file,
                line,
                0,
                bits,
                0,
                0,
                std::ptr::null(),
                0,
            )
        }
    }

    pub fn member(
        &self,
        scope: Md,
        name: &str,
        line: u32,
        bits: u64,
        offset_bits: u64,
        ty: Md,
    ) -> Md {
        let (n, l) = s(name);
        unsafe {
            di::LLVMDIBuilderCreateMemberType(
                self.builder,
                scope,
                n,
                l,
                self.file,
                line,
                bits,
                0,
                offset_bits,
                0,
                ty,
            )
        }
    }

    /// An artificial member (a Rust enum's discriminant).
    pub fn artificial_member(&self, scope: Md, bits: u64, offset_bits: u64, ty: Md) -> Md {
        unsafe {
            di::LLVMDIBuilderCreateMemberType(
                self.builder,
                scope,
                std::ptr::null(),
                0,
                self.file,
                0,
                bits,
                0,
                offset_bits,
                di::LLVMDIFlagArtificial,
                ty,
            )
        }
    }

    /// The member of a variant part of struct `scope` that holds the value
    /// when the discriminant, `discr_bits` wide, is `discr` (None: the
    /// default variant).
    #[allow(clippy::too_many_arguments)]
    pub fn variant_member(
        &self,
        scope: Md,
        name: &str,
        bits: u64,
        offset_bits: u64,
        discr: Option<u64>,
        discr_bits: u32,
        ty: Md,
    ) -> Md {
        let (n, l) = s(name);
        unsafe {
            innative_variant_member(
                self.builder,
                scope,
                n,
                l,
                self.file,
                0,
                bits,
                offset_bits,
                discr.is_some() as i32,
                discr.unwrap_or(0),
                discr_bits,
                ty,
            )
        }
    }

    /// A variant part of struct `scope` choosing between `members` (see
    /// [`Di::variant_member`]) by `discriminator` (null: none).
    pub fn variant_part(&self, scope: Md, bits: u64, discriminator: Md, members: &mut [Md]) -> Md {
        unsafe {
            innative_variant_part(
                self.builder,
                scope,
                self.file,
                bits,
                discriminator,
                members.as_mut_ptr(),
                members.len() as u32,
            )
        }
    }

    /// `composite` (a struct) with template type parameters `params` (name,
    /// type); the result replaces `composite`.
    pub fn template_params(&self, composite: Md, params: &[(&str, Md)]) -> Md {
        let names: Vec<*const libc_char> = params.iter().map(|(n, _)| s(n).0).collect();
        let lens: Vec<usize> = params.iter().map(|(n, _)| n.len()).collect();
        let mut types: Vec<Md> = params.iter().map(|(_, t)| *t).collect();
        unsafe {
            innative_template_params(
                self.builder,
                composite,
                names.as_ptr(),
                lens.as_ptr(),
                types.as_mut_ptr(),
                params.len() as u32,
            )
        }
    }

    /// A base class subobject of `derived` (C++ inheritance), starting
    /// `offset_bits` into it.
    pub fn inheritance(&self, derived: Md, base: Md, offset_bits: u64) -> Md {
        unsafe {
            di::LLVMDIBuilderCreateInheritance(
                self.builder,
                derived,
                base,
                offset_bits,
                0,
                di::LLVMDIFlagZero,
            )
        }
    }

    /// A bitfield: `storage_offset_bits` is where its storage unit starts.
    pub fn bitfield(
        &self,
        scope: Md,
        name: &str,
        line: u32,
        bits: u64,
        offset_bits: u64,
        storage_offset_bits: u64,
        ty: Md,
    ) -> Md {
        let (n, l) = s(name);
        unsafe {
            di::LLVMDIBuilderCreateBitFieldMemberType(
                self.builder,
                scope,
                n,
                l,
                self.file,
                line,
                bits,
                offset_bits,
                storage_offset_bits,
                0,
                ty,
            )
        }
    }

    pub fn struct_type(
        &self,
        name: &str,
        scope: Md,
        line: u32,
        bits: u64,
        members: &mut [Md],
    ) -> Md {
        let (n, l) = s(name);
        unsafe {
            di::LLVMDIBuilderCreateStructType(
                self.builder,
                scope,
                n,
                l,
                self.file,
                line,
                bits,
                0,
                0,
                std::ptr::null_mut(),
                members.as_mut_ptr(),
                members.len() as u32,
                0,
                std::ptr::null_mut(),
                std::ptr::null(),
                0,
            )
        }
    }

    pub fn union_type(
        &self,
        name: &str,
        scope: Md,
        line: u32,
        bits: u64,
        members: &mut [Md],
    ) -> Md {
        let (n, l) = s(name);
        unsafe {
            di::LLVMDIBuilderCreateUnionType(
                self.builder,
                scope,
                n,
                l,
                self.file,
                line,
                bits,
                0,
                0,
                members.as_mut_ptr(),
                members.len() as u32,
                0,
                std::ptr::null(),
                0,
            )
        }
    }

    pub fn forward_declaration(&self, tag: u32, name: &str, scope: Md, line: u32) -> Md {
        let (n, l) = s(name);
        unsafe {
            di::LLVMDIBuilderCreateForwardDecl(
                self.builder,
                tag,
                n,
                l,
                scope,
                self.file,
                line,
                0,
                0,
                0,
                std::ptr::null(),
                0,
            )
        }
    }

    pub fn replace(&self, temporary: Md, replacement: Md) {
        unsafe { di::LLVMMetadataReplaceAllUsesWith(temporary, replacement) }
    }

    /// An array; `counts` per dimension, -1 for unknown (flexible).
    /// An array type; `vector`: a SIMD vector type (`DW_AT_GNU_vector`).
    pub fn array_type(&self, element: Md, bits: u64, counts: &[i64], vector: bool) -> Md {
        // Broken DWARF can leave the element type out; LLVM's verifier
        // requires one (issue 18 fuzzing).
        let element = if element.is_null() {
            self.unspecified_type("void")
        } else {
            element
        };
        let mut subs: Vec<Md> = counts
            .iter()
            .map(|c| unsafe { di::LLVMDIBuilderGetOrCreateSubrange(self.builder, 0, *c) })
            .collect();
        unsafe {
            if vector {
                // 16-byte vectors are 16-byte aligned, as clang describes them.
                di::LLVMDIBuilderCreateVectorType(
                    self.builder,
                    bits,
                    bits.min(128) as u32,
                    element,
                    subs.as_mut_ptr(),
                    subs.len() as u32,
                )
            } else {
                di::LLVMDIBuilderCreateArrayType(
                    self.builder,
                    bits,
                    0,
                    element,
                    subs.as_mut_ptr(),
                    subs.len() as u32,
                )
            }
        }
    }

    pub fn enumeration(
        &self,
        name: &str,
        scope: Md,
        line: u32,
        bits: u64,
        values: &[(String, i64)],
        unsigned: bool,
        scoped: bool,
        underlying: Md,
    ) -> Md {
        let mut enumerators: Vec<Md> = values
            .iter()
            .map(|(n, v)| {
                let (p, l) = s(n);
                unsafe {
                    di::LLVMDIBuilderCreateEnumerator(self.builder, p, l, *v, unsigned as i32)
                }
            })
            .collect();
        let (n, l) = s(name);
        if scoped {
            return unsafe {
                innative_scoped_enumeration(
                    self.builder,
                    scope,
                    n,
                    l,
                    self.file,
                    line,
                    bits,
                    enumerators.as_mut_ptr(),
                    enumerators.len() as u32,
                    underlying,
                )
            };
        }
        unsafe {
            di::LLVMDIBuilderCreateEnumerationType(
                self.builder,
                scope,
                n,
                l,
                self.file,
                line,
                bits,
                0,
                enumerators.as_mut_ptr(),
                enumerators.len() as u32,
                underlying,
            )
        }
    }

    /// A subroutine type; `types[0]` is the result (null for void).
    pub fn subroutine_type(&self, types: &mut [Md]) -> Md {
        unsafe {
            di::LLVMDIBuilderCreateSubroutineType(
                self.builder,
                self.file,
                types.as_mut_ptr(),
                types.len() as u32,
                0,
            )
        }
    }

    pub fn namespace(&self, parent: Md, name: &str) -> Md {
        let (n, l) = s(name);
        unsafe { di::LLVMDIBuilderCreateNameSpace(self.builder, parent, n, l, 0) }
    }

    pub fn expression(&self, ops: &[u64]) -> Md {
        let mut ops = ops.to_vec();
        unsafe { di::LLVMDIBuilderCreateExpression(self.builder, ops.as_mut_ptr(), ops.len()) }
    }

    pub fn parameter(&self, scope: Md, name: &str, arg_no: u32, file: Md, line: u32, ty: Md) -> Md {
        let (n, l) = s(name);
        unsafe {
            di::LLVMDIBuilderCreateParameterVariable(
                self.builder,
                scope,
                n,
                l,
                arg_no,
                file,
                line,
                ty,
                1,
                0,
            )
        }
    }

    pub fn auto_variable(&self, scope: Md, name: &str, file: Md, line: u32, ty: Md) -> Md {
        let (n, l) = s(name);
        unsafe {
            di::LLVMDIBuilderCreateAutoVariable(self.builder, scope, n, l, file, line, ty, 1, 0, 0)
        }
    }

    /// `#dbg_declare(storage, var, expr)` before the instruction `before`.
    pub fn declare(
        &self,
        module: LLVMModuleRef,
        storage: LLVMValueRef,
        var: Md,
        expr: Md,
        loc: Md,
        before: LLVMValueRef,
    ) {
        unsafe {
            // LLVM 19 records (not intrinsics) are the only form LLVM-C inserts.
            if llvm_sys::core::LLVMIsNewDbgInfoFormat(module) == 0 {
                llvm_sys::core::LLVMSetIsNewDbgInfoFormat(module, 1);
            }
            di::LLVMDIBuilderInsertDeclareRecordBefore(
                self.builder,
                storage,
                var,
                expr,
                loc,
                before,
            );
        }
    }

    /// A `#dbg_value(value, var, expr)` record before `before` (an
    /// instruction of `block`) or, when null, at the end of `block`.
    pub fn value_record(
        &self,
        value: LLVMValueRef,
        var: Md,
        expr: &[u64],
        loc: Md,
        block: LLVMBasicBlockRef,
        before: LLVMValueRef,
    ) {
        let expr = self.expression(expr);
        unsafe {
            if before.is_null() {
                di::LLVMDIBuilderInsertDbgValueRecordAtEnd(
                    self.builder,
                    value,
                    var,
                    expr,
                    loc,
                    block,
                );
            } else {
                di::LLVMDIBuilderInsertDbgValueRecordBefore(
                    self.builder,
                    value,
                    var,
                    expr,
                    loc,
                    before,
                );
            }
        }
    }

    /// A `#dbg_value(!DIArgList(values...), var, expr)` record placed like
    /// [`Di::value_record`] (`DW_OP_LLVM_arg N` in `expr` names `values[N]`).
    pub fn value_list_record(
        &self,
        values: &[LLVMValueRef],
        var: Md,
        expr: &[u64],
        loc: Md,
        block: LLVMBasicBlockRef,
        before: LLVMValueRef,
    ) {
        let expr = self.expression(expr);
        let mut values = values.to_vec();
        // SAFETY: values of the function being built, metadata of its context.
        unsafe {
            innative_dbg_value_list(
                values.as_mut_ptr(),
                values.len() as u32,
                var,
                expr,
                loc,
                block,
                before,
            );
        }
    }

    /// A global variable whose address is `expr` applied to `global`'s address.
    #[allow(clippy::too_many_arguments)]
    pub fn global_variable(
        &self,
        scope: Md,
        name: &str,
        linkage: &str,
        file: Md,
        line: u32,
        ty: Md,
        local: bool,
        expr: Md,
    ) -> Md {
        let (n, l) = s(name);
        let (k, kl) = s(linkage);
        unsafe {
            di::LLVMDIBuilderCreateGlobalVariableExpression(
                self.builder,
                scope,
                n,
                l,
                k,
                kl,
                file,
                line,
                ty,
                local as i32,
                expr,
                std::ptr::null_mut(),
                0,
            )
        }
    }
}

/// DWARF constants used when building expressions and types, as LLVM's C
/// API takes them (`u64` expression operators, `u32` tags and encodings),
/// from `gimli::constants`.
pub mod dw {
    use innative_dwarf::gimli::constants as c;

    pub const OP_DEREF: u64 = c::DW_OP_deref.0 as u64;
    pub const OP_DUP: u64 = c::DW_OP_dup.0 as u64;
    pub const OP_OVER: u64 = c::DW_OP_over.0 as u64;
    pub const OP_SWAP: u64 = c::DW_OP_swap.0 as u64;
    pub const OP_MUL: u64 = c::DW_OP_mul.0 as u64;
    pub const OP_PLUS: u64 = c::DW_OP_plus.0 as u64;
    pub const OP_PLUS_UCONST: u64 = c::DW_OP_plus_uconst.0 as u64;
    pub const OP_NE: u64 = c::DW_OP_ne.0 as u64;
    pub const OP_EQ: u64 = c::DW_OP_eq.0 as u64;
    pub const OP_LIT0: u64 = c::DW_OP_lit0.0 as u64;
    pub const OP_CONSTU: u64 = c::DW_OP_constu.0 as u64;
    pub const OP_CONSTS: u64 = c::DW_OP_consts.0 as u64;
    pub const OP_MINUS: u64 = c::DW_OP_minus.0 as u64;
    pub const OP_DEREF_SIZE: u64 = c::DW_OP_deref_size.0 as u64;
    pub const OP_AND: u64 = c::DW_OP_and.0 as u64;
    pub const OP_PUSH_OBJECT_ADDRESS: u64 = c::DW_OP_push_object_address.0 as u64;
    pub const OP_STACK_VALUE: u64 = c::DW_OP_stack_value.0 as u64;
    pub const TAG_CONST: u32 = c::DW_TAG_const_type.0 as u32;
    pub const TAG_VOLATILE: u32 = c::DW_TAG_volatile_type.0 as u32;
    pub const TAG_RESTRICT: u32 = c::DW_TAG_restrict_type.0 as u32;
    pub const TAG_STRUCTURE: u32 = c::DW_TAG_structure_type.0 as u32;
    pub const TAG_UNION: u32 = c::DW_TAG_union_type.0 as u32;
    pub const TAG_CLASS: u32 = c::DW_TAG_class_type.0 as u32;
    pub const TAG_REFERENCE: u32 = c::DW_TAG_reference_type.0 as u32;
    pub const TAG_RVALUE_REFERENCE: u32 = c::DW_TAG_rvalue_reference_type.0 as u32;
    pub const ATE_UNSIGNED: u32 = c::DW_ATE_unsigned.0 as u32;
    pub const LANG_C89: u16 = c::DW_LANG_C89.0;
    pub const LANG_C99: u16 = c::DW_LANG_C99.0;
    pub const LANG_C11: u16 = c::DW_LANG_C11.0;
    pub const LANG_RUST: u16 = c::DW_LANG_Rust.0;
    /// The C++ languages innative debugs as C++ (expressions, `this`).
    pub const LANG_CXX: [u16; 4] = [
        c::DW_LANG_C_plus_plus.0,
        c::DW_LANG_C_plus_plus_11.0,
        c::DW_LANG_C_plus_plus_14.0,
        c::DW_LANG_C_plus_plus_20.0,
    ];

    /// Whether `language` is one of [`LANG_CXX`].
    pub fn is_cxx(language: u16) -> bool {
        LANG_CXX.contains(&language)
    }

    /// Whether a unit of `language` declares its types (and, for Rust, its
    /// functions) in namespaces that the native DWARF must repeat: C++, and
    /// Rust, whose debuggers name everything by its path (`shapes::area`,
    /// `shapes::Point`) from the DW_TAG_namespace nesting.
    pub fn has_namespaces(language: u16) -> bool {
        is_cxx(language) || language == LANG_RUST
    }
}
