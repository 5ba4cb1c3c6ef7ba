# The Emscripten module the JS bindings load: dist/concurry-core.js (+ .wasm,
# + .worker.js for pthreads), a MODULARIZE factory `createConcurryCore`, plus
# dist/concurry-core.mjs (an ESM loader for Node, browsers and workers) and
# dist/package.json ({"type": "commonjs"}, so Node treats the generated .js
# files as the CommonJS/UMD scripts they are inside this "type": "module"
# package). Included from CMakeLists.txt for Emscripten builds only.

include("${CMAKE_CURRENT_LIST_DIR}/cy-exports.cmake")

# The C programs of this build (concurry_tests.js, ...) are CommonJS scripts
# too, and the build tree sits inside the "type": "module" package.
file(CONFIGURE OUTPUT "${PROJECT_BINARY_DIR}/package.json" CONTENT "{\n  \"type\": \"commonjs\"\n}\n")

# Every cy_ function declared by the public headers (concurry.h, and
# concurry-js.h: the batch entry points of the bindings), so the list stays
# true as the headers change (a header edit re-runs configure).
file(GLOB cy_headers CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/wasm/include/*.h")
set(cy_functions "")
foreach(h IN LISTS cy_headers)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${h}")
  cy_header_functions("${h}" names)
  list(APPEND cy_functions ${names})
endforeach()
list(REMOVE_DUPLICATES cy_functions)
# Besides the cy_ functions: malloc/free, and the call that runs the work
# pthreads proxy to the thread that loaded the module (their stdio, for one),
# which waitSync()/gatherSync() make while that thread blocks (a kernel that
# prints would otherwise wait for it for ever).
set(cy_export_extras "_malloc;_free;_emscripten_current_thread_process_queued_calls")
cy_exports_json("${cy_functions}" "${cy_export_extras}" cy_exports_json)
set(cy_exports_file "${PROJECT_BINARY_DIR}/concurry-exports.json")
file(CONFIGURE OUTPUT "${cy_exports_file}" CONTENT "${cy_exports_json}\n")
list(LENGTH cy_functions cy_nfunctions)
message(STATUS "concurry: exporting ${cy_nfunctions} cy_ functions + _malloc, _free")

set(cy_runtime_methods
  ccall cwrap addFunction removeFunction
  UTF8ToString stringToUTF8 lengthBytesUTF8
  getValue setValue stackSave stackRestore stackAlloc keepRuntimeAlive)
# HEAP8/HEAPU8/HEAP32/HEAPF64/... are always on Module in emcc 3.1.6, and so
# are wasmMemory and PThread in a -pthread build (3.1.6 warns if they are
# listed here; newer emcc needs HEAP* listed).
list(JOIN cy_runtime_methods "," cy_runtime_methods)

if(NOT CY_PTHREAD_POOL_SIZE MATCHES "^[1-9][0-9]*$")
  message(FATAL_ERROR "CY_PTHREAD_POOL_SIZE must be an integer >= 1 (emcc 3.1.6 hangs at startup with an empty pool)")
endif()
configure_file("${CMAKE_CURRENT_LIST_DIR}/emscripten/pre.js.in"
               "${PROJECT_BINARY_DIR}/concurry-pre.js" @ONLY)
set(cy_post_js "${CMAKE_CURRENT_LIST_DIR}/emscripten/post.js")

# Link options of a module meant to be loaded by JS (dist, smoke test).
set(cy_em_module_options
  -sMODULARIZE=1
  -sEXPORT_NAME=createConcurryCore
  "-sEXPORTED_FUNCTIONS=@${cy_exports_file}"
  "-sEXPORTED_RUNTIME_METHODS=${cy_runtime_methods}"
  -sALLOW_TABLE_GROWTH=1
  -sALLOW_MEMORY_GROWTH=1
  -sINITIAL_MEMORY=${CY_INITIAL_MEMORY}
  -sMAXIMUM_MEMORY=${CY_MAXIMUM_MEMORY}
  -sPTHREAD_POOL_SIZE=Module.pthreadPoolSize
  -sENVIRONMENT=web,worker,node
  -sEXIT_RUNTIME=0
  # No process-wide listeners: emcc's defaults add 'uncaughtException' and
  # 'unhandledRejection' handlers that rethrow, so a user's uncaught error
  # printed a line of this minified file, exited with 7, and the user's own
  # handlers and --unhandled-rejections no longer decided anything.
  -sNODEJS_CATCH_EXIT=0
  -sNODEJS_CATCH_REJECTION=0
  -sFILESYSTEM=0
  "--pre-js=${PROJECT_BINARY_DIR}/concurry-pre.js"
  "--pre-js=${CMAKE_CURRENT_LIST_DIR}/emscripten/node-wasm-binary.js"
  "--post-js=${cy_post_js}"
  -Wno-pthreads-mem-growth)
if(CMAKE_BUILD_TYPE MATCHES "Debug")
  list(APPEND cy_em_module_options -sASSERTIONS=1)
endif()

# emcc needs a translation unit; the functions come from libconcurry.a,
# kept alive by EXPORTED_FUNCTIONS.
set(cy_empty_c "${PROJECT_BINARY_DIR}/concurry-core-entry.c")
file(CONFIGURE OUTPUT "${cy_empty_c}" CONTENT "/* generated: the dist module's code is libconcurry.a */\n")

function(cy_em_module target output_dir output_name)
  add_executable(${target} ${ARGN})
  target_link_libraries(${target} PRIVATE concurry cy_flags)
  target_link_options(${target} PRIVATE ${cy_em_module_options})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "${output_name}"
    SUFFIX ".js"
    RUNTIME_OUTPUT_DIRECTORY "${output_dir}"
    LINK_DEPENDS "${cy_exports_file};${PROJECT_BINARY_DIR}/concurry-pre.js;${cy_post_js};${CMAKE_CURRENT_FUNCTION_LIST_DIR}/emscripten/node-wasm-binary.js;${CMAKE_CURRENT_FUNCTION_LIST_DIR}/emscripten/loader.mjs")
  # The .wasm and .worker.js are written next to the .js.
  set_property(TARGET ${target} APPEND PROPERTY ADDITIONAL_CLEAN_FILES
    "${output_dir}/${output_name}.wasm;${output_dir}/${output_name}.worker.js")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND "${CMAKE_COMMAND}" -E copy_if_different
      "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/emscripten/package.json" "${output_dir}/package.json"
    COMMAND "${CMAKE_COMMAND}" -E copy_if_different
      "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/emscripten/loader.mjs" "${output_dir}/${output_name}.mjs"
    VERBATIM)
endfunction()

# Your own C kernels in the module the package loads: C files that register
# kernels with CY_KERNEL_EXPORT (concurry-kernels.h), compiled and linked as
# objects (so their constructors run) into dist/ and dist-test/; then
# createWorker('builtin', { mode: 'c' }) calls them by name (README, "C tasks").
#   cmake --preset emscripten -DCY_KERNEL_SOURCES="/abs/my-kernels.c;/abs/more.c"
set(CY_KERNEL_SOURCES "" CACHE STRING
    "Emscripten: C files of your own kernels (CY_KERNEL_EXPORT) to link into the module (a ;-list of absolute paths)")
foreach(src IN LISTS CY_KERNEL_SOURCES)
  if(NOT IS_ABSOLUTE "${src}" OR NOT EXISTS "${src}")
    message(FATAL_ERROR "CY_KERNEL_SOURCES: '${src}' is not an absolute path to an existing C file")
  endif()
endforeach()

if(CY_BUILD_DIST)
  cy_em_module(concurry_core "${CY_DIST_DIR}" concurry-core "${cy_empty_c}" ${CY_KERNEL_SOURCES})
endif()
# dist/concurry-core-st.*: the same core without threads, for pages that are
# not cross-origin isolated.
include("${CMAKE_CURRENT_LIST_DIR}/emscripten-st.cmake")

# The test variant: dist's module plus the C tasks of wasm/tests/js/tasks.h
# (a C task that sleeps on a pthread, for the Jest tests of C futures) and the
# user-style kernels of wasm/tests/js/kernels.c, in
# CY_DIST_TEST_DIR (dist-test/ by default: outside the package's "files").
# bindings/core.js loads it instead of dist/ when CONCURRY_WASM_CORE=test, so
# the shipped module never exports a test helper.
set(CY_DIST_TEST_DIR "${PROJECT_SOURCE_DIR}/dist-test" CACHE PATH
    "Emscripten: where the test variant of the module goes (dist plus the C tasks of wasm/tests/js)")
set(cy_test_tasks_dir "${PROJECT_SOURCE_DIR}/wasm/tests/js")
if(CY_BUILD_DIST AND BUILD_TESTING AND EXISTS "${cy_test_tasks_dir}/tasks.c")
  cy_header_functions("${cy_test_tasks_dir}/tasks.h" cy_test_task_functions)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${cy_test_tasks_dir}/tasks.h")
  cy_exports_json("${cy_functions};${cy_test_task_functions}" "${cy_export_extras}" cy_test_json)
  set(cy_test_exports_file "${PROJECT_BINARY_DIR}/concurry-test-exports.json")
  file(CONFIGURE OUTPUT "${cy_test_exports_file}" CONTENT "${cy_test_json}\n")
  # kernels.c registers kernels the way a user's file does (CY_KERNEL_EXPORT):
  # the Jest tests call them through createWorker(..., { mode: 'c' }).
  cy_em_module(concurry_core_test "${CY_DIST_TEST_DIR}" concurry-core "${cy_test_tasks_dir}/tasks.c"
    "${cy_test_tasks_dir}/kernels.c" ${CY_KERNEL_SOURCES})
  # The later -sEXPORTED_FUNCTIONS wins over the dist list of cy_em_module.
  target_link_options(concurry_core_test PRIVATE "-sEXPORTED_FUNCTIONS=@${cy_test_exports_file}")
  set_property(TARGET concurry_core_test APPEND PROPERTY LINK_DEPENDS "${cy_test_exports_file}")
endif()

# Smoke test: a module built exactly like dist plus one C entry point that
# runs tasks on cy_executor_new(4); a Node ESM script loads it the way the
# bindings load dist (wasmBinary from disk), checks the checksum and the
# dist module's exports, and must exit by itself.
if(BUILD_TESTING AND EXISTS "${PROJECT_SOURCE_DIR}/wasm/tests/smoke/smoke.c")
  set(cy_smoke_dir "${PROJECT_BINARY_DIR}/smoke")
  cy_em_module(concurry_smoke "${cy_smoke_dir}" concurry-core "${PROJECT_SOURCE_DIR}/wasm/tests/smoke/smoke.c")
  target_link_options(concurry_smoke PRIVATE "-sEXPORTED_FUNCTIONS=@${PROJECT_BINARY_DIR}/smoke-exports.json")
  cy_exports_json("${cy_functions};smoke_run" "${cy_export_extras}" cy_smoke_json)
  file(CONFIGURE OUTPUT "${PROJECT_BINARY_DIR}/smoke-exports.json" CONTENT "${cy_smoke_json}\n")
  set(cy_smoke_args "${PROJECT_SOURCE_DIR}/wasm/tests/smoke/smoke.mjs" "${cy_smoke_dir}/concurry-core.mjs")
  if(CY_BUILD_DIST)
    list(APPEND cy_smoke_args "${CY_DIST_DIR}/concurry-core.mjs" "${cy_exports_file}")
  endif()
  add_test(NAME emscripten/smoke COMMAND "${CY_NODE}" ${cy_smoke_args})
  set_tests_properties(emscripten/smoke PROPERTIES LABELS "emscripten" TIMEOUT 60)
endif()

# The same in headless Chromium (page, module worker, classic worker), served
# with COOP/COEP from the source tree; skipped when the build or dist dir is
# outside it. browser.mjs itself skips (passes) when Chromium is missing.
if(BUILD_TESTING AND CY_BUILD_DIST AND TARGET concurry_smoke
   AND EXISTS "${PROJECT_SOURCE_DIR}/wasm/tests/smoke/browser.mjs")
  file(RELATIVE_PATH cy_rel_smoke "${PROJECT_SOURCE_DIR}" "${cy_smoke_dir}/concurry-core.mjs")
  file(RELATIVE_PATH cy_rel_dist "${PROJECT_SOURCE_DIR}" "${CY_DIST_DIR}/concurry-core.mjs")
  if(NOT cy_rel_smoke MATCHES "^\\.\\." AND NOT cy_rel_dist MATCHES "^\\.\\.")
    add_test(NAME emscripten/browser
      COMMAND "${CY_NODE}" "${PROJECT_SOURCE_DIR}/wasm/tests/smoke/browser.mjs"
              "${PROJECT_SOURCE_DIR}" "/${cy_rel_smoke}" "/${cy_rel_dist}")
    set_tests_properties(emscripten/browser PROPERTIES LABELS "emscripten;browser" TIMEOUT 90)
  endif()
endif()
