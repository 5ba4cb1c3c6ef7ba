/**
 * C futures for futures that JS completes (PromiseFuture, TaskFuture), taken
 * from pooled chunks: one cy_js_futures_create call and one
 * FinalizationRegistry entry per CHUNK futures, not per future.
 *
 * Ownership: the chunk holds one reference on each of its C futures and
 * releases them all when its token is collected. Every JS future made from a
 * chunk keeps the token (`_k`), so a C future lives at least as long as the
 * JS future that stands for it; waitsets and completions take their own
 * references in the core.
 * @module concurry-wasm/futures/chunks
 */
import { C, heap, futuresCreate, futuresRelease, complete, scratchA, coreFailure, CY_ENOMEM } from '../core.js';

const CHUNK = 512;
const registry = new FinalizationRegistry((addr) => {
  futuresRelease(addr, CHUNK);
  C.free(addr);
});
let token = null;
let ptrs = new Uint32Array(0);
let next = CHUNK;

function newChunk() {
  const addr = C.malloc(CHUNK * 4);
  if (!addr) throw coreFailure('malloc', CY_ENOMEM);
  const rc = futuresCreate(addr, CHUNK);
  if (rc) { C.free(addr); throw coreFailure('cy_js_futures_create', rc); }
  ptrs = heap().u32.slice(addr >> 2, (addr >> 2) + CHUNK);
  token = { addr };
  registry.register(token, addr);
  next = 0;
}

/**
 * A fresh pending C future. Call `chunkToken()` right after it (before any
 * other call of this one) and keep the token with the future.
 * @returns {number} the cy_future*
 */
export function takeCFuture() {
  if (next === CHUNK) newChunk();
  return ptrs[next++];
}

/** The token of the chunk the last `takeCFuture()` came from. @returns {object} */
export function chunkToken() { return token; }

/**
 * Completes n of these C futures in the core with one call (cy_js_complete:
 * one CAS each), `fs[i]._c` with `codes[i]`. Returns the address of n bytes
 * in scratch memory, byte i = 1 when that completion won; read them (through
 * a fresh `heap()`) before the next scratch user.
 * @param {ArrayLike<{ _c: number }>} fs @param {ArrayLike<number>} codes @param {number} n
 * @returns {number}
 */
export function completeInCore(fs, codes, n) {
  const base = scratchA.get(n * 9);
  const v = heap();
  const u32 = v.u32;
  const i32 = v.i32;
  const p = base >> 2;
  const c = p + n;
  for (let i = 0; i < n; i++) {
    u32[p + i] = fs[i]._c;
    i32[c + i] = codes[i];
  }
  const won = base + n * 8;
  complete(base, base + n * 4, n, won);
  return won;
}
