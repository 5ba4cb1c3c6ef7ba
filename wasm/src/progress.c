/*
 * progress.c: progress cadence (shared by every wait, C and JS) and a text
 * progress bar for C/WASI programs.
 *
 * Cadence: a report goes out when at least `miniters` completions happened
 * since the last one; the final report (final = 1) goes out exactly once,
 * always, even when the last periodic report carried the same counts, so a
 * user can rely on seeing final = 1. Reported counts are clamped to
 * failed <= completed <= total and never go down from one report to the next.
 *
 * A cy__progress_state belongs to one wait and is not locked.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- cadence ----------------------------------------------------------- */

void cy__progress_start(cy__progress_state *ps, cy_progress_fn fn, void *arg,
                        size_t miniters, size_t total, double start_ms) {
  if (!ps) return;
  memset(ps, 0, sizeof *ps);
  ps->fn = fn;
  ps->arg = arg;
  ps->miniters = miniters ? miniters : 1;
  ps->total = total;
  ps->start_ms = start_ms;
}

/* Applies the invariants: failed <= completed <= total, no step backwards. */
static void clamp(const cy__progress_state *ps, size_t *completed, size_t *failed) {
  if (*completed > ps->total) *completed = ps->total;
  if (*completed < ps->reported_completed) *completed = ps->reported_completed;
  if (*failed > *completed) *failed = *completed;
  if (*failed < ps->reported_failed) *failed = ps->reported_failed;
}

static void deliver(cy__progress_state *ps, size_t completed, size_t failed, int final) {
  cy_progress p;
  p.completed = completed;
  p.failed = failed;
  p.total = ps->total;
  p.elapsed_ms = cy_now_ms() - ps->start_ms;
  if (!(p.elapsed_ms >= 0)) p.elapsed_ms = 0;
  p.final = final;
  ps->reported_completed = completed;
  ps->reported_failed = failed;
  ps->reported_any = 1;
  ps->fn(&p, ps->arg);
}

void cy__progress_update(cy__progress_state *ps, size_t completed, size_t failed) {
  if (!ps || !ps->fn || ps->finished) return;
  clamp(ps, &completed, &failed);
  if (completed - ps->reported_completed >= ps->miniters)
    deliver(ps, completed, failed, 0);
}

void cy__progress_finish(cy__progress_state *ps, size_t completed, size_t failed) {
  if (!ps || ps->finished) return;
  ps->finished = 1;
  if (!ps->fn) return;
  clamp(ps, &completed, &failed);
  deliver(ps, completed, failed, 1);
}

/* ---- text bar ---------------------------------------------------------- */

#define DEFAULT_WIDTH 30
#define MAX_WIDTH 200
#define RATE_MIN_MS 50.0

void cy_progress_bar_init(cy_progress_bar *bar, const char *desc) {
  if (!bar) return;
  bar->out = stderr;
  bar->desc = desc;
  bar->unit = "it";
  bar->width = DEFAULT_WIDTH;
  bar->redraw = -1;
  bar->last_len = 0;
}

/* snprintf-style builder: writes what fits, always NUL-terminates when it
 * has room, and counts the full length regardless. */
typedef struct {
  char *buf;
  size_t cap;
  size_t len;
} builder;

static void put(builder *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *dst = b->len < b->cap ? b->buf + b->len : NULL;
  size_t room = b->len < b->cap ? b->cap - b->len : 0;
  int n = vsnprintf(dst, room, fmt, ap);
  va_end(ap);
  if (n > 0) b->len += (size_t)n;
}

static void repeat(builder *b, char c, int n) {
  for (int i = 0; i < n; i++) {
    if (b->len + 1 < b->cap) {
      b->buf[b->len] = c;
      b->buf[b->len + 1] = '\0';
    }
    b->len++;
  }
}

static void put_elapsed(builder *b, double ms) {
  double s = ms / 1000;
  /* NaN, infinite, negative, or past 2^32 s (unsigned long is 32 bits on
   * wasm32): no time to show, and the casts below would be undefined. */
  if (!(s >= 0 && s < 4294967296.0)) {
    put(b, "?");
    return;
  }
  if (s < 60) {
    put(b, "%.1fs", s);
    return;
  }
  unsigned long total = (unsigned long)s;
  if (total < 3600)
    put(b, "%lum%02lus", total / 60, total % 60);
  else
    put(b, "%luh%02lum%02lus", total / 3600, total / 60 % 60, total % 60);
}

/* floor(part * scale / whole) for part <= whole, in integers where they fit:
 * in doubles 29 / 100 * 100 is 28.999..., which would print 28%. Nothing to
 * do counts as all done. */
static int share(size_t part, size_t whole, int scale) {
  if (whole == 0) return scale;
  if (part <= SIZE_MAX / (size_t)scale) return (int)(part * (size_t)scale / whole);
  int v = (int)((double)part / (double)whole * scale);
  return v > scale ? scale : v;
}

int cy_progress_bar_format(const cy_progress_bar *bar, const cy_progress *p, char *buf,
                           size_t len) {
  if (buf && len) buf[0] = '\0';
  if (!p) return CY_EINVAL;
  builder b = {buf, buf ? len : 0, 0};

  const char *desc = bar ? bar->desc : NULL;
  const char *unit = bar && bar->unit ? bar->unit : "it";
  int width = bar ? bar->width : DEFAULT_WIDTH;
  if (width <= 0) width = DEFAULT_WIDTH;
  if (width > MAX_WIDTH) width = MAX_WIDTH;

  size_t completed = p->completed;
  if (p->total && completed > p->total) completed = p->total;
  int pct = share(completed, p->total, 100);
  int cells = share(completed, p->total, width);

  if (desc && *desc) put(&b, "%s: ", desc);
  put(&b, "%3d%%|", pct);
  repeat(&b, '#', cells);
  repeat(&b, '-', width - cells);
  put(&b, "| %zu/%zu %s [", completed, p->total, unit);
  put_elapsed(&b, p->elapsed_ms);
  /* A rate over the first few milliseconds is noise (one completion after
   * 4 us reads as 250k it/s): like tqdm, say "?" until it means something. */
  if (p->elapsed_ms > 0 && (p->final || p->elapsed_ms >= RATE_MIN_MS))
    put(&b, ", %.1f %s/s", (double)completed * 1000.0 / p->elapsed_ms, unit);
  else
    put(&b, ", ? %s/s", unit);
  if (p->failed) put(&b, ", %zu failed", p->failed);
  put(&b, "]");
  return b.len > (size_t)INT32_MAX ? CY_EINVAL : (int)b.len;
}

/* A bar redrawn with '\r' is for a person at a terminal; in a log or a pipe
 * every redraw would be a line of noise, so only the final report is written. */
static int redraws(const cy_progress_bar *bar, FILE *out) {
  if (bar->redraw >= 0) return bar->redraw != 0;
  int fd = fileno(out);
  return fd >= 0 && isatty(fd);
}

void cy_progress_bar_report(const cy_progress *p, void *arg) {
  cy_progress_bar *bar = arg;
  if (!p || !bar) return;
  FILE *out = bar->out ? bar->out : stderr;
  int redraw = redraws(bar, out);
  if (!redraw && !p->final) return;

  char small[256];
  char *line = small;
  int n = cy_progress_bar_format(bar, p, small, sizeof small);
  if (n < 0) return;
  if ((size_t)n >= sizeof small) {
    line = malloc((size_t)n + 1);
    if (!line) return;
    cy_progress_bar_format(bar, p, line, (size_t)n + 1);
  }
  /* Spaces over whatever the previous, longer line left on screen. */
  int pad = bar->last_len > n ? bar->last_len - n : 0;
  if (redraw) fprintf(out, "\r%s%*s", line, pad, "");
  else fputs(line, out);
  if (p->final) {
    fputc('\n', out);
    bar->last_len = 0;
  } else {
    bar->last_len = n;
  }
  fflush(out);
  if (line != small) free(line);
}
