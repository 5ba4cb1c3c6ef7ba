#!/usr/bin/env node
/**
 * Writes docs/API.md, the API reference of the package, from its type
 * declarations (bindings/index.d.ts for `concurry-wasm`, bindings/worker.d.ts
 * for `concurry-wasm/worker`), read with the TypeScript compiler API: every
 * declaration in source order under the section comments of the file
 * (`/* ---- name ---- *\/`), with its JSDoc and its exact signature; the
 * members of classes and interfaces (options included) as tables. Types that
 * are not exported but appear in signatures are listed at the end of each
 * module. The output depends on the .d.ts files only (no dates), so
 * regenerating gives the same text.
 *
 *   node scripts/api-reference.mjs           # (re)writes docs/API.md
 *   node scripts/api-reference.mjs --check   # exit 1 if docs/API.md is not what it would write
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(root, 'docs', 'API.md');
const MODULES = [
  { spec: 'concurry-wasm', file: 'bindings/index.d.ts' },
  { spec: 'concurry-wasm/worker', file: 'bindings/worker.d.ts' },
];

/** The text of a node's JSDoc comments, without the comment markers. */
function jsdoc(node) {
  const docs = /** @type {any} */ (node).jsDoc || [];
  return docs.map((d) => d.getText()
    .replace(/^\/\*\*\s?/, '').replace(/\s*\*\/$/, '')
    .split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n').trim())
    .filter(Boolean).join('\n\n');
}

/** A node's declaration text without its JSDoc, re-indented to column 0. */
function sig(node, sf) {
  const text = node.getText(sf);
  const lines = text.split('\n');
  const col = node.getStart(sf) - sf.getLineStarts()[sf.getLineAndCharacterOfPosition(node.getStart(sf)).line];
  return lines.map((l, i) => (i === 0 ? l : l.slice(Math.min(col, l.length - l.trimStart().length)))).join('\n');
}

/** For a table cell: one line, pipes escaped. */
const cell = (s) => s.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');
/** A one-line code span for a table cell. */
const code = (s) => `\`${cell(s)}\``;

const isExported = (node) => (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export) !== 0;

function nameOf(node) {
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => d.name.getText()).join(', ');
  return node.name ? node.name.getText() : '(anonymous)';
}

function kindOf(node) {
  if (ts.isClassDeclaration(node)) return /** @type {any} */ (node).modifiers?.some((m) => m.kind === ts.SyntaxKind.AbstractKeyword) ? 'abstract class' : 'class';
  if (ts.isInterfaceDeclaration(node)) return 'interface';
  if (ts.isTypeAliasDeclaration(node)) return 'type';
  if (ts.isFunctionDeclaration(node)) return 'function';
  if (ts.isVariableStatement(node)) return 'const';
  return ts.SyntaxKind[node.kind];
}

/** Section title of a `/* ---- title ---- *\/` comment right before node, or null. */
function sectionOf(node, text) {
  for (const r of ts.getLeadingCommentRanges(text, node.getFullStart()) || []) {
    const m = /^\/\*\s*-{2,}\s*(.+?)\s*-{2,}\s*\*\/$/.exec(text.slice(r.pos, r.end));
    if (m) return m[1];
  }
  return null;
}

/** Markdown of a class or interface: heritage line, then a table of members. */
function membersTable(node, sf) {
  const rows = [];
  for (const m of node.members) {
    const doc = jsdoc(m);
    rows.push(`| ${code(sig(m, sf).replace(/;$/, ''))} | ${cell(doc) || ''} |`);
  }
  if (!rows.length) return '';
  return ['| member | description |', '|---|---|', ...rows].join('\n');
}

function heading(node, sf) {
  if (ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) {
    const heritage = (node.heritageClauses || []).map((h) => h.getText(sf)).join(' ');
    const tp = node.typeParameters ? `<${node.typeParameters.map((t) => t.getText(sf)).join(', ')}>` : '';
    return `${kindOf(node)} ${node.name.getText(sf)}${tp}${heritage ? ` ${heritage}` : ''}`;
  }
  return null;
}

/** One module's reference. */
function moduleDoc({ spec, file }) {
  const text = readFileSync(join(root, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  /** @type {{ title: string|null, entries: { name: string, kind: string, node: ts.Node, nodes: ts.Node[] }[] }[]} */
  const sections = [{ title: null, entries: [] }];
  const internal = [];
  const byName = new Map();
  for (const node of sf.statements) {
    const title = sectionOf(node, text);
    if (title) sections.push({ title, entries: [] });
    if (ts.isModuleDeclaration(node)) continue; // `declare global` augmentations: not part of the API
    const name = nameOf(node);
    if (!isExported(node)) {
      internal.push(node);
      continue;
    }
    // Overloads of one function are one entry.
    const key = `${kindOf(node)}:${name}`;
    if (ts.isFunctionDeclaration(node) && byName.has(key)) {
      byName.get(key).nodes.push(node);
      continue;
    }
    const entry = { name, kind: kindOf(node), node, nodes: [node] };
    byName.set(key, entry);
    sections[sections.length - 1].entries.push(entry);
  }

  const out = [];
  const anchor = (s) => s.toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
  out.push(`## \`${spec}\``, '', `From \`${file}\`.`, '');
  const toc = sections.filter((s) => s.entries.length).map((s) =>
    `- ${s.title ? `${s.title}: ` : ''}${s.entries.map((e) => `[\`${e.name}\`](#${anchor(`${e.name} (${e.kind})`)})`).join(', ')}`);
  out.push(...toc, '');
  for (const s of sections) {
    if (!s.entries.length) continue;
    if (s.title) out.push(`### ${s.title[0].toUpperCase()}${s.title.slice(1)}`, '');
    for (const e of s.entries) {
      out.push(`#### ${e.name} (${e.kind})`, '');
      if (e.kind === 'function') {
        for (const n of e.nodes) {
          const doc = jsdoc(n);
          if (doc) out.push(doc, '');
          out.push('```ts', sig(n, sf), '```', '');
        }
        continue;
      }
      const doc = jsdoc(e.node);
      if (doc) out.push(doc, '');
      const h = heading(e.node, sf);
      if (h) {
        out.push('```ts', h, '```', '');
        const table = membersTable(e.node, sf);
        if (table) out.push(table, '');
      } else {
        out.push('```ts', sig(e.node, sf), '```', '');
      }
    }
  }
  if (internal.length) {
    out.push('### Types used in the signatures above (not exported)', '');
    for (const n of internal) {
      const doc = jsdoc(n);
      if (doc) out.push(doc, '');
      out.push('```ts', sig(n, sf), '```', '');
    }
  }
  return out.join('\n');
}

/** The whole of docs/API.md. @returns {string} */
export function generate() {
  const parts = [
    '# API reference',
    '',
    '<!-- Generated by scripts/api-reference.mjs from bindings/index.d.ts and bindings/worker.d.ts: ' +
      'do not edit; run `node scripts/api-reference.mjs` after changing them (tests/api-reference.test.js checks). -->',
    '',
    'Every export of the package, its signature and its documentation, as the shipped type declarations give them. ' +
      'All times are milliseconds; a missing, `null` or `Infinity` timeout means none. ' +
      'Bad arguments throw a `TypeError` or `RangeError` that names the argument and what was expected. ' +
      'The README explains how these fit together; this page is the exact surface.',
    '',
  ];
  for (const m of MODULES) parts.push(moduleDoc(m), '');
  return `${parts.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = generate();
  if (process.argv.includes('--check')) {
    let old = '';
    try { old = readFileSync(OUT, 'utf8'); } catch { /* missing: out of date */ }
    if (old !== text) {
      console.error('docs/API.md is out of date: run node scripts/api-reference.mjs');
      process.exit(1);
    }
  } else {
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, text);
    console.log(`wrote ${OUT}`);
  }
}
