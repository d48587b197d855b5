// A second piece of LLVM's debug-info API that LLVM-C (19) does not expose:
// attaching *another* variable to a global.  LLVM-C's LLVMGlobalSetMetadata
// replaces a global's `!dbg`, so one LLVM global could carry one source
// variable; GlobalVariable::addDebugInfo adds one more.
//
// innative attaches every C global of a module to the module's memory
// struct (`DW_OP_addr memory; DW_OP_deref; DW_OP_plus_uconst A`), so that
// the only memory a debugger reads to find such a variable is the memory's
// base cell, which every variable shares: a hardware watchpoint on one then
// takes two debug registers, and several watchpoints fit in x86's four.
// Built by build.rs against the same LLVM 19 headers as the libLLVM we link.

#include "llvm-c/Core.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/GlobalVariable.h"

using namespace llvm;

extern "C" void innative_global_add_debug_info(LLVMValueRef global,
                                               LLVMMetadataRef expression) {
  cast<GlobalVariable>(unwrap(global))
      ->addDebugInfo(cast<DIGlobalVariableExpression>(unwrap(expression)));
}
