/**
 * The size limit of a C kernel call's buffer argument, shared by both cores'
 * mode 'c' (c.js stages the buffer in wasm memory; c-worker.js checks before
 * posting it to a kernel worker, so an oversized buffer is never cloned).
 * @module concurry-wasm/modes/c-limits
 */

/**
 * Largest buffer argument (bytes): it is staged in wasm memory and copied
 * again into the call (the core keeps its own copy while the task may run),
 * so two copies must fit in the core's memory (2 GiB at most, CMakeLists'
 * CY_MAXIMUM_MEMORY) beside everything else.
 */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

/**
 * The RangeError for buffer argument `args[i]` of `n` bytes: over the limit
 * (`now` empty) or not fitting in the core's memory at the moment.
 * @param {string} method @param {number} i @param {number} n @param {string} now
 * @returns {RangeError}
 */
export function inputTooLarge(method, i, n, now) {
  return new RangeError(`C kernel '${method}': args[${i}] (${n} bytes) is too large${now}: a C kernel's input buffer ` +
    `is at most ${MAX_INPUT_BYTES} bytes (512 MiB; it is copied into the core's memory)`);
}

/**
 * The RangeError for the first buffer argument over the limit, or null.
 * @param {string} method @param {unknown[]} args
 * @returns {RangeError|null}
 */
export function oversizedInput(method, args) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const n = a instanceof ArrayBuffer || ArrayBuffer.isView(a) ||
      (typeof SharedArrayBuffer === 'function' && a instanceof SharedArrayBuffer) ? a.byteLength : 0;
    if (n > MAX_INPUT_BYTES) return inputTooLarge(method, i, n, '');
  }
  return null;
}
