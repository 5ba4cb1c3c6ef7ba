/**
 * The number arguments of the built-in C kernels (wasm/src/kernels_builtin.c),
 * so that a call with too few or too many fails with a TypeError naming the
 * argument (README, "C tasks") rather than the kernel's bare CY_EINVAL. A
 * kernel linked in by the user cannot take a built-in's name (the core
 * refuses to register the built-ins over it), so a name here is the built-in.
 * Ranges are the kernel's to check (CoreError CY_EINVAL).
 * @module concurry-wasm/modes/c-builtins
 */

/** name -> [required number names, optional number names]. */
const SIGNATURES = {
  primes: [['lo', 'hi'], []],
  mandelbrot: [['width', 'height', 'x0', 'y0', 'x1', 'y1', 'maxIter'], []],
  fib: [['n'], []],
  spin: [['ms'], []],
  sleep: [['ms'], []],
  sleepThen: [['ms', 'value'], []],
  add: [['a', 'b'], []],
  fail: [['code'], []],
  sum_bytes: [[], ['k']],
  reverse_bytes: [[], []],
  reverse_bytes: [[], []],
};

/**
 * A TypeError when built-in `method` is given the wrong number of numbers,
 * else null.
 * @param {string} method
 * @param {unknown[]} args the call's arguments
 * @param {number} nNums how many of them are numbers
 * @returns {TypeError|null}
 */
export function builtinArityError(method, args, nNums) {
  const sig = Object.prototype.hasOwnProperty.call(SIGNATURES, method) ? SIGNATURES[method] : null;
  if (sig === null) return null;
  const [req, opt] = sig;
  if (nNums >= req.length && nNums <= req.length + opt.length) return null;
  const names = [...req, ...opt.map((n) => `${n}?`)];
  const takes = `takes ${names.length ? `(${names.join(', ')})` : 'no numbers'}`;
  if (nNums < req.length) {
    return new TypeError(`C kernel '${method}' ${takes}: argument '${req[nNums]}' (number ${nNums + 1}) is missing; got ${nNums} number${nNums === 1 ? '' : 's'}`);
  }
  // The first number past the signature, by its place in args.
  let seen = 0;
  let at = args.length - 1;
  for (let i = 0; i < args.length; i++) {
    if (typeof args[i] === 'number' && ++seen > names.length) { at = i; break; }
  }
  return new TypeError(`C kernel '${method}' ${takes}: args[${at}] is one number too many; got ${nNums}`);
}
