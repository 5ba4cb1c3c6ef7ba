/*
 * gather.c: outcomes in input order (cy_gather) and in completion order (the
 * as-completed iterator, the base of the JS iter mode), both over a waitset.
 */
#include "internal.h"

#include <stdlib.h>

int cy_gather(cy_future *const *fs, size_t n, const cy_wait_opts *opts, cy_outcome *out) {
  if (n > 0 && !out) return CY_EINVAL;
  cy_wait_opts o;
  if (opts) o = *opts;
  else cy_wait_opts_init(&o);
  o.return_when = CY_ALL_COMPLETED;
  cy_waitset *ws;
  int rc = cy_waitset_create(&ws, fs, n, &o);
  if (rc) return rc;
  rc = cy_waitset_wait(ws, -1);
  cy_waitset_finish(ws);
  int first_failure = 0;
  for (size_t i = 0; i < n; i++) {
    cy__future_outcome(fs[i], &out[i]);
    if (!first_failure && out[i].code != 0) first_failure = out[i].code;
  }
  cy_waitset_free(ws);
  return rc ? rc : first_failure;
}

struct cy_as_completed {
  cy_waitset *ws;
};

int cy_as_completed_create(cy_as_completed **out, cy_future *const *fs, size_t n,
                           const cy_wait_opts *opts) {
  if (!out) return CY_EINVAL;
  *out = NULL;
  cy_wait_opts o;
  if (opts) o = *opts;
  else cy_wait_opts_init(&o);
  o.return_when = CY_ALL_COMPLETED;
  cy_as_completed *it = malloc(sizeof *it);
  if (!it) return CY_ENOMEM;
  int rc = cy_waitset_create(&it->ws, fs, n, &o);
  if (rc) {
    free(it);
    return rc;
  }
  *out = it;
  return 0;
}

int cy_as_completed_next(cy_as_completed *it, double timeout_ms, size_t *index, cy_outcome *out) {
  if (!it || !index || timeout_ms != timeout_ms) return CY_EINVAL;
  double call_deadline = timeout_ms < 0 ? -1 : cy_now_ms() + timeout_ms;
  for (;;) {
    int rc = cy_waitset_next(it->ws, index);
    if (rc == 0) {
      if (out) cy__future_outcome(cy__waitset_future(it->ws, *index), out);
      if (cy_waitset_done_count(it->ws) == cy_waitset_size(it->ws)) cy_waitset_finish(it->ws);
      return 0;
    }
    if (rc != CY_EAGAIN) {
      if (rc == CY_EOF) cy_waitset_finish(it->ws);
      return rc;
    }
    rc = cy__waitset_block_next(it->ws, call_deadline);
    if (rc) return rc;
  }
}

void cy_as_completed_free(cy_as_completed *it) {
  if (!it) return;
  cy_waitset_free(it->ws);
  free(it);
}
