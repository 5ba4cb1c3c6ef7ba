/*
 * Runs every table, or the tests whose "group/name" contains one of the
 * filters. Prints one line per test and closes with "N passed, N failed, N
 * skipped", the line CI reads. Exit status: 0 when nothing failed.
 *
 *   concurry_tests [--timeout-ms N] [--list] [--exact] [--no-fork] [--self-test] [FILTER...]
 *
 *   --timeout-ms N  each test's time limit (default 5000, or $CY_TEST_TIMEOUT_MS)
 *   --list          print the selected tests' names, run nothing
 *   --exact         a filter must be the whole "group/name"
 *   --no-fork       run the tests in this process (for a debugger); the
 *                   watchdog below still applies where there are threads
 *   --self-test     add the runner's own tests: runner/hangs never returns
 *                   (it shows the time limit at work) and runner/passes
 *
 * Time limits, after libuv's runner: a hung test must not stall the rest.
 *   - Where there is fork() (native, asan, tsan), each test runs in a child
 *     process; at the limit the parent kills it, prints
 *     "FAIL group/name (timed out after N ms)" and goes on with the next test.
 *     A test that crashes is reported the same way ("killed by signal N"),
 *     and LeakSanitizer checks each test on its own as its child exits.
 *   - Emscripten (threads, no fork): the tests run in this process under a
 *     watchdog thread which, at the limit, prints the same FAIL line and the
 *     summary and ends the process with status 1; the tests after the hung
 *     one are not run (ctest runs one group per process, so the rest of the
 *     suite still is).
 *   - WASI (neither): wasm/tests/wasi-isolate.mjs runs each test as its own
 *     instance in a worker thread (--list, then --exact per test) and stops
 *     it at the limit.
 */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"

#include <stdlib.h>
#include <time.h>

#if !defined(__EMSCRIPTEN__) && !defined(__wasi__)
#define CY_TEST_FORK 1
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif
#ifndef CY_NO_THREADS
#define CY_TEST_WATCHDOG 1 /* used when the tests run in this process */
#include <unistd.h>
#endif

#define GROUPS(X) \
  X(errors) X(future) X(callbacks) X(executor) X(wait) X(batch) X(gather) \
  X(polling) X(config) X(progress) X(stress) X(kernel) X(ring)

#define DECLARE(g) extern const cy_test_case cy_tests_##g[];
GROUPS(DECLARE)
#undef DECLARE

/* The runner's own tests, run only with --self-test. */
static int t_hangs(void) {
  for (;;) cy_test_sleep_ms(50);
  return 1;
}
static int t_passes(void) { return 0; }
static const cy_test_case cy_tests_runner[] = {
    {"hangs", t_hangs, 0},
    {"passes", t_passes, 0},
    {0, 0, 0},
};

static const struct { const char *group; const cy_test_case *tests; int self_test; } tables[] = {
#define ENTRY(g) {#g, cy_tests_##g, 0},
    GROUPS(ENTRY)
#undef ENTRY
    {"runner", cy_tests_runner, 1},
};

void cy_test_sleep_ms(double ms) {
  struct timespec ts;
  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
  nanosleep(&ts, NULL);
}

#ifndef CY_NO_THREADS
void *cy_test_complete_span(void *p) {
  cy_test_span *s = p;
  for (int i = 0; i < s->n; i++) cy_future_set_result(s->fs[i], NULL);
  return NULL;
}
#endif

typedef struct options {
  double timeout_ms;
  int list, exact, no_fork, self_test;
  int nfilters;
  char **filters;
} options;

static int selected(const options *o, const char *group, const char *name) {
  char full[256];
  if (o->nfilters == 0) return 1;
  snprintf(full, sizeof full, "%s/%s", group, name);
  for (int i = 0; i < o->nfilters; i++)
    if (o->exact ? strcmp(full, o->filters[i]) == 0 : strstr(full, o->filters[i]) != NULL)
      return 1;
  return 0;
}

static int usage(const char *argv0, const char *why) {
  fprintf(stderr, "%s: %s\nusage: %s [--timeout-ms N] [--list] [--exact] [--no-fork] "
          "[--self-test] [FILTER...]\n", argv0, why, argv0);
  return 2;
}

static int parse_ms(const char *s, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end || !(v > 0) || v > 86400000) return -1;
  *out = v;
  return 0;
}

/* Atomic: the watchdog thread reads them while the tests run. */
static atomic_int passed, failed, skipped;

/* Runs one test here, in this process: its return value. */
static int run_here(const cy_test_case *c) {
  cy_config_reset();
  return c->fn();
}

#ifdef CY_TEST_FORK
/* Runs the test in a child process; 0 when it passed, else 1 with *why set. */
static int run_isolated(const cy_test_case *c, double timeout_ms, char *why, size_t len) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(why, len, "fork failed");
    return 1;
  }
  if (pid == 0) exit(run_here(c) ? 1 : 0); /* exit, not _exit: LeakSanitizer runs at exit */
  double deadline = cy_now_ms() + timeout_ms, pause_ms = 0.05;
  int status;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0) {
      snprintf(why, len, "waitpid failed");
      return 1;
    }
    if (cy_now_ms() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      snprintf(why, len, "timed out after %g ms", timeout_ms);
      return 1;
    }
    /* Short first pauses keep quick tests quick; longer ones keep a slow
     * test from costing the parent a core. */
    cy_test_sleep_ms(pause_ms);
    if (pause_ms < 5) pause_ms *= 2;
  }
  if (WIFEXITED(status)) {
    if (WEXITSTATUS(status) == 0) return 0;
    if (WEXITSTATUS(status) != 1) snprintf(why, len, "exit status %d", WEXITSTATUS(status));
    return 1;
  }
  if (WIFSIGNALED(status)) snprintf(why, len, "killed by signal %d", WTERMSIG(status));
  return 1;
}
#endif

#ifdef CY_TEST_WATCHDOG
/* The test being run, for the watchdog: guarded by mu. */
static struct {
  pthread_mutex_t mu;
  const char *group, *name;
  double deadline; /* < 0: nothing running */
  double timeout_ms;
} watch = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, -1, 0};

static void *watchdog(void *arg) {
  (void)arg;
  for (;;) {
    cy_test_sleep_ms(20);
    pthread_mutex_lock(&watch.mu);
    if (watch.deadline >= 0 && cy_now_ms() >= watch.deadline) {
      printf("FAIL %s/%s (timed out after %g ms)\n", watch.group, watch.name, watch.timeout_ms);
      printf("%d passed, %d failed, %d skipped\n", atomic_load(&passed), atomic_load(&failed) + 1,
             atomic_load(&skipped));
      fflush(stdout);
      /* The hung test still runs on the main thread: end the process. */
      _exit(1);
    }
    pthread_mutex_unlock(&watch.mu);
  }
  return NULL;
}

static void watch_test(const char *group, const char *name, double timeout_ms) {
  pthread_mutex_lock(&watch.mu);
  watch.group = group;
  watch.name = name;
  watch.timeout_ms = timeout_ms;
  watch.deadline = group ? cy_now_ms() + timeout_ms : -1;
  pthread_mutex_unlock(&watch.mu);
}
#endif

int main(int argc, char **argv) {
  options o = {5000, 0, 0, 0, 0, 0, NULL};
  const char *env = getenv("CY_TEST_TIMEOUT_MS");
  if (env && *env && parse_ms(env, &o.timeout_ms))
    return usage(argv[0], "CY_TEST_TIMEOUT_MS must be a number of ms > 0");
  o.filters = calloc((size_t)argc, sizeof *o.filters);
  if (!o.filters) return 2;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--timeout-ms") == 0) {
      if (i + 1 == argc || parse_ms(argv[++i], &o.timeout_ms))
        return usage(argv[0], "--timeout-ms needs a number of ms > 0");
    } else if (strcmp(a, "--list") == 0) o.list = 1;
    else if (strcmp(a, "--exact") == 0) o.exact = 1;
    else if (strcmp(a, "--no-fork") == 0) o.no_fork = 1;
    else if (strcmp(a, "--self-test") == 0) o.self_test = 1;
    else if (strncmp(a, "--", 2) == 0) return usage(argv[0], "unknown option");
    else o.filters[o.nfilters++] = argv[i];
  }
  setvbuf(stdout, NULL, _IONBF, 0);

  int in_process = 1;
#ifdef CY_TEST_FORK
  in_process = o.no_fork;
#endif
  (void)in_process; /* WASI: always in process, nothing to decide */
#ifdef CY_TEST_WATCHDOG
  if (!o.list && in_process) {
    pthread_t th;
    if (pthread_create(&th, NULL, watchdog, NULL) != 0) {
      fprintf(stderr, "cannot start the watchdog thread\n");
      return 2;
    }
    pthread_detach(th);
  }
#endif

  for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
    if (tables[t].self_test && !o.self_test) continue;
    const char *group = tables[t].group;
    for (const cy_test_case *c = tables[t].tests; c->name; c++) {
      if (!selected(&o, group, c->name)) continue;
      if (o.list) {
        printf("%s/%s\n", group, c->name);
        continue;
      }
      if (c->needs_threads && !cy_has_threads()) {
        printf("skip %s/%s (no threads in this build)\n", group, c->name);
        skipped++;
        continue;
      }
      char why[64] = "";
      double t0 = cy_now_ms();
      int rc;
#ifdef CY_TEST_FORK
      if (!in_process) rc = run_isolated(c, o.timeout_ms, why, sizeof why);
      else
#endif
      {
#ifdef CY_TEST_WATCHDOG
        watch_test(group, c->name, o.timeout_ms);
#endif
        rc = run_here(c);
#ifdef CY_TEST_WATCHDOG
        watch_test(NULL, NULL, 0);
#endif
      }
      double dt = cy_now_ms() - t0;
      if (why[0]) printf("FAIL %s/%s (%s)\n", group, c->name, why);
      else printf("%s %s/%s (%.1f ms)\n", rc ? "FAIL" : "ok  ", group, c->name, dt);
      if (rc) failed++; else passed++;
    }
  }
  free(o.filters);
  if (o.list) return 0;
  printf("%d passed, %d failed, %d skipped\n", atomic_load(&passed), atomic_load(&failed),
         atomic_load(&skipped));
  return atomic_load(&failed) ? 1 : 0;
}
