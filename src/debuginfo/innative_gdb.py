# innative gdb extension: pointers stored in WebAssembly linear memory.
#
# innative embeds this script in the .debug_gdb_scripts section of every
# `innative compile -g` output; gdb runs it when it loads the program if
# `auto-load safe-path` allows that (gdb prints the `add-auto-load-safe-path`
# line to add otherwise).  It can also be loaded by hand: `source innative_gdb.py`.
#
# What it does: a C pointer stored in linear memory (a struct member, an array
# element) holds a 4-byte wasm address W; the object is at native address
# M + W, M being the memory's base (the DWARF variable __innative_memory_base).
# gdb already *follows* such pointers without this script (innative describes
# them with DW_AT_data_location); this script makes gdb *print* them as native
# pointers, as a native build would: `0x5555555592a0`, `0x555555559400 "hello"`.
# (It does not change how expressions are evaluated.)  For the same reason it
# prints Rust slices and `&str` (whose data pointer is such a pointer) as gdb
# prints them natively: `&[u8] [2, 3]`, `"total"`.

import gdb

_RESERVATION = (1 << 33) + 65536  # bytes reserved per linear memory
_BASE_VARIABLE = "__innative_memory_base"
_TABLE_VARIABLE = "__innative_table"
_BOX_MEMBER = "__wasm_ptr"


class _Cache:
    bases = None


def _invalidate(*_):
    _Cache.bases = None


def _bases():
    """The base address of every linear memory described in the program."""
    if _Cache.bases is None:
        bases = []
        try:
            symbols = gdb.lookup_static_symbols(_BASE_VARIABLE)
        except (gdb.error, AttributeError):
            symbols = []
        for sym in symbols:
            try:
                b = int(sym.value())
            except (gdb.error, gdb.MemoryError, RuntimeError):
                continue
            if b and b not in bases:
                bases.append(b)
        _Cache.bases = bases
    return _Cache.bases


def _base(value):
    """The base of the linear memory `value` (a wasm pointer) lives in."""
    bases = _bases()
    try:
        address = value.address
    except gdb.error:
        address = None
    if address is not None:
        a = int(address)
        for b in bases:
            if b <= a < b + _RESERVATION:
                return b
    if len(bases) == 1:
        return bases[0]
    try:
        frame = gdb.selected_frame()
        sym = gdb.lookup_symbol(_BASE_VARIABLE, frame.block())[0]
        if sym is not None:
            return int(sym.value(frame))
    except (gdb.error, RuntimeError):
        pass
    return bases[0] if bases else None


def _wasm_pointer_typedef(t):
    """The typedef innative gives a wasm pointer type (named after the C type,
    e.g. `struct Node *`, and aliasing a native pointer), if `t` is one or a
    typedef/qualified version of one."""
    for _ in range(32):
        t = t.unqualified()
        if t.code != gdb.TYPE_CODE_TYPEDEF:
            return None
        target = t.target()
        if t.name and "*" in t.name and target.unqualified().code == gdb.TYPE_CODE_PTR:
            return t
        t = target
    return None


def _box_field(t):
    """The field of innative's 4-byte wrapper of a wasm pointer stored in an
    array (or pointed to by a native pointer), if `t` is that wrapper."""
    s = t.strip_typedefs()
    if s.code != gdb.TYPE_CODE_STRUCT or s.tag is not None or s.sizeof not in (4, 8):
        return None
    fields = s.fields()
    if len(fields) == 1 and fields[0].name == _BOX_MEMBER:
        return fields[0]
    return None


def native_pointer(value):
    """The native pointer (a gdb.Value) a wasm pointer value stands for, or
    None when `value` is not a wasm pointer.  A wasm function pointer (a
    table index) is returned as an unsigned integer."""
    found = _native_pointer(value)
    return None if found is None else found[0]


def _native_pointer(value):
    """(native pointer, memory base) for a wasm pointer value, or None."""
    t = value.type
    if _box_field(t) is not None:
        holder = value
        value = value[_BOX_MEMBER]
        t = value.type
    else:
        holder = value
    marker = _wasm_pointer_typedef(t)
    if marker is None:
        return None
    w = int(value) & 0xFFFFFFFF
    pointer = marker.target().unqualified()
    target = pointer.target()
    if target.strip_typedefs().code == gdb.TYPE_CODE_FUNC:
        code = _function_code(w)
        if code is None:
            return gdb.Value(w).cast(gdb.lookup_type("unsigned int")), None
        return gdb.Value(code).cast(pointer), None
    if target.unqualified().code == gdb.TYPE_CODE_ARRAY and target.unqualified().name:
        target = target.unqualified().target()
    if w == 0:
        return gdb.Value(0).cast(target.pointer()), None
    base = _base(holder)
    if base is None:
        return None
    return gdb.Value(base + w).cast(target.pointer()), base


def _read_pointer(address, size=8):
    data = gdb.selected_inferior().read_memory(address, size)
    return int.from_bytes(bytes(data), "little")


def _function_code(w):
    """The native code address a wasm function pointer (an index into table
    0, __innative_table: {void **elems; uint32_t size; ...}) stands for: 0 for
    null, None when unknown (no table, index out of range)."""
    if w == 0:
        return 0
    tables = []
    try:
        for sym in gdb.lookup_static_symbols(_TABLE_VARIABLE):
            t = int(sym.value())
            if t and t not in tables:
                tables.append(t)
    except (gdb.error, AttributeError, RuntimeError):
        return None
    if len(tables) != 1:
        try:
            frame = gdb.selected_frame()
            sym = gdb.lookup_symbol(_TABLE_VARIABLE, frame.block())[0]
            tables = [int(sym.value(frame))] if sym is not None else []
        except (gdb.error, RuntimeError):
            return None
    if not tables or not tables[0]:
        return None
    try:
        elems = _read_pointer(tables[0])
        size = _read_pointer(tables[0] + 8, 4)
        if w >= size:
            return None
        descriptor = _read_pointer(elems + 8 * w)
        return _read_pointer(descriptor) if descriptor else 0
    except (gdb.error, gdb.MemoryError):
        return None


def _symbol_table(base):
    """The data symbols of the module whose memory is at `base` (embedded by
    innative next to this script: {unit name: [(wasm address, size, name)]})."""
    tables = getattr(gdb, "_innative_symbols", None)
    if not tables:
        return None
    distinct = {id(t): t for t in tables.values()}
    if len(distinct) == 1:
        return next(iter(distinct.values()))
    try:
        for sym in gdb.lookup_static_symbols(_BASE_VARIABLE):
            if int(sym.value()) == base and sym.symtab is not None:
                return tables.get(sym.symtab.filename)
    except (gdb.error, RuntimeError):
        pass
    return None


def _symbolize(base, address):
    """`<nodes+16>` for a native address inside a C global, as gdb prints
    a pointer to a data symbol."""
    table = _symbol_table(base)
    if not table:
        return None
    w = address - base
    for start, size, name in table:
        if start <= w < start + max(size, 1):
            return "<%s>" % name if w == start else "<%s+%d>" % (name, w - start)
    return None


class _PointerPrinter:
    def __init__(self, native, base):
        self.native = native
        self.base = base

    def to_string(self):
        try:
            text = self.native.format_string(address=True, symbols=True)
        except (gdb.error, gdb.MemoryError) as e:
            return "<error: %s>" % e
        if self.base:
            address = int(self.native)
            symbol = _symbolize(self.base, address) if address else None
            if symbol and "<" not in text.split(" ", 1)[0]:
                head, _, rest = text.partition(" ")
                text = "%s %s%s" % (head, symbol, " " + rest if rest else "")
        return text


class _DerefPrinter:
    """`*p->next`: the one-element array innative points wasm pointers at
    prints as the object itself."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        return self.value[0]


class _RustSlicePrinter:
    """A Rust `&[T]` / `&str` in linear memory: {data_ptr: wasm pointer,
    length}.  gdb's Rust support would read `data_ptr` as a native address;
    this prints what it points to, as gdb prints a native slice:
    `&[u8] [2, 3]`, `"total"`."""

    def __init__(self, value, native, is_str):
        self.value = value
        self.native = native
        self.is_str = is_str
        self.length = int(value["length"])

    def display_hint(self):
        return "string" if self.is_str else None

    def to_string(self):
        if self.is_str:
            return self.native.lazy_string(length=self.length)
        name = self.value.type.strip_typedefs().name or ""
        if self.length <= 0:
            return "%s []" % name
        target = self.native.type.target()
        array = self.native.cast(target.array(self.length - 1).pointer()).dereference()
        return "%s %s" % (name, array.format_string())


def _rust_slice(value):
    """The printer of a Rust slice or `&str` whose data pointer is a wasm
    pointer, if `value` is one."""
    s = value.type.strip_typedefs()
    name = s.name or ""
    if s.code != gdb.TYPE_CODE_STRUCT or not name.startswith("&"):
        return None
    fields = [f.name for f in s.fields()]
    if fields != ["data_ptr", "length"]:
        return None
    native = native_pointer(value["data_ptr"])
    if native is None or native.type.code != gdb.TYPE_CODE_PTR:
        return None
    return _RustSlicePrinter(value, native, name in ("&str", "&mut str"))


def _lookup(value):
    t = value.type
    code = t.unqualified().code
    if code == gdb.TYPE_CODE_STRUCT:
        try:
            found = _rust_slice(value)
        except (gdb.error, RuntimeError):
            found = None
        if found is not None:
            return found
    if code == gdb.TYPE_CODE_TYPEDEF or code == gdb.TYPE_CODE_STRUCT:
        try:
            found = _native_pointer(value)
        except (gdb.error, RuntimeError):
            return None
        if found is not None:
            return _PointerPrinter(*found)
    elif code == gdb.TYPE_CODE_ARRAY:
        u = t.unqualified()
        if u.name:  # C arrays have no name in DWARF; innative's have
            try:
                if u.range() == (0, 0):
                    return _DerefPrinter(value)
            except (gdb.error, RuntimeError):
                pass
    return None


class _NativeFunction(gdb.Function):
    """$native(P): the native pointer a wasm pointer P stored in linear memory
    stands for (`p *$native(h.numbers[1])`, `p $native(p->next)->value`)."""

    def __init__(self):
        super().__init__("native")

    def invoke(self, value):
        native = native_pointer(value)
        if native is None:
            if value.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
                return value
            raise gdb.GdbError("$native: not a pointer")
        return native


# ---- C++: `*`, `->` and `[]` on a wasm pointer stored in an array ------------
# An element of an array of pointers is innative's 4-byte wrapper struct,
# which gdb cannot dereference by itself.  In C++, gdb asks xmethods for
# `operator*` / `operator->` / `operator[]` on a struct, so there they work
# as on a native pointer (`p *shapes[0]`, `p shapes[1]->id`).  (C has no
# such hook: there `$native()` does it.)

try:
    import gdb.xmethod as _xmethod
except ImportError:  # gdb without xmethod support
    _xmethod = None

if _xmethod is not None:

    class _DerefWorker(_xmethod.XMethodWorker):
        def __init__(self, arrow):
            self.arrow = arrow

        def get_arg_types(self):
            return None

        # (gdb passes `this`: a pointer to the wrapper.)
        def get_result_type(self, this):
            native = native_pointer(this.dereference())
            if native is None:
                return None
            return native.type if self.arrow else native.type.target()

        def __call__(self, this):
            native = native_pointer(this.dereference())
            if native is None:
                raise gdb.GdbError("not a wasm pointer")
            return native if self.arrow else native.dereference()

    class _IndexWorker(_xmethod.XMethodWorker):
        """`shapes[0][0]`: subscript through the wrapper (C++ only, as the
        other two)."""

        def get_arg_types(self):
            return gdb.lookup_type("long")

        def get_result_type(self, this, index):
            native = native_pointer(this.dereference())
            return None if native is None else native.type.target()

        def __call__(self, this, index):
            native = native_pointer(this.dereference())
            if native is None:
                raise gdb.GdbError("not a wasm pointer")
            return (native + int(index)).dereference()

    class _DerefMatcher(_xmethod.XMethodMatcher):
        def __init__(self):
            super().__init__("innative wasm pointers")
            self.methods = [
                _xmethod.XMethod("operator*"),
                _xmethod.XMethod("operator->"),
                _xmethod.XMethod("operator[]"),
            ]

        def match(self, class_type, method_name):
            if _box_field(class_type) is None:
                return None
            if method_name == "operator[]":
                return _IndexWorker()
            if method_name in ("operator*", "operator->"):
                return _DerefWorker(method_name == "operator->")
            return None


if not getattr(gdb, "_innative_pointers_loaded", False):
    _NativeFunction()
    gdb._innative_pointers_loaded = True
    gdb.pretty_printers.append(_lookup)
    if _xmethod is not None:
        _xmethod.register_xmethod_matcher(None, _DerefMatcher())
    for _event in ("stop", "cont", "exited", "new_objfile"):
        _registry = getattr(gdb.events, _event, None)
        if _registry is not None:
            _registry.connect(_invalidate)
