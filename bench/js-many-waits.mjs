// N concurrent single waits, the pattern of a server where each request
// awaits its own future: N pending promises settling one per macrotask, each
// awaited by its own wrapFuture(p).result() / wait([p]) / gather([p]), beside
// Promise.all(ps) over the same promises settling the same way.
//   node --expose-gc bench/js-many-waits.mjs [--runs N] [--sizes 5000,10000] [--cpu] [--json]
// Reports the median of N rounds (default 3) per size; each round runs every
// contender once, in an order that rotates from round to round (so load from
// other work on the machine falls on all of them alike); figures go to
// BENCHMARKS.md ("Many concurrent waits"). Linear in N means the ms per wait
// stays flat as N grows. --cpu measures the process's CPU time (every thread,
// GC helpers included) instead of wall time: steadier on a shared machine.
import { gather, wait, wrapFuture } from '../bindings/index.js';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const RUNS = Number(opt('--runs')) || 3;
const SIZES = (opt('--sizes') || '5000,10000,20000,40000,80000').split(',').map(Number);
const JSON_OUT = args.includes('--json');
const CPU = args.includes('--cpu');
const gc = globalThis.gc || (() => {});
if (!globalThis.gc) console.error('note: run with --expose-gc for stable figures');

const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };

const contenders = {
  'Promise.all': (ps) => Promise.all(ps),
  'result()': (ps) => Promise.all(ps.map((p) => wrapFuture(p).result())),
  'wait([p])': (ps) => Promise.all(ps.map((p) => wait([p]))),
  'gather([p])': (ps) => Promise.all(ps.map((p) => gather([p]))),
};

async function once(n, fn) {
  const resolvers = new Array(n);
  const ps = Array.from({ length: n }, (_, i) => new Promise((r) => { resolvers[i] = r; }));
  gc();
  const t = performance.now();
  const c0 = process.cpuUsage();
  const all = fn(ps);
  let i = 0;
  await new Promise((done) => {
    const step = () => {
      resolvers[i](i);
      i++;
      if (i < n) setImmediate(step);
      else done();
    };
    setImmediate(step);
  });
  await all;
  if (CPU) {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  }
  return performance.now() - t;
}

const results = {};
for (const n of SIZES) {
  const row = {};
  const names = Object.keys(contenders);
  const ts = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < RUNS; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(j + r) % names.length];
      ts[name].push(await once(n, contenders[name]));
    }
  }
  for (const name of names) row[name] = med(ts[name]);
  results[n] = row;
  if (!JSON_OUT) {
    const base = row['Promise.all'];
    console.log(`N=${String(n).padStart(6)}  ` + Object.entries(row).map(([k, v]) =>
      `${k} ${v.toFixed(0).padStart(6)} ms${k === 'Promise.all' ? '' : ` (${(v / base).toFixed(2)}x)`}`).join('   '));
  }
}
if (JSON_OUT) console.log(JSON.stringify(results, null, 2));
