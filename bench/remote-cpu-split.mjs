// Remote mode: where the worker command's CPU goes per call, per thread of
// the command and of its sandbox children (/proc/PID/task/*/stat, Linux),
// after a warm-up of 4000 calls. One concurry-worker (--concurrency 2) on a
// fresh redis-server; N calls `add(i, 1)` in one tick and a gather.
//
//   node bench/remote-cpu-split.mjs [thread|process] [N]   (defaults: thread 8000)
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createWorker, gather } from '../bindings/index.js';
import { startRedis } from '../tests/redis-server.js';
const sandbox = process.argv[2] || 'thread';
const ADD = fileURLToPath(new URL('./workers/add.mjs', import.meta.url));
const r = await startRedis();
const q = 'cs' + Date.now();
const bin = spawn(process.execPath, [fileURLToPath(new URL('../bin/concurry-worker.js', import.meta.url)), '--redis', r.url, '--queue', q, '--module', ADD, '--concurrency', '2', '--sandbox', sandbox, '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((res) => bin.stdout.on('data', (d) => { if (String(d).includes('ready')) res(); }));
const w = await createWorker(ADD, { mode: 'remote', redis: r.url, queue: q });
const tick = 100; // clock ticks per second
const threads = (pid) => { const out = {}; for (const t of readdirSync(`/proc/${pid}/task`)) { const st = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8'); const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')); const f = st.slice(st.lastIndexOf(')') + 2).split(' '); out[`${pid}:${name}:${t}`] = Number(f[11]) + Number(f[12]); } return out; };
const kids = () => readFileSync(`/proc/${bin.pid}/task/${bin.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
const snap = () => { const o = threads(bin.pid); for (const k of kids()) Object.assign(o, threads(k)); return o; };
const round = async (n) => { const fs = []; for (let i = 0; i < n; i++) fs.push(w.add(i, 1)); await gather(fs); };
await round(4000);
const a = snap();
const N = Number(process.argv[3] || 8000);
const t0 = performance.now();
await round(N);
const ms = performance.now() - t0;
const b = snap();
const rows = Object.keys(b).map((k) => [k, (b[k] - (a[k] || 0)) * (1e6 / tick) / N]).filter(([, v]) => v > 0).sort((x, y) => y[1] - x[1]);
console.log(sandbox, (N / ms * 1000).toFixed(0), 'calls/s');
let tot = 0; for (const [k, v] of rows) { tot += v; console.log(v.toFixed(1).padStart(7), 'us/call', k); }
console.log('total', tot.toFixed(1));
await w.stop(); bin.kill('SIGTERM'); await r.stop();
