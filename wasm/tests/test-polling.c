/*
 * Polling strategies against sequences worked out by hand from the original's
 * algorithms (defaults: fixed 10; adaptive 10 in [1, 100], x0.7 / x1.3 after
 * 3 empty checks; exponential 1 -> 1000 x2; progressive 1,5,10,50,100 with 5
 * checks per level).
 */
#include "runner.h"

#define EPS 1e-9

static int fixed_interval(void) {
  cy_polling p;
  ASSERT_ERR(cy_polling_init(&p, "fixed"), 0);
  ASSERT_EQ(p.kind, CY_POLL_FIXED);
  ASSERT_NEAR(cy_polling_next_interval(&p), 10, EPS);
  for (int i = 0; i < 20; i++) cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 10, EPS);
  cy_polling_record_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 10, EPS);
  cy_polling_reset(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 10, EPS);
  return 0;
}

static int adaptive_slowdown(void) {
  /* 10 holds for two empty checks; from the third on each one multiplies
   * by 1.3 (the count is not reset after a slowdown) until 100 caps it. */
  static const double expect[] = {10, 10, 13, 16.9, 21.97, 28.561, 37.1293,
                                  48.26809, 62.748517, 81.5730721, 100, 100};
  cy_polling p;
  ASSERT_ERR(cy_polling_init(&p, "adaptive"), 0);
  ASSERT_EQ(p.kind, CY_POLL_ADAPTIVE);
  ASSERT_NEAR(cy_polling_next_interval(&p), 10, EPS);
  for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
    cy_polling_record_no_completion(&p);
    ASSERT_NEAR(cy_polling_next_interval(&p), expect[i], 1e-6);
  }
  return 0;
}

static int adaptive_speedup(void) {
  static const double expect[] = {7, 4.9, 3.43, 2.401, 1.6807, 1.17649, 1, 1};
  cy_polling p;
  ASSERT_ERR(cy_polling_init(&p, "adaptive"), 0);
  for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
    cy_polling_record_completion(&p);
    ASSERT_NEAR(cy_polling_next_interval(&p), expect[i], 1e-9);
  }
  return 0;
}

static int adaptive_mixed(void) {
  cy_polling p;
  ASSERT_ERR(cy_polling_init(&p, "adaptive"), 0);
  for (int i = 0; i < 6; i++) cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 28.561, 1e-9);
  /* A completion speeds up and re-arms the three-check threshold. */
  cy_polling_record_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 19.9927, 1e-9);
  cy_polling_record_no_completion(&p);
  cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 19.9927, 1e-9);
  cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 25.99051, 1e-9);
  /* reset: back to 10 and the empty count to 0 (two empties keep 10). */
  cy_polling_reset(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 10, EPS);
  cy_polling_record_no_completion(&p);
  cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 10, EPS);
  cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 13, EPS);
  return 0;
}

static int exponential_backoff(void) {
  static const double expect[] = {2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000};
  cy_polling p;
  ASSERT_ERR(cy_polling_init(&p, "exponential"), 0);
  ASSERT_EQ(p.kind, CY_POLL_EXPONENTIAL);
  ASSERT_NEAR(cy_polling_next_interval(&p), 1, EPS);
  for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
    cy_polling_record_no_completion(&p);
    ASSERT_NEAR(cy_polling_next_interval(&p), expect[i], EPS);
  }
  cy_polling_record_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 1, EPS);
  cy_polling_record_no_completion(&p);
  cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 4, EPS);
  cy_polling_reset(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 1, EPS);
  return 0;
}

static int progressive_levels(void) {
  cy_polling p;
  ASSERT_ERR(cy_polling_init(&p, "progressive"), 0);
  ASSERT_EQ(p.kind, CY_POLL_PROGRESSIVE);
  ASSERT_EQ(p.nlevels, 5);
  ASSERT_NEAR(p.levels[0], 1, EPS);
  ASSERT_NEAR(p.levels[1], 5, EPS);
  ASSERT_NEAR(p.levels[2], 10, EPS);
  ASSERT_NEAR(p.levels[3], 50, EPS);
  ASSERT_NEAR(p.levels[4], 100, EPS);
  /* Interval after the k-th empty check, k = 1..27: five checks per level. */
  static const double expect[] = {1,  1,  1,  1,   5,   5,   5,   5,   5,
                                  10, 10, 10, 10,  10,  50,  50,  50,  50,
                                  50, 100, 100, 100, 100, 100, 100, 100, 100};
  ASSERT_NEAR(cy_polling_next_interval(&p), 1, EPS);
  for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
    cy_polling_record_no_completion(&p);
    ASSERT_NEAR(cy_polling_next_interval(&p), expect[i], EPS);
  }
  cy_polling_record_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 1, EPS);
  /* A completion mid-level also clears the check count. */
  for (int i = 0; i < 3; i++) cy_polling_record_no_completion(&p);
  cy_polling_record_completion(&p);
  for (int i = 0; i < 4; i++) cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 1, EPS);
  cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 5, EPS);
  cy_polling_reset(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 1, EPS);
  ASSERT_EQ(p.level, 0);
  ASSERT_EQ(p.checks_at_level, 0);
  return 0;
}

static int levels_for(double min, double max, cy_polling *p) {
  cy_config c;
  cy_config_get(&c);
  c.polling_progressive_min_interval = min;
  c.polling_progressive_max_interval = max;
  if (cy_config_set(&c)) return -1;
  return cy_polling_init(p, "progressive");
}

static int progressive_generated(void) {
  cy_polling p;
  ASSERT_ERR(levels_for(2, 300, &p), 0);
  ASSERT_EQ(p.nlevels, 6);
  static const double a[] = {2, 10, 20, 100, 200, 300};
  for (int i = 0; i < 6; i++) ASSERT_NEAR(p.levels[i], a[i], EPS);

  ASSERT_ERR(levels_for(1, 1000, &p), 0);
  ASSERT_EQ(p.nlevels, 7);
  static const double b[] = {1, 5, 10, 50, 100, 500, 1000};
  for (int i = 0; i < 7; i++) ASSERT_NEAR(p.levels[i], b[i], EPS);

  ASSERT_ERR(levels_for(0.5, 3, &p), 0);
  ASSERT_EQ(p.nlevels, 3);
  ASSERT_NEAR(p.levels[0], 0.5, EPS);
  ASSERT_NEAR(p.levels[1], 2.5, EPS);
  ASSERT_NEAR(p.levels[2], 3, EPS);

  ASSERT_ERR(levels_for(7, 7, &p), 0);
  ASSERT_EQ(p.nlevels, 1);
  ASSERT_NEAR(p.levels[0], 7, EPS);
  for (int i = 0; i < 12; i++) cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 7, EPS);

  /* min x 100 may round one ulp past max: still exactly five levels. */
  ASSERT_ERR(levels_for(0.1, 10, &p), 0);
  ASSERT_EQ(p.nlevels, 5);
  ASSERT_NEAR(p.levels[4], 10, EPS);

  /* 19 candidate levels: capped, and the last slot is max. */
  ASSERT_ERR(levels_for(0.001, 1e6, &p), 0);
  ASSERT_EQ(p.nlevels, CY_POLL_MAX_LEVELS);
  ASSERT_NEAR(p.levels[14], 10000, 1e-6);
  ASSERT_NEAR(p.levels[15], 1e6, EPS);
  for (unsigned i = 1; i < p.nlevels; i++) ASSERT(p.levels[i] > p.levels[i - 1]);
  return 0;
}

static int registry_lookup(void) {
  ASSERT_EQ(cy_polling_lookup("fixed"), CY_POLL_FIXED);
  ASSERT_EQ(cy_polling_lookup("ADAPTIVE"), CY_POLL_ADAPTIVE);
  ASSERT_EQ(cy_polling_lookup("Exponential"), CY_POLL_EXPONENTIAL);
  ASSERT_EQ(cy_polling_lookup("pRoGrEsSiVe"), CY_POLL_PROGRESSIVE);
  ASSERT_EQ(cy_polling_lookup("Constant"), CY_POLL_FIXED);
  ASSERT_EQ(cy_polling_lookup("EXP"), CY_POLL_EXPONENTIAL);
  ASSERT_EQ(cy_polling_lookup("backoff"), CY_POLL_EXPONENTIAL);
  ASSERT_ERR(cy_polling_lookup("linear"), CY_ENOENT);
  ASSERT_ERR(cy_polling_lookup(""), CY_ENOENT);
  ASSERT_ERR(cy_polling_lookup("adaptiv"), CY_ENOENT);
  ASSERT_ERR(cy_polling_lookup("adaptivex"), CY_ENOENT);
  ASSERT_ERR(cy_polling_lookup(" fixed"), CY_ENOENT);
  ASSERT_ERR(cy_polling_lookup(NULL), CY_EINVAL);

  ASSERT_STR(cy_polling_name(CY_POLL_FIXED), "fixed");
  ASSERT_STR(cy_polling_name(CY_POLL_ADAPTIVE), "adaptive");
  ASSERT_STR(cy_polling_name(CY_POLL_EXPONENTIAL), "exponential");
  ASSERT_STR(cy_polling_name(CY_POLL_PROGRESSIVE), "progressive");
  ASSERT_PTR(cy_polling_name(CY_POLL_CUSTOM), NULL);
  ASSERT_PTR(cy_polling_name(-1), NULL);
  for (int k = 0; cy_polling_name(k); k++) ASSERT_EQ(cy_polling_lookup(cy_polling_name(k)), k);

  cy_polling p;
  ASSERT_ERR(cy_polling_init(&p, "bogus"), CY_ENOENT);
  ASSERT_ERR(cy_polling_init(NULL, "fixed"), CY_EINVAL);
  ASSERT_ERR(cy_polling_init(&p, "FIXED"), 0);
  ASSERT_EQ(p.kind, CY_POLL_FIXED);
  return 0;
}

static int default_from_config(void) {
  cy_polling p;
  ASSERT_ERR(cy_polling_init(&p, NULL), 0);
  ASSERT_EQ(p.kind, CY_POLL_ADAPTIVE);
  cy_config c;
  cy_config_get(&c);
  strcpy(c.default_polling, "Progressive");
  ASSERT_ERR(cy_config_set(&c), 0);
  ASSERT_ERR(cy_polling_init(&p, NULL), 0);
  ASSERT_EQ(p.kind, CY_POLL_PROGRESSIVE);
  return 0;
}

static int params_from_config(void) {
  cy_config c;
  cy_config_get(&c);
  c.polling_fixed_interval = 25;
  c.polling_adaptive_min_interval = 5;
  c.polling_adaptive_initial_interval = 20;
  c.polling_adaptive_speedup = 0.5;
  c.polling_adaptive_slowdown = 2;
  c.polling_adaptive_empty_checks = 1;
  c.polling_exponential_initial_interval = 3;
  c.polling_exponential_max_interval = 20;
  c.polling_exponential_multiplier = 3;
  c.polling_progressive_checks_per_level = 2;
  ASSERT_ERR(cy_config_set(&c), 0);

  cy_polling p;
  ASSERT_ERR(cy_polling_init(&p, "fixed"), 0);
  ASSERT_NEAR(cy_polling_next_interval(&p), 25, EPS);

  ASSERT_ERR(cy_polling_init(&p, "adaptive"), 0);
  ASSERT_NEAR(cy_polling_next_interval(&p), 20, EPS);
  cy_polling_record_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 10, EPS);
  cy_polling_record_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 5, EPS);
  cy_polling_record_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 5, EPS);
  /* threshold 1: every empty check slows down. */
  cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 10, EPS);
  cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 20, EPS);
  for (int i = 0; i < 4; i++) cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 100, EPS);

  ASSERT_ERR(cy_polling_init(&p, "exponential"), 0);
  ASSERT_NEAR(cy_polling_next_interval(&p), 3, EPS);
  cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 9, EPS);
  cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 20, EPS);

  ASSERT_ERR(cy_polling_init(&p, "progressive"), 0);
  cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 1, EPS);
  cy_polling_record_no_completion(&p);
  ASSERT_NEAR(cy_polling_next_interval(&p), 5, EPS);

  /* A strategy keeps the parameters it was made with. */
  cy_polling q;
  ASSERT_ERR(cy_polling_init(&q, "fixed"), 0);
  cy_config_reset();
  ASSERT_NEAR(cy_polling_next_interval(&q), 25, EPS);
  ASSERT_ERR(cy_polling_init(&q, "fixed"), 0);
  ASSERT_NEAR(cy_polling_next_interval(&q), 10, EPS);
  return 0;
}

typedef struct {
  int next, done, empty, reset;
} calls;

static double c_next(cy_polling *p) { ((calls *)p->user)->next++; return 42.5; }
static void c_done(cy_polling *p) { ((calls *)p->user)->done++; }
static void c_empty(cy_polling *p) { ((calls *)p->user)->empty++; }
static void c_reset(cy_polling *p) { ((calls *)p->user)->reset++; }

static int custom_vtable(void) {
  static const cy_polling_vtable vt = {c_next, c_done, c_empty, c_reset};
  calls n = {0, 0, 0, 0};
  cy_polling p;
  ASSERT_ERR(cy_polling_init_custom(&p, &vt, &n), 0);
  ASSERT_EQ(p.kind, CY_POLL_CUSTOM);
  ASSERT_NEAR(cy_polling_next_interval(&p), 42.5, EPS);
  cy_polling_record_completion(&p);
  cy_polling_record_no_completion(&p);
  cy_polling_record_no_completion(&p);
  cy_polling_reset(&p);
  ASSERT_EQ(n.next, 1);
  ASSERT_EQ(n.done, 1);
  ASSERT_EQ(n.empty, 2);
  ASSERT_EQ(n.reset, 1);

  cy_polling_vtable bad = vt;
  bad.reset = NULL;
  ASSERT_ERR(cy_polling_init_custom(&p, &bad, &n), CY_EINVAL);
  bad = vt;
  bad.next_interval = NULL;
  ASSERT_ERR(cy_polling_init_custom(&p, &bad, &n), CY_EINVAL);
  ASSERT_ERR(cy_polling_init_custom(&p, NULL, &n), CY_EINVAL);
  ASSERT_ERR(cy_polling_init_custom(NULL, &vt, &n), CY_EINVAL);
  return 0;
}

/* One check for a parameter set, whether it comes from the config or from a
 * caller making a strategy: cross-field rules included, counts not wrapped. */
static int params_check(void) {
  const char *why[3];
  cy_polling p;
  cy_polling_params pp;
  ASSERT_ERR(cy_polling_init(&p, "adaptive"), 0);
  ASSERT_ERR(cy_polling_get_params(&p, &pp), 0);
  ASSERT_EQ(pp.kind, CY_POLL_ADAPTIVE);
  ASSERT_NEAR(pp.initial_interval, 10, EPS);
  ASSERT_NEAR(pp.empty_checks, 3, EPS);
  ASSERT_ERR(cy_polling_params_check(&pp, why), 0);
  ASSERT_PTR(why[0], NULL);

  /* adaptive min 50 > initial 10 (and max 5): the first broken rule is named. */
  ASSERT_ERR(cy_polling_params_set(&pp, "min_interval", 50), 0);
  ASSERT_ERR(cy_polling_params_set(&pp, "max_interval", 5), 0);
  ASSERT_ERR(cy_polling_params_check(&pp, why), CY_EINVAL);
  ASSERT_STR(why[0], "min_interval");
  ASSERT_STR(why[1], "<=");
  ASSERT_STR(why[2], "initial_interval");
  ASSERT_ERR(cy_polling_init_params(&p, &pp), CY_EINVAL);
  ASSERT_NEAR(cy_polling_next_interval(&p), 10, EPS); /* p unchanged */
  ASSERT_ERR(cy_polling_params_set(&pp, "min_interval", 1), 0);
  ASSERT_ERR(cy_polling_params_check(&pp, why), CY_EINVAL);
  ASSERT_STR(why[0], "initial_interval");
  ASSERT_STR(why[2], "max_interval");

  /* 2^32 empty checks would wrap to 0 in an unsigned: refused as asked. */
  ASSERT_ERR(cy_polling_get_params(&p, &pp), 0);
  ASSERT_ERR(cy_polling_params_set(&pp, "empty_checks", 4294967296.0), 0);
  ASSERT_ERR(cy_polling_params_check(&pp, why), CY_EINVAL);
  ASSERT_STR(why[0], "empty_checks");
  ASSERT_STR(why[1], "a whole number from 1 to 4294967295");
  ASSERT_PTR(why[2], NULL);
  ASSERT_ERR(cy_polling_params_set(&pp, "empty_checks", 4294967295.0), 0);
  ASSERT_ERR(cy_polling_params_check(&pp, why), 0);
  ASSERT_ERR(cy_polling_params_set(&pp, "empty_checks", 2.5), 0);
  ASSERT_ERR(cy_polling_params_check(&pp, why), CY_EINVAL);
  ASSERT_ERR(cy_polling_params_set(&pp, "multiplier", 2), CY_ENOENT); /* not adaptive's */

  /* exponential initial 2000 > max 1000 */
  ASSERT_ERR(cy_polling_init(&p, "exponential"), 0);
  ASSERT_ERR(cy_polling_get_params(&p, &pp), 0);
  ASSERT_ERR(cy_polling_params_set(&pp, "initial_interval", 2000), 0);
  ASSERT_ERR(cy_polling_params_check(&pp, why), CY_EINVAL);
  ASSERT_STR(why[0], "initial_interval");
  ASSERT_STR(why[2], "max_interval");
  double v = 0;
  ASSERT_ERR(cy_polling_params_get(&pp, "initial_interval", &v), 0);
  ASSERT_NEAR(v, 2000, EPS);

  /* per-field rules, in the order of the table */
  ASSERT_ERR(cy_polling_init(&p, "fixed"), 0);
  ASSERT_ERR(cy_polling_get_params(&p, &pp), 0);
  ASSERT_ERR(cy_polling_params_set(&pp, "interval", 0), 0);
  ASSERT_ERR(cy_polling_params_check(&pp, why), CY_EINVAL);
  ASSERT_STR(why[1], "a number of ms > 0");

  /* progressive from parameters: levels rebuilt from min and max */
  ASSERT_ERR(cy_polling_init(&p, "progressive"), 0);
  ASSERT_ERR(cy_polling_get_params(&p, &pp), 0);
  ASSERT_ERR(cy_polling_params_set(&pp, "min_interval", 2), 0);
  ASSERT_ERR(cy_polling_params_set(&pp, "max_interval", 2000), 0);
  ASSERT_ERR(cy_polling_params_set(&pp, "checks_per_level", 1), 0);
  ASSERT_ERR(cy_polling_init_params(&p, &pp), 0);
  static const double levels[] = {2, 10, 20, 100, 200, 1000, 2000};
  ASSERT_EQ(p.nlevels, 7);
  for (int i = 0; i < 7; i++) {
    ASSERT_NEAR(cy_polling_next_interval(&p), levels[i], EPS);
    cy_polling_record_no_completion(&p);
  }

  /* bad handles */
  ASSERT_ERR(cy_polling_params_check(NULL, why), CY_EINVAL);
  ASSERT_ERR(cy_polling_init_params(&p, NULL), CY_EINVAL);
  pp.kind = CY_POLL_CUSTOM;
  ASSERT_ERR(cy_polling_params_set(&pp, "interval", 1), CY_EINVAL);
  ASSERT_ERR(cy_polling_params_check(&pp, why), CY_EINVAL);
  return 0;
}

/* The config refuses what a strategy would refuse, naming its own fields. */
static int params_config_agree(void) {
  const char *why[3];
  cy_config_reset();
  ASSERT_ERR(cy_config_check_number("polling_adaptive_min_interval", 50, why), CY_EINVAL);
  ASSERT_STR(why[0], "polling_adaptive_min_interval");
  ASSERT_STR(why[1], "<=");
  ASSERT_STR(why[2], "polling_adaptive_initial_interval");
  ASSERT_ERR(cy_config_set_number("polling_adaptive_min_interval", 50), CY_EINVAL);
  ASSERT_ERR(cy_config_check_number("polling_exponential_initial_interval", 2000, why), CY_EINVAL);
  ASSERT_STR(why[2], "polling_exponential_max_interval");
  ASSERT_ERR(cy_config_check_number("polling_adaptive_empty_checks", 4294967296.0, why), CY_EINVAL);
  ASSERT_STR(why[0], "polling_adaptive_empty_checks");
  ASSERT_STR(why[1], "a whole number from 1 to 4294967295");
  ASSERT_ERR(cy_config_check_number("polling_adaptive_speedup", 1.5, why), CY_EINVAL);
  ASSERT_STR(why[1], "a factor in (0, 1]");
  ASSERT_ERR(cy_config_check_number("progress_miniters", 0, why), CY_EINVAL);
  ASSERT_STR(why[0], "progress_miniters");
  ASSERT_ERR(cy_config_check_number("no_such_key", 1, why), CY_ENOENT);
  /* check changes nothing; a valid value is 0 */
  ASSERT_ERR(cy_config_check_number("polling_fixed_interval", 3, why), 0);
  double v = 0;
  ASSERT_ERR(cy_config_get_number("polling_fixed_interval", &v), 0);
  ASSERT_NEAR(v, 10, EPS);
  cy_config_reset();
  return 0;
}

static int invalid_handles(void) {
  ASSERT(cy_polling_next_interval(NULL) < 0);
  cy_polling_record_completion(NULL);
  cy_polling_record_no_completion(NULL);
  cy_polling_reset(NULL);
  cy_polling p;
  memset(&p, 0, sizeof p);
  p.kind = 99;
  ASSERT(cy_polling_next_interval(&p) < 0);
  cy_polling_record_completion(&p);
  cy_polling_record_no_completion(&p);
  cy_polling_reset(&p);
  return 0;
}

CY_TEST_TABLE(polling) = {
    {"fixed_interval", fixed_interval, 0},
    {"adaptive_slowdown", adaptive_slowdown, 0},
    {"adaptive_speedup", adaptive_speedup, 0},
    {"adaptive_mixed", adaptive_mixed, 0},
    {"exponential_backoff", exponential_backoff, 0},
    {"progressive_levels", progressive_levels, 0},
    {"progressive_generated", progressive_generated, 0},
    {"registry_lookup", registry_lookup, 0},
    {"default_from_config", default_from_config, 0},
    {"params_from_config", params_from_config, 0},
    {"custom_vtable", custom_vtable, 0},
    {"params_check", params_check, 0},
    {"params_config_agree", params_config_agree, 0},
    {"invalid_handles", invalid_handles, 0},
    {0},
};
