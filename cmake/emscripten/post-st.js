// --post-js of the single-threaded concurry module (cmake/emscripten-st.cmake).
// A -pthread build puts the memory on Module (Module.wasmMemory, which the
// bindings read for its buffer); emcc 3.1.6 does not export it otherwise, so
// it is a getter here over the module's own variable (set once the wasm is
// instantiated; this code runs before that).
Object.defineProperty(Module, 'wasmMemory', { get: function() { return wasmMemory; }, configurable: true });
