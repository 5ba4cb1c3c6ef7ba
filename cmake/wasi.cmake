# Toolchain: clang --target=wasm32-wasi against Debian's wasi-libc.
#
# Debian 12's wasi-libc is multiarch: headers in /usr/include/wasm32-wasi,
# libraries in /usr/lib/wasm32-wasi, and Debian's clang finds them with no
# --sysroot. A classic wasi-sdk sysroot (/usr/share/wasi-sysroot, or
# -DWASI_SYSROOT=..., or $WASI_SYSROOT) is used instead when it exists.
# Builtins come from libclang-rt-14-dev-wasm32 (libclang_rt.builtins-wasm32.a
# in clang's resource dir), which clang links by itself.
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}") # Platform/WASI.cmake
set(triple wasm32-wasi)

find_program(CY_WASI_CLANG NAMES clang clang-14 REQUIRED)
set(CMAKE_C_COMPILER "${CY_WASI_CLANG}")
set(CMAKE_C_COMPILER_TARGET ${triple})
find_program(CY_WASI_AR NAMES llvm-ar llvm-ar-14 ar)
find_program(CY_WASI_RANLIB NAMES llvm-ranlib llvm-ranlib-14 ranlib)
set(CMAKE_AR "${CY_WASI_AR}" CACHE FILEPATH "archiver")
set(CMAKE_RANLIB "${CY_WASI_RANLIB}" CACHE FILEPATH "ranlib")

if(NOT WASI_SYSROOT)
  if(DEFINED ENV{WASI_SYSROOT})
    set(WASI_SYSROOT "$ENV{WASI_SYSROOT}")
  elseif(EXISTS /usr/share/wasi-sysroot/lib)
    set(WASI_SYSROOT /usr/share/wasi-sysroot)
  endif()
endif()
if(WASI_SYSROOT)
  set(CMAKE_SYSROOT "${WASI_SYSROOT}")
  set(CMAKE_FIND_ROOT_PATH "${WASI_SYSROOT}")
elseif(NOT EXISTS /usr/lib/wasm32-wasi/libc.a)
  message(FATAL_ERROR "wasi: no wasi-libc found (apt-get install wasi-libc, or pass -DWASI_SYSROOT=...)")
endif()

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest and add_test() run .wasm files through node:wasi.
find_program(CY_NODE NAMES node nodejs REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR "${CY_NODE};${CMAKE_CURRENT_LIST_DIR}/../scripts/wasi-run.mjs"
    CACHE STRING "runs wasm32-wasi programs")
