/*
 * config.c: the global configuration, the core's only global mutable state.
 *
 * Invariant: `current` always holds a configuration that passed validate();
 * every write builds a full candidate, validates it as a whole and only then
 * replaces `current`, all under `lock`, so readers never see a half-applied
 * or invalid change.
 */
#include <limits.h>
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

/* On success the candidate's default_polling is rewritten to the canonical
 * lower-case name, so readers can compare it with strcmp. The polling fields
 * are checked as each kind's parameter set, by the check strategies made
 * from parameters go through (params.c); why (may be NULL) names the first
 * broken rule with cy_config field names. */
static int refuse(const char **why, const char *const rule[3]) {
  if (why) for (int i = 0; i < 3; i++) why[i] = rule[i];
  return CY_EINVAL;
}

static int validate(cy_config *c, const char **why) {
  if (why) why[0] = why[1] = why[2] = NULL;
  for (int kind = CY_POLL_FIXED; kind <= CY_POLL_PROGRESSIVE; kind++) {
    cy_polling_params pp;
    cy__polling_params_from_config(&pp, kind, c);
    if (cy_polling_params_check(&pp, why) == 0) continue;
    if (why) {
      why[0] = cy__polling_params_config_key(kind, why[0]);
      why[2] = cy__polling_params_config_key(kind, why[2]);
    }
    return CY_EINVAL;
  }

  static const char *const bad_name[] = {"default_polling", "a strategy name", NULL};
  if (!memchr(c->default_polling, '\0', sizeof c->default_polling)) return refuse(why, bad_name);
  int kind = cy_polling_lookup(c->default_polling);
  if (kind < 0) return refuse(why, bad_name);
  const char *canonical = cy_polling_name(kind);
  memset(c->default_polling, 0, sizeof c->default_polling);
  strncpy(c->default_polling, canonical, sizeof c->default_polling - 1);

  static const char *const bad_miniters[] = {"progress_miniters", "a whole number >= 1", NULL};
  if (c->progress_miniters < 1) return refuse(why, bad_miniters);
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
  int rc = validate(&candidate, NULL);
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

/* set_number and check_number: commit = 0 only checks. */
static int put_number(const char *key, double value, int commit, const char **why) {
  if (why) why[0] = why[1] = why[2] = NULL;
  const field *f = find_field(key);
  if (!f) return key ? CY_ENOENT : CY_EINVAL;
  /* A count that the field cannot hold is refused before it could wrap. */
  const char *const bad_count[] = {f->name, f->type == F_UNSIGNED
      ? "a whole number from 1 to 4294967295" : "a whole number >= 1", NULL};
  if (f->type == F_UNSIGNED && !count_ok(value, (double)UINT_MAX)) return refuse(why, bad_count);
  if (f->type == F_SIZE && !count_ok(value, (double)SIZE_MAX)) return refuse(why, bad_count);

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
  int rc = validate(&candidate, why);
  if (rc == 0 && commit) current = candidate;
  cy__mutex_unlock(&lock);
  return rc;
}

int cy_config_set_number(const char *key, double value) {
  return put_number(key, value, 1, NULL);
}

int cy_config_check_number(const char *key, double value, const char **why) {
  return put_number(key, value, 0, why);
}
