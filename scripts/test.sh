#!/usr/bin/env bash
# npm test: everything CI checks, in order.
#   1. scripts/setup.sh -q (packages, npm ci, native + emscripten builds);
#   2. for each preset: build, then `ctest --preset P --output-on-failure`
#      (native, asan, tsan, wasi, emscripten; CY_TEST_PRESETS overrides);
#   3. `npm run test:js` when package.json defines it (Jest suites);
#   4. `npm run test:browser` (tests/browser/run.mjs: the package in headless
#      Chromium, page and module worker); fails, not skips, without Chromium.
# Runs every step even after a failure; exits non-zero if any failed, after a
# summary with the time of each step.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

presets="${CY_TEST_PRESETS:-native asan tsan wasi emscripten}"
summary=()
failed=0
nok=0
nfail=0

step() { # name command...
  local name="$1" t0 rc
  shift
  t0=$(date +%s)
  "$@"
  rc=$?
  local dt=$(( $(date +%s) - t0 ))
  if [ "$rc" = 0 ]; then
    summary+=("$(printf '  ok    %-22s %4ds' "$name" "$dt")")
    nok=$((nok + 1))
  else
    summary+=("$(printf '  FAIL  %-22s %4ds (exit %d)' "$name" "$dt" "$rc")")
    failed=1
    nfail=$((nfail + 1))
  fi
  return "$rc"
}

# shellcheck disable=SC2317  # called through step
build_preset() { # quiet build; the compiler output only when it fails
  local p="$1" log="build/$1.build.log"
  mkdir -p build
  cmake --preset "$p" > "$log" 2>&1 || { cat "$log"; return 1; }
  cmake --build --preset "$p" >> "$log" 2>&1 || { cat "$log"; return 1; }
}

echo "== setup"
if ! step setup bash scripts/setup.sh -q; then
  echo "setup failed; nothing else can run" >&2
  printf '%s\n' "${summary[@]}"
  echo "steps: 0 passed, 1 failed"
  exit 1
fi

for p in $presets; do
  echo "== $p"
  if step "$p build" build_preset "$p"; then
    step "$p ctest" ctest --preset "$p" --output-on-failure
  fi
done

# The C library installs (cmake --install) and examples/ builds against the installed copy.
for p in $presets; do
  case "$p" in native|wasi|emscripten) echo "== C examples ($p)"; step "c-examples $p" bash scripts/c-examples.sh "$p" ;; esac
done

# The npm package as users get it: npm pack, install without a toolchain, use (needs dist/).
echo "== package"
step "package (pack-test)" node scripts/pack-test.mjs

if node -e 'const s = require("./package.json").scripts || {}; process.exit(s["test:js"] ? 0 : 1)'; then
  echo "== js"
  step "js (npm run test:js)" npm run --silent test:js
else
  summary+=("  skip  js: package.json has no test:js script")
fi

if node -e 'const s = require("./package.json").scripts || {}; process.exit(s["test:browser"] ? 0 : 1)'; then
  echo "== browser"
  step "browser (test:browser)" npm run --silent test:browser
else
  summary+=("  skip  browser: package.json has no test:browser script")
fi

# A Vite build of a tiny app over the package as packed, run in Chromium with and without COOP/COEP.
echo "== bundler"
step "bundler (vite)" node tests/bundler/run.mjs

echo "== summary"
printf '%s\n' "${summary[@]}"
# The closing line CI reads: steps, each a build or a whole suite.
echo "steps: $nok passed, $nfail failed"
exit "$failed"
