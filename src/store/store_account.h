/*
 * store_account.h - accounts, their role grants, sessions and API tokens,
 * and the log-in throttle. Passwords arrive here already hashed
 * (app/auth.c); tokens only as their BLAKE2b hash.
 */
#ifndef WG_STORE_ACCOUNT_H
#define WG_STORE_ACCOUNT_H

#include <stdint.h>
#include "store/db.h"

#define USERNAME_MAX 64
#define PWHASH_MAX 192
#define SCOPE_MAX 40
#define TS_MAX 32

struct account_rec {
	int64_t id;
	char username[USERNAME_MAX];
	char display_name[64];
	int64_t person_id;              /* 0 = not linked to a staff record */
	char phone[32];                 /* personal: shown masked */
	char password_hash[PWHASH_MAX];
	int disabled;
	int must_change_password;
	char created_at[TS_MAX], updated_at[TS_MAX];
};

struct grant_rec {
	int64_t id;
	int64_t account_id;
	char role[32];                  /* domain/role.h names */
	char scope_code[SCOPE_MAX];     /* unit code, or department code */
	char title[64];
	int64_t granted_by;
	char granted_at[TS_MAX];
};

struct session_rec {
	int64_t id;
	int64_t account_id;
	char kind[8];                   /* web | app | api */
	char name[64];                  /* API tokens */
	int64_t roles;                  /* API tokens: role mask, 0 = all of the account's */
	char csrf_token[64];
	char created_at[TS_MAX], last_seen_at[TS_MAX], expires_at[TS_MAX];
	int64_t idle_seconds;
	char revoked_at[TS_MAX];        /* "" while valid */
};

typedef int (*account_cb)(void *ctx, const struct account_rec *a);
typedef int (*grant_cb)(void *ctx, const struct grant_rec *g);
typedef int (*session_cb)(void *ctx, const struct session_rec *s);

/* 409 user.exists when the name is taken. */
int store_account_add(struct db *db, const struct account_rec *a, int64_t *id, struct err *e);
/* 404 user.not_found. */
int store_account_get(struct db *db, int64_t id, struct account_rec *out, struct err *e);
int store_account_by_name(struct db *db, const char *username, struct account_rec *out, struct err *e);
int store_account_set_password(struct db *db, int64_t id, const char *hash, int must_change,
                               struct err *e);
int store_account_set_disabled(struct db *db, int64_t id, int disabled, struct err *e);
/* Accounts whose username or display name contains q (NULL = all), id > after, ordered by id. */
int store_account_list(struct db *db, const char *q, int64_t after, int limit,
                       account_cb cb, void *ctx, struct err *e);

int store_grants_of(struct db *db, int64_t account_id, grant_cb cb, void *ctx, struct err *e);
/* 409 user.grant_exists when the same role and scope are already granted. */
int store_grant_add(struct db *db, const struct grant_rec *g, int64_t *id, struct err *e);
/* 404 user.grant_not_found. The removed grant is copied to out when not NULL. */
int store_grant_delete(struct db *db, int64_t account_id, int64_t grant_id, struct grant_rec *out,
                       struct err *e);

int store_department_exists(struct db *db, const char *code, int *exists, struct err *e);
int store_department_add(struct db *db, const char *code, const char *district, const char *name,
                         struct err *e);

int store_session_add(struct db *db, const struct session_rec *s, const char *token_hash,
                      const char *ip, const char *user_agent, int64_t *id, struct err *e);
/* 404 auth.no_session when no session has this token hash. */
int store_session_by_hash(struct db *db, const char *token_hash, struct session_rec *out,
                          struct err *e);
int store_session_touch(struct db *db, int64_t id, const char *now, struct err *e);
int store_session_revoke(struct db *db, int64_t id, int64_t account_id, const char *now, struct err *e);
/* Revoke every live session of the account of kind (NULL: web and app, not
 * API tokens), except session `except` (0 = none). */
int store_session_revoke_all(struct db *db, int64_t account_id, const char *kind, int64_t except,
                             const char *now, struct err *e);
/* Live API tokens of an account, newest first. */
int store_session_tokens(struct db *db, int64_t account_id, session_cb cb, void *ctx, struct err *e);

/* Throttle state of a key; failures 0 and empty strings when none. */
int store_throttle_get(struct db *db, const char *key, int64_t *failures, char *first, char *locked,
                       struct err *e);
int store_throttle_set(struct db *db, const char *key, int64_t failures, const char *first,
                       const char *locked, struct err *e);
int store_throttle_clear(struct db *db, const char *key, struct err *e);

/* Whether account_id holds exactly (role, scope): 1 yes, 0 no, -1 error. */
int store_account_has_grant(struct db *db, int64_t account_id, const char *role, const char *scope,
                            struct err *e);

#endif
