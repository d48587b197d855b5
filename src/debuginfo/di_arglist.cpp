// The one piece of LLVM's debug-info API that LLVM-C (19) does not expose:
// a `#dbg_value` record over a DIArgList, i.e. a variable location computed
// from several SSA values (`DW_OP_LLVM_arg 0`, `DW_OP_LLVM_arg 1`, ...).
//
// innative needs it for wasm pointers held in registers: the native pointer
// is `memory base + wasm address`, two values that live in two registers.
// Written in C++ because no crate or C entry point offers it; built by
// build.rs against the same LLVM 19 headers as the libLLVM we link.

#include "llvm-c/Core.h"
#include "llvm/IR/BasicBlock.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DebugProgramInstruction.h"
#include "llvm/IR/Instruction.h"
#include "llvm/IR/Metadata.h"
#include "llvm/IR/Value.h"

using namespace llvm;

extern "C" void innative_dbg_value_list(LLVMValueRef *values, unsigned count,
                                        LLVMMetadataRef variable,
                                        LLVMMetadataRef expression,
                                        LLVMMetadataRef location,
                                        LLVMBasicBlockRef block,
                                        LLVMValueRef before) {
  BasicBlock *bb = unwrap(block);
  SmallVector<ValueAsMetadata *, 4> args;
  for (unsigned i = 0; i < count; i++)
    args.push_back(ValueAsMetadata::get(unwrap(values[i])));
  DIArgList *list = DIArgList::get(bb->getContext(), args);
  auto *record = new DbgVariableRecord(
      list, cast<DILocalVariable>(unwrap(variable)),
      cast<DIExpression>(unwrap(expression)), cast<DILocation>(unwrap(location)),
      DbgVariableRecord::LocationType::Value);
  // Before `before` (an instruction of the block), or at its end.
  auto at = before ? cast<Instruction>(unwrap(before))->getIterator() : bb->end();
  bb->insertDbgRecordBefore(record, at);
}
