//! What a module imports and exports (read with wasmparser), the spec's
//! import-matching rules, and the standard `spectest` host module.
//!
//! Import matching follows the spec's "extern type matching":
//! functions need equal types; globals equal value type and mutability;
//! tables equal element type, memories and tables limits subtyping where the
//! exporter's minimum is its *current* size (read from its `innative_table` /
//! `innative_memory`) and its maximum must exist and not exceed the importer's
//! when the importer gives one.  Any mismatch, or a missing module/field, makes
//! the module "unlinkable".

use wasmparser::{
    ExternalKind, FuncType, GlobalType, MemoryType, Payload, RefType, TableType, TypeRef, ValType,
};

/// `spectest`, the host module the spec scripts import from.  It is compiled
/// through the same AOT path as everything else (once per process); its print
/// functions do nothing.
pub const SPECTEST_WAT: &str = r#"(module
  (func (export "print"))
  (func (export "print_i32") (param i32))
  (func (export "print_i64") (param i64))
  (func (export "print_f32") (param f32))
  (func (export "print_f64") (param f64))
  (func (export "print_i32_f32") (param i32 f32))
  (func (export "print_f64_f64") (param f64 f64))
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (memory (export "memory") 1 2)
)"#;

/// `spectest` for 3.0 scripts: [`SPECTEST_WAT`] plus a 64-bit table.
pub const SPECTEST3_WAT: &str = r#"(module
  (func (export "print"))
  (func (export "print_i32") (param i32))
  (func (export "print_i64") (param i64))
  (func (export "print_f32") (param f32))
  (func (export "print_f64") (param f64))
  (func (export "print_i32_f32") (param i32 f32))
  (func (export "print_f64_f64") (param f64 f64))
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (table (export "table64") i64 10 20 funcref)
  (memory (export "memory") 1 2)
)"#;

/// The `spectest` text for the standard being tested.
pub fn spectest_wat() -> &'static str {
    match crate::validate::Standard::current() {
        crate::validate::Standard::V2 => SPECTEST_WAT,
        crate::validate::Standard::V3 => SPECTEST3_WAT,
    }
}

/// The registered name of the host module.
pub const SPECTEST: &str = "spectest";

/// The type of an import or export.
#[derive(Debug, Clone, PartialEq)]
pub enum ExternType {
    Func(FuncType),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    /// An exception tag: the type of its payload (params).
    Tag(FuncType),
}

impl ExternType {
    pub fn kind_name(&self) -> &'static str {
        match self {
            ExternType::Func(_) => "function",
            ExternType::Table(_) => "table",
            ExternType::Memory(_) => "memory",
            ExternType::Global(_) => "global",
            ExternType::Tag(_) => "tag",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImportDesc {
    pub module: String,
    pub name: String,
    pub ty: ExternType,
}

#[derive(Debug, Clone)]
pub struct ExportDesc {
    pub name: String,
    /// The declared type.  For a re-exported import the instance uses the
    /// type of what the import resolved to instead (see `source`).
    pub ty: ExternType,
    /// When the export re-exports an import: that import's index.
    pub source: Option<usize>,
}

/// Everything the harness needs to know about a compiled module.
#[derive(Debug, Clone)]
pub struct ModuleMeta {
    pub imports: Vec<ImportDesc>,
    pub exports: Vec<ExportDesc>,
}

/// Validates `bytes` (innative's feature set) and reads its imports and
/// exports in module order.
pub fn module_meta(bytes: &[u8]) -> Result<ModuleMeta, String> {
    let mut validator = wasmparser::Validator::new_with_features(crate::validate::features());
    let types = validator
        .validate_all(bytes)
        .map_err(|e| e.message().to_string())?;
    let types = types.as_ref();
    let canon = Canon { types };
    let func_type = |id: wasmparser::types::CoreTypeId| canon.func(types[id].unwrap_func());

    let mut imports = Vec::new();
    // Per kind: the import index of each imported entity, in index order.
    let (mut funcs, mut tables, mut memories, mut globals) = (vec![], vec![], vec![], vec![]);
    let mut tags = vec![];
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.message().to_string())? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| e.message().to_string())?;
                    let index = imports.len();
                    let ty = match import.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            funcs.push(index);
                            ExternType::Func(func_type(types.core_type_at_in_module(t)))
                        }
                        TypeRef::Table(t) => {
                            tables.push(index);
                            ExternType::Table(canon.table(t))
                        }
                        TypeRef::Memory(t) => {
                            memories.push(index);
                            ExternType::Memory(t)
                        }
                        TypeRef::Global(t) => {
                            globals.push(index);
                            ExternType::Global(canon.global(t))
                        }
                        TypeRef::Tag(t) => {
                            tags.push(index);
                            ExternType::Tag(func_type(
                                types.core_type_at_in_module(t.func_type_idx),
                            ))
                        }
                    };
                    imports.push(ImportDesc {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        ty,
                    });
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(|e| e.message().to_string())?;
                    let i = export.index as usize;
                    let (ty, source) = match export.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => (
                            ExternType::Func(func_type(types.core_function_at(export.index))),
                            funcs.get(i).copied(),
                        ),
                        ExternalKind::Table => (
                            ExternType::Table(canon.table(types.table_at(export.index))),
                            tables.get(i).copied(),
                        ),
                        ExternalKind::Memory => (
                            ExternType::Memory(types.memory_at(export.index)),
                            memories.get(i).copied(),
                        ),
                        ExternalKind::Global => (
                            ExternType::Global(canon.global(types.global_at(export.index))),
                            globals.get(i).copied(),
                        ),
                        ExternalKind::Tag => (
                            ExternType::Tag(func_type(types.tag_at(export.index))),
                            tags.get(i).copied(),
                        ),
                    };
                    exports.push(ExportDesc {
                        name: export.name.to_string(),
                        ty,
                        source,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(ModuleMeta { imports, exports })
}

/// Makes reference types comparable across modules: a concrete type index
/// (module-relative, or a validator's own id) becomes a process-wide number
/// for the function type's signature, so that equal types in two modules
/// compare equal.  Non-function (GC) types are left alone.
struct Canon<'t> {
    types: wasmparser::types::TypesRef<'t>,
}

impl Canon<'_> {
    fn func(&self, f: &FuncType) -> FuncType {
        let params: Vec<ValType> = f.params().iter().map(|v| self.val(*v)).collect();
        let results: Vec<ValType> = f.results().iter().map(|v| self.val(*v)).collect();
        FuncType::new(params, results)
    }

    fn global(&self, g: GlobalType) -> GlobalType {
        GlobalType {
            content_type: self.val(g.content_type),
            ..g
        }
    }

    fn table(&self, t: TableType) -> TableType {
        TableType {
            element_type: self.reference(t.element_type),
            ..t
        }
    }

    fn val(&self, v: ValType) -> ValType {
        match v {
            ValType::Ref(r) => ValType::Ref(self.reference(r)),
            other => other,
        }
    }

    fn reference(&self, r: RefType) -> RefType {
        use wasmparser::UnpackedIndex;
        let Some(index) = r.type_index() else {
            return r;
        };
        let id = match index.unpack() {
            UnpackedIndex::Module(i) => self.types.core_type_at_in_module(i),
            UnpackedIndex::Id(id) => id,
            UnpackedIndex::RecGroup(_) => return r,
        };
        let wasmparser::CompositeInnerType::Func(f) = &self.types[id].composite_type.inner else {
            return r;
        };
        static IDS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
        let sig = crate::module::signature_string(f);
        let mut ids = IDS.lock().unwrap_or_else(|e| e.into_inner());
        let n = match ids.iter().position(|s| *s == sig) {
            Some(n) => n,
            None => {
                ids.push(sig);
                ids.len() - 1
            }
        };
        match wasmparser::PackedIndex::from_module_index(n as u32) {
            Some(p) => RefType::concrete(r.is_nullable(), p),
            None => r,
        }
    }
}

/// Reference subtyping among function references (after [`Canon`]): a
/// concrete function type is a subtype of `func`, non-null of nullable.
fn val_subtype(sub: ValType, sup: ValType) -> bool {
    if sub == sup {
        return true;
    }
    let (ValType::Ref(sub), ValType::Ref(sup)) = (sub, sup) else {
        return false;
    };
    if sub.is_nullable() && !sup.is_nullable() {
        return false;
    }
    let (hs, hp) = (sub.heap_type(), sup.heap_type());
    hs == hp
        || (matches!(hs, wasmparser::HeapType::Concrete(_)) && hp == wasmparser::HeapType::FUNC)
}

/// Why a module is skipped rather than run: a feature this compiler does
/// not implement yet, shown as "needs <reason>".
pub type SkipReason = &'static str;
pub const GC: SkipReason = "GC heap types (not implemented)";

/// The unimplemented feature an invalid module needs: it validates once
/// that feature is enabled.
pub fn later_feature(bytes: &[u8]) -> Option<SkipReason> {
    use wasmparser::WasmFeatures as F;
    let valid_with = |extra: F| {
        wasmparser::Validator::new_with_features(crate::validate::features() | extra)
            .validate_all(bytes)
            .is_ok()
    };
    if crate::validate::Standard::current() != crate::validate::Standard::V3 {
        return None;
    }
    valid_with(F::GC).then_some(GC)
}

/// Limits subtyping: `[cur, max]` matches an import `[min, imax]`.
fn limits_match(current: u64, max: Option<u64>, import_min: u64, import_max: Option<u64>) -> bool {
    if current < import_min {
        return false;
    }
    match import_max {
        None => true,
        Some(imax) => matches!(max, Some(m) if m <= imax),
    }
}

/// Checks that an export of type `export` can satisfy an import of type
/// `import`.  `current` is the exporter's current size (table elements or
/// memory pages) for tables and memories.  The error is the spec's
/// "incompatible import type" with details.
pub fn import_matches(
    import: &ExternType,
    export: &ExternType,
    current: Option<u64>,
) -> Result<(), String> {
    let ok = match (import, export) {
        (ExternType::Func(i), ExternType::Func(e)) | (ExternType::Tag(i), ExternType::Tag(e)) => {
            i == e
        }
        (ExternType::Global(i), ExternType::Global(e)) => {
            i.mutable == e.mutable
                && if i.mutable {
                    i.content_type == e.content_type
                } else {
                    val_subtype(e.content_type, i.content_type)
                }
        }
        (ExternType::Table(i), ExternType::Table(e)) => {
            i.element_type == e.element_type
                && i.table64 == e.table64
                && limits_match(
                    current.unwrap_or(e.initial),
                    e.maximum,
                    i.initial,
                    i.maximum,
                )
        }
        (ExternType::Memory(i), ExternType::Memory(e)) => {
            i.memory64 == e.memory64
                && i.shared == e.shared
                && limits_match(
                    current.unwrap_or(e.initial),
                    e.maximum,
                    i.initial,
                    i.maximum,
                )
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("incompatible import type: expected {import:?}, found {export:?} (current size {current:?})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(wat: &str) -> ModuleMeta {
        module_meta(&wat::parse_str(wat).unwrap()).unwrap()
    }

    #[test]
    fn reads_imports_and_exports_in_order() {
        let m = meta(
            r#"(module
                (import "a" "f" (func (param i32)))
                (import "a" "g" (global i64))
                (import "a" "t" (table 1 funcref))
                (func $own (result i32) i32.const 1)
                (export "own" (func $own))
                (export "reexport" (func 0))
                (export "g" (global 0))
                (export "t" (table 0)))"#,
        );
        assert_eq!(m.imports.len(), 3);
        assert_eq!(m.imports[1].name, "g");
        assert!(
            matches!(m.imports[0].ty, ExternType::Func(ref f) if f.params() == [wasmparser::ValType::I32])
        );
        let names: Vec<_> = m.exports.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["own", "reexport", "g", "t"]);
        assert_eq!(m.exports[0].source, None);
        assert_eq!(m.exports[1].source, Some(0));
        assert_eq!(m.exports[2].source, Some(1));
        assert_eq!(m.exports[3].source, Some(2));
    }

    #[test]
    fn spectest_is_valid() {
        let m = meta(SPECTEST_WAT);
        assert_eq!(m.imports.len(), 0);
        assert_eq!(m.exports.len(), 13);
    }

    #[test]
    fn matching_rules() {
        let m = meta(
            r#"(module
                (import "x" "f" (func (param i32)))
                (import "x" "g" (func (param i64)))
                (import "x" "mg" (global (mut i32)))
                (import "x" "ig" (global i32))
                (import "x" "t" (table 10 20 funcref))
                (import "x" "tn" (table 10 funcref))
                (import "x" "m" (memory 1 2)))"#,
        );
        let t = |i: usize| &m.imports[i].ty;
        assert!(import_matches(t(0), t(0), None).is_ok());
        assert!(import_matches(t(0), t(1), None).is_err());
        assert!(import_matches(t(2), t(3), None).is_err()); // mutability
        assert!(import_matches(t(3), t(3), None).is_ok());
        assert!(import_matches(t(0), t(3), None).is_err()); // kind
                                                            // table [10,20] exported, imported as [10, none]: ok; as [10,20]: ok.
        assert!(import_matches(t(5), t(4), Some(10)).is_ok());
        assert!(import_matches(t(4), t(4), Some(10)).is_ok());
        // exporter without max cannot satisfy an import with max.
        assert!(import_matches(t(4), t(5), Some(10)).is_err());
        // current size counts, not the declared minimum.
        assert!(import_matches(t(4), t(4), Some(9)).is_err());
        let big = meta(r#"(module (import "x" "t" (table 15 funcref)))"#);
        assert!(import_matches(&big.imports[0].ty, t(4), Some(12)).is_err());
        assert!(import_matches(&big.imports[0].ty, t(4), Some(15)).is_ok());
        assert!(import_matches(t(6), t(6), Some(1)).is_ok());
        assert!(import_matches(t(6), t(6), Some(0)).is_err());
    }
}
