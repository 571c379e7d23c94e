/*
 * err.c - the error context (see err.h).
 */
#include <stdio.h>
#include <string.h>
#include "lib/err.h"
#include "lib/str.h"
#include "lib/banned.h"

/* vsnprintf() may cut the last character of a message short: drop such an
 * incomplete sequence at the end of s, so that it does not turn into '?'
 * below. */
static void utf8_trim_cut(char *s)
{
	size_t len = strlen(s), i = len, k;
	unsigned char c;

	while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;                                   /* back over continuation bytes */
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (c >= 0xC0 && len - (i - 1) < k)
		s[i - 1] = '\0';
}

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
	/* the messages end up in JSON: a request's bytes echoed into them (or
	 * vsnprintf cutting a character short) must not make them invalid UTF-8 */
	utf8_trim_cut(e->msg);
	utf8_trim_cut(e->msg_en);
	str_utf8_sanitize(e->msg);
	str_utf8_sanitize(e->msg_en);
	str_utf8_sanitize(e->param);
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

int err_pass(struct err *e, const struct err *inner)
{
	if (e && !err_isset(e))
		*e = *inner;
	return -1;
}
