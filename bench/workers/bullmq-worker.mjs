// "BullMQ alone" for bench/remote.mjs: what a BullMQ user writes to serve a
// queue — a plain BullMQ Worker in its own process, running the same job
// function as our worker command (add() of ./add.mjs, in-process, as BullMQ's
// default non-sandboxed processor does), on plain JSON job data { a, b }.
//
//   node bench/workers/bullmq-worker.mjs REDIS_URL QUEUE CONCURRENCY
//
// Prints "bullmq-worker: ready" once serving; SIGTERM closes the Worker
// (running jobs finish) and exits.
import { Worker } from 'bullmq';
import { add } from './add.mjs';

const [url, queue, conc] = process.argv.slice(2);
const u = new URL(url);
const connection = { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null };
const worker = new Worker(queue, async (job) => add(job.data.a, job.data.b), {
  connection,
  concurrency: Number(conc),
});
worker.on('error', (e) => process.stderr.write(`bullmq-worker: ${e && e.message}\n`));
await worker.waitUntilReady();
process.stdout.write('bullmq-worker: ready\n');
process.once('SIGTERM', () => { worker.close().then(() => process.exit(0)); });
