# ctest "install/contract": install this build into a fresh prefix, compile
# wasm/tests/contract/contract.c against the installed header and library
# only, run it. Called by CMakeLists.txt with:
#   -DBUILD_DIR -DWORK_DIR -DCC -DCFLAGS -DLIBS -DSUFFIX -DSOURCE -DRUN -DTHREADS -DCONFIG
cmake_policy(VERSION 3.21)

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
foreach(f include/concurry.h lib/libconcurry.a)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "not installed: ${prefix}/${f}")
  endif()
endforeach()

# Only the installed header: the source tree is not on the include path.
set(exe "${WORK_DIR}/contract${SUFFIX}")
set(cmd "${CC}" ${CFLAGS} -std=c11 -Wall -Wextra -Werror -I "${prefix}/include"
        "${SOURCE}" "${prefix}/lib/libconcurry.a" ${LIBS} -o "${exe}")
list(JOIN cmd " " shown)
message(STATUS "${shown}")
execute_process(COMMAND ${cmd} WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling the contract program against the installed library failed (${rc})")
endif()

set(run ${RUN} "${exe}" ${THREADS})
list(JOIN run " " shown)
message(STATUS "${shown}")
execute_process(COMMAND ${run} WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the contract program failed (${rc})")
endif()
