/**
 * The call shapes of wait() and gather() over exactly one native promise and
 * no options: `f([p])`, `f(p)` (and either with a trailing `undefined`).
 *
 * This is the server pattern of N concurrent single waits (each request
 * awaits its own future). Such a wait has nothing to listen to before its
 * promise settles (no deadline, signal or progress) and nothing to choose
 * between (one entry), so it is one reaction on the promise with handlers
 * shared by every call (gather.js, wait.js): no waitset, no Waiter, no
 * per-call object while it is pending but the reaction and the promise it
 * derives, which is the call's promise. When the promise settles, the core
 * decides as for any wait whose promises have all settled (decideOne in
 * waitset.js, cy_slots_condition over the one slot); if it ever said the
 * condition did not hold, the general path answers over a done future with
 * the same outcome.
 * @module concurry-wasm/one-promise
 */

/**
 * The one native promise of `args` (the arguments of wait() or gather()),
 * or null when the call is any other shape or has options. Reads the input
 * once, as the general path does (it may be the caller's own array).
 * @param {unknown[]} args
 * @returns {Promise<unknown>|null}
 */
export function onePromise(args) {
  const k = args.length;
  if (k !== 1 && (k !== 2 || args[1] !== undefined)) return null;
  let x = args[0];
  if (Array.isArray(x)) {
    if (x.length !== 1) return null;
    x = x[0];
  }
  return x instanceof Promise ? x : null;
}
