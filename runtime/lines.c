/*
 * lines.c — source positions for trap reports: maps a code address to
 * `file:line` by reading the DWARF line table (.debug_line) of the object
 * that contains it (the executable or a shared library), on demand.
 *
 * Written by hand because the runtime is dependency-free C: a small reader
 * of DWARF 4 and 5 line programs as LLVM emits them (uncompressed sections,
 * 32-bit DWARF).  It runs only when a trap report is formatted, outside
 * signal handlers; anything unexpected just means "no position".
 */
#define _GNU_SOURCE
#include "internal.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The sections of one mapped ELF file. */
typedef struct elf_debug {
  span line, line_str, str;
} elf_debug;

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
    if (strcmp(name, ".debug_line") == 0)
      out->line = s;
    else if (strcmp(name, ".debug_line_str") == 0)
      out->line_str = s;
    else if (strcmp(name, ".debug_str") == 0)
      out->str = s;
  }
  return out->line.p != NULL;
}

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
