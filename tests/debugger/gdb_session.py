"""A batch gdb session for tests/debugger.rs:

    gdb -q -batch -nx -x gdb_session.py      (configuration in the environment)

Step mode: break at INNATIVE_DBG_START, run, then `step` (or `next`, with
INNATIVE_DBG_STEP_CMD=next) repeatedly through
the program's own source files, recording every stop (function, file, line),
the own frames of the backtrace and, with INNATIVE_DBG_VARS=1, the variables
in scope.  A step that lands outside the own files (libc, the innative
runtime) is undone with `finish` up to the innermost own frame; that return
is not recorded as a stop.  The session ends when no own frame is left on
the stack (main returned), the program exits, or a limit is reached.

Breaks mode: set a breakpoint for every spec, run, and record each stop
(which specs hit, where, the backtrace) until the program exits.  A
breakpoint is disabled once it has stopped the program, so each one reports
the first place it is reached.

Remote targets (another architecture under qemu-user): with
INNATIVE_DBG_REMOTE=HOST:PORT the program is already running under
`qemu-aarch64 -g PORT`, stopped at its first instruction; the session
connects with `target remote` and starts it with `continue` instead of `run`.

Records and environment: see records.py.
"""

import os
import sys

import gdb

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.environ.get("INNATIVE_DBG_HELPERS", "."))
from records import Config, Writer, gdb_function_name, normalize, parse_spec  # noqa: E402

cfg = Config()
out = Writer(cfg.out)


def quiet(cmd):
    return gdb.execute(cmd, to_string=True)


def frame_loc(frame):
    try:
        sal = frame.find_sal()
    except gdb.error:
        return (frame.name(), None, 0)
    path = sal.symtab.fullname() if sal.symtab is not None else None
    return (frame.name(), path, sal.line)


def at_line_start(frame):
    try:
        return frame.find_sal().pc == frame.pc()
    except gdb.error:
        return False


def own_frames(frame):
    """(frame, loc) of every frame from `frame` outwards that is in own files."""
    found = []
    f = frame
    while f is not None:
        loc = frame_loc(f)
        if cfg.is_own(loc[1]):
            found.append((f, loc))
        try:
            f = f.older()
        except gdb.error:
            break
    return found


def alive():
    inf = gdb.selected_inferior()
    return inf is not None and inf.pid != 0 and len(inf.threads()) > 0


def pointee_text(value):
    """What a pointer points to: the pointed-to value, `NULL`, or for a
    function pointer `<name>` of the function gdb names (`-`: no pointer)."""
    try:
        if value.type.strip_typedefs().code != gdb.TYPE_CODE_PTR:
            return "-"
        if int(value) == 0:
            return "NULL"
        target = value.type.strip_typedefs().target().strip_typedefs()
        if target.code == gdb.TYPE_CODE_FUNC:
            text = normalize(str(value))
            name = gdb_function_name(text)
            return "<%s>" % name if name else text
        if target.code == gdb.TYPE_CODE_VOID:
            return normalize(str(value))
        return normalize(str(value.dereference()))
    except (gdb.error, gdb.MemoryError, RuntimeError, ValueError) as e:
        return "<error: %s>" % normalize(e)


_REFS = tuple(getattr(gdb, c) for c in ("TYPE_CODE_REF", "TYPE_CODE_RVALUE_REF")
              if hasattr(gdb, c))


def type_kind(t):
    """The kind of a type for the per-kind figures (records.TYPE_KINDS)."""
    try:
        t = t.strip_typedefs()
        code = t.code
        if code == gdb.TYPE_CODE_PTR:
            target = t.target().strip_typedefs()
            return "funcptr" if target.code == gdb.TYPE_CODE_FUNC else "pointer"
        if code in _REFS:
            return "reference"
        if code == gdb.TYPE_CODE_STRUCT:
            if any(f.bitsize for f in t.fields()):
                return "bitfield-struct"
            return "struct"
        if code == gdb.TYPE_CODE_UNION:
            return "union"
        if code == gdb.TYPE_CODE_ENUM:
            return "enum"
        if code == gdb.TYPE_CODE_ARRAY:
            return "array"
        if code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_FLT, gdb.TYPE_CODE_BOOL,
                    gdb.TYPE_CODE_CHAR):
            return "base"
    except (gdb.error, RuntimeError):
        pass
    return "other"


def record_var(kind, sym, frame):
    try:
        value = sym.value(frame)
        text = normalize(str(value))
        ty = str(value.type)
        pointee = pointee_text(value)
        tkind = type_kind(value.type)
    except (gdb.error, gdb.MemoryError, RuntimeError) as e:
        text, ty, pointee = "<error: %s>" % normalize(e), str(sym.type), "-"
        tkind = type_kind(sym.type)
    out.rec("VAR", kind, sym.print_name, ty, text, pointee, sym.line or 0, tkind)


def record_vars(frame):
    raw = ""
    for cmd in ("info args", "info locals"):
        try:
            raw += quiet(cmd)
        except gdb.error as e:
            raw += "%s: %s\n" % (cmd, e)
    out.rec("RAW", raw)
    try:
        block = frame.block()
    except RuntimeError:
        return
    function_block = None
    while block is not None:
        for sym in block:
            if not (sym.is_argument or sym.is_variable):
                continue
            record_var("arg" if sym.is_argument else "local", sym, frame)
        if block.function is not None:
            function_block = block
            break
        block = block.superblock
    if function_block is None:
        return
    # The file-scope variables of the frame's compile unit (file `static`s,
    # then the CU's externally visible globals).
    seen = set()
    for scope in (function_block.static_block, function_block.global_block):
        if scope is None:
            continue
        for sym in scope:
            if not sym.is_variable or sym.print_name in seen:
                continue
            seen.add(sym.print_name)
            record_var("global", sym, frame)


def record_stop(kind, frame, loc):
    out.loc(kind, loc)
    for _, l in own_frames(frame):
        out.loc("FRAME", l)


def set_break(spec, temporary):
    kind, f, what = parse_spec(spec)
    try:
        if kind == "line":
            bp = gdb.Breakpoint("%s:%d" % (f, what), temporary=temporary)
        elif f is not None:
            bp = gdb.Breakpoint("%s:%s" % (f, what), temporary=temporary)
        else:
            bp = gdb.Breakpoint(what, temporary=temporary)
    except gdb.error as e:
        out.rec("NOTE", "break %s: %s" % (spec, e))
        return None
    locs = []
    for loc in bp.locations:
        if loc.source is not None:
            locs.append("%s:%d" % (os.path.basename(loc.source[0]), loc.source[1]))
        else:
            locs.append("%s@0x?" % (loc.function or "??"))
    return bp, locs


REMOTE = os.environ.get("INNATIVE_DBG_REMOTE", "")
# What starts the program: `run`, or `continue` once connected to qemu.
START = "continue" if REMOTE else "run"


def connect_remote():
    """`target remote`, retried for a few seconds while qemu starts."""
    import time
    for attempt in range(100):
        try:
            quiet("target remote " + REMOTE)
            return
        except gdb.error:
            if attempt == 99:
                raise
            time.sleep(0.1)


def step_session():
    r = set_break(cfg.start, temporary=True)
    if r is None:
        out.rec("END", "no-start", 0)
        return
    quiet(START)
    steps = 0
    after_finish = False
    stepped_from = None
    while True:
        if not alive():
            out.rec("END", "exited", steps)
            return
        if cfg.over_budget():
            out.rec("END", "budget", steps)
            return
        frame = gdb.newest_frame()
        loc = frame_loc(frame)
        if cfg.is_own(loc[1]):
            # A `finish` that returns to the start of a new line stops where
            # a `step` over the call would have stopped: record it.  In the
            # middle of a line (or on the line the step began) it would not.
            new_line = stepped_from is None or loc[1:] != stepped_from[1:]
            if not after_finish or (at_line_start(frame) and new_line):
                record_stop("STOP", frame, loc)
                if cfg.vars:
                    record_vars(frame)
        else:
            owns = own_frames(frame)
            if not owns:
                out.rec("END", "left-program", steps)
                return
            # Finish the frame called by the innermost own frame.
            callee = frame
            while callee.older() != owns[0][0]:
                callee = callee.older()
            callee.select()
            try:
                quiet("finish")
            except gdb.error as e:
                out.rec("NOTE", "finish: %s" % e)
                out.rec("END", "error", steps)
                return
            after_finish = True
            continue
        after_finish = False
        stepped_from = loc
        if steps >= cfg.max_steps:
            out.rec("END", "max-steps", steps)
            return
        steps += 1
        try:
            quiet(cfg.step_cmd)
        except gdb.error as e:
            if alive():
                out.rec("NOTE", "%s: %s" % (cfg.step_cmd, e))
                out.rec("END", "error", steps)
            else:
                out.rec("END", "exited", steps)
            return


hit_numbers = []


def on_stop(event):
    if isinstance(event, gdb.BreakpointEvent):
        hit_numbers.extend(bp.number for bp in event.breakpoints)


def breaks_session():
    by_number = {}
    for spec in cfg.specs:
        r = set_break(spec, temporary=False)
        if r is None:
            out.rec("BP", spec, "-")
            continue
        bp, locs = r
        by_number[bp.number] = (spec, bp)
        out.rec("BP", spec, " ".join(locs) if locs else "-")
    gdb.events.stop.connect(on_stop)
    hits = 0
    cmd = START
    while True:
        del hit_numbers[:]
        try:
            quiet(cmd)
        except gdb.error as e:
            out.rec("NOTE", "%s: %s" % (cmd, e))
        cmd = "continue"
        if not alive():
            out.rec("END", "exited", hits)
            return
        if cfg.over_budget():
            out.rec("END", "budget", hits)
            return
        hits += 1
        frame = gdb.newest_frame()
        specs = []
        for n in hit_numbers:
            if n in by_number and by_number[n][0] not in specs:
                specs.append(by_number[n][0])
                # Each breakpoint stops once: where it is first reached.
                by_number[n][1].enabled = False
        func, path, line = frame_loc(frame)
        out.rec("HIT", " ".join(specs) if specs else "-", func or "??",
                os.path.basename(path or "??"), line or 0)
        for _, l in own_frames(frame):
            out.loc("FRAME", l)
        if hits >= cfg.max_hits:
            out.rec("END", "max-hits", hits)
            return


def main():
    for setting in ("pagination off", "confirm off", "width 0", "height 0",
                    "breakpoint pending off", "print pretty off",
                    "startup-with-shell off", "debuginfod enabled off"):
        try:
            quiet("set " + setting)
        except gdb.error:
            pass
    try:
        quiet("file " + cfg.program)
        if REMOTE:
            connect_remote()
        if cfg.mode == "breaks":
            breaks_session()
        else:
            step_session()
    except Exception as e:  # anything unexpected ends the session, recorded
        out.rec("NOTE", "%s: %s" % (type(e).__name__, e))
        out.rec("END", "error", 0)
    finally:
        out.close()
        try:
            if alive():
                quiet("kill")
        except gdb.error:
            pass


main()
