/* Error names and messages. */
#include "runner.h"

static const struct {
  int code;
  const char *name;
} codes[] = {
    {CY_EINVAL, "CY_EINVAL"},       {CY_ENOMEM, "CY_ENOMEM"},
    {CY_ETIMEDOUT, "CY_ETIMEDOUT"}, {CY_ECANCELED, "CY_ECANCELED"},
    {CY_EINVALSTATE, "CY_EINVALSTATE"}, {CY_EAGAIN, "CY_EAGAIN"},
    {CY_ENOENT, "CY_ENOENT"},       {CY_EDEADLK, "CY_EDEADLK"},
    {CY_ESHUTDOWN, "CY_ESHUTDOWN"}, {CY_EOF, "CY_EOF"},
};
#define NCODES (sizeof codes / sizeof codes[0])

static int names(void) {
  for (size_t i = 0; i < NCODES; i++) ASSERT_STR(cy_err_name(codes[i].code), codes[i].name);
  ASSERT_STR(cy_err_name(0), "OK");
  ASSERT_STR(cy_err_name(-11), "CY_UNKNOWN"); /* was CY_EFAILED, never returned */
  ASSERT_STR(cy_err_name(-12), "CY_UNKNOWN");
  ASSERT_STR(cy_err_name(-1000), "CY_UNKNOWN");
  ASSERT_STR(cy_err_name(7), "CY_UNKNOWN");
  return 0;
}

static int messages_known(void) {
  ASSERT_STR(cy_strerror(0), "success");
  ASSERT_STR(cy_strerror(CY_ETIMEDOUT), "the timeout passed before the condition held");
  ASSERT_STR(cy_strerror(CY_ECANCELED), "the future was cancelled");
  ASSERT_STR(cy_strerror(CY_EINVAL), "invalid argument");
  /* Every code has its own, non-empty sentence. */
  for (size_t i = 0; i < NCODES; i++) {
    const char *m = cy_strerror(codes[i].code);
    ASSERT(m != NULL);
    ASSERT_GT(strlen(m), 5);
    ASSERT(strcmp(m, "unknown error") != 0);
    for (size_t j = 0; j < i; j++) ASSERT(strcmp(m, cy_strerror(codes[j].code)) != 0);
  }
  return 0;
}

static int messages_unknown(void) {
  ASSERT_STR(cy_strerror(5), "task failed with code 5");
  ASSERT_STR(cy_strerror(2147483647), "task failed with code 2147483647");
  ASSERT_STR(cy_strerror(1), "task failed with code 1");
  ASSERT_STR(cy_strerror(-12), "unknown error");
  ASSERT_STR(cy_strerror(-2147483647 - 1), "unknown error");
  return 0;
}

/* The list above is written out by hand; CY_ERRNO_MAP, which the core's
 * names and messages expand, must hold exactly those codes, in that order. */
static int map_matches_list(void) {
  static const struct { int code; const char *name; const char *message; } map[] = {
#define ENTRY(name, value, message) {value, "CY_" #name, message},
      CY_ERRNO_MAP(ENTRY)
#undef ENTRY
  };
  ASSERT_EQ(sizeof map / sizeof map[0], NCODES);
  for (size_t i = 0; i < NCODES; i++) {
    ASSERT_EQ(map[i].code, codes[i].code);
    ASSERT_STR(map[i].name, codes[i].name);
    ASSERT_STR(cy_strerror(map[i].code), map[i].message);
  }
  /* No code outside the map has a name. */
  for (int c = -1; c >= -256; c--) {
    int listed = 0;
    for (size_t i = 0; i < NCODES; i++) listed |= map[i].code == c;
    if (!listed) ASSERT_STR(cy_err_name(c), "CY_UNKNOWN");
  }
  return 0;
}

/* The states and return conditions keep the values the JS bindings and
 * serialized outcomes rely on (bindings/constants.js is generated from the
 * same lists; ctest c/constants checks it). */
static int states_and_conditions(void) {
  ASSERT_EQ(CY_STATE_PENDING, 0);
  ASSERT_EQ(CY_STATE_RUNNING, 1);
  ASSERT_EQ(CY_STATE_SUCCEEDED, 3);
  ASSERT_EQ(CY_STATE_FAILED, 4);
  ASSERT_EQ(CY_STATE_CANCELLED, 5);
  ASSERT_EQ(CY_ALL_COMPLETED, 0);
  ASSERT_EQ(CY_FIRST_COMPLETED, 1);
  ASSERT_EQ(CY_FIRST_EXCEPTION, 2);
  return 0;
}

CY_TEST_TABLE(errors) = {
    {"names", names, 0},
    {"messages_known", messages_known, 0},
    {"messages_unknown", messages_unknown, 0},
    {"map_matches_list", map_matches_list, 0},
    {"states_and_conditions", states_and_conditions, 0},
    {0},
};
