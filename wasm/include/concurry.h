/*
 * concurry.h: the public C API of the concurry core.
 *
 * One synchronization layer (futures, wait, gather) over concurrent work. The
 * same core builds natively (pthreads), for Emscripten (pthreads over
 * SharedArrayBuffer) and for WASI (single-threaded: tasks run inline).
 *
 * Conventions (after libuv):
 *   - public names are cy_ / CY_;
 *   - functions return 0 on success or a negative CY_E* code (cy_strerror());
 *   - option structs are caller-owned and filled with defaults by cy_*_init();
 *   - every time is milliseconds as a double; a negative timeout means "none".
 *
 * Ownership: every cy_future handed to the caller (cy_future_new,
 * cy_future_new_probe, cy_submit) carries one reference; drop it with cy_future_release(). The core
 * keeps its own references for as long as it needs a future (a queued task, a
 * wait in progress), so releasing early never frees a future in use.
 */
#ifndef CONCURRY_H
#define CONCURRY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CY_VERSION_MAJOR 0
#define CY_VERSION_MINOR 1
#define CY_VERSION_PATCH 0

/* ---- errors ------------------------------------------------------------ */

/* The core's named constants come from the lists below (X-macros, after
 * libuv's UV_ERRNO_MAP): the enums here, cy_strerror() and cy_err_name(), and
 * bindings/constants.js (generated from them; ctest c/constants fails when it
 * drifts) all expand the same list, so a code is added in one place.
 *
 * Error codes are negative so that they never collide with the positive
 * failure codes that tasks report (a task may return any non-zero int; use
 * positive ones to keep them apart from these).
 * CY_ERRNO_MAP(X) calls X(NAME, value, message) for CY_<NAME>. */
#define CY_ERRNO_MAP(X)                                                                        \
  /* an argument is invalid (NULL, n = 0 where not allowed, out of range) */                \
  X(EINVAL, -1, "invalid argument")                                                          \
  X(ENOMEM, -2, "out of memory")                                                             \
  /* the timeout passed before the condition held */                                         \
  X(ETIMEDOUT, -3, "the timeout passed before the condition held")                           \
  X(ECANCELED, -4, "the future was cancelled")                                               \
  /* the operation does not fit the future's state (a second completion, ...) */             \
  X(EINVALSTATE, -5, "the operation does not fit the future's state")                        \
  /* not yet: the non-blocking call would have to wait */                                    \
  X(EAGAIN, -6, "not ready yet; the call would have to wait")                                \
  /* no such name (unknown polling strategy, config key) */                                  \
  X(ENOENT, -7, "no such name")                                                              \
  /* waiting without a timeout could never end (single-threaded build) */                    \
  X(EDEADLK, -8, "waiting without a timeout could never end in a single-threaded build")    \
  X(ESHUTDOWN, -9, "the executor is shutting down")                                          \
  /* an iterator has given every item */                                                     \
  X(EOF, -10, "every item has been given")

/* Future states, X(NAME, value) for CY_STATE_<NAME>. 2 is not a state a
 * caller sees: it marks a completion in progress inside the core. */
#define CY_STATE_MAP(X) \
  X(PENDING, 0)         \
  X(RUNNING, 1)         \
  X(SUCCEEDED, 3)       \
  X(FAILED, 4)          \
  X(CANCELLED, 5)

/* Return conditions of a wait (cy_wait_opts.return_when), X(NAME, value)
 * for CY_<NAME>. */
#define CY_RETURN_WHEN_MAP(X) \
  X(ALL_COMPLETED, 0)         \
  X(FIRST_COMPLETED, 1)       \
  X(FIRST_EXCEPTION, 2)

#define CY__ERRNO_ENUM(name, value, message) CY_##name = (value),
enum { CY_ERRNO_MAP(CY__ERRNO_ENUM) };
#undef CY__ERRNO_ENUM

const char *cy_strerror(int err);
/* The symbolic name of an error code ("CY_ETIMEDOUT"), or "CY_UNKNOWN". */
const char *cy_err_name(int err);

/* ---- global configuration ---------------------------------------------- */

/* Defaults used by cy_*_init() and the polling registry. Read with
 * cy_config_get(), change with cy_config_set() (validated as a whole),
 * restore the built-ins with cy_config_reset(). Thread-safe. */
typedef struct cy_config {
  double polling_fixed_interval;              /* ms, 10 */
  double polling_adaptive_min_interval;       /* ms, 1 */
  double polling_adaptive_max_interval;       /* ms, 100 */
  double polling_adaptive_initial_interval;   /* ms, 10 */
  double polling_adaptive_speedup;            /* factor on completion, 0.7 */
  double polling_adaptive_slowdown;           /* factor after empty checks, 1.3 */
  unsigned polling_adaptive_empty_checks;     /* empty checks before slowing, 3 */
  double polling_exponential_initial_interval;/* ms, 1 */
  double polling_exponential_max_interval;    /* ms, 1000 */
  double polling_exponential_multiplier;      /* 2 */
  double polling_progressive_min_interval;    /* ms, 1 */
  double polling_progressive_max_interval;    /* ms, 100 */
  unsigned polling_progressive_checks_per_level; /* 5 */
  char default_polling[16];                   /* "adaptive" */
  size_t progress_miniters;                   /* 1 */
} cy_config;

void cy_config_get(cy_config *out);
/* CY_EINVAL (nothing changed) if a field is out of range; default_polling
 * is stored under its canonical lower-case name. */
int  cy_config_set(const cy_config *in);
void cy_config_reset(void);
/* By-name access for bindings: key is a cy_config field name ("polling_fixed_interval");
 * default_polling is not reachable here (use cy_config_set). CY_ENOENT for an unknown key. */
int  cy_config_get_number(const char *key, double *out);
int  cy_config_set_number(const char *key, double value);
/* What cy_config_set_number(key, value) would return, changing nothing; for
 * CY_EINVAL, why (may be NULL) gets the first broken rule as
 * cy_polling_params_check reports it, with cy_config field names: why[0] the
 * field, why[1] what it must be, why[2] the field it is compared with or NULL. */
int  cy_config_check_number(const char *key, double value, const char **why);

/* ---- polling strategies -------------------------------------------------- */

/* Strategies pace only probe-only futures (those that cannot notify). The four
 * built-ins follow the original (Concurry's design) exactly; a custom one
 * supplies a vtable. */
enum { CY_POLL_FIXED, CY_POLL_ADAPTIVE, CY_POLL_EXPONENTIAL, CY_POLL_PROGRESSIVE, CY_POLL_CUSTOM };

#define CY_POLL_MAX_LEVELS 16

typedef struct cy_polling cy_polling;
typedef struct cy_polling_vtable {
  double (*next_interval)(cy_polling *p);
  void (*record_completion)(cy_polling *p);
  void (*record_no_completion)(cy_polling *p);
  void (*reset)(cy_polling *p);
} cy_polling_vtable;

struct cy_polling {
  int kind;
  /* parameters (ms / factors), fixed at init */
  double interval;         /* fixed */
  double min_interval;     /* adaptive */
  double max_interval;     /* adaptive, exponential */
  double initial_interval; /* adaptive, exponential */
  double speedup, slowdown;/* adaptive */
  double multiplier;       /* exponential */
  unsigned empty_threshold;/* adaptive */
  unsigned checks_per_level; /* progressive */
  unsigned nlevels;          /* progressive */
  double levels[CY_POLL_MAX_LEVELS];
  /* state, changed by record_* and reset */
  double current;
  unsigned consecutive_empty;
  unsigned checks_at_level;
  unsigned level;
  /* custom */
  const cy_polling_vtable *vt;
  void *user;
};

/* Initializes p as the strategy named `name` (case-insensitive: "fixed",
 * "adaptive", "exponential", "progressive", or the aliases "constant", "exp",
 * "backoff", "stepped"; NULL = the config's default) with parameters from the
 * global config. CY_ENOENT for an unknown name. */
int    cy_polling_init(cy_polling *p, const char *name);
int    cy_polling_init_custom(cy_polling *p, const cy_polling_vtable *vt, void *user);
/* Canonical name of a registered strategy by kind (0..), NULL for
 * CY_POLL_CUSTOM and past the end. */
const char *cy_polling_name(int kind);
int    cy_polling_lookup(const char *name);   /* kind; CY_ENOENT unknown, CY_EINVAL NULL */

/* A built-in strategy's parameter set, checked by one function for the
 * global config and for strategies made from parameters. Counts are held as
 * doubles so the check sees the value asked for (2^32 is refused, not
 * wrapped to 0). Fields a kind does not use are ignored. */
typedef struct cy_polling_params {
  int kind;                 /* CY_POLL_FIXED .. CY_POLL_PROGRESSIVE */
  double interval;          /* fixed, ms */
  double min_interval;      /* adaptive, progressive, ms */
  double max_interval;      /* adaptive, exponential, progressive, ms */
  double initial_interval;  /* adaptive, exponential, ms */
  double speedup;           /* adaptive, factor on a completion */
  double slowdown;          /* adaptive, factor after empty_checks empty checks */
  double empty_checks;      /* adaptive, a count */
  double multiplier;        /* exponential */
  double checks_per_level;  /* progressive, a count */
} cy_polling_params;

/* The parameter names of a kind, by field name: "interval" (fixed);
 * "min_interval", "max_interval", "initial_interval", "speedup", "slowdown",
 * "empty_checks" (adaptive); "initial_interval", "max_interval", "multiplier"
 * (exponential); "min_interval", "max_interval", "checks_per_level"
 * (progressive). CY_ENOENT for a name the kind does not use, CY_EINVAL for
 * NULL arguments or a kind that is not a built-in. Set checks nothing. */
int cy_polling_params_set(cy_polling_params *pp, const char *name, double value);
int cy_polling_params_get(const cy_polling_params *pp, const char *name, double *out);
/* 0 when the set is valid (the rules cy_config_set applies to the config's
 * polling fields: intervals finite ms > 0; adaptive min <= initial <= max,
 * speedup in (0, 1], slowdown >= 1; exponential initial <= max, multiplier
 * >= 1; progressive min <= max; counts whole numbers in [1, UINT_MAX]).
 * Otherwise CY_EINVAL, and the first broken rule in why[0..2] when why is not
 * NULL: why[0] the parameter, why[1] what it must be ("a number of ms > 0",
 * or "<=" for a rule between two parameters), why[2] the other parameter of
 * such a rule, else NULL. */
int cy_polling_params_check(const cy_polling_params *pp, const char **why);
/* Initializes p as a built-in strategy with these parameters (checked as
 * above: CY_EINVAL changes nothing). cy_polling_init(p, name) is this with
 * the config's parameters for that kind. */
int cy_polling_init_params(cy_polling *p, const cy_polling_params *pp);
/* A built-in strategy's parameters; CY_EINVAL for a custom one or NULL. */
int cy_polling_get_params(const cy_polling *p, cy_polling_params *out);

/* ms; negative (CY_EINVAL) for NULL or an uninitialized strategy. */
double cy_polling_next_interval(cy_polling *p);
void   cy_polling_record_completion(cy_polling *p);
void   cy_polling_record_no_completion(cy_polling *p);
void   cy_polling_reset(cy_polling *p);

/* ---- progress ---------------------------------------------------------- */

typedef struct cy_progress {
  size_t completed;   /* futures done, whatever the outcome */
  size_t failed;      /* of those: failed or cancelled */
  size_t total;
  double elapsed_ms;
  int final;          /* 1 on the last report of a wait */
} cy_progress;

typedef void (*cy_progress_fn)(const cy_progress *p, void *arg);

/* A text progress bar for C/WASI programs: pass cy_progress_bar_report as the
 * progress function and a cy_progress_bar as its argument. */
typedef struct cy_progress_bar {
  FILE *out;          /* stderr by default */
  const char *desc;   /* label before the bar, may be NULL */
  const char *unit;   /* "it" by default */
  int width;          /* bar cells, 30 by default */
  int redraw;         /* 1: redraw one line in place; 0: print the final report only
                         (logs, pipes); -1 (default): 1 when out is a terminal */
  int last_len;       /* internal: length of the last line drawn */
} cy_progress_bar;

void cy_progress_bar_init(cy_progress_bar *bar, const char *desc);
void cy_progress_bar_report(const cy_progress *p, void *bar);
/* Formats one bar line into buf (no newline); returns its length as snprintf. */
int  cy_progress_bar_format(const cy_progress_bar *bar, const cy_progress *p, char *buf, size_t len);

/* ---- futures ----------------------------------------------------------- */

typedef struct cy_future cy_future;

#define CY__STATE_ENUM(name, value) CY_STATE_##name = (value),
enum { CY_STATE_MAP(CY__STATE_ENUM) };
#undef CY__STATE_ENUM

typedef void (*cy_done_fn)(cy_future *f, void *arg);

/* A probe reports whether a probe-only future's work has finished: it returns
 * 0 while pending, 1 when done (filling *code, 0 for success, and *value), or a
 * negative CY_E* if it could not tell (treated as "not yet"). The core completes
 * the future with what the probe gave. */
typedef int (*cy_probe_fn)(void *arg, int *code, void **value);

/* Constructors return NULL when out of memory (or, for a probe future, when
 * probe is NULL), as cy_executor_new and cy_submit do. */
/* An external future: completed from outside with cy_future_set_*. */
cy_future *cy_future_new(void);
/* A probe-only future: its completion is observed only by calling the probe,
 * which waits pace with their polling strategy. It can still be completed
 * with cy_future_set_* (the probe is then no longer called). */
cy_future *cy_future_new_probe(cy_probe_fn probe, void *arg);

cy_future *cy_future_retain(cy_future *f);
void       cy_future_release(cy_future *f);
/* Makes f live as long as the process: retain and release do nothing from
 * now on, so a future shared by every wait (the JS bindings' done futures)
 * cannot be freed by a count that went wrong. 0, or CY_EINVAL for NULL. */
int        cy_future_set_permanent(cy_future *f);

/* pending -> running; CY_EINVALSTATE from any other state. */
int cy_future_set_running(cy_future *f);
/* pending|running -> succeeded / failed. One completion wins (a single CAS);
 * every other returns CY_EINVALSTATE. code must be non-zero (CY_EINVAL). */
int cy_future_set_result(cy_future *f, void *value);
int cy_future_set_exception(cy_future *f, int code, void *payload);
/* pending -> cancelled; CY_EINVALSTATE once running or done. */
int cy_future_cancel(cy_future *f);

int cy_future_state(const cy_future *f);
int cy_future_done(const cy_future *f);       /* 1 when succeeded, failed or cancelled */
int cy_future_is_probe(const cy_future *f);
/* Runs the probe once (probe-only futures); 1 if the future is done after it. */
int cy_future_probe(cy_future *f);

/* Waits up to timeout_ms (negative: none; 0: one check, which runs a
 * probe-only future's probe once) for f to finish.
 * 0 with *out = the value; CY_ECANCELED; CY_ETIMEDOUT; or the task's non-zero
 * failure code with *out = its payload. out may be NULL. */
int cy_future_result(cy_future *f, double timeout_ms, void **out);
/* Like result, but reports the failure: 0 and *code = 0 for success, the failure
 * code and payload for a failed future; CY_ECANCELED, CY_ETIMEDOUT. */
int cy_future_exception(cy_future *f, double timeout_ms, int *code, void **payload);

/* Calls fn(f, arg) exactly once when f finishes; at once, on this thread, when
 * it already has. Otherwise on the thread that completes f. Never if the last
 * reference to f goes while it is pending (the callback is then freed). */
int cy_future_add_done_callback(cy_future *f, cy_done_fn fn, void *arg);

/* ---- executor ---------------------------------------------------------- */

typedef struct cy_executor cy_executor;
typedef int (*cy_task_fn)(void *arg, void **result); /* 0 = success; any other value: the task failed with that code */

/* A pool of nthreads pthreads; 0 runs every task inline at submit (and the
 * WASI build always does). NULL with nthreads < 0 or out of memory. */
cy_executor *cy_executor_new(int nthreads);
/* Stops accepting work, finishes queued and running tasks, joins, frees.
 * On the main thread of an Emscripten build (the JS thread) it does not wait
 * for threads whose Web Worker has not started yet, since starting needs that
 * very thread: once started they finish the queued tasks (their futures
 * complete as usual) and exit on their own, and the last frees the executor. */
void         cy_executor_free(cy_executor *ex);
int          cy_executor_nthreads(const cy_executor *ex);
/* The future of a task: pending while queued, running while fn runs. NULL
 * when ex or fn is NULL, out of memory, or the executor is being freed. */
cy_future   *cy_submit(cy_executor *ex, cy_task_fn fn, void *arg);

/* ---- wait -------------------------------------------------------------- */

#define CY__RETURN_WHEN_ENUM(name, value) CY_##name = (value),
enum { CY_RETURN_WHEN_MAP(CY__RETURN_WHEN_ENUM) };
#undef CY__RETURN_WHEN_ENUM

/* Timeouts and deadlines, for every wait of the core (cy_wait, cy_gather,
 * cy_future_result/_exception, the waitset and as-completed calls, and so
 * for the JS bindings): the deadline is fixed when the wait starts, and every
 * check first brings the wait up to date (a probe round when one is due,
 * which the first check always is; completions recorded so far) and tests
 * the condition, and only then the deadline. So a wait whose condition holds
 * at a check succeeds even if the deadline has passed, and timeout 0 means
 * "whatever is done at the first check": 0 when the condition holds over
 * futures already done (or probe-only futures whose probe says done at once),
 * CY_ETIMEDOUT otherwise, never a sleep. (The JS bindings make their first
 * check after delivering inputs that were already settled at the call.) */
typedef struct {
  int return_when;          /* CY_ALL_COMPLETED */
  double timeout_ms;        /* < 0: none; 0: the first check decides (see above) */
  const char *polling;      /* strategy name; NULL = config default */
  cy_polling *strategy;     /* a strategy instance; overrides polling when set */
  cy_progress_fn progress;  /* NULL: no progress reports */
  void *progress_arg;
  size_t miniters;          /* report at most every miniters completions (config default) */
} cy_wait_opts;

void cy_wait_opts_init(cy_wait_opts *opts);   /* defaults from the global config */

/* Waits until the return_when condition holds over fs[0..n). 0 when it holds;
 * CY_ETIMEDOUT (every future stays usable); CY_EINVAL, CY_ENOENT, CY_ENOMEM,
 * CY_EDEADLK. done_flags (may be NULL) gets 1/0 per future. n == 0 returns 0.
 * FIRST_EXCEPTION with no failure returns once all are done. */
int cy_wait(cy_future *const *fs, size_t n, const cy_wait_opts *opts,
            unsigned char *done_flags);

/* The original's _check_futures_batch: done flags of n futures in one pass, the
 * number done returned. Does not call probes. */
size_t cy_check_batch(cy_future *const *fs, size_t n, unsigned char *done_flags);

/* A wait in steps, for callers that cannot block (the JS bindings): it
 * registers with every future at creation and is told of each completion. */
typedef struct cy_waitset cy_waitset;

int  cy_waitset_create(cy_waitset **out, cy_future *const *fs, size_t n, const cy_wait_opts *opts);
/* Slots: entries with no future behind them, completed by the waitset's owner
 * with cy_waitset_complete_slots(). They are how callers whose work is not a
 * cy_future (the JS bindings' Promises) take part in a wait without paying for
 * a future each: a batch of completions costs one claim of completion-order
 * slots and one update of each counter. cy_waitset_create_slots is
 * cy_waitset_create where fs[i] == NULL makes entry i a slot (fs == NULL: all
 * n entries are slots). */
int  cy_waitset_create_slots(cy_waitset **out, cy_future *const *fs, size_t n, const cy_wait_opts *opts);
/* Completes the slots indices[0..k): codes[j] 0 = succeeded, CY_ECANCELED =
 * cancelled, any other value = failed (codes NULL: all succeeded). Entries that
 * are futures, out of range, or already completed (also twice in one batch)
 * are skipped, as a second completion of a future is. Returns how many slots
 * this call completed, or CY_EINVAL. Owner only, like every cy_waitset_ call. */
int  cy_waitset_complete_slots(cy_waitset *ws, const uint32_t *indices, const int32_t *codes, size_t k);
/* The dense form: states[i] for every entry i; CY_STATE_SUCCEEDED, _FAILED or
 * _CANCELLED completes pending slot i, any other value (or an entry that is a
 * future, or a slot already completed) leaves it. Returns how many slots this
 * call completed, or CY_EINVAL. */
int  cy_waitset_settle_slots(cy_waitset *ws, const unsigned char *states);
/* CY_STATE_* of every entry (a future's state, or a slot's) into states[0..n). */
void cy_waitset_states(const cy_waitset *ws, unsigned char *states);
/* The answer cy_waitset_poll gives for a waitset of n slots and no deadline,
 * settled with cy_waitset_settle_slots(states) (the same reading of states:
 * SUCCEEDED, FAILED and CANCELLED are done, FAILED is an exception, any
 * other value pending), without making one: 0 when return_when holds over
 * them, CY_EAGAIN when it does not, CY_EINVAL for a bad return_when or
 * states NULL with n > 0. For a caller that learns every outcome at once
 * (the JS bindings' deferred waits): no allocation, no clock. */
int  cy_slots_condition(int return_when, const unsigned char *states, size_t n);
/* Non-blocking, one check: runs a probe round when one is due, reports
 * progress when due, and returns 0 when the condition holds (even past the
 * deadline: the condition is tested first), else CY_ETIMEDOUT once the
 * deadline has passed, else CY_EAGAIN. With timeout 0 the first poll
 * decides. */
int  cy_waitset_poll(cy_waitset *ws);
/* Blocks up to timeout_ms (and never past the wait's own deadline) for the
 * condition: 0, CY_ETIMEDOUT or CY_EDEADLK. */
int  cy_waitset_wait(cy_waitset *ws, double timeout_ms);
/* Milliseconds until the next probe round or the deadline, whichever is
 * first; negative when neither exists (every pending future notifies). */
double cy_waitset_next_wakeup_ms(const cy_waitset *ws);
/* A 32-bit word bumped on every completion: a JS thread can Atomics.waitAsync on it. */
const volatile uint32_t *cy_waitset_signal(const cy_waitset *ws);
/* Asks completers to wake (Atomics.notify / futex) waiters on the signal word
 * from now on, and returns its current value: wait while it still holds that
 * value. Without arming, completions only bump the word (cheaper). */
uint32_t cy_waitset_arm(cy_waitset *ws);
/* Delivers the final progress report (final = 1), exactly once, if progress was asked for. */
void cy_waitset_finish(cy_waitset *ws);
size_t cy_waitset_done_count(const cy_waitset *ws);
size_t cy_waitset_failed_count(const cy_waitset *ws);
size_t cy_waitset_size(const cy_waitset *ws);
void cy_waitset_done_flags(const cy_waitset *ws, unsigned char *flags);
/* The next future to finish, in completion order: 0 and *index, CY_EAGAIN when
 * none is waiting to be taken, CY_EOF when every one has been taken. */
int  cy_waitset_next(cy_waitset *ws, size_t *index);
void cy_waitset_free(cy_waitset *ws);

/* ---- gather ------------------------------------------------------------ */

typedef struct {
  int state;     /* CY_STATE_SUCCEEDED, _FAILED or _CANCELLED; _PENDING if not done */
  int code;      /* 0, the failure code, or CY_ECANCELED */
  void *value;   /* the result, or the failure's payload */
} cy_outcome;

/* Waits for all and fills out[i] for fs[i] (input order; opts->return_when is
 * ignored). 0 when all succeeded; otherwise the code of the first failed or
 * cancelled future in input order. out is filled either way, so a caller
 * that takes failures as outcomes (Python's return_exceptions=True) reads
 * out[] whatever the code. CY_ETIMEDOUT: out[i].state is PENDING for those
 * not done. */
int cy_gather(cy_future *const *fs, size_t n, const cy_wait_opts *opts, cy_outcome *out);

/* Outcomes in completion order. */
typedef struct cy_as_completed cy_as_completed;
int  cy_as_completed_create(cy_as_completed **out, cy_future *const *fs, size_t n, const cy_wait_opts *opts);
/* Blocks up to timeout_ms (negative: none, bounded by the opts' timeout) for the next
 * future to finish: 0 with *index and *out; CY_ETIMEDOUT; CY_EOF when all were given. */
int  cy_as_completed_next(cy_as_completed *it, double timeout_ms, size_t *index, cy_outcome *out);
void cy_as_completed_free(cy_as_completed *it);

/* ---- misc -------------------------------------------------------------- */

/* Milliseconds on a monotonic clock. */
double cy_now_ms(void);
/* 1 when this build has threads (native, emscripten), 0 for WASI. */
int cy_has_threads(void);
size_t cy_future_sizeof(void);

#ifdef __cplusplus
}
#endif
#endif /* CONCURRY_H */
