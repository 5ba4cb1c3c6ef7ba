/**
 * The Node flags a process-mode child inherits: the parent's
 * `process.execArgv`, as child_process.fork() and worker_threads pass them by
 * default, so `--import`/`--require` preloads, loaders (a `.ts` task module
 * under a tsx-style `--import`), `--conditions`, `--max-old-space-size` and
 * the like hold in the children as they do in thread mode. Left out: the
 * flags that would make each child do the parent's job again or fight over
 * one resource —
 *   - code given on the command line (`-e`/`--eval`, `-p`/`--print`,
 *     `--input-type`, `-i`, `-c`/`--check`): the child runs its entry file;
 *   - the inspector (`--inspect*`, `--debug-port`): every child would try
 *     the parent's port, and with `--inspect-brk` stop before running;
 *   - profilers that write one file per process under a given name or
 *     directory (`--cpu-prof*`, `--heap-prof*`, `--prof`);
 *   - the test runner and watch mode (`--test*`, `--experimental-test*`,
 *     `--watch*`): a child would run the tests, or restart on changes;
 *   - what runs or builds something else instead of the entry file:
 *     `--snapshot-blob` (a parent started from a snapshot: each child would
 *     run that snapshot's main function, not process-entry.js),
 *     `--build-snapshot*`, `--run` (a package.json script),
 *     `--experimental-sea-config`, `--prof-process`, and `--entry-url`
 *     (Node 23+: the entry's path would be read as a URL).
 * NODE_OPTIONS reaches the children through their environment, as it does
 * for any child process.
 * @module concurry-wasm/modes/exec-argv
 */

/** Dropped flags that take a value, which may come as the next element. */
const DROP_WITH_VALUE = new Set([
  '-e', '--eval', '-p', '--print', '--input-type',
  '--inspect-port', '--debug-port',
  '--cpu-prof-dir', '--cpu-prof-name', '--cpu-prof-interval',
  '--heap-prof-dir', '--heap-prof-name', '--heap-prof-interval',
  '--test-reporter', '--test-reporter-destination', '--test-name-pattern', '--test-skip-pattern',
  '--test-concurrency', '--test-timeout', '--test-shard', '--test-isolation', '--experimental-test-isolation',
  '--test-coverage-include', '--test-coverage-exclude', '--test-coverage-branches',
  '--test-coverage-functions', '--test-coverage-lines', '--test-global-setup',
  '--watch-path', '--build-snapshot-config', '--run', '--experimental-sea-config',
  '--snapshot-blob',
]);

/** Dropped flags with no separate value (a value, if any, is attached with '='). */
const DROP = new Set([
  '-i', '--interactive', '-c', '--check',
  '--inspect', '--inspect-brk', '--inspect-wait', '--debug-brk',
  '--cpu-prof', '--heap-prof', '--prof', '--prof-process',
  '--build-snapshot', '--entry-url',
]);

/** Families dropped whole: the test runner's and watch mode's flags. */
const DROP_PREFIXES = ['--test', '--experimental-test', '--watch'];

/**
 * @param {readonly string[]} [argv] the parent's flags (process.execArgv)
 * @returns {string[]} the flags a child is started with
 */
export function inheritedExecArgv(argv = process.execArgv) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    // Node spells flags with '-' or '_' alike (--cpu_prof).
    const name = (eq > 0 ? a.slice(0, eq) : a).replace(/_/g, '-');
    if (DROP_WITH_VALUE.has(name)) {
      if (eq < 0) i++; // its value is the next element
      continue;
    }
    if (DROP.has(name)) continue;
    if (DROP_PREFIXES.some((p) => name === p || name.startsWith(`${p}-`))) {
      // Any of these that takes a value is in DROP_WITH_VALUE; the rest are switches.
      continue;
    }
    out.push(a);
  }
  return out;
}
