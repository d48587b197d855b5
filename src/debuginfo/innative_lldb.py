# innative lldb extension: pointers stored in WebAssembly linear memory.
#
# Load it once per session:   (lldb) command script import /path/to/innative_lldb.py
# or for every session, add that line to ~/.lldbinit.  `innative compile -g`
# writes this file next to its output; it is the same for every program.
#
# A C pointer stored in linear memory (a struct member, an array element)
# holds a 4-byte wasm address W; the object is at native address M + W, M
# being the memory's base (the DWARF variable __innative_memory_base that
# innative emits).  lldb cannot follow such a pointer by itself.  This script
#   * prints every such pointer as the native pointer it stands for
#     (`next = 0x00005555555592a0`, `name = 0x0000555555559400 "hello"`),
#     in `frame variable`, `p`, `expression` results and everywhere else
#     lldb formats values;
#   * lets `frame variable p->next->value` follow them (synthetic children);
#   * replaces `p` (`dwim-print`) by `innative-print`, which evaluates C
#     access paths -- names, `.`, `->`, `*`, `&`, `[index]`, parentheses --
#     following wasm pointers, and hands anything else to `dwim-print`.
#     `p p->next->next->value`, `p *p->next`, `p *h.numbers[1]` then behave
#     as in a native build.  (`expression` itself still sees the raw 32-bit
#     values: clang cannot be taught wasm pointers.)

import re

import lldb

RESERVATION = (1 << 33) + 65536  # bytes reserved per linear memory
BASE_VARIABLE = "__innative_memory_base"
TABLE_VARIABLE = "__innative_table"
BOX_MEMBER = "__wasm_ptr"
POINTER_SUFFIX = "__ptr32"  # innative's wasm pointer typedefs: `struct Node * __ptr32`

_cache = {"key": None, "bases": []}


def _distinct_values(target, name):
    """The distinct non-zero values of every global variable called `name`
    (innative's per-unit helper variables)."""
    out = []
    values = target.FindGlobalVariables(name, 256)
    for i in range(values.GetSize()):
        v = values.GetValueAtIndex(i).GetValueAsUnsigned(0)
        if v and v not in out:
            out.append(v)
    return out


def _bases(target):
    """The base of every linear memory described in the program."""
    process = target.GetProcess()
    key = (process.GetUniqueID(), process.GetStopID()) if process.IsValid() else None
    if key is None or _cache["key"] != key:
        _cache["key"] = key
        _cache["bases"] = _distinct_values(target, BASE_VARIABLE)
    return _cache["bases"]


def _base(value):
    target = value.GetTarget()
    bases = _bases(target)
    a = value.GetLoadAddress()
    if a != lldb.LLDB_INVALID_ADDRESS:
        for b in bases:
            if b <= a < b + RESERVATION:
                return b
    if len(bases) == 1:
        return bases[0]
    frame = value.GetFrame()
    if frame.IsValid():
        v = frame.FindValue(BASE_VARIABLE, lldb.eValueTypeVariableStatic)
        if v.IsValid() and v.GetValueAsUnsigned(0):
            return v.GetValueAsUnsigned(0)
    return bases[0] if bases else None


def _function_code(value, w):
    """The native code address the wasm function pointer `w` (an index into
    table 0, __innative_table: {void **elems; uint32_t size; ...}) stands
    for: 0 for a null entry, None when unknown."""
    target = value.GetTarget()
    process = target.GetProcess()
    tables = _distinct_values(target, TABLE_VARIABLE)
    if len(tables) != 1:
        frame = value.GetFrame()
        tables = []
        if frame.IsValid():
            v = frame.FindValue(TABLE_VARIABLE, lldb.eValueTypeVariableStatic)
            if v.IsValid() and v.GetValueAsUnsigned(0):
                tables = [v.GetValueAsUnsigned(0)]
    if not tables or not process.IsValid():
        return None
    error = lldb.SBError()
    elems = process.ReadPointerFromMemory(tables[0], error)
    size = process.ReadUnsignedFromMemory(tables[0] + 8, 4, error)
    if error.Fail() or w >= size:
        return None
    descriptor = process.ReadPointerFromMemory(elems + 8 * w, error)
    if error.Fail():
        return None
    if not descriptor:
        return 0
    code = process.ReadPointerFromMemory(descriptor, error)
    return None if error.Fail() else code


def _pointer_typedef(t):
    """innative's typedef for a wasm pointer type (named after the C type,
    e.g. `struct Node *`, aliasing a native pointer) or for a reference
    kept in memory (`int &`, aliasing a native reference), if `t` is one or
    a typedef of one."""
    for _ in range(32):
        # (not GetUnqualifiedType(): it also drops typedefs)
        if not t.IsTypedefType():
            return None
        target = t.GetTypedefedType()
        name = t.GetName() or ""
        canonical = target.GetCanonicalType()
        if "*" in name and canonical.IsPointerType():
            return t
        if "&" in name and canonical.IsReferenceType():
            return t
        t = target
    return None


def _is_box(t):
    """innative's 4-byte wrapper of a wasm pointer stored in an array (8-byte
    for memory64)."""
    c = t.GetCanonicalType()
    if c.GetTypeClass() != lldb.eTypeClassStruct or c.GetByteSize() not in (4, 8):
        return False
    return c.GetNumberOfFields() == 1 and c.GetFieldAtIndex(0).GetName() == BOX_MEMBER


def is_wasm_pointer(sbtype, internal_dict=None):
    return _pointer_typedef(sbtype) is not None or _is_box(sbtype)


def is_wasm_pointer_typedef(sbtype, internal_dict=None):
    return _pointer_typedef(sbtype) is not None


def _find_real_type(target, element):
    """The dynamic array element innative emits for a named struct, union or
    class is a declaration of the other tag (see src/debuginfo/pointers.rs): find
    the definition."""
    c = element.GetCanonicalType()
    cls = c.GetTypeClass()
    if cls not in (lldb.eTypeClassStruct, lldb.eTypeClassUnion, lldb.eTypeClassClass):
        return element
    if c.GetNumberOfFields() > 0 or not c.GetName():
        return element
    want = (lldb.eTypeClassStruct, lldb.eTypeClassClass) if cls == lldb.eTypeClassUnion else (lldb.eTypeClassUnion,)
    name = c.GetName()
    types = target.FindTypes(name)
    best = None
    for i in range(types.GetSize()):
        t = types.GetTypeAtIndex(i)
        tc = t.GetCanonicalType()
        if tc.GetTypeClass() in want and tc.GetNumberOfFields() > 0:
            return t
        if tc.GetTypeClass() in want and best is None:
            best = t
    return best or element


class WasmPointer:
    """What a wasm pointer value stands for: `address` (native, 0 for null),
    the `pointee` type, and whether it is a function pointer (a table index)."""

    def __init__(self, value):
        self.value = value
        self.ok = False
        v = value.GetNonSyntheticValue() if value.IsSynthetic() else value
        holder = v
        if _is_box(v.GetType()):
            v = v.GetChildMemberWithName(BOX_MEMBER)
        marker = _pointer_typedef(v.GetType())
        if marker is None:
            return
        self.ok = True
        self.w = v.GetValueAsUnsigned(0) & 0xFFFFFFFF
        target = value.GetTarget()
        self.reference = marker.GetTypedefedType().GetCanonicalType().IsReferenceType()
        if self.reference:
            pointee = marker.GetTypedefedType().GetCanonicalType().GetDereferencedType()
        else:
            pointee = marker.GetTypedefedType().GetPointeeType()
        self.function = pointee.GetCanonicalType().IsFunctionType()
        if pointee.GetCanonicalType().IsArrayType():
            pointee = _find_real_type(target, pointee.GetCanonicalType().GetArrayElementType())
        self.pointee = pointee
        self.pointer_type = marker
        self.address = 0
        if self.w and self.function:
            code = _function_code(holder, self.w)
            if code is None:
                self.ok = False
                return
            self.address = code
        if self.w and not self.function:
            base = _base(holder)
            if base is None:
                self.ok = False
                return
            self.address = base + self.w

    def native(self, name="ptr"):
        """A native pointer value (for lldb's own formatting)."""
        target = self.value.GetTarget()
        data = lldb.SBData.CreateDataFromUInt64Array(
            target.GetByteOrder(), target.GetAddressByteSize(), [self.address])
        ptype = self.pointee.GetPointerType() if self.pointee.IsValid() else target.GetBasicType(lldb.eBasicTypeVoid).GetPointerType()
        return target.CreateValueFromData(name, data, ptype)

    def deref(self, name):
        if self.function:
            raise EvalError("cannot dereference a function pointer")
        if not self.address:
            raise EvalError("Cannot access memory at address 0x0")
        target = self.value.GetTarget()
        v = target.CreateValueFromAddress(name, lldb.SBAddress(self.address, target), self.pointee)
        if not v.IsValid():
            raise EvalError("cannot read %s" % name)
        return v

    def text(self):
        if self.function and not self.address:
            return "0x%016x" % 0
        if not self.address:
            # lldb prints a null pointer as its language spells it.
            frame = self.value.GetFrame()
            language = frame.GuessLanguage() if frame.IsValid() else lldb.eLanguageTypeC
            c = language in (lldb.eLanguageTypeC, lldb.eLanguageTypeC89,
                             lldb.eLanguageTypeC99, lldb.eLanguageTypeC11)
            return "NULL" if c else "nullptr"
        text = "0x%016x" % self.address
        summary = self.native().GetSummary()
        if summary:
            text += " " + summary
        return text


def pointer_summary(valobj, internal_dict=None):
    p = WasmPointer(valobj)
    if not p.ok:
        return ""
    # (A reference's referent is its one synthetic child, below.)
    return p.text()


class WasmPointerProvider:
    """Children of a wasm pointer: those of what it points to, and
    `$$dereference$$` (so that `frame variable p->next->value` works)."""

    def __init__(self, valobj, internal_dict):
        self.valobj = valobj
        self.target_value = None

    def update(self):
        self.target_value = None
        self.reference = False
        try:
            p = WasmPointer(self.valobj)
            if p.ok and p.address and not p.function:
                # lldb names a reference's referent `&name`.
                self.reference = p.reference
                prefix = "&" if p.reference else "*"
                self.target_value = p.deref(prefix + (self.valobj.GetName() or "ptr"))
        except EvalError:
            pass
        return False

    def has_children(self):
        return self.target_value is not None

    def num_children(self):
        if self.target_value is None:
            return 0
        if self.reference:
            # As lldb shows a native reference member: its referent only.
            return 1
        return self.target_value.GetNumChildren() + 1

    def get_child_index(self, name):
        if self.target_value is None:
            return -1
        if self.reference:
            return 0 if name in ("$$dereference$$", self.target_value.GetName()) else -1
        if name == "$$dereference$$":
            return self.target_value.GetNumChildren()
        return self.target_value.GetIndexOfChildWithName(name)

    def get_child_at_index(self, index):
        if self.target_value is None:
            return None
        if self.reference:
            return self.target_value if index == 0 else None
        if index == self.target_value.GetNumChildren():
            return self.target_value
        return self.target_value.GetChildAtIndex(index)


# ---- innative-print: C access paths that follow wasm pointers --------------

class EvalError(Exception):
    pass


_TOKEN = re.compile(r"\s*(->|[A-Za-z_][A-Za-z_0-9]*|0[xX][0-9a-fA-F]+|[0-9]+|\S)")


def _tokenize(text):
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            break
        tokens.append(m.group(1))
        pos = m.end()
    return tokens


class _Evaluator:
    def __init__(self, frame, text):
        self.frame = frame
        self.target = frame.GetThread().GetProcess().GetTarget()
        self.tokens = _tokenize(text)
        self.pos = 0
        self.wasm = False  # a wasm pointer was followed

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected=None):
        t = self.peek()
        if t is None or (expected is not None and t != expected):
            raise SyntaxError(expected or "token")
        self.pos += 1
        return t

    def run(self):
        v = self.unary()
        if self.peek() is not None:
            raise SyntaxError("unsupported")
        # A reference kept in memory stands for what it refers to, as an
        # expression naming a native reference does.
        p = WasmPointer(v)
        if p.ok and p.reference and p.address:
            self.wasm = True
            v = p.deref(v.GetName() or "ref")
        return v

    def unary(self):
        t = self.peek()
        if t == "*":
            self.take()
            return self.deref(self.unary())
        if t == "&":
            self.take()
            v = self.unary()
            a = v.AddressOf()
            if not a.IsValid():
                raise EvalError("cannot take the address of %s" % v.GetName())
            return a
        return self.postfix(self.primary())

    def primary(self):
        t = self.take()
        if t == "(":
            v = self.unary()
            self.take(")")
            return v
        if re.match(r"[A-Za-z_]", t):
            return self.variable(t)
        raise SyntaxError("unsupported")

    def variable(self, name):
        v = self.frame.FindVariable(name)
        if not v.IsValid():
            for kind in (lldb.eValueTypeVariableStatic, lldb.eValueTypeVariableGlobal):
                v = self.frame.FindValue(name, kind)
                if v.IsValid():
                    break
        if not v.IsValid():
            v = self.target.FindFirstGlobalVariable(name)
        if not v.IsValid():
            raise SyntaxError("unknown name")  # let dwim-print report it
        return v

    def postfix(self, v):
        while True:
            t = self.peek()
            if t == ".":
                self.take()
                v = self.member(v, self.take())
            elif t == "->":
                self.take()
                v = self.member(self.deref(v), self.take())
            elif t == "[":
                self.take()
                index = self.index()
                self.take("]")
                v = self.subscript(v, index)
            else:
                return v

    def index(self):
        t = self.peek()
        if t is not None and re.match(r"[0-9]", t):
            self.take()
            return int(t, 0)
        v = self.unary()
        if v.GetError().Fail():
            raise EvalError(v.GetError().GetCString())
        return v.GetValueAsSigned(0)

    @staticmethod
    def plain(v):
        return v.GetNonSyntheticValue() if v.IsSynthetic() else v

    def member(self, v, name):
        v = self.plain(v)
        if is_wasm_pointer(v.GetType()) or v.GetType().GetCanonicalType().IsPointerType():
            raise EvalError('"%s" is a pointer and . was used to access "%s"' % (v.GetName(), name))
        child = v.GetChildMemberWithName(name)
        if not child.IsValid():
            raise EvalError('"%s" is not a member of "(%s) %s"' % (name, v.GetTypeName(), v.GetName()))
        return child

    def deref(self, v):
        v = self.plain(v)
        name = "*" + (v.GetName() or "")
        if is_wasm_pointer(v.GetType()):
            p = WasmPointer(v)
            if p.ok:
                self.wasm = True
                return p.deref(name)
        c = v.GetType().GetCanonicalType()
        if c.IsPointerType():
            if v.GetError().Fail():
                raise EvalError(v.GetError().GetCString())
            if v.GetValueAsUnsigned(0) == 0:
                raise EvalError("Cannot access memory at address 0x0")
            d = v.Dereference()
            if not d.IsValid() or d.GetError().Fail():
                raise EvalError("cannot dereference %s" % v.GetName())
            return d
        if c.IsArrayType():
            return self.subscript(v, 0)
        raise EvalError("Attempt to take contents of a non-pointer value.")

    def at(self, address, type_, name):
        v = self.target.CreateValueFromAddress(name, lldb.SBAddress(address, self.target), type_)
        if not v.IsValid():
            raise EvalError("cannot read %s" % name)
        return v

    def subscript(self, v, index):
        v = self.plain(v)
        name = "%s[%d]" % (v.GetName() or "", index)
        t = v.GetType()
        if is_wasm_pointer(t):
            p = WasmPointer(v)
            if p.ok:
                self.wasm = True
                if not p.address:
                    raise EvalError("Cannot access memory at address 0x0")
                return self.at(p.address + index * p.pointee.GetByteSize(), p.pointee, name)
        c = t.GetCanonicalType()
        if c.IsArrayType():
            element = t.GetArrayElementType() if t.IsArrayType() else c.GetArrayElementType()
            base = v.GetLoadAddress()
            if base != lldb.LLDB_INVALID_ADDRESS:
                return self.at(base + index * element.GetByteSize(), element, name)
            child = v.GetChildAtIndex(index)
            if not child.IsValid():
                raise EvalError("array index %d is not valid" % index)
            return child
        if c.IsPointerType():
            pointee = t.GetPointeeType() if t.IsPointerType() else c.GetPointeeType()
            base = v.GetValueAsUnsigned(0)
            return self.at(base + index * pointee.GetByteSize(), pointee, name)
        raise EvalError("cannot subscript %s" % v.GetName())


def _type_name(value):
    """The C type of `value` (a wasm pointer's without innative's suffix)."""
    marker = _pointer_typedef(value.GetType())
    name = marker.GetName() if marker is not None else value.GetTypeName()
    return name.replace(" " + POINTER_SUFFIX, "")


def _describe(value):
    """`(type) value`, as `p`/`dwim-print` prints a result."""
    stream = lldb.SBStream()
    value.GetDescription(stream)
    text = stream.GetData()
    name = value.GetName() or ""
    cut = text.find(") %s = " % name) if text.startswith("(") else -1
    if cut > 0:
        text = "(%s) %s" % (_type_name(value), text[cut + len(name) + 5:])
    return text if text.endswith("\n") else text + "\n"


_FORMATS = {
    "x": lldb.eFormatHex, "d": lldb.eFormatDecimal, "u": lldb.eFormatUnsigned,
    "o": lldb.eFormatOctal, "t": lldb.eFormatBinary, "c": lldb.eFormatChar,
    "f": lldb.eFormatFloat, "a": lldb.eFormatAddressInfo, "s": lldb.eFormatCString,
}


def _print(debugger, frame, text, gdb_format, result):
    """innative-print: evaluate `text` as a C access path following wasm
    pointers; anything else (or nothing wasm on the way) goes to dwim-print."""
    fmt = _FORMATS.get(gdb_format[-1:]) if gdb_format else None
    if frame.IsValid() and text and text[0] != "-" and (gdb_format is None or fmt is not None):
        ev = _Evaluator(frame, text)
        try:
            value = ev.run()
            if ev.wasm or is_wasm_pointer(value.GetType()):
                if value.GetError().Fail():
                    result.SetError(value.GetError().GetCString())
                else:
                    if fmt is not None:
                        value.SetFormat(fmt)
                    result.PutCString(_describe(value).rstrip("\n"))
                return
        except EvalError as e:
            # Errors on the way through a wasm pointer are ours to report;
            # anything else is for dwim-print, as without this script.
            if ev.wasm:
                result.SetError(str(e))
                return
        except SyntaxError:
            pass
    command = "dwim-print "
    if gdb_format:
        command += "--gdb-format=%s -- " % gdb_format
    ret = lldb.SBCommandReturnObject()
    debugger.GetCommandInterpreter().HandleCommand(
        command + text, lldb.SBExecutionContext(frame) if frame.IsValid() else debugger.GetSelectedTarget(), ret)
    if ret.GetOutput():
        result.AppendMessage(ret.GetOutput().rstrip("\n"))
    if not ret.Succeeded():
        result.SetError(ret.GetError() or "dwim-print failed")


def _selected_frame(debugger, exe_ctx=None):
    if exe_ctx is not None and exe_ctx.GetFrame().IsValid():
        return exe_ctx.GetFrame()
    return debugger.GetSelectedTarget().GetProcess().GetSelectedThread().GetSelectedFrame()


def print_command(debugger, command, result, internal_dict):
    """innative-print EXPR (raw form, for lldb without parsed commands)."""
    _print(debugger, _selected_frame(debugger), command.strip(), None, result)


try:
    from lldb.plugins.parsed_cmd import ParsedCommand
except ImportError:  # lldb before 19
    ParsedCommand = None

if ParsedCommand is not None:

    class PrintCommand(ParsedCommand):
        """innative-print [-G FMT] EXPR: dwim-print that follows wasm pointers
        (`p/x EXPR` works: lldb passes the format as --gdb-format)."""

        def setup_command_definition(self):
            parser = self.get_parser()
            parser.add_option("G", "gdb-format", help="Print with a gdb-style format (p/x).",
                              default=None, dest="gdb_format",
                              value_type=lldb.eArgTypeGDBFormat)
            parser.add_argument_set([parser.make_argument_element(lldb.eArgTypeExpression, repeat="plus")])

        def __call__(self, debugger, args, exe_ctx, result):
            if hasattr(args, "GetSize"):
                words = [args.GetItemAtIndex(i).GetStringValue(4096) for i in range(args.GetSize())]
            else:
                words = list(args)
            # lldb has removed the quotes around arguments: restore them
            # where an argument holds a space.
            text = " ".join('"%s"' % w if " " in w else w for w in words)
            parser = self.get_parser()
            fmt = parser.gdb_format if parser.was_set("gdb-format") else None
            _print(debugger, _selected_frame(debugger, exe_ctx), text, fmt, result)


def __lldb_init_module(debugger, internal_dict):
    m = __name__
    debugger.HandleCommand(
        "type summary add -v -F %s.pointer_summary --recognizer-function %s.is_wasm_pointer" % (m, m))
    debugger.HandleCommand(
        "type synthetic add -l %s.WasmPointerProvider --recognizer-function %s.is_wasm_pointer_typedef" % (m, m))
    if ParsedCommand is not None:
        debugger.HandleCommand("command script add -o -p -c %s.PrintCommand innative-print" % m)
    else:
        debugger.HandleCommand("command script add -o -f %s.print_command innative-print" % m)
    ret = lldb.SBCommandReturnObject()
    ci = debugger.GetCommandInterpreter()
    ci.HandleCommand("command unalias p", ret)
    ci.HandleCommand("command alias p innative-print", ret)
