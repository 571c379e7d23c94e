/*
 * api_photo.c - photos of grid events (事件照片): upload and download.
 *
 *   POST /api/v1/photos        body: the image's bytes (any Content-Type:
 *                              the type is read from the bytes) ->
 *                              201 {sha256, mime, bytes, url} of the photo
 *                              without its metadata (GPS, device, names:
 *                              app/photos.h), 200 when stored before
 *   GET  /api/v1/photos/:sha   the bytes, cacheable for good (immutable)
 *
 * Both are for any logged-in user (residents report events with photos
 * too). The SHA-256 is the capability: a photo is fetched by whoever knows
 * its hash, and the hash is only learnt from the upload's answer or from an
 * event the caller may see. Storage and checks: app/photos.h. Uploads are
 * not actions, so they are logged, not audited; attaching a photo to an
 * event is the event's audited step.
 */
#include <inttypes.h>
#include <string.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/auth.h"
#include "app/photos.h"
#include "lib/log.h"
#include "lib/banned.h"

#define PHOTO_URL_PREFIX "/api/v1/photos/"

static json_t *photo_json(struct http_req *req, const struct photo_rec *r)
{
	return json_pack("{s:s, s:s, s:I, s:s}", "sha256", r->sha256, "mime", r->mime,
	                 "bytes", (json_int_t)r->bytes,
	                 "url", arena_printf(&req->arena, "%s%s", PHOTO_URL_PREFIX, r->sha256));
}

int api_photo_upload(struct http_req *req)
{
	const struct principal *p = req->auth;
	struct app *a = api_app(req);
	struct photo_rec r;
	struct err e = ERR_INIT;
	struct db *db;
	int created = 0, rc;

	/* the row goes through the writer: no connection of the pool is held
	 * while the picture is cleaned, written and its row committed */
	db = a->writer ? NULL : db_pool_get(a->pool);
	rc = photos_store(db, a->writer, a->photo_dir, req->body, req->body_len, p ? p->account_id : 0,
	                  &r, &created, &e);
	if (db)
		db_pool_put(a->pool, db);
	if (rc < 0)
		return http_reply_err(req, &e);
	log_info("photo %s %s: %s, %" PRId64 " bytes, account %" PRId64, r.sha256,
	         created ? "stored" : "sent again", r.mime, r.bytes, p ? p->account_id : (int64_t)0);
	return http_reply_json(req, created ? 201 : 200, photo_json(req, &r));
}

/* Does If-None-Match name this ETag (or say "*")? */
static int etag_matches(const char *inm, const char *etag)
{
	return inm && (strstr(inm, etag) || !strcmp(inm, "*"));
}

int api_photo_get(struct http_req *req)
{
	const char *sha = http_param(req, "sha");
	struct app *a = api_app(req);
	struct photo_rec r;
	struct err e = ERR_INIT;
	const char *etag;
	struct db *db;
	char *data = NULL;
	size_t len = 0;
	int rc;

	/* checked before anything reaches the file system */
	if (!photos_sha_valid(sha))
		return http_reply_error(req, 400, "photo.bad_hash", "照片编号必须是 64 位小写十六进制",
		                        "a photo hash is 64 lower-case hex digits");
	etag = arena_printf(&req->arena, "\"%s\"", sha);
	db = db_pool_get(a->pool);
	if (etag_matches(http_header(req, "If-None-Match"), etag))
		rc = store_photo_get(db, sha, &r, &e);         /* the client has the bytes */
	else
		rc = photos_read(db, a->photo_dir, sha, &r, &data, &len, &e);
	db_pool_put(a->pool, db);
	if (rc < 0)
		return http_reply_err(req, &e);
	/* the bytes behind a hash never change: cache them for good, privately */
	http_add_header(req, "Cache-Control", "private, max-age=31536000, immutable");
	http_add_header(req, "ETag", etag);
	if (!data)
		return http_reply_bytes(req, 304, NULL, "", 0, 0);
	req->resp_nocompress = 1;          /* JPEG, PNG and WebP are compressed already */
	/* r.mime is one of photos_sniff()'s constants' text: give the reply a
	 * string that outlives the request */
	return http_reply_take(req, 200, arena_strdup(&req->arena, r.mime), data, len);
}
