//! Running one script in this process: parse it, build all its modules (in
//! parallel), then execute its commands in order against a [`Store`],
//! counting every assertion as passed, failed or skipped.
//!
//! Counting rules: each assertion counts once.  A plain `module`, `register`
//! or `invoke` that goes wrong counts as one failure (its later assertions
//! then fail on their own).  Anything needing GC heap types is skipped
//! (a module that validates only with GC enabled, a GC value in a
//! directive), with a note per skip reason at the end of each script;
//! SIMD runs in full.
//! `assert_exception` passes when the action ends with an uncaught exception.  `assert_malformed` and
//! `assert_invalid` pass when the module is rejected before compilation: by
//! the text parser, or by the decoder/validator (the `wast` text parser
//! accepts a few texts the spec's grammar rejects — 64-bit offsets and memory
//! sizes, two `start` fields — whose binaries the validator then rejects).

use super::build::{self, Built};
use super::ffi::{Runtime, TRAP_EXCEPTION, TRAP_STACK_EXHAUSTED};
use super::linker::{SkipReason, GC};
use super::report::{Counts, Outcome, Sink};
use super::script::{self, Action, Command, ModuleForm, Pos, Script};
use super::store::{ActionError, InstError, InstRef, Instance, SpectestSource, Store};
use super::values::{list, Expected, Value};
use crate::options::OptLevel;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Progress of the command phase, watched by a child's watchdog: the number
/// of commands started (0 = not running commands) and the line of the latest.
pub static STEPS: AtomicUsize = AtomicUsize::new(0);
pub static STEP_LINE: AtomicUsize = AtomicUsize::new(0);

/// How to run scripts in this process.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Compile workers per script.
    pub jobs: usize,
    #[allow(dead_code)] // set from -v; nothing reads it yet
    pub verbose: bool,
    pub opt_level: OptLevel,
    /// A prebuilt `spectest.so`; built in the script's directory when `None`.
    pub spectest: Option<PathBuf>,
}

/// Whether an unsupported directive is about GC values: host references
/// (`ref.host`, used with `any.convert_extern`) or a null of a GC heap type.
fn is_gc_directive(what: &str) -> bool {
    what.contains("ref.host")
        || ["Any", "Eq", "I31", "Struct", "Array", "None"]
            .iter()
            .any(|t| what.contains(&format!("ty: {t} }}")))
}

/// Runs the script at `path`, using `dir` for build products.
pub fn run_file(
    path: &Path,
    dir: &Path,
    cfg: &RunConfig,
    rt: &Runtime,
    sink: &mut dyn Sink,
) -> Counts {
    let counts = Counts::default();
    let text = match std::fs::read(path) {
        Ok(b) => match String::from_utf8(b) {
            Ok(t) => t,
            Err(_) => return fail_file(sink, "script is not UTF-8 text"),
        },
        Err(e) => return fail_file(sink, &format!("cannot read script: {e}")),
    };
    let script = match script::parse(&text) {
        Ok(s) => s,
        Err(e) => return fail_file(sink, &format!("cannot parse script: {e}")),
    };
    sink.total(script.assertion_count());
    let label = path.display().to_string();
    let built = build::build_all(&script.modules, &label, dir, cfg.jobs, cfg.opt_level);
    let spectest = match &cfg.spectest {
        Some(p) => SpectestSource::Prebuilt(p.clone()),
        None => SpectestSource::Build,
    };
    let store = Store::new(rt, dir, built, spectest, cfg.opt_level);
    let mut exec = Exec {
        store,
        current: None,
        named: HashMap::new(),
        definitions: HashMap::new(),
        counts,
        skipped: Default::default(),
        sink,
    };
    exec.run(&script);
    for (reason, n) in &exec.skipped {
        exec.sink.note(&format!("skipped {n}: needs {reason}"));
    }
    exec.counts
}

fn fail_file(sink: &mut dyn Sink, msg: &str) -> Counts {
    let mut counts = Counts::default();
    sink.note(msg);
    sink.total(1);
    counts.record(Outcome::Fail);
    sink.outcome(Outcome::Fail, counts, Some(&format!("0:0: {msg}")));
    counts
}

struct Exec<'a, 'rt> {
    store: Store<'rt>,
    /// The most recently instantiated module.
    current: Option<InstRef>,
    /// Instances by `$id`.
    named: HashMap<String, InstRef>,
    /// Module definitions by `$id` (for `module instance`).
    definitions: HashMap<String, usize>,
    counts: Counts,
    /// Skipped assertions by reason, noted at the end of the script.
    skipped: std::collections::BTreeMap<SkipReason, usize>,
    sink: &'a mut dyn Sink,
}

/// The result of one command.
enum Res {
    Pass,
    Skip(SkipReason),
    Fail(String),
    /// A non-assertion command that worked: not counted.
    Quiet,
}

impl Exec<'_, '_> {
    fn run(&mut self, script: &Script) {
        for cmd in &script.commands {
            STEP_LINE.store(cmd.pos().line, Ordering::Relaxed);
            STEPS.fetch_add(1, Ordering::Relaxed);
            let (pos, what, res) = self.command(script, cmd);
            let (outcome, detail) = match res {
                Res::Quiet => continue,
                Res::Pass => (Outcome::Pass, None),
                Res::Skip(reason) => {
                    *self.skipped.entry(reason).or_default() += 1;
                    (Outcome::Skip, None)
                }
                Res::Fail(msg) => (Outcome::Fail, Some(format!("{pos}: {what}: {msg}"))),
            };
            self.counts.record(outcome);
            self.sink.outcome(outcome, self.counts, detail.as_deref());
        }
    }

    fn target(&self, module: Option<&str>) -> InstRef {
        let found = match module {
            Some(id) => self.named.get(id).cloned(),
            None => self.current.clone(),
        };
        found.unwrap_or_else(|| {
            InstRef::Failed(match module {
                Some(id) => format!("no module ${id}"),
                None => "no module instantiated yet".into(),
            })
        })
    }

    fn set_current(&mut self, id: Option<&str>, inst: InstRef) {
        if let Some(id) = id {
            self.named.insert(id.to_string(), inst.clone());
        }
        self.current = Some(inst);
    }

    fn command(&mut self, script: &Script, cmd: &Command) -> (Pos, String, Res) {
        match cmd {
            Command::Module {
                pos,
                module,
                instantiate,
            } => {
                let id = script.modules[*module].id.as_deref();
                if let Some(id) = id {
                    self.definitions.insert(id.to_string(), *module);
                }
                if !*instantiate {
                    // `module definition`: build problems surface here.
                    let res = match self.store.built(*module) {
                        Built::Invalid(e) | Built::Failed(e) => Res::Fail(e.clone()),
                        _ => Res::Quiet,
                    };
                    return (*pos, "module definition".into(), res);
                }
                let (inst, res) = self.instantiate_module(*module);
                self.set_current(id, inst);
                (*pos, "module".into(), res)
            }
            Command::Instance {
                pos,
                instance,
                module,
            } => {
                let def = match module.as_deref() {
                    Some(m) => self.definitions.get(m).copied(),
                    None => None,
                };
                let res = match def {
                    None => {
                        self.set_current(
                            instance.as_deref(),
                            InstRef::Failed("no such module definition".into()),
                        );
                        Res::Fail(format!("no module definition {module:?}"))
                    }
                    Some(def) => {
                        let (inst, res) = self.instantiate_module(def);
                        self.set_current(instance.as_deref(), inst);
                        res
                    }
                };
                (*pos, "module instance".into(), res)
            }
            Command::Register { pos, name, module } => {
                let inst = self.target(module.as_deref());
                let res = match &inst {
                    InstRef::Failed(e) => Res::Fail(e.clone()),
                    _ => Res::Quiet,
                };
                self.store.register(name, inst);
                (*pos, format!("register {name:?}"), res)
            }
            Command::Action { pos, action } => {
                let res = match self.action(action) {
                    Ok(_) => Res::Quiet,
                    Err(ActionError::Skipped(_)) => Res::Quiet,
                    Err(e) => Res::Fail(e.to_string()),
                };
                (*pos, action.describe(), res)
            }
            Command::AssertReturn {
                pos,
                action,
                expected,
            } => {
                let what = format!("assert_return {}", action.describe());
                let res = match self.action(action) {
                    Err(ActionError::Skipped(r)) => Res::Skip(r),
                    Err(e) => Res::Fail(format!("expected ({}), got {e}", list(expected))),
                    Ok(got) => {
                        if let Some(u) = expected
                            .iter()
                            .find(|e| matches!(e, Expected::Unsupported(_)))
                        {
                            Res::Fail(format!("{u}"))
                        } else if got.len() == expected.len()
                            && expected.iter().zip(&got).all(|(e, g)| e.matches(g))
                        {
                            Res::Pass
                        } else {
                            Res::Fail(format!(
                                "expected ({}), got ({})",
                                list(expected),
                                list(&got)
                            ))
                        }
                    }
                };
                (*pos, what, res)
            }
            Command::AssertTrap {
                pos,
                action,
                message,
            } => {
                let what = format!("assert_trap {}", action.describe());
                let res = match self.action(action) {
                    Err(ActionError::Trap(t)) => {
                        self.trap_message(&t.message, message, &t.to_string())
                    }
                    Err(ActionError::Skipped(r)) => Res::Skip(r),
                    Err(e) => Res::Fail(format!("expected trap {message:?}, got {e}")),
                    Ok(got) => {
                        Res::Fail(format!("expected trap {message:?}, got ({})", list(&got)))
                    }
                };
                (*pos, what, res)
            }
            Command::AssertException { pos, action } => {
                let what = format!("assert_exception {}", action.describe());
                let res = match self.action(action) {
                    Err(ActionError::Trap(t)) if t.kind == TRAP_EXCEPTION => Res::Pass,
                    Err(ActionError::Skipped(r)) => Res::Skip(r),
                    Err(e) => Res::Fail(format!("expected an uncaught exception, got {e}")),
                    Ok(got) => Res::Fail(format!(
                        "expected an uncaught exception, got ({})",
                        list(&got)
                    )),
                };
                (*pos, what, res)
            }
            Command::AssertExhaustion {
                pos,
                action,
                message,
            } => {
                let what = format!("assert_exhaustion {}", action.describe());
                let res = match self.action(action) {
                    Err(ActionError::Trap(t)) if t.kind == TRAP_STACK_EXHAUSTED => {
                        self.trap_message(&t.message, message, &t.to_string())
                    }
                    Err(ActionError::Skipped(r)) => Res::Skip(r),
                    Err(e) => Res::Fail(format!("expected {message:?}, got {e}")),
                    Ok(got) => Res::Fail(format!("expected {message:?}, got ({})", list(&got))),
                };
                (*pos, what, res)
            }
            Command::AssertTrapModule {
                pos,
                module,
                message,
            } => {
                let res = match self.store.instantiate(*module) {
                    Err(InstError::Trap(t)) => {
                        self.trap_message(&t.message, message, &t.to_string())
                    }
                    Err(InstError::Skipped(r)) => Res::Skip(r),
                    Err(e) => Res::Fail(format!("expected trap {message:?}, got {e}")),
                    Ok(_) => Res::Fail(format!(
                        "expected trap {message:?}, but the module instantiated"
                    )),
                };
                (*pos, "assert_trap (module)".into(), res)
            }
            Command::AssertUnlinkable {
                pos,
                module,
                message,
            } => {
                let res = match self.store.instantiate(*module) {
                    Err(InstError::Unlinkable(_)) => Res::Pass,
                    Err(InstError::Skipped(r)) => Res::Skip(r),
                    Err(e) => Res::Fail(format!("expected unlinkable ({message:?}), got {e}")),
                    Ok(_) => Res::Fail(format!(
                        "expected unlinkable ({message:?}), but the module linked"
                    )),
                };
                (*pos, "assert_unlinkable".into(), res)
            }
            Command::AssertInvalid {
                pos,
                bytes,
                message,
            } => {
                let res = match bytes {
                    Err(_) => Res::Pass,
                    Ok(b) => match crate::validate::validate_bytes(b) {
                        Err(_) => Res::Pass,
                        Ok(()) => Res::Fail(format!(
                            "expected invalid ({message:?}), but the module validated"
                        )),
                    },
                };
                (*pos, "assert_invalid".into(), res)
            }
            Command::AssertMalformed {
                pos,
                form,
                bytes,
                message,
            } => {
                let res = match bytes {
                    Err(_) => Res::Pass,
                    // Text the `wast` parser accepts although the spec's text
                    // grammar rejects it (offsets or memory sizes beyond 32
                    // bits, two start fields) still has to be rejected when
                    // its binary is decoded and validated.
                    Ok(b) => match crate::validate::validate_bytes(b) {
                        Err(_) => Res::Pass,
                        Ok(()) => Res::Fail(match form {
                            ModuleForm::Binary => format!("expected malformed ({message:?}), but the module decoded and validated"),
                            _ => format!("expected malformed ({message:?}), but the text parser accepted it and the module validated"),
                        }),
                    },
                };
                (*pos, "assert_malformed".into(), res)
            }
            Command::Unsupported { pos, what } => (
                *pos,
                "unsupported directive".into(),
                if is_gc_directive(what) {
                    Res::Skip(GC)
                } else {
                    Res::Fail(what.clone())
                },
            ),
        }
    }

    /// Instantiates a module for `module`/`module instance`.
    fn instantiate_module(&mut self, index: usize) -> (InstRef, Res) {
        match self.store.instantiate(index) {
            Ok(i) => (InstRef::Live(i), Res::Quiet),
            Err(InstError::Skipped(r)) => (InstRef::Skipped(r), Res::Quiet),
            Err(e) => (InstRef::Failed(e.to_string()), Res::Fail(e.to_string())),
        }
    }

    fn action(&mut self, action: &Action) -> Result<Vec<Value>, ActionError> {
        let inst: Rc<Instance> = match self.target(action.module()) {
            InstRef::Live(i) => i,
            InstRef::Skipped(r) => return Err(ActionError::Skipped(r)),
            InstRef::Failed(e) => {
                return Err(ActionError::Failed(format!("module unavailable: {e}")))
            }
        };
        match action {
            Action::Invoke { name, args, .. } => self.store.invoke(&inst, name, args),
            Action::Get { name, .. } => self.store.get(&inst, name).map(|v| vec![v]),
        }
    }

    /// A trap happened: pass when the runtime's message starts with (or
    /// equals) the script's expected text, or when the expected text is the
    /// runtime's message plus a detail the runtime does not report (the
    /// reference interpreter's "uninitialized element 2" names the index).
    fn trap_message(&self, got: &str, expected: &str, full: &str) -> Res {
        let with_detail = !got.is_empty()
            && expected
                .strip_prefix(got)
                .is_some_and(|rest| rest.starts_with(' '));
        if got.starts_with(expected) || with_detail {
            Res::Pass
        } else {
            Res::Fail(format!("expected trap {expected:?}, got {full}"))
        }
    }
}
