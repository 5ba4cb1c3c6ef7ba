// Process mode: a typed array (or DataView) result comes over the IPC
// channel, whose deserializer makes it a view into the message's bytes (or,
// unaligned, into Node's shared Buffer pool). Through `.buffer` a caller
// saw the other results of the same batch and whatever else shared that
// memory. Each such result now owns a buffer of its own size (process.js).
import { createWorker, gather } from '../bindings/index.js';

const TASKS = new URL('./fixtures/workers/views-tasks.mjs', import.meta.url);
let w = null;
beforeAll(async () => { w = await createWorker(TASKS, { mode: 'process', maxWorkers: 1 }); });
afterAll(() => w.stop({ force: true }));

test('typed-array and DataView results own their buffer: no other call\'s bytes behind them', async () => {
  // Many calls at once: their results come back several to a message.
  const u8 = await gather(Array.from({ length: 40 }, (_, i) => w.echo(new Uint8Array(16).fill(100 + i))));
  const f64 = await gather(Array.from({ length: 40 }, (_, i) => w.echo(new Float64Array(2).fill(1000 + i))));
  for (let i = 0; i < 40; i++) {
    expect([...u8[i]]).toEqual(new Array(16).fill(100 + i));
    expect([u8[i].byteOffset, u8[i].buffer.byteLength]).toEqual([0, 16]);
    expect([...f64[i]]).toEqual([1000 + i, 1000 + i]);
    expect([f64[i].byteOffset, f64[i].buffer.byteLength]).toEqual([0, 16]);
  }
  const dv = await w.echo(new DataView(new Uint8Array([1, 2, 3]).buffer));
  expect(dv).toBeInstanceOf(DataView);
  expect([dv.byteOffset, dv.byteLength, dv.buffer.byteLength, dv.getUint8(2)]).toEqual([0, 3, 3, 3]);
  // A result that already owned its buffer, and a part of a larger one the task chose to return whole.
  const whole = await w.echo(new Uint8Array(new ArrayBuffer(8), 2, 4));
  expect([whole.byteLength, whole.buffer.byteLength]).toEqual([4, 4]);
});

test('progress values that are typed arrays own their buffer too', async () => {
  const seen = [];
  await w.callWith({ onProgress: (v) => seen.push(v) }, 'progressBytes', 5);
  expect(seen.length).toBe(5);
  for (let i = 0; i < 5; i++) {
    expect([...seen[i]]).toEqual([i, i, i, i]);
    expect(seen[i].buffer.byteLength).toBe(4);
  }
});
