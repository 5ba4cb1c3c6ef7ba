// The demo scenarios, shared by the page (index.html) and the module worker
// (worker.js). Each uses the package exactly as an app would: real Promises
// (timers standing in for fetches) handed to gather/wait, whose return
// conditions, timeouts and progress come from the wasm core.
import { gather, wait, wrapFuture, TimeoutError } from '/bindings/index.js';

const delay = (ms, v) => new Promise((r) => setTimeout(() => r(v), ms));
const never = () => new Promise(() => {});
/** A stand-in for fetch(url): resolves after 50..450 ms. */
const fakeFetch = (name) => delay(50 + Math.floor(Math.random() * 400), `${name}: ${Math.floor(Math.random() * 900 + 100)} bytes`);

/**
 * Runs every scenario.
 * @param {(line: string) => void} log
 * @param {(p: { completed: number, failed: number, total: number, elapsedMs: number, final: boolean }) => void} onProgress
 */
export async function runDemo(log, onProgress) {
  const t0 = performance.now();
  log(`crossOriginIsolated = ${self.crossOriginIsolated}`);

  // 1. gather an array of promises, with a progress callback.
  const names = Array.from({ length: 12 }, (_, i) => `file${i + 1}`);
  const files = await gather(names.map(fakeFetch), { progress: onProgress });
  log(`gather(12 promises, {progress}) -> ${files.length} results, in input order; first: "${files[0]}"`);

  // 2. the same shapes as the input: plain object and Map.
  const obj = await gather({ user: delay(80, 'ada'), count: 3, posts: delay(30, ['p1', 'p2']) });
  log(`gather({user, count, posts}) -> ${JSON.stringify(obj)}`);
  const map = await gather(new Map([['a', delay(20, 1)], ['b', 2]]));
  log(`gather(Map) -> Map ${JSON.stringify([...map])}`);

  // 3. iter: [key, value] as each one completes.
  const order = [];
  for await (const [k, v] of gather({ slow: delay(300, 's'), fast: delay(20, 'f'), mid: delay(120, 'm') }, { iter: true })) {
    order.push(`${k}=${v}`);
  }
  log(`gather({slow, fast, mid}, {iter: true}) yields in completion order: ${order.join(', ')}`);

  // 4. wait FIRST_COMPLETED: the first mirror to answer wins; the others stay usable.
  const mirrors = ['eu', 'us', 'asia'].map((m, i) => wrapFuture(delay(60 + 90 * i, m)));
  const { done, notDone } = await wait(mirrors, { returnWhen: 'FIRST_COMPLETED' });
  log(`wait(3 mirrors, FIRST_COMPLETED) -> done: ${[...done].map((f) => f.resultNow())}, not done yet: ${notDone.size}`);

  // 5. a timeout rejects with TimeoutError saying how many completed.
  try {
    await gather([delay(10, 'ok'), never(), delay(20, 'ok')], { timeout: 100 });
    throw new Error('the timeout did not fire');
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log(`gather(..., {timeout: 100}) -> ${e.name}: ${e.message}`);
  }

  const ms = Math.round(performance.now() - t0);
  log(`done in ${ms} ms`);
  return ms;
}
