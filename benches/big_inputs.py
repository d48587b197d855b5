#!/usr/bin/env python3
"""Big inputs for issue 18: a module with N small functions and one with a
large data segment; compiles each at -O0 and -O2 under /usr/bin/time -v and
prints peak RSS, wall time and time per function.

  benches/big_inputs.py [--funcs 100000] [--data-mb 50] [--innative PATH] [--keep DIR]

Measurement only (not a test): run it on an idle machine.
"""
import argparse, os, random, re, subprocess, sys, tempfile


def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def section(sid, payload):
    return bytes([sid]) + leb(len(payload)) + payload


def name(s):
    b = s.encode()
    return leb(len(b)) + b


def many_functions(n, shape):
    """n functions (i32) -> i32: each adds a constant and, for small
    arguments, calls the next one ('ring': the last calls the first, one
    n-function call cycle; 'chain': the last calls nothing; 'leaf': no
    calls at all); every 100th is exported."""
    types = leb(2) + b"\x60\x01\x7f\x01\x7f" + b"\x60\x00\x00"
    funcs = leb(n + 1) + b"".join(leb(0) for _ in range(n)) + leb(1)
    exports = [(f"f{i}", i) for i in range(0, n, 100)] + [("_start", n)]
    exp = leb(len(exports)) + b"".join(name(s) + b"\x00" + leb(i) for s, i in exports)
    bodies = []
    for i in range(n):
        nxt = (i + 1) % n
        if shape == "leaf" or (shape == "chain" and i == n - 1):
            # local.get 0; i32.const i; i32.add
            code = b"\x00\x20\x00\x41" + sleb(i) + b"\x6a\x0b"
        else:
            # local.get 0; i32.const 3; i32.lt_u; if (result i32)
            #   local.get 0; i32.const 1; i32.add; call nxt
            # else local.get 0; i32.const i; i32.add end
            code = (b"\x00" + b"\x20\x00\x41\x03\x49\x04\x7f"
                    + b"\x20\x00\x41\x01\x6a\x10" + leb(nxt)
                    + b"\x05\x20\x00\x41" + sleb(i) + b"\x6a\x0b\x0b")
        bodies.append(leb(len(code)) + code)
    start = b"\x00\x41\x00\x10\x00\x1a\x0b"
    bodies.append(leb(len(start)) + start)
    code = leb(n + 1) + b"".join(bodies)
    return (b"\x00asm\x01\x00\x00\x00" + section(1, types) + section(3, funcs)
            + section(7, exp) + section(10, code))


def big_data(mb):
    size = mb * 1024 * 1024
    pages = (size + 65535) // 65536 + 1
    rnd = random.Random(18)
    data = rnd.randbytes(size)
    types = leb(1) + b"\x60\x00\x00"
    funcs = leb(1) + leb(0)
    mem = leb(1) + b"\x00" + leb(pages)
    exp = leb(1) + name("_start") + b"\x00" + leb(0)
    code = leb(1) + leb(2) + b"\x00\x0b"
    seg = leb(1) + b"\x00\x41\x00\x0b" + leb(len(data)) + data
    return (b"\x00asm\x01\x00\x00\x00" + section(1, types) + section(3, funcs)
            + section(5, mem) + section(7, exp) + section(10, code) + section(11, seg))


def measure(innative, wasm, opt, out, nfuncs):
    cmd = ["/usr/bin/time", "-v", innative, "compile", f"-O{opt}", wasm, "-o", out]
    r = subprocess.run(cmd, capture_output=True, text=True)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", r.stderr).group(1)
    parts = [float(p) for p in wall.split(":")]
    secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    ok = "ok" if r.returncode == 0 else f"FAILED ({r.returncode}): {r.stderr.splitlines()[0] if r.stderr else ''}"
    run = ""
    if r.returncode == 0:
        p = subprocess.run([out], capture_output=True)
        run = f", runs: status {p.returncode}"
    per = f", {secs / nfuncs * 1e6:.1f} us/function" if nfuncs > 1 else ""
    print(f"  -O{opt}: {secs:.1f} s, peak RSS {rss / 1024:.0f} MiB, output {os.path.getsize(out) / 2**20 if os.path.exists(out) else 0:.1f} MiB{per}{run} [{ok}]", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--funcs", type=int, default=100000)
    ap.add_argument("--data-mb", type=int, default=50)
    ap.add_argument("--innative", default=os.path.join(os.path.dirname(__file__), "..", "target", "debug", "innative"))
    ap.add_argument("--keep")
    ap.add_argument("--opt", default="0,2")
    ap.add_argument("--shape", default="chain", choices=["ring", "chain", "leaf"])
    ap.add_argument("--skip-data", action="store_true")
    a = ap.parse_args()
    d = a.keep or tempfile.mkdtemp(prefix="innative-big-")
    os.makedirs(d, exist_ok=True)
    cases = [(f"{a.funcs} functions ({a.shape})", many_functions(a.funcs, a.shape), a.funcs)]
    if not a.skip_data:
        cases.append((f"{a.data_mb} MB data segment", big_data(a.data_mb), 1))
    for label, data, n in cases:
        path = os.path.join(d, re.sub(r"\W+", "_", label) + ".wasm")
        with open(path, "wb") as f:
            f.write(data)
        print(f"{label}: {path} ({len(data) / 2**20:.1f} MiB)", flush=True)
        for opt in a.opt.split(","):
            measure(a.innative, path, opt, path[:-5] + f".O{opt}", n)


if __name__ == "__main__":
    sys.exit(main())
