// A third piece of LLVM's debug-info API that LLVM-C (19) does not expose:
// variant parts (`DW_TAG_variant_part` with `DW_TAG_variant` children),
// which is how rustc describes an enum with data or an `Option`: a struct
// holding one variant part, whose discriminant member says which variant
// member holds the value.  gdb's Rust support prints such a value as
// `shapes::Shape::Circle{center: ..., radius: 3}` only if the variant part
// is there.  Built by build.rs against the same LLVM 19 headers as the
// libLLVM we link.

#include "llvm-c/Core.h"
#include "llvm-c/DebugInfo.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DIBuilder.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Type.h"

using namespace llvm;

// LLVM-C's LLVMDIBuilderRef is a DIBuilder (DebugInfo.cpp's conversion,
// which no header exports).
static DIBuilder *builder(LLVMDIBuilderRef b) {
  return reinterpret_cast<DIBuilder *>(b);
}

// The member of variant part `scope` that holds the value when the
// discriminant is `discr_value` (`has_discr` = 0: the default variant).
// The constant is `discr_bits` wide (the discriminant member's size).
extern "C" LLVMMetadataRef innative_variant_member(
    LLVMDIBuilderRef b, LLVMMetadataRef scope, const char *name,
    size_t name_len, LLVMMetadataRef file, unsigned line, uint64_t size_bits,
    uint64_t offset_bits, int has_discr, uint64_t discr_value,
    unsigned discr_bits, LLVMMetadataRef ty) {
  auto *s = unwrap<DIScope>(scope);
  Constant *discr = nullptr;
  if (has_discr) {
    unsigned bits = discr_bits ? discr_bits : 64;
    discr = ConstantInt::get(IntegerType::get(s->getContext(), bits),
                             discr_value);
  }
  return wrap(builder(b)->createVariantMemberType(
      s, StringRef(name, name_len), unwrap<DIFile>(file), line, size_bits, 0,
      offset_bits, discr, DINode::FlagZero, ty ? unwrap<DIType>(ty) : nullptr));
}

// A variant part of struct `scope`, `size_bits` wide, choosing between
// `elements` (made by innative_variant_member) by `discriminator` (a member
// of `scope`, artificial; may be null).
extern "C" LLVMMetadataRef innative_variant_part(
    LLVMDIBuilderRef b, LLVMMetadataRef scope, LLVMMetadataRef file,
    uint64_t size_bits, LLVMMetadataRef discriminator,
    LLVMMetadataRef *elements, unsigned count) {
  DIBuilder *d = builder(b);
  SmallVector<Metadata *, 8> list;
  for (unsigned i = 0; i < count; i++)
    list.push_back(unwrap(elements[i]));
  return wrap(d->createVariantPart(
      unwrap<DIScope>(scope), "", unwrap<DIFile>(file), 0, size_bits, 0,
      DINode::FlagZero,
      discriminator ? unwrap<DIDerivedType>(discriminator) : nullptr,
      d->getOrCreateArray(list)));
}

// Template type parameters of struct `composite` (rustc writes them for
// generic types and for each variant struct of a generic enum: lldb names
// `Option<u32>`'s `None` variant `None<unsigned int>` from them).  Returns
// the struct, which LLVM may have replaced.
extern "C" LLVMMetadataRef innative_template_params(
    LLVMDIBuilderRef b, LLVMMetadataRef composite, const char *const *names,
    const size_t *name_lens, LLVMMetadataRef *types, unsigned count) {
  DIBuilder *d = builder(b);
  auto *t = unwrap<DICompositeType>(composite);
  SmallVector<Metadata *, 4> params;
  for (unsigned i = 0; i < count; i++)
    params.push_back(d->createTemplateTypeParameter(
        nullptr, StringRef(names[i], name_lens[i]),
        types[i] ? unwrap<DIType>(types[i]) : nullptr, false));
  d->replaceArrays(t, t->getElements(), d->getOrCreateArray(params));
  return wrap(t);
}

// An enumeration whose enumerators are in its own scope (DW_AT_enum_class:
// C++ `enum class`, and every Rust enum), which LLVM-C cannot say: gdb then
// names a value `e::Sign::Neg`, as natively.
extern "C" LLVMMetadataRef innative_scoped_enumeration(
    LLVMDIBuilderRef b, LLVMMetadataRef scope, const char *name,
    size_t name_len, LLVMMetadataRef file, unsigned line, uint64_t size_bits,
    LLVMMetadataRef *elements, unsigned count, LLVMMetadataRef underlying) {
  DIBuilder *d = builder(b);
  SmallVector<Metadata *, 8> list;
  for (unsigned i = 0; i < count; i++)
    list.push_back(unwrap(elements[i]));
  return wrap(d->createEnumerationType(
      scope ? unwrap<DIScope>(scope) : nullptr, StringRef(name, name_len),
      file ? unwrap<DIFile>(file) : nullptr, line, size_bits, 0,
      d->getOrCreateArray(list),
      underlying ? unwrap<DIType>(underlying) : nullptr, 0, "", true));
}
