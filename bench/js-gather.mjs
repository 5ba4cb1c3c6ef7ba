// JS benchmarks of concurry-wasm against the hand-written Promise equivalents.
//   node --expose-gc bench/js-gather.mjs [--runs N] [--json]
// Each case runs N rounds (default 15), alternating the two contenders, with a
// full GC before each timed section (so neither pays for the other's garbage),
// and reports the median. Figures go to BENCHMARKS.md ("## JS").
import { gather, wait, wrapFuture } from '../bindings/index.js';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1]) || 15;
const JSON_OUT = args.includes('--json');
const gc = globalThis.gc || (() => {});
if (!globalThis.gc) console.error('note: run with --expose-gc for stable figures');

const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const results = {};

async function compare(name, setup, base, ours) {
  const tb = [];
  const to = [];
  for (let r = 0; r < RUNS; r++) {
    for (const [fn, out] of r % 2 ? [[base, tb], [ours, to]] : [[ours, to], [base, tb]]) {
      const input = setup();
      gc();
      const t = performance.now();
      await fn(input);
      out.push(performance.now() - t);
    }
  }
  const b = med(tb);
  const o = med(to);
  results[name] = { baselineMs: b, oursMs: o, ratio: o / b };
  if (!JSON_OUT) console.log(`${name.padEnd(44)} baseline ${b.toFixed(2).padStart(8)} ms   concurry ${o.toFixed(2).padStart(8)} ms   ratio ${(o / b).toFixed(2)}`);
}

const N = 100000;

// 1. 100k already-settled promises
await compare('gather vs Promise.all, 100k settled',
  () => Array.from({ length: N }, (_, i) => Promise.resolve(i)),
  (ps) => Promise.all(ps),
  (ps) => gather(ps));

// 2. 100k promises settling across macrotasks (1000 per setImmediate)
function spread() {
  const resolvers = new Array(N);
  const ps = Array.from({ length: N }, (_, i) => new Promise((r) => { resolvers[i] = r; }));
  return { ps, resolvers };
}
function settleAcrossMacrotasks(resolvers) {
  let i = 0;
  const step = () => {
    const end = Math.min(N, i + 1000);
    for (; i < end; i++) resolvers[i](i);
    if (i < N) setImmediate(step);
  };
  setImmediate(step);
}
await compare('gather vs Promise.all, 100k over macrotasks', spread,
  ({ ps, resolvers }) => { settleAcrossMacrotasks(resolvers); return Promise.all(ps); },
  ({ ps, resolvers }) => { settleAcrossMacrotasks(resolvers); return gather(ps); });

// 2b. every outcome: gather with returnExceptions, and wait() (which returns
// the futures themselves), against Promise.allSettled (100k settled promises)
await compare('gather returnExceptions vs allSettled, 100k',
  () => Array.from({ length: N }, (_, i) => (i % 10 === 0 ? Promise.reject(new Error(String(i))) : Promise.resolve(i))),
  (ps) => Promise.allSettled(ps),
  (ps) => gather(ps, { returnExceptions: true }));
await compare('wait vs allSettled, 100k',
  () => Array.from({ length: N }, (_, i) => Promise.resolve(i)),
  (ps) => Promise.allSettled(ps),
  (ps) => wait(ps));

// 3. object gather, 50k keys
const K = 50000;
await compare('object gather vs all+fromEntries, 50k keys',
  () => { const o = {}; for (let i = 0; i < K; i++) o[`k${i}`] = Promise.resolve(i); return o; },
  async (o) => { const keys = Object.keys(o); const vals = await Promise.all(keys.map((k) => o[k])); return Object.fromEntries(keys.map((k, i) => [k, vals[i]])); },
  (o) => gather(o));

// 4. heap bytes per wrapped pending promise vs a bare pending promise with one reaction
async function heapPer(make, n = 50000) {
  const samples = [];
  for (let r = 0; r < 5; r++) {
    gc(); gc();
    const before = process.memoryUsage();
    const keep = make(n);
    gc(); gc();
    const after = process.memoryUsage();
    samples.push({ js: (after.heapUsed - before.heapUsed) / n, ext: (after.arrayBuffers - before.arrayBuffers) / n });
    keep.resolveAll();
  }
  return { js: med(samples.map((s) => s.js)), ext: med(samples.map((s) => s.ext)) };
}
function pending(n, attach) {
  const resolvers = [];
  const held = [];
  for (let i = 0; i < n; i++) {
    const p = new Promise((r) => { resolvers.push(r); });
    held.push(attach(p, i));
  }
  return { held, resolveAll() { for (const r of resolvers) r(); } };
}
const bare = await heapPer((n) => { const out = new Array(n); return pending(n, (p, i) => { p.then((v) => { out[i] = v; }); return p; }); });
const wrapped = await heapPer((n) => pending(n, (p) => wrapFuture(p)));
// the wasm side: one cy_future slot per wrapped promise (20 B on wasm32), in pooled chunks
const wasmBytes = 20 + 4;
results['heap per wrapped promise (JS heap)'] = { baselineBytes: bare.js, oursBytes: wrapped.js, ratio: wrapped.js / bare.js, wasmBytesPerFuture: wasmBytes };
if (!JSON_OUT) {
  console.log(`${'heap per pending promise, bare + 1 reaction'.padEnd(44)} ${bare.js.toFixed(1)} B`);
  console.log(`${'heap per wrapFuture(pending promise)'.padEnd(44)} ${wrapped.js.toFixed(1)} B JS heap (+ ${wasmBytes} B in wasm memory)   ratio ${(wrapped.js / bare.js).toFixed(2)} (incl. wasm ${((wrapped.js + wasmBytes) / bare.js).toFixed(2)})`);
}

// 5. idle CPU while waiting on 5000 pending promises for 2 s, beside the same
// wait done by Promise.all. process.cpuUsage() counts every thread, so the
// garbage of the cases above is collected first and its background sweeping
// given time to end: otherwise it is billed to whichever wait comes next.
async function idleCpu(waitOn) {
  const resolvers = [];
  const ps = Array.from({ length: 5000 }, () => new Promise((r) => { resolvers.push(r); }));
  const w = waitOn(ps);
  gc(); gc();
  await new Promise((r) => setTimeout(r, 300));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 2000));
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  resolvers.forEach((r) => r());
  await w;
  return ((c.user + c.system) / 1000 / wall) * 100;
}
{
  // ABBA order, least of each: whichever runs first still pays for some of
  // the earlier cases' background GC work.
  const b1 = await idleCpu((ps) => Promise.all(ps));
  const o1 = await idleCpu((ps) => wait(ps));
  const o2 = await idleCpu((ps) => wait(ps));
  const b2 = await idleCpu((ps) => Promise.all(ps));
  const base = Math.min(b1, b2);
  const pct = Math.min(o1, o2);
  results['idle CPU, wait on 5000 pending, 2 s'] = { cpuPercent: pct, baselineCpuPercent: base };
  if (!JSON_OUT) console.log(`${'idle CPU, wait on 5000 pending promises, 2 s'.padEnd(44)} baseline ${base.toFixed(3)} %   concurry ${pct.toFixed(3)} % of one core`);
}

if (JSON_OUT) console.log(JSON.stringify(results, null, 2));
