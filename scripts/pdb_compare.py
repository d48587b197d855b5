#!/usr/bin/env python3
"""Compare the CodeView in two PDBs of one C program: clang's native build
(the reference) and innative's build of the same program through wasm.

    pdb_compare.py NATIVE.pdb INNATIVE.pdb --sources a.c b.c [--wasm prog.wasm] [--json]

Reads `llvm-pdbutil-19 dump --symbols --types --l` of each and, for every
function defined in one of the source files (by the file of its lines),
compares: its source lines (the set of lines in its line table), its
signature, its parameters (names and types, in order), its locals (names
and types), its inline sites; and every struct, union and enum that those
types name (members: name, type, offset, bitfield; size; enumerators).

Known, explained differences are counted apart, not as mismatches:
* `indirect`: innative's -O0 locals live in linear memory, which CodeView
  can reach only through a stack slot holding their address; LLVM writes
  such a local with the reference type `T&` (see src/debuginfo/CODEVIEW.md).
  A local whose type is `T&` where the native one is `T` matches as
  indirect.
* `ptr32`: wasm pointers are 32-bit (`ptr32`), native ones 64-bit; type
  names are the same, struct layouts that contain pointers differ
  (offsets, sizes): reported as `layout (pointer width)`.
With --wasm, each function's lines are also compared with the wasm
module's own line table (clang's wasm code generation places some lines
differently from its native one: innative carries the wasm's).
Exit status 0 when every function is there with the native lines (or the
wasm module's own, with --wasm), and every parameter and local by name
with a location; type differences are counted and listed, not failed.
"""

import argparse
import json
import os
import re
import subprocess
import sys

PDBUTIL = os.environ.get("LLVM_PDBUTIL", "llvm-pdbutil-19")


def dump(pdb, *what):
    out = subprocess.run([PDBUTIL, "dump", *what, pdb], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{PDBUTIL} dump {' '.join(what)} {pdb}: {out.stderr.strip()}")
    return out.stdout


# ---------------------------------------------------------------- types

SIMPLE = re.compile(r"0x([0-9A-F]{4}) \(([^)]*(?:\([^)]*\)[^)]*)*)\)")


def parse_types(text):
    """TPI records: index -> dict(kind, name, lines)."""
    records = {}
    cur = None
    for line in text.splitlines():
        m = re.match(r"\s+0x([0-9A-F]+) \| (LF_\w+) \[size = \d+\](?: `(.*)`)?", line)
        if m:
            cur = {"kind": m.group(2), "name": m.group(3) or "", "lines": []}
            records[int(m.group(1), 16)] = cur
        elif cur is not None and line.strip():
            cur["lines"].append(line.strip())
    return records


class Types:
    def __init__(self, records):
        self.r = records
        # Full definitions by name (forward references resolve by name).
        self.defs = {}
        for i, rec in records.items():
            if rec["kind"] in ("LF_STRUCTURE", "LF_CLASS", "LF_UNION", "LF_ENUM"):
                if "forward ref" not in " ".join(rec["lines"]):
                    self.defs.setdefault((rec["kind"], rec["name"]), i)

    def field(self, rec, key):
        m = re.search(key + r" = (0x[0-9A-F]+|<no type>)", " ".join(rec["lines"]))
        if not m or m.group(1) == "<no type>":
            return None
        return int(m.group(1), 16)

    def name(self, ti, depth=0):
        """A C spelling of type index `ti` (pointer kinds left out)."""
        if ti is None:
            return "?"
        if ti < 0x1000:
            return SIMPLE_NAMES.get(ti, f"simple:{ti:#x}")
        rec = self.r.get(ti)
        if rec is None or depth > 20:
            return f"{ti:#x}"
        k = rec["kind"]
        body = " ".join(rec["lines"])
        if k in ("LF_STRUCTURE", "LF_CLASS", "LF_UNION", "LF_ENUM"):
            return rec["name"]
        if k == "LF_POINTER":
            m = re.search(r"referent = (0x[0-9A-F]+)", body)
            mode = re.search(r"mode = (\w+)", body).group(1)
            inner = self.name(int(m.group(1), 16), depth + 1)
            sigil = "&" if mode in ("ref", "lvalue") else "&&" if "rvalue" in mode else "*"
            return inner + sigil
        if k == "LF_MODIFIER":
            m = re.search(r"referent = (0x[0-9A-F]+).*modifiers = (.*)$", body)
            mods = " ".join(x.strip() for x in m.group(2).split("|") if x.strip())
            return f"{mods} {self.name(int(m.group(1), 16), depth + 1)}"
        if k == "LF_ARRAY":
            m = re.search(r"size: (\d+), index type: .*element type: (0x[0-9A-F]+)", body)
            elem = int(m.group(2), 16)
            return f"{self.name(elem, depth + 1)}[{m.group(1)} bytes]"
        if k == "LF_BITFIELD":
            m = re.search(r"type = (0x[0-9A-F]+).*bit offset = (\d+), # bits = (\d+)", body)
            return f"{self.name(int(m.group(1), 16), depth + 1)} @{m.group(2)}:{m.group(3)}"
        if k == "LF_PROCEDURE":
            m = re.search(r"return type = (0x[0-9A-F]+).*param list = (0x[0-9A-F]+)", body)
            args = self.arglist(int(m.group(2), 16))
            return f"{self.name(int(m.group(1), 16), depth + 1)} ({', '.join(args)})"
        return f"{k}:{ti:#x}"

    def arglist(self, ti):
        rec = self.r.get(ti)
        out = []
        for line in rec["lines"] if rec else []:
            m = re.match(r"(0x[0-9A-F]+)", line)
            if m:
                out.append(self.name(int(m.group(1), 16)))
        return out

    def pointer_kinds(self):
        kinds = {}
        for rec in self.r.values():
            if rec["kind"] == "LF_POINTER":
                m = re.search(r"kind = (\w+)", " ".join(rec["lines"]))
                if m:
                    kinds[m.group(1)] = kinds.get(m.group(1), 0) + 1
        return kinds

    def composite(self, kind, name):
        """Members, size and enumerators of the definition of `name`."""
        ti = self.defs.get((kind, name))
        if ti is None:
            return None
        rec = self.r[ti]
        body = " ".join(rec["lines"])
        size = re.search(r"sizeof (\d+)", body)
        fl = re.search(r"field list: (0x[0-9A-F]+)", body)
        members = []
        if fl:
            for line in self.r.get(int(fl.group(1), 16), {"lines": []})["lines"]:
                m = re.match(r"- LF_MEMBER \[name = `([^`]*)`, Type = (0x[0-9A-F]+)[^,]*, offset = (\d+)", line)
                if m:
                    members.append((m.group(1), self.name(int(m.group(2), 16)), int(m.group(3))))
                m = re.match(r"- LF_ENUMERATE \[(\S+) = (\d+)\]", line)
                if m:
                    members.append((m.group(1), int(m.group(2)) & 0xFFFFFFFF))
        return {"size": int(size.group(1)) if size else None, "members": members}


SIMPLE_NAMES = {}


def learn_simple_names(*texts):
    """Simple type indices as pdbutil spells them (`0x0074 (int)`)."""
    for text in texts:
        for m in re.finditer(r"\b0x(0[0-9A-F]{3}) \(([^()]*)\)", text):
            SIMPLE_NAMES.setdefault(int(m.group(1), 16), m.group(2))


# -------------------------------------------------------------- symbols


def parse_symbols(text):
    """Functions: name -> dict(kind, addr, size, type, params, locals, inlines, module)."""
    funcs = {}
    module = None
    stack = []  # open scopes: ("proc", f) / ("block",) / ("inline", name)
    cur = None
    pending = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\s*Mod (\d+) \| `(.*)`:", line)
        if m:
            module = int(m.group(1))
            stack = []
            cur = None
            continue
        m = re.match(r"\s+\d+ \| (S_\w+) \[size = \d+\](?: `(.*)`)?", line)
        if not m:
            continue
        kind, name = m.group(1), m.group(2)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        nxt2 = lines[i + 2] if i + 2 < len(lines) else ""
        if kind in ("S_GPROC32", "S_LPROC32", "S_GPROC32_ID", "S_LPROC32_ID"):
            a = re.search(r"addr = (\d+):(\d+), code size = (\d+)", nxt)
            t = re.search(r"type = `0x[0-9A-F]+ \((.*)\)`, debug start", nxt2)
            cur = {
                "kind": "global" if kind.startswith("S_G") else "local",
                "section": int(a.group(1)),
                "addr": int(a.group(2)),
                "size": int(a.group(3)),
                "type": t.group(1) if t else "?",
                "params": [],
                "locals": [],
                "inlines": [],
                "module": module,
            }
            funcs.setdefault(name, cur)
            stack = [("proc", name)]
        elif kind in ("S_BLOCK32",):
            stack.append(("block", ""))
        elif kind == "S_INLINESITE":
            n = re.search(r"inlinee = 0x[0-9A-F]+ \((.*)\), parent", nxt)
            inl = n.group(1) if n else "?"
            path = "/".join(s[1] for s in stack if s[0] == "inline") + "/" + inl
            if cur is not None:
                cur["inlines"].append(path.lstrip("/"))
            stack.append(("inline", inl))
        elif kind in ("S_END", "S_INLINESITE_END", "S_PROC_ID_END"):
            if stack:
                stack.pop()
            if not stack:
                cur = None
        elif kind in ("S_LOCAL", "S_REGREL32", "S_BPREL32", "S_REGISTER", "S_LDATA32",
                      "S_GDATA32") and cur is not None:
            # (S_LDATA32 in a function: a `static` local.)
            t = re.search(r"type ?= ?(0x[0-9A-F]+) \((.*)\)", nxt)
            ty = t.group(2) if t else "?"
            is_param = "flags = param" in nxt or "param" in nxt.split("flags")[-1]
            where = "/".join(s[1] for s in stack if s[0] == "inline")
            # Does a location follow (a S_DEFRANGE_* before the next symbol)?
            located = False
            for later in lines[i + 2 : i + 12]:
                mm = re.match(r"\s+\d+ \| (S_\w+)", later)
                if mm:
                    located = mm.group(1).startswith("S_DEFRANGE")
                    break
            if kind != "S_LOCAL":
                located = True
            if kind in ("S_LDATA32", "S_GDATA32"):
                ty = "static " + ty
            entry = {"name": name, "type": ty, "inline": where, "located": located}
            (cur["params"] if is_param and kind == "S_LOCAL" else cur["locals"]).append(entry)
    return funcs


def parse_lines(text):
    """(module, section) -> list of (file, line, offset)."""
    out = {}
    module = None
    file = None
    for line in text.splitlines():
        m = re.match(r"\s*Mod (\d+) \| `(.*)`:", line)
        if m:
            module = int(m.group(1))
            file = None
            continue
        if re.match(r"^\S.*\((MD5|no checksum|SHA)", line) or re.match(r"^/\S+ \(", line):
            file = line.split(" (")[0]
            continue
        if line.startswith("(unknown file name"):
            file = None
            continue
        m = re.match(r"\s+(\d{4}):[0-9A-F]+-[0-9A-F]+, line", line)
        if m:
            section = int(m.group(1))
            continue
        if file is None or module is None:
            continue
        for e in re.finditer(r"(\d+)(?::\d+)?(?:-\d+)? ([0-9A-F]{8}) ", line + " "):
            out.setdefault(module, []).append((file, int(e.group(1)), int(e.group(2), 16)))
    return out


# ------------------------------------------------------------ wasm lines


def wasm_lines(wasm):
    """Function short name -> list of line sets, from the wasm module's own
    DWARF (what innative carries over): its subprograms' ranges and its
    line table."""
    dd = os.environ.get("LLVM_DWARFDUMP", "llvm-dwarfdump-19")
    info = subprocess.run([dd, "--debug-info", wasm], capture_output=True, text=True).stdout
    table = subprocess.run([dd, "--debug-line", wasm], capture_output=True, text=True).stdout
    rows = []
    for l in table.splitlines():
        m = re.match(r"0x([0-9a-f]{16})\s+(\d+)", l)
        if m:
            rows.append((int(m.group(1), 16), int(m.group(2))))
    funcs = []
    for block in re.split(r"\n(?=0x[0-9a-f]+: +DW_TAG)", info):
        if "DW_TAG_subprogram" not in block.split("\n")[0]:
            continue
        name = re.search(r'DW_AT_name\s+\("([^"]*)"\)', block) or re.search(
            r'DW_AT_specification\s+\(0x[0-9a-f]+ "([^"]*)"\)', block)
        lo = re.search(r"DW_AT_low_pc\s+\(0x([0-9a-f]+)\)", block)
        hi = re.search(r"DW_AT_high_pc\s+\(0x([0-9a-f]+)\)", block)
        if name and lo and hi:
            funcs.append((name.group(1), int(lo.group(1), 16), int(hi.group(1), 16)))
    out = {}
    for name, lo, hi in funcs:
        lines = sorted({ln for (a, ln) in rows if lo <= a < hi and ln != 0})
        out.setdefault(name, []).append(lines)
    return out


def short_name(name):
    """`calc::Stack<int,4>::push` -> `push`."""
    depth = 0
    last = 0
    for i, ch in enumerate(name):
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        elif ch == ":" and depth == 0 and name[i - 1 : i + 1] == "::":
            last = i + 1
    return name[last:].split("<")[0] if not name[last:].startswith("operator") else name[last:]


# ------------------------------------------------------------- compare


def collect(pdb, sources):
    sym = dump(pdb, "--symbols")
    typ = dump(pdb, "--types")
    lin = dump(pdb, "--l")
    learn_simple_names(sym, typ)
    types = Types(parse_types(typ))
    funcs = parse_symbols(sym)
    lines = parse_lines(lin)
    base = {os.path.basename(s) for s in sources}
    chosen = {}
    for name, f in funcs.items():
        rows = [
            (file, ln)
            for (file, ln, off) in lines.get(f["module"], [])
            if f["addr"] <= off < f["addr"] + f["size"] and ln != 0
        ]
        if not rows or os.path.basename(rows[0][0]) not in base:
            continue
        f["lines"] = sorted({ln for (_, ln) in rows})
        f["file"] = os.path.basename(rows[0][0])
        chosen[name] = f
    return chosen, types


def strip_ref(native_ty, ours_ty):
    """ours matches native, directly or as the reference `T&` of an
    indirect local."""
    if ours_ty == native_ty:
        return "same"
    if ours_ty.endswith("&") and ours_ty[:-1] == native_ty:
        return "indirect"
    if native_ty.startswith("static ") and ours_ty.endswith("&") and ours_ty[:-1] == native_ty[7:]:
        return "indirect"
    return None


def type_names(ty):
    return set(re.findall(r"[A-Za-z_][\w:]*(?:<[^<>]*(?:<[^<>]*>[^<>]*)*>)?(?:::\w+)*", ty)) - {
        "const", "volatile", "struct", "union", "enum", "int", "char", "unsigned",
        "short", "long", "float", "double", "void", "bool", "signed", "__int64",
    }


def compare(native_pdb, ours_pdb, sources, wasm=None):
    nat, nt = collect(native_pdb, sources)
    our, ot = collect(ours_pdb, sources)
    wl = wasm_lines(wasm) if wasm else None
    report = {"functions": [], "types": [], "missing_functions": [], "extra_functions": []}
    tot = dict(functions=0, functions_ok=0, lines_ok=0, signature_ok=0,
               params=0, params_ok=0, locals=0, locals_ok=0, indirect=0,
               inlines=0, inlines_ok=0, types=0, types_ok=0, types_layout=0,
               lines_wasm_ok=0, lines_wasm=0, params_found=0, locals_found=0)
    used_types = set()
    for name in sorted(nat):
        n = nat[name]
        tot["functions"] += 1
        o = our.get(name)
        if o is None:
            report["missing_functions"].append(name)
            continue
        tot["functions_ok"] += 1
        rec = {"name": name, "file": n["file"], "kind": [n["kind"], o["kind"]]}
        rec["lines"] = {"native": n["lines"], "innative": o["lines"], "ok": n["lines"] == o["lines"]}
        tot["lines_ok"] += rec["lines"]["ok"]
        if wl is not None:
            # (A C++ method's definition is named by its specification.)
            cands = wl.get(short_name(name), [])
            rec["lines"]["wasm"] = cands
            if cands:
                rec["lines"]["wasm_ok"] = o["lines"] in cands
                tot["lines_wasm_ok"] += rec["lines"]["wasm_ok"]
                tot["lines_wasm"] += 1
        sig_ok = n["type"] == o["type"]
        rec["signature"] = {"native": n["type"], "innative": o["type"], "ok": sig_ok}
        tot["signature_ok"] += sig_ok
        used_types |= type_names(n["type"])
        for what in ("params", "locals"):
            rows = []
            ours = list(o[what])
            for v in n[what]:
                tot[what] += 1
                used_types |= type_names(v["type"])
                match = None
                for j, w in enumerate(ours):
                    if w["name"] == v["name"] and w["inline"] == v["inline"]:
                        match = ours.pop(j)
                        break
                how = strip_ref(v["type"], match["type"]) if match else None
                if match and match["located"]:
                    tot[what + "_found"] += 1
                if how and match["located"]:
                    tot[what + "_ok"] += 1
                    tot["indirect"] += how == "indirect"
                rows.append({"name": v["name"], "inline": v["inline"], "native": v["type"],
                             "innative": match["type"] if match else None,
                             "found": bool(match and match["located"]),
                             "located": match["located"] if match else False,
                             "ok": bool(how and match["located"]), "how": how})
            for w in ours:
                rows.append({"name": w["name"], "inline": w["inline"], "native": None,
                             "innative": w["type"], "ok": False, "how": "extra"})
            rec[what] = rows
        tot["inlines"] += len(n["inlines"])
        ok_inl = sum(1 for x in n["inlines"] if x in o["inlines"])
        tot["inlines_ok"] += ok_inl
        rec["inlines"] = {"native": n["inlines"], "innative": o["inlines"]}
        report["functions"].append(rec)
    report["extra_functions"] = sorted(set(our) - set(nat))
    # Types named by the fixture's functions (one level of members too).
    seen = set()
    todo = sorted(used_types)
    while todo:
        tname = todo.pop()
        if tname in seen:
            continue
        seen.add(tname)
        for kind in ("LF_STRUCTURE", "LF_CLASS", "LF_UNION", "LF_ENUM"):
            a = nt.composite(kind, tname)
            if a is None:
                continue
            b = ot.composite(kind, tname)
            if b is None and kind in ("LF_STRUCTURE", "LF_CLASS"):
                # (`class` and `struct` are one thing but for the keyword.)
                b = ot.composite("LF_CLASS" if kind == "LF_STRUCTURE" else "LF_STRUCTURE", tname)
            tot["types"] += 1
            row = {"name": tname, "kind": kind, "native": a, "innative": b}
            if b is None:
                row["status"] = "missing"
            elif a == b:
                row["status"] = "same"
                tot["types_ok"] += 1
            else:
                names_a = [(m[0], m[1]) for m in a["members"]]
                names_b = [(m[0], m[1]) for m in b["members"]]
                if names_a == names_b:
                    row["status"] = "layout (pointer width)"
                    tot["types_layout"] += 1
                else:
                    row["status"] = "differs"
            report["types"].append(row)
            for m in a["members"]:
                if len(m) == 3:
                    todo.extend(type_names(m[1]) - seen)
    report["pointer_kinds"] = {"native": nt.pointer_kinds(), "innative": ot.pointer_kinds()}
    report["totals"] = tot
    # Passing: every function, with the native lines or (clang's wasm code
    # generation differs) the wasm module's own, every parameter and local
    # by name with a location.  Types are counted (params_ok, locals_ok,
    # types_ok) and their differences listed, for the caller to judge.
    lines_ok = all(f["lines"]["ok"] or f["lines"].get("wasm_ok") for f in report["functions"])
    ok = (tot["functions_ok"] == tot["functions"] and lines_ok
          and tot["params_found"] == tot["params"] and tot["locals_found"] == tot["locals"])
    report["ok"] = ok
    report["wasm"] = bool(wasm)
    return report


def show(report, name):
    t = report["totals"]
    print(f"== {name}: functions {t['functions_ok']}/{t['functions']}, "
          f"lines {t['lines_ok']}/{t['functions']}"
          + (f" (= wasm line table {t['lines_wasm_ok']}/{t['lines_wasm']})" if report.get("wasm") else "")
          + f", signatures {t['signature_ok']}/{t['functions']}, "
          f"params {t['params_found']}/{t['params']} (type {t['params_ok']}), "
          f"locals {t['locals_found']}/{t['locals']} (type {t['locals_ok']}; {t['indirect']} indirect), inline sites {t['inlines_ok']}/{t['inlines']}, "
          f"types {t['types_ok']}/{t['types']} same + {t['types_layout']} layout (pointer width)")
    for f in report["functions"]:
        bad = []
        if not f["lines"]["ok"]:
            note = ""
            if "wasm_ok" in f["lines"]:
                note = " (= the wasm's own line table)" if f["lines"]["wasm_ok"] else " (NOT the wasm's line table either)"
            bad.append(f"lines native {f['lines']['native']} innative {f['lines']['innative']}{note}")
        if not f["signature"]["ok"]:
            bad.append(f"signature native `{f['signature']['native']}` innative `{f['signature']['innative']}`")
        for what in ("params", "locals"):
            for v in f[what]:
                if not v["ok"]:
                    where = f" (in {v['inline']})" if v["inline"] else ""
                    state = "" if v.get("located", True) else " without location"
                    bad.append(f"{what[:-1]} {v['name']}{where}: native `{v['native']}` innative `{v['innative']}`{state}")
        for line in bad:
            print(f"   {f['name']}: {line}")
    for m in report["missing_functions"]:
        print(f"   missing function {m}")
    for ty in report["types"]:
        if ty["status"] != "same":
            print(f"   type {ty['name']}: {ty['status']}")
            if ty["status"] == "differs" or ty["status"] == "layout (pointer width)":
                print(f"      native   {ty['native']}")
                print(f"      innative {ty['innative']}")
    pk = report["pointer_kinds"]
    print(f"   pointer records: native {pk['native']}, innative {pk['innative']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("native")
    ap.add_argument("innative")
    ap.add_argument("--sources", nargs="+", required=True)
    ap.add_argument("--name", default=None)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--wasm", help="the wasm module: also compare lines with its own line table")
    a = ap.parse_args()
    report = compare(a.native, a.innative, a.sources, a.wasm)
    if a.json:
        json.dump(report, sys.stdout, indent=1)
        print()
    else:
        show(report, a.name or os.path.basename(a.innative))
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
