#!/usr/bin/env bash
# npm run bench: the C benchmarks (one program per wasm/bench/*.c, preset
# `bench`: Release, -O2), then `npm run bench:js` when package.json has it
# (the JS benchmarks against Promise.all, p-map, piscina, ...).
#   scripts/bench.sh [ARGS...]   (ARGS go to every C benchmark)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mkdir -p build
log=build/bench.build.log
if [ ! -f build/bench/CMakeCache.txt ]; then
  cmake --preset bench > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
fi
cmake --build --preset bench > "$log" 2>&1 || { cat "$log" >&2; exit 1; }

shopt -s nullglob
ran=0
for src in wasm/bench/*.c; do
  name=$(basename "$src" .c)
  name=${name#bench-}; name=${name#bench_}
  echo "== bench_$name (native, -O2)"
  "build/bench/bench_$name" "$@"
  ran=1
done
[ "$ran" = 1 ] || echo "bench: no C benchmarks (wasm/bench/*.c)"

if node -e 'const s = require("./package.json").scripts || {}; process.exit(s["bench:js"] ? 0 : 1)'; then
  echo "== JS benchmarks"
  npm run --silent bench:js
fi
