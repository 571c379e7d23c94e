/*
 * err.c - the error context (see err.h).
 */
#include <stdio.h>
#include <string.h>
#include "lib/err.h"
#include "lib/str.h"
#include "lib/banned.h"

static void err_vset(struct err *e, int status, const char *code, const char *param,
                     const char *zh, const char *en, va_list ap)
{
	va_list ap2;

	if (!e || e->status)
		return;
	e->status = status;
	str_copy(e->code, sizeof(e->code), code);
	str_copy(e->param, sizeof(e->param), param ? param : "");
	va_copy(ap2, ap);
	vsnprintf(e->msg, sizeof(e->msg), zh, ap);
	vsnprintf(e->msg_en, sizeof(e->msg_en), en, ap2);
	va_end(ap2);
}

int err_set(struct err *e, int status, const char *code, const char *zh, const char *en, ...)
{
	va_list ap;
	va_start(ap, en);
	err_vset(e, status, code, NULL, zh, en, ap);
	va_end(ap);
	return -1;
}

int err_set_param(struct err *e, int status, const char *code, const char *param,
                  const char *zh, const char *en, ...)
{
	va_list ap;
	va_start(ap, en);
	err_vset(e, status, code, param, zh, en, ap);
	va_end(ap);
	return -1;
}

void err_clear(struct err *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}
