/**
 * What a bundle built for browsers gets in place of the Node-only modes
 * ('process': child processes; 'remote': BullMQ and ioredis). package.json
 * maps `#concurry-mode/process` and `#concurry-mode/remote` here under the
 * 'browser' condition, so that bundlers (Vite, esbuild, webpack) leave
 * node:child_process, bullmq and ioredis out of a browser build (they are
 * ~1.2 MB, never run there). createWorker refuses these modes before
 * importing them where there is no Node (worker-options.js); this module is
 * reached only where a browser bundle runs under Node (an Electron renderer
 * with Node integration, say), and says so.
 * @module concurry-wasm/modes/node-only
 */

/**
 * Always rejects: this build has no Node-only modes.
 * @returns {Promise<never>}
 */
export async function createBackend() {
  throw new Error("this mode runs only in Node, and this is a bundle built for browsers (package.json 'imports', condition 'browser'): " +
    'build for Node to use it');
}
