/*
 * config.c: the global configuration, the core's only global mutable state.
 *
 * Invariant: `current` always holds a configuration that passed validate();
 * every write builds a full candidate, validates it as a whole and only then
 * replaces `current`, all under `lock`, so readers never see a half-applied
 * or invalid change.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "internal.h"

/* The built-ins as documented in concurry.h; a macro because both the reset
 * source and the static initializer of `current` need a constant expression. */
#define BUILTIN_CONFIG                                                       \
  {                                                                          \
    .polling_fixed_interval = 10.0,                                          \
    .polling_adaptive_min_interval = 1.0,                                    \
    .polling_adaptive_max_interval = 100.0,                                  \
    .polling_adaptive_initial_interval = 10.0,                               \
    .polling_adaptive_speedup = 0.7,                                         \
    .polling_adaptive_slowdown = 1.3,                                        \
    .polling_adaptive_empty_checks = 3,                                      \
    .polling_exponential_initial_interval = 1.0,                             \
    .polling_exponential_max_interval = 1000.0,                              \
    .polling_exponential_multiplier = 2.0,                                   \
    .polling_progressive_min_interval = 1.0,                                 \
    .polling_progressive_max_interval = 100.0,                               \
    .polling_progressive_checks_per_level = 5,                               \
    .default_polling = "adaptive",                                           \
    .progress_miniters = 1,                                                  \
  }

static const cy_config builtin = BUILTIN_CONFIG;
static cy__mutex lock = CY__MUTEX_INIT;
static cy_config current = BUILTIN_CONFIG;

static int interval_ok(double ms) { return isfinite(ms) && ms > 0; }

/* On success the candidate's default_polling is rewritten to the canonical
 * lower-case name, so readers can compare it with strcmp. */
static int validate(cy_config *c) {
  if (!interval_ok(c->polling_fixed_interval)) return CY_EINVAL;

  if (!interval_ok(c->polling_adaptive_min_interval) ||
      !interval_ok(c->polling_adaptive_max_interval) ||
      !interval_ok(c->polling_adaptive_initial_interval))
    return CY_EINVAL;
  if (c->polling_adaptive_min_interval > c->polling_adaptive_initial_interval ||
      c->polling_adaptive_initial_interval > c->polling_adaptive_max_interval)
    return CY_EINVAL;
  if (!(c->polling_adaptive_speedup > 0 && c->polling_adaptive_speedup <= 1))
    return CY_EINVAL;
  if (!(isfinite(c->polling_adaptive_slowdown) && c->polling_adaptive_slowdown >= 1))
    return CY_EINVAL;
  if (c->polling_adaptive_empty_checks < 1) return CY_EINVAL;

  if (!interval_ok(c->polling_exponential_initial_interval) ||
      !interval_ok(c->polling_exponential_max_interval) ||
      c->polling_exponential_initial_interval > c->polling_exponential_max_interval)
    return CY_EINVAL;
  if (!(isfinite(c->polling_exponential_multiplier) &&
        c->polling_exponential_multiplier >= 1))
    return CY_EINVAL;

  if (!interval_ok(c->polling_progressive_min_interval) ||
      !interval_ok(c->polling_progressive_max_interval) ||
      c->polling_progressive_min_interval > c->polling_progressive_max_interval)
    return CY_EINVAL;
  if (c->polling_progressive_checks_per_level < 1) return CY_EINVAL;

  if (!memchr(c->default_polling, '\0', sizeof c->default_polling)) return CY_EINVAL;
  int kind = cy_polling_lookup(c->default_polling);
  if (kind < 0) return CY_EINVAL;
  const char *canonical = cy_polling_name(kind);
  memset(c->default_polling, 0, sizeof c->default_polling);
  strncpy(c->default_polling, canonical, sizeof c->default_polling - 1);

  if (c->progress_miniters < 1) return CY_EINVAL;
  return 0;
}

void cy__config_snapshot(cy_config *out) {
  if (!out) return;
  cy__mutex_lock(&lock);
  *out = current;
  cy__mutex_unlock(&lock);
}

void cy_config_get(cy_config *out) { cy__config_snapshot(out); }

int cy_config_set(const cy_config *in) {
  if (!in) return CY_EINVAL;
  cy_config candidate = *in;
  int rc = validate(&candidate);
  if (rc) return rc;
  cy__mutex_lock(&lock);
  current = candidate;
  cy__mutex_unlock(&lock);
  return 0;
}

void cy_config_reset(void) {
  cy__mutex_lock(&lock);
  current = builtin;
  cy__mutex_unlock(&lock);
}

/* ---- by-name access ---------------------------------------------------- */

enum { F_DOUBLE, F_UNSIGNED, F_SIZE };

typedef struct {
  const char *name;
  size_t offset;
  int type;
} field;

#define FIELD(n, t) {#n, offsetof(cy_config, n), t}
static const field fields[] = {
    FIELD(polling_fixed_interval, F_DOUBLE),
    FIELD(polling_adaptive_min_interval, F_DOUBLE),
    FIELD(polling_adaptive_max_interval, F_DOUBLE),
    FIELD(polling_adaptive_initial_interval, F_DOUBLE),
    FIELD(polling_adaptive_speedup, F_DOUBLE),
    FIELD(polling_adaptive_slowdown, F_DOUBLE),
    FIELD(polling_adaptive_empty_checks, F_UNSIGNED),
    FIELD(polling_exponential_initial_interval, F_DOUBLE),
    FIELD(polling_exponential_max_interval, F_DOUBLE),
    FIELD(polling_exponential_multiplier, F_DOUBLE),
    FIELD(polling_progressive_min_interval, F_DOUBLE),
    FIELD(polling_progressive_max_interval, F_DOUBLE),
    FIELD(polling_progressive_checks_per_level, F_UNSIGNED),
    FIELD(progress_miniters, F_SIZE),
};
#undef FIELD

static const field *find_field(const char *key) {
  if (!key) return NULL;
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    if (strcmp(fields[i].name, key) == 0) return &fields[i];
  return NULL;
}

/* A count must be a whole number >= 1 that the field can hold. Values above
 * 2^53 are refused too: beyond that a double no longer tells integers apart,
 * so what the caller asked for is not what would be stored. */
static int count_ok(double v, double max) {
  if (!(v >= 1 && v <= 9007199254740992.0 && v <= max)) return 0;
  return (double)(uint64_t)v == v;
}

int cy_config_get_number(const char *key, double *out) {
  const field *f = find_field(key);
  if (!f) return key ? CY_ENOENT : CY_EINVAL;
  if (!out) return CY_EINVAL;
  cy_config c;
  cy__config_snapshot(&c);
  const char *base = (const char *)&c + f->offset;
  switch (f->type) {
  case F_DOUBLE: *out = *(const double *)base; break;
  case F_UNSIGNED: *out = (double)*(const unsigned *)base; break;
  default: *out = (double)*(const size_t *)base; break;
  }
  return 0;
}

int cy_config_set_number(const char *key, double value) {
  const field *f = find_field(key);
  if (!f) return key ? CY_ENOENT : CY_EINVAL;
  if (f->type == F_UNSIGNED && !count_ok(value, (double)UINT_MAX)) return CY_EINVAL;
  if (f->type == F_SIZE && !count_ok(value, (double)SIZE_MAX)) return CY_EINVAL;

  /* Read-modify-validate-write under one lock hold, so two concurrent
   * set_number calls on different keys cannot drop each other's change. */
  cy__mutex_lock(&lock);
  cy_config candidate = current;
  char *base = (char *)&candidate + f->offset;
  switch (f->type) {
  case F_DOUBLE: *(double *)base = value; break;
  case F_UNSIGNED: *(unsigned *)base = (unsigned)value; break;
  default: *(size_t *)base = (size_t)value; break;
  }
  int rc = validate(&candidate);
  if (rc == 0) current = candidate;
  cy__mutex_unlock(&lock);
  return rc;
}
