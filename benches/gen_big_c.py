#!/usr/bin/env python3
"""Writes a large generated C program for benches/sourcemap.sh: FILES
translation units of FUNCS functions each, every function a few dozen lines
of loops, branches and arithmetic (so the line tables are dense), plus a
main that calls them all.

    gen_big_c.py OUTDIR [FILES] [FUNCS]
"""
import os
import sys

out = sys.argv[1]
files = int(sys.argv[2]) if len(sys.argv) > 2 else 40
funcs = int(sys.argv[3]) if len(sys.argv) > 3 else 150
os.makedirs(out, exist_ok=True)

for f in range(files):
    lines = ["#include <stdint.h>", f"#include \"big.h\"", ""]
    for i in range(funcs):
        n = f * funcs + i
        lines += [
            f"int32_t big_{n}(int32_t a, int32_t b) {{",
            f"  int32_t acc = a ^ {n};",
            f"  for (int32_t i = 0; i < (b & 15); i++) {{",
            f"    acc += i * {n % 7 + 1};",
            f"    if (acc & 1) {{",
            f"      acc ^= b << (i & 7);",
            f"    }} else {{",
            f"      acc -= a >> 2;",
            f"    }}",
            f"  }}",
            f"  switch (acc & 3) {{",
            f"  case 0: acc += {n}; break;",
            f"  case 1: acc *= 3; break;",
            f"  case 2: acc -= b; break;",
            f"  default: acc ^= 0x5a5a; break;",
            f"  }}",
            f"  int32_t t = acc;",
            f"  while (t > 1000) {{",
            f"    t /= 3;",
            f"    acc += t;",
            f"  }}",
            f"  acc = acc * 31 + (a - b);",
            f"  return acc;",
            f"}}",
            "",
        ]
    with open(os.path.join(out, f"big{f}.c"), "w") as fh:
        fh.write("\n".join(lines))

with open(os.path.join(out, "big.h"), "w") as fh:
    fh.write("#include <stdint.h>\n")
    for n in range(files * funcs):
        fh.write(f"int32_t big_{n}(int32_t a, int32_t b);\n")

with open(os.path.join(out, "main.c"), "w") as fh:
    fh.write("#include <stdio.h>\n#include \"big.h\"\n\nint main(void) {\n  int32_t s = 0;\n")
    for n in range(files * funcs):
        fh.write(f"  s += big_{n}(s, {n});\n")
    fh.write("  printf(\"%d\\n\", s);\n  return 0;\n}\n")
