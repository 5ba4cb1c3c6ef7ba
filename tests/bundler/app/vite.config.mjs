// The app's Vite config: what a user of the package needs. The package's
// thread-mode worker (and its task context) use top-level await, which
// Vite's default worker format ('iife') cannot hold: module workers are
// bundled as ES modules.
export default {
  worker: { format: 'es' },
};
