/* The global config: built-ins, whole-struct validation, by-name access, and
 * consistency under concurrent writers. (The runner resets it before each test.) */
#include "runner.h"
#include "internal.h"

#include <math.h>

static int defaults(void) {
  cy_config c;
  cy_config_get(&c);
  ASSERT_NEAR(c.polling_fixed_interval, 10, 0);
  ASSERT_NEAR(c.polling_adaptive_min_interval, 1, 0);
  ASSERT_NEAR(c.polling_adaptive_max_interval, 100, 0);
  ASSERT_NEAR(c.polling_adaptive_initial_interval, 10, 0);
  ASSERT_NEAR(c.polling_adaptive_speedup, 0.7, 0);
  ASSERT_NEAR(c.polling_adaptive_slowdown, 1.3, 0);
  ASSERT_EQ(c.polling_adaptive_empty_checks, 3);
  ASSERT_NEAR(c.polling_exponential_initial_interval, 1, 0);
  ASSERT_NEAR(c.polling_exponential_max_interval, 1000, 0);
  ASSERT_NEAR(c.polling_exponential_multiplier, 2, 0);
  ASSERT_NEAR(c.polling_progressive_min_interval, 1, 0);
  ASSERT_NEAR(c.polling_progressive_max_interval, 100, 0);
  ASSERT_EQ(c.polling_progressive_checks_per_level, 5);
  ASSERT_STR(c.default_polling, "adaptive");
  ASSERT_EQ(c.progress_miniters, 1);

  cy_config s;
  cy__config_snapshot(&s);
  ASSERT(memcmp(&c, &s, sizeof c) == 0);
  return 0;
}

static int set_and_reset(void) {
  cy_config c;
  cy_config_get(&c);
  c.polling_fixed_interval = 3.5;
  c.progress_miniters = 50;
  strcpy(c.default_polling, "FiXeD");
  ASSERT_ERR(cy_config_set(&c), 0);

  cy_config r;
  cy_config_get(&r);
  ASSERT_NEAR(r.polling_fixed_interval, 3.5, 0);
  ASSERT_EQ(r.progress_miniters, 50);
  /* Stored under its canonical name. */
  ASSERT_STR(r.default_polling, "fixed");

  strcpy(c.default_polling, "exp");
  ASSERT_ERR(cy_config_set(&c), 0);
  cy_config_get(&r);
  ASSERT_STR(r.default_polling, "exponential");

  cy_config_reset();
  cy_config_get(&r);
  ASSERT_NEAR(r.polling_fixed_interval, 10, 0);
  ASSERT_EQ(r.progress_miniters, 1);
  ASSERT_STR(r.default_polling, "adaptive");

  ASSERT_ERR(cy_config_set(NULL), CY_EINVAL);
  cy_config_get(NULL);
  return 0;
}

/* Applies one bad change to the current config; expects CY_EINVAL and no change. */
#define REJECT(field_assignment)                                             \
  do {                                                                       \
    cy_config before, c, after;                                              \
    cy_config_get(&before);                                                  \
    c = before;                                                              \
    c.field_assignment;                                                      \
    ASSERT_ERR(cy_config_set(&c), CY_EINVAL);                                \
    cy_config_get(&after);                                                   \
    ASSERT(memcmp(&before, &after, sizeof before) == 0);                     \
  } while (0)

static int validation(void) {
  /* Move away from the built-ins first, so "unchanged" cannot mean "reset". */
  ASSERT_ERR(cy_config_set_number("polling_fixed_interval", 7), 0);

  REJECT(polling_fixed_interval = 0);
  REJECT(polling_fixed_interval = -1);
  REJECT(polling_fixed_interval = NAN);
  REJECT(polling_fixed_interval = INFINITY);
  REJECT(polling_adaptive_min_interval = 0);
  REJECT(polling_adaptive_min_interval = 11);       /* > initial 10 */
  REJECT(polling_adaptive_initial_interval = 0.5);  /* < min 1 */
  REJECT(polling_adaptive_initial_interval = 101);  /* > max 100 */
  REJECT(polling_adaptive_max_interval = 9);        /* < initial 10 */
  REJECT(polling_adaptive_max_interval = INFINITY);
  REJECT(polling_adaptive_speedup = 0);
  REJECT(polling_adaptive_speedup = -0.5);
  REJECT(polling_adaptive_speedup = 1.01);
  REJECT(polling_adaptive_speedup = NAN);
  REJECT(polling_adaptive_slowdown = 0.99);
  REJECT(polling_adaptive_slowdown = INFINITY);
  REJECT(polling_adaptive_slowdown = NAN);
  REJECT(polling_adaptive_empty_checks = 0);
  REJECT(polling_exponential_initial_interval = 0);
  REJECT(polling_exponential_initial_interval = 1001); /* > max */
  REJECT(polling_exponential_max_interval = NAN);
  REJECT(polling_exponential_multiplier = 0.5);
  REJECT(polling_exponential_multiplier = INFINITY);
  REJECT(polling_progressive_min_interval = -1);
  REJECT(polling_progressive_min_interval = 101);   /* > max */
  REJECT(polling_progressive_max_interval = 0.5);   /* < min */
  REJECT(polling_progressive_checks_per_level = 0);
  REJECT(progress_miniters = 0);
  REJECT(default_polling[0] = '\0');
  REJECT(default_polling[0] = 'x');                 /* "xdaptive" */
  REJECT(default_polling[8] = 'x');                 /* "adaptivex" */
  {
    cy_config c;
    cy_config_get(&c);
    memset(c.default_polling, 'a', sizeof c.default_polling);
    ASSERT_ERR(cy_config_set(&c), CY_EINVAL);
  }

  /* The boundaries themselves are allowed. */
  cy_config c;
  cy_config_get(&c);
  c.polling_adaptive_speedup = 1;
  c.polling_adaptive_slowdown = 1;
  c.polling_exponential_multiplier = 1;
  c.polling_adaptive_min_interval = c.polling_adaptive_initial_interval =
      c.polling_adaptive_max_interval = 10;
  c.polling_exponential_initial_interval = c.polling_exponential_max_interval = 5;
  c.polling_progressive_min_interval = c.polling_progressive_max_interval = 5;
  ASSERT_ERR(cy_config_set(&c), 0);
  return 0;
}

static int by_name(void) {
  double v = -1;
  ASSERT_ERR(cy_config_get_number("polling_fixed_interval", &v), 0);
  ASSERT_NEAR(v, 10, 0);
  ASSERT_ERR(cy_config_get_number("polling_adaptive_empty_checks", &v), 0);
  ASSERT_NEAR(v, 3, 0);
  ASSERT_ERR(cy_config_get_number("progress_miniters", &v), 0);
  ASSERT_NEAR(v, 1, 0);
  ASSERT_ERR(cy_config_get_number("polling_exponential_max_interval", &v), 0);
  ASSERT_NEAR(v, 1000, 0);

  ASSERT_ERR(cy_config_set_number("polling_fixed_interval", 25), 0);
  ASSERT_ERR(cy_config_get_number("polling_fixed_interval", &v), 0);
  ASSERT_NEAR(v, 25, 0);
  ASSERT_ERR(cy_config_set_number("progress_miniters", 100), 0);
  ASSERT_ERR(cy_config_set_number("polling_progressive_checks_per_level", 8), 0);
  cy_config c;
  cy_config_get(&c);
  ASSERT_NEAR(c.polling_fixed_interval, 25, 0);
  ASSERT_EQ(c.progress_miniters, 100);
  ASSERT_EQ(c.polling_progressive_checks_per_level, 8);

  ASSERT_ERR(cy_config_set_number("progress_miniters", 2.5), CY_EINVAL);
  ASSERT_ERR(cy_config_set_number("progress_miniters", 0), CY_EINVAL);
  ASSERT_ERR(cy_config_set_number("progress_miniters", -3), CY_EINVAL);
  ASSERT_ERR(cy_config_set_number("progress_miniters", NAN), CY_EINVAL);
  ASSERT_ERR(cy_config_set_number("progress_miniters", INFINITY), CY_EINVAL);
  ASSERT_ERR(cy_config_set_number("polling_adaptive_empty_checks", 4294967296.0), CY_EINVAL);
  ASSERT_ERR(cy_config_set_number("polling_adaptive_empty_checks", 1e300), CY_EINVAL);
  ASSERT_ERR(cy_config_set_number("polling_fixed_interval", NAN), CY_EINVAL);
  ASSERT_ERR(cy_config_set_number("polling_fixed_interval", 0), CY_EINVAL);
  /* Checked against the other fields: min 50 > initial 10. */
  ASSERT_ERR(cy_config_set_number("polling_adaptive_min_interval", 50), CY_EINVAL);

  ASSERT_ERR(cy_config_get_number("nope", &v), CY_ENOENT);
  ASSERT_ERR(cy_config_set_number("nope", 1), CY_ENOENT);
  ASSERT_ERR(cy_config_get_number("default_polling", &v), CY_ENOENT);
  ASSERT_ERR(cy_config_set_number("default_polling", 1), CY_ENOENT);
  ASSERT_ERR(cy_config_get_number("POLLING_FIXED_INTERVAL", &v), CY_ENOENT);
  ASSERT_ERR(cy_config_get_number(NULL, &v), CY_EINVAL);
  ASSERT_ERR(cy_config_set_number(NULL, 1), CY_EINVAL);
  ASSERT_ERR(cy_config_get_number("polling_fixed_interval", NULL), CY_EINVAL);

  cy_config after;
  cy_config_get(&after);
  ASSERT(memcmp(&c, &after, sizeof c) == 0);
  return 0;
}

#ifndef CY_NO_THREADS
#define ROUNDS 20000

/* Writes two self-consistent configs in turn: in A every interval field is
 * the built-in, in B every one is doubled. A reader must never see a mix. */
static void *flip(void *arg) {
  (void)arg;
  cy_config a, b;
  cy_config_reset();
  cy_config_get(&a);
  b = a;
  b.polling_fixed_interval *= 2;
  b.polling_adaptive_min_interval *= 2;
  b.polling_adaptive_initial_interval *= 2;
  b.polling_adaptive_max_interval *= 2;
  for (int i = 0; i < ROUNDS; i++) cy_config_set(i % 2 ? &b : &a);
  return NULL;
}

static void *bump_fixed(void *arg) {
  (void)arg;
  for (int i = 1; i <= ROUNDS; i++) cy_config_set_number("polling_progressive_max_interval", 100 + i);
  return NULL;
}

static void *bump_miniters(void *arg) {
  (void)arg;
  for (int i = 1; i <= ROUNDS; i++) cy_config_set_number("progress_miniters", i);
  return NULL;
}

static int concurrent(void) {
  pthread_t w;
  ASSERT_EQ(pthread_create(&w, NULL, flip, NULL), 0);
  int mixed = 0;
  for (int i = 0; i < ROUNDS; i++) {
    cy_config c;
    cy_config_get(&c);
    double k = c.polling_fixed_interval / 10;
    if (c.polling_adaptive_min_interval != k || c.polling_adaptive_initial_interval != 10 * k ||
        c.polling_adaptive_max_interval != 100 * k)
      mixed++;
  }
  pthread_join(w, NULL);
  ASSERT_EQ(mixed, 0);

  /* Two by-name writers on different keys: neither loses the other's writes. */
  cy_config_reset();
  pthread_t t1, t2;
  ASSERT_EQ(pthread_create(&t1, NULL, bump_fixed, NULL), 0);
  ASSERT_EQ(pthread_create(&t2, NULL, bump_miniters, NULL), 0);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  double v;
  ASSERT_ERR(cy_config_get_number("polling_progressive_max_interval", &v), 0);
  ASSERT_NEAR(v, 100 + ROUNDS, 0);
  ASSERT_ERR(cy_config_get_number("progress_miniters", &v), 0);
  ASSERT_NEAR(v, ROUNDS, 0);
  return 0;
}
#endif

CY_TEST_TABLE(config) = {
    {"defaults", defaults, 0},
    {"set_and_reset", set_and_reset, 0},
    {"validation", validation, 0},
    {"by_name", by_name, 0},
#ifndef CY_NO_THREADS
    {"concurrent", concurrent, 1},
#endif
    {0},
};
