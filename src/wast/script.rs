//! Reading a `.wast` script: the `wast` crate parses it, and this file turns
//! its directives into owned [`Command`]s plus the list of module binaries the
//! script defines (so they can all be compiled, in parallel, before anything
//! runs).  Text of `module quote` and the encoding of every module happen here;
//! for `assert_malformed`/`assert_invalid` the outcome of that step is kept.

use super::values::{Expected, FloatPat, V128Pat, ValKind, Value};
use wast::core::{AbstractHeapType, HeapType, NanPattern, WastArgCore, WastRetCore};
use wast::{QuoteWat, WastArg, WastDirective, WastExecute, WastRet};

/// A position in the script (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (bytes).
    pub col: usize,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One module the script defines, with its binary (or why it has none).
#[derive(Debug, Clone)]
pub struct ModuleSource {
    /// Where the module is defined.
    pub pos: Pos,
    /// The script's `$id`, when it has one.
    pub id: Option<String>,
    /// The binary, or why the script's module has none.
    pub bytes: Result<Vec<u8>, String>,
}

/// An action: call an export or read an exported global.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    Invoke {
        module: Option<String>,
        name: String,
        args: Vec<Value>,
    },
    Get {
        module: Option<String>,
        name: String,
    },
}

impl Action {
    pub fn module(&self) -> Option<&str> {
        match self {
            Action::Invoke { module, .. } | Action::Get { module, .. } => module.as_deref(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Action::Invoke { name, args, .. } => {
                let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
                format!("invoke {:?}({})", name, args.join(", "))
            }
            Action::Get { name, .. } => format!("get {name:?}"),
        }
    }
}

/// How a module text reached an `assert_malformed`/`assert_invalid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModuleForm {
    /// `(module ...)` in text, parsed with the rest of the script.
    Text,
    /// `(module binary ...)`.
    Binary,
    /// `(module quote ...)`: the text is parsed only when the assertion runs.
    Quote,
}

/// One directive of the script, in order.  Modules are indices into
/// [`Script::modules`].
#[derive(Debug, Clone)]
pub(crate) enum Command {
    /// `(module ...)`: define and instantiate; `(module definition ...)`:
    /// define only (`instantiate == false`).
    Module {
        pos: Pos,
        module: usize,
        instantiate: bool,
    },
    /// `(module instance $inst $def)`.
    Instance {
        pos: Pos,
        instance: Option<String>,
        module: Option<String>,
    },
    Register {
        pos: Pos,
        name: String,
        module: Option<String>,
    },
    Action {
        pos: Pos,
        action: Action,
    },
    AssertReturn {
        pos: Pos,
        action: Action,
        expected: Vec<Expected>,
    },
    AssertTrap {
        pos: Pos,
        action: Action,
        message: String,
    },
    /// `assert_trap` on a module: instantiation must trap.
    AssertTrapModule {
        pos: Pos,
        module: usize,
        message: String,
    },
    /// The action must end with an uncaught wasm exception.
    AssertException {
        pos: Pos,
        action: Action,
    },
    AssertExhaustion {
        pos: Pos,
        action: Action,
        message: String,
    },
    /// `assert_invalid`: `bytes` is the encoding (Err = the text parser
    /// already rejected it).
    AssertInvalid {
        pos: Pos,
        bytes: Result<Vec<u8>, String>,
        message: String,
    },
    AssertMalformed {
        pos: Pos,
        form: ModuleForm,
        bytes: Result<Vec<u8>, String>,
        message: String,
    },
    AssertUnlinkable {
        pos: Pos,
        module: usize,
        message: String,
    },
    /// A directive of a later proposal: counted as a failure.
    Unsupported {
        pos: Pos,
        what: String,
    },
}

impl Command {
    pub fn pos(&self) -> Pos {
        match self {
            Command::Module { pos, .. }
            | Command::Instance { pos, .. }
            | Command::Register { pos, .. }
            | Command::Action { pos, .. }
            | Command::AssertReturn { pos, .. }
            | Command::AssertTrap { pos, .. }
            | Command::AssertTrapModule { pos, .. }
            | Command::AssertExhaustion { pos, .. }
            | Command::AssertException { pos, .. }
            | Command::AssertInvalid { pos, .. }
            | Command::AssertMalformed { pos, .. }
            | Command::AssertUnlinkable { pos, .. }
            | Command::Unsupported { pos, .. } => *pos,
        }
    }

    /// Whether this command is an assertion (counted passed/failed/skipped).
    /// Plain modules, registrations and actions are counted only when they
    /// fail.
    pub fn is_assertion(&self) -> bool {
        matches!(
            self,
            Command::AssertReturn { .. }
                | Command::AssertTrap { .. }
                | Command::AssertTrapModule { .. }
                | Command::AssertExhaustion { .. }
                | Command::AssertException { .. }
                | Command::AssertInvalid { .. }
                | Command::AssertMalformed { .. }
                | Command::AssertUnlinkable { .. }
                | Command::Unsupported { .. }
        )
    }
}

/// A parsed script.
#[derive(Debug, Default)]
pub struct Script {
    /// Every module the script defines, in order.
    pub modules: Vec<ModuleSource>,
    pub(crate) commands: Vec<Command>,
}

impl Script {
    /// Number of assertions in the script (what a crash leaves uncounted).
    pub fn assertion_count(&self) -> usize {
        self.commands.iter().filter(|c| c.is_assertion()).count()
    }
}

/// Maps byte offsets to line:column quickly (scripts have thousands of
/// directives, so no linear scan per lookup).
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    fn pos(&self, offset: usize) -> Pos {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        Pos {
            line,
            col: offset - self.starts[line - 1] + 1,
        }
    }
}

/// Parses script `text`; the error is `line:col: message`.
pub fn parse(text: &str) -> Result<Script, String> {
    let lines = Lines::new(text);
    // names.wast uses bidi control characters in names on purpose.
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = wast::parser::ParseBuffer::new_with_lexer(lexer)
        .map_err(|e| wast_error(&lines, text, e))?;
    let wast: wast::Wast = wast::parser::parse(&buf).map_err(|e| wast_error(&lines, text, e))?;
    let mut script = Script::default();
    for directive in wast.directives {
        let pos = lines.pos(directive.span().offset());
        let command = convert(&mut script, &lines, text, pos, directive);
        script.commands.push(command);
    }
    Ok(script)
}

fn wast_error(lines: &Lines, text: &str, mut e: wast::Error) -> String {
    let pos = lines.pos(e.span().offset());
    e.set_text(text);
    format!("{pos}: {}", e.message())
}

fn id_name(id: Option<wast::token::Id<'_>>) -> Option<String> {
    id.map(|id| id.name().to_string())
}

fn encode_quote(lines: &Lines, text: &str, module: &mut QuoteWat<'_>) -> Result<Vec<u8>, String> {
    module.encode().map_err(|e| {
        // Errors inside `module quote` text have offsets into the quoted
        // text, not the script: report them without a position.
        let quoted = matches!(module, QuoteWat::QuoteModule(..));
        if quoted {
            e.message()
        } else {
            wast_error(lines, text, e)
        }
    })
}

fn add_module(
    script: &mut Script,
    pos: Pos,
    id: Option<String>,
    bytes: Result<Vec<u8>, String>,
) -> usize {
    script.modules.push(ModuleSource { pos, id, bytes });
    script.modules.len() - 1
}

fn convert(
    script: &mut Script,
    lines: &Lines,
    text: &str,
    pos: Pos,
    d: WastDirective<'_>,
) -> Command {
    match d {
        WastDirective::Module(mut m) => {
            let id = id_name(m.name());
            let bytes = encode_quote(lines, text, &mut m);
            let module = add_module(script, pos, id, bytes);
            Command::Module {
                pos,
                module,
                instantiate: true,
            }
        }
        WastDirective::ModuleDefinition(mut m) => {
            let id = id_name(m.name());
            let bytes = encode_quote(lines, text, &mut m);
            let module = add_module(script, pos, id, bytes);
            Command::Module {
                pos,
                module,
                instantiate: false,
            }
        }
        WastDirective::ModuleInstance {
            instance, module, ..
        } => Command::Instance {
            pos,
            instance: id_name(instance),
            module: id_name(module),
        },
        WastDirective::Register { name, module, .. } => Command::Register {
            pos,
            name: name.to_string(),
            module: id_name(module),
        },
        WastDirective::Invoke(invoke) => match convert_invoke(invoke) {
            Ok(action) => Command::Action { pos, action },
            Err(what) => Command::Unsupported { pos, what },
        },
        WastDirective::AssertReturn { exec, results, .. } => {
            let action = match convert_exec(exec) {
                Ok(Exec::Action(a)) => a,
                Ok(Exec::Module(..)) => {
                    return Command::Unsupported {
                        pos,
                        what: "assert_return on a module".into(),
                    }
                }
                Err(what) => return Command::Unsupported { pos, what },
            };
            let expected = results.into_iter().map(convert_ret).collect();
            Command::AssertReturn {
                pos,
                action,
                expected,
            }
        }
        WastDirective::AssertTrap { exec, message, .. } => match convert_exec(exec) {
            Ok(Exec::Action(action)) => Command::AssertTrap {
                pos,
                action,
                message: message.to_string(),
            },
            Ok(Exec::Module(id, bytes)) => {
                let module = add_module(script, pos, id, bytes);
                Command::AssertTrapModule {
                    pos,
                    module,
                    message: message.to_string(),
                }
            }
            Err(what) => Command::Unsupported { pos, what },
        },
        WastDirective::AssertExhaustion { call, message, .. } => match convert_invoke(call) {
            Ok(action) => Command::AssertExhaustion {
                pos,
                action,
                message: message.to_string(),
            },
            Err(what) => Command::Unsupported { pos, what },
        },
        WastDirective::AssertInvalid {
            mut module,
            message,
            ..
        } => {
            let bytes = encode_quote(lines, text, &mut module);
            Command::AssertInvalid {
                pos,
                bytes,
                message: message.to_string(),
            }
        }
        WastDirective::AssertMalformed {
            mut module,
            message,
            ..
        } => {
            let form = match &module {
                QuoteWat::QuoteModule(..) | QuoteWat::QuoteComponent(..) => ModuleForm::Quote,
                QuoteWat::Wat(_) if is_binary_module(&module) => ModuleForm::Binary,
                QuoteWat::Wat(_) => ModuleForm::Text,
            };
            let bytes = encode_quote(lines, text, &mut module);
            Command::AssertMalformed {
                pos,
                form,
                bytes,
                message: message.to_string(),
            }
        }
        WastDirective::AssertUnlinkable {
            mut module,
            message,
            ..
        } => {
            let id = match &module {
                wast::Wat::Module(m) => id_name(m.id),
                wast::Wat::Component(_) => None,
            };
            let bytes = module.encode().map_err(|e| wast_error(lines, text, e));
            let module = add_module(script, pos, id, bytes);
            Command::AssertUnlinkable {
                pos,
                module,
                message: message.to_string(),
            }
        }
        WastDirective::AssertInvalidCustom { .. } => Command::Unsupported {
            pos,
            what: "assert_invalid_custom".into(),
        },
        WastDirective::AssertMalformedCustom { .. } => Command::Unsupported {
            pos,
            what: "assert_malformed_custom".into(),
        },
        WastDirective::AssertException { exec, .. } => match convert_exec(exec) {
            Ok(Exec::Action(action)) => Command::AssertException { pos, action },
            Ok(Exec::Module(..)) => Command::Unsupported {
                pos,
                what: "assert_exception on a module".into(),
            },
            Err(what) => Command::Unsupported { pos, what },
        },
        WastDirective::AssertSuspension { .. } => Command::Unsupported {
            pos,
            what: "assert_suspension".into(),
        },
        WastDirective::Thread(_) => Command::Unsupported {
            pos,
            what: "thread".into(),
        },
        WastDirective::Wait { .. } => Command::Unsupported {
            pos,
            what: "wait".into(),
        },
    }
}

fn is_binary_module(m: &QuoteWat<'_>) -> bool {
    matches!(
        m,
        QuoteWat::Wat(wast::Wat::Module(wast::core::Module {
            kind: wast::core::ModuleKind::Binary(_),
            ..
        }))
    )
}

enum Exec {
    Action(Action),
    Module(Option<String>, Result<Vec<u8>, String>),
}

fn convert_exec(exec: WastExecute<'_>) -> Result<Exec, String> {
    match exec {
        WastExecute::Invoke(i) => convert_invoke(i).map(Exec::Action),
        WastExecute::Get { module, global, .. } => Ok(Exec::Action(Action::Get {
            module: id_name(module),
            name: global.to_string(),
        })),
        WastExecute::Wat(mut w) => {
            let id = match &w {
                wast::Wat::Module(m) => id_name(m.id),
                wast::Wat::Component(_) => return Err("component".into()),
            };
            Ok(Exec::Module(id, w.encode().map_err(|e| e.message())))
        }
    }
}

fn convert_invoke(i: wast::WastInvoke<'_>) -> Result<Action, String> {
    let args = i
        .args
        .into_iter()
        .map(convert_arg)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Action::Invoke {
        module: id_name(i.module),
        name: i.name.to_string(),
        args,
    })
}

fn heap_kind(h: &HeapType<'_>) -> Option<ValKind> {
    match h {
        HeapType::Abstract {
            ty: AbstractHeapType::Func,
            ..
        } => Some(ValKind::FuncRef),
        HeapType::Abstract {
            ty: AbstractHeapType::Extern,
            ..
        } => Some(ValKind::ExternRef),
        _ => None,
    }
}

fn convert_arg(a: WastArg<'_>) -> Result<Value, String> {
    let WastArg::Core(a) = a else {
        return Err("component value".into());
    };
    Ok(match a {
        WastArgCore::I32(v) => Value::I32(v),
        WastArgCore::I64(v) => Value::I64(v),
        WastArgCore::F32(f) => Value::F32(f.bits),
        WastArgCore::F64(f) => Value::F64(f.bits),
        WastArgCore::V128(v) => Value::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(h) => match heap_kind(&h) {
            Some(ValKind::FuncRef) => Value::FuncRef(0),
            Some(ValKind::ExternRef) => Value::ExternRef(0),
            _ => return Err(format!("ref.null of heap type {h:?}")),
        },
        WastArgCore::RefExtern(n) => Value::extern_host(n),
        WastArgCore::RefHost(_) => return Err("ref.host argument".into()),
    })
}

fn float_pat<T, B>(p: NanPattern<T>, bits: impl Fn(T) -> B) -> FloatPat<B> {
    match p {
        NanPattern::CanonicalNan => FloatPat::CanonicalNan,
        NanPattern::ArithmeticNan => FloatPat::ArithmeticNan,
        NanPattern::Value(v) => FloatPat::Bits(bits(v)),
    }
}

fn v128_pat(p: wast::core::V128Pattern) -> V128Pat {
    use wast::core::V128Pattern as P;
    let ints = |bits: u32, lanes: Vec<u64>| V128Pat::Ints { bits, lanes };
    match p {
        P::I8x16(l) => ints(8, l.iter().map(|v| *v as u8 as u64).collect()),
        P::I16x8(l) => ints(16, l.iter().map(|v| *v as u16 as u64).collect()),
        P::I32x4(l) => ints(32, l.iter().map(|v| *v as u32 as u64).collect()),
        P::I64x2(l) => ints(64, l.iter().map(|v| *v as u64).collect()),
        P::F32x4(l) => V128Pat::F32(l.into_iter().map(|p| float_pat(p, |f| f.bits)).collect()),
        P::F64x2(l) => V128Pat::F64(l.into_iter().map(|p| float_pat(p, |f| f.bits)).collect()),
    }
}

fn convert_ret(r: WastRet<'_>) -> Expected {
    let WastRet::Core(r) = r else {
        return Expected::Unsupported("component value".into());
    };
    convert_ret_core(r)
}

fn convert_ret_core(r: WastRetCore<'_>) -> Expected {
    match r {
        WastRetCore::I32(v) => Expected::I32(v),
        WastRetCore::I64(v) => Expected::I64(v),
        WastRetCore::F32(p) => Expected::F32(float_pat(p, |f| f.bits)),
        WastRetCore::F64(p) => Expected::F64(float_pat(p, |f| f.bits)),
        WastRetCore::V128(p) => Expected::V128(v128_pat(p)),
        WastRetCore::RefNull(h) => match h {
            None => Expected::RefNull(None),
            Some(h) => match heap_kind(&h) {
                Some(k) => Expected::RefNull(Some(k)),
                None => Expected::Unsupported(format!("ref.null {h:?}")),
            },
        },
        WastRetCore::RefExtern(n) => Expected::RefExtern(n),
        WastRetCore::RefFunc(_) => Expected::RefFunc,
        WastRetCore::Either(all) => {
            Expected::Either(all.into_iter().map(convert_ret_core).collect())
        }
        other => Expected::Unsupported(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = r#"
(module $M (func (export "f") (param i32) (result i32) local.get 0))
(register "m" $M)
(assert_return (invoke $M "f" (i32.const 7)) (i32.const 7))
(assert_return (invoke "g") (f32.const nan:canonical) (either (i32.const 1) (i32.const 2)))
(assert_trap (invoke "f" (i32.const 0)) "unreachable")
(assert_trap (module (func unreachable) (start 0)) "unreachable")
(assert_malformed (module quote "(func") "unexpected end")
(assert_malformed (module binary "\00asm") "unexpected end")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_unlinkable (module (import "x" "y" (func))) "unknown import")
(assert_exhaustion (invoke "rec") "call stack exhausted")
(module quote "(func (export \"q\"))")
(invoke "q" (ref.extern 0) (ref.null func))
(assert_return (get "glob") (ref.null extern))
"#;

    #[test]
    fn parses_every_directive() {
        let s = parse(SCRIPT).unwrap();
        assert_eq!(s.commands.len(), 14);
        assert_eq!(s.modules.len(), 4); // $M, trap module, unlinkable, quote
        assert_eq!(s.modules[0].id.as_deref(), Some("M"));
        assert!(s.modules.iter().all(|m| m.bytes.is_ok()));
        assert_eq!(s.assertion_count(), 10);
        match &s.commands[0] {
            Command::Module {
                pos,
                instantiate: true,
                ..
            } => assert_eq!(pos.line, 2),
            c => panic!("{c:?}"),
        }
        match &s.commands[3] {
            Command::AssertReturn { expected, .. } => {
                assert_eq!(expected[0], Expected::F32(FloatPat::CanonicalNan));
                assert!(matches!(expected[1], Expected::Either(_)));
            }
            c => panic!("{c:?}"),
        }
        match &s.commands[6] {
            Command::AssertMalformed {
                form: ModuleForm::Quote,
                bytes: Err(_),
                ..
            } => {}
            c => panic!("{c:?}"),
        }
        match &s.commands[7] {
            Command::AssertMalformed {
                form: ModuleForm::Binary,
                bytes: Ok(b),
                ..
            } => {
                assert_eq!(b, b"\0asm")
            }
            c => panic!("{c:?}"),
        }
        match &s.commands[12] {
            Command::Action {
                action: Action::Invoke { args, .. },
                ..
            } => {
                assert_eq!(args, &[Value::ExternRef(1), Value::FuncRef(0)])
            }
            c => panic!("{c:?}"),
        }
    }

    #[test]
    fn lines_and_columns() {
        let l = Lines::new("ab\ncd\n\nx");
        assert_eq!(l.pos(0), Pos { line: 1, col: 1 });
        assert_eq!(l.pos(3), Pos { line: 2, col: 1 });
        assert_eq!(l.pos(4), Pos { line: 2, col: 2 });
        assert_eq!(l.pos(7), Pos { line: 4, col: 1 });
    }

    #[test]
    fn syntax_error_has_position() {
        let e = parse("(module)\n(assert_return (invoke \"f\") (i32.const))").unwrap_err();
        assert!(e.starts_with("2:"), "{e}");
    }
}
