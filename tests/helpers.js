// Shared helpers of the Jest suites (not a test file).
export const sleep = (ms, value) => new Promise((resolve) => setTimeout(() => resolve(value), ms));
export const fail = (ms, error) => new Promise((_, reject) => setTimeout(() => reject(error), ms));
/** A promise with its resolve/reject exposed. */
export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}
