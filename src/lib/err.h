/*
 * err.h - error context that travels up the call chain.
 *
 * A function that can fail takes a `struct err *` as its last argument and
 * returns 0 on success or -1 on failure. On failure it fills the err with an
 * HTTP-like status, a stable machine code ("locate.outside", "json.malformed")
 * and a message in Chinese and in English. On success the err is untouched,
 * so calls chain. The first error set wins: err_set() on an err that already
 * holds one does nothing, so the innermost (most precise) reason survives.
 *
 *   struct err e = ERR_INIT;
 *   if (unit_get(db, code, &u, &e) < 0)
 *       return reply_err(req, &e);
 */
#ifndef WG_ERR_H
#define WG_ERR_H

#include <stdarg.h>

#define ERR_CODE_MAX  64
#define ERR_MSG_MAX   384
#define ERR_PARAM_MAX 48

struct err {
	int status;                 /* HTTP status it maps to; 0 = no error */
	char code[ERR_CODE_MAX];    /* machine code, e.g. "param.invalid" */
	char msg[ERR_MSG_MAX];      /* Chinese message */
	char msg_en[ERR_MSG_MAX];   /* English message: lower case, no full stop */
	char param[ERR_PARAM_MAX];  /* offending parameter/field, or "" */
};

#define ERR_INIT {0, "", "", "", ""}

/* Set an error. `zh` and `en` are printf formats that consume the same
 * arguments in the same order. Returns -1 so callers can `return err_set(...)`. */
int err_set(struct err *e, int status, const char *code,
            const char *zh, const char *en, ...)
	__attribute__((format(printf, 5, 6)));

/* Like err_set() and records the offending parameter name. */
int err_set_param(struct err *e, int status, const char *code, const char *param,
                  const char *zh, const char *en, ...)
	__attribute__((format(printf, 6, 7)));

/* True when e holds an error. */
static inline int err_isset(const struct err *e) { return e && e->status != 0; }

/* Forget any error held. */
void err_clear(struct err *e);

/* Hand an inner error up unchanged, unless e already holds one (the first
 * error stands). Returns -1 so callers can `return err_pass(e, &inner)`. */
int err_pass(struct err *e, const struct err *inner);

#endif
