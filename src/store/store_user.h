/*
 * store_user.h - account changes that user administration and the demo need
 * beyond log-in (store_account.h): a user's profile, clearing a user's
 * grants, and detaching accounts from the staff records an org rebuild
 * deletes.
 */
#ifndef WG_STORE_USER_H
#define WG_STORE_USER_H

#include <stdint.h>
#include "store/db.h"

/* Set display name, linked person (0 = none) and phone ("" or NULL = none)
 * of account id. The caller checks that the account exists. */
int store_user_set_profile(struct db *db, int64_t id, const char *display_name, int64_t person_id,
                           const char *phone, struct err *e);
/* Remove every grant of the account. */
int store_user_clear_grants(struct db *db, int64_t account_id, struct err *e);
/* Unlink every account from its staff record (person_id = NULL), before
 * the people are deleted and written anew (demo rebuild). */
int store_user_unlink_persons(struct db *db, struct err *e);

#endif
