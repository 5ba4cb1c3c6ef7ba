# CMake platform file for CMAKE_SYSTEM_NAME WASI (found through
# CMAKE_MODULE_PATH set by cmake/wasi.cmake): a static-only, Unix-like target
# whose programs are .wasm command modules.
include(Platform/Generic)
set(WASI 1)
set(CMAKE_EXECUTABLE_SUFFIX ".wasm")
set(CMAKE_STATIC_LIBRARY_PREFIX "lib")
set(CMAKE_STATIC_LIBRARY_SUFFIX ".a")
set(CMAKE_FIND_LIBRARY_PREFIXES "lib")
set(CMAKE_FIND_LIBRARY_SUFFIXES ".a")
