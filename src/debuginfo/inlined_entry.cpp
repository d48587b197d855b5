// Object emission with `-g`: LLVM's own code generation pipeline (what
// LLVMTargetMachineEmitToMemoryBuffer runs, replicated from
// LLVMTargetMachine::addPassesToEmitFile), plus one machine-function pass
// just before the AsmPrinter that changes debug locations only, never code.
//
// The problem (issue 17: `break FUNC` at -O2).  Where gdb 13 and lldb 19 put
// a breakpoint on an inlined copy of FUNC, measured on clang's native build
// with its two DW_AT_ranges entries swapped by hand: gdb 13 uses the start of
// the first range listed, lldb 19 the lowest address whatever the order; a
// DW_AT_entry_pc (constant form) moved neither.  LLVM lists ranges in address
// order, so both stop at the copy's lowest address.  When the copy is a loop
// (clang's wasm -O2 turns recursion.c's is_even/is_odd mutual recursion into
// one), machine block placement rotates it: the latch, which runs only from
// the second iteration on, is laid out first, and the code before the loop
// enters it with `jmp HEADER` over the latch and over the alignment padding,
// where the range starts (LLVM reuses the label after the jump).  gdb and
// lldb then never stop in is_even, and would stop in is_odd's frame at the
// latch with the padding gone.  Native clang escapes it because its IR loop
// rotation leaves a guard with the callee's line in the preheader.
//
// What the pass does, per inlined copy:
// * a copy that is only jumped into past its lowest address (its lowest
//   instruction is reached only from inside the copy) gets the unconditional
//   jump into it that is laid out last before that address: the jump takes
//   the debug location of the first instruction it jumps to, so the copy's
//   range starts at the jump — which runs exactly when the copy is entered
//   that way — and the line table gives it that instruction's line; the
//   variable locations LLVM recorded at the target for the copy's variables
//   are copied to just before the jump (a jump changes no register or
//   memory, so they hold there too).  A copy entered by several jumps stops
//   only when entered through that one (a single entry address is all
//   either debugger reads);
// * a copy whose lowest instruction opens an aligned block that nothing
//   falls into (the padding never runs) gets a zero-size annotation label
//   before that instruction, so that its range starts after the padding.
//
// Rejected: rewriting the output's DW_AT_ranges to list the entry's range
// first, or adding DW_AT_entry_pc, moves gdb 13 at best and never lldb 19
// (above); removing the latch from the copy's range would lose its inline
// frame in backtraces and stepping there.
//
// Only debug locations, DBG_VALUEs and a zero-size label change, after
// every pass that could look at them, so the machine code is LLVM-C's
// (driver.rs: `debug_emission_changes_no_code` compares every non-debug
// section and symbol of both emissions for each debugger fixture).  Without
// `-g` innative uses LLVM-C's entry point: nothing here runs.

#include "llvm-c/Core.h"
#include "llvm-c/TargetMachine.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/CodeGen/MachineFunction.h"
#include "llvm/CodeGen/MachineFunctionPass.h"
#include "llvm/CodeGen/MachineInstr.h"
#include "llvm/CodeGen/MachineInstrBuilder.h"
#include "llvm/CodeGen/MachineModuleInfo.h"
#include "llvm/CodeGen/Passes.h"
#include "llvm/CodeGen/TargetInstrInfo.h"
#include "llvm/CodeGen/TargetPassConfig.h"
#include "llvm/CodeGen/TargetSubtargetInfo.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCContext.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <cstdlib>
#include <cstring>
#include <utility>

using namespace llvm;

namespace {

// An inlined copy of a function: LexicalScopes' key of the scope that
// becomes a DW_TAG_inlined_subroutine (the callee, the call's location).
using Copy = std::pair<const DISubprogram *, const DILocation *>;

Copy copy_of(const DILocation *loc) {
  return {loc->getScope()->getSubprogram(), loc->getInlinedAt()};
}

// Whether code at `loc` is inside the inlined copy `c` (or inlined into it).
bool inside(const DILocation *loc, const Copy &c) {
  for (; loc && loc->getInlinedAt(); loc = loc->getInlinedAt())
    if (copy_of(loc) == c)
      return true;
  return false;
}

// The location LexicalScopes gives the end of `mbb`: that of its last
// instruction with one (an instruction without a location belongs to the
// range of the one before it in its block), or null.
const DILocation *exit_location(const MachineBasicBlock &mbb) {
  for (auto it = mbb.rbegin(); it != mbb.rend(); ++it)
    if (!it->isMetaInstruction() && it->getDebugLoc())
      return it->getDebugLoc().get();
  return nullptr;
}

// The last instruction of `mbb` that is emitted.
MachineInstr *last_real(MachineBasicBlock &mbb) {
  for (auto it = mbb.rbegin(); it != mbb.rend(); ++it)
    if (!it->isMetaInstruction())
      return &*it;
  return nullptr;
}

// Whether the copy `c`, whose lowest-addressed instruction is `first`, can
// be entered there: from an instruction before it in its block that is not
// in the copy, or from a predecessor block that leaves from outside it.
bool entered_at(const MachineInstr &first, const Copy &c) {
  const MachineBasicBlock &mbb = *first.getParent();
  for (const MachineInstr &mi : mbb) {
    if (&mi == &first)
      break;
    if (!mi.isMetaInstruction() && mi.getDebugLoc())
      return true; // falls through from code of another scope
  }
  if (&mbb == &mbb.getParent()->front() || mbb.pred_empty())
    return true;
  for (const MachineBasicBlock *pred : mbb.predecessors())
    if (!inside(exit_location(*pred), c))
      return true;
  return false;
}

// The instruction of `mbb` whose location the entering jump takes: the
// first one inside `c` with a source line (else the first inside `c`).
const MachineInstr *entry_instruction(const MachineBasicBlock &mbb, const Copy &c) {
  const MachineInstr *any = nullptr;
  for (const MachineInstr &mi : mbb) {
    if (mi.isMetaInstruction() || !mi.getDebugLoc())
      continue;
    if (!inside(mi.getDebugLoc().get(), c))
      return any; // the block leaves the copy before a line of it
    if (mi.getDebugLoc().getLine() != 0)
      return &mi;
    if (!any)
      any = &mi;
  }
  return any;
}

struct InlinedEntries : public MachineFunctionPass {
  static char ID;
  unsigned *moved;
  explicit InlinedEntries(unsigned *moved) : MachineFunctionPass(ID), moved(moved) {}

  StringRef getPassName() const override { return "innative: inlined function entries"; }

  void getAnalysisUsage(AnalysisUsage &au) const override {
    au.setPreservesAll();
    MachineFunctionPass::getAnalysisUsage(au);
  }

  bool runOnMachineFunction(MachineFunction &mf) override {
    if (!mf.getFunction().getSubprogram())
      return false;
    // The lowest-addressed instruction of each inlined copy.
    MapVector<Copy, MachineInstr *> first;
    for (MachineBasicBlock &mbb : mf)
      for (MachineInstr &mi : mbb) {
        if (mi.isMetaInstruction() || !mi.getDebugLoc())
          continue;
        for (const DILocation *l = mi.getDebugLoc().get(); l && l->getInlinedAt();
             l = l->getInlinedAt())
          first.insert({copy_of(l), &mi});
      }
    bool changed = false;
    for (auto &[c, lowest] : first) {
      if (entered_at(*lowest, c))
        continue;
      // The copy is entered only by jumps to code after its lowest address.
      // Take the unconditional jump into it that is laid out last before that
      // address (a jump without a source line of its own, as block placement
      // makes them): with it in the copy, the copy's range starts there.
      MachineBasicBlock *home = lowest->getParent();
      MachineInstr *jump = nullptr;
      const MachineInstr *target = nullptr;
      for (MachineBasicBlock &mbb : mf) {
        if (&mbb == home)
          break;
        if (mbb.succ_size() != 1)
          continue;
        MachineInstr *j = last_real(mbb);
        if (!j || !j->isUnconditionalBranch() || (j->getDebugLoc() && j->getDebugLoc().getLine() != 0))
          continue;
        const MachineInstr *t = entry_instruction(**mbb.succ_begin(), c);
        if (t) {
          jump = j;
          target = t;
        }
      }
      if (!jump)
        continue;
      jump->setDebugLoc(target->getDebugLoc());
      // The copy's variables live at the target hold at the jump too.
      const MachineBasicBlock &to = *target->getParent();
      MachineBasicBlock &from = *jump->getParent();
      for (const MachineInstr &mi : to) {
        if (!mi.isMetaInstruction())
          break;
        if (mi.isDebugValue() && mi.getDebugLoc() && inside(mi.getDebugLoc().get(), c))
          from.insert(jump->getIterator(), mf.CloneMachineInstr(&mi));
      }
      changed = true;
      if (moved)
        ++*moved;
    }
    // A copy whose lowest instruction opens an aligned block: LLVM labels the
    // start of its range with the label it put after the previous block's
    // last instruction if it made one (it does whenever a variable's
    // location ends there), i.e. before the alignment padding.  When the
    // block before falls through, the padding runs once on the way in, like
    // a preheader, and a breakpoint there is right (kept: moving it to the
    // loop header would make each iteration an "entry" for gdb's stepping).
    // When it ends in a jump or return the padding never runs and the
    // breakpoint is never hit: then a zero-size, non-meta instruction (an
    // annotation label) just before the lowest instruction makes LLVM put a
    // fresh label after the padding.
    const TargetInstrInfo *tii = mf.getSubtarget().getInstrInfo();
    SmallPtrSet<const MachineInstr *, 8> labelled;
    for (auto &[c, lowest] : first) {
      MachineBasicBlock *mbb = lowest->getParent();
      if (mbb == &mf.front() || mbb->getAlignment() == Align(1) || labelled.count(lowest))
        continue;
      const MachineInstr *before = last_real(*mbb->getPrevNode());
      if (!before || !before->isBarrier())
        continue; // reached by falling through the padding (or nothing to emit before it)
      bool opens = true;
      for (MachineInstr &mi : *mbb) {
        if (&mi == lowest)
          break;
        if (!mi.isMetaInstruction()) {
          opens = false;
          break;
        }
      }
      if (!opens)
        continue;
      BuildMI(*mbb, lowest->getIterator(), DebugLoc(), tii->get(TargetOpcode::ANNOTATION_LABEL))
          .addSym(mf.getContext().createTempSymbol());
      labelled.insert(lowest);
      changed = true;
    }
    return changed;
  }
};

char InlinedEntries::ID = 0;

} // namespace

// The object code of `module` for `machine`, as LLVMTargetMachineEmitToMemoryBuffer
// makes it, with the pass above before the AsmPrinter.  0 on success, with
// the bytes in a malloc'd `*data` of `*size` bytes (innative_free_buffer);
// else 1 with a malloc'd message in `*error`.  `*moved`: how many inlined
// copies got their entering jump.
extern "C" int innative_emit_object_debug(LLVMTargetMachineRef machine, LLVMModuleRef module,
                                          char **data, size_t *size, char **error,
                                          unsigned *moved) {
  auto *tm = reinterpret_cast<LLVMTargetMachine *>(machine);
  Module *m = unwrap(module);
  m->setDataLayout(tm->createDataLayout());
  SmallString<0> bytes;
  raw_svector_ostream out(bytes);
  {
    legacy::PassManager pm;
    // LLVMTargetMachine::addPassesToEmitFile, with our pass added after
    // the machine passes.
    auto *mmi = new MachineModuleInfoWrapperPass(tm);
    TargetPassConfig *config = tm->createPassConfig(pm);
    config->setDisableVerify(true);
    pm.add(config);
    pm.add(mmi);
    if (config->addISelPasses()) {
      *error = strdup("LLVM cannot select instructions for this target");
      return 1;
    }
    config->addMachinePasses();
    config->setInitialized();
    pm.add(new InlinedEntries(moved));
    if (tm->addAsmPrinter(pm, out, nullptr, CodeGenFileType::ObjectFile,
                          mmi->getMMI().getContext())) {
      *error = strdup("TargetMachine can't emit a file of this type");
      return 1;
    }
    pm.add(createFreeMachineFunctionPass());
    pm.run(*m);
  }
  *size = bytes.size();
  *data = static_cast<char *>(malloc(bytes.size() ? bytes.size() : 1));
  if (!*data) {
    *error = strdup("out of memory");
    return 1;
  }
  memcpy(*data, bytes.data(), bytes.size());
  return 0;
}

extern "C" void innative_free_buffer(char *p) { free(p); }
