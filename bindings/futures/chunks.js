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
import { C, heap, futuresCreate, futuresRelease, coreFailure, CY_ENOMEM } from '../core.js';

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
