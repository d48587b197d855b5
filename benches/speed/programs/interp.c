/* Virtual dispatch: a bytecode interpreter whose instructions are objects
 * with a function-pointer "vtable", running a loop-heavy program. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
typedef struct vm { int64_t reg[8]; int pc; } vm;
typedef struct insn insn;
typedef struct ops { void (*exec)(const insn *, vm *); const char *name; } ops;
struct insn { const ops *vt; int a, b, c; };
static void op_li(const insn *i, vm *m) { m->reg[i->a] = i->b; m->pc++; }
static void op_add(const insn *i, vm *m) { m->reg[i->a] = m->reg[i->b] + m->reg[i->c]; m->pc++; }
static void op_mul(const insn *i, vm *m) { m->reg[i->a] = m->reg[i->b] * m->reg[i->c] % 1000000007; m->pc++; }
static void op_xor(const insn *i, vm *m) { m->reg[i->a] ^= m->reg[i->b] >> (i->c & 31); m->pc++; }
static void op_dec(const insn *i, vm *m) { m->reg[i->a]--; m->pc++; }
static void op_jnz(const insn *i, vm *m) { m->pc = m->reg[i->a] ? i->b : m->pc + 1; }
static const ops LI = {op_li, "li"}, ADD = {op_add, "add"}, MUL = {op_mul, "mul"}, XOR = {op_xor, "xor"},
                 DEC = {op_dec, "dec"}, JNZ = {op_jnz, "jnz"}, HALT = {0, "halt"};
int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 30000000;
  insn prog[] = {
      {&LI, 0, (int)iterations, 0}, {&LI, 1, 1, 0}, {&LI, 2, 3, 0}, {&LI, 3, 0, 0},
      /* 4: loop */
      {&ADD, 3, 3, 1}, {&MUL, 1, 1, 2}, {&XOR, 3, 1, 3}, {&ADD, 2, 2, 3}, {&DEC, 0, 0, 0}, {&JNZ, 0, 4, 0},
      {&HALT, 0, 0, 0}};
  vm m = {{0}, 0};
  long executed = 0;
  while (prog[m.pc].vt->exec) { prog[m.pc].vt->exec(&prog[m.pc], &m); executed++; }
  printf("executed %ld, r1 %lld r2 %lld r3 %lld\n", executed, (long long)m.reg[1], (long long)m.reg[2], (long long)m.reg[3]);
  return 0;
}
