#!/usr/bin/env node
// Runs the WASI build of the C tests (concurry_tests.wasm) with a time limit
// per test. A WASI program has neither threads nor fork, so it cannot watch
// itself: this lists the selected tests (--list), then runs each as its own
// instance of the module (--exact NAME) in a worker thread, and terminates
// the worker when the test passes its limit, reporting
// "FAIL group/name (timed out after N ms)" and going on with the next test.
//
//   node wasm/tests/wasi-isolate.mjs [--timeout-ms N] FILE.wasm [--OPTION...] [FILTER...]
//
// N defaults to $CY_TEST_TIMEOUT_MS, else 5000. --OPTIONs (--self-test) go to
// every run of the runner, FILTERs to the listing. Prints the runner's lines
// and one summary, "N passed, N failed, N skipped"; exits 1 when any failed.
// The current directory is preopened as "." (as scripts/wasi-run.mjs does).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { WASI } from 'node:wasi';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

// Node 20 prints an ExperimentalWarning for node:wasi; keep test output clean.
process.removeAllListeners('warning');
process.on('warning', (w) => { if (w.name !== 'ExperimentalWarning') console.error(w); });

/** One run of the module: args as argv, stdout to the file descriptor given. */
function instantiate(module, args, stdout) {
  const wasi = new WASI({
    version: 'preview1', args, env: process.env, preopens: { '.': process.cwd() },
    returnOnExit: true, stdout,
  });
  return { wasi, ready: WebAssembly.instantiate(module, wasi.getImportObject()) };
}

if (!isMainThread) {
  // One worker runs test after test (a fresh instance each: starting a
  // worker costs more than most tests); it is replaced after a timeout.
  const { module } = workerData;
  parentPort.on('message', async ({ args, stdout }) => {
    const { wasi, ready } = instantiate(module, args, stdout);
    const instance = await ready;
    parentPort.postMessage({ started: true });
    let code;
    try {
      code = wasi.start(instance);
    } catch (e) { // a trap (abort, unreachable): the test crashed
      console.error(`wasi-isolate: ${args.slice(1).join(' ')}: ${e && e.stack ? e.stack : e}`);
      code = 134;
    }
    parentPort.postMessage({ code: code ?? 0 });
  });
} else {
  const argv = process.argv.slice(2);
  let timeoutMs = Number(process.env.CY_TEST_TIMEOUT_MS || 5000);
  if (argv[0] === '--timeout-ms') {
    argv.shift();
    timeoutMs = Number(argv.shift());
  }
  if (!(timeoutMs > 0) || !argv.length) {
    console.error('usage: node wasi-isolate.mjs [--timeout-ms N > 0] FILE.wasm [--OPTION...] [FILTER...]');
    process.exit(2);
  }
  const file = argv.shift();
  const options = argv.filter((a) => a.startsWith('--'));
  const filters = argv.filter((a) => !a.startsWith('--'));
  const module = await WebAssembly.compile(readFileSync(file));
  const dir = mkdtempSync(join(tmpdir(), 'cy-wasi-tests-'));
  const out = join(dir, 'stdout');

  let worker = null;
  /** Runs the runner with args; its stdout as text, its exit code or 'timeout'. */
  const run = (args, limitMs) => new Promise((resolve, reject) => {
    if (!worker) {
      worker = new Worker(new URL(import.meta.url), { workerData: { module } });
    }
    const w = worker;
    const fd = openSync(out, 'w');
    let timer = null;
    const finish = (code) => {
      clearTimeout(timer);
      w.removeAllListeners('message');
      w.removeAllListeners('error');
      closeSync(fd);
      resolve({ code, text: readFileSync(out, 'utf8') });
    };
    w.on('message', (m) => {
      if (m.started && limitMs) {
        timer = setTimeout(() => {
          // A worker blocked in a sleep stops when the sleep returns; the
          // process exits at the end whatever it does meanwhile.
          worker = null;
          w.terminate();
          finish('timeout');
        }, limitMs);
      } else if ('code' in m) {
        finish(m.code);
      }
    });
    w.on('error', (e) => {
      worker = null;
      clearTimeout(timer);
      closeSync(fd);
      reject(e);
    });
    w.postMessage({ args: [file, ...args], stdout: fd });
  });

  let passed = 0, failed = 0, skipped = 0;
  try {
    const listed = await run(['--list', ...options, ...filters], 0);
    if (listed.code !== 0) {
      process.stdout.write(listed.text);
      throw new Error(`--list exited with ${listed.code}`);
    }
    const names = listed.text.split('\n').filter(Boolean);
    for (const name of names) {
      const r = await run(['--exact', ...options, name], timeoutMs);
      if (r.code === 'timeout') {
        process.stdout.write(`FAIL ${name} (timed out after ${timeoutMs} ms)\n`);
        failed++;
        continue;
      }
      let counted = false;
      for (const line of r.text.split('\n')) {
        const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(line);
        if (m) {
          passed += Number(m[1]);
          failed += Number(m[2]);
          skipped += Number(m[3]);
          counted = true;
        } else if (line) {
          process.stdout.write(`${line}\n`);
        }
      }
      if (!counted || (r.code !== 0 && !/^FAIL /m.test(r.text))) {
        process.stdout.write(`FAIL ${name} (exit status ${r.code})\n`);
        failed++;
      }
    }
  } catch (e) {
    console.error(`wasi-isolate: ${file}: ${e && e.stack ? e.stack : e}`);
    failed++;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exit(failed ? 1 : 0);
}
