/*
 * errors.c: names and messages of the CY_E* codes.
 *
 * The core returns negative CY_E* codes; tasks fail with any other non-zero
 * int (positive by convention). Both functions accept any int and never
 * return NULL, so callers can print whatever code they hold.
 */
#include <stdio.h>

#include "internal.h"

typedef struct {
  int code;
  const char *name;
  const char *message;
} error_entry;

static const error_entry errors[] = {
    {0, "OK", "success"},
    {CY_EINVAL, "CY_EINVAL", "invalid argument"},
    {CY_ENOMEM, "CY_ENOMEM", "out of memory"},
    {CY_ETIMEDOUT, "CY_ETIMEDOUT", "the timeout passed before the condition held"},
    {CY_ECANCELED, "CY_ECANCELED", "the future was cancelled"},
    {CY_EINVALSTATE, "CY_EINVALSTATE", "the operation does not fit the future's state"},
    {CY_EAGAIN, "CY_EAGAIN", "not ready yet; the call would have to wait"},
    {CY_ENOENT, "CY_ENOENT", "no such name"},
    {CY_EDEADLK, "CY_EDEADLK",
     "waiting without a timeout could never end in a single-threaded build"},
    {CY_ESHUTDOWN, "CY_ESHUTDOWN", "the executor is shutting down"},
    {CY_EOF, "CY_EOF", "every item has been given"},
    {CY_EFAILED, "CY_EFAILED", "the future failed"},
};

static const error_entry *find(int err) {
  for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
    if (errors[i].code == err) return &errors[i];
  return NULL;
}

const char *cy_strerror(int err) {
  const error_entry *e = find(err);
  if (e) return e->message;
  if (err > 0) {
    /* Per thread, so a message stays valid until this thread asks again;
     * the WASI build has one thread and no TLS to spare. */
#ifdef CY_NO_THREADS
    static char buf[48];
#else
    static _Thread_local char buf[48];
#endif
    snprintf(buf, sizeof buf, "task failed with code %d", err);
    return buf;
  }
  return "unknown error";
}

const char *cy_err_name(int err) {
  const error_entry *e = find(err);
  return e ? e->name : "CY_UNKNOWN";
}
