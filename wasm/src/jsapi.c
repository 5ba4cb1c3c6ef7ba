/*
 * jsapi.c: batch entry points for the JS bindings (concurry-js.h), built only
 * on the public concurry.h API. One call from JS covers N futures.
 */
#include "concurry.h"
#include "concurry-js.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int cy_js_api_version(void) { return CY_JS_API_VERSION; }

int cy_js_futures_create(cy_future **out, size_t n) {
  if (n && !out) return CY_EINVAL;
  for (size_t i = 0; i < n; i++) {
    out[i] = cy_future_new();
    if (!out[i]) {
      for (size_t j = 0; j < i; j++) {
        cy_future_release(out[j]);
        out[j] = NULL;
      }
      return CY_ENOMEM;
    }
  }
  return 0;
}

void cy_js_futures_release(cy_future *const *fs, size_t n) {
  if (!fs) return;
  for (size_t i = 0; i < n; i++)
    if (fs[i]) cy_future_release(fs[i]);
}

int cy_js_complete(cy_future *const *fs, const int32_t *codes, size_t n, uint8_t *won) {
  if (n && (!fs || !codes)) return CY_EINVAL;
  int nwon = 0;
  for (size_t i = 0; i < n; i++) {
    int rc;
    int32_t c = codes[i];
    if (c == 0) rc = cy_future_set_result(fs[i], NULL);
    else if (c == CY_ECANCELED) rc = cy_future_cancel(fs[i]);
    else rc = cy_future_set_exception(fs[i], c, NULL);
    if (won) won[i] = rc == 0;
    if (rc == 0) nwon++;
  }
  return nwon;
}

/* By kind: the state each shared done future is made in. */
static const int done_states[] = {CY_STATE_SUCCEEDED, CY_STATE_FAILED, CY_STATE_CANCELLED};
#define NDONE ((int)(sizeof done_states / sizeof done_states[0]))
static cy_future *done_futures[NDONE];

cy_future *cy_js_done_future(int kind) {
  if (kind < 0 || kind >= NDONE) return NULL;
  /* Made once, on the thread that loads the bindings (the JS main thread). */
  if (!done_futures[kind]) {
    cy_future *f = cy_future_new();
    if (!f) return NULL;
    switch (done_states[kind]) {
    case CY_STATE_SUCCEEDED: cy_future_set_result(f, NULL); break;
    case CY_STATE_FAILED: cy_future_set_exception(f, 1, NULL); break;
    default: cy_future_cancel(f); break;
    }
    /* Shared by every wait of the bindings, each retaining and releasing
     * it: permanent, so no count of releases can free it. */
    cy_future_set_permanent(f);
    done_futures[kind] = f;
  }
  return done_futures[kind];
}

int cy_js_waitset_create(cy_waitset **out, cy_future *const *fs, size_t n,
                         int return_when, double timeout_ms,
                         const char *polling, cy_polling *strategy,
                         cy_progress_fn progress, void *progress_arg,
                         size_t miniters) {
  cy_wait_opts o;
  cy_wait_opts_init(&o);
  o.return_when = return_when;
  o.timeout_ms = timeout_ms;
  o.polling = polling;
  o.strategy = strategy;
  o.progress = progress;
  o.progress_arg = progress_arg;
  if (miniters) o.miniters = miniters;
  return cy_waitset_create_slots(out, fs, n, &o);
}

int cy_js_waitset_take(cy_waitset *ws, uint32_t *out, size_t max) {
  if (!ws || (max && !out)) return CY_EINVAL;
  size_t k = 0;
  while (k < max) {
    size_t index;
    int rc = cy_waitset_next(ws, &index);
    if (rc == CY_EOF) return k ? (int)k : CY_EOF;
    if (rc) break;
    out[k++] = (uint32_t)index;
  }
  return (int)k;
}

int cy_js_polling_create(cy_polling **out, const char *name) {
  if (!out) return CY_EINVAL;
  *out = NULL;
  cy_polling *p = malloc(sizeof *p);
  if (!p) return CY_ENOMEM;
  int rc = cy_polling_init(p, name);
  if (rc) {
    free(p);
    return rc;
  }
  *out = p;
  return 0;
}

void cy_js_polling_free(cy_polling *p) { free(p); }

int cy_js_polling_create_custom(cy_polling **out, const cy_polling_vtable *vt, void *user) {
  if (!out) return CY_EINVAL;
  *out = NULL;
  cy_polling *p = malloc(sizeof *p);
  if (!p) return CY_ENOMEM;
  int rc = cy_polling_init_custom(p, vt, user);
  if (rc) {
    free(p);
    return rc;
  }
  *out = p;
  return 0;
}

void *cy_js_polling_user(const cy_polling *p) { return p ? p->user : NULL; }

int cy_js_polling_configure(cy_polling *p, const char *const *names, const double *values,
                            size_t n, const char **why) {
  if (why) why[0] = why[1] = why[2] = NULL;
  if (!p || (n && (!names || !values))) return CY_EINVAL;
  cy_polling_params pp;
  int rc = cy_polling_get_params(p, &pp);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) {
    rc = cy_polling_params_set(&pp, names[i], values[i]);
    if (rc) {
      if (why) why[0] = names[i];
      return rc;
    }
  }
  rc = cy_polling_params_check(&pp, why);
  if (rc) return rc;
  return cy_polling_init_params(p, &pp);
}

int cy_js_config_get_default_polling(char *out, size_t cap) {
  if (!out) return CY_EINVAL;
  cy_config c;
  cy_config_get(&c);
  const char *end = memchr(c.default_polling, '\0', sizeof c.default_polling);
  size_t n = end ? (size_t)(end - c.default_polling) : sizeof c.default_polling;
  if (n >= cap) return CY_EINVAL;
  memcpy(out, c.default_polling, n);
  out[n] = '\0';
  return 0;
}

int cy_js_config_set_default_polling(const char *name) {
  if (!name || strlen(name) >= sizeof ((cy_config *)0)->default_polling) return CY_EINVAL;
  /* get + set is not one atomic step: a concurrent set of another field in
   * between would be undone. The bindings call it from the main thread only. */
  cy_config c;
  cy_config_get(&c);
  memset(c.default_polling, 0, sizeof c.default_polling);
  memcpy(c.default_polling, name, strlen(name));
  return cy_config_set(&c);
}

int cy_js_polling_param(const cy_polling *p, const char *name, double *out) {
  cy_polling_params pp;
  int rc = cy_polling_get_params(p, &pp);
  if (rc) return rc;
  return cy_polling_params_get(&pp, name, out);
}

void cy_js_polling_state(const cy_polling *p, double *out) {
  if (!p || !out) return;
  out[0] = p->kind == CY_POLL_FIXED ? p->interval
         : p->kind == CY_POLL_PROGRESSIVE ? (p->nlevels ? p->levels[p->level] : 0)
         : p->current;
  out[1] = p->kind;
  out[2] = p->consecutive_empty;
  out[3] = p->checks_at_level;
  out[4] = p->level;
}

void cy_js_progress_layout(uint32_t *out) {
  if (!out) return;
  out[0] = offsetof(cy_progress, completed);
  out[1] = offsetof(cy_progress, failed);
  out[2] = offsetof(cy_progress, total);
  out[3] = offsetof(cy_progress, elapsed_ms);
  out[4] = offsetof(cy_progress, final);
  out[5] = sizeof(size_t);
}
