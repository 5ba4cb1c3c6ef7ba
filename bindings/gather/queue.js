/**
 * A first-in, first-out queue read from a head index: Array#shift copies the
 * array, quadratic over a long iteration; here each item costs O(1),
 * amortized (the given prefix is dropped now and then).
 * @module concurry-wasm/gather/queue
 * @template T
 */
export class Queue {
  constructor() {
    /** @type {T[]} */ this.items = [];
    this.head = 0;
  }

  /** @returns {number} items not yet shifted */
  get size() { return this.items.length - this.head; }

  /** @param {T} x */
  push(x) { this.items.push(x); }

  /** The oldest item (call only when size > 0). @returns {T} */
  shift() {
    const items = this.items;
    const x = items[this.head];
    items[this.head++] = /** @type {any} */ (undefined);
    if (this.head === items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return x;
  }

  /** Drops every item. */
  clear() {
    this.items = [];
    this.head = 0;
  }
}
