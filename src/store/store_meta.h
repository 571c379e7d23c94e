/*
 * store_meta.h - small key/value facts about a deployment (the `meta` table):
 * org_version, the leader's heartbeat, …
 */
#ifndef WG_STORE_META_H
#define WG_STORE_META_H

#include <stddef.h>
#include "store/db.h"

/* Value of key into out (n bytes); 404 meta.not_found when absent. */
int store_meta_get(struct db *db, const char *key, char *out, size_t n, struct err *e);
/* Insert or replace. */
int store_meta_set(struct db *db, const char *key, const char *value, struct err *e);

#endif
