// docs/API.md is generated from the type declarations by
// scripts/api-reference.mjs: it must be what regenerating gives (so a change
// to bindings/index.d.ts or worker.d.ts that forgot to regenerate fails
// here), and it must name every runtime export of both entry points.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

test('docs/API.md is up to date (node scripts/api-reference.mjs --check)', async () => {
  const r = await new Promise((resolve) => {
    execFile(process.execPath, ['scripts/api-reference.mjs', '--check'], { cwd: root },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, out: `${stdout}${stderr}` }));
  });
  expect(r.out).toBe('');
  expect(r.code).toBe(0);
}, 60000);

test.each([
  ['concurry-wasm', '../bindings/index.js'],
  ['concurry-wasm/worker', '../bindings/worker.js'],
])('docs/API.md documents every runtime export of %s', async (spec, path) => {
  const api = readFileSync(new URL('../docs/API.md', import.meta.url), 'utf8');
  const section = api.split(/^## /m).find((s) => s.startsWith(`\`${spec}\``));
  expect(section).toBeDefined();
  const documented = new Set([...section.matchAll(/^#### (\S+) \(/gm)].map((m) => m[1]));
  const missing = Object.keys(await import(path)).filter((k) => !documented.has(k));
  expect(missing).toEqual([]);
}, 60000);

test("README's API reference section names every runtime export", async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('API reference'));
  expect(section).toBeDefined();
  const names = [...Object.keys(await import('../bindings/index.js')), ...Object.keys(await import('../bindings/worker.js'))];
  expect(names.filter((k) => !section.includes(`\`${k}\``) && !section.includes(`\`${k}(`))).toEqual([]);
}, 60000);
