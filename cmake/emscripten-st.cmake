# The single-threaded build of the core for pages that are not cross-origin
# isolated (no SharedArrayBuffer, so the -pthread module cannot start; most
# static hosts, GitHub Pages among them, cannot send COOP/COEP: emscripten
# #14779). dist/concurry-core-st.js + .wasm + .mjs: the same sources and the
# same exports as dist/concurry-core.*, compiled without -pthread, so the core
# is its CY_NO_THREADS build (the one WASI uses): executors run tasks inline,
# a futex wait can only sleep out its timeout, no drainer thread.
# bindings/core.js loads it when SharedArrayBuffer is missing or the page is
# not cross-origin isolated (or, in Node, with CONCURRY_WASM_CORE=st).
# Included from cmake/emscripten-module.cmake after cy_em_module_options,
# cy_exports_file and cy_empty_c exist.

if(NOT CY_BUILD_DIST)
  return()
endif()

# The library again, without -pthread: every object of a module without
# threads must be compiled without it (the cy_flags of the tree add it).
add_library(concurry_st STATIC EXCLUDE_FROM_ALL ${cy_sources})
target_include_directories(concurry_st
  PUBLIC "${PROJECT_SOURCE_DIR}/wasm/include"
  PRIVATE "${PROJECT_SOURCE_DIR}/wasm/src")
target_compile_options(concurry_st PRIVATE -Wall -Wextra)
target_compile_definitions(concurry_st PRIVATE CY_NO_THREADS=1)

# The dist module's link options minus the pthread ones: the pool size, and
# post.js (it unref()s pthread workers and names ENVIRONMENT_IS_PTHREAD, which
# a build without threads does not define).
set(cy_em_st_options ${cy_em_module_options})
list(FILTER cy_em_st_options EXCLUDE REGEX "PTHREAD_POOL_SIZE|pthreads-mem-growth|^--post-js=")

add_executable(concurry_core_st "${cy_empty_c}" ${CY_KERNEL_SOURCES})
target_link_libraries(concurry_core_st PRIVATE concurry_st)
# Kernel files (CY_KERNEL_SOURCES) are linked as objects: their constructors
# register the kernels. Built without -pthread like the library.
target_compile_options(concurry_core_st PRIVATE -Wall -Wextra)
# post-st.js puts the memory on Module, as a -pthread build always does.
target_link_options(concurry_core_st PRIVATE ${cy_em_st_options}
  "--post-js=${CMAKE_CURRENT_LIST_DIR}/emscripten/post-st.js")
set_target_properties(concurry_core_st PROPERTIES
  OUTPUT_NAME "concurry-core-st"
  SUFFIX ".js"
  RUNTIME_OUTPUT_DIRECTORY "${CY_DIST_DIR}"
  LINK_DEPENDS "${cy_exports_file};${PROJECT_BINARY_DIR}/concurry-pre.js;${CMAKE_CURRENT_LIST_DIR}/emscripten/post-st.js;${CMAKE_CURRENT_LIST_DIR}/emscripten/node-wasm-binary.js")
set_property(TARGET concurry_core_st APPEND PROPERTY ADDITIONAL_CLEAN_FILES "${CY_DIST_DIR}/concurry-core-st.wasm")

# Its ESM loader: loader.mjs with the file names of this build.
file(READ "${CMAKE_CURRENT_LIST_DIR}/emscripten/loader.mjs" cy_st_loader)
string(REPLACE "concurry-core." "concurry-core-st." cy_st_loader "${cy_st_loader}")
# No pthread workers in this build: no worker URL (a bundler would look for the file).
string(REPLACE "const workerUrl = new URL('./concurry-core-st.worker.js', import.meta.url);"
  "const workerUrl = null; // no pthread workers in the single-threaded build" cy_st_loader "${cy_st_loader}")
string(REPLACE "the\n// Emscripten (3.1.6, -pthread) build" "the\n// Emscripten (3.1.6) single-threaded build" cy_st_loader "${cy_st_loader}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/emscripten/loader.mjs")
file(CONFIGURE OUTPUT "${PROJECT_BINARY_DIR}/concurry-core-st.mjs" CONTENT "${cy_st_loader}" @ONLY)
add_custom_command(OUTPUT "${CY_DIST_DIR}/concurry-core-st.mjs"
  COMMAND "${CMAKE_COMMAND}" -E copy "${PROJECT_BINARY_DIR}/concurry-core-st.mjs" "${CY_DIST_DIR}/concurry-core-st.mjs"
  DEPENDS "${PROJECT_BINARY_DIR}/concurry-core-st.mjs"
  VERBATIM)
add_custom_target(concurry_core_st_loader ALL DEPENDS "${CY_DIST_DIR}/concurry-core-st.mjs")
# Part of the default build, like dist's module.
set_target_properties(concurry_core_st PROPERTIES EXCLUDE_FROM_ALL OFF)
