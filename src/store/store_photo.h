/*
 * store_photo.h - the `photo` table: one row per stored photo, keyed by the
 * SHA-256 of its bytes. The bytes themselves are files under the photo
 * directory (app/photos.h); this table says which of them were accepted,
 * their type and size, and who sent them first.
 */
#ifndef WG_STORE_PHOTO_H
#define WG_STORE_PHOTO_H

#include <stdint.h>
#include "store/db.h"

#define STORE_PHOTO_SHA_MAX 65           /* 64 hex digits and the NUL */
#define STORE_PHOTO_MIME_MAX 16          /* "image/jpeg" … */

struct photo_rec {
	char sha256[STORE_PHOTO_SHA_MAX];    /* lower-case hex */
	char mime[STORE_PHOTO_MIME_MAX];     /* image/jpeg | image/png | image/webp */
	int64_t bytes;
	int64_t account_id;                  /* the first sender; 0 when unknown */
	int64_t created_at;                  /* unix seconds */
};

/* Record a photo unless a row with its sha256 exists (insert-or-ignore, one
 * statement: concurrent uploads of the same bytes both succeed). *inserted
 * is 1 when this call added the row, 0 when it was there already. */
int store_photo_insert(struct db *db, const struct photo_rec *r, int *inserted, struct err *e);
/* The row of sha256 into out; 404 photo.not_found when there is none. */
int store_photo_get(struct db *db, const char *sha256, struct photo_rec *out, struct err *e);

#endif
