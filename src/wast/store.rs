//! Module instances and the registry of a running script: instantiation
//! (resolve imports against registered instances and `spectest`, check them,
//! fill the descriptor's import slots, run `init` and `start`), calling
//! exports through their invokers, and reading exported globals.
//!
//! Every instance is its own loaded `.so`.  dlopen returns the same handle for
//! a path already loaded, so a module instantiated a second time is first
//! copied to a fresh file name.

use super::build::{self, Built, MODULE_NAME};
use super::ffi::{LoadedModule, RawMemory, RawTable, Runtime, Trap, PAGE_SIZE};
use super::linker::{self, ExternType, ModuleMeta, SkipReason};
use super::values::{ValKind, Value};
use crate::options::OptLevel;
use std::collections::HashMap;
use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// One export of a live instance.
pub struct InstExport {
    pub name: String,
    /// The type of what it actually is (re-exported imports carry the type of
    /// the entity they resolved to).
    pub ty: ExternType,
    /// `exports[j]` of the descriptor (innative_func*, innative_table*, ...).
    pub ptr: *mut c_void,
    pub invoker: Option<super::ffi::Invoker>,
}

pub struct Instance {
    _module: LoadedModule,
    pub exports: Vec<InstExport>,
}

impl Instance {
    pub fn export(&self, name: &str) -> Option<&InstExport> {
        self.exports.iter().find(|e| e.name == name)
    }
}

/// What a name (or "the current module") refers to.
#[derive(Clone)]
pub enum InstRef {
    Live(Rc<Instance>),
    /// A module needing a feature not implemented here (GC heap
    /// types...): everything using it is skipped.
    Skipped(SkipReason),
    /// The module failed to build or instantiate: everything using it fails.
    Failed(String),
}

/// Why instantiation did not produce an instance.
#[derive(Debug, Clone)]
pub enum InstError {
    /// Import resolution or matching failed.
    Unlinkable(String),
    /// `init` or `start` trapped.
    Trap(Trap),
    /// The module (or one it imports from) needs a feature not implemented here.
    Skipped(SkipReason),
    /// Anything else (build failure, loader error).
    Failed(String),
}

impl std::fmt::Display for InstError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InstError::Unlinkable(m) => write!(f, "unlinkable: {m}"),
            InstError::Trap(t) => write!(f, "instantiation trapped: {t}"),
            InstError::Skipped(r) => write!(f, "skipped (needs {r})"),
            InstError::Failed(m) => write!(f, "{m}"),
        }
    }
}

/// Why an action did not return values.
#[derive(Debug, Clone)]
pub enum ActionError {
    Trap(Trap),
    Skipped(SkipReason),
    Failed(String),
}

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionError::Trap(t) => write!(f, "{t}"),
            ActionError::Skipped(r) => write!(f, "skipped (needs {r})"),
            ActionError::Failed(m) => write!(f, "{m}"),
        }
    }
}

/// Where `spectest` comes from.
pub enum SpectestSource {
    /// A `.so` built beforehand (by the parent process).
    Prebuilt(PathBuf),
    /// Build it on first use.
    Build,
}

pub struct Store<'rt> {
    rt: &'rt Runtime,
    dir: PathBuf,
    opt_level: OptLevel,
    /// Built modules of the script, by module index.
    built: Vec<Built>,
    /// How many times each built module has been instantiated.
    uses: Vec<usize>,
    registered: HashMap<String, InstRef>,
    spectest: Option<SpectestSource>,
    copies: usize,
}

impl<'rt> Store<'rt> {
    pub fn new(
        rt: &'rt Runtime,
        dir: &Path,
        built: Vec<Built>,
        spectest: SpectestSource,
        opt_level: OptLevel,
    ) -> Self {
        let uses = vec![0; built.len()];
        Store {
            rt,
            dir: dir.to_path_buf(),
            opt_level,
            built,
            uses,
            registered: HashMap::new(),
            spectest: Some(spectest),
            copies: 0,
        }
    }

    /// The build result of module `index`.
    pub fn built(&self, index: usize) -> &Built {
        &self.built[index]
    }

    pub fn register(&mut self, name: &str, inst: InstRef) {
        self.registered.insert(name.to_string(), inst);
    }

    /// The registered instance `name`, instantiating `spectest` on first use.
    fn lookup_registered(&mut self, name: &str) -> Option<InstRef> {
        if name == linker::SPECTEST && !self.registered.contains_key(name) {
            if let Some(src) = self.spectest.take() {
                let inst = self.instantiate_spectest(src);
                self.registered.insert(name.to_string(), inst);
            }
        }
        self.registered.get(name).cloned()
    }

    fn instantiate_spectest(&mut self, src: SpectestSource) -> InstRef {
        let so = match src {
            SpectestSource::Prebuilt(p) => p,
            SpectestSource::Build => match build_spectest(&self.dir, self.opt_level) {
                Ok(p) => p,
                Err(e) => return InstRef::Failed(format!("spectest: {e}")),
            },
        };
        let meta = match wat::parse_str(linker::spectest_wat())
            .map_err(|e| e.to_string())
            .and_then(|b| linker::module_meta(&b))
        {
            Ok(m) => m,
            Err(e) => return InstRef::Failed(format!("spectest: {e}")),
        };
        match self.instantiate_so(&so, &meta) {
            Ok(i) => InstRef::Live(Rc::new(i)),
            Err(e) => InstRef::Failed(format!("spectest: {e}")),
        }
    }

    /// Instantiates built module `index`.
    pub fn instantiate(&mut self, index: usize) -> Result<Rc<Instance>, InstError> {
        let (so, meta) = match &self.built[index] {
            Built::Ready { so, meta } => (so.clone(), meta.clone()),
            Built::Skipped(r) => return Err(InstError::Skipped(r)),
            Built::Invalid(e) => return Err(InstError::Failed(format!("invalid module: {e}"))),
            Built::Failed(e) => return Err(InstError::Failed(e.clone())),
        };
        self.uses[index] += 1;
        let so = if self.uses[index] == 1 {
            so
        } else {
            // A fresh file: dlopen would hand back the already loaded copy.
            self.copies += 1;
            let copy = self.dir.join(format!("copy{}.so", self.copies));
            std::fs::copy(&so, &copy)
                .map_err(|e| InstError::Failed(format!("copy {}: {e}", so.display())))?;
            copy
        };
        self.instantiate_so(&so, &meta).map(Rc::new)
    }

    fn instantiate_so(&mut self, so: &Path, meta: &ModuleMeta) -> Result<Instance, InstError> {
        // Resolve and check every import before loading anything.
        let mut resolved: Vec<(*mut c_void, ExternType)> = Vec::with_capacity(meta.imports.len());
        for import in &meta.imports {
            let inst = match self.lookup_registered(&import.module) {
                None => {
                    return Err(InstError::Unlinkable(format!(
                        "unknown import: module {:?} is not registered ({:?}.{:?})",
                        import.module, import.module, import.name
                    )))
                }
                Some(InstRef::Skipped(r)) => return Err(InstError::Skipped(r)),
                Some(InstRef::Failed(e)) => {
                    return Err(InstError::Failed(format!(
                        "import from failed module {:?}: {e}",
                        import.module
                    )))
                }
                Some(InstRef::Live(i)) => i,
            };
            let Some(export) = inst.export(&import.name) else {
                return Err(InstError::Unlinkable(format!(
                    "unknown import: {:?}.{:?} is not exported",
                    import.module, import.name
                )));
            };
            let current = unsafe { current_size(&export.ty, export.ptr) };
            linker::import_matches(&import.ty, &export.ty, current).map_err(|e| {
                InstError::Unlinkable(format!("{:?}.{:?}: {e}", import.module, import.name))
            })?;
            resolved.push((export.ptr, export.ty.clone()));
        }

        let module = LoadedModule::load(so, &crate::names::module_descriptor_symbol(MODULE_NAME))
            .map_err(InstError::Failed)?;
        let d = module.desc();
        if d.num_imports as usize != meta.imports.len()
            || d.num_exports as usize != meta.exports.len()
        {
            return Err(InstError::Failed(format!(
                "descriptor has {} imports / {} exports, module has {} / {}",
                d.num_imports,
                d.num_exports,
                meta.imports.len(),
                meta.exports.len()
            )));
        }
        for (i, (ptr, _)) in resolved.iter().enumerate() {
            unsafe { module.set_import(i, *ptr) };
        }
        // SAFETY: modules are never unloaded (see LoadedModule).
        unsafe { self.rt.register(module.desc) };
        if let Some(init) = d.init {
            self.rt.call0(init).map_err(InstError::Trap)?;
        }
        if let Some(start) = d.start {
            self.rt.call0(start).map_err(InstError::Trap)?;
        }
        let exports = meta
            .exports
            .iter()
            .enumerate()
            .map(|(j, e)| InstExport {
                name: e.name.clone(),
                ty: match e.source {
                    Some(i) => resolved[i].1.clone(),
                    None => e.ty.clone(),
                },
                ptr: module.export(j),
                invoker: module.invoker(j),
            })
            .collect();
        Ok(Instance {
            _module: module,
            exports,
        })
    }

    /// Calls export `name` of `inst` with `args`.
    pub fn invoke(
        &self,
        inst: &Instance,
        name: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, ActionError> {
        let export = inst
            .export(name)
            .ok_or_else(|| ActionError::Failed(format!("no export {name:?}")))?;
        let ExternType::Func(ty) = &export.ty else {
            return Err(ActionError::Failed(format!(
                "export {name:?} is a {}",
                export.ty.kind_name()
            )));
        };
        let params: Vec<ValKind> = ty.params().iter().map(ValKind::from_wasmparser).collect();
        let results: Vec<ValKind> = ty.results().iter().map(ValKind::from_wasmparser).collect();
        if params.len() != args.len() || params.iter().zip(args).any(|(p, a)| *p != a.kind()) {
            return Err(ActionError::Failed(format!(
                "arguments ({}) do not match parameters {params:?}",
                super::values::list(args)
            )));
        }
        let invoker = export
            .invoker
            .ok_or_else(|| ActionError::Failed(format!("export {name:?} has no invoker")))?;
        // Slots as innative.h lays them out: one per value, two per v128.
        let mut slots = Vec::new();
        for a in args {
            a.push_slots(&mut slots);
        }
        let result_slots: usize = results.iter().map(|k| k.slots()).sum();
        slots.resize(slots.len().max(result_slots).max(1), 0);
        self.rt
            .invoke(invoker, &mut slots)
            .map_err(ActionError::Trap)?;
        let mut at = 0;
        results
            .iter()
            .map(|k| {
                let v = Value::from_slots(&slots[at..], *k)
                    .ok_or_else(|| ActionError::Failed(format!("result type {k:?}")));
                at += k.slots();
                v
            })
            .collect()
    }

    /// Reads exported global `name` of `inst`.
    pub fn get(&self, inst: &Instance, name: &str) -> Result<Value, ActionError> {
        let export = inst
            .export(name)
            .ok_or_else(|| ActionError::Failed(format!("no export {name:?}")))?;
        let ExternType::Global(g) = &export.ty else {
            return Err(ActionError::Failed(format!(
                "export {name:?} is a {}",
                export.ty.kind_name()
            )));
        };
        if export.ptr.is_null() {
            return Err(ActionError::Failed(format!(
                "global {name:?} has a null cell"
            )));
        }
        let kind = ValKind::from_wasmparser(&g.content_type);
        let cell = export.ptr as *const u8;
        unsafe {
            Ok(match kind {
                ValKind::I32 => Value::I32((cell as *const i32).read()),
                ValKind::I64 => Value::I64((cell as *const i64).read()),
                ValKind::F32 => Value::F32((cell as *const u32).read()),
                ValKind::F64 => Value::F64((cell as *const u64).read()),
                ValKind::FuncRef => Value::FuncRef((cell as *const usize).read()),
                ValKind::ExternRef => Value::ExternRef((cell as *const usize).read()),
                ValKind::V128 => Value::V128((cell as *const u128).read_unaligned()),
                ValKind::Other => {
                    return Err(ActionError::Failed("global of unsupported type".into()))
                }
            })
        }
    }
}

/// The current size of an exported table (elements) or memory (pages).
unsafe fn current_size(ty: &ExternType, ptr: *mut c_void) -> Option<u64> {
    if ptr.is_null() {
        return None;
    }
    match ty {
        ExternType::Table(_) => Some((*(ptr as *const RawTable)).size as u64),
        ExternType::Memory(_) => Some((*(ptr as *const RawMemory)).size / PAGE_SIZE),
        _ => None,
    }
}

/// Builds `spectest` into `dir/spectest.so`.
pub fn build_spectest(dir: &Path, opt_level: OptLevel) -> Result<PathBuf, String> {
    let bytes = wat::parse_str(linker::spectest_wat()).map_err(|e| e.to_string())?;
    match build::build_one(&bytes, "spectest.wat", dir, "spectest", opt_level) {
        Built::Ready { so, .. } => Ok(so),
        Built::Invalid(e) | Built::Failed(e) => Err(e),
        Built::Skipped(r) => Err(format!("spectest needs {r}?")),
    }
}
