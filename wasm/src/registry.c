/*
 * registry.c: the names polling strategies are looked up by.
 *
 * At the bottom of the core with errors.c and platform.c: config.c checks a
 * default strategy name here and polling.c resolves names here, so neither
 * needs the other for it. The table is constant: kind == index.
 */
#include <ctype.h>

#include "internal.h"

#define MAX_ALIASES 3

typedef struct {
  const char *name; /* canonical, lower case; cy_polling_name() */
  int kind;         /* == index in the table */
  const char *aliases[MAX_ALIASES]; /* NULL-terminated when shorter */
} registry_entry;

static const registry_entry registry[] = {
    {"fixed", CY_POLL_FIXED, {"constant"}},
    {"adaptive", CY_POLL_ADAPTIVE, {NULL}},
    {"exponential", CY_POLL_EXPONENTIAL, {"exp", "backoff"}},
    {"progressive", CY_POLL_PROGRESSIVE, {"stepped"}},
};
#define NREGISTRY ((int)(sizeof registry / sizeof registry[0]))

static int same_name(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}

int cy_polling_lookup(const char *name) {
  if (!name) return CY_EINVAL;
  for (int i = 0; i < NREGISTRY; i++) {
    if (same_name(name, registry[i].name)) return registry[i].kind;
    for (int j = 0; j < MAX_ALIASES && registry[i].aliases[j]; j++)
      if (same_name(name, registry[i].aliases[j])) return registry[i].kind;
  }
  return CY_ENOENT;
}

const char *cy_polling_name(int kind) {
  if (kind < 0 || kind >= NREGISTRY) return NULL;
  return registry[kind].name;
}
