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
    {CY_EFAILED, "CY_EFAILED"},
};
#define NCODES (sizeof codes / sizeof codes[0])

static int names(void) {
  for (size_t i = 0; i < NCODES; i++) ASSERT_STR(cy_err_name(codes[i].code), codes[i].name);
  ASSERT_STR(cy_err_name(0), "OK");
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

CY_TEST_TABLE(errors) = {
    {"names", names, 0},
    {"messages_known", messages_known, 0},
    {"messages_unknown", messages_unknown, 0},
    {0},
};
