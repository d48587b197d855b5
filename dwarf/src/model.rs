//! The provenance model: what the DWARF says about the program, in plain
//! Rust types, with the lookups the compiler needs.

use std::ops::Range;

/// A source file named by a line table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The directory, as written (may be relative to the unit's `comp_dir`).
    pub directory: String,
    /// The file name (absolute, or relative to `directory`).
    pub name: String,
}

impl SourceFile {
    /// `directory/name`, or `name` when it is already absolute.
    pub fn path(&self) -> String {
        if self.name.starts_with('/') || self.directory.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.directory.trim_end_matches('/'), self.name)
        }
    }
}

/// A compile unit.
#[derive(Debug, Clone, Default)]
pub struct Unit {
    /// `DW_AT_name`: the primary source file.
    pub name: String,
    /// `DW_AT_comp_dir`: the compilation directory.
    pub comp_dir: String,
    /// `DW_AT_producer`: the compiler that wrote the unit.
    pub producer: String,
    /// `DW_AT_language`.
    pub language: u16,
    /// The DWARF version of the unit.
    pub version: u16,
    /// Files of the unit's line table, by line-table file index.
    pub files: Vec<Option<SourceFile>>,
}

/// One row of a line table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRow {
    /// The code offset (wasm DWARF address) the row starts at.
    pub address: u64,
    /// Index into [`Provenance::units`].
    pub unit: usize,
    /// Index into the unit's `files`.
    pub file: usize,
    /// 0 means "no source line" (compiler-generated code).
    pub line: u32,
    /// 1-based; 0 means no column.
    pub column: u32,
    /// A recommended breakpoint location.
    pub is_stmt: bool,
    /// Where the function's prologue ends.
    pub prologue_end: bool,
    /// The first address after a sequence (not code itself).
    pub end_sequence: bool,
}

/// What a nested scope is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeKind {
    /// `DW_TAG_lexical_block`.
    LexicalBlock,
    /// Code of `callee` inlined at `call_file:call_line:call_column`.
    Inlined {
        /// Index into [`Provenance::subprograms`] (the abstract instance).
        callee: usize,
        /// File of the call (index into the unit's files).
        call_file: Option<usize>,
        /// Line of the call.
        call_line: u32,
        /// Column of the call.
        call_column: u32,
    },
}

/// A lexical block or an inlined call inside a subprogram.
#[derive(Debug, Clone)]
pub struct Scope {
    /// A lexical block or an inlined call.
    pub kind: ScopeKind,
    /// Code offsets the scope covers.
    pub ranges: Vec<Range<u64>>,
    /// Nested scopes.
    pub children: Vec<Scope>,
    /// Variables declared in this scope (for an inlined call: the callee's
    /// parameters and locals as instantiated here).
    pub variables: Vec<Variable>,
}

/// Index into [`Provenance::types`].
pub type TypeId = usize;

/// One operation of a wasm DWARF location expression, as far as innative
/// understands them; anything else is [`LocOp::Unsupported`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocOp {
    /// `DW_OP_WASM_location 0 N`: the value of wasm local N.
    WasmLocal(u32),
    /// `DW_OP_WASM_location 1/3 N`: the value of wasm global N.
    WasmGlobal(u32),
    /// `DW_OP_WASM_location 2 N`: wasm operand-stack entry N.
    WasmStack(u32),
    /// `DW_OP_fbreg`.
    Fbreg(i64),
    /// `DW_OP_addr`: a linear-memory address.
    Addr(u64),
    /// `DW_OP_plus_uconst`.
    PlusUconst(u64),
    /// `DW_OP_constu`/`consts`/`litN`.
    Const(i64),
    /// `DW_OP_plus`.
    Plus,
    /// `DW_OP_minus`.
    Minus,
    /// A stack operation with no operands and no state (`DW_OP_mul`,
    /// `DW_OP_shl`, `DW_OP_and`, `DW_OP_neg`, comparisons, `DW_OP_dup`…),
    /// by its DWARF opcode.
    Arith(u8),
    /// `DW_OP_deref`.
    Deref,
    /// `DW_OP_deref_size`.
    DerefSize(u8),
    /// `DW_OP_stack_value`: the expression computes the value, not its place.
    StackValue,
    /// `DW_OP_piece N`.
    Piece(u64),
    /// Any other operation, by its DWARF opcode.
    Unsupported(u8),
}

/// Where a variable lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// No location (optimized out).
    None,
    /// One expression for the whole scope.
    Expr(Vec<LocOp>),
    /// A location list: (code-address range, expression) pairs.
    List(Vec<(Range<u64>, Vec<LocOp>)>),
}

/// A parameter or variable.
#[derive(Debug, Clone)]
pub struct Variable {
    /// `DW_AT_name`.
    pub name: Option<String>,
    /// `DW_AT_linkage_name` (C++ globals: the mangled name debuggers use to
    /// name and find them).
    pub linkage_name: Option<String>,
    /// `DW_AT_type`.
    pub ty: Option<TypeId>,
    /// Where the variable lives.
    pub location: Location,
    /// `DW_AT_const_value` (integers; bytes of blocks as little-endian).
    pub const_value: Option<i64>,
    /// `DW_AT_decl_file` (index into the unit's files).
    pub file: Option<usize>,
    /// `DW_AT_decl_line` (0: unknown).
    pub line: u32,
    /// A formal parameter (`DW_TAG_formal_parameter`).
    pub is_parameter: bool,
    /// `DW_AT_artificial` (`this`, compiler-made variables).
    pub artificial: bool,
    /// `DW_AT_external` (here or on the declaration a definition's
    /// `DW_AT_specification` names): a global with external linkage; a C
    /// `static` global has none.
    pub external: bool,
}

/// A member of a struct, union or class.
#[derive(Debug, Clone)]
pub struct Member {
    /// `DW_AT_name` (None: anonymous).
    pub name: Option<String>,
    /// `DW_AT_type`.
    pub ty: Option<TypeId>,
    /// Byte offset of the member's storage.
    pub offset: u64,
    /// For bitfields: width and offset in bits from the start of the object.
    pub bit_size: Option<u64>,
    /// See `bit_size`.
    pub bit_offset: Option<u64>,
    /// A static data member (C++): a declaration with no storage in the
    /// object; its definition is a global named `Class::member`.
    pub is_static: bool,
    /// A base class subobject (C++ `DW_TAG_inheritance`): unnamed, `ty` is
    /// the base class, `offset` where its subobject starts.
    pub is_base: bool,
}

/// A `DW_TAG_variant_part` of a struct (how rustc describes an enum with
/// data): the discriminant and the variants it chooses between.
#[derive(Debug, Clone, Default)]
pub struct VariantPart {
    /// The member `DW_AT_discr` names (artificial, unnamed in rustc's
    /// DWARF); None when the part has no discriminant.
    pub discr: Option<Member>,
    /// The `DW_TAG_variant` children, in order.
    pub variants: Vec<Variant>,
}

/// One `DW_TAG_variant`: the member it holds when the discriminant has
/// `discr_value` (None: the default variant, e.g. `Some` of a niche-filled
/// `Option<&T>`).
#[derive(Debug, Clone)]
pub struct Variant {
    /// `DW_AT_discr_value`, as the raw bits of the constant.
    pub discr_value: Option<u64>,
    /// The variant's member (a struct named after the variant, e.g.
    /// `Circle`, at offset 0 in rustc's DWARF).
    pub member: Member,
}

/// What a type is.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// `DW_TAG_base_type` with its `DW_ATE_*` encoding.
    Base {
        /// The `DW_ATE_*` encoding.
        encoding: u8,
        /// Size in bytes.
        byte_size: u64,
    },
    /// `DW_TAG_pointer_type`.
    Pointer {
        /// The pointed-to type (None: `void`).
        pointee: Option<TypeId>,
        /// Size in bytes (4 for wasm32).
        byte_size: u64,
    },
    /// `DW_TAG_reference_type` / `DW_TAG_rvalue_reference_type` (C++).
    Reference {
        /// The referenced type.
        pointee: Option<TypeId>,
        /// An rvalue reference (`&&`).
        rvalue: bool,
    },
    /// `DW_TAG_const_type`.
    Const(Option<TypeId>),
    /// `DW_TAG_volatile_type`.
    Volatile(Option<TypeId>),
    /// `DW_TAG_restrict_type`.
    Restrict(Option<TypeId>),
    /// `DW_TAG_typedef`.
    Typedef(Option<TypeId>),
    /// `DW_TAG_structure_type` / `class_type` / `union_type`.
    Composite {
        /// The DWARF tag.
        tag: u16,
        /// Size in bytes.
        byte_size: u64,
        /// Members, bases and static members, in order.
        members: Vec<Member>,
        /// A declaration only (`DW_AT_declaration`): defined elsewhere.
        declaration: bool,
        /// A `DW_TAG_variant_part` (a Rust enum with data, `Option`): which
        /// of several members holds the value, chosen by a discriminant.
        variant_part: Option<VariantPart>,
        /// `DW_TAG_template_type_parameter` children: (name, type).
        template_params: Vec<(String, Option<TypeId>)>,
    },
    /// `DW_TAG_enumeration_type`.
    Enum {
        /// Size in bytes.
        byte_size: u64,
        /// The underlying integer type.
        underlying: Option<TypeId>,
        /// Enumerators (name, value).
        enumerators: Vec<(String, i64)>,
        /// The enumerators are unsigned.
        unsigned: bool,
        /// `DW_AT_enum_class`: the enumerators are in the enum's scope (C++
        /// `enum class`, every Rust enum: `e::Sign::Neg`).
        scoped: bool,
    },
    /// Dimensions are element counts (None: flexible/unknown).
    Array {
        /// The element type.
        element: Option<TypeId>,
        /// Element count per dimension, outermost first.
        dims: Vec<Option<u64>>,
        /// `DW_AT_GNU_vector`: a SIMD vector (`__attribute__((vector_size))`,
        /// `v128_t`), which debuggers print and type as one.
        vector: bool,
    },
    /// `DW_TAG_subroutine_type`: a function type.
    Subroutine {
        /// The result type (None: `void`).
        result: Option<TypeId>,
        /// Parameter types.
        params: Vec<Option<TypeId>>,
        /// Takes more arguments (`...`).
        variadic: bool,
    },
    /// `void`, `decltype(nullptr)`, or a tag innative does not translate.
    Unspecified,
}

/// A type, with the name and declaration it has in the source.
#[derive(Debug, Clone)]
pub struct Type {
    /// `DW_AT_name` (None: anonymous).
    pub name: Option<String>,
    /// What the type is.
    pub kind: TypeKind,
    /// Index into [`Provenance::units`].
    pub unit: usize,
    /// `DW_AT_decl_file` (index into the unit's files).
    pub file: Option<usize>,
    /// `DW_AT_decl_line` (0: unknown).
    pub line: u32,
    /// Enclosing namespaces/classes, outermost first (C++).
    pub scope: Vec<String>,
}

/// A function (`DW_TAG_subprogram`).  Abstract instances of inlined functions
/// have no ranges.
#[derive(Debug, Clone, Default)]
pub struct Subprogram {
    /// Index into [`Provenance::units`].
    pub unit: usize,
    /// `DW_AT_name`.
    pub name: Option<String>,
    /// `DW_AT_linkage_name` (C++: the mangled name).
    pub linkage_name: Option<String>,
    /// The namespaces (and classes) the function is declared in, outermost
    /// first (`["shapes", "{impl#0}"]`); empty at unit level.
    pub scope: Vec<String>,
    /// The scope of the declaration that `DW_AT_specification` (or
    /// `DW_AT_abstract_origin`) names, when it is nested deeper than
    /// [`Subprogram::scope`]: a C++ method defined outside its class is
    /// declared in the class (`["geo", "Point"]`).  Empty otherwise.
    pub declared_in: Vec<String>,
    /// Index into the unit's files.
    pub file: Option<usize>,
    /// `DW_AT_decl_line` (0: unknown).
    pub line: u32,
    /// Code offsets of the function's code (empty: an abstract instance).
    pub ranges: Vec<Range<u64>>,
    /// `DW_AT_external`: a function with external linkage.
    pub external: bool,
    /// Lexical blocks and inlined calls, outermost first.
    pub scopes: Vec<Scope>,
    /// `DW_AT_frame_base`.
    pub frame_base: Option<Vec<LocOp>>,
    /// Parameters (in order) and top-level locals.
    pub variables: Vec<Variable>,
    /// The result type (None: `void`).
    pub result: Option<TypeId>,
}

/// Everything read from a module's DWARF.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// The compile units.
    pub units: Vec<Unit>,
    /// Live rows of every unit, sorted by address (a sequence's end row sorts
    /// before a row that starts another sequence at the same address).
    pub rows: Vec<LineRow>,
    /// Every subprogram, concrete and abstract.
    pub subprograms: Vec<Subprogram>,
    /// The type graph of every unit.
    pub types: Vec<Type>,
    /// Global (and namespace- or file-scope `static`) variables: (unit, variable).
    pub globals: Vec<(usize, Variable)>,
    /// What could not be read (one line each).
    pub warnings: Vec<String>,
}

impl Provenance {
    /// No line rows and no subprograms: nothing to debug with.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.subprograms.is_empty()
    }

    /// The row in effect at `address`: the last row at or before it, unless
    /// that row ends its sequence.
    pub fn row_at(&self, address: u64) -> Option<&LineRow> {
        let i = self.rows.partition_point(|r| r.address <= address);
        let row = self.rows[..i].last()?;
        (!row.end_sequence).then_some(row)
    }

    /// Rows whose address lies in `range`, in address order.
    pub fn rows_in(&self, range: Range<u64>) -> &[LineRow] {
        let start = self.rows.partition_point(|r| r.address < range.start);
        let end = self.rows.partition_point(|r| r.address < range.end);
        &self.rows[start..end]
    }

    /// The concrete subprogram whose ranges contain `address`.
    pub fn subprogram_at(&self, address: u64) -> Option<&Subprogram> {
        self.subprograms
            .iter()
            .find(|s| s.ranges.iter().any(|r| r.contains(&address)))
    }

    /// The file of a row, if the line table names one.
    pub fn file(&self, unit: usize, file: usize) -> Option<&SourceFile> {
        self.units.get(unit)?.files.get(file)?.as_ref()
    }

    /// Sorts rows (stable) into the order [`Provenance::row_at`] expects.
    pub fn sort_rows(&mut self) {
        self.rows.sort_by_key(|r| (r.address, !r.end_sequence));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(address: u64, line: u32, end_sequence: bool) -> LineRow {
        LineRow {
            address,
            unit: 0,
            file: 1,
            line,
            column: 0,
            is_stmt: true,
            prologue_end: false,
            end_sequence,
        }
    }

    #[test]
    fn row_lookup_respects_sequence_ends() {
        let mut p = Provenance {
            rows: vec![
                row(10, 1, false),
                row(14, 2, false),
                row(20, 2, true),
                row(20, 7, false),
                row(30, 7, true),
            ],
            ..Default::default()
        };
        p.sort_rows();
        assert_eq!(p.row_at(9), None);
        assert_eq!(p.row_at(10).map(|r| r.line), Some(1));
        assert_eq!(p.row_at(13).map(|r| r.line), Some(1));
        assert_eq!(p.row_at(19).map(|r| r.line), Some(2));
        assert_eq!(p.row_at(20).map(|r| r.line), Some(7));
        assert_eq!(p.row_at(30), None);
        assert_eq!(p.rows_in(14..21).len(), 3);
    }

    #[test]
    fn paths_join_directory_and_name() {
        let f = SourceFile {
            directory: "/src/".into(),
            name: "a.c".into(),
        };
        assert_eq!(f.path(), "/src/a.c");
        let abs = SourceFile {
            directory: "/src".into(),
            name: "/usr/include/x.h".into(),
        };
        assert_eq!(abs.path(), "/usr/include/x.h");
    }
}
