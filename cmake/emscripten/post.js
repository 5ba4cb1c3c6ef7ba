// --post-js of the concurry Emscripten module (cmake/emscripten/post.js).
//
// Node: emcc 3.1.6 never unref()s its pthread workers, so a process that
// loaded the module (and started threads) would never exit by itself. Each
// worker is unref()'d once it has loaded the wasm module (a worker that is
// still loading keeps the process alive, so the startup of the module cannot
// be cut short). Whoever waits for work on those threads (the bindings) keeps
// the process alive with its own handles (a timer, a pending Atomics.waitAsync,
// a MessagePort). Module.refWorkers(true) re-refs them all (and makes new ones
// ref'd); Module.refWorkers(false) goes back to the default.
if (ENVIRONMENT_IS_NODE && !ENVIRONMENT_IS_PTHREAD && typeof PThread == 'object') {
  (function() {
    var keepAlive = false;
    function each(fn) {
      PThread.unusedWorkers.forEach(fn);
      PThread.runningWorkers.forEach(fn);
    }
    function settle(worker) {
      if (worker && worker.ref && worker.unref) {
        if (keepAlive) worker.ref(); else worker.unref();
      }
    }
    var load = PThread.loadWasmModuleToWorker;
    PThread.loadWasmModuleToWorker = function(worker, onFinishedLoading) {
      return load.call(PThread, worker, function() {
        settle(worker);
        if (onFinishedLoading) onFinishedLoading.apply(this, arguments);
      });
    };
    Module['refWorkers'] = function(on) {
      keepAlive = !!on;
      each(function(w) { if (w.loaded) settle(w); });
    };
  })();
}
