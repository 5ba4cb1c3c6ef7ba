#!/usr/bin/env bash
# Bootstrap a Debian 12 machine for concurry-wasm (run as root, or with sudo):
#   1. install the Debian packages that are missing (apt-get update only then);
#   2. `npm ci` when node_modules is missing or does not match package-lock.json;
#   3. configure and build the native and emscripten presets (dist/ for the JS).
# Idempotent: a second run changes nothing and prints nothing.
#
#   scripts/setup.sh [-q|--quiet] [--no-build] [--presets "native emscripten"]
#
# -q prints only errors (scripts/test.sh uses it). Logs: build/setup.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

quiet=0
build=1
presets="native emscripten"
while [ $# -gt 0 ]; do
  case "$1" in
    -q|--quiet) quiet=1 ;;
    --no-build) build=0 ;;
    --presets) presets="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

say() { if [ "$quiet" = 0 ]; then echo "setup: $*"; fi; }
mkdir -p build
log=build/setup.log
: > "$log"

# Runs a command with its output in the log; shows the log if it fails.
run() {
  if ! "$@" >> "$log" 2>&1; then
    echo "setup: failed: $*" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
}

# ---- 1. Debian packages ------------------------------------------------------

packages=(
  cmake ninja-build gcc clang lld libclang-rt-14-dev   # native, sanitizers, fuzzers
  emscripten                                          # emcc 3.1.6: dist/ and the JS package
  wasi-libc libclang-rt-14-dev-wasm32                 # clang --target=wasm32-wasi
  redis-server iproute2                               # remote mode (BullMQ) tests; ip netns: the second-host test
  chromium                                            # browser tests
)
missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
      echo "setup: missing packages (${missing[*]}); run this script as root" >&2; exit 1
    fi
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  run "${sudo[@]}" apt-get update -q
  run "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node $(node --version) is too old; concurry-wasm needs Node >= 20 (e.g. NodeSource's nodejs 20)" >&2
  exit 1
fi

# ---- 2. npm ------------------------------------------------------------------

set +e
node scripts/npm-stale.cjs -q
stale=$?
set -e
if [ "$stale" = 1 ]; then
  say "npm ci"
  run npm ci --no-audit --no-fund
elif [ "$stale" = 2 ]; then
  say "npm install (package-lock.json is out of date with package.json)"
  run npm install --no-audit --no-fund
fi

# ---- 3. builds -----------------------------------------------------------------

if [ "$build" = 1 ]; then
  for p in $presets; do
    # Always configure (cheap): picks up changes to CMakePresets.json too.
    [ -f "build/$p/CMakeCache.txt" ] || say "configuring preset $p"
    run cmake --preset "$p"
    before=$(wc -l < "$log")
    run cmake --build --preset "$p"
    # Said only when something was (re)built: an up-to-date tree stays silent.
    if tail -n +"$((before + 1))" "$log" | grep -qE 'Building C|Linking C'; then
      say "built preset $p"
    fi
  done
fi
exit 0
