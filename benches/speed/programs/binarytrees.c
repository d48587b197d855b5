/* malloc-heavy: the Benchmarks Game's binary-trees (allocate and free trees). */
#include <stdio.h>
#include <stdlib.h>
typedef struct node { struct node *left, *right; } node;
static node *make(int depth) {
  node *n = malloc(sizeof *n);
  if (depth > 0) { n->left = make(depth - 1); n->right = make(depth - 1); } else n->left = n->right = NULL;
  return n;
}
static int check(node *n) { return n->left ? 1 + check(n->left) + check(n->right) : 1; }
static void release(node *n) { if (n->left) { release(n->left); release(n->right); } free(n); }
int main(int argc, char **argv) {
  int max_depth = argc > 1 ? atoi(argv[1]) : 18, min_depth = 4;
  node *stretch = make(max_depth + 1);
  printf("stretch tree of depth %d\t check: %d\n", max_depth + 1, check(stretch));
  release(stretch);
  node *long_lived = make(max_depth);
  for (int d = min_depth; d <= max_depth; d += 2) {
    int iterations = 1 << (max_depth - d + min_depth), total = 0;
    for (int i = 0; i < iterations; i++) { node *t = make(d); total += check(t); release(t); }
    printf("%d\t trees of depth %d\t check: %d\n", iterations, d, total);
  }
  printf("long lived tree of depth %d\t check: %d\n", max_depth, check(long_lived));
  release(long_lived);
  return 0;
}
