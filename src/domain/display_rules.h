/*
 * display_rules.h - the rules of wall displays (大屏) that need no I/O:
 * pairing codes, lifetimes and a display's status. app/displays.c applies
 * them; tests/unit/test_display_rules.c checks them.
 *
 * Pairing code: 12 characters of Crockford's base32 (0-9 A-Z without I L O
 * U: 60 random bits), shown as XXXX-XXXX-XXXX. Typed in by hand, it is read
 * forgivingly: case, spaces and dashes do not matter, and I/L read as 1, O
 * as 0.
 *
 * Lifetimes (docs/api.md, "Wall displays"):
 *   pairing code   DISPLAY_PAIR_HOURS after it was made, used once
 *   token          DISPLAY_LIFETIME_DAYS after pairing (absolute), and
 *                  DISPLAY_IDLE_DAYS without a request (a screen that
 *                  polls every 30 s never idles out; one switched off over
 *                  a long holiday still works when switched on again)
 */
#ifndef WG_DISPLAY_RULES_H
#define WG_DISPLAY_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DISPLAY_CODE_LEN 12             /* characters of a pairing code */
#define DISPLAY_CODE_BYTES 8            /* random bytes it is made from (60 bits used) */
#define DISPLAY_CODE_SHOWN 14           /* "XXXX-XXXX-XXXX" */
#define DISPLAY_CODE_MAX 16             /* buffer for either form, NUL included */
#define DISPLAY_CODE_INPUT_MAX 40       /* longest input accepted before normalising */
#define DISPLAY_PAIR_HOURS 24
#define DISPLAY_LIFETIME_DAYS 90
#define DISPLAY_IDLE_DAYS 14
#define DISPLAY_PER_UNIT_MAX 50         /* live (not revoked) displays of one unit */
#define DISPLAY_NAME_MAX 120            /* bytes of a display's name */

enum display_status {
	DISPLAY_PENDING = 0,            /* never paired; its code is still valid */
	DISPLAY_UNPAIRED,               /* never paired; its code has expired */
	DISPLAY_ACTIVE,                 /* paired, within both lifetimes */
	DISPLAY_EXPIRED,                /* paired, past its lifetime or idle limit */
	DISPLAY_REVOKED,                /* revoked by an admin or command officer */
};

/* The 12-character code of `raw` (DISPLAY_CODE_BYTES random bytes) into
 * out (DISPLAY_CODE_MAX bytes). */
void display_code_encode(const unsigned char raw[DISPLAY_CODE_BYTES], char out[DISPLAY_CODE_MAX]);
/* Typed or linked input -> the canonical 12 characters (upper case, no
 * separators, I/L -> 1, O -> 0). -1 when it cannot be a code: too long,
 * a character outside the alphabet, or not 12 characters. */
int display_code_normalize(const char *in, char out[DISPLAY_CODE_MAX]);
/* "ABCDEFGHJKMN" -> "ABCD-EFGH-JKMN" (out: DISPLAY_CODE_MAX bytes). */
void display_code_format(const char *code, char out[DISPLAY_CODE_MAX]);

/* The facts status depends on (Unix seconds; 0 = none). */
struct display_facts {
	int revoked;
	int paired;
	time_t pair_expires;            /* the pending code's expiry (0: no code) */
	time_t expires;                 /* the token's absolute expiry */
	time_t last_seen;
};

enum display_status display_status(const struct display_facts *f, time_t now);
/* "pending", "unpaired", "active", "expired", "revoked". */
const char *display_status_name(enum display_status s);
/* 待配对 … 已停用. */
const char *display_status_label(enum display_status s);
/* Is a paired token valid at now (not revoked, within both lifetimes)? */
int display_token_valid(const struct display_facts *f, time_t now);

#endif
