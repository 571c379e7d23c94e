/*
 * users.h - user administration (用户与角色管理): creating accounts,
 * granting and revoking roles, disabling, enabling and resetting passwords.
 * The admin API (api/api_user.c), `wangge user` (cli/cmd_user.c) and the
 * demo log-ins (app/demo.c) all go through here, so the rules hold
 * whichever way a change comes in.
 *
 * Who acts is a `struct users_actor`: an admin's principal (the API), bound
 * by the scope rule below, or a local operator at the command line
 * ("cli:alice"), who may do anything, as anyone holding the database may.
 *
 * The scope rule. A grant binds a role to a unit of a level the role allows
 * (role_level_ok) or, for department staff, to a department. An admin may
 *   - grant a scope that lies inside one of their admin grants (a department:
 *     when its district does);
 *   - see and change a user all of whose grants lie inside them; a user
 *     without grants, whoever the admin.
 * Outside it the answer is the one for something that does not exist, 404
 * unit.not_found for a scope and 404 user.not_found for a user, so nobody
 * learns what lies beyond their scope.
 *
 * Every change runs in one transaction together with its audit row
 * (app/audit.h: user.add, user.grant …, actor = the admin or the operator);
 * when the audit row cannot be written nothing changes.
 */
#ifndef WG_USERS_H
#define WG_USERS_H

#include <stddef.h>
#include <stdint.h>
#include "app/auth.h"
#include "app/orgmodel.h"
#include "store/store_account.h"

#define USERS_NAME_MIN 3               /* user name: 3–32 of [a-z0-9_.-] */
#define USERS_NAME_MAX 32
#define USERS_DISPLAY_MAX 60           /* bytes of a display name */
#define USERS_TITLE_MAX 60             /* bytes of a grant's title */
#define USERS_PHONE_MAX 20             /* characters of a phone number */
#define USERS_GRANTS_MAX AUTH_MAX_GRANTS
#define USERS_GENERATED_LEN 16         /* characters of a generated password */

struct users_actor {
	const struct principal *p;     /* the calling admin; NULL = local operator, unrestricted */
	const char *name;              /* audit actor when p is NULL ("cli:alice") */
	const char *ip;                /* client address for the audit log, or NULL */
	const struct org_model *org;   /* unit look-ups; NULL = read the database */
};

struct users_grant_spec {
	const char *role;              /* "command" … (domain/role.h) */
	const char *scope;             /* unit code, or department code for "department" */
	const char *title;             /* 调度员 …; NULL or "" = none */
};

struct users_new {
	const char *username;
	const char *display_name;
	const char *password;          /* plain text; must pass password_check */
	const char *phone;             /* NULL or "" = none */
	int must_change_password;
	int64_t person_id;             /* staff record to link, 0 = none */
	const struct users_grant_spec *grants;
	size_t ngrants;
};

/* What a scope code names. */
struct users_scope {
	int level;                     /* 1 district … 5 grid; 0 = a department */
	char name[128];                /* 三元里街道, 城管 */
	char district[SCOPE_MAX];      /* the district it belongs to */
};

/* Is this a valid user name? 400 user.bad_username (param "username"). */
int users_check_username(const char *username, struct err *e);
/* Valid display name (1–60 bytes, no control characters) and phone (empty,
 * or 5–20 of digits, +, - and spaces)? 400 field.invalid naming the field. */
int users_check_profile(const char *display_name, const char *phone, struct err *e);

/* Look up a scope code: a unit (in org, or the database when org is NULL)
 * or a department. 404 unit.not_found (param "scope") when there is none. */
int users_scope(struct db *db, const struct org_model *org, const char *code,
                struct users_scope *out, struct err *e);

/* Create an account with its grants. 400 user.bad_username,
 * field.invalid, password.*, user.bad_role, user.bad_scope (a scope of the
 * wrong level for the role); 404 unit.not_found (no such scope, or outside
 * the admin's); 409 user.exists, user.grant_exists. *id gets the new id. */
int users_add(struct db *db, const struct users_actor *a, const struct users_new *n, int64_t *id,
              struct err *e);

/* The account if the actor may manage it: 404 user.not_found otherwise. */
int users_get(struct db *db, const struct users_actor *a, int64_t id, struct account_rec *out,
              struct err *e);
int users_get_by_name(struct db *db, const struct users_actor *a, const char *username,
                      struct account_rec *out, struct err *e);
/* users_get() and a pii.read audit row, in one transaction: for showing
 * the account's personal data unmasked. */
int users_read_pii(struct db *db, const struct users_actor *a, int64_t id, struct account_rec *out,
                   struct err *e);

/* Accounts the actor may manage whose user name or display name contains q
 * (NULL or "" = all), ids above after, in id order, at most limit (1–200).
 * cb runs for each; *next_after is the id to continue after, or 0 when the
 * listing is complete. */
int users_list(struct db *db, const struct users_actor *a, const char *q, int64_t after, int limit,
               account_cb cb, void *ctx, int64_t *next_after, struct err *e);

/* Disable (also ending every session and API token of the account) or
 * enable an account. 409 user.self when an admin would disable themself. */
int users_set_disabled(struct db *db, const struct users_actor *a, int64_t id, int disabled,
                       struct err *e);
/* Set a new password (checked by password_check) and end the account's web
 * and app sessions; its API tokens stay. */
int users_set_password(struct db *db, const struct users_actor *a, int64_t id, const char *password,
                       int must_change, struct err *e);
/* Add a grant; *out gets it as stored. 409 user.too_many_grants past
 * USERS_GRANTS_MAX; otherwise the errors of users_add(). */
int users_grant(struct db *db, const struct users_actor *a, int64_t id,
                const struct users_grant_spec *g, struct grant_rec *out, struct err *e);
/* Remove one grant of the account. 404 user.grant_not_found; 409 user.self
 * when an admin would remove their own admin grant. */
int users_revoke(struct db *db, const struct users_actor *a, int64_t id, int64_t grant_id,
                 struct err *e);

/* A random password of USERS_GENERATED_LEN characters (letters and digits
 * that cannot be mistaken for each other) into out (n > that). */
void users_generate_password(char *out, size_t n);

#endif
