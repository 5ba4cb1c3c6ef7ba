/* Progress cadence (cy__progress_*) and the text bar. */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"
#include "internal.h"

#include <stdlib.h>

typedef struct {
  cy_progress r[64];
  int n;
} recorder;

static void record(const cy_progress *p, void *arg) {
  recorder *rec = arg;
  if (rec->n < 64) rec->r[rec->n] = *p;
  rec->n++;
}

#define ASSERT_REPORT(rec, i, c, f, t, fin)                                  \
  do {                                                                       \
    ASSERT_EQ((rec).r[i].completed, c);                                      \
    ASSERT_EQ((rec).r[i].failed, f);                                         \
    ASSERT_EQ((rec).r[i].total, t);                                          \
    ASSERT_EQ((rec).r[i].final, fin);                                        \
  } while (0)

static int every_completion(void) {
  recorder rec = {.n = 0};
  cy__progress_state ps;
  cy__progress_start(&ps, record, &rec, 1, 3, cy_now_ms());
  cy__progress_update(&ps, 0, 0);
  ASSERT_EQ(rec.n, 0);
  cy__progress_update(&ps, 1, 0);
  cy__progress_update(&ps, 1, 0); /* same counts: nothing new to say */
  cy__progress_update(&ps, 2, 1);
  cy__progress_update(&ps, 3, 1);
  ASSERT_EQ(rec.n, 3);
  cy__progress_finish(&ps, 3, 1);
  ASSERT_EQ(rec.n, 4);
  ASSERT_REPORT(rec, 0, 1, 0, 3, 0);
  ASSERT_REPORT(rec, 1, 2, 1, 3, 0);
  ASSERT_REPORT(rec, 2, 3, 1, 3, 0);
  /* The final report comes even though it repeats the last counts. */
  ASSERT_REPORT(rec, 3, 3, 1, 3, 1);
  return 0;
}

static int every_third(void) {
  recorder rec = {.n = 0};
  cy__progress_state ps;
  cy__progress_start(&ps, record, &rec, 3, 10, cy_now_ms());
  for (size_t i = 1; i <= 10; i++) cy__progress_update(&ps, i, i / 4);
  ASSERT_EQ(rec.n, 3);
  ASSERT_REPORT(rec, 0, 3, 0, 10, 0);
  ASSERT_REPORT(rec, 1, 6, 1, 10, 0);
  ASSERT_REPORT(rec, 2, 9, 2, 10, 0);
  cy__progress_finish(&ps, 10, 2);
  ASSERT_EQ(rec.n, 4);
  ASSERT_REPORT(rec, 3, 10, 2, 10, 1);
  return 0;
}

static int jumps(void) {
  /* Several completions seen at once count as one step of that size. */
  recorder rec = {.n = 0};
  cy__progress_state ps;
  cy__progress_start(&ps, record, &rec, 3, 20, cy_now_ms());
  cy__progress_update(&ps, 2, 0);
  ASSERT_EQ(rec.n, 0);
  cy__progress_update(&ps, 5, 0);
  ASSERT_EQ(rec.n, 1);
  cy__progress_update(&ps, 7, 0);
  ASSERT_EQ(rec.n, 1);
  cy__progress_update(&ps, 8, 0);
  ASSERT_EQ(rec.n, 2);
  cy__progress_update(&ps, 20, 0);
  ASSERT_EQ(rec.n, 3);
  ASSERT_REPORT(rec, 0, 5, 0, 20, 0);
  ASSERT_REPORT(rec, 1, 8, 0, 20, 0);
  ASSERT_REPORT(rec, 2, 20, 0, 20, 0);
  return 0;
}

static int miniters_above_total(void) {
  recorder rec = {.n = 0};
  cy__progress_state ps;
  cy__progress_start(&ps, record, &rec, 100, 5, cy_now_ms());
  for (size_t i = 1; i <= 5; i++) cy__progress_update(&ps, i, 0);
  ASSERT_EQ(rec.n, 0);
  cy__progress_finish(&ps, 5, 0);
  ASSERT_EQ(rec.n, 1);
  ASSERT_REPORT(rec, 0, 5, 0, 5, 1);
  return 0;
}

static int final_once(void) {
  recorder rec = {.n = 0};
  cy__progress_state ps;
  cy__progress_start(&ps, record, &rec, 1, 4, cy_now_ms());
  cy__progress_update(&ps, 2, 0);
  cy__progress_finish(&ps, 2, 0); /* e.g. a timeout: final with what is done */
  cy__progress_finish(&ps, 4, 0);
  cy__progress_update(&ps, 4, 0);
  ASSERT_EQ(rec.n, 2);
  ASSERT_REPORT(rec, 0, 2, 0, 4, 0);
  ASSERT_REPORT(rec, 1, 2, 0, 4, 1);
  int finals = 0;
  for (int i = 0; i < rec.n; i++) finals += rec.r[i].final;
  ASSERT_EQ(finals, 1);
  return 0;
}

static int clamped_counts(void) {
  recorder rec = {.n = 0};
  cy__progress_state ps;
  cy__progress_start(&ps, record, &rec, 1, 5, cy_now_ms());
  cy__progress_update(&ps, 7, 0); /* over total */
  ASSERT_EQ(rec.n, 1);
  ASSERT_REPORT(rec, 0, 5, 0, 5, 0);
  cy__progress_finish(&ps, 9, 9);
  ASSERT_REPORT(rec, 1, 5, 5, 5, 1);

  /* failed never above completed */
  rec.n = 0;
  cy__progress_start(&ps, record, &rec, 1, 5, cy_now_ms());
  cy__progress_update(&ps, 2, 5);
  ASSERT_REPORT(rec, 0, 2, 2, 5, 0);

  /* never decreasing */
  rec.n = 0;
  cy__progress_start(&ps, record, &rec, 1, 10, cy_now_ms());
  cy__progress_update(&ps, 4, 2);
  cy__progress_update(&ps, 2, 0);
  ASSERT_EQ(rec.n, 1);
  cy__progress_finish(&ps, 3, 1);
  ASSERT_EQ(rec.n, 2);
  ASSERT_REPORT(rec, 1, 4, 2, 10, 1);
  for (int i = 0; i < rec.n; i++) {
    ASSERT_LE(rec.r[i].failed, rec.r[i].completed);
    ASSERT_LE(rec.r[i].completed, rec.r[i].total);
  }
  return 0;
}

static int failed_counts(void) {
  recorder rec = {.n = 0};
  cy__progress_state ps;
  cy__progress_start(&ps, record, &rec, 2, 6, cy_now_ms());
  cy__progress_update(&ps, 1, 1);
  cy__progress_update(&ps, 2, 1);
  cy__progress_update(&ps, 4, 3);
  cy__progress_update(&ps, 6, 3);
  cy__progress_finish(&ps, 6, 4); /* failed may still grow with completed fixed */
  ASSERT_EQ(rec.n, 4);
  ASSERT_REPORT(rec, 0, 2, 1, 6, 0);
  ASSERT_REPORT(rec, 1, 4, 3, 6, 0);
  ASSERT_REPORT(rec, 2, 6, 3, 6, 0);
  ASSERT_REPORT(rec, 3, 6, 4, 6, 1);
  return 0;
}

static int elapsed_and_edges(void) {
  recorder rec = {.n = 0};
  cy__progress_state ps;
  double t0 = cy_now_ms();
  cy__progress_start(&ps, record, &rec, 1, 2, t0 - 1000);
  cy__progress_update(&ps, 1, 0);
  ASSERT_GE(rec.r[0].elapsed_ms, 1000);
  ASSERT_LT(rec.r[0].elapsed_ms, 61000);

  /* miniters 0 means 1 */
  rec.n = 0;
  cy__progress_start(&ps, record, &rec, 0, 2, cy_now_ms());
  cy__progress_update(&ps, 1, 0);
  ASSERT_EQ(rec.n, 1);

  /* total 0: just the final report */
  rec.n = 0;
  cy__progress_start(&ps, record, &rec, 1, 0, cy_now_ms());
  cy__progress_update(&ps, 0, 0);
  cy__progress_finish(&ps, 0, 0);
  ASSERT_EQ(rec.n, 1);
  ASSERT_REPORT(rec, 0, 0, 0, 0, 1);
  ASSERT(rec.r[0].elapsed_ms >= 0);

  /* no callback: nothing to call, state still finishes */
  cy__progress_start(&ps, NULL, NULL, 1, 3, cy_now_ms());
  cy__progress_update(&ps, 1, 0);
  cy__progress_finish(&ps, 3, 0);
  ASSERT_EQ(ps.finished, 1);
  cy__progress_update(NULL, 1, 0);
  cy__progress_finish(NULL, 1, 0);
  return 0;
}

static int bar_format(void) {
  cy_progress_bar bar;
  cy_progress_bar_init(&bar, "work");
  ASSERT_PTR(bar.out, stderr);
  ASSERT_STR(bar.unit, "it");
  ASSERT_EQ(bar.width, 30);
  ASSERT_EQ(bar.last_len, 0);
  bar.width = 10;

  char buf[256];
  cy_progress p = {0, 0, 1000, 0, 0};
  int n = cy_progress_bar_format(&bar, &p, buf, sizeof buf);
  ASSERT_STR(buf, "work:   0%|----------| 0/1000 it [0.0s, ? it/s]");
  ASSERT_EQ(n, strlen(buf));

  /* a rate over the first milliseconds is not shown ... */
  p = (cy_progress){1, 0, 1000, 0.004, 0};
  cy_progress_bar_format(&bar, &p, buf, sizeof buf);
  ASSERT_STR(buf, "work:   0%|----------| 1/1000 it [0.0s, ? it/s]");
  /* ... except in the final report */
  p = (cy_progress){2, 0, 2, 4, 1};
  cy_progress_bar_format(&bar, &p, buf, sizeof buf);
  ASSERT_STR(buf, "work: 100%|##########| 2/2 it [0.0s, 500.0 it/s]");

  p = (cy_progress){500, 3, 1000, 2000, 0};
  cy_progress_bar_format(&bar, &p, buf, sizeof buf);
  ASSERT_STR(buf, "work:  50%|#####-----| 500/1000 it [2.0s, 250.0 it/s, 3 failed]");

  p = (cy_progress){1000, 0, 1000, 4000, 1};
  cy_progress_bar_format(&bar, &p, buf, sizeof buf);
  ASSERT_STR(buf, "work: 100%|##########| 1000/1000 it [4.0s, 250.0 it/s]");

  /* desc NULL, default width: 45% fills 13 of 30 cells (13.5 rounds down). */
  cy_progress_bar_init(&bar, NULL);
  p = (cy_progress){450, 0, 1000, 1200, 0};
  n = cy_progress_bar_format(&bar, &p, buf, sizeof buf);
  ASSERT_STR(buf, " 45%|#############-----------------| 450/1000 it [1.2s, 375.0 it/s]");
  ASSERT_EQ(n, strlen(buf));

  /* Rounding down in integers: 29/100 is 29%, not 28.999...%. */
  bar.width = 100;
  p = (cy_progress){29, 0, 100, 1000, 0};
  cy_progress_bar_format(&bar, &p, buf, sizeof buf);
  ASSERT(strncmp(buf, " 29%|", 5) == 0);
  ASSERT_EQ(strspn(buf + 5, "#"), 29);
  p = (cy_progress){57, 0, 100, 1000, 0};
  cy_progress_bar_format(&bar, &p, buf, sizeof buf);
  ASSERT(strncmp(buf, " 57%|", 5) == 0);
  ASSERT_EQ(strspn(buf + 5, "#"), 57);

  /* other unit, minutes, no total */
  bar.unit = "jobs";
  bar.width = 4;
  p = (cy_progress){0, 0, 0, 125000, 1};
  cy_progress_bar_format(&bar, &p, buf, sizeof buf);
  ASSERT_STR(buf, "100%|####| 0/0 jobs [2m05s, 0.0 jobs/s]");
  p = (cy_progress){1, 0, 3, 3723000, 0};
  cy_progress_bar_format(&bar, &p, buf, sizeof buf);
  ASSERT_STR(buf, " 33%|#---| 1/3 jobs [1h02m03s, 0.0 jobs/s]");

  /* snprintf contract: truncates, terminates, returns the full length */
  cy_progress_bar_init(&bar, "work");
  bar.width = 10;
  p = (cy_progress){500, 3, 1000, 2000, 0};
  char small[8];
  n = cy_progress_bar_format(&bar, &p, small, sizeof small);
  ASSERT_STR(small, "work:  ");
  ASSERT_EQ(n, strlen("work:  50%|#####-----| 500/1000 it [2.0s, 250.0 it/s, 3 failed]"));
  ASSERT_EQ(cy_progress_bar_format(&bar, &p, NULL, 0), n);
  ASSERT_EQ(cy_progress_bar_format(&bar, NULL, buf, sizeof buf), CY_EINVAL);
  return 0;
}

/* An elapsed time that is no time (NaN, infinite, negative) or past what
 * the h/m/s fields hold prints "?" (found by wasm/fuzz/fuzz-progress.c:
 * these were cast to unsigned long, undefined behaviour). */
static int bar_format_odd_elapsed(void) {
  cy_progress_bar bar;
  cy_progress_bar_init(&bar, NULL);
  bar.width = 2;
  char buf[256];
  const double odd[] = {NAN, INFINITY, -INFINITY, -1, 1e30, 4294967296000.0};
  for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
    cy_progress p = {1, 0, 2, odd[i], 0};
    int n = cy_progress_bar_format(&bar, &p, buf, sizeof buf);
    ASSERT_EQ(n, strlen(buf));
    ASSERT(strncmp(buf, " 50%|#-| 1/2 it [?, ", 20) == 0);
  }
  /* the largest time still shown: 2^32 - 1 s */
  cy_progress p = {1, 0, 2, 4294967295000.0, 1};
  cy_progress_bar_format(&bar, &p, buf, sizeof buf);
  ASSERT(strncmp(buf, " 50%|#-| 1/2 it [1193046h28m15s, ", 33) == 0);
  return 0;
}

static int bar_report(void) {
  char *text = NULL;
  size_t size = 0;
  FILE *mem = open_memstream(&text, &size);
  ASSERT(mem != NULL);
  cy_progress_bar bar;
  cy_progress_bar_init(&bar, "w");
  ASSERT_EQ(bar.redraw, -1);
  bar.out = mem;
  bar.width = 4;
  bar.redraw = 1; /* a memstream is no terminal: ask for redraws */

  cy_progress p = {2, 1, 4, 1000, 0};
  cy_progress_bar_report(&p, &bar);
  const char *l1 = "w:  50%|##--| 2/4 it [1.0s, 2.0 it/s, 1 failed]";
  ASSERT_EQ(bar.last_len, strlen(l1));
  /* A shorter line is padded over the longer one it replaces. */
  p = (cy_progress){3, 0, 4, 1000, 0};
  cy_progress_bar_report(&p, &bar);
  const char *l2 = "w:  75%|###-| 3/4 it [1.0s, 3.0 it/s]";
  p = (cy_progress){4, 0, 4, 2000, 1};
  cy_progress_bar_report(&p, &bar);
  const char *l3 = "w: 100%|####| 4/4 it [2.0s, 2.0 it/s]";
  ASSERT_EQ(bar.last_len, 0);
  fclose(mem);

  char expect[512];
  int pad = (int)(strlen(l1) - strlen(l2));
  snprintf(expect, sizeof expect, "\r%s\r%s%*s\r%s\n", l1, l2, pad, "", l3);
  ASSERT_EQ(pad, 10);
  ASSERT_STR(text, expect);
  free(text);

  cy_progress_bar_report(NULL, &bar);
  cy_progress_bar_report(&p, NULL);
  return 0;
}

static int bar_report_not_a_terminal(void) {
  /* Default (-1) on a stream that is no terminal, and 0: the final report only. */
  for (int redraw = -1; redraw <= 0; redraw++) {
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    ASSERT(mem != NULL);
    cy_progress_bar bar;
    cy_progress_bar_init(&bar, "w");
    bar.out = mem;
    bar.width = 4;
    bar.redraw = redraw;
    cy_progress p = {2, 1, 4, 1000, 0};
    cy_progress_bar_report(&p, &bar);
    p = (cy_progress){4, 1, 4, 2000, 1};
    cy_progress_bar_report(&p, &bar);
    fclose(mem);
    ASSERT_STR(text, "w: 100%|####| 4/4 it [2.0s, 2.0 it/s, 1 failed]\n");
    free(text);
  }
  return 0;
}

CY_TEST_TABLE(progress) = {
    {"every_completion", every_completion, 0},
    {"every_third", every_third, 0},
    {"jumps", jumps, 0},
    {"miniters_above_total", miniters_above_total, 0},
    {"final_once", final_once, 0},
    {"clamped_counts", clamped_counts, 0},
    {"failed_counts", failed_counts, 0},
    {"elapsed_and_edges", elapsed_and_edges, 0},
    {"bar_format", bar_format, 0},
    {"bar_format_odd_elapsed", bar_format_odd_elapsed, 0},
    {"bar_report", bar_report, 0},
    {"bar_report_not_a_terminal", bar_report_not_a_terminal, 0},
    {0},
};
