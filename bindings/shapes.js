/**
 * Input shapes of wait() and gather(): array, Set (→ array, input order), plain
 * object (→ plain object, same keys and order), Map (→ Map), a single future or
 * value (→ [value]), or several futures/values as separate arguments (variadic,
 * → array). With two or more arguments a trailing plain object is the options
 * object, and a trailing `undefined` is absent options (so that optional
 * options can be passed on). `recurse` resolves nested arrays/Sets/objects/Maps
 * keeping the shape, at any depth (the walk keeps its own stack).
 *
 * The input is read at the call, as Promise.all reads its input once, and
 * changing it afterwards must change nothing: `leaves` is read only during
 * the call of wait()/gather() (for an array input it is that array itself,
 * not copied: gather/inputs.js keeps what it needs of it).
 *
 * A plain object that is itself future-like (a thenable `{ then() {...} }`, or
 * a worker handle exposing its future) is a single future, never dict input,
 * options or a nested container: read as a dict, its output would be an object
 * holding the input's `then`, which `await` adopts, a silently wrong answer.
 * @module concurry-wasm/shapes
 */
import { isPlainObject } from './options.js';
import { observe } from './observe.js';

/* The key of futures/base.js's kFutureOf (Symbol.for, so the same symbol):
 * this file stays free of the wasm core. */
const kFutureOf = Symbol.for('concurry-wasm.future');

/**
 * True for a plain object that is data (dict input or options), not a future:
 * no callable `then`, no future under kFutureOf. A getter that throws makes it
 * future-like (wrapFuture turns it into a failed future).
 * @param {unknown} x
 * @returns {boolean}
 */
function isDict(x) {
  if (!isPlainObject(x)) return false;
  try {
    return typeof /** @type {any} */ (x).then !== 'function' && /** @type {any} */ (x)[kFutureOf] === undefined;
  } catch {
    return false;
  }
}

/**
 * The keys of a dict input, in own-key order: enumerable string keys, then
 * enumerable symbol keys (Object.keys alone would drop the symbols).
 * @param {object} o
 * @returns {PropertyKey[]}
 */
function dictKeys(o) {
  const keys = /** @type {PropertyKey[]} */ (Object.keys(o));
  const syms = Object.getOwnPropertySymbols(o);
  for (let j = 0; j < syms.length; j++) {
    if (Object.prototype.propertyIsEnumerable.call(o, syms[j])) keys.push(syms[j]);
  }
  return keys;
}

/**
 * Sets o[k] = v as an own data property. Plain assignment of '__proto__'
 * would set the prototype instead and lose the key.
 */
function setOwn(o, k, v) {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** @typedef {'array'|'set'|'object'|'map'|'single'|'variadic'} ShapeKind */

/**
 * The flattened input: `leaves[i]` is the i-th future-or-value to wait for.
 * For iteration, `groupOf(i)` is the index of the top-level entry leaf i
 * belongs to and `groupKeys[g]` that entry's key (index, property or Map key);
 * `groupStart[g]..groupStart[g+1]` are the leaves of entry g (only for recurse;
 * without it, group g is leaf g). `build(values)` makes the output of gather.
 * `leaves` may be the caller's own array (array input): read it during the
 * call of wait()/gather() only; what is needed later must be kept then
 * (gather/inputs.js keeps the futures in `futs`, the promises in `vals`).
 * @typedef {{ kind: ShapeKind, leaves: unknown[], recursive: boolean,
 *   groupKeys: (() => unknown[]), groupStart: Int32Array|null,
 *   build: (values: unknown[]) => unknown, buildGroup: (g: number, values: unknown[]) => unknown }} Shape
 */

/**
 * Splits the arguments of wait()/gather() into the input and the options object.
 * @param {unknown[]} args  the call's arguments (not modified)
 * @param {string} where    'wait()' or 'gather()'
 * @returns {{ input: unknown, kind: ShapeKind, options: unknown }}
 */
export function splitArgs(args, where) {
  let n = args.length;
  if (n === 0) {
    throw new TypeError(`${where} expects futures: an array, Set, plain object or Map of futures/values, a single future or value, or several as separate arguments`);
  }
  let options;
  if (n >= 2 && (args[n - 1] === undefined || isDict(args[n - 1]))) {
    options = args[n - 1];
    n -= 1;
  }
  if (n === 1) {
    const x = args[0];
    if (Array.isArray(x)) return { input: x, kind: 'array', options };
    if (x instanceof Set) return { input: x, kind: 'set', options };
    if (x instanceof Map) return { input: x, kind: 'map', options };
    if (isDict(x)) return { input: x, kind: 'object', options };
    // An iterator (a generator, map.values(), arr.entries()) is a list, as
    // for Promise.all: read once, now, in iteration order (→ array). Taken as
    // a single value it would be gathered as itself, done at once: a silent
    // wrong answer.
    if (isIterator(x)) return { input: readIterator(x), kind: 'array', options };
    if (isAsyncIterable(x)) {
      throw new TypeError(`${where}: an async iterable (an async generator, a stream) cannot be read at the call; ` +
        'collect it first (Array.fromAsync(it) or a for await loop), or gather(..., { iter: true }) over the futures it yields');
    }
    return { input: x, kind: 'single', options };
  }
  const first = args[0];
  if (Array.isArray(first) || first instanceof Set || first instanceof Map || isDict(first) || isIterator(first)) {
    if (args.length === 2 && args[1] === null) {
      throw new TypeError(`${where}: options must be a plain object or undefined; got null`);
    }
    throw new TypeError(
      `${where}: Cannot provide both a structure (array/Set/object/Map) as first argument ` +
      'and additional futures as further arguments. Either pass a structure, or pass individual futures. ' +
      '(With two or more arguments, only a trailing plain object is taken as the options object.)',
    );
  }
  return { input: n === args.length ? args : args.slice(0, n), kind: 'variadic', options };
}

/** An iterator object: next() and [Symbol.iterator] (generators, Map/Set/Array iterators). */
function isIterator(x) {
  return x !== null && typeof x === 'object' && typeof x.next === 'function' &&
    typeof x[Symbol.iterator] === 'function' && typeof x.then !== 'function';
}

/**
 * The values of an iterator, read to its end. If it throws midway, what it
 * yielded before is observed as an aborted gather observes its inputs
 * (observe: a promise among them that rejects later is handled, as
 * Promise.all handles it) and its error is thrown.
 */
function readIterator(it) {
  const out = [];
  try {
    for (const v of it) out.push(v);
  } catch (e) {
    observe(out);
    throw e;
  }
  return out;
}

/** An async iterable that is not a promise (async generators, streams). */
function isAsyncIterable(x) {
  return x !== null && typeof x === 'object' && typeof x[Symbol.asyncIterator] === 'function' && typeof x.then !== 'function';
}

function isContainer(x) {
  return Array.isArray(x) || x instanceof Set || x instanceof Map || isDict(x);
}

/* ---- recursive shapes --------------------------------------------------- */

/**
 * A copy of an array's elements (holes read as undefined). An Array's own
 * slice() is the fast path; a subclass's would construct the subclass.
 */
function copyArray(a) {
  if (a.constructor === Array) return a.slice();
  const n = a.length;
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i];
  return out;
}

// A node of a nested input: { t: 'leaf', i } | { t: 'array', c: Node[] } |
// { t: 'object', k: string[], c: Node[] } | { t: 'map', k: unknown[], c: Node[] }

/**
 * Opens container x for the walk: its node (children to come) and its
 * entries, read now. `path` holds the containers being walked above it.
 */
function open(x, path) {
  if (path.has(x)) throw new TypeError('recurse: the input contains a circular reference');
  path.add(x);
  let node;
  let vals;
  if (Array.isArray(x)) {
    node = { t: 'array', c: [] };
    vals = copyArray(x);
  } else if (x instanceof Set) {
    node = { t: 'array', c: [] };
    vals = [...x];
  } else if (x instanceof Map) {
    const k = [];
    vals = [];
    for (const [key, v] of x) { k.push(key); vals.push(v); }
    node = { t: 'map', k, c: [] };
  } else {
    const k = dictKeys(x);
    vals = new Array(k.length);
    for (let j = 0; j < k.length; j++) vals[j] = x[k[j]];
    node = { t: 'object', k, c: [] };
  }
  return { x, node, vals, j: 0 };
}

/**
 * The node of x, its leaves appended to `leaves` depth first. Iterative (an
 * explicit stack of open containers), so the depth of nesting is bounded by
 * memory, not by the call stack; `path` finds cycles (a container inside
 * itself), while a container reached twice by different paths is fine.
 */
function walk(x, leaves, path) {
  if (!isContainer(x)) {
    leaves.push(x);
    return { t: 'leaf', i: leaves.length - 1 };
  }
  const root = open(x, path);
  const stack = [root];
  while (stack.length !== 0) {
    const f = stack[stack.length - 1];
    if (f.j === f.vals.length) {
      path.delete(f.x);
      stack.pop();
      continue;
    }
    const v = f.vals[f.j++];
    if (isContainer(v)) {
      const g = open(v, path);
      f.node.c.push(g.node);
      stack.push(g);
    } else {
      leaves.push(v);
      f.node.c.push({ t: 'leaf', i: leaves.length - 1 });
    }
  }
  return root.node;
}

function emptyOf(node) {
  if (node.t === 'array') return new Array(node.c.length);
  if (node.t === 'map') return new Map();
  return {};
}

/** Fills `out` (node's container) with child j's value v. */
function put(node, out, j, v) {
  if (node.t === 'array') out[j] = v;
  else if (node.t === 'map') out.set(node.k[j], v);
  else setOwn(out, node.k[j], v);
}

/**
 * The output of a node: its shape with values[i] at leaf i. Iterative, as
 * walk is: each container is filled in its own order when taken off the
 * stack, its child containers made empty and filled later.
 */
function rebuild(node, values) {
  if (node.t === 'leaf') return values[node.i];
  const out = emptyOf(node);
  const stack = [node, out];
  while (stack.length !== 0) {
    const o = stack.pop();
    const nd = stack.pop();
    const c = nd.c;
    for (let j = 0; j < c.length; j++) {
      const ch = c[j];
      let v;
      if (ch.t === 'leaf') v = values[ch.i];
      else {
        v = emptyOf(ch);
        stack.push(ch, v);
      }
      put(nd, o, j, v);
    }
  }
  return out;
}

function objectFrom(keys, values) {
  const o = {};
  for (let j = 0; j < keys.length; j++) setOwn(o, keys[j], values[j]);
  return o;
}

function mapFrom(keys, values) {
  const m = new Map();
  for (let j = 0; j < keys.length; j++) m.set(keys[j], values[j]);
  return m;
}

function indexKeys(n) {
  const k = new Array(n);
  for (let i = 0; i < n; i++) k[i] = i;
  return k;
}

/**
 * A shape without recursion: leaf g is entry g. One object, no closures: a
 * wait or gather holds its shape until it settles, and N concurrent ones
 * hold N of these.
 */
class FlatShape {
  /**
   * @param {ShapeKind} kind
   * @param {unknown[]} leaves
   * @param {unknown[]|null} keys  the object's keys or the Map's; null: indices
   */
  constructor(kind, leaves, keys) {
    this.kind = kind;
    this.leaves = leaves;
    this.recursive = false;
    this.groupStart = null;
    this.keys = keys;
    // Read now: `leaves` may be the caller's array, which may change later.
    this.n = leaves.length;
  }

  groupKeys() { return this.keys !== null ? this.keys : indexKeys(this.n); }

  build(values) {
    if (this.kind === 'object') return objectFrom(this.keys, values);
    if (this.kind === 'map') return mapFrom(this.keys, values);
    return values;
  }

  buildGroup(g, values) { return values[g]; }
}

/**
 * Flattens an input into leaves and a builder for gather's output.
 * @param {unknown} input
 * @param {ShapeKind} kind
 * @param {boolean} recurse
 * @returns {Shape}
 */
export function flatten(input, kind, recurse) {
  if (!recurse) {
    switch (kind) {
      case 'array':
      case 'variadic':
        // Read during the call only (see the module's comment): not copied.
        return new FlatShape(kind, /** @type {unknown[]} */ (input), null);
      case 'set':
        return new FlatShape(kind, [...(/** @type {Set<unknown>} */ (input))], null);
      case 'object': {
        const o = /** @type {Record<string, unknown>} */ (input);
        const keys = dictKeys(o);
        const leaves = new Array(keys.length);
        for (let j = 0; j < keys.length; j++) leaves[j] = o[keys[j]];
        return new FlatShape(kind, leaves, keys);
      }
      case 'map': {
        const m = /** @type {Map<unknown, unknown>} */ (input);
        return new FlatShape(kind, [...m.values()], [...m.keys()]);
      }
      default:
        return new FlatShape(kind, [input], null);
    }
  }
  // recurse: walk every top-level entry; group g covers leaves groupStart[g]..groupStart[g+1]
  const leaves = [];
  const stack = new Set();
  let keys;
  let entries;
  if (kind === 'object') {
    keys = dictKeys(/** @type {object} */ (input));
    entries = keys.map((k) => /** @type {any} */ (input)[k]);
  } else if (kind === 'map') {
    keys = [.../** @type {Map<unknown, unknown>} */ (input).keys()];
    entries = [.../** @type {Map<unknown, unknown>} */ (input).values()];
  } else if (kind === 'single') {
    entries = [input];
    keys = [0];
  } else {
    entries = [.../** @type {Iterable<unknown>} */ (input)];
    keys = indexKeys(entries.length);
  }
  if (kind !== 'single' && kind !== 'variadic') stack.add(input);
  const nodes = new Array(entries.length);
  const groupStart = new Int32Array(entries.length + 1);
  for (let g = 0; g < entries.length; g++) {
    groupStart[g] = leaves.length;
    nodes[g] = walk(entries[g], leaves, stack);
  }
  groupStart[entries.length] = leaves.length;
  const buildGroup = (g, values) => rebuild(nodes[g], values);
  return {
    kind, leaves, recursive: true, groupStart,
    groupKeys: () => keys,
    build: (values) => {
      const out = nodes.map((nd) => rebuild(nd, values));
      if (kind === 'object') return objectFrom(keys, out);
      if (kind === 'map') return mapFrom(keys, out);
      return out;
    },
    buildGroup,
  };
}
