//! The runtime as the generated code sees it: LLVM types mirroring the structs
//! of `runtime/include/innative.h`, declarations of the runtime functions, and
//! the mapping from wasm value types to LLVM types.

use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::context::Context;
use inkwell::module::{Linkage, Module};
use inkwell::types::{BasicMetadataTypeEnum, BasicType, BasicTypeEnum, FunctionType, StructType};
use inkwell::values::{FunctionValue, GlobalValue};
use inkwell::AddressSpace;
use wasmparser::{FuncType, ValType};

/// Trap kinds, as in `enum innative_trap_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum TrapKind {
    Unreachable = 1,
    MemoryOutOfBounds = 2,
    TableOutOfBounds = 3,
    UndefinedElement = 4,
    UninitializedElement = 5,
    IndirectCallType = 6,
    DivideByZero = 7,
    IntegerOverflow = 8,
    BadConversion = 9,
    StackExhausted = 10,
    NullReference = 12,
    NullFunctionReference = 14,
    NullExceptionReference = 15,
}

/// Field indices of `innative_memory`.
#[allow(dead_code)] // field 0 is read through the struct's own address
pub const MEMORY_BASE: u32 = 0;
pub const MEMORY_SIZE: u32 = 1;
/// Field indices of `innative_table`.
pub const TABLE_ELEMS: u32 = 0;
pub const TABLE_SIZE: u32 = 1;
/// Field indices of `innative_func`.
pub const FUNC_CODE: u32 = 0;
pub const FUNC_SIG: u32 = 1;

/// Types and runtime declarations shared by everything lowered into one LLVM module.
pub struct Runtime<'ctx> {
    pub context: &'ctx Context,
    pub i8: inkwell::types::IntType<'ctx>,
    pub i32: inkwell::types::IntType<'ctx>,
    pub i64: inkwell::types::IntType<'ctx>,
    pub f32: inkwell::types::FloatType<'ctx>,
    pub f64: inkwell::types::FloatType<'ctx>,
    pub ptr: inkwell::types::PointerType<'ctx>,
    /// `innative_memory`: { ptr base, i64 size, i32 max_pages, i32 flags, i64 reserved }
    pub memory: StructType<'ctx>,
    /// `innative_table`: { ptr elems, i32 size, i32 max }
    pub table: StructType<'ctx>,
    /// `innative_func`: { ptr code, i32 sig, i32 index, ptr module }
    pub func: StructType<'ctx>,
    /// `innative_tag`: { ptr name, i32 nparams, i32 reserved }
    pub tag: StructType<'ctx>,
    /// Exception handling (runtime/exceptions.c); `setjmp` is libc's `_setjmp`.
    pub try_enter: FunctionValue<'ctx>,
    pub try_leave: FunctionValue<'ctx>,
    pub try_exception: FunctionValue<'ctx>,
    pub throw: FunctionValue<'ctx>,
    pub rethrow: FunctionValue<'ctx>,
    pub setjmp: FunctionValue<'ctx>,
    /// `innative_global`: 16 bytes, 16-aligned.
    pub global_cell: inkwell::types::ArrayType<'ctx>,
    /// `innative_module`.
    pub module_desc: StructType<'ctx>,
    pub trap: FunctionValue<'ctx>,
    pub sig_intern: FunctionValue<'ctx>,
    pub register_module: FunctionValue<'ctx>,
    pub memory_new: FunctionValue<'ctx>,
    pub memory_grow: FunctionValue<'ctx>,
    pub memory_init: FunctionValue<'ctx>,
    pub memory_copy: FunctionValue<'ctx>,
    pub memory_fill: FunctionValue<'ctx>,
    /// The memory64 counterparts (runtime/memory64.c).
    pub memory_new64: FunctionValue<'ctx>,
    pub memory_grow64: FunctionValue<'ctx>,
    pub memory_init64: FunctionValue<'ctx>,
    pub memory_copy64: FunctionValue<'ctx>,
    pub memory_fill64: FunctionValue<'ctx>,
    pub table_new: FunctionValue<'ctx>,
    pub table_grow: FunctionValue<'ctx>,
    pub table_init: FunctionValue<'ctx>,
    pub table_shadow: FunctionValue<'ctx>,
    pub table_copy: FunctionValue<'ctx>,
    pub table_fill: FunctionValue<'ctx>,
    pub stack_limit: GlobalValue<'ctx>,
}

impl<'ctx> Runtime<'ctx> {
    pub fn declare(context: &'ctx Context, module: &Module<'ctx>) -> Self {
        let i8 = context.i8_type();
        let i32 = context.i32_type();
        let i64 = context.i64_type();
        let ptr = context.ptr_type(AddressSpace::default());
        let void = context.void_type();
        let memory = context.struct_type(
            &[ptr.into(), i64.into(), i32.into(), i32.into(), i64.into()],
            false,
        );
        let table = context.struct_type(&[ptr.into(), i32.into(), i32.into()], false);
        let func = context.struct_type(&[ptr.into(), i32.into(), i32.into(), ptr.into()], false);
        let module_desc = context.struct_type(
            &[
                i32.into(), // abi_version
                i32.into(), // num_imports
                ptr.into(), // name
                ptr.into(), // imports
                i32.into(), // num_exports
                i32.into(), // num_functions
                ptr.into(), // exports
                ptr.into(), // invokers
                ptr.into(), // init
                ptr.into(), // start
                ptr.into(), // func_code
                ptr.into(), // func_names
            ],
            false,
        );
        let declare = |name: &str, ty: FunctionType<'ctx>| {
            let f = module.add_function(name, ty, Some(Linkage::External));
            let nounwind = Attribute::get_named_enum_kind_id("nounwind");
            f.add_attribute(
                AttributeLoc::Function,
                context.create_enum_attribute(nounwind, 0),
            );
            f
        };
        let p = |t: &[BasicMetadataTypeEnum<'ctx>]| void.fn_type(t, false);
        let trap = declare("innative_trap", p(&[i32.into()]));
        for attr in ["noreturn", "cold"] {
            let id = Attribute::get_named_enum_kind_id(attr);
            trap.add_attribute(AttributeLoc::Function, context.create_enum_attribute(id, 0));
        }
        let throw = declare("innative_throw", p(&[ptr.into(), ptr.into(), i32.into()]));
        let rethrow = declare("innative_rethrow", p(&[ptr.into()]));
        for f in [throw, rethrow] {
            let id = Attribute::get_named_enum_kind_id("noreturn");
            f.add_attribute(AttributeLoc::Function, context.create_enum_attribute(id, 0));
        }
        // Not `nounwind`-only like the others: it returns twice.
        let setjmp = module.add_function(
            "_setjmp",
            i32.fn_type(&[ptr.into()], false),
            Some(Linkage::External),
        );
        for attr in ["returns_twice", "nounwind"] {
            let id = Attribute::get_named_enum_kind_id(attr);
            setjmp.add_attribute(AttributeLoc::Function, context.create_enum_attribute(id, 0));
        }
        let stack_limit = module.add_global(ptr, None, "innative_stack_limit");
        stack_limit.set_linkage(Linkage::External);
        Runtime {
            context,
            i8,
            i32,
            i64,
            f32: context.f32_type(),
            f64: context.f64_type(),
            ptr,
            memory,
            table,
            func,
            global_cell: i64.array_type(2),
            tag: context.struct_type(&[ptr.into(), i32.into(), i32.into()], false),
            try_enter: declare("innative_try_enter", p(&[ptr.into()])),
            try_leave: declare("innative_try_leave", p(&[ptr.into()])),
            try_exception: declare("innative_try_exception", ptr.fn_type(&[ptr.into()], false)),
            throw,
            rethrow,
            setjmp,
            module_desc,
            trap,
            sig_intern: declare("innative_sig_intern", i32.fn_type(&[ptr.into()], false)),
            register_module: declare("innative_register_module", p(&[ptr.into()])),
            memory_new: declare(
                "innative_memory_new",
                p(&[ptr.into(), i32.into(), i32.into()]),
            ),
            memory_grow: declare(
                "innative_memory_grow",
                i32.fn_type(&[ptr.into(), i32.into()], false),
            ),
            memory_init: declare(
                "innative_memory_init",
                p(&[
                    ptr.into(),
                    i32.into(),
                    ptr.into(),
                    i32.into(),
                    i32.into(),
                    i32.into(),
                ]),
            ),
            memory_copy: declare(
                "innative_memory_copy",
                p(&[ptr.into(), ptr.into(), i32.into(), i32.into(), i32.into()]),
            ),
            memory_fill: declare(
                "innative_memory_fill",
                p(&[ptr.into(), i32.into(), i32.into(), i32.into()]),
            ),
            memory_new64: declare(
                "innative_memory_new64",
                p(&[ptr.into(), i64.into(), i64.into()]),
            ),
            memory_grow64: declare(
                "innative_memory_grow64",
                i64.fn_type(&[ptr.into(), i64.into()], false),
            ),
            memory_init64: declare(
                "innative_memory_init64",
                p(&[
                    ptr.into(),
                    i64.into(),
                    ptr.into(),
                    i32.into(),
                    i32.into(),
                    i32.into(),
                ]),
            ),
            memory_copy64: declare(
                "innative_memory_copy64",
                p(&[ptr.into(), ptr.into(), i64.into(), i64.into(), i64.into()]),
            ),
            memory_fill64: declare(
                "innative_memory_fill64",
                p(&[ptr.into(), i64.into(), i32.into(), i64.into()]),
            ),
            table_new: declare(
                "innative_table_new",
                p(&[ptr.into(), i32.into(), i32.into(), ptr.into()]),
            ),
            table_grow: declare(
                "innative_table_grow",
                i32.fn_type(&[ptr.into(), ptr.into(), i32.into()], false),
            ),
            table_init: declare(
                "innative_table_init",
                p(&[
                    ptr.into(),
                    i32.into(),
                    ptr.into(),
                    i32.into(),
                    i32.into(),
                    i32.into(),
                ]),
            ),
            table_shadow: declare(
                "innative_table_shadow",
                p(&[ptr.into(), ptr.into(), ptr.into(), i32.into()]),
            ),
            table_copy: declare(
                "innative_table_copy",
                p(&[ptr.into(), ptr.into(), i32.into(), i32.into(), i32.into()]),
            ),
            table_fill: declare(
                "innative_table_fill",
                p(&[ptr.into(), i32.into(), ptr.into(), i32.into()]),
            ),
            stack_limit,
        }
    }

    /// The LLVM type of a wasm value type.
    pub fn val_type(&self, ty: ValType) -> BasicTypeEnum<'ctx> {
        match ty {
            ValType::I32 => self.i32.into(),
            ValType::I64 => self.i64.into(),
            ValType::F32 => self.f32.into(),
            ValType::F64 => self.f64.into(),
            ValType::V128 => super::simd::v128_type(self.context).into(),
            ValType::Ref(_) => self.ptr.into(),
        }
    }

    /// The natural native signature of a wasm function type: several results
    /// come back as an LLVM struct.
    pub fn fn_type(&self, ty: &FuncType) -> FunctionType<'ctx> {
        let params: Vec<BasicMetadataTypeEnum> = ty
            .params()
            .iter()
            .map(|t| self.val_type(*t).into())
            .collect();
        match ty.results() {
            [] => self.context.void_type().fn_type(&params, false),
            [one] => self.val_type(*one).fn_type(&params, false),
            many => self.results_struct(many).fn_type(&params, false),
        }
    }

    /// The struct that carries several results.
    pub fn results_struct(&self, results: &[ValType]) -> StructType<'ctx> {
        let fields: Vec<BasicTypeEnum> = results.iter().map(|t| self.val_type(*t)).collect();
        self.context.struct_type(&fields, false)
    }

    /// Loads a pointer that stays the same while wasm code runs: the stack
    /// limit (set when a thread enters wasm code) and a memory's base (its
    /// reservation never moves, see runtime/memory.c).  `!invariant.load`
    /// lets LLVM merge the copies that inlining brings into one function, so
    /// an inlined callee keeps neither its own stack check nor a reload of
    /// the base (nor their line-0 instructions at the start of the inlined
    /// range, where lldb would put a breakpoint on the function).  Only
    /// function bodies use it: they run after the init function wrote both.
    pub fn invariant_load(
        &self,
        b: &inkwell::builder::Builder<'ctx>,
        address: inkwell::values::PointerValue<'ctx>,
        name: &str,
    ) -> Result<inkwell::values::PointerValue<'ctx>, inkwell::builder::BuilderError> {
        Ok(self
            .invariant_load_of(b, self.ptr.into(), address, name)?
            .into_pointer_value())
    }

    /// A load of a `ty` value marked `!invariant.load`: the location never
    /// changes while generated code runs (it is written before any of it).
    pub fn invariant_load_of(
        &self,
        b: &inkwell::builder::Builder<'ctx>,
        ty: inkwell::types::BasicTypeEnum<'ctx>,
        address: inkwell::values::PointerValue<'ctx>,
        name: &str,
    ) -> Result<inkwell::values::BasicValueEnum<'ctx>, inkwell::builder::BuilderError> {
        let value = b.build_load(ty, address, name)?;
        if let Some(load) = inkwell::values::BasicValue::as_instruction_value(&value) {
            let kind = self.context.get_kind_id("invariant.load");
            // set_metadata fails only for a non-instruction value.
            let _ = load.set_metadata(self.context.metadata_node(&[]), kind);
        }
        Ok(value)
    }

    /// Zero of a value type (locals start at zero; null for references).
    pub fn zero(&self, ty: ValType) -> inkwell::values::BasicValueEnum<'ctx> {
        self.val_type(ty).const_zero()
    }
}
