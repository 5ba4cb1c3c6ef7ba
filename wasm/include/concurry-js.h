/*
 * concurry-js.h: batch entry points for the JS bindings (bindings/core.js).
 *
 * A call from JS into wasm costs far more than the work most cy_ functions do
 * for one future, so the bindings make, complete, inspect and release futures
 * N at a time through these. Built only on the public concurry.h API
 * (wasm/src/jsapi.c); every function returns 0 or a negative CY_E* code
 * unless it says otherwise. Export them next to concurry.h's functions in the
 * Emscripten module.
 */
#ifndef CONCURRY_JS_H
#define CONCURRY_JS_H

#include "concurry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this batch API; bindings check it. */
#define CY_JS_API_VERSION 1
int cy_js_api_version(void);

/* n new external futures (cy_future_new) into out[0..n). On CY_ENOMEM none
 * is left behind (out untouched beyond what was released). */
int  cy_js_futures_create(cy_future **out, size_t n);
/* cy_future_release on each non-NULL fs[i]. */
void cy_js_futures_release(cy_future *const *fs, size_t n);

/* Completes fs[i] by codes[i]: 0 = success (value NULL: the value stays in
 * JS), CY_ECANCELED = cancel, any other value = failure with that code.
 * won[i] (may be NULL) = 1 when this call's completion won (the future was
 * not done before), else 0. Returns how many won. */
int  cy_js_complete(cy_future *const *fs, const int32_t *codes, size_t n, uint8_t *won);

/* A future that is already done and is never freed: kind 0 succeeded, 1 failed
 * (code 1), 2 cancelled. Releasing or retaining it is harmless. Lets done
 * values join a wait without a future of their own; the waitset counts every
 * occurrence. NULL for another kind or out of memory. */
cy_future *cy_js_done_future(int kind);

/* cy_waitset_create_slots with the options as arguments (no struct layout
 * shared with JS): fs[i] == NULL makes entry i a slot; polling may be NULL
 * (config default), strategy NULL (use polling), progress NULL (none),
 * miniters 0 (config default). */
int  cy_js_waitset_create(cy_waitset **out, cy_future *const *fs, size_t n,
                          int return_when, double timeout_ms,
                          const char *polling, cy_polling *strategy,
                          cy_progress_fn progress, void *progress_arg,
                          size_t miniters);

/* Takes up to max indices from cy_waitset_next into out; returns how many
 * (0 when none is waiting), or CY_EOF when every one has been taken. */
int  cy_js_waitset_take(cy_waitset *ws, uint32_t *out, size_t max);

/* A heap-allocated strategy: cy_polling_init(name) (NULL: the config's default). */
int  cy_js_polling_create(cy_polling **out, const char *name);
void cy_js_polling_free(cy_polling *p);
/* A heap-allocated custom strategy (cy_polling_init_custom); user is read
 * back with cy_js_polling_user, so JS never reads the struct itself. */
int  cy_js_polling_create_custom(cy_polling **out, const cy_polling_vtable *vt, void *user);
void *cy_js_polling_user(const cy_polling *p);
/* Re-makes built-in strategy p with its parameters changed by n (name,
 * value) pairs (cy_polling_params_set names), checked as a whole by
 * cy_polling_params_check. On CY_ENOENT (a name p's kind does not use) why[0]
 * is that name; on CY_EINVAL why[0..2] is the broken rule. p is unchanged
 * unless 0 is returned. why may be NULL. */
int  cy_js_polling_configure(cy_polling *p, const char *const *names, const double *values,
                             size_t n, const char **why);
/* A built-in strategy's parameter by name into *out: 0, CY_ENOENT, CY_EINVAL. */
int  cy_js_polling_param(const cy_polling *p, const char *name, double *out);

/* The config's default_polling (the one field cy_config_get_number cannot
 * reach), so JS never knows cy_config's layout: get copies the canonical
 * name into out (cap bytes, NUL-terminated; CY_EINVAL if it does not fit);
 * set changes only that field, validated as cy_config_set does (CY_EINVAL
 * for an unknown name, nothing changed). */
int  cy_js_config_get_default_polling(char *out, size_t cap);
int  cy_js_config_set_default_polling(const char *name);
/* Reads a strategy's state: out[0] = current interval (ms, not advancing it),
 * out[1] = kind, out[2] = consecutive_empty, out[3] = checks_at_level, out[4] = level. */
void cy_js_polling_state(const cy_polling *p, double *out);

/* Offsets of cy_progress's fields, for JS reading a report: out[0..4] =
 * completed, failed, total, elapsed_ms, final; out[5] = sizeof(size_t). */
void cy_js_progress_layout(uint32_t *out);

/* ---- completion rings (wasm/src/ring.c) ---------------------------------
 * JS threads that run no core code (the thread pools' workers) complete
 * futures of this core through a ring each: the thread writes entries
 * (future pointer, int32 code: 0 success, else failure with that code) at tail,
 * publishes them by storing the new tail, then adds 1 to the drainer's bell
 * and wakes it (Atomics.add + Atomics.notify). The drainer's thread completes
 * them, which wakes every wait over them as any completion does; one that
 * loses (the future was cancelled or completed first) is ignored. head says
 * how far the drainer has come: a future must stay alive until head passes
 * its entry. One producer per ring. */
typedef struct cy_js_drainer cy_js_drainer;
typedef struct cy_js_ring cy_js_ring;
/* Starts a drainer thread. CY_EDEADLK in a build without threads. */
int  cy_js_drainer_create(cy_js_drainer **out);
/* Stops its thread (after draining) and frees it with its rings. */
void cy_js_drainer_free(cy_js_drainer *d);
/* The bell word (32-bit) producers bump and wake. */
uint32_t *cy_js_drainer_bell(cy_js_drainer *d);
/* What a producer that runs C does after publishing: bump the bell, wake the drainer. */
void cy_js_drainer_ring(cy_js_drainer *d);
/* A ring of capacity entries (a power of two, at most 2^20), drained by d. */
int  cy_js_ring_create(cy_js_drainer *d, uint32_t capacity, cy_js_ring **out);
/* Completes what is published on r, then removes and frees it. */
void cy_js_ring_free(cy_js_drainer *d, cy_js_ring *r);
/* Drains every ring of d on the calling thread now; 1 if any entry was taken. */
int  cy_js_ring_drain(cy_js_drainer *d);
/* Byte offsets in a ring: out[0] head, out[1] tail, out[2] capacity, out[3]
 * entries; out[4] the size of an entry, out[5] the offset of its code (the
 * future pointer is at 0). */
void cy_js_ring_layout(uint32_t *out);

#ifdef __cplusplus
}
#endif
#endif /* CONCURRY_JS_H */
