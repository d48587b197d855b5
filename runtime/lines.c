/*
 * lines.c — source positions for trap reports: maps a code address to
 * `file:line` by reading the DWARF line table (.debug_line) of the object
 * that contains it (the executable or a shared library), on demand: an ELF
 * file found with dl_iterate_phdr on Linux, a PE image (whose DWARF sections
 * lld keeps when linking with -g and without --pdb) found with
 * GetModuleHandleEx on Windows.
 *
 * Written by hand because the runtime is dependency-free C: a small reader
 * of DWARF 4 and 5 line programs as LLVM emits them (uncompressed sections,
 * 32-bit DWARF).  It runs only when a trap report is formatted, outside
 * signal handlers; anything unexpected just means "no position".
 */
#define _GNU_SOURCE
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

typedef struct span {
  const uint8_t *p, *end;
} span;

static uint64_t uleb(span *s) {
  uint64_t v = 0;
  unsigned shift = 0;
  while (s->p < s->end) {
    uint8_t b = *s->p++;
    if (shift < 64)
      v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80))
      break;
  }
  return v;
}

static int64_t sleb(span *s) {
  int64_t v = 0;
  unsigned shift = 0;
  uint8_t b = 0;
  while (s->p < s->end) {
    b = *s->p++;
    if (shift < 64)
      v |= (int64_t)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80))
      break;
  }
  if (shift < 64 && (b & 0x40))
    v |= -((int64_t)1 << shift);
  return v;
}

static uint64_t fixed(span *s, unsigned n) {
  uint64_t v = 0;
  if ((size_t)(s->end - s->p) < n) {
    s->p = s->end;
    return 0;
  }
  for (unsigned i = 0; i < n; i++)
    v |= (uint64_t)s->p[i] << (8 * i);
  s->p += n;
  return v;
}

static const char *cstr(span *s) {
  const char *str = (const char *)s->p;
  while (s->p < s->end && *s->p)
    s->p++;
  if (s->p < s->end)
    s->p++;
  return str;
}

/* The debug sections of one object file. */
typedef struct elf_debug {
  span line, line_str, str;
} elf_debug;

/* Records section `name` when it is one lookup() reads. */
static void note_section(elf_debug *out, const char *name, span s) {
  if (strcmp(name, ".debug_line") == 0)
    out->line = s;
  else if (strcmp(name, ".debug_line_str") == 0)
    out->line_str = s;
  else if (strcmp(name, ".debug_str") == 0)
    out->str = s;
}

#ifndef _WIN32
static int find_sections(const uint8_t *base, size_t size, elf_debug *out) {
  if (size < sizeof(Elf64_Ehdr) || memcmp(base, ELFMAG, SELFMAG) != 0 || base[EI_CLASS] != ELFCLASS64)
    return 0;
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
  if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shstrndx >= eh->e_shnum ||
      eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > size)
    return 0;
  const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh->e_shoff);
  const Elf64_Shdr *names = &sh[eh->e_shstrndx];
  if (names->sh_offset + names->sh_size > size)
    return 0;
  memset(out, 0, sizeof *out);
  for (unsigned i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_name >= names->sh_size || sh[i].sh_offset + sh[i].sh_size > size ||
        (sh[i].sh_flags & SHF_COMPRESSED))
      continue;
    const char *name = (const char *)base + names->sh_offset + sh[i].sh_name;
    span s = {base + sh[i].sh_offset, base + sh[i].sh_offset + sh[i].sh_size};
    note_section(out, name, s);
  }
  return out->line.p != NULL;
}
#endif

/* Reads one attribute of a DWARF 5 directory/file entry; returns a string
 * for path forms, NULL otherwise (and for anything it cannot read). */
static const char *entry_string(span *s, uint64_t form, const elf_debug *d, uint64_t *number) {
  *number = 0;
  switch (form) {
  case 0x08: return cstr(s);                       /* DW_FORM_string */
  case 0x1f: {                                      /* DW_FORM_line_strp */
    uint64_t off = fixed(s, 4);
    return d->line_str.p && off < (uint64_t)(d->line_str.end - d->line_str.p)
               ? (const char *)d->line_str.p + off : NULL;
  }
  case 0x0e: {                                      /* DW_FORM_strp */
    uint64_t off = fixed(s, 4);
    return d->str.p && off < (uint64_t)(d->str.end - d->str.p) ? (const char *)d->str.p + off : NULL;
  }
  case 0x0f: *number = uleb(s); return NULL;       /* DW_FORM_udata */
  case 0x0b: *number = fixed(s, 1); return NULL;   /* data1 */
  case 0x05: *number = fixed(s, 2); return NULL;   /* data2 */
  case 0x06: *number = fixed(s, 4); return NULL;   /* data4 */
  case 0x07: *number = fixed(s, 8); return NULL;   /* data8 */
  case 0x1e: fixed(s, 8); fixed(s, 8); return NULL; /* data16 (MD5) */
  case 0x09: { uint64_t n = uleb(s); s->p = (size_t)(s->end - s->p) < n ? s->end : s->p + n; return NULL; }
  default: s->p = s->end; return NULL;
  }
}

#define MAX_FILES 512
#define MAX_DIRS 128

/* Runs every line program of `d`; on a row range containing `addr` writes
 * its file and line and returns 1. */
static int lookup(const elf_debug *d, uint64_t addr, char *file, size_t file_len, unsigned *line_out) {
  span all = d->line;
  while (all.p + 4 <= all.end) {
    uint64_t unit_len = fixed(&all, 4);
    if (unit_len >= 0xfffffff0u || unit_len > (uint64_t)(all.end - all.p))
      return 0; /* 64-bit DWARF or garbage: not handled */
    span u = {all.p, all.p + unit_len};
    all.p += unit_len;
    unsigned version = (unsigned)fixed(&u, 2);
    if (version < 2 || version > 5)
      continue;
    if (version >= 5)
      fixed(&u, 2); /* address_size, segment_selector_size */
    uint64_t header_len = fixed(&u, 4);
    if (header_len > (uint64_t)(u.end - u.p))
      continue;
    span prog = {u.p + header_len, u.end};
    unsigned min_inst = (unsigned)fixed(&u, 1);
    if (version >= 4)
      fixed(&u, 1); /* maximum_operations_per_instruction */
    unsigned default_is_stmt = (unsigned)fixed(&u, 1);
    int line_base = (int8_t)fixed(&u, 1);
    unsigned line_range = (unsigned)fixed(&u, 1);
    unsigned opcode_base = (unsigned)fixed(&u, 1);
    if (line_range == 0 || opcode_base == 0)
      continue;
    uint8_t std_len[256] = {0};
    for (unsigned i = 1; i < opcode_base; i++)
      std_len[i] = (uint8_t)fixed(&u, 1);

    const char *dirs[MAX_DIRS] = {0};
    const char *names[MAX_FILES] = {0};
    uint64_t name_dir[MAX_FILES] = {0};
    unsigned ndirs = 0, nfiles = 0;
    if (version >= 5) {
      for (int pass = 0; pass < 2; pass++) {
        unsigned nformats = (unsigned)fixed(&u, 1);
        uint64_t formats[16][2];
        for (unsigned f = 0; f < nformats && f < 16; f++) {
          formats[f][0] = uleb(&u);
          formats[f][1] = uleb(&u);
        }
        uint64_t count = uleb(&u);
        for (uint64_t e = 0; e < count && u.p < u.end; e++) {
          const char *path = NULL;
          uint64_t dir = 0;
          for (unsigned f = 0; f < nformats && f < 16; f++) {
            uint64_t n;
            const char *str = entry_string(&u, formats[f][1], d, &n);
            if (formats[f][0] == 1 /* DW_LNCT_path */)
              path = str;
            else if (formats[f][0] == 2 /* DW_LNCT_directory_index */)
              dir = n;
          }
          if (pass == 0 && ndirs < MAX_DIRS)
            dirs[ndirs++] = path;
          else if (pass == 1 && nfiles < MAX_FILES) {
            names[nfiles] = path;
            name_dir[nfiles++] = dir;
          }
        }
      }
    } else {
      dirs[ndirs++] = ""; /* index 0: the compilation directory (unknown here) */
      while (u.p < u.end && *u.p && ndirs < MAX_DIRS)
        dirs[ndirs++] = cstr(&u);
      if (u.p < u.end)
        u.p++;
      names[nfiles++] = NULL; /* DWARF 4 file indices start at 1 */
      while (u.p < u.end && *u.p && nfiles < MAX_FILES) {
        names[nfiles] = cstr(&u);
        name_dir[nfiles++] = uleb(&u);
        uleb(&u);
        uleb(&u);
      }
    }

    /* The state machine. */
    uint64_t address = 0, file_index = 1, row_line = 1;
    int is_stmt = (int)default_is_stmt;
    int have_prev = 0;
    uint64_t prev_address = 0, prev_file = 0, prev_line = 0;
    span s = prog;
    while (s.p < s.end) {
      unsigned op = *s.p++;
      int emit = 0, end_seq = 0;
      if (op >= opcode_base) {
        unsigned adj = op - opcode_base;
        address += (uint64_t)(adj / line_range) * min_inst;
        row_line += (int64_t)line_base + (int64_t)(adj % line_range);
        emit = 1;
      } else if (op == 0) {
        uint64_t len = uleb(&s);
        if (len == 0 || len > (uint64_t)(s.end - s.p))
          break;
        const uint8_t *next = s.p + len;
        unsigned sub = *s.p++;
        if (sub == 1) { /* end_sequence */
          emit = 1;
          end_seq = 1;
        } else if (sub == 2) { /* set_address */
          address = fixed(&s, (unsigned)(len - 1) > 8 ? 8 : (unsigned)(len - 1));
        }
        s.p = next;
      } else {
        switch (op) {
        case 1: emit = 1; break;                                     /* copy */
        case 2: address += uleb(&s) * min_inst; break;               /* advance_pc */
        case 3: row_line += sleb(&s); break;                         /* advance_line */
        case 4: file_index = uleb(&s); break;                              /* set_file */
        case 5: uleb(&s); break;                                     /* set_column */
        case 6: is_stmt = !is_stmt; break;                           /* negate_stmt */
        case 8: address += (uint64_t)((255 - opcode_base) / line_range) * min_inst; break;
        case 9: address += fixed(&s, 2); break;                      /* fixed_advance_pc */
        case 7: case 10: case 11: break;
        default:
          for (unsigned i = 0; i < std_len[op]; i++)
            uleb(&s);
        }
      }
      if (!emit)
        continue;
      if (have_prev && prev_address <= addr && addr < address && prev_line != 0) {
        const char *name = prev_file < nfiles ? names[prev_file] : NULL;
        if (name != NULL) {
          const char *dir = name_dir[prev_file] < ndirs ? dirs[name_dir[prev_file]] : NULL;
          if (name[0] != '/' && dir != NULL && dir[0] != '\0')
            snprintf(file, file_len, "%s/%s", dir, name);
          else
            snprintf(file, file_len, "%s", name);
          *line_out = (unsigned)prev_line;
          return 1;
        }
      }
      if (end_seq) {
        have_prev = 0;
        address = 0;
        file_index = 1;
        row_line = 1;
        is_stmt = (int)default_is_stmt;
      } else {
        have_prev = 1;
        prev_address = address;
        prev_file = file_index;
        prev_line = row_line;
      }
    }
  }
  return 0;
}

#ifndef _WIN32
/* The loaded object containing an address: its file and load bias. */
typedef struct object_hit {
  uintptr_t addr;
  const char *path;
  uintptr_t bias;
  int found;
} object_hit;

static int find_object(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  object_hit *hit = data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD)
      continue;
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    if (hit->addr >= lo && hit->addr < lo + ph->p_memsz) {
      hit->path = info->dlpi_name;
      hit->bias = info->dlpi_addr;
      hit->found = 1;
      return 1;
    }
  }
  return 0;
}

int innative_source_position(uintptr_t pc, char *file, size_t file_len, unsigned *line) {
  object_hit hit = {pc, NULL, 0, 0};
  dl_iterate_phdr(find_object, &hit);
  if (!hit.found)
    return 0;
  const char *path = hit.path != NULL && hit.path[0] != '\0' ? hit.path : "/proc/self/exe";
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  struct stat st;
  int ok = 0;
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
      elf_debug d;
      if (find_sections(map, (size_t)st.st_size, &d))
        ok = lookup(&d, pc - hit.bias, file, file_len, line);
      munmap(map, (size_t)st.st_size);
    }
  }
  close(fd);
  return ok;
}
#else
/* The PE image at `base` (a file read into memory, `size` bytes): its
 * debug sections, and the preferred image base the DWARF addresses assume.
 * Section names longer than 8 bytes ("/N") are in the COFF string table. */
static int find_pe_sections(const uint8_t *base, size_t size, elf_debug *out, uint64_t *image_base) {
  if (size < 0x40 || base[0] != 'M' || base[1] != 'Z')
    return 0;
  uint32_t pe = (uint32_t)(base[0x3c] | base[0x3d] << 8 | base[0x3e] << 16 | (uint32_t)base[0x3f] << 24);
  if ((uint64_t)pe + 24 > size || memcmp(base + pe, "PE\0\0", 4) != 0)
    return 0;
  span coff = {base + pe + 4, base + size};
  fixed(&coff, 2); /* machine */
  unsigned nsections = (unsigned)fixed(&coff, 2);
  fixed(&coff, 4); /* time stamp */
  uint64_t symtab = fixed(&coff, 4), nsyms = fixed(&coff, 4);
  unsigned opt_size = (unsigned)fixed(&coff, 2);
  fixed(&coff, 2); /* characteristics */
  const uint8_t *opt = coff.p;
  if ((size_t)(coff.end - opt) < (size_t)opt_size + (size_t)nsections * 40 || opt_size < 32 ||
      opt[0] != 0x0b || opt[1] != 0x02) /* PE32+ */
    return 0;
  span ib = {opt + 24, opt + 32};
  *image_base = fixed(&ib, 8);
  const char *strtab = NULL;
  uint64_t strtab_len = 0;
  if (symtab != 0 && symtab + nsyms * 18 + 4 <= size) {
    strtab = (const char *)base + symtab + nsyms * 18;
    span l = {(const uint8_t *)strtab, (const uint8_t *)strtab + 4};
    strtab_len = fixed(&l, 4);
    if (symtab + nsyms * 18 + strtab_len > size)
      strtab = NULL;
  }
  memset(out, 0, sizeof *out);
  const uint8_t *sh = opt + opt_size;
  for (unsigned i = 0; i < nsections; i++, sh += 40) {
    char name[9];
    memcpy(name, sh, 8);
    name[8] = '\0';
    const char *full = name;
    if (name[0] == '/' && strtab != NULL) {
      unsigned long off = strtoul(name + 1, NULL, 10);
      if (off < strtab_len)
        full = strtab + off;
    }
    span h = {sh + 8, sh + 40};
    uint64_t vsize = fixed(&h, 4);
    fixed(&h, 4); /* virtual address */
    uint64_t raw_size = fixed(&h, 4), raw = fixed(&h, 4);
    uint64_t len = vsize != 0 && vsize < raw_size ? vsize : raw_size;
    if (raw + len > size)
      continue;
    span s = {base + raw, base + raw + len};
    note_section(out, full, s);
  }
  return out->line.p != NULL;
}

int innative_source_position(uintptr_t pc, char *file, size_t file_len, unsigned *line) {
  HMODULE module;
  if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                              GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                          (LPCWSTR)pc, &module))
    return 0;
  wchar_t path[MAX_PATH];
  DWORD n = GetModuleFileNameW(module, path, MAX_PATH);
  if (n == 0 || n >= MAX_PATH)
    return 0;
  HANDLE f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL,
                         OPEN_EXISTING, 0, NULL);
  if (f == INVALID_HANDLE_VALUE)
    return 0;
  int ok = 0;
  LARGE_INTEGER size;
  HANDLE mapping = NULL;
  if (GetFileSizeEx(f, &size) && size.QuadPart > 0)
    mapping = CreateFileMappingW(f, NULL, PAGE_READONLY, 0, 0, NULL);
  if (mapping != NULL) {
    const uint8_t *map = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    if (map != NULL) {
      elf_debug d;
      uint64_t image_base = 0;
      if (find_pe_sections(map, (size_t)size.QuadPart, &d, &image_base))
        ok = lookup(&d, (uint64_t)pc - (uint64_t)(uintptr_t)module + image_base, file, file_len, line);
      UnmapViewOfFile(map);
    }
    CloseHandle(mapping);
  }
  CloseHandle(f);
  return ok;
}
#endif
