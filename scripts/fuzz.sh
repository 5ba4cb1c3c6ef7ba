#!/usr/bin/env bash
# npm run fuzz: builds the fuzz preset (clang, libFuzzer + ASan + UBSan) and
# runs each target (one per wasm/fuzz/*.c) in turn for a bounded time.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
#   npm run fuzz -- 300 futures
#
# SECONDS per target: the first argument, else $CY_FUZZ_SECONDS, else 60.
# TARGET: a name as in build/fuzz/fuzz_<name> (futures, config_polling, ...);
# all of them by default.
#
# The corpus each run grows is build/fuzz-corpus/<name>/ (not committed);
# committed seeds in wasm/fuzz/corpus/<name>/ are read too. A crash, leak or
# broken invariant leaves its input in build/fuzz-artifacts/<name>/ and makes
# the script exit non-zero; rerun one with build/fuzz/fuzz_<name> <file>.
# Not part of npm test.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

secs="${CY_FUZZ_SECONDS:-60}"
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then
  secs="$1"
  shift
fi

mkdir -p build
log=build/fuzz.build.log
echo "== build (preset fuzz; log in $log)"
if ! { cmake --preset fuzz && cmake --build --preset fuzz; } > "$log" 2>&1; then
  cat "$log"
  exit 1
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for bin in build/fuzz/fuzz_*; do
    [ -x "$bin" ] && targets+=("${bin#build/fuzz/fuzz_}")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "no fuzz targets built (wasm/fuzz/*.c)" >&2
  exit 1
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

failed=0
summary=()
for t in "${targets[@]}"; do
  bin="build/fuzz/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "no such target: $t ($bin)" >&2
    failed=1
    summary+=("  FAIL  $t: not built")
    continue
  fi
  corpus="build/fuzz-corpus/$t"
  artifacts="build/fuzz-artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  dirs=("$corpus")
  [ -d "wasm/fuzz/corpus/$t" ] && dirs+=("wasm/fuzz/corpus/$t")
  echo "== $t: ${secs}s, corpus $corpus"
  out="build/fuzz-$t.log"
  # -timeout: every call in the targets has timeout 0, so a slow input is a hang.
  "$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${dirs[@]}" > "$out" 2>&1
  rc=$?
  last=$(grep -E '^#[0-9]+' "$out" | tail -1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out")
  cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1, ft \2/p' <<< "$last")
  if [ "$rc" = 0 ]; then
    summary+=("$(printf '  ok    %-16s %10s runs  %s' "$t" "${runs:-?}" "${cov:-?}")")
  else
    failed=1
    grep -E 'invariant failed|ERROR|SUMMARY|Test unit written' "$out" | head -20
    summary+=("$(printf '  FAIL  %-16s exit %d, see %s' "$t" "$rc" "$out")")
  fi
done

echo "== summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
exit "$failed"
