/*
 * store_audit.h - the append-only, hash-chained audit log (the `audit`
 * table): who did what, to what, from where, with which result.
 *
 * Every row carries the hash of the row before it (prev_hash) and its own
 * hash over prev_hash and all its other columns, so editing, inserting or
 * deleting a row breaks the chain at that point. The meta key `audit_head`
 * ("<last id> <last hash>") is updated with every append, which also catches
 * a deleted tail or a forged row added at the end. docs/audit.md gives the
 * exact byte encoding, so the chain can be checked without wangge.
 *
 * Rows are only ever added through store_audit_append(); nothing updates or
 * deletes them.
 */
#ifndef WG_STORE_AUDIT_H
#define WG_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#define AUDIT_HASH_HEX 65              /* 64 lower-case hex digits and NUL */
#define AUDIT_FIELD_MAX 1024           /* bytes kept of actor, role, …, target */
#define AUDIT_DETAIL_MAX 8192          /* bytes kept of detail */
#define AUDIT_WHY_MAX 256              /* a useful size for verify's `why` */
#define AUDIT_LIST_MAX 1000            /* most rows store_audit_list() returns */
#define AUDIT_LOCK_KEY 72480003        /* db_lock_xact key serialising appends */

/* One event to record. NULL means absent (stored as SQL NULL, distinct from
 * ""). Text is stored as valid UTF-8 without control characters (others
 * become '?') and cut to AUDIT_FIELD_MAX / AUDIT_DETAIL_MAX bytes. */
struct audit_entry {
	int64_t account_id;            /* acting account, 0 = none */
	const char *actor;             /* username; NULL is stored as "-" */
	const char *role;              /* role acted in: "dispatcher" */
	const char *scope_code;        /* unit or department the role covers */
	const char *action;            /* required: auth.login, user.grant, pii.read … */
	const char *target;            /* what it was done to: "account:17" */
	const char *ip;                /* client address */
	const char *result;            /* required: ok | denied | failed */
	const char *detail;            /* free text */
};

/* A stored row, as read back. Pointers live until the callback returns. */
struct audit_row {
	int64_t id;
	const char *at;                /* UTC ISO 8601 */
	struct audit_entry entry;      /* account_id 0 when NULL */
	int account_id_null;           /* account_id is SQL NULL */
	const char *prev_hash;         /* hex; 64 zeros for row 1 */
	const char *hash;              /* hex */
};

/* Return non-zero to stop a listing; that value is then returned. */
typedef int (*audit_cb)(void *ctx, const struct audit_row *r);

/* Append one event: id = last id + 1, at = now, chained to the last row,
 * and audit_head moved to it. Inside a caller's db_begin() transaction the
 * row commits or rolls back with the caller's change (the caller must roll
 * back when this fails); otherwise it runs in a transaction of its own.
 * Appends are serialised (db_lock_xact AUDIT_LOCK_KEY; SQLite's write lock),
 * so concurrent writers on any number of connections or instances build one
 * chain. 400 audit.incomplete without action or result. */
int store_audit_append(struct db *db, const struct audit_entry *a, struct err *e);

/* Check the whole chain in id order: ids 1, 2, 3 … without gaps, each
 * prev_hash equal to the previous row's hash, each hash equal to the hash
 * of the row's contents, and the last row equal to audit_head. *rows: rows
 * checked. Returns 0 when intact; 1 when broken, with *first_bad the id of
 * the first bad row and why (n bytes) e.g. "row 17: hash does not match
 * its contents"; -1 on a database error (e filled). */
int store_audit_verify(struct db *db, int64_t *rows, int64_t *first_bad, char *why, size_t n,
                       struct err *e);

/* Rows newest first, ids below before_id (0 or less: from the newest), at
 * most limit (clamped to 1..AUDIT_LIST_MAX): the next page starts before
 * the last id seen. Returns 0, the callback's non-zero value, or -1. */
int store_audit_list(struct db *db, int64_t before_id, int limit, audit_cb cb, void *ctx,
                     struct err *e);

/* The chain hash of r (its prev_hash and every other column but hash) as
 * hex into out. For tests and tools; docs/audit.md describes the bytes.
 * Returns 0, or -1 when the hash library cannot start. */
int store_audit_hash(const struct audit_row *r, char out[AUDIT_HASH_HEX]);

#endif
