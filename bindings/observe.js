/**
 * Marking inputs as handled on exits that come before any wait is set up.
 * @module concurry-wasm/observe
 */

function ignore() {}

/**
 * Marks every native promise among `leaves` as handled, for an exit that
 * comes before any wait is set up (an already-aborted signal, an input
 * iterator that throws midway): their later rejections must not become
 * unhandled ones, as with Promise.all. Other thenables are left alone
 * (calling `then` would start a lazy one's work).
 * @param {unknown[]} leaves
 */
export function observe(leaves) {
  for (let i = 0; i < leaves.length; i++) {
    const x = leaves[i];
    if (x instanceof Promise) x.then(undefined, ignore);
  }
}
