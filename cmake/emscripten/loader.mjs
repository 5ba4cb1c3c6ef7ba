// dist/concurry-core.mjs: an ES-module loader for dist/concurry-core.js, the
// Emscripten (3.1.6, -pthread) build of the concurry C core.
//
//   import createConcurryCore from './concurry-core.mjs';
//   const core = await createConcurryCore({ pthreadPoolSize: 4 });
//   core._cy_executor_new(2); core.ccall('cy_strerror', 'string', ['number'], [-3]);
//
// Works in Node >= 20 (ESM), browser pages and (classic or module) workers.
// Browsers need cross-origin isolation (COOP: same-origin, COEP: require-corp)
// for SharedArrayBuffer. The generated .js is a UMD script (MODULARIZE, factory
// `createConcurryCore`); this file finds it next to itself and fills in:
//   - Node: wasmBinary read from disk (emcc 3.1.6 cannot fetch() a file path);
//   - browsers/workers: mainScriptUrlOrBlob and locateFile, so the pthread
//     workers (concurry-core.worker.js) find the script and the .wasm.
// Options passed by the caller win. Pthread workers are unref()'d in Node once
// loaded (see cmake/emscripten/post.js): keep the process alive yourself while
// you wait for threads, or call core.refWorkers(true).

const scriptUrl = new URL('./concurry-core.js', import.meta.url);
const wasmUrl = new URL('./concurry-core.wasm', import.meta.url);
const workerUrl = new URL('./concurry-core.worker.js', import.meta.url);

const isNode =
  typeof process === 'object' && process !== null &&
  typeof process.versions === 'object' && typeof process.versions.node === 'string' &&
  typeof window === 'undefined';

let factoryPromise;

async function loadFactory() {
  if (isNode) {
    const { createRequire } = await import('node:module');
    return createRequire(import.meta.url)('./concurry-core.js');
  }
  if (typeof globalThis.createConcurryCore === 'function') return globalThis.createConcurryCore;
  if (typeof document === 'object' && document && typeof document.createElement === 'function') {
    await new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = scriptUrl.href;
      s.async = true;
      s.onload = resolve;
      s.onerror = () => reject(new Error(`concurry: cannot load ${scriptUrl.href}`));
      document.head.appendChild(s);
    });
  } else {
    let loaded = false;
    if (typeof importScripts === 'function') {
      try {
        importScripts(scriptUrl.href); // classic worker
        loaded = true;
      } catch (e) {
        // module workers have importScripts but refuse it
      }
    }
    if (!loaded) {
      const res = await fetch(scriptUrl.href);
      if (!res.ok) throw new Error(`concurry: cannot load ${scriptUrl.href}: HTTP ${res.status}`);
      (0, eval)(await res.text()); // a global `var createConcurryCore`
    }
  }
  if (typeof globalThis.createConcurryCore !== 'function') {
    throw new Error(`concurry: ${scriptUrl.href} did not define createConcurryCore`);
  }
  return globalThis.createConcurryCore;
}

/** Instantiates the module; resolves to the Emscripten Module object. */
export default async function createConcurryCore(options = {}) {
  const factory = await (factoryPromise ??= loadFactory());
  const opts = { ...options };
  if (isNode) {
    if (!opts.wasmBinary) {
      const { readFile } = await import('node:fs/promises');
      opts.wasmBinary = new Uint8Array(await readFile(wasmUrl));
    }
  } else {
    if (!opts.mainScriptUrlOrBlob) opts.mainScriptUrlOrBlob = scriptUrl.href;
    if (!opts.locateFile) {
      // By the URLs above, not next to the script: a bundler (Vite, webpack,
      // Parcel) emits each under a hashed name of its own, or inlines a small
      // one as a data: URL, which a Worker cannot load same-origin: that one
      // becomes a blob: URL of this page's origin.
      const worker = workerUrl && workerUrl.protocol === 'data:' ? await sameOriginUrl(workerUrl) : workerUrl;
      opts.locateFile = (path) => {
        if (path.endsWith('.wasm')) return wasmUrl.href;
        if (worker && path.endsWith('.worker.js')) return worker.href;
        return new URL(path, scriptUrl).href;
      };
    }
  }
  return factory(opts);
}

/** A blob: URL (this origin) with the contents of a data: URL. */
async function sameOriginUrl(url) {
  const blob = await (await fetch(url.href)).blob();
  return new URL(URL.createObjectURL(new Blob([blob], { type: 'text/javascript' })));
}

export { createConcurryCore, scriptUrl, wasmUrl, workerUrl };
