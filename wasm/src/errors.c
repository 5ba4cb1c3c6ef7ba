/*
 * errors.c: names and messages of the CY_E* codes, expanded from
 * CY_ERRNO_MAP (concurry.h), the one list of them.
 *
 * The core returns negative CY_E* codes; tasks fail with any other non-zero
 * int (positive by convention). Both functions accept any int and never
 * return NULL, so callers can print whatever code they hold.
 */
#include <stdio.h>

#include "internal.h"

static const char *message_of(int err) {
  switch (err) {
  case 0: return "success";
#define MESSAGE(name, value, message) \
  case CY_##name: return message;
    CY_ERRNO_MAP(MESSAGE)
#undef MESSAGE
  default: return NULL;
  }
}

const char *cy_strerror(int err) {
  const char *m = message_of(err);
  if (m) return m;
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
  switch (err) {
  case 0: return "OK";
#define NAME(name, value, message) \
  case CY_##name: return "CY_" #name;
    CY_ERRNO_MAP(NAME)
#undef NAME
  default: return "CY_UNKNOWN";
  }
}
