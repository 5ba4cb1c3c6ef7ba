// The web demo's part of the browser test (called by tests/browser/run.mjs):
//   1. a full run of web-demo/ (autorun): cross-origin isolated, <body
//      data-state> reaches "done", each mode painted frames with part of its
//      tiles (tile by tile), every mode's card drew every tile, and every
//      tile's pixels on every card equal the tile computed here in Node by the
//      package's C kernel and coloured with the demo's palette; a screenshot of
//      the finished page goes to build/web-demo.png;
//   2. a cancelled run: Render, then Cancel while the Web Workers are drawing:
//      data-state "cancelled", fewer tiles than the total and no more after,
//      the later modes never start, the pool's Web Workers are gone, no error;
//   3. the same cancel while the blocking worker (waitSync) runs: it notices
//      the shared flag and stops on its own (not the page's 2 s fallback);
//   4. served without COOP/COEP (?coi=0): the package's single-threaded core
//      draws the same image in three modes, the waitSync card is skipped.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tileGrid, palette, colorize } from '../../web-demo/mandelbrot.mjs';

const VIEW = 'full';
const ITERS = 500;
const WORKERS = 2;
const SCREENSHOT = fileURLToPath(new URL('../../build/web-demo.png', import.meta.url));

/** FNV-1a over bytes: the page hashes each tile's canvas pixels, this file the expected ones. */
function fnv1a(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The expected RGBA hash of each tile, the bytes made by the package's C
 * kernel in Node (not by the page's code), coloured by the demo's palette.
 */
async function expectedTiles(tiles) {
  const { createWorker } = await import('../../bindings/index.js');
  const w = await createWorker('builtin', { mode: 'c', maxWorkers: 2 });
  try {
    const lut = palette();
    const bytes = await Promise.all(tiles.map((t) => w.mandelbrot(...t.args)));
    return bytes.map((b) => ({ hash: fnv1a(colorize(b, lut)) }));
  } finally {
    await w.stop();
  }
}

/** Per card: mode, status, drawn, total, ms, and the hash of each tile's pixels. */
function readCards(page, tiles) {
  return page.evaluate(({ tiles, src }) => {
    const hash = new Function(`return (${src})`)();
    return [...document.querySelectorAll('.card')].map((card) => {
      const g = card.querySelector('canvas.img').getContext('2d');
      return {
        mode: card.dataset.mode, status: card.dataset.status, stoppedBy: card.dataset.stoppedBy ?? null, drawn: Number(card.dataset.tiles),
        total: Number(card.dataset.total), ms: card.dataset.ms === undefined ? null : Number(card.dataset.ms),
        time: card.querySelector('.time').textContent,
        bar: `${card.querySelector('.bar').getAttribute('aria-valuenow')}/${card.querySelector('.bar').getAttribute('aria-valuemax')}`,
        hashes: tiles.map((t) => hash(g.getImageData(t.x, t.y, t.w, t.h).data)),
      };
    });
  }, { tiles: tiles.map(({ x, y, w, h }) => ({ x, y, w, h })), src: fnv1a.toString() });
}

/**
 * Every card done with every tile drawn and equal to `expected` (cards in
 * `skipped` must say "skipped" and have drawn nothing).
 */
function checkCards(label, cards, expected, pass, fail, skipped = []) {
  const modes = cards.map((c) => c.mode).join(',');
  if (modes !== 'sync,thread,c,blocking') fail(`${label}: cards ${modes}, want sync,thread,c,blocking`);
  const n = expected.length;
  for (const c of cards) {
    if (skipped.includes(c.mode)) {
      if (c.status === 'skipped' && c.drawn === 0) pass(`${label}: ${c.mode}: skipped`);
      else fail(`${label}: ${c.mode}: status ${c.status}, ${c.drawn} tiles drawn; want it skipped`);
      continue;
    }
    const bad = [];
    c.hashes.forEach((h, i) => { if (h !== expected[i].hash) bad.push(i); });
    if (c.status !== 'done' || c.drawn !== n || c.total !== n || !(c.ms > 0) || c.bar !== `${n}/${n}`) {
      fail(`${label}: ${c.mode}: status ${c.status}, ${c.drawn}/${c.total} tiles, progress bar ${c.bar}, ms ${c.ms}`);
    } else if (bad.length) {
      fail(`${label}: ${c.mode}: ${bad.length} of ${n} tiles differ from the C kernel in Node (tiles ${bad.slice(0, 8).join(', ')}${bad.length > 8 ? ', ...' : ''})`);
    } else {
      pass(`${label}: ${c.mode}: all ${n} tiles match the C kernel in Node pixel for pixel (${c.time})`);
    }
  }
}

const state = (page) => page.evaluate(() => ({
  state: document.body.dataset.state, error: document.body.dataset.error ?? null,
  status: document.getElementById('status').textContent,
}));

/** Waits until <body data-state> leaves "running"/"idle" (or ms pass); returns the state. */
async function settled(page, ms) {
  await page.waitForFunction(() => !['running', 'idle'].includes(document.body.dataset.state), null, { timeout: ms, polling: 50 })
    .catch(() => {});
  return state(page);
}

/**
 * @param {{ context: import('playwright-core').BrowserContext, url: string,
 *   pass: (m: string) => void, fail: (m: string) => void, watch: Function,
 *   networkChanged: (logs: string[]) => boolean }} t  run.mjs's helpers
 */
export async function checkWebDemo({ context, url, pass, fail, watch, networkChanged }) {
  const tiles = tileGrid(VIEW, ITERS);
  const expected = await expectedTiles(tiles);
  const distinct = new Set(expected.map((e) => e.hash)).size;
  // The pixel check could not tell tiles apart if the image were flat: it is not.
  if (distinct < tiles.length / 2) fail(`web demo: only ${distinct} distinct tiles expected of ${tiles.length}: the reference is degenerate`);

  // 1. A full run.
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 1000 });
  const logs = watch(page, 'web demo');
  // Before the page's own scripts: at each animation frame, note how many
  // tiles each card shows, so that the test sees what was painted mid-run.
  await page.addInitScript(() => {
    const seen = {};
    window.__framesSeen = seen;
    const sample = () => {
      for (const c of document.querySelectorAll('.card[data-status=running]')) {
        (seen[c.dataset.mode] ??= new Set()).add(Number(c.dataset.tiles));
      }
      requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
  const demoUrl = `${url}web-demo/?view=${VIEW}&iters=${ITERS}&workers=${WORKERS}`;
  const resp = await page.goto(demoUrl, { timeout: 10_000 });
  const h = resp ? resp.headers() : {};
  if (!resp || !resp.ok()) fail(`web demo: HTTP ${resp && resp.status()}`);
  if (h['cross-origin-opener-policy'] !== 'same-origin' || h['cross-origin-embedder-policy'] !== 'require-corp') {
    fail(`web demo: headers COOP=${h['cross-origin-opener-policy']} COEP=${h['cross-origin-embedder-policy']}`);
  }
  const iso = await page.evaluate(() => self.crossOriginIsolated);
  if (iso === true) pass('web demo: crossOriginIsolated');
  else fail(`web demo: crossOriginIsolated is ${iso}`);
  let t0 = Date.now();
  let s = await settled(page, 40_000);
  if (s.state !== 'done' && networkChanged(logs)) {
    console.log(`        retry: the web demo ended "${s.state}" with ERR_NETWORK_CHANGED in its log (an interface came or went); loading it again`);
    logs.length = 0;
    await page.goto(demoUrl, { timeout: 10_000 });
    t0 = Date.now();
    s = await settled(page, 40_000);
  }
  if (s.state === 'done') pass(`web demo: data-state="done" after ${Date.now() - t0} ms (${s.status})`);
  else fail(`web demo: data-state="${s.state}" after ${Date.now() - t0} ms${s.error ? `: ${s.error}` : ''} (${s.status})`);
  checkCards('web demo', await readCards(page, tiles), expected, pass, fail);
  // Tile by tile: frames painted while a mode ran showed part of its tiles.
  const frames = await page.evaluate(() => Object.fromEntries(Object.entries(window.__framesSeen).map(([m, v]) => [m, [...v]])));
  for (const mode of ['sync', 'thread', 'c', 'blocking']) {
    const partial = (frames[mode] || []).filter((n) => n > 0 && n < tiles.length).sort((a, b) => a - b);
    if (partial.length) pass(`web demo: ${mode}: painted tile by tile (${partial.length} frames with part of the image, e.g. ${partial.slice(0, 4).join(', ')} tiles)`);
    else fail(`web demo: ${mode}: no frame showed part of the image (tiles seen at frames: ${JSON.stringify(frames[mode] || [])})`);
  }
  mkdirSync(fileURLToPath(new URL('../../build/', import.meta.url)), { recursive: true });
  // The overlay's highlight of the last tiles fades out within 350 ms.
  await new Promise((r) => setTimeout(r, 600));
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  const times = (await readCards(page, [])).map((c) => `${c.mode} ${c.time}`).join(', ');
  console.log(`        screenshot: ${SCREENSHOT}; times: ${times}`);

  // 2. Cancel while the Web Workers draw (a second run of the page's own
  // Render button, heavier so that there is time to press Cancel).
  await cancelRun(context, watch, networkChanged, pass, fail, 'thread', `${url}web-demo/?view=${VIEW}&iters=20000&workers=${WORKERS}&autorun=0&modes=thread,c,blocking`);
  // 3. The same in the worker that blocks in waitSync.
  await cancelRun(context, watch, networkChanged, pass, fail, 'blocking', `${url}web-demo/?view=${VIEW}&iters=20000&workers=${WORKERS}&autorun=0&modes=blocking`);

  // 4. Served without COOP/COEP (?coi=0): the package's single-threaded
  // core; the waitSync card is skipped, the other three draw the same image.
  await page.goto(`${url}web-demo/?coi=0&view=${VIEW}&iters=${ITERS}&workers=${WORKERS}`, { timeout: 10_000 });
  const n = await settled(page, 40_000);
  const nIso = await page.evaluate(() => self.crossOriginIsolated);
  if (nIso === false && n.state === 'done') pass(`web demo ?coi=0: not cross-origin isolated, data-state="done" (${n.status})`);
  else fail(`web demo ?coi=0: crossOriginIsolated ${nIso}, data-state "${n.state}"${n.error ? `: ${n.error}` : ''}`);
  checkCards('web demo ?coi=0', await readCards(page, tiles), expected, pass, fail, ['blocking']);
  // What the page says: the header names the single-threaded core (not
  // pthreads), and the skipped card says "skipped" once, with its reason.
  const said = await page.evaluate(() => ({
    lede: document.querySelector('.lede').textContent.replace(/\s+/g, ' ').trim(),
    card: document.querySelector('.card[data-mode=blocking]').innerText,
  }));
  const skippedTimes = (said.card.match(/skipped/gi) || []).length;
  if (/single-threaded/.test(said.lede) && !/pthreads/.test(said.lede) && skippedTimes === 1 && /cross-origin isolation/.test(said.card)) {
    pass('web demo ?coi=0: the header names the single-threaded core; the skipped card says "skipped" once, and why');
  } else {
    fail(`web demo ?coi=0: header "${said.lede}"; skipped card says "skipped" ${skippedTimes} times: ${JSON.stringify(said.card)}`);
  }

  const errs = logs.filter((l) => !l.includes('console.warning'));
  if (errs.length) fail(`web demo logged errors:\n${errs.map((l) => `        ${l}`).join('\n')}`);
  await page.close();
}

async function cancelRun(context, watch, networkChanged, pass, fail, mode, pageUrl) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 1000 });
  const logs = watch(page, `web demo cancel (${mode})`);
  try {
    await cancelSteps(page, logs, networkChanged, pass, fail, mode, pageUrl);
  } catch (e) {
    // A step that timed out: say where the page stood, and what it logged.
    const s = await state(page).catch(() => ({ state: '(page gone)' }));
    fail(`web demo cancel (${mode}): ${e.message.split('\n')[0]} (data-state "${s.state}"${s.error ? `: ${s.error}` : ''}, status "${s.status}")` +
      (logs.length ? `\n${logs.map((l) => `        ${l}`).join('\n')}` : ''));
  }
  await page.close();
}

async function cancelSteps(page, logs, networkChanged, pass, fail, mode, pageUrl) {
  for (let attempt = 1; ; attempt++) {
    await page.goto(pageUrl, { timeout: 10_000 });
    await page.waitForFunction(() => !document.getElementById('run').disabled || document.body.dataset.state === 'error', null, { timeout: 10_000 });
    if (attempt === 2 || (await state(page)).state !== 'error' || !networkChanged(logs)) break;
    console.log(`        retry: the cancel page (${mode}) failed to load with ERR_NETWORK_CHANGED in its log; loading it again`);
    logs.length = 0;
  }
  await page.click('#run', { timeout: 5_000 });
  const card = `.card[data-mode=${mode}]`;
  // Two tiles drawn, or the run over (which the checks below then report).
  await page.waitForFunction((sel) => Number(document.querySelector(sel).dataset.tiles) >= 2 || document.body.dataset.state !== 'running',
    card, { timeout: 20_000, polling: 20 });
  const t = Date.now();
  const before = await state(page);
  if (before.state === 'running') await page.click('#cancel', { timeout: 5_000 });
  const s = await settled(page, 5_000);
  const ms = Date.now() - t;
  const first = await readCards(page, []);
  await new Promise((r) => setTimeout(r, 500));
  const later = await readCards(page, []);
  const c = first.find((x) => x.mode === mode);
  const after = later.find((x) => x.mode === mode);
  const rest = later.filter((x) => x.mode !== mode);
  // stop({ force: true }) has ended them before the page said "cancelled";
  // the browser tells Playwright a little later.
  const threadWorkers = async () => page.workers().filter((w) => w.url().includes('/bindings/modes/thread-entry.js')).length;
  let alive = await threadWorkers();
  for (let i = 0; alive && i < 40; i++) {
    await new Promise((r) => setTimeout(r, 50));
    alive = await threadWorkers();
  }
  const problems = [];
  if (before.state !== 'running') problems.push(`the run was over before Cancel could be pressed (data-state "${before.state}"${before.error ? `: ${before.error}` : ''})`);
  if (s.state !== 'cancelled') problems.push(`data-state "${s.state}"${s.error ? ` (${s.error})` : ''}, want "cancelled"`);
  if (c.status !== 'cancelled') problems.push(`card status ${c.status}`);
  if (!(c.drawn >= 2 && c.drawn < c.total)) problems.push(`${c.drawn} of ${c.total} tiles drawn`);
  if (after.drawn !== c.drawn) problems.push(`tiles kept coming after the cancel (${c.drawn} -> ${after.drawn})`);
  if (rest.some((x) => x.drawn !== 0 || x.status !== 'idle')) problems.push(`later modes ran: ${rest.map((x) => `${x.mode} ${x.status} ${x.drawn}`).join(', ')}`);
  if (alive) problems.push(`${alive} thread-mode Web Workers still alive 2.5 s after the cancel`);
  if (mode === 'blocking' && c.stoppedBy !== 'worker') problems.push(`the blocking worker did not stop on its own (data-stopped-by ${c.stoppedBy}): it should see the flag within a waitSync slice`);
  const errs = logs.filter((l) => !l.includes('console.warning'));
  if (errs.length) problems.push(`errors logged: ${errs.join(' | ')}`);
  if (problems.length) fail(`web demo cancel (${mode}): ${problems.join('; ')}`);
  else pass(`web demo cancel (${mode}): stopped at ${c.drawn}/${c.total} tiles, ${ms} ms after the click ("${s.status}")`);
}
