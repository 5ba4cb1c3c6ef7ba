// The browser test without cross-origin isolation (called by
// tests/browser/run.mjs): a second instance of web-demo/server.mjs that sends
// no COOP/COEP at all (as GitHub Pages and most static hosts), and
// tests/browser/no-isolation.html there. In the page and in a module worker:
// crossOriginIsolated is false and SharedArrayBuffer missing, the package
// loads dist/concurry-core-st.* (and not the -pthread core) instead of
// failing at import, a Promise gather and a thread-mode gather (Web Workers,
// completion by message) give their values, C kernels run on workers (a
// cancelled one's worker is replaced at once, times printed), and gatherSync
// refuses saying why.
import { startServer } from '../../web-demo/server.mjs';

const CHECKS = [
  'not cross-origin isolated', 'import loads the single-threaded core', 'Promise gather',
  'thread-mode gather', 'c mode runs the kernels on workers', 'a cancelled C kernel frees its worker at once',
  'gatherSync refused, saying why',
];

/** The check whose times are printed. */
const TIMED = 'a cancelled C kernel frees its worker at once';

/**
 * @param {{ context: import('playwright-core').BrowserContext,
 *   pass: (m: string) => void, fail: (m: string) => void, watch: Function }} t
 */
export async function checkNoIsolation({ context, pass, fail, watch }) {
  const server = await startServer({ port: 0, host: '127.0.0.1', isolation: false });
  const page = await context.newPage();
  try {
    const logs = watch(page, 'no-isolation page');
    const resp = await page.goto(`${server.url}tests/browser/no-isolation.html`, { timeout: 10_000 });
    const h = resp ? resp.headers() : {};
    if (!resp || !resp.ok()) fail(`no-isolation page: HTTP ${resp && resp.status()}`);
    if (h['cross-origin-opener-policy'] || h['cross-origin-embedder-policy']) {
      fail(`no-isolation page: served with COOP=${h['cross-origin-opener-policy']} COEP=${h['cross-origin-embedder-policy']}`);
    }
    let result = null;
    let timer;
    try {
      result = await Promise.race([
        page.evaluate(() => window.testResult),
        new Promise((_, ko) => { timer = setTimeout(() => ko(new Error('no result in 20000 ms')), 20_000); }),
      ]);
    } catch (e) {
      fail(`no-isolation page did not produce a result: ${e.message.split('\n')[0]}`);
    } finally {
      clearTimeout(timer);
    }
    for (const where of ['page', 'worker']) {
      const r = result && result[where];
      if (!r) continue;
      if (r.error) fail(`no isolation, ${where}: ${r.error}`);
      const byName = new Map((r.checks || []).map((c) => [c.name, c]));
      for (const name of CHECKS) {
        const c = byName.get(name);
        if (!c) fail(`no isolation, ${where}: check "${name}" did not run`);
        else if (!c.ok) fail(`no isolation, ${where}: ${name}: ${c.error}`);
        else pass(`no isolation, ${where}: ${name} (${c.ms} ms)${name === TIMED ? `: ${c.detail}` : ''}`);
      }
    }
    const errs = logs.filter((l) => !l.includes('console.warning'));
    if (errs.length) fail(`no-isolation page logged errors:\n${errs.map((l) => `        ${l}`).join('\n')}`);
  } finally {
    await page.close();
    await server.close();
  }
}
