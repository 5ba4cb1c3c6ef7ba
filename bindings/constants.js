// Generated from wasm/include/concurry.h by wasm/tests/gen-constants.c: do not edit.
// Regenerate with `build/native/concurry_constants > bindings/constants.js`
// (ctest c/constants fails while this file and the header disagree).
/**
 * The core's named numbers: error codes (CY_ERRNO_MAP), future states
 * (CY_STATE_MAP) and return conditions (CY_RETURN_WHEN_MAP).
 * @module concurry-wasm/constants
 */

/* Error codes: negative, so never a task's own failure code. */
/** invalid argument */
export const CY_EINVAL = -1;
/** out of memory */
export const CY_ENOMEM = -2;
/** the timeout passed before the condition held */
export const CY_ETIMEDOUT = -3;
/** the future was cancelled */
export const CY_ECANCELED = -4;
/** the operation does not fit the future's state */
export const CY_EINVALSTATE = -5;
/** not ready yet; the call would have to wait */
export const CY_EAGAIN = -6;
/** no such name */
export const CY_ENOENT = -7;
/** waiting without a timeout could never end in a single-threaded build */
export const CY_EDEADLK = -8;
/** the executor is shutting down */
export const CY_ESHUTDOWN = -9;
/** every item has been given */
export const CY_EOF = -10;

/* Future states (2 is internal: a completion in progress). */
export const STATE_PENDING = 0;
export const STATE_RUNNING = 1;
export const STATE_SUCCEEDED = 3;
export const STATE_FAILED = 4;
export const STATE_CANCELLED = 5;

/* Return conditions of a wait (cy_wait_opts.return_when). */
export const ALL_COMPLETED = 0;
export const FIRST_COMPLETED = 1;
export const FIRST_EXCEPTION = 2;

/** Every error code by name. */
export const ERRORS = Object.freeze({
  CY_EINVAL: -1,
  CY_ENOMEM: -2,
  CY_ETIMEDOUT: -3,
  CY_ECANCELED: -4,
  CY_EINVALSTATE: -5,
  CY_EAGAIN: -6,
  CY_ENOENT: -7,
  CY_EDEADLK: -8,
  CY_ESHUTDOWN: -9,
  CY_EOF: -10,
});

/** Every state by name. */
export const STATES = Object.freeze({
  PENDING: 0,
  RUNNING: 1,
  SUCCEEDED: 3,
  FAILED: 4,
  CANCELLED: 5,
});

/** Every return condition by name. */
export const RETURN_WHEN = Object.freeze({
  ALL_COMPLETED: 0,
  FIRST_COMPLETED: 1,
  FIRST_EXCEPTION: 2,
});
