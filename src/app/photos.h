/*
 * photos.h - photos of grid events (事件照片), stored content-addressed
 * outside the database.
 *
 * A photo is a JPEG, PNG or WebP, recognised by its bytes (never by a file
 * name or a Content-Type), at most PHOTO_BYTES_MAX. Its owner's metadata
 * (Exif with GPS and device, XMP, IPTC, comments, text chunks, thumbnails)
 * is removed first, keeping the orientation (lib/imgmeta.h); the cleaned
 * bytes are named by their SHA-256, in lower-case hex, and kept as the file
 *
 *     <photo_dir>/<first two hex digits>/<sha256>
 *
 * with a row in the `photo` table (store/store_photo.h). The same bytes sent
 * twice are one file and one row. The hash is the capability: whoever knows
 * it (256 bits, not guessable) and is logged in may fetch the photo.
 *
 * Writing order, and what a failure leaves behind: the file is written under
 * a temporary name in its final directory, fsync'd, renamed into place and
 * the directory fsync'd; only then is the row inserted (one statement). A
 * crash or a failed insert can leave a file without a row: it is never
 * served (reads start from the row), and the next upload of the same bytes
 * finds it, keeps it and adds the row. A row never points at a half-written
 * file.
 *
 * For the event module (an event, or a step of it, references photos that
 * were uploaded first with POST /api/v1/photos):
 *
 *     const char *sha[PHOTO_EVENT_MAX];
 *     size_t n;
 *     if (photos_check_json(db, json_object_get(body, "photos"), "photos",
 *                           PHOTO_EVENT_MAX - already_attached, sha, &n, &e) < 0)
 *             return http_reply_err(req, &e);        // 400 photo.* / field.type
 *
 * All functions here are thread-safe; those taking a `struct db *` use that
 * connection only.
 */
#ifndef WG_PHOTOS_H
#define WG_PHOTOS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"
#include "store/store_photo.h"

#define PHOTO_BYTES_MAX ((size_t)10 << 20)   /* 10 MiB per photo */
#define PHOTO_EVENT_MAX 9                    /* photos one event may carry */
#define PHOTO_SHA_HEX 64                     /* hex digits of a photo's name */
#define PHOTO_PATH_MAX 1200                  /* photo_dir (1024) + "/ab/" + sha */

/* ------------------------------------------------------------ pure checks */

/* The type of an image by its first bytes: "image/jpeg", "image/png",
 * "image/webp", or NULL for anything else, including a header cut short.
 *   JPEG  FF D8 FF, a marker and its whole first segment;
 *   PNG   the 8-byte signature and a complete IHDR chunk (right length,
 *         non-zero size, correct CRC);
 *   WebP  "RIFF" size "WEBP" whose size fits in n, then a VP8, VP8L or VP8X
 *         chunk whose own header is complete (VP8 start code, VP8L 0x2F). */
const char *photos_sniff(const void *p, size_t n);

/* True when s is exactly 64 lower-case hex digits (the only hash accepted
 * anywhere: upper case, other lengths and anything path-like are refused,
 * so a hash is safe to put into a file name). */
int photos_sha_valid(const char *s);

/* --------------------------------------------------------- the directory */

/* The default photo directory for a database URL: "X.photos" beside a
 * SQLite file X (also "sqlite:X"), "./wangge-photos" for PostgreSQL.
 * -1 when it does not fit in n bytes. */
int photos_dir_default(const char *db_url, char *out, size_t n);

/* Make sure dir exists (created 0750 when missing; its parent must exist)
 * and that files can be created in it. 0, or -1 with 500 photo.dir naming
 * the directory and the reason. Called once at start-up by `wangge serve`. */
int photos_dir_prepare(const char *dir, struct err *e);

/* The file of a photo: "<dir>/<sha[0..1]>/<sha>". -1 when sha is not a
 * valid hash or the path does not fit in n bytes. */
int photos_path(const char *dir, const char *sha, char *out, size_t n);

/* ------------------------------------------------------- storing, reading */

/* Store the n bytes at data as a photo sent by account_id (0: unknown),
 * without its metadata (imgmeta_strip: what is stored, hashed and counted
 * in out->bytes is the cleaned image, never longer than what was sent).
 * Fills out (sha256, mime, bytes, account_id, created_at) and sets
 * *created to 1 when the photo is new, 0 when it was stored before (the
 * same picture with other metadata is the same photo).
 * Fails with 400 photo.empty, 413 photo.too_large (over PHOTO_BYTES_MAX),
 * 415 photo.bad_type (not JPEG/PNG/WebP by content), 400 photo.bad_image
 * (its segments or chunks cannot be walked safely: nothing is written),
 * 500 photo.io (the file could not be written; logged with the reason),
 * 500 app.oom or a database error. The row is written as a job of the
 * event writer w when there is one (db may then be NULL), sharing the
 * next batch's commit instead of a write turn and an fsync of its own
 * (as a session's refresh does, auth_session_touch), else on db. */
struct writer;
int photos_store(struct db *db, struct writer *w, const char *dir, const void *data, size_t n,
                 int64_t account_id, struct photo_rec *out, int *created, struct err *e);

/* 1 when a photo of that hash is stored (has its row), 0 when not, -1 on a
 * database error (e filled). A malformed hash is simply not stored: 0. */
int photos_exists(struct db *db, const char *sha, struct err *e);

/* Read a stored photo: its row into rec and its bytes into *data (malloc'd,
 * the caller free()s it or hands it to http_reply_take) and *len. Fails with
 * 400 photo.bad_hash, 404 photo.not_found (no row), 500 photo.io (the row
 * is there but the file is missing, unreadable or of another size: logged,
 * it means the photo directory was lost or not restored with the database). */
int photos_read(struct db *db, const char *dir, const char *sha, struct photo_rec *rec,
                char **data, size_t *len, struct err *e);

/* ----------------------------------------------- references from clients */

/* Check the n hashes a client sent to attach to an event or a step: each
 * 64 lower-case hex digits (400 photo.bad_hash), no more than max of them
 * (400 photo.too_many), none twice (400 photo.duplicate), each stored
 * (400 photo.unknown: upload it first). field names the request field for
 * the error's `param` ("photos"). 0 when all is well, -1 with e filled. */
int photos_check_list(struct db *db, const char *const *sha, size_t n, size_t max,
                      const char *field, struct err *e);

/* The same for a JSON value: NULL (field absent) and an empty array give
 * *nout = 0; otherwise it must be an array of strings (400 field.type) and
 * pass photos_check_list. out (room for max pointers) receives the hashes,
 * pointing into j: valid while j lives. */
int photos_check_json(struct db *db, const json_t *j, const char *field, size_t max,
                      const char **out, size_t *nout, struct err *e);

#endif
