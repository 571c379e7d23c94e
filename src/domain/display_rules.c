/*
 * display_rules.c - pairing codes, lifetimes and statuses of wall displays
 * (see display_rules.h). Pure functions.
 */
#include <string.h>
#include "domain/display_rules.h"
#include "lib/banned.h"

/* Crockford's base32 alphabet: no I, L, O, U. */
static const char ALPHABET[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void display_code_encode(const unsigned char raw[DISPLAY_CODE_BYTES], char out[DISPLAY_CODE_MAX])
{
	uint64_t v = 0;

	for (int i = 0; i < DISPLAY_CODE_BYTES; i++)
		v = (v << 8) | raw[i];
	for (int i = 0; i < DISPLAY_CODE_LEN; i++) {
		out[i] = ALPHABET[v & 31u];
		v >>= 5;
	}
	out[DISPLAY_CODE_LEN] = '\0';
}

/* The alphabet's character for a typed one, or 0 when it has none. */
static char canonical(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'I' || c == 'L')
		return '1';
	if (c == 'O')
		return '0';
	return c && strchr(ALPHABET, c) ? c : 0;
}

int display_code_normalize(const char *in, char out[DISPLAY_CODE_MAX])
{
	size_t n = 0;

	if (!in || strlen(in) > DISPLAY_CODE_INPUT_MAX)
		return -1;
	for (; *in; in++) {
		char c;
		if (*in == '-' || *in == ' ')
			continue;
		if (!(c = canonical(*in)) || n >= DISPLAY_CODE_LEN)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == DISPLAY_CODE_LEN ? 0 : -1;
}

void display_code_format(const char *code, char out[DISPLAY_CODE_MAX])
{
	size_t k = 0;

	for (size_t i = 0; code[i] && i < DISPLAY_CODE_LEN; i++) {
		if (i && i % 4 == 0)
			out[k++] = '-';
		out[k++] = code[i];
	}
	out[k] = '\0';
}

int display_token_valid(const struct display_facts *f, time_t now)
{
	return !f->revoked && f->paired && f->expires > now &&
	       f->last_seen + (time_t)DISPLAY_IDLE_DAYS * 86400 > now;
}

enum display_status display_status(const struct display_facts *f, time_t now)
{
	if (f->revoked)
		return DISPLAY_REVOKED;
	if (f->paired)
		return display_token_valid(f, now) ? DISPLAY_ACTIVE : DISPLAY_EXPIRED;
	return f->pair_expires > now ? DISPLAY_PENDING : DISPLAY_UNPAIRED;
}

static const struct {
	const char *name, *label;
} statuses[] = {
	[DISPLAY_PENDING] = {"pending", "待配对"},
	[DISPLAY_UNPAIRED] = {"unpaired", "配对码已过期"},
	[DISPLAY_ACTIVE] = {"active", "在用"},
	[DISPLAY_EXPIRED] = {"expired", "已过期"},
	[DISPLAY_REVOKED] = {"revoked", "已停用"},
};

const char *display_status_name(enum display_status s)
{
	return (unsigned)s < sizeof(statuses) / sizeof(statuses[0]) ? statuses[s].name : "";
}

const char *display_status_label(enum display_status s)
{
	return (unsigned)s < sizeof(statuses) / sizeof(statuses[0]) ? statuses[s].label : "";
}
