/* The batch check: done flags of n futures in one call. */
#include "runner.h"

#include <stdlib.h>

static int t_flags_and_count(void) {
  enum { N = 1000 };
  cy_future **fs = malloc(N * sizeof *fs);
  unsigned char *flags = malloc(N);
  for (int i = 0; i < N; i++) {
    fs[i] = cy_future_new();
    if (i % 3 == 0) cy_future_set_result(fs[i], NULL);
    else if (i % 3 == 1 && i % 2 == 0) cy_future_cancel(fs[i]);
  }
  size_t expect = 0;
  for (int i = 0; i < N; i++) expect += (i % 3 == 0) || (i % 3 == 1 && i % 2 == 0);
  ASSERT_EQ(cy_check_batch(fs, N, flags), expect);
  for (int i = 0; i < N; i++) ASSERT_EQ(flags[i], (i % 3 == 0) || (i % 3 == 1 && i % 2 == 0));
  ASSERT_EQ(cy_check_batch(fs, N, NULL), expect);
  for (int i = 0; i < N; i++) cy_future_release(fs[i]);
  free(fs);
  free(flags);
  return 0;
}

static int never(void *arg, int *code, void **value) {
  (void)arg; (void)code; (void)value;
  return 1; /* would complete it, but the batch check must not call probes */
}

static int t_does_not_probe(void) {
  cy_future *f = cy_future_new_probe(never, NULL);
  unsigned char flag = 9;
  ASSERT_EQ(cy_check_batch(&f, 1, &flag), 0);
  ASSERT_EQ(flag, 0);
  ASSERT_EQ(cy_future_done(f), 0);
  cy_future_release(f);
  return 0;
}

static int t_empty_and_null(void) {
  ASSERT_EQ(cy_check_batch(NULL, 5, NULL), 0);
  cy_future *f = NULL;
  unsigned char flag = 9;
  ASSERT_EQ(cy_check_batch(&f, 1, &flag), 0); /* a NULL entry is not done */
  ASSERT_EQ(flag, 0);
  return 0;
}

CY_TEST_TABLE(batch) = {
    {"flags_and_count", t_flags_and_count, 0},
    {"does_not_probe", t_does_not_probe, 0},
    {"empty_and_null", t_empty_and_null, 0},
    {0, 0, 0}};
