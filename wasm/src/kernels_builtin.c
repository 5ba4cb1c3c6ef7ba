/*
 * kernels_builtin.c: the kernels every build has (concurry-kernels.h), for
 * the demo, the benchmarks and the tests. Each checks cy_kernel_cancelled()
 * often enough to stop within about a millisecond of a cancel or timeout,
 * and returns CY_EINVAL for arguments outside what it documents.
 */
#include "internal.h"
#include "concurry-kernels.h"

#include <math.h>

/* An argument that must be an integer in [lo, hi]; 0 with *out, or CY_EINVAL. */
static int int_arg(const cy_kernel_call *c, size_t i, double lo, double hi, double *out) {
  double v = cy_kernel_arg(c, i);
  if (!(v >= lo && v <= hi) || v != floor(v)) return CY_EINVAL;
  *out = v;
  return 0;
}

/* Steps of work (a division, an iteration) between two cancel checks: a
 * fraction of a millisecond, whatever the arguments (a check per number or
 * per row was not: one number near 2^53 is ~5e7 divisions, one mandelbrot
 * row up to 8192 x 1e6 iterations). */
#define WORK_STEPS 32768u

/* primes(lo, hi): how many primes p with lo <= p < hi (0 <= lo <= hi <= 2^53),
 * by trial division: CPU-bound, no memory traffic, splits into ranges. */
static int k_primes(cy_kernel_call *c) {
  double lo, hi;
  if (cy_kernel_nargs(c) != 2 || int_arg(c, 0, 0, 9007199254740992.0, &lo) ||
      int_arg(c, 1, lo, 9007199254740992.0, &hi))
    return CY_EINVAL;
  uint64_t count = 0;
  uint32_t budget = WORK_STEPS; /* steps left before the next check */
  for (uint64_t n = (uint64_t)lo; n < (uint64_t)hi; n++) {
    if (--budget == 0) {
      if (cy_kernel_cancelled(c)) return CY_ECANCELED;
      budget = WORK_STEPS;
    }
    if (n < 2) continue;
    if (n < 4) { count++; continue; }
    if ((n & 1) == 0) continue;
    int prime = 1;
    for (uint64_t d = 3; d * d <= n; d += 2) {
      if (n % d == 0) { prime = 0; break; }
      if (--budget == 0) {
        if (cy_kernel_cancelled(c)) return CY_ECANCELED;
        budget = WORK_STEPS;
      }
    }
    count += (uint64_t)prime;
  }
  cy_kernel_set_value(c, (double)count);
  return 0;
}

/* mandelbrot(width, height, x0, y0, x1, y1, maxIter): a tile of width x
 * height pixels over [x0, x1] x [y0, y1] of the complex plane, one byte per
 * pixel (255 * iterations / maxIter; 255 = inside); value: the iterations
 * summed. width, height in [1, 8192], maxIter in [1, 1e6]. */
static int k_mandelbrot(cy_kernel_call *c) {
  double w, h, iters;
  if (cy_kernel_nargs(c) != 7 || int_arg(c, 0, 1, 8192, &w) || int_arg(c, 1, 1, 8192, &h) ||
      int_arg(c, 6, 1, 1e6, &iters))
    return CY_EINVAL;
  double x0 = cy_kernel_arg(c, 2), y0 = cy_kernel_arg(c, 3);
  double x1 = cy_kernel_arg(c, 4), y1 = cy_kernel_arg(c, 5);
  if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1)) return CY_EINVAL;
  size_t W = (size_t)w, H = (size_t)h;
  unsigned maxIter = (unsigned)iters;
  unsigned char *px = cy_kernel_output(c, W * H);
  if (!px) return CY_ENOMEM;
  double dx = W > 1 ? (x1 - x0) / (double)(W - 1) : 0;
  double dy = H > 1 ? (y1 - y0) / (double)(H - 1) : 0;
  double total = 0;
  unsigned budget = WORK_STEPS; /* iterations left before the next check */
  for (size_t j = 0; j < H; j++) {
    if (cy_kernel_cancelled(c)) return CY_ECANCELED;
    double ci = y0 + dy * (double)j;
    for (size_t i = 0; i < W; i++) {
      double cr = x0 + dx * (double)i, zr = 0, zi = 0;
      unsigned k = 0;
      /* The iterations in runs of at most `budget`, a check between runs. */
      while (k < maxIter) {
        unsigned stop = maxIter - k > budget ? k + budget : maxIter, k0 = k;
        while (k < stop && zr * zr + zi * zi <= 4.0) {
          double t = zr * zr - zi * zi + cr;
          zi = 2 * zr * zi + ci;
          zr = t;
          k++;
        }
        budget -= k - k0;
        if (budget == 0) {
          if (cy_kernel_cancelled(c)) return CY_ECANCELED;
          budget = WORK_STEPS;
        }
        if (k < stop) break; /* escaped */
      }
      if (--budget == 0) { /* a pixel costs a step even when it escapes at once */
        if (cy_kernel_cancelled(c)) return CY_ECANCELED;
        budget = WORK_STEPS;
      }
      total += k;
      px[j * W + i] = (unsigned char)(255.0 * k / maxIter);
    }
  }
  cy_kernel_set_value(c, total);
  return 0;
}

/* fib(n): the n-th Fibonacci number by the naive double recursion (the
 * classic CPU benchmark), n in [0, 78] (exact in a double up to 78). */
typedef struct { cy_kernel_call *c; uint32_t calls; int stop; } fib_ctx;
static double fib(fib_ctx *x, int n) {
  if (x->stop) return 0;
  if ((++x->calls & 0x3FFFF) == 0 && cy_kernel_cancelled(x->c)) x->stop = 1;
  return n < 2 ? n : fib(x, n - 1) + fib(x, n - 2);
}
static int k_fib(cy_kernel_call *c) {
  double n;
  if (cy_kernel_nargs(c) != 1 || int_arg(c, 0, 0, 78, &n)) return CY_EINVAL;
  fib_ctx x = {c, 0, 0};
  double v = fib(&x, (int)n);
  if (x.stop) return CY_ECANCELED;
  cy_kernel_set_value(c, v);
  return 0;
}

/* spin(ms): busy-loops ms milliseconds (a CPU hog for tests); value: ms. */
static int k_spin(cy_kernel_call *c) {
  double ms = cy_kernel_arg(c, 0);
  if (cy_kernel_nargs(c) != 1 || !(ms >= 0 && ms <= 3.6e6)) return CY_EINVAL;
  double end = cy_now_ms() + ms;
  while (cy_now_ms() < end)
    if (cy_kernel_cancelled(c)) return CY_ECANCELED;
  cy_kernel_set_value(c, ms);
  return 0;
}

/* sleep(ms): sleeps ms milliseconds in slices of at most 1 ms (so a cancel
 * is seen within one); value: ms. */
static int k_sleep(cy_kernel_call *c) {
  double ms = cy_kernel_arg(c, 0);
  if (cy_kernel_nargs(c) != 1 || !(ms >= 0 && ms <= 3.6e6)) return CY_EINVAL;
  double end = cy_now_ms() + ms;
  for (double now = cy_now_ms(); now < end; now = cy_now_ms()) {
    if (cy_kernel_cancelled(c)) return CY_ECANCELED;
    cy__sleep_ms(end - now < 1 ? end - now : 1);
  }
  cy_kernel_set_value(c, ms);
  return 0;
}

/* The two kernels of the mode matrix's fixture vocabulary (tests/mode-matrix.js
 * runs the same wait/gather tests over every mode): add(a, b) = a + b, and
 * sleepThen(ms, value) = value after sleeping ms (cancellable, as sleep). */
static int k_add(cy_kernel_call *c) {
  if (cy_kernel_nargs(c) != 2) return CY_EINVAL;
  cy_kernel_set_value(c, cy_kernel_arg(c, 0) + cy_kernel_arg(c, 1));
  return 0;
}
static int k_sleep_then(cy_kernel_call *c) {
  double ms = cy_kernel_arg(c, 0);
  if (cy_kernel_nargs(c) != 2 || !(ms >= 0 && ms <= 3.6e6)) return CY_EINVAL;
  double end = cy_now_ms() + ms;
  for (double now = cy_now_ms(); now < end; now = cy_now_ms()) {
    if (cy_kernel_cancelled(c)) return CY_ECANCELED;
    cy__sleep_ms(end - now < 1 ? end - now : 1);
  }
  cy_kernel_set_value(c, cy_kernel_arg(c, 1));
  return 0;
}

/* fail(code): fails with code (a non-zero integer in [-2^31, 2^31)). */
static int k_fail(cy_kernel_call *c) {
  double code;
  if (cy_kernel_nargs(c) != 1 || int_arg(c, 0, -2147483648.0, 2147483647.0, &code) || code == 0)
    return CY_EINVAL;
  return (int)code;
}

/* The byte kernels work in chunks of this many bytes and check
 * cy_kernel_cancelled() before each: well under a millisecond of work (a
 * loaded machine's wasm moves a few hundred MB/s at least), for any input
 * size (an input is at most 512 MiB). */
#define BYTE_CHUNK ((size_t)256 * 1024)

/* sum_bytes([k]) over the input bytes: the sum of the bytes times k (default 1). */
static int k_sum_bytes(cy_kernel_call *c) {
  size_t len = 0;
  const unsigned char *in = cy_kernel_input(c, &len);
  double k = cy_kernel_nargs(c) ? cy_kernel_arg(c, 0) : 1;
  if (cy_kernel_nargs(c) > 1 || !isfinite(k)) return CY_EINVAL;
  /* Exact in an integer: at most 255 * 512 MiB < 2^38. */
  uint64_t sum = 0;
  for (size_t at = 0; at < len; at += BYTE_CHUNK) {
    if (cy_kernel_cancelled(c)) return CY_ECANCELED;
    size_t end = len - at < BYTE_CHUNK ? len : at + BYTE_CHUNK;
    uint32_t part = 0; /* 255 * 256 KiB < 2^32 */
    for (size_t i = at; i < end; i++) part += in[i];
    sum += part;
  }
  cy_kernel_set_value(c, (double)sum * k);
  return 0;
}

/* reverse_bytes() over the input bytes: output = the input bytes in reverse
 * order (bytes in, bytes out; an empty input gives the value 0, no output). */
static int k_reverse_bytes(cy_kernel_call *c) {
  size_t len = 0;
  const unsigned char *in = cy_kernel_input(c, &len);
  if (cy_kernel_nargs(c) != 0) return CY_EINVAL;
  if (cy_kernel_cancelled(c)) return CY_ECANCELED; /* before allocating the output */
  /* Not zeroed: every byte is written below, and zeroing a large output is
   * work no cancel check can cut short. */
  unsigned char *out = len ? cy__kernel_output_uninit(c, len) : NULL;
  if (len && !out) return CY_ENOMEM;
  for (size_t at = 0; at < len; at += BYTE_CHUNK) {
    if (cy_kernel_cancelled(c)) return CY_ECANCELED;
    size_t end = len - at < BYTE_CHUNK ? len : at + BYTE_CHUNK;
    for (size_t i = at; i < end; i++) out[len - 1 - i] = in[i];
  }
  cy_kernel_set_value(c, 0);
  return 0;
}

int cy_kernels_register_builtin(void) {
  static const struct { const char *name; cy_kernel_fn fn; } builtin[] = {
      {"primes", k_primes}, {"mandelbrot", k_mandelbrot}, {"fib", k_fib},
      {"spin", k_spin},     {"sleep", k_sleep},           {"fail", k_fail},
      {"sum_bytes", k_sum_bytes}, {"reverse_bytes", k_reverse_bytes}, {"add", k_add},         {"sleepThen", k_sleep_then},
  };
  for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
    int rc = cy_kernel_register(builtin[i].name, builtin[i].fn);
    if (rc) return rc;
  }
  return 0;
}
