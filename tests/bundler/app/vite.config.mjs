// The app's Vite config: what a user of the package needs (README,
// "Bundlers (Vite)"); tests/bundler/run.mjs builds with it.
export default {
  // The package's worker entries (the thread-mode worker, the C kernel
  // worker) and the core they load use top-level await, which Vite's
  // default worker format ('iife') cannot hold: workers are bundled as ES
  // modules. (run.mjs checks that the defaults still fail this way.)
  worker: { format: 'es' },
  build: {
    rollupOptions: {
      // The task module is an entry of its own, so that its bare import of
      // 'concurry-wasm/worker' is bundled, with its exports kept ('strict')
      // and a fixed name: src/tasks.js, where the dev server has it too, so
      // createWorker('/src/tasks.js') works in both.
      input: { main: 'index.html', tasks: 'src/tasks.js' },
      preserveEntrySignatures: 'strict',
      output: { entryFileNames: (chunk) => (chunk.name === 'tasks' ? 'src/tasks.js' : 'assets/[name]-[hash].js') },
    },
  },
};
