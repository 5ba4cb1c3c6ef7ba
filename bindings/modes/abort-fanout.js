/**
 * One 'abort' listener per AbortSignal, however many calls wait on it.
 *
 * Passing one AbortController's signal to thousands of calls is the normal
 * pattern (p-map, piscina). A listener per call made Node print
 * MaxListenersExceededWarning past 10 calls and cost the signal one listener
 * per pending call. Here a signal carries a single listener; the calls
 * waiting on it sit in a Set (insertion order = call order, O(1) add and
 * delete), and the listener leaves the signal when the Set empties.
 *
 * Invariants:
 * - `live` maps a signal to its current group only while the group has
 *   members and its listener is on the signal.
 * - An entry knows its group, so remove() is O(1) and still right after the
 *   abort detached the group (it then leaves the signal alone).
 * - Nothing here keeps a process alive or a signal reachable: the map is
 *   weak (a group, which names its signal, is reachable only from it and
 *   from its pending calls, which hold the signal anyway), and a listener
 *   is no handle.
 * @module
 */

/**
 * @typedef {object} AbortFanoutGroup the calls waiting on one signal
 * @property {AbortSignal} signal
 * @property {Set<AbortFanoutEntry>} entries in the order they were added
 * @property {() => void} listener the one 'abort' listener on `signal`
 */

/**
 * @typedef {object} AbortFanoutEntry what add() returns; pass it to remove()
 * @property {AbortFanoutGroup|null} group null once removed or run
 * @property {(() => void)|null} onAbort
 */

/**
 * @typedef {object} AbortFanout
 * @property {(signal: AbortSignal, onAbort: () => void) => AbortFanoutEntry} add
 *   Runs `onAbort` once when `signal` aborts. The signal must not be aborted
 *   yet (callers settle such a call at once: an aborted signal never fires
 *   'abort' again).
 * @property {(entry: AbortFanoutEntry|null|undefined) => void} remove
 *   Forgets an entry (its call settled); idempotent; null is ignored.
 * @property {(signal: AbortSignal) => number} size pending entries of `signal` (tests, diagnostics)
 */

/**
 * A fan-out: each signal gets one listener that runs the callbacks added for
 * it, in the order they were added.
 * @returns {AbortFanout}
 */
export function createAbortFanout() {
  /** @type {WeakMap<AbortSignal, AbortFanoutGroup>} */
  const live = new WeakMap();

  function add(signal, onAbort) {
    let g = live.get(signal);
    if (g === undefined) {
      /** @type {AbortFanoutGroup} */
      const group = { signal, entries: new Set(), listener: () => fire(group) };
      // Registered before the group is recorded: a signal whose
      // addEventListener throws leaves nothing behind.
      signal.addEventListener('abort', group.listener, { once: true });
      live.set(signal, group);
      g = group;
    }
    /** @type {AbortFanoutEntry} */
    const entry = { group: g, onAbort };
    g.entries.add(entry);
    return entry;
  }

  function remove(entry) {
    if (!entry || entry.group === null) return;
    const g = entry.group;
    entry.group = null;
    entry.onAbort = null;
    g.entries.delete(entry);
    // The last call left: the listener goes, unless the abort already
    // detached this group (its listener was a once listener, gone then).
    if (g.entries.size === 0 && live.get(g.signal) === g) {
      live.delete(g.signal);
      try { g.signal.removeEventListener('abort', g.listener); } catch { /* the signal's own failure: nothing else to free */ }
    }
  }

  function fire(g) {
    // Detached first: callbacks that start calls on this (now aborted)
    // signal, or remove entries, never touch the group being run.
    if (live.get(g.signal) === g) live.delete(g.signal);
    let errors = null;
    // A Set visits in insertion order and skips entries deleted meanwhile
    // (a cancel that settles another call of the group first).
    for (const entry of g.entries) {
      const fn = entry.onAbort;
      entry.group = null;
      entry.onAbort = null;
      g.entries.delete(entry);
      if (fn === null) continue;
      try { fn(); } catch (e) { (errors ??= []).push(e); }
    }
    // One call's failing callback must not spare the others; the errors go
    // where a throwing listener's would.
    if (errors !== null) {
      for (let i = 1; i < errors.length; i++) { const e = errors[i]; queueMicrotask(() => { throw e; }); }
      throw errors[0];
    }
  }

  return {
    add,
    remove,
    size(signal) {
      const g = live.get(signal);
      return g === undefined ? 0 : g.entries.size;
    },
  };
}

/**
 * The fan-out the backends share: a signal passed to calls of several
 * workers still carries one listener, and its calls are cancelled in the
 * order they were made across them.
 */
export const abortFanout = createAbortFanout();
