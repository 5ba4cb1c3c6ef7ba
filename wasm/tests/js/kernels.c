/*
 * kernels.c: C kernels linked into the test variant of the module exactly as
 * a user links their own (CY_KERNEL_SOURCES, README "C tasks"): a file that
 * registers them with CY_KERNEL_EXPORT. tests/modes-c.test.js calls them
 * through createWorker('builtin', { mode: 'c' }).
 */
#include "concurry-kernels.h"

/* dot(bytes as float64 pairs): the dot product of the input read as two
 * float64 vectors of equal length, one after the other; value = the sum.
 * Shows a kernel over a buffer argument. */
static int user_dot(cy_kernel_call *call) {
  size_t len = 0;
  const double *v = cy_kernel_input(call, &len);
  if (!v || len % 16 != 0) return 22; /* a user's own code: positive, as concurry.h advises */
  size_t n = len / 16;
  double s = 0;
  for (size_t i = 0; i < n; i++) s += v[i] * v[n + i];
  cy_kernel_set_value(call, s);
  return 0;
}
CY_KERNEL_EXPORT("test_dot", user_dot)

/* scale(k, x...): out = the float64s x * k, as bytes (value: their count). */
static int user_scale(cy_kernel_call *call) {
  size_t n = cy_kernel_nargs(call);
  if (n < 1) return 22;
  double k = cy_kernel_arg(call, 0);
  double *out = n > 1 ? cy_kernel_output(call, (n - 1) * sizeof(double)) : NULL;
  if (n > 1 && !out) return CY_ENOMEM;
  for (size_t i = 1; i < n; i++) out[i - 1] = cy_kernel_arg(call, i) * k;
  cy_kernel_set_value(call, (double)(n - 1));
  return 0;
}
CY_KERNEL_EXPORT("test_scale", user_scale)

/* print(x): writes a line to stdout from the pthread (stdio there is proxied
 * to the thread that loaded the module), then value = x: the case of a
 * kernel that prints while that thread blocks in waitSync(). */
#include <stdio.h>
static int user_print(cy_kernel_call *call) {
  printf("kernel says %g\n", cy_kernel_arg(call, 0));
  fflush(stdout);
  cy_kernel_set_value(call, cy_kernel_arg(call, 0));
  return 0;
}
CY_KERNEL_EXPORT("test_print", user_print)
