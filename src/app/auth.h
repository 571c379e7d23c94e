/*
 * auth.h - who is calling: log-in, sessions, API tokens, passwords, and the
 * scope rule that limits every grant to its subtree.
 *
 * Tokens are 32 random bytes (libsodium), sent to the client once as
 * base64url and stored only as hex(BLAKE2b-256(token)). Web sessions ride in
 * an HttpOnly, SameSite=Strict cookie and need the session's CSRF token in
 * X-CSRF-Token on state-changing requests; apps and integrations send
 * `Authorization: Bearer <token>`.
 *
 *   kind  idle expiry   absolute expiry   for
 *   web   30 min        12 h              the browser (cookie)
 *   app   7 days        30 days           the mini program / mobile pages
 *   api   none          1–365 days        named, scoped integration tokens
 *   (wall displays: tokens "wgd_…" of their own, app/displays.h)
 *
 * Passwords: Argon2id (crypto_pwhash_str) at AUTH_OPSLIMIT/AUTH_MEMLIMIT,
 * rehashed at log-in when those change. Failed log-ins are throttled per
 * account+address (back-off, then a short lock), per account (a longer
 * threshold, so a distributed guess slows down) and per address; every lock
 * is temporary (15 minutes at most), so nobody can lock a user out for good.
 */
#ifndef WG_AUTH_H
#define WG_AUTH_H

#include <stdint.h>
#include "store/db.h"
#include "store/store_account.h"

#define AUTH_TOKEN_MAX 64          /* base64url of 32 bytes + prefix, NUL */
#define AUTH_HASH_MAX 65           /* hex BLAKE2b-256, NUL */
#define AUTH_MAX_GRANTS 32
#define AUTH_COOKIE "wg_session"

struct auth_grant {
	unsigned role;                 /* one domain/role.h flag */
	char scope[SCOPE_MAX];         /* unit code or department code */
	int level;                     /* of the scope unit; 0 for a department */
	int64_t id;
};

struct principal {
	int64_t account_id;
	char username[USERNAME_MAX];
	char display_name[64];
	int64_t session_id;
	char kind[8];                  /* web | app | api | display */
	char csrf[64];                 /* web sessions */
	int via_cookie;                /* authenticated by the session cookie */
	int must_change_password;
	unsigned roles;                /* union of the grants' roles */
	struct auth_grant grants[AUTH_MAX_GRANTS];
	int ngrants;
	int64_t display_id;            /* a wall display (kind "display", account_id 0); else 0 */
	char display_tag[17];          /* which pairing of it: 16 hex digits of its token's hash */
};

/* Hash a password for storage (after password_check). */
int auth_hash_password(const char *password, char out[PWHASH_MAX], struct err *e);

/* Check credentials and open a session of kind "web" or "app". On success
 * token gets the bearer/cookie token and p the principal. Fails with 401
 * auth.bad_credentials (also for unknown and disabled users, alike), or 429
 * auth.locked with the seconds to wait in e->param. */
int auth_login(struct db *db, const char *username, const char *password, const char *kind,
               const char *ip, const char *user_agent, char token[AUTH_TOKEN_MAX],
               struct principal *p, struct err *e);
/* The principal of a token: 401 auth.invalid (unknown, revoked, forged) or
 * auth.expired. *touch: the session's id when its idle timer is due a
 * refresh (at most once a minute; then auth_session_touch), else 0. A wall
 * display's token ("wgd_…") is answered by displays_session() (also 401
 * display.revoked). */
int auth_session(struct db *db, const char *token, struct principal *p, int64_t *touch,
                 struct err *e);
/* Refresh a session's idle timer (API tokens: their last use): as a job of
 * the event writer w when there is one, so that it shares the commit of
 * the next batch instead of taking a write turn and an fsync of its own
 * (writer_exec); else on a connection of pool. Call it holding no pool
 * connection: it waits for a batch. */
struct writer;
struct db_pool;
int auth_session_touch(struct writer *w, struct db_pool *pool, int64_t session_id, struct err *e);
int auth_logout(struct db *db, const struct principal *p, struct err *e);
/* Revoke every web and app session of the account ("log out everywhere"). */
int auth_logout_all(struct db *db, const struct principal *p, struct err *e);
/* Change the caller's password (checks the old one); revokes the other sessions. */
int auth_change_password(struct db *db, const struct principal *p, const char *old_pw,
                         const char *new_pw, struct err *e);
/* A named API token for the caller, limited to `roles` (0 = all of theirs),
 * valid `days`. */
int auth_token_create(struct db *db, const struct principal *p, const char *name, unsigned roles,
                      int days, char token[AUTH_TOKEN_MAX], int64_t *id, struct err *e);

/* 32 random bytes as base64url after `prefix` into out (n bytes). */
void auth_random_token(char *out, size_t n, const char *prefix);
/* hex(BLAKE2b-256(token)): the only form a token is stored in. */
void auth_token_hash(const char *token, char out[AUTH_HASH_MAX]);

/* Throttling of an anonymous attempt keyed by `key` alone (pairing a wall
 * display: "pair:<address>"): in one transaction serialised with log-ins,
 * return the seconds a lock on it still holds, or count this attempt as a
 * failure up front and return 0 (past `free` failures in 15 minutes, a
 * lock of `base` seconds, doubling, at most 15 minutes). -1 on a database
 * error. A success forgets the key (auth_throttle_clear). */
int64_t auth_throttle_reserve(struct db *db, const char *key, int64_t free, int64_t base,
                              struct err *e);
int auth_throttle_clear(struct db *db, const char *key, struct err *e);

/* Load an account's grants into p (used by log-in and session look-up). */
int auth_load_grants(struct db *db, struct principal *p, unsigned role_mask, struct err *e);
/* Does p hold one of `roles` over `code` (a unit code: within the grant's
 * subtree; a department code: equal)? Returns the matching grant or NULL. */
const struct auth_grant *auth_scope(const struct principal *p, unsigned roles, const char *code);

#endif
