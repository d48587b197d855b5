"""Shared by gdb_session.py and lldb_session.py: configuration from the
environment and the line-based record format that tests/debugger/session.rs
parses.

One record per line, fields separated by TAB; inside a field, backslash, TAB
and newline are escaped as \\\\, \\t and \\n.

  STOP   func  file  line            a stop of the stepping session
  FRAME  func  file  line            an own frame of the backtrace (innermost
                                     first); follows STOP or HIT
  RAW    text                        raw `info args`+`info locals` (gdb) or
                                     `frame variable` (lldb) at the stop
  VAR    kind  name  type  value  pointee  line  tkind
                                     one variable in scope at the stop (kind
                                     arg|local|global: parameters, variables
                                     of the function's blocks -- `static`
                                     locals included -- and the file-scope
                                     variables of the frame's compile unit;
                                     pointee is `-` for non-pointers, the
                                     pointed-to value for data pointers and
                                     `<name>` -- the function the debugger
                                     names -- for function pointers; line:
                                     its declaration line, 0 if unknown;
                                     tkind: the kind of its type, see
                                     TYPE_KINDS)
  BP     spec  locations             a breakpoint and where it resolved
                                     ("file:line" joined by spaces, `-` if none)
  HIT    specs  func  file  line     a breakpoint stop (specs joined by spaces)
  NOTE   text                        diagnostics (kept in the session log)
  END    reason  steps               the session is over

Environment:
  INNATIVE_DBG_OUT       path of the record file to write
  INNATIVE_DBG_PROGRAM   the executable to debug
  INNATIVE_DBG_MODE      step | breaks
  INNATIVE_DBG_OWN       the program's own source files (full paths, comma-
                         separated); a frame is "own" when the debugger's full
                         path of its file is one of them (basenames are not
                         enough: the runtime has a main.c too)
  INNATIVE_DBG_START     step mode: where to start (a breakpoint spec)
  INNATIVE_DBG_STEP_CMD  step mode: `step` (into calls) or `next` (over them)
  INNATIVE_DBG_SPECS     breaks mode: breakpoint specs separated by `;`
  INNATIVE_DBG_MAX_STEPS step mode: stop after this many steps
  INNATIVE_DBG_MAX_HITS  breaks mode: stop after this many stops
  INNATIVE_DBG_BUDGET    seconds of wall clock before giving up (END budget)
  INNATIVE_DBG_VARS      1 to capture variables at every stop

A breakpoint spec is `FILE:LINE`, `FILE:FUNC` (FUNC defined in FILE) or `FUNC`.
"""

import os
import re
import time


def escape(s):
    return str(s).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class Config:
    def __init__(self):
        env = os.environ
        self.out = env["INNATIVE_DBG_OUT"]
        self.program = env["INNATIVE_DBG_PROGRAM"]
        self.mode = env.get("INNATIVE_DBG_MODE", "step")
        self.own = set(os.path.realpath(x) for x in env.get("INNATIVE_DBG_OWN", "").split(",") if x)
        self._real = {}
        self.start = env.get("INNATIVE_DBG_START", "main")
        self.step_cmd = env.get("INNATIVE_DBG_STEP_CMD", "step")
        self.specs = [x for x in env.get("INNATIVE_DBG_SPECS", "").split(";") if x]
        self.max_steps = int(env.get("INNATIVE_DBG_MAX_STEPS", "2000"))
        self.max_hits = int(env.get("INNATIVE_DBG_MAX_HITS", "1000"))
        self.budget = float(env.get("INNATIVE_DBG_BUDGET", "100"))
        self.vars = env.get("INNATIVE_DBG_VARS", "0") == "1"
        self.deadline = time.monotonic() + self.budget

    def over_budget(self):
        return time.monotonic() > self.deadline

    def is_own(self, path):
        """Whether `path` (as the debugger resolved it) is an own file."""
        if not path:
            return False
        real = self._real.get(path)
        if real is None:
            real = self._real[path] = os.path.realpath(path)
        return real in self.own


def parse_spec(spec):
    """('line', file, n) | ('func', file, name) | ('func', None, name)"""
    if ":" in spec:
        f, rest = spec.rsplit(":", 1)
        if rest.isdigit():
            return ("line", f, int(rest))
        return ("func", f, rest)
    return ("func", None, spec)


class Writer:
    def __init__(self, path):
        self.f = open(path, "w", encoding="utf-8", errors="replace")

    def rec(self, *fields):
        self.f.write("\t".join(escape(x) for x in fields) + "\n")
        self.f.flush()

    def loc(self, kind, loc):
        func, file, line = loc
        self.rec(kind, func or "??", os.path.basename(file or "??"), line or 0)

    def close(self):
        self.f.close()


_HEX = re.compile(r"0x[0-9a-fA-F]+")
# gdb's `<nodes+16>` after a data pointer: the offset of the same element
# differs between wasm32 and x86-64 layouts (pointer members are 4 bytes in
# one, 8 in the other), the symbol does not.
_SYMBOL_OFFSET = re.compile(r"<([^<>+\s]+)\+[0-9]+>")
# lldb's symbol context of a code address: `(prog`add at types.c:16)`,
# `prog`add + 4`; the module name differs between the builds.
_LLDB_FUNCTION = re.compile(r"[A-Za-z0-9_.\-]+`([A-Za-z_][^\s`()]*)")

# The type kinds of the per-kind figures (VAR's tkind field).
TYPE_KINDS = ("base", "enum", "pointer", "funcptr", "reference", "struct",
              "bitfield-struct", "union", "array", "other")


def normalize(text):
    """Addresses differ between any two builds: hide them."""
    text = _HEX.sub("0x?", " ".join(str(text).split()))
    return _SYMBOL_OFFSET.sub(r"<\1+?>", text)


def lldb_function_name(text):
    """The function an lldb symbol context names (`native`add at f.c:3`),
    or None."""
    m = _LLDB_FUNCTION.search(text or "")
    return m.group(1) if m else None


_GDB_FUNCTION = re.compile(r"<([A-Za-z_][^<>+\s]*)(\+[0-9]+)?>")


def gdb_function_name(text):
    """The function gdb names after a code address (`0x... <add>`), or None."""
    m = _GDB_FUNCTION.search(text or "")
    return m.group(1) if m else None
