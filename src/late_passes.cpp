// Late IR rewrites that LLVM-C (19) cannot express, run by src/emit.rs after
// the optimization pipeline and before code generation.  Built by build.rs
// against LLVM 19's headers.
//
// * `innative_set_dso_local`: GlobalValue::setDSOLocal, which LLVM-C lacks.
//
// * `innative_widen_zext`: where the 64-bit zero-extension of a 32-bit value
//   is computed.  Every linear-memory address is `membase + zext(i32)`.  On
//   x86-64 a 32-bit instruction already clears the upper half of its
//   register, so that zext is free, but SelectionDAG sees that only inside
//   one basic block: a zext of a value from another block (a loop's
//   induction variable, an `if`'s merged pointer, a value computed before a
//   branch) becomes a `mov %eXX,%eYY` at every use.  Wasm's i32 arithmetic
//   wraps, so the arithmetic itself cannot move to 64 bits; instead the
//   extension moves to where the value is defined, and the 64-bit value is
//   what crosses blocks:
//     - an i32 phi with a zext user becomes an i64 phi of the extended
//       incoming values (each extended in its own block, where it is free),
//       and its i32 uses read `trunc` of it (free: the low half);
//     - an i32 instruction whose extension is used in another block is
//       extended right after it; its i32 uses in other blocks read `trunc`
//       of the extension, so only one register crosses.
//   Values are unchanged (zext(phi(a, b)) = phi(zext a, zext b),
//   trunc(zext x) = x): this only chooses where the instructions sit.  It
//   runs after the pipeline because InstCombine would fold it back, and
//   not with -g (src/emit.rs): the 32-bit value's debug locations would be
//   left without a register outside its block.

#include "llvm-c/Core.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/BasicBlock.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalValue.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"

using namespace llvm;

extern "C" void innative_set_dso_local(LLVMValueRef global) {
  unwrap<GlobalValue>(global)->setDSOLocal(true);
}

namespace {

bool isI32(const Value *v) { return v->getType()->isIntegerTy(32); }

bool isZextToI64(const User *u, const Value *of) {
  auto *z = dyn_cast<ZExtInst>(u);
  return z != nullptr && z->getOperand(0) == of && z->getType()->isIntegerTy(64);
}

// An i32 instruction whose zero-extension costs nothing when it sits in the
// same block (x86's `def32`: anything but a copy from another block or a
// call's result register, a truncation or a freeze).
bool zextFreeAtDef(const Value *v) {
  auto *i = dyn_cast<Instruction>(v);
  if (i == nullptr || !isI32(i))
    return false;
  if (isa<BinaryOperator>(i) || isa<LoadInst>(i) || isa<SelectInst>(i) || isa<ZExtInst>(i) ||
      isa<SExtInst>(i))
    return true;
  if (auto *ii = dyn_cast<IntrinsicInst>(i)) {
    switch (ii->getIntrinsicID()) {
    case Intrinsic::ctlz:
    case Intrinsic::cttz:
    case Intrinsic::ctpop:
    case Intrinsic::bswap:
    case Intrinsic::umin:
    case Intrinsic::umax:
    case Intrinsic::smin:
    case Intrinsic::smax:
    case Intrinsic::fshl:
    case Intrinsic::fshr:
    case Intrinsic::abs:
      return true;
    default:
      return false;
    }
  }
  return false;
}

class Widen {
public:
  explicit Widen(Function &f) : f(f), dt(f), i64(Type::getInt64Ty(f.getContext())) {}

  bool run() {
    SetVector<PHINode *> phis;
    SetVector<Instruction *> defs; // non-phi instructions extended after their definition
    // Phis with a zext user, and the i32 phis that feed them.
    SmallVector<PHINode *, 32> work;
    for (BasicBlock &bb : f)
      for (PHINode &p : bb.phis())
        if (isI32(&p) && any_of(p.users(), [&](User *u) { return isZextToI64(u, &p); }))
          work.push_back(&p);
    while (!work.empty()) {
      PHINode *p = work.pop_back_val();
      if (!phis.insert(p))
        continue;
      for (Value *in : p->incoming_values())
        if (auto *q = dyn_cast<PHINode>(in))
          work.push_back(q);
    }
    // Drop phis that would need an extension on a hot edge: every incoming
    // value must be free to extend (a constant, a phi kept here, or an
    // instruction extended where it is defined), except one from outside
    // the loop when the phi heads a loop (extended once per entry, not per
    // iteration).
    for (bool changed = true; changed;) {
      changed = false;
      for (PHINode *p : SmallVector<PHINode *, 32>(phis.begin(), phis.end())) {
        unsigned costly = 0;
        bool back_edge = false, ok = true;
        for (unsigned k = 0; k < p->getNumIncomingValues(); k++) {
          Value *in = p->getIncomingValue(k);
          BasicBlock *from = p->getIncomingBlock(k);
          bool is_back = dt.dominates(p->getParent(), from);
          back_edge |= is_back;
          if (isa<ConstantInt>(in) || isa<UndefValue>(in))
            continue;
          if (auto *q = dyn_cast<PHINode>(in)) {
            if (phis.contains(q))
              continue;
          } else if (zextFreeAtDef(in)) {
            continue;
          }
          if (auto *ii = dyn_cast<Instruction>(in); ii != nullptr && ii->isTerminator()) {
            ok = false; // an invoke's result: nowhere before the edge to put it
            break;
          }
          if (is_back) {
            ok = false;
            break;
          }
          costly++;
        }
        if (!ok || costly > 1 || (costly == 1 && !back_edge)) {
          phis.remove(p);
          changed = true;
        }
      }
    }
    // Instructions: those phis' non-phi incoming values, and any value whose
    // extension is used outside the block that defines it.
    for (PHINode *p : phis)
      for (Value *in : p->incoming_values())
        if (!isa<PHINode>(in) && zextFreeAtDef(in))
          defs.insert(cast<Instruction>(in));
    for (BasicBlock &bb : f)
      for (Instruction &i : bb)
        if (!isa<PHINode>(&i) && zextFreeAtDef(&i) &&
            any_of(i.users(), [&](User *u) {
              return isZextToI64(u, &i) && cast<Instruction>(u)->getParent() != &bb;
            }))
          defs.insert(&i);
    if (phis.empty() && defs.empty())
      return false;

    // The 64-bit versions.
    for (Instruction *d : defs) {
      auto *z = new ZExtInst(d, i64, d->getName() + ".w", d->getNextNode());
      wide[d] = z;
    }
    for (PHINode *p : phis) {
      PHINode *w = PHINode::Create(i64, p->getNumIncomingValues(), p->getName() + ".w");
      w->insertBefore(p);
      wide[p] = w;
    }
    for (PHINode *p : phis) {
      auto *w = cast<PHINode>(wide[p]);
      DenseMap<BasicBlock *, Value *> per_block;
      for (unsigned k = 0; k < p->getNumIncomingValues(); k++) {
        BasicBlock *from = p->getIncomingBlock(k);
        auto found = per_block.find(from);
        Value *v;
        if (found != per_block.end()) {
          v = found->second;
        } else {
          v = widened(p->getIncomingValue(k), from->getTerminator());
          per_block[from] = v;
        }
        w->addIncoming(v, from);
      }
    }

    // Uses.  Extensions of a widened value read the 64-bit version; its
    // 32-bit uses in other blocks read a truncation of it.
    for (auto &[narrow, w] : wide) {
      for (Use &u : make_early_inc_range(narrow->uses())) {
        auto *user = cast<Instruction>(u.getUser());
        if (user == w)
          continue;
        if (isZextToI64(user, narrow)) {
          user->replaceAllUsesWith(w);
          dead.push_back(user);
        }
      }
      auto *ni = cast<Instruction>(narrow);
      if (auto *p = dyn_cast<PHINode>(ni)) {
        auto *t = new TruncInst(w, p->getType(), p->getName() + ".n",
                                p->getParent()->getFirstInsertionPt());
        p->replaceAllUsesWith(t);
        dead.push_back(p);
        continue;
      }
      DenseMap<BasicBlock *, Value *> truncs;
      for (Use &u : make_early_inc_range(ni->uses())) {
        auto *user = cast<Instruction>(u.getUser());
        if (user == w)
          continue;
        BasicBlock *at = user->getParent();
        Instruction *before = user;
        if (auto *up = dyn_cast<PHINode>(user)) {
          at = up->getIncomingBlock(u);
          before = at->getTerminator();
        }
        if (at == ni->getParent())
          continue;
        Value *&t = truncs[at];
        if (t == nullptr || !dt.dominates(cast<Instruction>(t), before)) {
          t = new TruncInst(w, ni->getType(), ni->getName() + ".n", before);
          truncs_made.push_back(cast<Instruction>(t));
        }
        u.set(t);
      }
    }
    for (Instruction *d : dead)
      if (d->use_empty())
        d->eraseFromParent();
    // Truncations made for the uses in replaced phis are left unused.
    for (Instruction *t : truncs_made)
      if (t->use_empty())
        t->eraseFromParent();
    return true;
  }

private:
  // The 64-bit version of incoming value `v`, for an edge whose source
  // block ends with `term`.
  Value *widened(Value *v, Instruction *term) {
    if (auto *c = dyn_cast<ConstantInt>(v))
      return ConstantInt::get(i64, c->getValue().zext(64));
    if (isa<PoisonValue>(v))
      return PoisonValue::get(i64);
    if (isa<UndefValue>(v))
      return UndefValue::get(i64);
    auto found = wide.find(v);
    if (found != wide.end())
      return found->second;
    return new ZExtInst(v, i64, v->getName() + ".w", term);
  }

  Function &f;
  DominatorTree dt;
  Type *i64;
  DenseMap<Value *, Value *> wide;
  SmallVector<Instruction *, 32> dead, truncs_made;
};

} // namespace

// Funclet-based exception handling (catchswitch and friends) admits no
// other instruction in some blocks; callbr edges cannot take one either.
// Such functions are left alone.
static bool hasUnsplittableEdges(Function &f) {
  for (BasicBlock &bb : f)
    for (Instruction &i : bb)
      if (i.isEHPad() && !isa<LandingPadInst>(&i))
        return true;
      else if (isa<CallBrInst>(&i))
        return true;
  return false;
}

// Returns the number of functions changed.
extern "C" unsigned innative_widen_zext(LLVMModuleRef module) {
  unsigned changed = 0;
  for (Function &f : *unwrap(module))
    if (!f.isDeclaration() && !hasUnsplittableEdges(f) && Widen(f).run())
      changed++;
  return changed;
}
