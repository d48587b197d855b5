/* String processing: generate text, split it into words, count them in a
 * hash table of strings, then sort the distinct words and search substrings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
typedef struct entry { char *word; int count; struct entry *next; } entry;
#define BUCKETS 65536
static entry *buckets[BUCKETS];
static uint32_t hash(const char *s) { uint32_t h = 2166136261u; while (*s) h = (h ^ (uint8_t)*s++) * 16777619u; return h; }
static int by_count(const void *a, const void *b) {
  const entry *x = *(entry *const *)a, *y = *(entry *const *)b;
  return x->count != y->count ? y->count - x->count : strcmp(x->word, y->word);
}
int main(int argc, char **argv) {
  long words = argc > 1 ? atol(argv[1]) : 3000000;
  static const char *syl[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "qu", "ex", "zo", "ph"};
  char *text = malloc((size_t)words * 16 + 1), *p = text;
  uint32_t x = 7;
  for (long i = 0; i < words; i++) {
    x = x * 1103515245u + 12345u;
    int n = 1 + (x >> 16) % 4;
    for (int k = 0; k < n; k++) { x = x * 1103515245u + 12345u; const char *s = syl[(x >> 16) % 12]; *p++ = s[0]; *p++ = s[1]; }
    *p++ = (x >> 20) % 7 == 0 ? '\n' : ' ';
  }
  *p = '\0';
  long distinct = 0, total = 0;
  for (char *w = strtok(text, " \n"); w; w = strtok(NULL, " \n")) {
    total++;
    uint32_t h = hash(w) % BUCKETS;
    entry *e = buckets[h];
    while (e && strcmp(e->word, w) != 0) e = e->next;
    if (!e) { e = malloc(sizeof *e); e->word = strdup(w); e->count = 0; e->next = buckets[h]; buckets[h] = e; distinct++; }
    e->count++;
  }
  entry **all = malloc(sizeof *all * distinct);
  long n = 0, with_sub = 0;
  for (int b = 0; b < BUCKETS; b++) for (entry *e = buckets[b]; e; e = e->next) { all[n++] = e; with_sub += strstr(e->word, "kalo") != NULL; }
  qsort(all, n, sizeof *all, by_count);
  printf("%ld words, %ld distinct, %ld contain 'kalo'\n", total, distinct, with_sub);
  for (int i = 0; i < 5; i++) printf("%s %d\n", all[i]->word, all[i]->count);
  return 0;
}
