/*
 * batch.c: the seed's _check_futures_batch: the done flags of n futures in
 * one pass. One acquire load per future, over futures that sit side by side
 * in the slab table; probes are not called (a wait's probe round does that).
 */
#include "internal.h"

size_t cy_check_batch(cy_future *const *fs, size_t n, unsigned char *done_flags) {
  size_t done = 0;
  if (!fs) return 0;
  for (size_t i = 0; i < n; i++) {
    int d = fs[i] && cy__state_done(atomic_load_explicit(&fs[i]->state, memory_order_acquire));
    if (done_flags) done_flags[i] = (unsigned char)d;
    done += (size_t)d;
  }
  return done;
}
