#!/usr/bin/env bash
# npm run demo: bootstrap quietly (scripts/setup.sh -q: packages, npm ci,
# native + emscripten builds; silent when nothing is missing), then run the
# Node demo (demo/main.mjs): CPU work over thread, process and C-task pools
# with progress bars, a FIRST_COMPLETED race, a timeout, a cancel, and a
# summary table.
#
#   npm run demo                      the Node demo
#   npm run demo -- --quick           a small workload (seconds)
#   npm run demo -- --workers N       pool size (default: the cores)
#   npm run demo -- --c [ARGS...]     the C demo (wasm/demo/demo.c), native
#   npm run demo -- --wasi [ARGS...]  the C demo, wasm32-wasi under node:wasi
#                                     (ARGS go to the C demo: NTASKS NTHREADS)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=node
case "${1:-}" in
  --c) mode=native; shift ;;
  --wasi) mode=wasi; shift ;;
esac

# Quiet, but say why a first run takes minutes.
if [ ! -d node_modules ] || [ ! -f dist/concurry-core.mjs ]; then
  echo "demo: first run: installing and building what is missing (a few minutes; log: build/setup.log)" >&2
fi
bash scripts/setup.sh -q

if [ "$mode" = node ]; then
  exec node demo/main.mjs "$@"
fi

target=concurry_demo
[ -f wasm/demo/demo.c ] || target=concurry_contract
log="build/demo-$mode.log"
if [ ! -f "build/$mode/CMakeCache.txt" ]; then
  cmake --preset "$mode" > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
fi
cmake --build --preset "$mode" --target "$target" > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
if [ "$mode" = wasi ]; then
  exec node scripts/wasi-run.mjs "build/wasi/$target.wasm" "$@"
fi
exec "build/native/$target" "$@"
