// index.d.ts is checked by compiling tests/types/check.ts with tsc (no emit).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

(existsSync(tsc) ? test : test.skip)('index.d.ts: precise generics compile (tsc --noEmit)', () => {
  const out = (() => {
    try {
      execFileSync(process.execPath, [tsc, '-p', 'tests/types/tsconfig.json'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
      return '';
    } catch (e) {
      return `${e.stdout || ''}${e.stderr || ''}` || String(e);
    }
  })();
  expect(out).toBe('');
}, 60000);

(existsSync(tsc) ? test : test.skip)('index.d.ts and worker.d.ts type-check in a Node project without the DOM lib', () => {
  let out = '';
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tests/types/tsconfig.node.json'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    out = `${e.stdout || ''}${e.stderr || ''}` || String(e);
  }
  expect(out).toBe('');
}, 60000);
