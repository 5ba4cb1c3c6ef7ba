/*
 * A small test runner in the libuv manner: one binary, a table of tests per
 * concern (test-*.c), assertions that print both sides and abort the test.
 *
 * Each test is a function returning 0; an assertion failure prints
 * file:line, the expression and both values, then returns 1 from the test.
 * Tests run one at a time, in table order, each under a time limit (5 s by
 * default): in a child process of its own where there is fork(), else as
 * runner.c describes. A test must not depend on another having run.
 */
#ifndef CY_TEST_RUNNER_H
#define CY_TEST_RUNNER_H

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "concurry.h"

/* The WASI build has no threads; tests that need them are compiled out and
 * skipped (needs_threads) there. */
#if defined(__wasi__) && !defined(_REENTRANT)
#define CY_NO_THREADS 1
#else
#include <pthread.h>
#endif

typedef int (*cy_test_fn)(void);
typedef struct cy_test_case {
  const char *name;
  cy_test_fn fn;
  int needs_threads; /* skipped (and said so) in a build without threads */
} cy_test_case;

/* One table per test file, ended by {0}. Listed in runner.c. */
#define CY_TEST_TABLE(group) const cy_test_case cy_tests_##group[]

#define CY__FAIL(fmt, ...)                                                   \
  do {                                                                       \
    fprintf(stderr, "  %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);  \
    return 1;                                                                \
  } while (0)

#define ASSERT(expr)                                                         \
  do {                                                                       \
    if (!(expr)) CY__FAIL("assertion failed: %s", #expr);                    \
  } while (0)

#define ASSERT_INT(a, op, b)                                                 \
  do {                                                                       \
    long long a_ = (long long)(a), b_ = (long long)(b);                      \
    if (!(a_ op b_))                                                         \
      CY__FAIL("%s %s %s: %lld vs %lld", #a, #op, #b, a_, b_);              \
  } while (0)

#define ASSERT_EQ(a, b) ASSERT_INT(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_INT(a, !=, b)
#define ASSERT_LT(a, b) ASSERT_INT(a, <, b)
#define ASSERT_LE(a, b) ASSERT_INT(a, <=, b)
#define ASSERT_GT(a, b) ASSERT_INT(a, >, b)
#define ASSERT_GE(a, b) ASSERT_INT(a, >=, b)

/* Error codes compared by name, so a failure reads "CY_ETIMEDOUT vs 0". */
#define ASSERT_ERR(a, b)                                                     \
  do {                                                                       \
    int a_ = (int)(a), b_ = (int)(b);                                        \
    if (a_ != b_)                                                            \
      CY__FAIL("%s == %s: %s (%d) vs %s (%d)", #a, #b, cy_err_name(a_), a_, \
               cy_err_name(b_), b_);                                         \
  } while (0)

#define ASSERT_PTR(a, b)                                                     \
  do {                                                                       \
    const void *a_ = (const void *)(a), *b_ = (const void *)(b);             \
    if (a_ != b_) CY__FAIL("%s == %s: %p vs %p", #a, #b, a_, b_);           \
  } while (0)

#define ASSERT_NEAR(a, b, eps)                                               \
  do {                                                                       \
    double a_ = (double)(a), b_ = (double)(b);                               \
    if (!(fabs(a_ - b_) <= (eps)))                                           \
      CY__FAIL("%s ~= %s: %.9g vs %.9g (eps %g)", #a, #b, a_, b_, (double)(eps)); \
  } while (0)

#define ASSERT_STR(a, b)                                                     \
  do {                                                                       \
    const char *a_ = (a), *b_ = (b);                                         \
    if (!a_ || !b_ || strcmp(a_, b_) != 0)                                   \
      CY__FAIL("%s == %s: \"%s\" vs \"%s\"", #a, #b, a_ ? a_ : "(null)",    \
               b_ ? b_ : "(null)");                                          \
  } while (0)

/* Sleeps ms milliseconds (tests only; the library never sleeps to wait). */
void cy_test_sleep_ms(double ms);

#ifndef CY_NO_THREADS
/* n futures a thread completes (with a NULL result) in order:
 * pthread_create(&th, NULL, cy_test_complete_span, &span). */
typedef struct cy_test_span { cy_future **fs; int n; } cy_test_span;
void *cy_test_complete_span(void *span);
#endif

#endif
