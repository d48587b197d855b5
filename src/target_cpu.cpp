// What LLVM-C (19) lacks to check `--cpu` and `--cpu-feature` against the
// target: LLVM itself only prints "'x' is not a recognized processor for
// this target (ignoring processor)" and carries on, which would let a typo
// silently produce baseline code.  MCSubtargetInfo knows the CPU and feature
// names of each target.  Built by build.rs against LLVM 19's headers.

#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"

#include <cstdio>
#include <memory>
#include <string>

using namespace llvm;

// 0 when `cpu` (may be empty) and every comma-separated `+F`/`-F` of
// `features` are known for `triple`; else 1 with a one-line reason in
// `message`.  The target must be initialized.
extern "C" int innative_check_cpu(const char *triple, const char *cpu, const char *features,
                                  char *message, size_t size) {
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    snprintf(message, size, "%s", error.c_str());
    return 1;
  }
  std::unique_ptr<MCSubtargetInfo> sti(target->createMCSubtargetInfo(triple, "", ""));
  if (!sti) {
    snprintf(message, size, "no subtarget information for %s", triple);
    return 1;
  }
  if (*cpu && !sti->isCPUStringValid(cpu)) {
    snprintf(message, size, "unknown CPU '%s' for %s", cpu, triple);
    return 1;
  }
  std::string all(features);
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find(',', start);
    if (end == std::string::npos)
      end = all.size();
    std::string name = all.substr(start, end - start);
    start = end + 1;
    if (name.empty())
      continue;
    if (name[0] == '+' || name[0] == '-')
      name = name.substr(1);
    bool known = false;
    for (const SubtargetFeatureKV &kv : sti->getAllProcessorFeatures())
      known = known || name == kv.Key;
    if (!known) {
      snprintf(message, size, "unknown CPU feature '%s' for %s", name.c_str(), triple);
      return 1;
    }
  }
  // A 32-bit x86 CPU (i386, pentium4, ...) for x86-64: LLVM would abort.
  if (std::string(triple).rfind("x86_64", 0) == 0) {
    std::unique_ptr<MCSubtargetInfo> chosen(target->createMCSubtargetInfo(triple, cpu, features));
    if (chosen && !chosen->checkFeatures("+64bit")) {
      snprintf(message, size, "CPU '%s' cannot run 64-bit x86 code", cpu);
      return 1;
    }
  }
  return 0;
}
