/*
 * signature.c — interning of function signature strings ("ii:l") into small
 * integer ids, so call_indirect compares one integer instead of a type.
 *
 * Ids are process-wide (every module linked into or loaded by the process
 * shares them, which is what makes call_indirect across modules work), start
 * at 1 and are handed out in first-seen order.  The table is an open-addressing
 * hash map of strdup'd strings behind a mutex: modules intern their types
 * during init, never on a hot path.
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *str;      /* NULL: empty slot */
  uint64_t hash;
  uint32_t id;
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry *slots;      /* `capacity` slots, a power of two */
static size_t capacity;
static uint32_t count;    /* also the last id handed out */

static uint64_t hash_str(const char *s) {
  uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a */
  for (; *s; s++) {
    h ^= (uint8_t)*s;
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

/* Slot holding `s`, or the empty slot where it belongs. */
static entry *find(entry *table, size_t cap, const char *s, uint64_t h) {
  for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
    entry *e = &table[i];
    if (e->str == NULL || (e->hash == h && strcmp(e->str, s) == 0))
      return e;
  }
}

/* Keeps the load factor at or below 1/2.  Returns 0 when out of memory. */
static int reserve_one(void) {
  if ((size_t)(count + 1) * 2 <= capacity)
    return 1;
  size_t cap = capacity ? capacity * 2 : 64;
  entry *table = calloc(cap, sizeof *table);
  if (table == NULL)
    return 0;
  for (size_t i = 0; i < capacity; i++)
    if (slots[i].str != NULL)
      *find(table, cap, slots[i].str, slots[i].hash) = slots[i];
  free(slots);
  slots = table;
  capacity = cap;
  return 1;
}

uint32_t innative_sig_intern(const char *sig) {
  uint64_t h = hash_str(sig);
  pthread_mutex_lock(&lock);
  uint32_t id = 0;
  if (capacity != 0) {
    entry *e = find(slots, capacity, sig, h);
    if (e->str != NULL)
      id = e->id;
  }
  if (id == 0) {
    char *copy = reserve_one() ? strdup(sig) : NULL;
    if (copy != NULL) {
      entry *e = find(slots, capacity, sig, h);
      e->str = copy;
      e->hash = h;
      e->id = id = ++count;
    }
  }
  pthread_mutex_unlock(&lock);
  if (id == 0) /* out of memory: cannot give a correct answer */
    innative_trap_at(INNATIVE_TRAP_OUT_OF_MEMORY, __builtin_return_address(0), 1);
  return id;
}
