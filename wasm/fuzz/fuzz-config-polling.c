/*
 * fuzz-config-polling.c: the global config (by name and as a whole struct)
 * and the polling strategies built from it.
 *
 * The input is a program of: cy_config_set_number with any key (known,
 * unknown, NULL, default_polling) and any number (NaN, +-inf, -0, denormals,
 * huge, fractional counts, raw bit patterns); cy_config_set with a struct
 * from the input (default_polling possibly unterminated or unknown);
 * cy_config_reset; strategies made by name (any case, aliases, junk) or from
 * raw bytes, then driven through long sequences of record_completion /
 * record_no_completion / reset.
 *
 * Checked after each step:
 *   - a refused change leaves the config exactly as it was, an accepted one
 *     reads back exactly and changes nothing else;
 *   - the config always satisfies its documented ranges (intervals finite and
 *     > 0, min <= initial <= max, factors, counts >= 1, a canonical
 *     default_polling), and a candidate in range is never refused;
 *   - every interval a strategy gives is finite, within its [min, max], and
 *     follows the original's algorithm step for step (a reference model here);
 *   - progressive levels start at min, end at max, never go down, never
 *     exceed CY_POLL_MAX_LEVELS;
 *   - lookup is case-insensitive over the names and aliases, and nothing else.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <ctype.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "concurry.h"
#include "concurry-js.h"


static double fuzz_number(void) {
  static const double v[] = {
      NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, DBL_MIN, 4.9406564584124654e-324,
      DBL_MAX, -DBL_MAX, 1, 0.5, 1e-9, 1e9, 1e300, -1, 2, 1.3, 0.7, 0.1, 10, 100, 1000,
      4294967295.0, 4294967296.0, 9007199254740992.0, 9007199254740994.0,
      18446744073709551616.0, 1.5, 3, 5, 1 + DBL_EPSILON, 1 - DBL_EPSILON / 2};
  uint8_t b = u8();
  if (b < 200) return v[b % (sizeof v / sizeof v[0])];
  if (b < 230) return (double)(u8() | (u8() << 8)) / (double)(1 + u8());
  return raw_double();
}

/* ---- config ------------------------------------------------------------------ */

static const char *const keys[] = {
    "polling_fixed_interval",
    "polling_adaptive_min_interval",
    "polling_adaptive_max_interval",
    "polling_adaptive_initial_interval",
    "polling_adaptive_speedup",
    "polling_adaptive_slowdown",
    "polling_adaptive_empty_checks",
    "polling_exponential_initial_interval",
    "polling_exponential_max_interval",
    "polling_exponential_multiplier",
    "polling_progressive_min_interval",
    "polling_progressive_max_interval",
    "polling_progressive_checks_per_level",
    "progress_miniters",
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* Field k of c as a double (counts converted). */
static double field(const cy_config *c, size_t k) {
  switch (k) {
  case 0: return c->polling_fixed_interval;
  case 1: return c->polling_adaptive_min_interval;
  case 2: return c->polling_adaptive_max_interval;
  case 3: return c->polling_adaptive_initial_interval;
  case 4: return c->polling_adaptive_speedup;
  case 5: return c->polling_adaptive_slowdown;
  case 6: return (double)c->polling_adaptive_empty_checks;
  case 7: return c->polling_exponential_initial_interval;
  case 8: return c->polling_exponential_max_interval;
  case 9: return c->polling_exponential_multiplier;
  case 10: return c->polling_progressive_min_interval;
  case 11: return c->polling_progressive_max_interval;
  case 12: return (double)c->polling_progressive_checks_per_level;
  default: return (double)c->progress_miniters;
  }
}

static int is_count(size_t k) { return k == 6 || k == 12 || k == 13; }

static int interval_ok(double v) { return isfinite(v) && v > 0; }

static const char *const canonical[] = {"fixed", "adaptive", "exponential", "progressive"};

/* The documented ranges (concurry.h, config.c), written out independently. */
static int in_range(const cy_config *c, int need_canonical_name) {
  if (!interval_ok(c->polling_fixed_interval)) return 0;
  if (!interval_ok(c->polling_adaptive_min_interval) ||
      !interval_ok(c->polling_adaptive_max_interval) ||
      !interval_ok(c->polling_adaptive_initial_interval))
    return 0;
  if (!(c->polling_adaptive_min_interval <= c->polling_adaptive_initial_interval &&
        c->polling_adaptive_initial_interval <= c->polling_adaptive_max_interval))
    return 0;
  if (!(c->polling_adaptive_speedup > 0 && c->polling_adaptive_speedup <= 1)) return 0;
  if (!(isfinite(c->polling_adaptive_slowdown) && c->polling_adaptive_slowdown >= 1)) return 0;
  if (c->polling_adaptive_empty_checks < 1) return 0;
  if (!interval_ok(c->polling_exponential_initial_interval) ||
      !interval_ok(c->polling_exponential_max_interval) ||
      !(c->polling_exponential_initial_interval <= c->polling_exponential_max_interval))
    return 0;
  if (!(isfinite(c->polling_exponential_multiplier) && c->polling_exponential_multiplier >= 1))
    return 0;
  if (!interval_ok(c->polling_progressive_min_interval) ||
      !interval_ok(c->polling_progressive_max_interval) ||
      !(c->polling_progressive_min_interval <= c->polling_progressive_max_interval))
    return 0;
  if (c->polling_progressive_checks_per_level < 1) return 0;
  if (c->progress_miniters < 1) return 0;
  if (!memchr(c->default_polling, 0, sizeof c->default_polling)) return 0;
  int kind = cy_polling_lookup(c->default_polling);
  if (kind < 0 || kind > 3) return 0;
  if (need_canonical_name) {
    if (strcmp(c->default_polling, canonical[kind]) != 0) return 0;
    /* stored zero-padded */
    for (size_t i = strlen(c->default_polling); i < sizeof c->default_polling; i++)
      if (c->default_polling[i]) return 0;
  }
  return 1;
}

static int same_numbers(const cy_config *a, const cy_config *b, size_t except) {
  for (size_t k = 0; k < NKEYS; k++) {
    if (k == except) continue;
    double x = field(a, k), y = field(b, k);
    if (memcmp(&x, &y, sizeof x) != 0) return 0;
  }
  return 1;
}

static void check_config(void) {
  cy_config c;
  cy_config_get(&c);
  CHECK(in_range(&c, 1));
  for (size_t k = 0; k < NKEYS; k++) {
    double v = NAN;
    CHECK(cy_config_get_number(keys[k], &v) == 0);
    double f = field(&c, k);
    CHECK(memcmp(&v, &f, sizeof v) == 0);
  }
}

static void op_set_number(void) {
  uint8_t b = u8();
  const char *key;
  size_t k = b % (NKEYS + 4);
  if (k < NKEYS) key = keys[k];
  else if (k == NKEYS) key = NULL;
  else if (k == NKEYS + 1) key = "default_polling";
  else if (k == NKEYS + 2) key = "POLLING_FIXED_INTERVAL";
  else key = "";
  double v = fuzz_number();
  if (k < NKEYS && is_count(k) && (u8() & 1)) v = (double)(u8() % 8); /* small whole counts */
  cy_config before, after;
  cy_config_get(&before);
  int rc = cy_config_set_number(key, v);
  cy_config_get(&after);
  if (k >= NKEYS) {
    CHECK(rc == (key ? CY_ENOENT : CY_EINVAL));
    CHECK(memcmp(&before, &after, sizeof before) == 0);
    double out;
    CHECK(cy_config_get_number(key, &out) == (key ? CY_ENOENT : CY_EINVAL));
    return;
  }
  CHECK(cy_config_get_number(keys[k], NULL) == CY_EINVAL);
  /* What the change should do: a count must be a whole number the field
   * holds exactly; then the candidate must be in range. */
  cy_config cand = before;
  int representable = 1;
  if (is_count(k)) {
    double max = k == 13 ? (double)SIZE_MAX : (double)UINT_MAX;
    if (!(v >= 1 && v <= max && v <= 9007199254740992.0 && v == floor(v))) representable = 0;
  }
  if (representable) {
    switch (k) {
    case 0: cand.polling_fixed_interval = v; break;
    case 1: cand.polling_adaptive_min_interval = v; break;
    case 2: cand.polling_adaptive_max_interval = v; break;
    case 3: cand.polling_adaptive_initial_interval = v; break;
    case 4: cand.polling_adaptive_speedup = v; break;
    case 5: cand.polling_adaptive_slowdown = v; break;
    case 6: cand.polling_adaptive_empty_checks = (unsigned)v; break;
    case 7: cand.polling_exponential_initial_interval = v; break;
    case 8: cand.polling_exponential_max_interval = v; break;
    case 9: cand.polling_exponential_multiplier = v; break;
    case 10: cand.polling_progressive_min_interval = v; break;
    case 11: cand.polling_progressive_max_interval = v; break;
    case 12: cand.polling_progressive_checks_per_level = (unsigned)v; break;
    default: cand.progress_miniters = (size_t)v; break;
    }
  }
  int ok = representable && in_range(&cand, 0);
  CHECK(rc == (ok ? 0 : CY_EINVAL));
  if (rc) {
    CHECK(memcmp(&before, &after, sizeof before) == 0);
    return;
  }
  CHECK(field(&after, k) == v);
  CHECK(same_numbers(&before, &after, k));
  CHECK(strcmp(before.default_polling, after.default_polling) == 0);
}

static void op_set_struct(void) {
  cy_config c, before, after;
  cy_config_get(&c);
  /* Change a few fields from the input, keep the rest. */
  int nchanges = u8() % 4;
  for (int i = 0; i < nchanges; i++) {
    size_t k = u8() % (NKEYS + 1);
    double v = fuzz_number();
    switch (k) {
    case 0: c.polling_fixed_interval = v; break;
    case 1: c.polling_adaptive_min_interval = v; break;
    case 2: c.polling_adaptive_max_interval = v; break;
    case 3: c.polling_adaptive_initial_interval = v; break;
    case 4: c.polling_adaptive_speedup = v; break;
    case 5: c.polling_adaptive_slowdown = v; break;
    case 6: c.polling_adaptive_empty_checks = u8() % 4; break;
    case 7: c.polling_exponential_initial_interval = v; break;
    case 8: c.polling_exponential_max_interval = v; break;
    case 9: c.polling_exponential_multiplier = v; break;
    case 10: c.polling_progressive_min_interval = v; break;
    case 11: c.polling_progressive_max_interval = v; break;
    case 12: c.polling_progressive_checks_per_level = u8() % 4 ? u8() % 4 : UINT_MAX; break;
    case 13: c.progress_miniters = u8() % 3; break;
    default: { /* default_polling: a name in any case, junk, or unterminated */
      static const char *names[] = {"fixed", "ADAPTIVE", "Exp", "backoff", "stepped",
                                    "constant", "progressive", "exponentia", "", "fixed\tx"};
      uint8_t b = u8();
      memset(c.default_polling, 0, sizeof c.default_polling);
      if (b < 200) {
        strncpy(c.default_polling, names[b % 10], sizeof c.default_polling - 1);
      } else {
        for (size_t j = 0; j < sizeof c.default_polling; j++) c.default_polling[j] = (char)u8();
      }
      /* leftovers after the terminator must not matter */
      size_t len = strnlen(c.default_polling, sizeof c.default_polling);
      if (len + 1 < sizeof c.default_polling && (u8() & 1)) c.default_polling[len + 1] = 'z';
      break;
    }
    }
  }
  cy_config_get(&before);
  int rc = cy_config_set(&c);
  cy_config_get(&after);
  int ok = in_range(&c, 0);
  CHECK(rc == (ok ? 0 : CY_EINVAL));
  if (rc) {
    CHECK(memcmp(&before, &after, sizeof before) == 0);
    return;
  }
  CHECK(same_numbers(&c, &after, (size_t)-1));
  CHECK(strcmp(after.default_polling, canonical[cy_polling_lookup(c.default_polling)]) == 0);
}

/* ---- polling ---------------------------------------------------------------- */

static int same_name_ci(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}

static int expected_kind(const char *name) {
  static const struct { const char *n; int k; } all[] = {
      {"fixed", 0}, {"constant", 0}, {"adaptive", 1}, {"exponential", 2},
      {"exp", 2}, {"backoff", 2}, {"progressive", 3}, {"stepped", 3}};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (same_name_ci(name, all[i].n)) return all[i].k;
  return CY_ENOENT;
}

/* The reference: the original's algorithms as concurry.h describes them. */
typedef struct ref {
  int kind;
  double cur;
  unsigned empty, checks, level;
} ref;

static void ref_reset(ref *r, const cy_polling *p) {
  r->empty = r->checks = r->level = 0;
  switch (r->kind) {
  case CY_POLL_FIXED: r->cur = p->interval; break;
  case CY_POLL_PROGRESSIVE: r->cur = p->levels[0]; break;
  default: r->cur = p->initial_interval; break;
  }
}

static void ref_step(ref *r, const cy_polling *p, int completed) {
  switch (r->kind) {
  case CY_POLL_ADAPTIVE:
    if (completed) {
      double v = r->cur * p->speedup;
      r->cur = v < p->min_interval ? p->min_interval : v;
      r->empty = 0;
    } else {
      if (r->empty < UINT_MAX) r->empty++;
      if (r->empty >= p->empty_threshold) {
        double v = r->cur * p->slowdown;
        r->cur = v > p->max_interval ? p->max_interval : v;
      }
    }
    break;
  case CY_POLL_EXPONENTIAL:
    if (completed) {
      r->cur = p->initial_interval;
    } else {
      double v = r->cur * p->multiplier;
      r->cur = v > p->max_interval ? p->max_interval : v;
    }
    break;
  case CY_POLL_PROGRESSIVE:
    if (completed) {
      r->level = r->checks = 0;
    } else if (++r->checks >= p->checks_per_level) {
      if (r->level + 1 < p->nlevels) r->level++;
      r->checks = 0;
    }
    r->cur = p->levels[r->level];
    break;
  default: break;
  }
}

static void check_interval(const cy_polling *p, const cy_config *c, double iv) {
  CHECK(isfinite(iv) && iv > 0);
  switch (p->kind) {
  case CY_POLL_FIXED: CHECK(iv == c->polling_fixed_interval); break;
  case CY_POLL_ADAPTIVE:
    CHECK(iv >= c->polling_adaptive_min_interval && iv <= c->polling_adaptive_max_interval);
    break;
  case CY_POLL_EXPONENTIAL:
    CHECK(iv >= c->polling_exponential_initial_interval &&
          iv <= c->polling_exponential_max_interval);
    break;
  case CY_POLL_PROGRESSIVE:
    CHECK(iv >= c->polling_progressive_min_interval &&
          iv <= c->polling_progressive_max_interval);
    break;
  }
}

static void op_polling(void) {
  cy_config c;
  cy_config_get(&c);
  static const char *names[] = {NULL, "fixed", "Adaptive", "EXPONENTIAL", "exp", "backoff",
                                "Stepped", "constant", "progressive", "custom", "", "fix",
                                "adaptive ", "exponentiall"};
  char buf[8];
  const char *name;
  uint8_t b = u8();
  if (b < 220) {
    name = names[b % (sizeof names / sizeof names[0])];
  } else {
    for (size_t i = 0; i < sizeof buf - 1; i++) buf[i] = (char)u8();
    buf[sizeof buf - 1] = 0;
    name = buf;
  }
  int want = expected_kind(name ? name : c.default_polling);
  CHECK(cy_polling_lookup(name ? name : c.default_polling) == want);
  cy_polling p;
  memset(&p, 0xA5, sizeof p);
  int rc = cy_polling_init(&p, name);
  if (want < 0) {
    CHECK(rc == CY_ENOENT);
    return;
  }
  CHECK(rc == 0 && p.kind == want);
  CHECK(strcmp(cy_polling_name(want), canonical[want]) == 0);
  if (p.kind == CY_POLL_PROGRESSIVE) {
    CHECK(p.nlevels >= 1 && p.nlevels <= CY_POLL_MAX_LEVELS);
    CHECK(p.levels[0] == c.polling_progressive_min_interval);
    /* The slowest level is max, or a level within the documented relative
     * tolerance (1e-9) of it that stood in for max. */
    double top = p.levels[p.nlevels - 1], max = c.polling_progressive_max_interval;
    CHECK(top == max || (top < max && top >= max * (1 - 1e-9)));
    for (unsigned i = 1; i < p.nlevels; i++) CHECK(p.levels[i] >= p.levels[i - 1]);
  }
  cy_polling *jp = NULL;
  if (u8() & 1) {
    CHECK(cy_js_polling_create(&jp, name) == 0 && jp);
  }
  ref r = {p.kind, 0, 0, 0, 0};
  ref_reset(&r, &p);
  int steps = u8() + 1;
  if (u8() == 0xFF) steps *= 256; /* long runs saturate */
  for (int s = 0; s < steps; s++) {
    double iv = cy_polling_next_interval(&p);
    check_interval(&p, &c, iv);
    CHECK(iv == r.cur);
    if (jp) {
      double st[5];
      cy_js_polling_state(jp, st);
      CHECK(st[1] == jp->kind);
      CHECK(st[0] == cy_polling_next_interval(jp));
    }
    uint8_t op = in_n ? u8() : (uint8_t)(s * 7);
    switch (op % 8) {
    case 0:
      cy_polling_record_completion(&p);
      ref_step(&r, &p, 1);
      if (jp) cy_polling_record_completion(jp);
      break;
    case 7:
      cy_polling_reset(&p);
      ref_reset(&r, &p);
      if (jp) cy_polling_reset(jp);
      break;
    default:
      cy_polling_record_no_completion(&p);
      ref_step(&r, &p, 0);
      if (jp) cy_polling_record_no_completion(jp);
      break;
    }
  }
  check_interval(&p, &c, cy_polling_next_interval(&p));
  cy_js_polling_free(jp);
}

static void op_polling_misuse(void) {
  /* NULL and unknown kinds: no crash, a negative interval. */
  CHECK(cy_polling_init(NULL, "fixed") == CY_EINVAL);
  CHECK(cy_polling_lookup(NULL) == CY_EINVAL);
  CHECK(cy_polling_next_interval(NULL) < 0);
  cy_polling_record_completion(NULL);
  cy_polling_record_no_completion(NULL);
  cy_polling_reset(NULL);
  cy_polling p;
  memset(&p, 0, sizeof p);
  int kinds[] = {-1, CY_POLL_CUSTOM + 1, INT_MAX, INT_MIN};
  p.kind = kinds[u8() % 4];
  CHECK(cy_polling_next_interval(&p) < 0);
  cy_polling_record_completion(&p);
  cy_polling_record_no_completion(&p);
  cy_polling_reset(&p);
  CHECK(cy_polling_next_interval(&p) < 0);
  /* a custom strategy with no vtable */
  p.kind = CY_POLL_CUSTOM;
  p.vt = NULL;
  CHECK(cy_polling_next_interval(&p) < 0);
  cy_polling_record_completion(&p);
  cy_polling_record_no_completion(&p);
  cy_polling_reset(&p);
  cy_polling_vtable vt = {0};
  CHECK(cy_polling_init_custom(&p, &vt, NULL) == CY_EINVAL);
  CHECK(cy_polling_init_custom(&p, NULL, NULL) == CY_EINVAL);
  int k = (int)(int8_t)u8();
  const char *n = cy_polling_name(k);
  if (k >= 0 && k < 4) CHECK(n && strcmp(n, canonical[k]) == 0);
  else CHECK(n == NULL);
  CHECK(cy_js_polling_create(NULL, "fixed") == CY_EINVAL);
  cy_polling *jp = (cy_polling *)1;
  CHECK(cy_js_polling_create(&jp, "no such") == CY_ENOENT && jp == NULL);
  cy_js_polling_state(NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input_begin(data, size);
  cy_config_reset();
  int steps = 0;
  while (in_n && steps++ < 200) {
    switch (u8() % 8) {
    case 0: case 1: case 2: op_set_number(); break;
    case 3: op_set_struct(); break;
    case 4: cy_config_reset(); break;
    case 5: case 6: op_polling(); break;
    default: op_polling_misuse(); break;
    }
    check_config();
  }
  return 0;
}
