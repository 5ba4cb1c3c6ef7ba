// The cause of a WorkerCrashedError belongs to the exit it explains. A process
// child reported every uncaught exception as "why I am about to die"
// (process-entry.js's uncaughtExceptionMonitor fires even when a handler of
// the task module keeps the process alive), and process.js kept it forever:
// a later exit (process.exit, a grace kill, out of memory) carried that old
// error as its cause and in its message.
import { createWorker, WorkerCrashedError } from '../bindings/index.js';
import { rejection } from './modes-pool-helpers.js';

const MODULE = new URL('./fixtures/workers/survives-uncaught.mjs', import.meta.url);

describe.each(['thread', 'process'])('%s mode', (mode) => {
  let w;
  afterEach(async () => { await w?.stop({ force: true }).catch(() => {}); });

  test('an uncaught error the module handled is not the cause of a later exit', async () => {
    w = await createWorker(MODULE, { mode, maxWorkers: 1 });
    expect(await w.install()).toBe(true);
    await w.throwLater('old error');
    // The worker survived it: the same one answers.
    expect(await w.caughtSoFar()).toEqual(['old error']);
    expect(w.stats().crashed).toBe(0);
    const e = await rejection(w.exit(3));
    expect(e).toBeInstanceOf(WorkerCrashedError);
    expect(e.exitCode).toBe(3);
    expect(e.cause).toBeUndefined();
    expect(e.message).not.toContain('old error');
    expect(e.message).toContain('exit code 3');
    expect(await w.add(1, 2)).toBe(3);
  });

  test('an uncaught error nobody handles is still the cause of the exit it makes', async () => {
    w = await createWorker(MODULE, { mode, maxWorkers: 1 });
    const e = await rejection(w.throwLater('fatal error'));
    expect(e).toBeInstanceOf(WorkerCrashedError);
    expect(e.exitCode).toBe(1);
    expect(e.cause.message).toBe('fatal error');
    expect(e.message).toContain('exit code 1: fatal error');
  });
});
