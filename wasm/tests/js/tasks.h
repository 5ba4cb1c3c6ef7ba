/*
 * tasks.h: C tasks for the JS tests and benchmarks. Compiled only into the
 * test variant of the Emscripten module (dist-test/, see
 * cmake/emscripten-module.cmake), never into the dist/ the package ships;
 * bindings/core.js loads that variant when CONCURRY_WASM_CORE=test.
 */
#ifndef CONCURRY_TEST_TASKS_H
#define CONCURRY_TEST_TASKS_H

#include <stdint.h>

#include "concurry.h"

/* Submits a task that sleeps ms on an executor thread and then succeeds
 * (code 0, result = (void *)(intptr_t)tag) or fails with code. NULL when
 * ex is NULL or memory runs out. */
cy_future *cy_test_submit_sleep(cy_executor *ex, double ms, int code, int32_t tag);

#endif /* CONCURRY_TEST_TASKS_H */
