#!/usr/bin/env node
// Runs a wasm32-wasi command module under Node's node:wasi (preview1).
// Usage: node scripts/wasi-run.mjs [--dir HOST[:GUEST]] FILE.wasm [ARGS...]
// The current directory is preopened as "." (and "/" maps to nothing);
// exits with the program's exit code.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import process from 'node:process';
import { WASI } from 'node:wasi';

const argv = process.argv.slice(2);
const preopens = { '.': process.cwd() };
while (argv.length && argv[0].startsWith('--')) {
  const opt = argv.shift();
  if (opt === '--') break;
  if (opt === '--dir') {
    const spec = argv.shift() ?? '';
    const [host, guest = host] = spec.split(':');
    preopens[guest] = resolve(host);
  } else {
    console.error(`wasi-run: unknown option ${opt}`);
    process.exit(2);
  }
}
if (!argv.length) {
  console.error('usage: node scripts/wasi-run.mjs [--dir HOST[:GUEST]] FILE.wasm [ARGS...]');
  process.exit(2);
}
const file = argv[0];

// Node 20 prints an ExperimentalWarning for node:wasi; keep test output clean.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'ExperimentalWarning') console.error(w);
});

const wasi = new WASI({
  version: 'preview1',
  args: argv,
  env: process.env,
  preopens,
  returnOnExit: true,
});

let code;
try {
  const module = await WebAssembly.compile(await readFile(file));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  code = wasi.start(instance);
} catch (err) {
  console.error(`wasi-run: ${file}: ${err && err.stack ? err.stack : err}`);
  code = 134;
}
process.exitCode = code ?? 0;
