#!/usr/bin/env python3
"""The speed benchmark: generated code against native, and against wasm2c.

    benches/speed.py [--runs N] [--only NAME,...] [--profile dev|release]

Every program in benches/speed/programs/ (plus zlib and SQLite, whose C
sources come from the crates.io packages libz-sys and libsqlite3-sys, fetched
by cargo into target/bench/sources) is built three ways from the same C:

  native    clang-19 -O2
  innative  clang-19 --target=wasm32-wasi -O2, then innative compile -O2
  wasm2c    the same .wasm through Debian's wasm2c (wabt 1.0.32), then
            clang-19 -O2 with wabt's runtime and benches/speed/wasm2c_host.c

The SIMD kernels (`simd_*.c`) are built for wasm with -msimd128 (natively
the same C is SSE2 code, x86-64's baseline, as innative's output is).
Debian's wasm2c aborts on SIMD modules, so those rows have no wasm2c
column, and the geomeans count only programs with all three builds.

Each build runs N times (default 5), interleaved so that drift in machine
load hits all three alike; the best wall time counts.  The outputs must be
identical to the native build's.  The report gives each time as a ratio
against native (lower is better), the geomean as a fraction of native speed,
and innative's compile time and peak RSS per program.  Timing lives here,
never in a test.
"""
import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SPEED = os.path.join(HERE, "speed")
WORK = os.path.join(ROOT, "target", "bench", "speed")
SOURCES = os.path.join(ROOT, "target", "bench", "sources")
WASM2C_DIR = "/usr/share/wabt/wasm2c"

# The crates.io packages whose C sources two programs use.
CRATES = {"libz-sys": "1.1.20", "libsqlite3-sys": "0.30.1"}

ZLIB_FILES = ["adler32.c", "compress.c", "crc32.c", "deflate.c", "inflate.c", "inffast.c",
              "inftrees.c", "trees.c", "uncompr.c", "zutil.c"]
SQLITE_FLAGS = ["-DSQLITE_THREADSAFE=0", "-DSQLITE_TEMP_STORE=3", "-DSQLITE_OMIT_LOAD_EXTENSION", "-DSQLITE_DEFAULT_MEMSTATUS=0"]
SQLITE_WASI_FLAGS = ["-DLONGDOUBLE_TYPE=double", "-D_WASI_EMULATED_MMAN", "-D_WASI_EMULATED_GETPID",
                     "-D_WASI_EMULATED_SIGNAL", "-D_WASI_EMULATED_PROCESS_CLOCKS"]
SQLITE_WASI_LIBS = ["-lwasi-emulated-mman", "-lwasi-emulated-getpid", "-lwasi-emulated-signal",
                    "-lwasi-emulated-process-clocks"]


def die(msg):
    print(f"speed: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        die(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return p


def fetch_sources():
    """Extracts the crates' sources into target/bench/sources (once)."""
    os.makedirs(SOURCES, exist_ok=True)
    missing = [c for c, v in CRATES.items() if not os.path.isdir(os.path.join(SOURCES, f"{c}-{v}"))]
    if not missing:
        return
    manifest = os.path.join(SOURCES, "fetch")
    os.makedirs(manifest, exist_ok=True)
    deps = "\n".join(f'{c} = "={v}"' for c, v in CRATES.items())
    with open(os.path.join(manifest, "Cargo.toml"), "w") as f:
        f.write(f'[workspace]\n[package]\nname = "bench-sources"\nversion = "0.0.0"\nedition = "2021"\n'
                f'[lib]\npath = "lib.rs"\n[dependencies]\n{deps}\n')
    open(os.path.join(manifest, "lib.rs"), "w").close()
    run(["cargo", "fetch", "--manifest-path", os.path.join(manifest, "Cargo.toml")])
    cargo_home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    cache = os.path.join(cargo_home, "registry", "cache")
    for crate in missing:
        name = f"{crate}-{CRATES[crate]}.crate"
        found = [os.path.join(d, name) for d in (os.path.join(cache, x) for x in os.listdir(cache))
                 if os.path.exists(os.path.join(d, name))]
        if not found:
            die(f"cargo fetch did not leave {name} in {cache}")
        with tarfile.open(found[0]) as t:
            t.extractall(SOURCES)


def programs(only):
    names = sorted(f[:-2] for f in os.listdir(os.path.join(SPEED, "programs")) if f.endswith(".c"))
    if only:
        unknown = set(only) - set(names)
        if unknown:
            die(f"no such program: {', '.join(sorted(unknown))}")
        names = [n for n in names if n in only]
    return names


def extra_sources(name):
    """(C files, include dirs, native flags, wasm flags, wasm libs) a program adds."""
    if name == "zlib":
        d = os.path.join(SOURCES, f"libz-sys-{CRATES['libz-sys']}", "src", "zlib")
        return [os.path.join(d, f) for f in ZLIB_FILES], [d], [], [], []
    if name == "sqlite":
        d = os.path.join(SOURCES, f"libsqlite3-sys-{CRATES['libsqlite3-sys']}", "sqlite3")
        return [os.path.join(d, "sqlite3.c")], [d], SQLITE_FLAGS, SQLITE_FLAGS + SQLITE_WASI_FLAGS, SQLITE_WASI_LIBS
    return [], [], [], [], []


def timed(cmd, **kw):
    """Runs cmd under /usr/bin/time; returns (seconds, peak RSS in MiB)."""
    p = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        die(f"{' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    secs, kib = p.stderr.strip().splitlines()[-1].split()
    return float(secs), int(kib) / 1024


def build(name, innative):
    d = os.path.join(WORK, name)
    os.makedirs(d, exist_ok=True)
    src = os.path.join(SPEED, "programs", f"{name}.c")
    files, incs, nflags, wflags, wlibs = extra_sources(name)
    inc = [f"-I{i}" for i in incs]
    native = os.path.join(d, "native")
    run(["clang-19", "-O2", *nflags, *inc, src, *files, "-lm", "-o", native])
    wasm = os.path.join(d, f"{name}.wasm")
    simd = ["-msimd128"] if name.startswith("simd_") else []
    run(["clang-19", "--target=wasm32-wasi", "-O2", *simd, *wflags, *inc, src, *files, *wlibs, "-o", wasm])
    inn = os.path.join(d, "innative")
    compile_s, compile_mib = timed([innative, "compile", "-O2", wasm, "-o", inn])
    exes = {"native": native, "innative": inn}
    if simd:
        return exes, compile_s, compile_mib  # (wasm2c aborts on SIMD modules)
    w2c_c = os.path.join(d, "prog.c")
    run(["wasm2c", "-n", "prog", wasm, "-o", w2c_c])
    w2c = os.path.join(d, "wasm2c")
    run(["clang-19", "-O2", f"-I{d}", f"-I{WASM2C_DIR}", w2c_c, os.path.join(WASM2C_DIR, "wasm-rt-impl.c"),
         os.path.join(SPEED, "wasm2c_host.c"), "-lm", "-o", w2c])
    exes["wasm2c"] = w2c
    return exes, compile_s, compile_mib


def run_once(exe):
    t = time.perf_counter()
    p = subprocess.run([exe], capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    return elapsed, p.returncode, p.stdout


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated program names")
    ap.add_argument("--profile", default="dev", choices=["dev", "release"])
    args = ap.parse_args()
    for tool in ["clang-19", "wasm2c", "cargo", "/usr/bin/time"]:
        if shutil.which(tool) is None:
            die(f"{tool} not found (run scripts/setup.sh)")
    build_cmd = ["cargo", "build", "--quiet", "--bin", "innative"] + (["--release"] if args.profile == "release" else [])
    run(build_cmd, cwd=ROOT)
    innative = os.path.join(ROOT, "target", "release" if args.profile == "release" else "debug", "innative")
    fetch_sources()
    names = programs([n for n in args.only.split(",") if n])
    rows = []
    for name in names:
        print(f"building {name} ...", file=sys.stderr, flush=True)
        exes, compile_s, compile_mib = build(name, innative)
        best = {k: float("inf") for k in exes}
        expected = None
        for _ in range(args.runs):
            for kind, exe in exes.items():
                secs, status, out = run_once(exe)
                if kind == "native":
                    expected = (status, out)
                elif (status, out) != expected:
                    die(f"{name}: {kind} output differs from native:\n--- native (status {expected[0]})\n"
                        f"{expected[1][:800]}\n--- {kind} (status {status})\n{out[:800]}")
                best[kind] = min(best[kind], secs)
        rows.append((name, best, compile_s, compile_mib))
        w2c = f"{best['wasm2c'] / best['native']:.2f}x" if "wasm2c" in best else "n/a"
        print(f"  {name}: native {best['native']:.3f}s innative {best['innative'] / best['native']:.2f}x "
              f"wasm2c {w2c}", file=sys.stderr, flush=True)

    print(f"\nspeed benchmark: best of {args.runs} runs, time ratio against native clang-19 -O2 (lower is better)\n")
    print(f"| program | native s | innative -O2 | wasm2c + clang -O2 | innative compile s | compile peak RSS MiB |")
    print(f"|---|---|---|---|---|---|")
    ri, rw = [], []
    for name, best, cs, cm in rows:
        i = best["innative"] / best["native"]
        if "wasm2c" not in best:
            print(f"| {name} | {best['native']:.3f} | {i:.2f} | n/a | {cs:.2f} | {cm:.0f} |")
            continue
        w = best["wasm2c"] / best["native"]
        ri.append(i)
        rw.append(w)
        mark = lambda a, b: f"**{a:.2f}**" if a <= b else f"{a:.2f}"
        print(f"| {name} | {best['native']:.3f} | {mark(i, w)} | {mark(w, i)} | {cs:.2f} | {cm:.0f} |")
    if not ri:
        return
    gi, gw = geomean(ri), geomean(rw)
    print(f"| geomean ratio | | {gi:.3f} | {gw:.3f} | | |")
    print(f"| as fraction of native speed | | {1 / gi:.3f} | {1 / gw:.3f} | | |")


if __name__ == "__main__":
    main()
