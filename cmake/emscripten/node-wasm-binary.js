// --pre-js (cmake/emscripten/node-wasm-binary.js): in Node, read the .wasm
// next to this script from disk and hand it over as Module.wasmBinary.
// emcc 3.1.6 otherwise calls Node 18+'s global fetch() with a file path,
// which fails ("Failed to parse URL"). Callers that pass wasmBinary,
// instantiateWasm or locateFile keep control; pthread workers get the
// compiled module by message and skip this.
if (typeof process == 'object' && typeof process.versions == 'object' &&
    typeof process.versions.node == 'string' && typeof __filename == 'string' &&
    typeof require == 'function' && !Module['ENVIRONMENT_IS_PTHREAD'] &&
    !Module['wasmBinary'] && !Module['instantiateWasm'] && !Module['locateFile']) {
  try {
    Module['wasmBinary'] = require('fs').readFileSync(__filename.replace(/\.[cm]?js$/, '') + '.wasm');
  } catch (e) {
    // leave it to emscripten's own loader (and its error message)
  }
}
