# `cmake --install` of the library: what a C program built against it needs.
#
#   PREFIX/include/concurry.h, concurry-kernels.h   public headers
#   PREFIX/lib/libconcurry.a                        the core (static)
#   PREFIX/lib/pkgconfig/concurry.pc                pkg-config --cflags --libs concurry
#   PREFIX/lib/cmake/concurry/                      find_package(concurry) -> concurry::concurry
#
# The same for every preset; what differs is the flags a program needs:
# -pthread for the native and Emscripten builds (every object linked into an
# Emscripten -pthread program must be compiled with it too), nothing for WASI
# (single-threaded). concurry-js.h is the JS bindings' batch API: built into
# the library but not installed (internal, may change with the bindings).
# Included from CMakeLists.txt after the `concurry` target exists.

set(cy_public_headers
  "${PROJECT_SOURCE_DIR}/wasm/include/concurry.h"
  "${PROJECT_SOURCE_DIR}/wasm/include/concurry-kernels.h")
set_target_properties(concurry PROPERTIES PUBLIC_HEADER "${cy_public_headers}")

# What an installed consumer inherits (the build tree uses cy_flags instead).
if(NOT CY_WASI)
  target_compile_options(concurry INTERFACE $<INSTALL_INTERFACE:-pthread>)
  target_link_options(concurry INTERFACE $<INSTALL_INTERFACE:-pthread>)
endif()
# Emscripten: the core's tables do not fit emcc's default 16 MiB; a program
# starts with what the package's module has (a later -sINITIAL_MEMORY wins).
set(cy_em_memory "")
if(EMSCRIPTEN)
  set(cy_em_memory "-sINITIAL_MEMORY=${CY_INITIAL_MEMORY}")
  target_link_options(concurry INTERFACE $<INSTALL_INTERFACE:${cy_em_memory}>)
endif()

install(TARGETS concurry EXPORT concurryTargets
  ARCHIVE DESTINATION lib
  PUBLIC_HEADER DESTINATION include)

# pkg-config: the prefix is found from the .pc file's own place, so the tree
# works wherever `cmake --install --prefix` put it (and wherever it is moved).
# Libs carries -lm and -pthread, not Libs.private: only a static library is
# installed, so every program needs them.
if(CY_WASI)
  set(CY_PC_FLAVOR "wasm32-wasi, single-threaded")
  set(CY_PC_CFLAGS "")
  set(CY_PC_LIBS "-lm")
elseif(EMSCRIPTEN)
  set(CY_PC_FLAVOR "Emscripten, pthreads")
  set(CY_PC_CFLAGS "-pthread")
  set(CY_PC_LIBS "-pthread ${cy_em_memory}")
else()
  set(CY_PC_FLAVOR "native, pthreads")
  set(CY_PC_CFLAGS "-pthread")
  set(CY_PC_LIBS "-pthread -lm")
endif()
configure_file("${CMAKE_CURRENT_LIST_DIR}/concurry.pc.in" "${PROJECT_BINARY_DIR}/concurry.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/concurry.pc" DESTINATION lib/pkgconfig)

# CMake package: find_package(concurry CONFIG) gives concurry::concurry.
include(CMakePackageConfigHelpers)
install(EXPORT concurryTargets NAMESPACE concurry:: DESTINATION lib/cmake/concurry)
configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/concurryConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/concurryConfig.cmake" INSTALL_DESTINATION lib/cmake/concurry)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/concurryConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/concurryConfig.cmake" "${PROJECT_BINARY_DIR}/concurryConfigVersion.cmake"
  DESTINATION lib/cmake/concurry)
