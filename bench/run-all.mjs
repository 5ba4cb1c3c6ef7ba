// Runs every JS benchmark of bench/ (node --expose-gc bench/run-all.mjs).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
for (const file of ['js-gather.mjs', 'js-many-waits.mjs', 'c-kernels.mjs']) {
  const path = fileURLToPath(new URL(file, import.meta.url));
  console.log(`# ${file}`);
  const r = spawnSync(process.execPath, ['--expose-gc', path, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status) process.exitCode = r.status;
}
