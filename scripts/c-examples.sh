#!/usr/bin/env bash
# npm test step: the C library installs, and examples/ builds and runs against
# the installed copy only (the source tree is not on any include path).
#   scripts/c-examples.sh native|wasi|emscripten
# 1. build/lib-P: preset P configured for the library alone (no tests, no
#    dist/ module, so nobody's build tree or dist/ is touched), `concurry`
#    built, `cmake --install` into build/install-P (wiped first);
# 2. the example compiled with `pkg-config --cflags --libs concurry`
#    (PKG_CONFIG_PATH=build/install-P/lib/pkgconfig) and run: natively,
#    under node:wasi (scripts/wasi-run.mjs), or under node (Emscripten);
# 3. native and wasi: the same example built by CMake through find_package(concurry).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
root=$PWD

preset="${1:?usage: scripts/c-examples.sh native|wasi|emscripten}"
build="$root/build/lib-$preset"
prefix="$root/build/install-$preset"
out="$root/build/examples-$preset"
log="$root/build/c-examples-$preset.log"
mkdir -p "$root/build"
: > "$log"

run() { # quiet; the output only when it fails
  "$@" >> "$log" 2>&1 || { echo "failed: $*" >&2; cat "$log" >&2; return 1; }
}

run cmake --preset "$preset" -B "$build" -DBUILD_TESTING=OFF -DCY_BUILD_TESTS=OFF -DCY_BUILD_DIST=OFF
run cmake --build "$build" --target concurry
rm -rf "$prefix" "$out"
run cmake --install "$build" --prefix "$prefix"
for f in include/concurry.h include/concurry-kernels.h lib/libconcurry.a lib/pkgconfig/concurry.pc \
         lib/cmake/concurry/concurryConfig.cmake; do
  [ -f "$prefix/$f" ] || { echo "not installed: $prefix/$f" >&2; exit 1; }
done
if [ -e "$prefix/include/concurry-js.h" ]; then
  echo "installed an internal header: $prefix/include/concurry-js.h" >&2
  exit 1
fi

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2207  # pkg-config output is words by design
pc=($(pkg-config --cflags --libs concurry))
warn=(-std=c11 -Wall -Wextra -Werror)
mkdir -p "$out"
cd "$out"
case "$preset" in
  native)
    echo "cc examples/native.c \$(pkg-config --cflags --libs concurry)"
    run cc "${warn[@]}" "$root/examples/native.c" "${pc[@]}" -o native
    ./native
    echo "cmake find_package(concurry): examples/CMakeLists.txt"
    run cmake -S "$root/examples" -B cmake -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="${warn[*]}"
    run cmake --build cmake
    run cmake/native
    ;;
  wasi)
    # The toolchain's choice of sysroot (cmake/wasi.cmake): Debian's multiarch
    # wasi-libc needs none; a wasi-sdk style sysroot is passed on.
    sysroot=()
    wasi_sysroot="${WASI_SYSROOT:-}"
    if [ -z "$wasi_sysroot" ] && [ -d /usr/share/wasi-sysroot/lib ]; then wasi_sysroot=/usr/share/wasi-sysroot; fi
    [ -n "$wasi_sysroot" ] && sysroot=(--sysroot="$wasi_sysroot")
    echo "clang --target=wasm32-wasi examples/wasi.c \$(pkg-config --cflags --libs concurry)"
    run clang --target=wasm32-wasi "${sysroot[@]}" "${warn[@]}" "$root/examples/wasi.c" "${pc[@]}" -o wasi.wasm
    node "$root/scripts/wasi-run.mjs" wasi.wasm
    echo "cmake find_package(concurry): examples/CMakeLists.txt"
    run cmake -S "$root/examples" -B cmake -G Ninja -DCMAKE_TOOLCHAIN_FILE="$root/cmake/wasi.cmake" \
      -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="${warn[*]}"
    run cmake --build cmake
    run node "$root/scripts/wasi-run.mjs" cmake/wasi.wasm
    ;;
  emscripten)
    # main() blocks in cy_wait, so it runs on a pthread (PROXY_TO_PTHREAD)
    # and the JS thread stays free to start the pool's Workers. SINGLE_FILE:
    # emcc 3.1.6's loader would fetch() the .wasm by file path, which Node's
    # fetch refuses. emcc writes CommonJS; this tree is inside the repo's
    # "type": "module".
    echo '{ "type": "commonjs" }' > package.json
    echo "emcc examples/native.c \$(pkg-config --cflags --libs concurry) -sPROXY_TO_PTHREAD -sEXIT_RUNTIME -sSINGLE_FILE"
    run emcc "${warn[@]}" "$root/examples/native.c" "${pc[@]}" -sPROXY_TO_PTHREAD -sEXIT_RUNTIME -sSINGLE_FILE -o native.js
    node native.js
    ;;
  *)
    echo "c-examples.sh: unknown preset $preset (native, wasi, emscripten)" >&2
    exit 2
    ;;
esac
