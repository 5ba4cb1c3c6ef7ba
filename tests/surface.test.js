// The package's surface tells the truth: what index.js exports is what
// index.d.ts declares (no internal door such as adoptCFuture leaks out), and
// bindings/wrap.js keeps no helper nobody uses.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as pkg from '../bindings/index.js';
import * as wrap from '../bindings/wrap.js';

const bindings = fileURLToPath(new URL('../bindings/', import.meta.url));
const read = (p) => readFileSync(`${bindings}${p}`, 'utf8');

test('index.js exports exactly the values index.d.ts declares', () => {
  const dts = read('index.d.ts');
  const declared = new Set();
  for (const m of dts.matchAll(/^export (?:declare )?(?:abstract )?(?:class|function|const) (\w+)/gm)) declared.add(m[1]);
  expect(Object.keys(pkg).sort()).toEqual([...declared].sort());
});

test('every export of wrap.js is used by another module of bindings/', () => {
  const files = [];
  const walk = (dir) => {
    for (const e of readdirSync(`${bindings}${dir}`, { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${dir}${e.name}/`);
      else if (e.name.endsWith('.js') && `${dir}${e.name}` !== 'wrap.js') files.push(`${dir}${e.name}`);
    }
  };
  walk('');
  const users = files.map(read).join('\n');
  const unused = Object.keys(wrap).filter((name) =>
    !new RegExp(`import\\s*\\{[^}]*\\b${name}\\b[^}]*\\}\\s*from\\s*'[./]*(?:\\.\\./)?wrap\\.js'`).test(users) &&
    !new RegExp(`export\\s*\\{[^}]*\\b${name}\\b[^}]*\\}\\s*from\\s*'\\./wrap\\.js'`).test(users));
  expect(unused).toEqual([]);
});

test('the packed package ships dist/ and no test build or test helper (npm pack --dry-run)', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const files = JSON.parse(out)[0].files.map((f) => f.path);
  expect(files).toContain('dist/concurry-core.wasm');
  expect(files.filter((p) => /dist-test|wasm\/tests|tasks\.h/.test(p))).toEqual([]);
  expect(readFileSync(`${root}dist/concurry-core.js`, 'utf8')).not.toMatch(/submit_sleep/);
});
