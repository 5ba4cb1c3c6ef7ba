/*
 * polling.c: the original's four polling strategies and custom strategies
 * through a vtable (the names they are looked up by live in registry.c).
 *
 * The algorithms are the original's (Concurry's design), unchanged, with
 * seconds turned into milliseconds; their parameters come from one config snapshot taken at init,
 * so a strategy never changes under a wait when the config does.
 *
 * Invariant for the built-ins: `current` is always what next_interval
 * returns (fixed: interval; progressive: levels[level]).
 *
 * A cy_polling is not locked: one wait owns it. Calls with p == NULL or an
 * uninitialized kind do nothing; next_interval then returns CY_EINVAL (as a
 * double, so negative: "no interval").
 */
#include <limits.h>
#include <string.h>

#include "internal.h"

/* ---- progressive levels ------------------------------------------------ */

/* Relative tolerance when comparing a generated level with max: min * 100
 * may land one ulp above a max the user meant to be equal (0.1 * 10 ...). */
#define LEVEL_EPS 1e-9

/* min x {1, 5, 10, 50, 100, 500, ...} while <= max, then max itself if the
 * last level falls short of it. With more levels than CY_POLL_MAX_LEVELS the
 * last slot is given to max, so the slowest level is max, or within LEVEL_EPS
 * (relative) below it. */
static unsigned make_levels(double *levels, double min, double max) {
  unsigned n = 0;
  double factor = 1;
  for (int step = 0;; step++) {
    double v = min * factor;
    if (v > max * (1 + LEVEL_EPS)) break;
    if (n == CY_POLL_MAX_LEVELS - 1) {
      levels[n++] = max;
      return n;
    }
    levels[n++] = v > max ? max : v;
    factor *= (step % 2 == 0) ? 5 : 2;
  }
  /* min > max cannot pass config validation; one level keeps it usable. */
  if (n == 0 || levels[n - 1] < max * (1 - LEVEL_EPS)) levels[n++] = max;
  return n;
}

/* ---- built-ins --------------------------------------------------------- */

static void reset_state(cy_polling *p) {
  p->consecutive_empty = 0;
  p->checks_at_level = 0;
  p->level = 0;
  switch (p->kind) {
  case CY_POLL_FIXED: p->current = p->interval; break;
  case CY_POLL_ADAPTIVE:
  case CY_POLL_EXPONENTIAL: p->current = p->initial_interval; break;
  case CY_POLL_PROGRESSIVE: p->current = p->levels[0]; break;
  default: break;
  }
}

int cy_polling_init_params(cy_polling *p, const cy_polling_params *pp) {
  if (!p || !pp) return CY_EINVAL;
  int rc = cy_polling_params_check(pp, NULL);
  if (rc) return rc;
  memset(p, 0, sizeof *p);
  p->kind = pp->kind;
  switch (pp->kind) {
  case CY_POLL_FIXED: p->interval = pp->interval; break;
  case CY_POLL_ADAPTIVE:
    p->min_interval = pp->min_interval;
    p->max_interval = pp->max_interval;
    p->initial_interval = pp->initial_interval;
    p->speedup = pp->speedup;
    p->slowdown = pp->slowdown;
    p->empty_threshold = (unsigned)pp->empty_checks; /* checked: a whole number <= UINT_MAX */
    break;
  case CY_POLL_EXPONENTIAL:
    p->initial_interval = pp->initial_interval;
    p->max_interval = pp->max_interval;
    p->multiplier = pp->multiplier;
    break;
  case CY_POLL_PROGRESSIVE:
    p->min_interval = pp->min_interval;
    p->max_interval = pp->max_interval;
    p->checks_per_level = (unsigned)pp->checks_per_level;
    p->nlevels = make_levels(p->levels, p->min_interval, p->max_interval);
    break;
  }
  reset_state(p);
  return 0;
}

int cy_polling_init(cy_polling *p, const char *name) {
  if (!p) return CY_EINVAL;
  cy_config c;
  cy__config_snapshot(&c);
  int kind = cy_polling_lookup(name ? name : c.default_polling);
  if (kind < 0) return kind;
  cy_polling_params pp;
  cy__polling_params_from_config(&pp, kind, &c);
  return cy_polling_init_params(p, &pp);
}

int cy_polling_get_params(const cy_polling *p, cy_polling_params *out) {
  if (!p || !out || p->kind < CY_POLL_FIXED || p->kind > CY_POLL_PROGRESSIVE) return CY_EINVAL;
  memset(out, 0, sizeof *out);
  out->kind = p->kind;
  switch (p->kind) {
  case CY_POLL_FIXED: out->interval = p->interval; break;
  case CY_POLL_ADAPTIVE:
    out->min_interval = p->min_interval;
    out->max_interval = p->max_interval;
    out->initial_interval = p->initial_interval;
    out->speedup = p->speedup;
    out->slowdown = p->slowdown;
    out->empty_checks = p->empty_threshold;
    break;
  case CY_POLL_EXPONENTIAL:
    out->initial_interval = p->initial_interval;
    out->max_interval = p->max_interval;
    out->multiplier = p->multiplier;
    break;
  default:
    out->min_interval = p->min_interval;
    out->max_interval = p->max_interval;
    out->checks_per_level = p->checks_per_level;
    break;
  }
  return 0;
}

int cy_polling_init_custom(cy_polling *p, const cy_polling_vtable *vt, void *user) {
  if (!p || !vt || !vt->next_interval || !vt->record_completion ||
      !vt->record_no_completion || !vt->reset)
    return CY_EINVAL;
  memset(p, 0, sizeof *p);
  p->kind = CY_POLL_CUSTOM;
  p->vt = vt;
  p->user = user;
  return 0;
}

double cy_polling_next_interval(cy_polling *p) {
  if (!p) return CY_EINVAL;
  switch (p->kind) {
  case CY_POLL_FIXED:
  case CY_POLL_ADAPTIVE:
  case CY_POLL_EXPONENTIAL:
  case CY_POLL_PROGRESSIVE: return p->current;
  case CY_POLL_CUSTOM: return p->vt ? p->vt->next_interval(p) : CY_EINVAL;
  default: return CY_EINVAL;
  }
}

void cy_polling_record_completion(cy_polling *p) {
  if (!p) return;
  switch (p->kind) {
  case CY_POLL_ADAPTIVE: {
    double v = p->current * p->speedup;
    p->current = v < p->min_interval ? p->min_interval : v;
    p->consecutive_empty = 0;
    break;
  }
  case CY_POLL_EXPONENTIAL: p->current = p->initial_interval; break;
  case CY_POLL_PROGRESSIVE:
    p->level = 0;
    p->checks_at_level = 0;
    p->current = p->levels[0];
    break;
  case CY_POLL_CUSTOM:
    if (p->vt) p->vt->record_completion(p);
    break;
  default: break;
  }
}

void cy_polling_record_no_completion(cy_polling *p) {
  if (!p) return;
  switch (p->kind) {
  case CY_POLL_ADAPTIVE:
    /* As the original: the count is not reset after a slowdown, so once past
     * the threshold every further empty check slows down again. Saturating
     * keeps a wrap to 0 from re-arming the threshold after 2^32 checks. */
    if (p->consecutive_empty < UINT_MAX) p->consecutive_empty++;
    if (p->consecutive_empty >= p->empty_threshold) {
      double v = p->current * p->slowdown;
      p->current = v > p->max_interval ? p->max_interval : v;
    }
    break;
  case CY_POLL_EXPONENTIAL: {
    double v = p->current * p->multiplier;
    p->current = v > p->max_interval ? p->max_interval : v;
    break;
  }
  case CY_POLL_PROGRESSIVE:
    p->checks_at_level++;
    if (p->checks_at_level >= p->checks_per_level) {
      if (p->level + 1 < p->nlevels) p->level++;
      p->checks_at_level = 0;
      p->current = p->levels[p->level];
    }
    break;
  case CY_POLL_CUSTOM:
    if (p->vt) p->vt->record_no_completion(p);
    break;
  default: break;
  }
}

void cy_polling_reset(cy_polling *p) {
  if (!p) return;
  if (p->kind == CY_POLL_CUSTOM) {
    if (p->vt) p->vt->reset(p);
    return;
  }
  reset_state(p);
}
