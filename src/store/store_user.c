/*
 * store_user.c - SQL for profile changes, grant clean-up and unlinking
 * accounts from people (see store_user.h).
 */
#include <string.h>
#include "store/store_user.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

static const char SQL_SET_PROFILE[] =
	"UPDATE account SET display_name = ?, person_id = ?, phone = ?, updated_at = ? WHERE id = ?";
static const char SQL_CLEAR_GRANTS[] = "DELETE FROM account_role WHERE account_id = ?";
static const char SQL_UNLINK[] =
	"UPDATE account SET person_id = NULL WHERE person_id IS NOT NULL";

/* Step a statement that returns no rows, then release it. */
static int run_done(struct db_stmt *st, struct err *e)
{
	enum db_step r = db_step(st, e);

	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

int store_user_set_profile(struct db *db, int64_t id, const char *display_name, int64_t person_id,
                           const char *phone, struct err *e)
{
	struct db_stmt *st;
	char ts[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_SET_PROFILE, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, display_name);
	if (person_id > 0)
		db_bind_int64(st, 2, person_id);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, phone && *phone ? phone : NULL);
	db_bind_text(st, 4, time_iso_now(ts));
	db_bind_int64(st, 5, id);
	return run_done(st, e);
}

int store_user_clear_grants(struct db *db, int64_t account_id, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_CLEAR_GRANTS, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, account_id);
	return run_done(st, e);
}

int store_user_unlink_persons(struct db *db, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_UNLINK, &st, e) < 0)
		return -1;
	return run_done(st, e);
}
