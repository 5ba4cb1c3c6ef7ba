/* Kernels (concurry-kernels.h): the registry (also a kernel linked in with
 * CY_KERNEL_EXPORT, as a user of the library would), the built-ins' values,
 * calls on pools (value, output, failure codes), stop of queued and running
 * calls (cancel and timeout), pool counters and signal, inline pools. */
#include "runner.h"
#include "concurry-kernels.h"

/* A user's kernel, registered before main() by the constructor the macro
 * makes: value = a + b. */
static int user_add(cy_kernel_call *c) {
  if (cy_kernel_nargs(c) != 2) return 7;
  cy_kernel_set_value(c, cy_kernel_arg(c, 0) + cy_kernel_arg(c, 1));
  return 0;
}
CY_KERNEL_EXPORT("test_user_add", user_add)

static int other(cy_kernel_call *c) {
  (void)c;
  return 0;
}

/* Makes output, then fails: nobody may read that output. */
static int output_then_fail(cy_kernel_call *c) {
  unsigned char *p = cy_kernel_output(c, 64);
  if (p) p[0] = 1;
  return 9;
}

static int start(cy_kernel_call **out, cy_kernel_pool *pool, const char *name, double a, double b, size_t n) {
  double args[2] = {a, b};
  return cy_kernel_call_start(out, pool, name, args, n, NULL, 0);
}

/* The value of a call that must succeed, or NaN. */
static double value_of(cy_kernel_pool *pool, const char *name, const double *args, size_t n) {
  cy_kernel_call *c;
  if (cy_kernel_call_start(&c, pool, name, args, n, NULL, 0) != 0) return NAN;
  double v = NAN;
  if (cy_future_result(cy_kernel_call_future(c), 10000, NULL) == 0) v = cy_kernel_call_value(c);
  cy_kernel_call_release(c);
  return v;
}

static int t_registry(void) {
  ASSERT_ERR(cy_kernels_register_builtin(), 0);
  ASSERT_ERR(cy_kernels_register_builtin(), 0); /* idempotent */
  ASSERT(cy_kernel_lookup("primes") != NULL);
  ASSERT(cy_kernel_lookup("test_user_add") == user_add); /* the constructor ran */
  ASSERT_PTR(cy_kernel_lookup("nope"), NULL);
  ASSERT_PTR(cy_kernel_lookup(NULL), NULL);
  ASSERT_ERR(cy_kernel_register("test_user_add", user_add), 0);
  ASSERT_ERR(cy_kernel_register("test_user_add", other), CY_EINVALSTATE);
  ASSERT_ERR(cy_kernel_register("primes", other), CY_EINVALSTATE);
  ASSERT_ERR(cy_kernel_register("", other), CY_EINVAL);
  ASSERT_ERR(cy_kernel_register("9lives", other), CY_EINVAL);
  ASSERT_ERR(cy_kernel_register("has space", other), CY_EINVAL);
  ASSERT_ERR(cy_kernel_register("dash-ed", other), CY_EINVAL);
  ASSERT_ERR(cy_kernel_register(NULL, other), CY_EINVAL);
  ASSERT_ERR(cy_kernel_register("ok_name", NULL), CY_EINVAL);
  char longname[CY_KERNEL_NAME_MAX + 2];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  ASSERT_ERR(cy_kernel_register(longname, other), CY_EINVAL);
  longname[CY_KERNEL_NAME_MAX] = '\0';
  ASSERT_ERR(cy_kernel_register(longname, other), 0);
  ASSERT(cy_kernel_lookup(longname) == other);
  size_t n = cy_kernel_count();
  int seen_fib = 0, seen_user = 0;
  for (size_t i = 0; i < n; i++) {
    ASSERT(cy_kernel_name(i) != NULL);
    seen_fib += strcmp(cy_kernel_name(i), "fib") == 0;
    seen_user += strcmp(cy_kernel_name(i), "test_user_add") == 0;
  }
  ASSERT_EQ(seen_fib, 1);
  ASSERT_EQ(seen_user, 1);
  ASSERT_PTR(cy_kernel_name(n), NULL);
  return 0;
}

static int check_builtins(int nthreads) {
  ASSERT_ERR(cy_kernels_register_builtin(), 0);
  cy_kernel_pool *pool = cy_kernel_pool_new(nthreads);
  ASSERT(pool != NULL);
  double a[7];
  a[0] = 0, a[1] = 100;
  ASSERT(value_of(pool, "primes", a, 2) == 25);
  a[0] = 100, a[1] = 200;
  ASSERT(value_of(pool, "primes", a, 2) == 21);
  a[0] = 20;
  ASSERT(value_of(pool, "fib", a, 1) == 6765);
  a[0] = 0;
  ASSERT(value_of(pool, "fib", a, 1) == 0);
  a[0] = 2, a[1] = 40;
  ASSERT(value_of(pool, "test_user_add", a, 2) == 42);
  a[0] = 1.5, a[1] = -0.25;
  ASSERT(value_of(pool, "add", a, 2) == 1.25);
  a[0] = 2, a[1] = 17;
  ASSERT(value_of(pool, "sleepThen", a, 2) == 17);
  a[0] = 3;
  ASSERT(value_of(pool, "spin", a, 1) == 3);
  ASSERT(value_of(pool, "sleep", a, 1) == 3);

  /* mandelbrot: the output is the tile, the value the iterations summed. */
  double m[7] = {8, 4, -2, -1, 1, 1, 50};
  cy_kernel_call *c;
  ASSERT_ERR(cy_kernel_call_start(&c, pool, "mandelbrot", m, 7, NULL, 0), 0);
  ASSERT_ERR(cy_future_result(cy_kernel_call_future(c), 10000, NULL), 0);
  ASSERT_EQ(cy_kernel_call_output_len(c), 32);
  const unsigned char *px = cy_kernel_call_output(c);
  ASSERT_LT(px[0], 20);         /* -2-1i escapes at once */
  ASSERT_EQ(px[2 * 8 + 5], 255); /* ~0.14+0.33i is inside */
  ASSERT(cy_kernel_call_value(c) > 50);
  cy_kernel_call_release(c);

  /* sum_bytes: input bytes in, their sum times k out (no output bytes). */
  unsigned char in[4] = {1, 2, 3, 250};
  double k = 2;
  ASSERT_ERR(cy_kernel_call_start(&c, pool, "sum_bytes", &k, 1, in, sizeof in), 0);
  ASSERT_ERR(cy_future_result(cy_kernel_call_future(c), 10000, NULL), 0);
  ASSERT(cy_kernel_call_value(c) == 512);
  ASSERT_EQ(cy_kernel_call_output_len(c), 0);
  /* The input copy is freed when the kernel returns, before the future is
   * completed: a call its caller keeps holds no input (JS futures keep
   * theirs until collected). */
  size_t in_len = 99;
  ASSERT_PTR(cy_kernel_input(c, &in_len), NULL);
  ASSERT_EQ(in_len, 0);
  cy_kernel_call_release(c);

  /* reverse_bytes: input bytes in, reversed bytes out. */
  ASSERT_ERR(cy_kernel_call_start(&c, pool, "reverse_bytes", NULL, 0, in, sizeof in), 0);
  ASSERT_ERR(cy_future_result(cy_kernel_call_future(c), 10000, NULL), 0);
  ASSERT_EQ(cy_kernel_call_output_len(c), 4);
  ASSERT_EQ(((const unsigned char *)cy_kernel_call_output(c))[0], 250);
  ASSERT_EQ(((const unsigned char *)cy_kernel_call_output(c))[3], 1);
  cy_kernel_call_release(c);

  /* Failures keep their code; bad arguments are CY_EINVAL. */
  ASSERT_ERR(start(&c, pool, "fail", 42, 0, 1), 0);
  ASSERT_ERR(cy_future_result(cy_kernel_call_future(c), 10000, NULL), 42);
  ASSERT_EQ(cy_future_state(cy_kernel_call_future(c)), CY_STATE_FAILED);
  cy_kernel_call_release(c);
  ASSERT_ERR(start(&c, pool, "fib", 79, 0, 1), 0);
  ASSERT_ERR(cy_future_result(cy_kernel_call_future(c), 10000, NULL), CY_EINVAL);
  cy_kernel_call_release(c);
  ASSERT_ERR(start(&c, pool, "primes", 5, 1, 2), 0); /* hi < lo */
  ASSERT_ERR(cy_future_result(cy_kernel_call_future(c), 10000, NULL), CY_EINVAL);
  cy_kernel_call_release(c);
  ASSERT_ERR(start(&c, pool, "test_user_add", 1, 0, 1), 0);
  ASSERT_ERR(cy_future_result(cy_kernel_call_future(c), 10000, NULL), 7);
  cy_kernel_call_release(c);

  uint32_t st[5];
  cy_kernel_pool_stats(pool, st);
  ASSERT_EQ(st[0], 0);
  ASSERT_EQ(st[1], 0);
  ASSERT_EQ(st[2], 12);
  ASSERT_EQ(st[3], 4);
  ASSERT_EQ(st[4], 0);
  cy_kernel_pool_free(pool);
  return 0;
}

static int t_builtins_pool(void) { return check_builtins(2); }
static int t_builtins_inline(void) { return check_builtins(0); }

static int t_invalid(void) {
  ASSERT_ERR(cy_kernels_register_builtin(), 0);
  cy_kernel_pool *pool = cy_kernel_pool_new(0);
  cy_kernel_call *c = (cy_kernel_call *)1;
  ASSERT_ERR(start(&c, pool, "no_such_kernel", 0, 0, 0), CY_ENOENT);
  ASSERT_PTR(c, NULL);
  ASSERT_ERR(start(&c, NULL, "fib", 1, 0, 1), CY_EINVAL);
  ASSERT_ERR(start(&c, pool, NULL, 1, 0, 1), CY_EINVAL);
  ASSERT_ERR(cy_kernel_call_start(NULL, pool, "fib", NULL, 0, NULL, 0), CY_EINVAL);
  ASSERT_ERR(cy_kernel_call_start(&c, pool, "fib", NULL, 1, NULL, 0), CY_EINVAL);
  ASSERT_ERR(cy_kernel_call_start(&c, pool, "sum_bytes", NULL, 0, NULL, 3), CY_EINVAL);
  ASSERT_PTR(cy_kernel_pool_new(-1), NULL);
  ASSERT_ERR(cy_kernel_call_stop(NULL, CY_ECANCELED), CY_EINVAL);
  ASSERT_ERR(cy_kernel_pool_stop_all(pool, 0), CY_EINVAL);
  ASSERT_ERR(start(&c, pool, "fib", 3, 0, 1), 0);
  ASSERT_ERR(cy_kernel_call_stop(c, 5), CY_EINVAL);
  /* Inline: done at start; a stop comes too late. */
  ASSERT_EQ(cy_future_state(cy_kernel_call_future(c)), CY_STATE_SUCCEEDED);
  ASSERT_ERR(cy_kernel_call_stop(c, CY_ECANCELED), CY_EINVALSTATE);
  ASSERT_EQ(cy_kernel_call_stopped(c), 0);
  ASSERT(cy_kernel_call_value(c) == 2);
  cy_kernel_call_release(c);
  cy_kernel_call_release(NULL);
  cy_kernel_pool_free(pool);
  cy_kernel_pool_free(NULL);
  return 0;
}

/* A pool asked for threads in a build without them runs inline: its warm-up
 * has nothing to wait for (it would sit out the barrier's 60 s otherwise). */
static int t_warm_no_threads(void) {
  cy_kernel_pool *pool = cy_kernel_pool_new(3);
  cy_kernel_call *c[3] = {0};
  int n = cy_kernel_pool_warm(pool, c);
  ASSERT_EQ(n, cy_has_threads() ? 3 : 0);
  for (int i = 0; i < n; i++) {
    ASSERT_ERR(cy_future_result(cy_kernel_call_future(c[i]), 10000, NULL), 0);
    cy_kernel_call_release(c[i]);
  }
  cy_kernel_pool_free(pool);
  return 0;
}

#ifndef CY_NO_THREADS
/* Waits up to 5 s for the task of c to end. */
static int task_ends(cy_kernel_call *c) {
  double end = cy_now_ms() + 5000;
  while (cy_kernel_call_task_state(c) < CY_STATE_SUCCEEDED && cy_now_ms() < end) cy_test_sleep_ms(1);
  return cy_kernel_call_task_state(c) >= CY_STATE_SUCCEEDED;
}

static int t_stop_queued_and_running(void) {
  ASSERT_ERR(cy_kernels_register_builtin(), 0);
  cy_kernel_pool *pool = cy_kernel_pool_new(1);
  cy_kernel_call *run, *queued, *timed;
  ASSERT_ERR(start(&run, pool, "sleep", 60000, 0, 1), 0);
  ASSERT_ERR(start(&queued, pool, "fib", 10, 0, 1), 0);
  ASSERT_ERR(start(&timed, pool, "fib", 10, 0, 1), 0);
  double end = cy_now_ms() + 5000;
  while (cy_kernel_call_task_state(run) != CY_STATE_RUNNING && cy_now_ms() < end) cy_test_sleep_ms(1);
  ASSERT_EQ(cy_kernel_call_task_state(run), CY_STATE_RUNNING);
  uint32_t st[5];
  cy_kernel_pool_stats(pool, st);
  ASSERT_EQ(st[0], 2);
  ASSERT_EQ(st[1], 1);

  /* Queued: removed at once, its task never runs. */
  uint32_t sig = *cy_kernel_pool_signal(pool);
  ASSERT_ERR(cy_kernel_call_stop(queued, CY_ECANCELED), 0);
  ASSERT_EQ(cy_future_state(cy_kernel_call_future(queued)), CY_STATE_CANCELLED);
  ASSERT_EQ(cy_kernel_call_task_state(queued), CY_STATE_CANCELLED);
  ASSERT_EQ(cy_kernel_call_stopped(queued), CY_ECANCELED);
  ASSERT_ERR(cy_kernel_call_stop(queued, CY_ECANCELED), CY_EINVALSTATE);
  ASSERT_NE(*cy_kernel_pool_signal(pool), sig);

  /* Timed out while queued: failed with CY_ETIMEDOUT. */
  ASSERT_ERR(cy_kernel_call_stop(timed, CY_ETIMEDOUT), 0);
  ASSERT_ERR(cy_future_result(cy_kernel_call_future(timed), 0, NULL), CY_ETIMEDOUT);
  ASSERT_EQ(cy_kernel_call_stopped(timed), CY_ETIMEDOUT);

  /* Running: the future is decided at once; the kernel sees the flag and
   * returns within a slice, long before its 60 s. */
  double t0 = cy_now_ms();
  ASSERT_ERR(cy_kernel_call_stop(run, CY_ECANCELED), 0);
  ASSERT_EQ(cy_future_state(cy_kernel_call_future(run)), CY_STATE_CANCELLED);
  ASSERT(task_ends(run));
  ASSERT_LT(cy_now_ms() - t0, 2000);
  ASSERT_EQ(cy_kernel_call_task_state(run), CY_STATE_FAILED); /* returned CY_ECANCELED */

  cy_kernel_pool_stats(pool, st);
  ASSERT_EQ(st[0], 0);
  ASSERT_EQ(st[1], 0);
  ASSERT_EQ(st[2], 0);
  ASSERT_EQ(st[3], 1); /* the timeout */
  ASSERT_EQ(st[4], 2);
  cy_kernel_call_release(run);
  cy_kernel_call_release(queued);
  cy_kernel_call_release(timed);
  cy_kernel_pool_free(pool);
  return 0;
}

/* What cy_kernel_call_task_state reports is already in the pool's counters:
 * seen running, the call counts as running (not queued); seen done, as
 * finished (neither). The executor marks a task running before the kernel's
 * counters move and done before its done-callback moves them; reporting the
 * task's own state made a caller that polls it see a done call still running
 * now and then. Polled without sleeping, many times, to land in that window. */
static int t_task_state_counted(void) {
  ASSERT_ERR(cy_kernels_register_builtin(), 0);
  cy_kernel_pool *pool = cy_kernel_pool_new(1);
  uint32_t st[5];
  enum { N = 300 };
  for (int i = 0; i < N; i++) {
    cy_kernel_call *c;
    ASSERT_ERR(start(&c, pool, i % 2 ? "sleep" : "fib", i % 2 ? 60000 : 3, 0, 1), 0);
    int s;
    double end = cy_now_ms() + 5000;
    while ((s = cy_kernel_call_task_state(c)) == CY_STATE_PENDING && cy_now_ms() < end) {}
    cy_kernel_pool_stats(pool, st);
    /* fib may have ended since (running 0 or 1); sleep runs until stopped. */
    if (s == CY_STATE_RUNNING) ASSERT_EQ(st[0], 0);
    if (i % 2) ASSERT_EQ(st[1], 1);
    if (i % 2) ASSERT_ERR(cy_kernel_call_stop(c, CY_ECANCELED), 0);
    while (cy_kernel_call_task_state(c) < CY_STATE_SUCCEEDED && cy_now_ms() < end) {}
    cy_kernel_pool_stats(pool, st);
    ASSERT_EQ(st[0] + st[1], 0);
    ASSERT_EQ(st[2] + st[3] + st[4], (uint32_t)i + 1);
    cy_kernel_call_release(c);
  }
  cy_kernel_pool_free(pool);
  return 0;
}

static int t_stop_all_and_free(void) {
  ASSERT_ERR(cy_kernels_register_builtin(), 0);
  cy_kernel_pool *pool = cy_kernel_pool_new(2);
  enum { N = 6 };
  cy_kernel_call *c[N];
  for (int i = 0; i < N; i++) ASSERT_ERR(start(&c[i], pool, "spin", 60000, 0, 1), 0);
  /* Calls released early still end properly (the task holds its own reference). */
  cy_kernel_call_release(c[5]);
  ASSERT_EQ(cy_kernel_pool_stop_all(pool, CY_ECANCELED), N);
  ASSERT_EQ(cy_kernel_pool_stop_all(pool, CY_ECANCELED), 0);
  for (int i = 0; i < N - 1; i++) ASSERT_EQ(cy_future_state(cy_kernel_call_future(c[i])), CY_STATE_CANCELLED);
  double t0 = cy_now_ms();
  cy_kernel_pool_free(pool); /* the two running spins return at the flag */
  ASSERT_LT(cy_now_ms() - t0, 2000);
  for (int i = 0; i < N - 1; i++) {
    ASSERT(cy_kernel_call_task_state(c[i]) >= CY_STATE_SUCCEEDED);
    cy_kernel_call_release(c[i]);
  }
  return 0;
}

/* Warm-up: one call per thread, done only once every thread took one. */
static int t_warm(void) {
  cy_kernel_pool *pool = cy_kernel_pool_new(3);
  cy_kernel_call *c[3];
  ASSERT_EQ(cy_kernel_pool_warm(pool, c), 3);
  for (int i = 0; i < 3; i++) {
    ASSERT_ERR(cy_future_result(cy_kernel_call_future(c[i]), 10000, NULL), 0);
    cy_kernel_call_release(c[i]);
  }
  uint32_t st[5];
  cy_kernel_pool_stats(pool, st);
  ASSERT_EQ(st[2], 3);
  ASSERT_ERR(cy_kernel_pool_warm(NULL, c), CY_EINVAL);
  cy_kernel_pool_free(pool);
  cy_kernel_pool *inline_pool = cy_kernel_pool_new(0);
  ASSERT_EQ(cy_kernel_pool_warm(inline_pool, NULL), 0);
  cy_kernel_pool_free(inline_pool);
  return 0;
}


/* Many short calls on 4 threads, each waited and released, some stopped
 * at random points: counts add up and nothing leaks (asan). */
static int t_many(void) {
  ASSERT_ERR(cy_kernels_register_builtin(), 0);
  cy_kernel_pool *pool = cy_kernel_pool_new(4);
  enum { N = 2000 };
  static cy_kernel_call *c[N];
  for (int i = 0; i < N; i++) ASSERT_ERR(start(&c[i], pool, "primes", 0, 200, 2), 0);
  int stopped = 0;
  for (int i = 0; i < N; i += 7) stopped += cy_kernel_call_stop(c[i], i % 2 ? CY_ECANCELED : CY_ETIMEDOUT) == 0;
  for (int i = 0; i < N; i++) {
    int rc = cy_future_result(cy_kernel_call_future(c[i]), 10000, NULL);
    ASSERT(rc == 0 || rc == CY_ECANCELED || rc == CY_ETIMEDOUT);
    if (rc == 0) ASSERT(cy_kernel_call_value(c[i]) == 46);
    ASSERT(task_ends(c[i]));
  }
  uint32_t st[5];
  cy_kernel_pool_stats(pool, st);
  ASSERT_EQ(st[0] + st[1], 0);
  ASSERT_EQ(st[2] + st[3] + st[4], N);
  ASSERT_EQ(st[2], N - stopped);
  for (int i = 0; i < N; i++) cy_kernel_call_release(c[i]);
  cy_kernel_pool_free(pool);
  return 0;
}
#endif

/* A call that failed keeps no output (nor input): both are freed when the
 * kernel returns, so a caller that keeps the call holds no bytes. */
static int t_failed_call_frees_bytes(void) {
  ASSERT_ERR(cy_kernel_register("test_output_then_fail", output_then_fail), 0);
  cy_kernel_pool *pool = cy_kernel_pool_new(0);
  ASSERT(pool != NULL);
  unsigned char in[16] = {0};
  cy_kernel_call *c;
  ASSERT_ERR(cy_kernel_call_start(&c, pool, "test_output_then_fail", NULL, 0, in, sizeof in), 0);
  ASSERT_ERR(cy_future_result(cy_kernel_call_future(c), 10000, NULL), 9);
  ASSERT_PTR(cy_kernel_call_output(c), NULL);
  ASSERT_EQ(cy_kernel_call_output_len(c), 0);
  ASSERT_PTR(cy_kernel_input(c, NULL), NULL);
  cy_kernel_call_release(c);
  cy_kernel_pool_free(pool);
  return 0;
}

CY_TEST_TABLE(kernel) = {
    {"registry", t_registry, 0},
    {"builtins_pool", t_builtins_pool, 1},
    {"builtins_inline", t_builtins_inline, 0},
    {"invalid", t_invalid, 0},
    {"warm_no_threads", t_warm_no_threads, 0},
    {"failed_call_frees_bytes", t_failed_call_frees_bytes, 0},
#ifndef CY_NO_THREADS
    {"stop_queued_and_running", t_stop_queued_and_running, 1},
    {"task_state_counted", t_task_state_counted, 1},
    {"stop_all_and_free", t_stop_all_and_free, 1},
    {"many", t_many, 1},
    {"warm", t_warm, 1},
#endif
    {0, 0, 0}};
