#!/usr/bin/env bash
# npm run demo: build and run the C demo (wasm/demo/demo.c) natively.
#   scripts/demo.sh [--wasi] [ARGS...]   (ARGS go to the demo: NTASKS NTHREADS)
# --wasi runs the wasm32-wasi build under node:wasi instead (single-threaded).
# Without wasm/demo/demo.c, runs the contract example (wasm/tests/contract).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

preset=native
if [ "${1:-}" = "--wasi" ]; then preset=wasi; shift; fi

target=concurry_demo
[ -f wasm/demo/demo.c ] || target=concurry_contract

mkdir -p build
log="build/demo-$preset.log"
if [ ! -f "build/$preset/CMakeCache.txt" ]; then
  cmake --preset "$preset" > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
fi
cmake --build --preset "$preset" --target "$target" > "$log" 2>&1 || { cat "$log" >&2; exit 1; }

if [ "$preset" = wasi ]; then
  exec node scripts/wasi-run.mjs "build/wasi/$target.wasm" "$@"
fi
exec "build/native/$target" "$@"
