# Toolchain: Debian's emscripten package (emcc 3.1.6).
#
# Debian's emcc runs its JS optimizer (acorn) with the system node, which finds
# acorn only with NODE_PATH=/usr/share/nodejs: set it for configure-time checks
# and launch every link through `env NODE_PATH=...` so plain `cmake --build`
# works from any shell.
if(NOT EMSCRIPTEN_ROOT_PATH)
  foreach(dir "$ENV{EMSDK}/upstream/emscripten" "$ENV{EMSCRIPTEN}" /usr/share/emscripten)
    if(dir AND EXISTS "${dir}/cmake/Modules/Platform/Emscripten.cmake")
      set(EMSCRIPTEN_ROOT_PATH "${dir}")
      break()
    endif()
  endforeach()
endif()
if(NOT EMSCRIPTEN_ROOT_PATH)
  message(FATAL_ERROR "emscripten not found (apt-get install emscripten)")
endif()

set(CY_EMSCRIPTEN_NODE_PATH "/usr/share/nodejs" CACHE PATH "NODE_PATH for emcc's JS tools")
if(EXISTS "${CY_EMSCRIPTEN_NODE_PATH}")
  if(DEFINED ENV{NODE_PATH} AND NOT "$ENV{NODE_PATH}" STREQUAL "")
    set(ENV{NODE_PATH} "${CY_EMSCRIPTEN_NODE_PATH}:$ENV{NODE_PATH}")
  else()
    set(ENV{NODE_PATH} "${CY_EMSCRIPTEN_NODE_PATH}")
  endif()
  set(CMAKE_C_LINKER_LAUNCHER env "NODE_PATH=${CY_EMSCRIPTEN_NODE_PATH}")
endif()

include("${EMSCRIPTEN_ROOT_PATH}/cmake/Modules/Platform/Emscripten.cmake")
