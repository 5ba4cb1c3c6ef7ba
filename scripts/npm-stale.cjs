// Exit 0 when node_modules matches package-lock.json, 1 (and says why) when
// `npm ci` is needed, 2 when package-lock.json is out of date with package.json. Used by scripts/setup.sh; no dependencies.
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..');
const say = (m) => { if (!process.argv.includes('-q')) console.log(`npm-stale: ${m}`); };
let lock;
try {
  lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
} catch (e) {
  say('no package-lock.json');
  process.exit(1);
}
if (!fs.existsSync(path.join(root, 'node_modules'))) {
  say('node_modules is missing');
  process.exit(1);
}
const pkgs = lock.packages || {};
// package.json and the lock must agree on the top-level dependencies (exit 2:
// `npm ci` would refuse; setup runs `npm install` instead).
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const lockRoot = pkgs[''] || {};
for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
  const want = manifest[field] || {};
  const have = lockRoot[field] || {};
  const keys = new Set([...Object.keys(want), ...Object.keys(have)]);
  for (const k of keys) {
    if (want[k] !== have[k]) {
      say(`package.json ${field}.${k} (${want[k]}) differs from package-lock.json (${have[k]})`);
      process.exit(2);
    }
  }
}
for (const [key, meta] of Object.entries(pkgs)) {
  if (!key.startsWith('node_modules/') || meta.optional || meta.link) continue;
  const file = path.join(root, key, 'package.json');
  let version;
  try {
    version = JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch (e) {
    say(`${key} is missing`);
    process.exit(1);
  }
  if (meta.version && version !== meta.version) {
    say(`${key} is ${version}, package-lock.json wants ${meta.version}`);
    process.exit(1);
  }
}
process.exit(0);
