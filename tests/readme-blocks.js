/**
 * The fenced code blocks of README.md, classified for tests/readme-examples.test.js
 * (and for anyone else who wants to run them, e.g. a browser test).
 *
 * The info string of a fence says what a block is and how it is checked:
 *
 *   ```js / ```javascript / ```mjs   run with node as an ES module (exit 0 within the time limit)
 *   ```js redis                      the same, with a fresh redis-server's URL in REDIS_URL
 *   ```js repo-root                  run as a file in the repository's root (for developers' snippets
 *                                    that import ./dist/... as the Build section shows)
 *   ```js browser                    for a page or a browser worker: parsed (node --check); run in
 *                                    Chromium by tests/readme-browser.test.js
 *   ```js no-run                     not run; needs <!-- no-run: why --> right above it; parsed
 *   ```c                             a whole program: compiled against the native build and run
 *   ```c wasi                        the same, and also built for wasm32-wasi and run under node:wasi
 *   ```c kernel                      a file of C kernels: compiled, linked with a harness and called
 *                                    as <!-- kernel-check: NAME f64=1,2,3 -> 32 --> above it says
 *   ```c no-run                      compiled only (-fsyntax-only); needs <!-- no-run: why -->
 *   ```html                          a page (`<!-- index.html -->` first names it); its module scripts
 *                                    are parsed, and tests/readme-browser.test.js loads it in Chromium
 *   ```sh / ```bash / ```console / ```text    shell sessions and output: not run, counted
 *
 * A block whose first line is a comment naming a file (`// app.cjs`,
 * `// tasks.mjs: what it is`, `/* my-kernels.c *\/`) is written under that name, so a
 * later block can import it, and a `.cjs` block runs as CommonJS. Blocks of
 * one README share one directory, written in README order.
 *
 * An HTML comment on the line(s) right above a fence (blank lines between
 * allowed) is the block's `note`.
 *
 * A line ending in `//=> X` says the block prints the line X there (Node:
 * on stdout, in that order among the others; browser: on the console of the
 * page or its workers); `expectedOutput` collects them.
 * @module tests/readme-blocks
 */
import { readFileSync } from 'node:fs';

export const JS_LANGS = new Set(['js', 'javascript', 'mjs']);
export const SHELL_LANGS = new Set(['sh', 'bash', 'console', 'text', 'shell']);
const JS_FLAGS = new Set(['redis', 'browser', 'no-run', 'repo-root']);
const C_FLAGS = new Set(['wasi', 'kernel', 'no-run']);

/**
 * @typedef {object} Block
 * @property {number} line     1-based line of the opening fence
 * @property {string} lang     first word of the info string, lower case ('' when none)
 * @property {string[]} flags  the other words
 * @property {string} code     the body, ending with a newline
 * @property {string|null} note   the HTML comment right above, without <!-- -->
 * @property {string|null} file   the file name its first line names, if any
 * @property {'run'|'redis'|'repo-root'|'browser'|'no-run'|'c'|'c-wasi'|'c-kernel'|'c-no-run'|'html'|'shell'} kind
 */

/** The file name a first-line comment gives (`// x.mjs`, `/* x.c *\/`), or null. */
function fileOf(code) {
  const first = code.split('\n', 1)[0].trim();
  const m = /^(?:\/\/|\/\*)\s*([\w.-]+\.(?:m?js|cjs|c))(?:\s*\*\/|:.*)?$/.exec(first);
  return m ? m[1] : null;
}

/**
 * What kind of block this is; throws an Error naming the line for a block
 * the test would not know how to check (unlabelled, unknown flag, a no-run
 * without its reason).
 * @param {Omit<Block, 'kind'>} b
 * @returns {Block['kind']}
 */
function kindOf(b) {
  const where = `README.md:${b.line}`;
  const bad = (why) => { throw new Error(`${where}: ${why}`); };
  if (b.lang === '') bad('a fence without a language: label it (```js, ```c, ```sh, ...)');
  if (JS_LANGS.has(b.lang)) {
    const unknown = b.flags.filter((f) => !JS_FLAGS.has(f));
    if (unknown.length) bad(`unknown flag(s) ${unknown.join(', ')} on a ${b.lang} block (known: ${[...JS_FLAGS].join(', ')})`);
    if (b.flags.length > 1) bad(`one flag at most on a ${b.lang} block`);
    const f = b.flags[0];
    if (f === 'no-run' && !/^\s*no-run:\s*\S/.test(b.note || '')) bad('a no-run block needs <!-- no-run: the reason --> right above it');
    return f === undefined ? 'run' : /** @type {Block['kind']} */ (f);
  }
  if (b.lang === 'c') {
    const unknown = b.flags.filter((f) => !C_FLAGS.has(f));
    if (unknown.length) bad(`unknown flag(s) ${unknown.join(', ')} on a c block (known: ${[...C_FLAGS].join(', ')})`);
    if (b.flags.length > 1) bad('one flag at most on a c block');
    const f = b.flags[0];
    if (f === 'no-run' && !/^\s*no-run:\s*\S/.test(b.note || '')) bad('a no-run block needs <!-- no-run: the reason --> right above it');
    if (f === 'kernel' && !/^\s*kernel-check:/.test(b.note || '')) bad('a kernel block needs <!-- kernel-check: NAME f64=... -> VALUE --> right above it');
    return f === undefined ? 'c' : f === 'wasi' ? 'c-wasi' : f === 'kernel' ? 'c-kernel' : 'c-no-run';
  }
  if (b.lang === 'html') return 'html';
  if (SHELL_LANGS.has(b.lang)) return 'shell';
  return bad(`a block in '${b.lang}', which the README test cannot check: use js, c, html, sh or text`);
}

/**
 * Every fenced block of a Markdown text, in order.
 * @param {string} text
 * @returns {Block[]}
 */
export function parseBlocks(text) {
  const lines = text.split('\n');
  /** @type {Block[]} */
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const words = info.trim().split(/\s+/).filter(Boolean);
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
      if (close.test(lines[j])) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    }
    if (j === lines.length) throw new Error(`README.md:${i + 1}: a fence that is never closed`);
    // The HTML comment right above (blank lines between allowed), possibly over several lines.
    let note = null;
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === '') k--;
    if (k >= 0 && lines[k].trim().endsWith('-->')) {
      let s = k;
      while (s >= 0 && !lines[s].includes('<!--')) s--;
      if (s >= 0) note = lines.slice(s, k + 1).join('\n').replace(/^[\s\S]*?<!--/, '').replace(/-->\s*$/, '').trim();
    }
    const code = `${body.join('\n')}\n`;
    const b = { line: i + 1, lang: (words[0] || '').toLowerCase(), flags: words.slice(1), code, note, file: fileOf(code) };
    out.push({ ...b, kind: kindOf(b) });
    i = j;
  }
  return out;
}

/** The blocks of a Markdown file. @param {string|URL} path @returns {Block[]} */
export function readBlocks(path) {
  return parseBlocks(readFileSync(path, 'utf8'));
}

/**
 * The bodies of the `<script type="module">` elements of an HTML block.
 * @param {string} html
 * @returns {string[]}
 */
export function moduleScripts(html) {
  const out = [];
  const re = /<script\b([^>]*)>([\s\S]*?)<\/script>/gi;
  for (let m; (m = re.exec(html)) !== null;) if (/type\s*=\s*["']?module/i.test(m[1]) && m[2].trim()) out.push(m[2]);
  return out;
}

/**
 * Parses kernel-check notes: `kernel-check: NAME f64=1,2,3 [arg=4 ...] -> VALUE`.
 * @param {string} note
 * @returns {{ name: string, f64: number[], args: number[], value: number }}
 */
export function parseKernelCheck(note) {
  const m = /^\s*kernel-check:\s*(\w+)((?:\s+\w+=[-\d.,e]*)*)\s*->\s*(-?[\d.e]+)\s*$/.exec(note);
  if (!m) throw new Error(`kernel-check: expected 'kernel-check: NAME [f64=a,b,...] [arg=x ...] -> VALUE'; got '${note}'`);
  const f64 = [];
  const args = [];
  for (const kv of m[2].trim().split(/\s+/).filter(Boolean)) {
    const [k, v] = kv.split('=');
    const nums = v.split(',').filter(Boolean).map(Number);
    if (k === 'f64') f64.push(...nums);
    else if (k === 'arg') args.push(...nums);
    else throw new Error(`kernel-check: unknown key '${k}' (f64, arg)`);
  }
  return { name: m[1], f64, args, value: Number(m[3]) };
}

/**
 * The lines a block says it prints: the X of every `//=> X` comment, in order.
 * @param {string} code
 * @returns {string[]}
 */
export function expectedOutput(code) {
  const out = [];
  for (const line of code.split('\n')) {
    const m = /\/\/=>\s?(.*?)\s*$/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}
