"""A batch lldb session for tests/debugger.rs, run inside lldb's own Python:

    lldb-19 --no-lldbinit --batch -o 'command script import lldb_session.py'

(`import lldb` from a plain python3 needs liblldb-19-dev's liblldb.so
symlink; lldb's embedded interpreter needs nothing more than lldb-19.)
Same sessions as gdb_session.py, with `thread step-in` for `step`,
`thread step-over` for `next` and `thread step-out` for `finish`.  Records and environment: see records.py.
"""

import os
import sys

import lldb

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.environ.get("INNATIVE_DBG_HELPERS", "."))
from records import Config, Writer, lldb_function_name, normalize, parse_spec  # noqa: E402

MAX_CHILDREN = 32


def frame_loc(frame):
    le = frame.GetLineEntry()
    path = None
    if le.IsValid() and le.GetFileSpec().IsValid():
        path = le.GetFileSpec().fullpath
    name = frame.GetFunctionName() or frame.GetSymbol().GetName()
    return (name, path, le.GetLine() if le.IsValid() else 0)


class Session:
    def __init__(self, debugger, cfg, out):
        self.dbg = debugger
        self.cfg = cfg
        self.out = out
        self.target = None
        self.process = None

    # -- helpers -------------------------------------------------------------

    def alive(self):
        return self.process is not None and self.process.IsValid() and \
            self.process.GetState() == lldb.eStateStopped

    def thread(self):
        t = self.process.GetSelectedThread()
        if not t.IsValid() or t.GetNumFrames() == 0:
            for i in range(self.process.GetNumThreads()):
                t = self.process.GetThreadAtIndex(i)
                if t.GetNumFrames() > 0:
                    self.process.SetSelectedThread(t)
                    break
        return t

    def own_frames(self, thread):
        found = []
        for i in range(thread.GetNumFrames()):
            f = thread.GetFrameAtIndex(i)
            loc = frame_loc(f)
            if self.cfg.is_own(loc[1]):
                found.append((i, loc))
        return found

    def at_line_start(self, frame):
        le = frame.GetLineEntry()
        if not le.IsValid():
            return False
        return le.GetStartAddress().GetLoadAddress(self.target) == frame.GetPC()

    def record_stop(self, kind, thread, loc):
        self.out.loc(kind, loc)
        for _, l in self.own_frames(thread):
            self.out.loc("FRAME", l)

    @staticmethod
    def is_function_pointer(v):
        t = v.GetType().GetCanonicalType()
        return t.IsPointerType() and t.GetPointeeType().GetCanonicalType().IsFunctionType()

    def value_text(self, v, depth=0):
        if not v.IsValid():
            return "<invalid>"
        err = v.GetError()
        if err.Fail():
            return "<error: %s>" % normalize(err.GetCString())
        if v.TypeIsPointerType():
            raw = v.GetNonSyntheticValue() if v.IsSynthetic() else v
            if raw.GetValueAsUnsigned(1) == 0:
                # lldb prints a null pointer as NULL (nullptr in C++).
                return "NULL"
            summary = v.GetSummary()
            text = v.GetValue() or ""
            if summary and summary.startswith("0x"):
                # A formatter (innative's extension for wasm pointers) shows
                # the pointer itself: that is what lldb prints.
                text, summary = summary, None
            text = normalize(text + (" " + summary if summary else ""))
            if self.is_function_pointer(v):
                # By the function lldb names, not the address (nor the
                # module, which differs between the builds).
                name = lldb_function_name(text)
                if name is not None:
                    return "<%s>" % name
            return text
        summary = v.GetSummary()
        reference = v.GetType().GetCanonicalType().IsReferenceType()
        if not reference and summary and (summary.startswith("0x") or summary in ("NULL", "nullptr")):
            # A wasm pointer kept in memory (the pointee of a `char **`): its
            # type is innative's 4-byte box, which the extension's summary
            # prints as the native pointer; that is what lldb shows.
            return normalize(summary)
        n = v.GetNumChildren()
        if n > 0 and depth < 4:
            parts = []
            for i in range(min(n, MAX_CHILDREN)):
                c = v.GetChildAtIndex(i)
                t = self.value_text(c, depth + 1)
                name = c.GetName() or ""
                parts.append(t if name.startswith("[") else "%s = %s" % (name, t))
            if n > MAX_CHILDREN:
                parts.append("...")
            return "{" + ", ".join(parts) + "}"
        text = v.GetValue()
        summary = v.GetSummary()
        if text is None:
            text = summary or ""
        elif summary:
            text += " " + summary
        return normalize(text)

    def pointee_text(self, v):
        """What a pointer points to: the pointed-to value, `NULL`, or for a
        function pointer `<name>` of the function lldb names (`-`: no
        pointer)."""
        if not v.TypeIsPointerType():
            return "-"
        if v.GetValueAsUnsigned(0) == 0:
            return "NULL"
        target = v.GetType().GetPointeeType().GetCanonicalType()
        if target.GetBasicType() == lldb.eBasicTypeVoid or target.IsFunctionType():
            return self.value_text(v)
        if v.IsSynthetic():
            # What `frame variable *p` shows: a formatter's (innative's
            # extension, for a wasm pointer) `$$dereference$$` child.
            d = v.GetChildMemberWithName("$$dereference$$")
            if d.IsValid():
                return self.value_text(d)
        return self.value_text(v.Dereference())

    @staticmethod
    def type_kind(t):
        """The kind of a type for the per-kind figures (records.TYPE_KINDS)."""
        c = t.GetCanonicalType()
        cls = c.GetTypeClass()
        if cls == lldb.eTypeClassPointer:
            return "funcptr" if c.GetPointeeType().GetCanonicalType().IsFunctionType() else "pointer"
        if cls == lldb.eTypeClassReference:
            return "reference"
        if cls in (lldb.eTypeClassStruct, lldb.eTypeClassClass):
            for i in range(c.GetNumberOfFields()):
                if c.GetFieldAtIndex(i).IsBitfield():
                    return "bitfield-struct"
            return "struct"
        if cls == lldb.eTypeClassUnion:
            return "union"
        if cls == lldb.eTypeClassEnumeration:
            return "enum"
        if cls == lldb.eTypeClassArray:
            return "array"
        if cls == lldb.eTypeClassBuiltin:
            return "base"
        return "other"

    def record_var(self, kind, v):
        decl = v.GetDeclaration()
        line = decl.GetLine() if decl.IsValid() else 0
        self.out.rec("VAR", kind, v.GetName(), v.GetTypeName() or "",
                     self.value_text(v), self.pointee_text(v), line,
                     self.type_kind(v.GetType()))

    def record_vars(self, frame):
        ci = self.dbg.GetCommandInterpreter()
        res = lldb.SBCommandReturnObject()
        ci.HandleCommand("frame variable", res)
        self.out.rec("RAW", (res.GetOutput() or "") + (res.GetError() or ""))
        # arguments, locals, statics, in_scope_only
        vs = frame.GetVariables(True, True, False, True)
        for i in range(vs.GetSize()):
            v = vs.GetValueAtIndex(i)
            kind = "arg" if v.GetValueType() == lldb.eValueTypeVariableArgument else "local"
            self.record_var(kind, v)
        # `static` locals: the statics of the function's blocks.
        block_statics = set()
        block = frame.GetBlock()
        top = frame.GetFrameBlock()

        def key(b):
            return (b.GetRangeStartAddress(0).GetFileAddress(),
                    b.GetRangeEndAddress(0).GetFileAddress(), b.GetNumRanges())
        top_key = key(top) if top.IsValid() else None
        for _ in range(64):
            if not block.IsValid():
                break
            bvs = block.GetVariables(frame, False, False, True, lldb.eNoDynamicValues)
            for i in range(bvs.GetSize()):
                b = bvs.GetValueAtIndex(i)
                d = b.GetDeclaration()
                block_statics.add((b.GetName(), d.GetLine() if d.IsValid() else 0))
            if key(block) == top_key:
                break
            block = block.GetParent()
        # Then the file-scope variables of the frame's compile unit.
        vs = frame.GetVariables(False, False, True, True)
        for i in range(vs.GetSize()):
            v = vs.GetValueAtIndex(i)
            d = v.GetDeclaration()
            local = (v.GetName(), d.GetLine() if d.IsValid() else 0) in block_statics
            self.record_var("local" if local else "global", v)

    def set_break(self, spec):
        kind, f, what = parse_spec(spec)
        if kind == "line":
            bp = self.target.BreakpointCreateByLocation(f, what)
        elif f is not None:
            files = lldb.SBFileSpecList()
            files.Append(lldb.SBFileSpec(f, False))
            bp = self.target.BreakpointCreateByName(what, lldb.SBFileSpecList(), files)
        else:
            bp = self.target.BreakpointCreateByName(what)
        if not bp.IsValid() or bp.GetNumLocations() == 0:
            if bp.IsValid():
                self.target.BreakpointDelete(bp.GetID())
            return None
        locs = []
        for i in range(bp.GetNumLocations()):
            le = bp.GetLocationAtIndex(i).GetAddress().GetLineEntry()
            if le.IsValid() and le.GetFileSpec().IsValid():
                locs.append("%s:%d" % (le.GetFileSpec().GetFilename(), le.GetLine()))
            else:
                sym = bp.GetLocationAtIndex(i).GetAddress().GetSymbol()
                locs.append("%s@0x?" % (sym.GetName() if sym.IsValid() else "??"))
        return bp, locs

    def launch(self):
        info = lldb.SBLaunchInfo(None)
        info.SetWorkingDirectory(os.path.dirname(self.cfg.program) or ".")
        # The program's own output would interleave with lldb's.
        info.AddOpenFileAction(1, os.devnull, False, True)
        error = lldb.SBError()
        self.process = self.target.Launch(info, error)
        if error.Fail():
            self.out.rec("NOTE", "launch: %s" % error.GetCString())
            return False
        return True

    # -- sessions --------------------------------------------------------------

    def step_session(self):
        cfg, out = self.cfg, self.out
        start = self.set_break(cfg.start)
        if start is None:
            out.rec("END", "no-start", 0)
            return
        if not self.launch():
            out.rec("END", "error", 0)
            return
        self.target.BreakpointDelete(start[0].GetID())
        steps = 0
        after_finish = False
        stepped_from = None
        while True:
            if not self.alive():
                out.rec("END", "exited", steps)
                return
            if cfg.over_budget():
                out.rec("END", "budget", steps)
                return
            thread = self.thread()
            frame = thread.GetFrameAtIndex(0)
            loc = frame_loc(frame)
            if cfg.is_own(loc[1]):
                # See gdb_session.py: a return to the start of a new line is
                # where a step over the call would have stopped.
                new_line = stepped_from is None or loc[1:] != stepped_from[1:]
                if not after_finish or (self.at_line_start(frame) and new_line):
                    self.record_stop("STOP", thread, loc)
                    if cfg.vars:
                        self.record_vars(frame)
            else:
                owns = self.own_frames(thread)
                if not owns:
                    out.rec("END", "left-program", steps)
                    return
                callee = thread.GetFrameAtIndex(owns[0][0] - 1)
                thread.StepOutOfFrame(callee)
                after_finish = True
                continue
            after_finish = False
            stepped_from = loc
            if steps >= cfg.max_steps:
                out.rec("END", "max-steps", steps)
                return
            steps += 1
            if cfg.step_cmd == "next":
                thread.StepOver()
            else:
                thread.StepInto()

    def breaks_session(self):
        cfg, out = self.cfg, self.out
        by_id = {}
        for spec in cfg.specs:
            r = self.set_break(spec)
            if r is None:
                out.rec("BP", spec, "-")
                continue
            bp, locs = r
            by_id[bp.GetID()] = spec
            out.rec("BP", spec, " ".join(locs))
        if not self.launch():
            out.rec("END", "error", 0)
            return
        hits = 0
        while True:
            if not self.alive():
                out.rec("END", "exited", hits)
                return
            if cfg.over_budget():
                out.rec("END", "budget", hits)
                return
            thread = self.thread()
            specs = []
            if thread.GetStopReason() == lldb.eStopReasonBreakpoint:
                n = thread.GetStopReasonDataCount()
                ids = [thread.GetStopReasonDataAtIndex(i) for i in range(0, n, 2)]
                for bp_id in ids:
                    spec = by_id.get(bp_id)
                    if spec is not None and spec not in specs:
                        specs.append(spec)
                        # Each breakpoint stops once: where it is first reached.
                        self.target.FindBreakpointByID(bp_id).SetEnabled(False)
            hits += 1
            func, path, line = frame_loc(thread.GetFrameAtIndex(0))
            out.rec("HIT", " ".join(specs) if specs else "-", func or "??",
                    os.path.basename(path or "??"), line or 0)
            for _, l in self.own_frames(thread):
                out.loc("FRAME", l)
            if hits >= cfg.max_hits:
                out.rec("END", "max-hits", hits)
                return
            self.process.Continue()

    def run(self):
        self.dbg.SetAsync(False)
        ci = self.dbg.GetCommandInterpreter()
        res = lldb.SBCommandReturnObject()
        for setting in ("symbols.enable-external-lookup false",
                        "target.disable-aslr true",
                        "auto-confirm true"):
            ci.HandleCommand("settings set " + setting, res)
        self.target = self.dbg.CreateTarget(self.cfg.program)
        if not self.target.IsValid():
            self.out.rec("NOTE", "cannot create target %s" % self.cfg.program)
            self.out.rec("END", "error", 0)
            return
        if self.cfg.mode == "breaks":
            self.breaks_session()
        else:
            self.step_session()


def __lldb_init_module(debugger, internal_dict):
    cfg = Config()
    out = Writer(cfg.out)
    session = Session(debugger, cfg, out)
    try:
        session.run()
    except Exception as e:  # anything unexpected ends the session, recorded
        out.rec("NOTE", "%s: %s" % (type(e).__name__, e))
        out.rec("END", "error", 0)
    finally:
        out.close()
        if session.process is not None and session.process.IsValid():
            session.process.Kill()
