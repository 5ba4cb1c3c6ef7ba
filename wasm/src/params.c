/*
 * params.c: a built-in polling strategy's parameter set and the one check of
 * it, shared by the global config (config.c checks each kind's parameters
 * here before it accepts a change) and by strategies made from parameters
 * (polling.c). One table names every parameter, where the config keeps it
 * and which rule it obeys, so the config and a strategy cannot disagree.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "internal.h"

_Static_assert(UINT_MAX == 4294967295u, "R_COUNT's text names UINT_MAX");

enum { R_MS, R_SPEEDUP, R_FACTOR, R_COUNT };

static const char *const expected[] = {
    [R_MS] = "a number of ms > 0",
    [R_SPEEDUP] = "a factor in (0, 1]",
    [R_FACTOR] = "a factor >= 1",
    [R_COUNT] = "a whole number from 1 to 4294967295",
};

typedef struct {
  int kind;
  const char *name;   /* the cy_polling_params field */
  size_t offset;      /* in cy_polling_params */
  const char *key;    /* the cy_config field */
  size_t config_offset;
  int rule;           /* R_COUNT fields are unsigned in cy_config, the rest double */
} param;

#define PARAM(kind, name, key, rule) \
  {kind, #name, offsetof(cy_polling_params, name), #key, offsetof(cy_config, key), rule}
static const param params[] = {
    PARAM(CY_POLL_FIXED, interval, polling_fixed_interval, R_MS),
    PARAM(CY_POLL_ADAPTIVE, min_interval, polling_adaptive_min_interval, R_MS),
    PARAM(CY_POLL_ADAPTIVE, max_interval, polling_adaptive_max_interval, R_MS),
    PARAM(CY_POLL_ADAPTIVE, initial_interval, polling_adaptive_initial_interval, R_MS),
    PARAM(CY_POLL_ADAPTIVE, speedup, polling_adaptive_speedup, R_SPEEDUP),
    PARAM(CY_POLL_ADAPTIVE, slowdown, polling_adaptive_slowdown, R_FACTOR),
    PARAM(CY_POLL_ADAPTIVE, empty_checks, polling_adaptive_empty_checks, R_COUNT),
    PARAM(CY_POLL_EXPONENTIAL, initial_interval, polling_exponential_initial_interval, R_MS),
    PARAM(CY_POLL_EXPONENTIAL, max_interval, polling_exponential_max_interval, R_MS),
    PARAM(CY_POLL_EXPONENTIAL, multiplier, polling_exponential_multiplier, R_FACTOR),
    PARAM(CY_POLL_PROGRESSIVE, min_interval, polling_progressive_min_interval, R_MS),
    PARAM(CY_POLL_PROGRESSIVE, max_interval, polling_progressive_max_interval, R_MS),
    PARAM(CY_POLL_PROGRESSIVE, checks_per_level, polling_progressive_checks_per_level, R_COUNT),
};
#undef PARAM
#define NPARAMS (sizeof params / sizeof params[0])

/* The rules between two parameters: lo <= hi, in the order they are checked
 * (adaptive: min <= initial <= max). */
static const struct { int kind; const char *lo, *hi; } orders[] = {
    {CY_POLL_ADAPTIVE, "min_interval", "initial_interval"},
    {CY_POLL_ADAPTIVE, "initial_interval", "max_interval"},
    {CY_POLL_EXPONENTIAL, "initial_interval", "max_interval"},
    {CY_POLL_PROGRESSIVE, "min_interval", "max_interval"},
};

static int builtin(int kind) { return kind >= CY_POLL_FIXED && kind <= CY_POLL_PROGRESSIVE; }

static const param *find(int kind, const char *name) {
  for (size_t i = 0; i < NPARAMS; i++)
    if (params[i].kind == kind && strcmp(params[i].name, name) == 0) return &params[i];
  return NULL;
}

static double get(const cy_polling_params *pp, const param *d) {
  return *(const double *)((const char *)pp + d->offset);
}

static int obeys(int rule, double v) {
  switch (rule) {
  case R_MS: return isfinite(v) && v > 0;
  case R_SPEEDUP: return v > 0 && v <= 1;
  case R_FACTOR: return isfinite(v) && v >= 1;
  default: return v >= 1 && v <= (double)UINT_MAX && v == floor(v);
  }
}

int cy_polling_params_set(cy_polling_params *pp, const char *name, double value) {
  if (!pp || !name || !builtin(pp->kind)) return CY_EINVAL;
  const param *d = find(pp->kind, name);
  if (!d) return CY_ENOENT;
  *(double *)((char *)pp + d->offset) = value;
  return 0;
}

int cy_polling_params_get(const cy_polling_params *pp, const char *name, double *out) {
  if (!pp || !name || !out || !builtin(pp->kind)) return CY_EINVAL;
  const param *d = find(pp->kind, name);
  if (!d) return CY_ENOENT;
  *out = get(pp, d);
  return 0;
}

static int broken(const char **why, const char *name, const char *what, const char *other) {
  if (why) {
    why[0] = name;
    why[1] = what;
    why[2] = other;
  }
  return CY_EINVAL;
}

int cy_polling_params_check(const cy_polling_params *pp, const char **why) {
  if (why) why[0] = why[1] = why[2] = NULL;
  if (!pp || !builtin(pp->kind)) return CY_EINVAL;
  for (size_t i = 0; i < NPARAMS; i++) {
    const param *d = &params[i];
    if (d->kind == pp->kind && !obeys(d->rule, get(pp, d)))
      return broken(why, d->name, expected[d->rule], NULL);
  }
  for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
    if (orders[i].kind != pp->kind) continue;
    if (get(pp, find(pp->kind, orders[i].lo)) > get(pp, find(pp->kind, orders[i].hi)))
      return broken(why, orders[i].lo, "<=", orders[i].hi);
  }
  return 0;
}

void cy__polling_params_from_config(cy_polling_params *pp, int kind, const cy_config *c) {
  memset(pp, 0, sizeof *pp);
  pp->kind = kind;
  for (size_t i = 0; i < NPARAMS; i++) {
    const param *d = &params[i];
    if (d->kind != kind) continue;
    const char *from = (const char *)c + d->config_offset;
    *(double *)((char *)pp + d->offset) =
        d->rule == R_COUNT ? (double)*(const unsigned *)from : *(const double *)from;
  }
}

const char *cy__polling_params_config_key(int kind, const char *name) {
  const param *d = name ? find(kind, name) : NULL;
  return d ? d->key : NULL;
}
