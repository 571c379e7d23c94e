/*
 * store_display.h - wall displays (大屏): rows of the `display` table
 * (migration 7). The rules — who may make one, pairing, lifetimes, scope —
 * are app/displays.h; here are only the rows. The pairing code and the
 * display's token arrive already hashed (hex BLAKE2b-256).
 */
#ifndef WG_STORE_DISPLAY_H
#define WG_STORE_DISPLAY_H

#include <stdint.h>
#include "store/db.h"
#include "store/store_account.h"

#define DISPLAY_NAME_BYTES 121          /* 120 bytes of UTF-8 (40 Chinese characters), NUL */
#define DISPLAY_UA_BYTES 256            /* user agent kept at pairing, NUL */
#define DISPLAY_IP_BYTES 64

struct display_rec {
	int64_t id;
	char name[DISPLAY_NAME_BYTES];
	char unit[SCOPE_MAX];           /* the unit it shows */
	int64_t created_by;             /* account; 0 = unknown */
	char created_by_name[USERNAME_MAX]; /* its user name ("" when gone) */
	char created_at[TS_MAX];
	int pair_pending;               /* a pairing code is outstanding */
	char pair_expires_at[TS_MAX];   /* "" when none */
	int paired;                     /* holds a token */
	char paired_at[TS_MAX];
	char paired_ip[DISPLAY_IP_BYTES];
	char user_agent[DISPLAY_UA_BYTES];
	char expires_at[TS_MAX];        /* the token's absolute expiry */
	char last_seen_at[TS_MAX];
	char revoked_at[TS_MAX];        /* "" while not revoked */
	int64_t revoked_by;
};

typedef int (*display_cb)(void *ctx, const struct display_rec *d);

/* Insert a display with its first pairing code; *id gets its id. */
int store_display_add(struct db *db, const struct display_rec *d, const char *pair_hash,
                      int64_t *id, struct err *e);
/* 404 display.not_found. */
int store_display_get(struct db *db, int64_t id, struct display_rec *out, struct err *e);
/* The display whose token (kind 't') or pending pairing code (kind 'p')
 * has this hash: 404 display.not_found when none. */
int store_display_by_token(struct db *db, const char *token_hash, struct display_rec *out,
                           struct err *e);
int store_display_by_pair(struct db *db, const char *pair_hash, struct display_rec *out,
                          struct err *e);
/* Displays with id < before (0 = no bound), newest first, at most limit
 * (the caller filters by scope: a deployment has tens or hundreds). cb
 * returning non-zero stops the walk (and is returned). */
int store_display_list(struct db *db, int64_t before, int limit, display_cb cb, void *ctx,
                       struct err *e);
/* Live (not revoked) displays of exactly this unit. */
int store_display_count_live(struct db *db, const char *unit, int64_t *out, struct err *e);
/* A new pending pairing code (the token, if any, stays valid until the code
 * is used). 404 display.not_found when revoked or missing. */
int store_display_set_pairing(struct db *db, int64_t id, const char *pair_hash,
                              const char *pair_expires_at, struct err *e);
/* Pairing: the pending code becomes the token (the old token, if any, stops
 * working). Only when the code is still `pair_hash` and the display not
 * revoked, so that a code is used once: 404 display.not_found otherwise. */
int store_display_pair(struct db *db, int64_t id, const char *pair_hash, const char *token_hash,
                       const char *now, const char *expires_at, const char *ip,
                       const char *user_agent, struct err *e);
int store_display_touch(struct db *db, int64_t id, const char *now, struct err *e);
/* Revoke: the token and any pending code stop working. 404
 * display.not_found when already revoked or missing. */
int store_display_revoke(struct db *db, int64_t id, int64_t by, const char *now, struct err *e);

#endif
