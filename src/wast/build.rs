//! Compiling a script's modules through the real AOT path, in parallel:
//! validate → `compile_to_object` (Linkage::Host, OutputKind::Object) →
//! object file → `link_host_module` → one `.so` per module.  Compilation does
//! not depend on execution, so a script's modules are all built before its
//! commands run.

use super::linker::{self, ModuleMeta, SkipReason};
use super::script::ModuleSource;
use crate::load::Input;
use crate::options::{Linkage, OptLevel, Options, OutputKind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The module name every harness module is compiled under, so its descriptor
/// symbol is `spec_innative_module`.  Each module is its own `.so`, loaded
/// RTLD_LOCAL, so equal names never clash.
pub const MODULE_NAME: &str = "spec";

/// The outcome of building one module.
#[derive(Debug, Clone)]
pub enum Built {
    Ready {
        so: PathBuf,
        meta: Arc<ModuleMeta>,
    },
    /// Rejected by the text parser or the validator.
    Invalid(String),
    /// Needs a feature not implemented here (GC heap types): skipped.
    Skipped(SkipReason),
    /// Valid, but the compiler or linker failed.
    Failed(String),
}

/// Stack size of compiler threads (deeply nested test modules).
const COMPILE_STACK: usize = 64 << 20;

/// Builds one binary module into `dir/<stem>.so`.
pub fn build_one(bytes: &[u8], label: &str, dir: &Path, stem: &str, opt_level: OptLevel) -> Built {
    let meta = match linker::module_meta(bytes) {
        Ok(m) => m,
        Err(e) => {
            return match linker::later_feature(bytes) {
                Some(reason) => Built::Skipped(reason),
                None => Built::Invalid(e),
            }
        }
    };
    let input = Input {
        path: PathBuf::from(label),
        bytes: bytes.to_vec(),
        text: None,
        name: Some(MODULE_NAME.to_string()),
    };
    let opts = Options {
        opt_level,
        linkage: Linkage::Host,
        kind: OutputKind::Object,
        ..Options::default()
    };
    let compile =
        std::panic::AssertUnwindSafe(|| crate::driver::compile_to_object(&[input], &opts));
    let object = match std::panic::catch_unwind(compile) {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return Built::Failed(format!("compile: {e}")),
        Err(p) => return Built::Failed(format!("compiler panicked: {}", panic_message(&p))),
    };
    let obj_path = dir.join(format!("{stem}.o"));
    let so = dir.join(format!("{stem}.so"));
    if let Err(e) = std::fs::write(&obj_path, &object) {
        return Built::Failed(format!("write {}: {e}", obj_path.display()));
    }
    if let Err(e) = crate::link::link_host_module(&obj_path, &so) {
        return Built::Failed(format!("link: {e}"));
    }
    let _ = std::fs::remove_file(&obj_path);
    Built::Ready {
        so,
        meta: Arc::new(meta),
    }
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}

/// Builds every module of a script with `jobs` workers; the result is in
/// script order.  `label` names the script in compiler diagnostics.
pub fn build_all(
    modules: &[ModuleSource],
    label: &str,
    dir: &Path,
    jobs: usize,
    opt_level: OptLevel,
) -> Vec<Built> {
    let results: Mutex<Vec<Option<Built>>> = Mutex::new(vec![None; modules.len()]);
    let next = AtomicUsize::new(0);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(m) = modules.get(i) else { break };
        let built = match &m.bytes {
            Err(e) => Built::Invalid(e.clone()),
            Ok(bytes) => build_one(
                bytes,
                &format!("{label}:{}", m.pos),
                dir,
                &format!("m{i}"),
                opt_level,
            ),
        };
        results.lock().unwrap()[i] = Some(built);
    };
    let workers = jobs.clamp(1, modules.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            std::thread::Builder::new()
                .name("wast-compile".into())
                .stack_size(COMPILE_STACK)
                .spawn_scoped(s, work)
                .expect("spawn compile thread");
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|b| b.unwrap_or_else(|| Built::Failed("not built".into())))
        .collect()
}
