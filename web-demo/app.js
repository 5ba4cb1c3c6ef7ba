// The web demo's page: controls, one card per mode (canvas, progress bar,
// time), the timings summary, and the state the browser test reads:
//   <body data-state="idle|running|done|cancelled|error" data-error="...">
//   <article class="card" data-mode=".." data-status="idle|running|done|cancelled|error|skipped"
//            data-tiles="drawn" data-total=".." data-ms=".." data-stopped-by="worker|terminate">
// Query parameters preset the controls: workers, view, iters, autorun (1 by
// default: a run starts on load), modes (a comma list of mode ids).
import { MODES } from './modes.js';
import { VIEWS, WIDTH, HEIGHT, tileGrid, submitOrder, palette, colorize } from './mandelbrot.mjs';

const $ = (id) => document.getElementById(id);
const body = document.body;
const lut = palette();
const cores = navigator.hardwareConcurrency || 4;

/** The controls, from the query string (bad values fall back to the defaults). */
function setUpControls() {
  const q = new URLSearchParams(location.search);
  const workers = $('workers');
  workers.max = String(Math.min(16, Math.max(8, cores)));
  const w = Number(q.get('workers'));
  workers.value = String(Number.isInteger(w) && w >= 1 && w <= Number(workers.max) ? w : Math.min(cores, 8));
  const showWorkers = () => { $('workers-out').value = workers.value; };
  workers.addEventListener('input', showWorkers);
  showWorkers();
  for (const [id, v] of Object.entries(VIEWS)) $('view').append(new Option(v.label, id));
  if (q.get('view') in VIEWS) $('view').value = q.get('view');
  const iters = q.get('iters');
  if (iters && /^\d+$/.test(iters) && Number(iters) >= 1 && Number(iters) <= 1e6) {
    if (![...$('iters').options].some((o) => o.value === iters)) $('iters').append(new Option(iters));
    $('iters').value = iters;
  }
  const only = q.get('modes') ? q.get('modes').split(',') : null;
  return { autorun: q.get('autorun') !== '0', modes: MODES.filter((m) => !only || only.includes(m.id)) };
}

/** One mode's card: its canvas, an overlay that flashes finished tiles, a bar and numbers. */
class Card {
  constructor(mode) {
    this.mode = mode;
    const el = document.createElement('article');
    el.className = 'card';
    el.dataset.mode = mode.id;
    el.innerHTML = `
      <div class="card-head"><h2></h2><span class="time">\u2014</span></div>
      <code class="api"></code>
      <p class="note"></p>
      <div class="stage"><canvas class="img"></canvas><canvas class="fx"></canvas></div>
      <div class="bar" role="progressbar" aria-valuemin="0"><div></div></div>
      <p class="meta"><span class="count">waiting</span><span class="extra"></span></p>`;
    el.querySelector('h2').textContent = mode.title;
    el.querySelector('.api').textContent = mode.api;
    el.querySelector('.note').textContent = mode.note;
    for (const c of el.querySelectorAll('canvas')) { c.width = WIDTH; c.height = HEIGHT; }
    this.el = el;
    this.ctx = el.querySelector('.img').getContext('2d');
    this.fx = el.querySelector('.fx').getContext('2d');
    this.flashes = [];
    this.animating = false;
    this.reset([]);
  }

  set(status, text) {
    this.el.dataset.status = status;
    if (text !== undefined) this.el.querySelector('.count').textContent = text;
  }

  /** Blank canvas with the tile grid drawn faintly: what is not computed yet. */
  reset(tiles) {
    this.tiles = tiles;
    this.drawn = 0;
    this.el.dataset.tiles = '0';
    this.el.dataset.total = String(tiles.length);
    delete this.el.dataset.ms;
    delete this.el.dataset.stoppedBy;
    const g = this.ctx;
    g.fillStyle = '#141a26';
    g.fillRect(0, 0, WIDTH, HEIGHT);
    g.strokeStyle = '#222a3a';
    g.lineWidth = 1;
    for (const t of tiles) g.strokeRect(t.x + 0.5, t.y + 0.5, t.w - 1, t.h - 1);
    this.fx.clearRect(0, 0, WIDTH, HEIGHT);
    this.flashes = [];
    this.el.querySelector('.time').textContent = '\u2014';
    this.el.querySelector('.extra').textContent = '';
    this.progress({ completed: 0, total: tiles.length || 1 });
    this.set('idle', tiles.length ? `0 / ${tiles.length} tiles` : 'waiting');
  }

  drawTile(index, bytes) {
    const t = this.tiles[index];
    this.ctx.putImageData(new ImageData(colorize(bytes, lut), t.w, t.h), t.x, t.y);
    this.drawn++;
    this.el.dataset.tiles = String(this.drawn);
    this.el.querySelector('.count').textContent = `${this.drawn} / ${this.tiles.length} tiles`;
    this.flashes.push({ t, at: performance.now() });
    if (!this.animating) {
      this.animating = true;
      requestAnimationFrame((now) => this.animate(now));
    }
  }

  /** Outlines each new tile, fading out over 350 ms (on the overlay: the image stays exact). */
  animate(now) {
    const fx = this.fx;
    fx.clearRect(0, 0, WIDTH, HEIGHT);
    this.flashes = this.flashes.filter((f) => now - f.at < 350);
    for (const f of this.flashes) {
      const a = 1 - (now - f.at) / 350;
      fx.fillStyle = `rgba(255,255,255,${0.12 * a})`;
      fx.fillRect(f.t.x, f.t.y, f.t.w, f.t.h);
      fx.strokeStyle = `rgba(255,255,255,${0.8 * a})`;
      fx.lineWidth = 2;
      fx.strokeRect(f.t.x + 1, f.t.y + 1, f.t.w - 2, f.t.h - 2);
    }
    if (this.flashes.length) requestAnimationFrame((n) => this.animate(n));
    else this.animating = false;
  }

  /** A report from the core's progress callback (or the mode's own count). */
  progress(p) {
    const bar = this.el.querySelector('.bar');
    bar.firstElementChild.style.width = `${(100 * p.completed) / p.total}%`;
    bar.setAttribute('aria-valuemax', String(p.total));
    bar.setAttribute('aria-valuenow', String(p.completed));
  }

  startup(ms) {
    if (this.mode.pooled) this.el.querySelector('.extra').textContent = `pool start ${fmt(ms)}`;
  }

  /** A mode this page cannot run: "skipped" as its count, the reason as its note (once). */
  skip(why) {
    this.set('skipped', 'skipped');
    this.el.querySelector('.note').textContent = why;
  }

  /** How a cancelled blocking worker ended (shown, and read by the browser test). */
  stopped(by, ms) {
    this.el.dataset.stoppedBy = by;
    this.el.querySelector('.extra').textContent = by === 'worker'
      ? `worker stopped ${fmt(ms)} after Cancel`
      : `worker did not answer in ${fmt(ms)}: terminated`;
  }

  finish(status, ms) {
    this.set(status);
    if (ms !== undefined) {
      this.el.dataset.ms = String(Math.round(ms));
      this.el.querySelector('.time').textContent = fmt(ms);
    }
  }
}

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** The timings summary: one bar per mode that finished, and its speed-up against sync. */
function showSummary(cards, results) {
  const bars = $('bars');
  bars.textContent = '';
  const done = cards.filter((c) => results.has(c.mode.id));
  const slowest = Math.max(1, ...done.map((c) => results.get(c.mode.id).ms));
  const base = results.get('sync');
  for (const c of cards) {
    const r = results.get(c.mode.id);
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = c.mode.title;
    const track = document.createElement('div');
    track.className = 'track';
    const fill = document.createElement('div');
    fill.style.background = `var(--${c.mode.id})`;
    track.append(fill);
    const ms = document.createElement('span');
    ms.className = 'ms';
    const x = document.createElement('span');
    x.className = 'x';
    if (r) {
      requestAnimationFrame(() => { fill.style.width = `${(100 * r.ms) / slowest}%`; });
      ms.textContent = fmt(r.ms);
      x.textContent = base ? `${(base.ms / r.ms).toFixed(2)}\u00d7` : '';
    } else {
      ms.textContent = '\u2014';
    }
    bars.append(name, track, ms, x);
  }
}

function setState(state, message) {
  body.dataset.state = state;
  if (state === 'error') {
    body.dataset.error = message;
    $('error').hidden = false;
    $('error').textContent = message;
  } else {
    delete body.dataset.error;
    $('error').hidden = true;
  }
}

const status = (text) => { $('status').textContent = text; };

async function main() {
  const { autorun, modes } = setUpControls();
  $('cores').textContent = `${cores} logical cores`;
  const cards = modes.map((m) => new Card(m));
  $('cards').append(...cards.map((c) => c.el));
  // The empty tile grid of the current settings until the first run.
  for (const c of cards) c.reset(tileGrid($('view').value, Number($('iters').value)));
  showSummary(cards, new Map());

  const iso = $('iso');
  const isolated = self.crossOriginIsolated === true;
  if (isolated) {
    iso.textContent = 'crossOriginIsolated \u2713';
    iso.className = 'badge ok';
  } else {
    // The package falls back to its single-threaded core: no shared memory,
    // so no thread may block on the core (waitSync) and C tasks run on workers.
    iso.textContent = 'not cross-origin isolated \u00b7 single-threaded core';
    iso.className = 'badge warn';
    $('notice').hidden = false;
    $('core-build').textContent = 'here its single-threaded build, as this page is not cross-origin isolated';
    for (const c of cards) {
      if (c.mode.needsIsolation) c.skip('Needs cross-origin isolation (SharedArrayBuffer): only then may a thread block on the core.');
      else if (c.mode.noteSingleThreaded) c.el.querySelector('.note').textContent = c.mode.noteSingleThreaded;
    }
  }
  const runnable = cards.filter((c) => isolated || !c.mode.needsIsolation);

  // Imported here, not statically, so that a failure to load is shown on the page.
  const pkg = await import('/bindings/index.js');
  status('Ready.');

  let controller = null;
  const run = async () => {
    controller = new AbortController();
    const { signal } = controller;
    const workers = Number($('workers').value);
    const view = $('view').value;
    const maxIter = Number($('iters').value);
    const tiles = tileGrid(view, maxIter);
    // Submitted in a fixed scattered order; the k-th submitted is tile order[k].
    const order = submitOrder(tiles.length);
    const args = order.map((i) => tiles[i].args);
    for (const c of runnable) c.reset(tiles);
    const results = new Map();
    showSummary(cards, results);
    $('summary-note').textContent = `\u00b7 ${VIEWS[view].label}, ${maxIter} iterations, ${tiles.length} tiles, ${workers} worker${workers > 1 ? 's' : ''}`;
    $('run').disabled = true;
    $('cancel').disabled = false;
    for (const el of $('controls').querySelectorAll('input, select')) el.disabled = true;
    setState('running');
    const t0 = performance.now();
    let current = null;
    try {
      for (const card of runnable) {
        current = card;
        card.set('running', `0 / ${tiles.length} tiles`);
        status(`Rendering \u00b7 ${card.mode.title}\u2026`);
        const r = await card.mode.run(pkg, {
          tiles: args, workers, signal,
          onStart: (ms) => card.startup(ms),
          onTile: (k, bytes) => card.drawTile(order[k], bytes),
          onProgress: (p) => card.progress(p),
          onStopped: ({ by, ms }) => card.stopped(by, ms),
        });
        results.set(card.mode.id, r);
        card.finish('done', r.ms);
        showSummary(cards, results);
      }
      current = null;
      setState('done');
      status(`Done \u00b7 ${runnable.length} modes in ${fmt(performance.now() - t0)}`);
    } catch (e) {
      if (signal.aborted && e === signal.reason) {
        if (current) current.finish('cancelled');
        const drawn = cards.reduce((n, c) => n + c.drawn, 0);
        setState('cancelled');
        status(`Cancelled \u00b7 ${current ? `${current.mode.title} stopped at ${current.drawn} / ${tiles.length} tiles` : ''} (${drawn} drawn in all)`);
      } else {
        if (current) current.finish('error');
        const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        setState('error', msg);
        status('Error');
      }
    } finally {
      controller = null;
      $('run').disabled = false;
      $('cancel').disabled = true;
      for (const el of $('controls').querySelectorAll('input, select')) el.disabled = false;
    }
  };
  $('run').addEventListener('click', () => { if (!controller) run(); });
  $('cancel').addEventListener('click', () => {
    if (controller) controller.abort(new DOMException('cancelled from the page', 'AbortError'));
  });
  $('run').disabled = false;
  if (autorun) run();
}

main().catch((e) => {
  setState('error', e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  status('Error');
});
