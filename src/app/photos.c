/*
 * photos.c - photos of grid events: recognising JPEG/PNG/WebP by content,
 * removing their owners' metadata (lib/imgmeta.c), storing the cleaned
 * bytes content-addressed under the photo directory with a row in
 * the `photo` table, reading them back, and checking the hashes clients
 * reference (see photos.h for the layout and the crash guarantees).
 *
 * Callers: api/api_photo.c (upload and download), the event module (the
 * references of an event or step), cli/cmd_serve.c (the directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "app/photos.h"
#include "app/writer.h"
#include "lib/imgmeta.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/banned.h"

/* ------------------------------------------------------------- sniffing */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* SOI (FF D8), then a marker (FF xx) opening a segment that is complete:
 * its 2-byte length (which counts itself) fits in the data. The markers a
 * JPEG may start with: APPn (E0-EF, JFIF and Exif), DQT (DB), DHT (C4),
 * SOFn (C0-CF but C4, C8, CC) and COM (FE). */
static int is_jpeg(const unsigned char *p, size_t n)
{
	unsigned m;
	size_t seg;

	if (n < 6 || p[0] != 0xFF || p[1] != 0xD8 || p[2] != 0xFF)
		return 0;
	m = p[3];
	if (!((m >= 0xE0 && m <= 0xEF) || m == 0xDB || m == 0xC4 || m == 0xFE ||
	      (m >= 0xC0 && m <= 0xCF && m != 0xC8 && m != 0xCC)))
		return 0;
	seg = (size_t)p[4] << 8 | p[5];
	return seg >= 2 && seg <= n - 4;
}

/* Signature, then IHDR first: length 13, non-zero width and height below
 * 2^31 (PNG's limit), and its CRC right. */
static int is_png(const unsigned char *p, size_t n)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
	uint32_t w, h;

	if (n < 8 + 8 + 13 + 4 || memcmp(p, sig, 8) || be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4))
		return 0;
	w = be32(p + 16);
	h = be32(p + 20);
	if (w == 0 || h == 0 || w > 0x7FFFFFFFu || h > 0x7FFFFFFFu)
		return 0;
	return crc32(crc32(0L, Z_NULL, 0), p + 12, 4 + 13) == be32(p + 29);
}

/* "RIFF", the size of what follows (even, within n), "WEBP", then the first
 * chunk: "VP8 " (a lossy frame: 3-byte tag, start code 9D 01 2A, sizes),
 * "VP8L" (lossless: signature byte 2F and 4 bytes of sizes) or "VP8X"
 * (extended: 10 bytes of flags and canvas size), whose header fits. */
static int is_webp(const unsigned char *p, size_t n)
{
	uint32_t riff, csize;
	const unsigned char *c = p + 12;

	if (n < 12 + 8 || memcmp(p, "RIFF", 4) || memcmp(p + 8, "WEBP", 4))
		return 0;
	riff = le32(p + 4);
	if (riff < 4 + 8 || riff > n - 8)
		return 0;
	csize = le32(c + 4);
	if (csize > riff - 4 - 8)
		return 0;
	if (!memcmp(c, "VP8 ", 4))
		return csize >= 10 && c[8 + 3] == 0x9D && c[8 + 4] == 0x01 && c[8 + 5] == 0x2A;
	if (!memcmp(c, "VP8L", 4))
		return csize >= 5 && c[8] == 0x2F;
	if (!memcmp(c, "VP8X", 4))
		return csize >= 10;
	return 0;
}

const char *photos_sniff(const void *data, size_t n)
{
	const unsigned char *p = data;

	if (!p)
		return NULL;
	if (is_jpeg(p, n))
		return "image/jpeg";
	if (is_png(p, n))
		return "image/png";
	if (is_webp(p, n))
		return "image/webp";
	return NULL;
}

int photos_sha_valid(const char *s)
{
	size_t i;

	if (!s)
		return 0;
	for (i = 0; i < PHOTO_SHA_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;              /* also stops at an early NUL */
	return s[i] == '\0';
}

/* ---------------------------------------------------------- the directory */

int photos_dir_default(const char *db_url, char *out, size_t n)
{
	int len;

	if (str_starts_with(db_url, "postgresql:") || str_starts_with(db_url, "postgres://"))
		len = snprintf(out, n, "./wangge-photos");
	else
		len = snprintf(out, n, "%s.photos",
		               str_starts_with(db_url, "sqlite:") ? db_url + 7 : db_url);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

int photos_dir_prepare(const char *dir, struct err *e)
{
	char probe[PHOTO_PATH_MAX];
	struct stat st;
	int fd;

	if (!dir[0])
		return err_set(e, 500, "photo.dir", "照片目录未设置", "no photo directory set");
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return err_set(e, 500, "photo.dir", "无法创建照片目录 '%s'：%s",
		               "cannot create photo directory '%s': %s", dir, strerror(errno));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, 500, "photo.dir", "照片目录 '%s' 不是目录",
		               "photo directory '%s' is not a directory", dir);
	if ((size_t)snprintf(probe, sizeof(probe), "%s/.write-test.XXXXXX", dir) >= sizeof(probe))
		return err_set(e, 500, "photo.dir", "照片目录路径过长：'%s'",
		               "photo directory path too long: '%s'", dir);
	if ((fd = mkstemp(probe)) < 0)
		return err_set(e, 500, "photo.dir", "照片目录 '%s' 不可写：%s",
		               "photo directory '%s' is not writable: %s", dir, strerror(errno));
	close(fd);
	unlink(probe);
	return 0;
}

int photos_path(const char *dir, const char *sha, char *out, size_t n)
{
	int len;

	if (!photos_sha_valid(sha))
		return -1;
	len = snprintf(out, n, "%s/%.2s/%s", dir, sha, sha);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* -------------------------------------------------------- writing a file */

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The file of photo sha with the n bytes at data, durably: written under a
 * temporary name beside it, fsync'd, renamed into place, directory fsync'd.
 * A file already there with the right size is kept (the same name means
 * the same bytes); one of another size (a damaged copy) is replaced. 0, or
 * -1 with 500 photo.io (the reason is logged, not shown to the client). */
static int write_photo_file(const char *dir, const char *sha, const void *data, size_t n,
                            struct err *e)
{
	char sub[PHOTO_PATH_MAX], path[PHOTO_PATH_MAX], tmp[PHOTO_PATH_MAX];
	const char *what = "";
	struct stat st;
	int fd = -1, ret = -1;

	tmp[0] = '\0';
	if ((size_t)snprintf(sub, sizeof(sub), "%s/%.2s", dir, sha) >= sizeof(sub) ||
	    photos_path(dir, sha, path, sizeof(path)) < 0 ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", sub, sha) >= sizeof(tmp)) {
		tmp[0] = '\0';
		errno = ENAMETOOLONG;
		what = "path";
		goto out;
	}
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == n) {
		tmp[0] = '\0';
		ret = 0;                       /* stored before: dedupe */
		goto out;
	}
	if (mkdir(sub, 0750) == 0) {
		if (fsync_dir(dir) < 0) {      /* the new sub-directory's entry */
			what = "fsync directory";
			tmp[0] = '\0';
			goto out;
		}
	} else if (errno != EEXIST) {
		what = "mkdir";
		tmp[0] = '\0';
		goto out;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		what = "create";
		tmp[0] = '\0';
		goto out;
	}
	if (write_all(fd, data, n) < 0) {
		what = "write";
		goto out;
	}
	if (fchmod(fd, 0640) < 0 || fsync(fd) < 0) {
		what = "fsync";
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		what = "close";
		goto out;
	}
	fd = -1;
	/* atomic: readers see no file or the whole one; a concurrent upload of
	 * the same bytes renaming over it puts identical bytes in place */
	if (rename(tmp, path) < 0) {
		what = "rename";
		goto out;
	}
	tmp[0] = '\0';
	if (fsync_dir(sub) < 0) {
		what = "fsync directory";
		goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		log_error("photo %s: %s in '%s' failed: %s", sha, what, dir, strerror(errno));
		err_set(e, 500, "photo.io", "照片保存失败", "cannot store the photo");
	}
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	return ret;
}

/* ----------------------------------------------------- storing, reading */

/* The cleaner's name for a type photos_sniff() recognised. */
static enum imgmeta_format format_of(const char *mime)
{
	if (!strcmp(mime, "image/png"))
		return IMGMETA_PNG;
	if (!strcmp(mime, "image/webp"))
		return IMGMETA_WEBP;
	return IMGMETA_JPEG;
}

/* The photo's row as a writer job (photos_store); it may run twice
 * (writer.h): *created is set by each run. */
struct photo_job {
	const struct photo_rec *r;
	int *created;
};

static int photo_insert_run(struct db *db, void *arg, int64_t *log_id, struct err *e)
{
	struct photo_job *j = arg;

	(void)log_id;
	return store_photo_insert(db, j->r, j->created, e);
}

int photos_store(struct db *db, struct writer *w, const char *dir, const void *data, size_t n,
                 int64_t account_id, struct photo_rec *out, int *created, struct err *e)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	struct imgmeta_stats ms;
	struct photo_rec r;
	unsigned char *clean = NULL;
	size_t len = 0;
	const char *mime;
	int ret = -1;

	if (n == 0 || !data)
		return err_set(e, 400, "photo.empty", "照片为空", "the photo is empty");
	if (n > PHOTO_BYTES_MAX)
		return err_set(e, 413, "photo.too_large", "照片超过 %zu MB 上限",
		               "the photo is over the %zu MB limit", PHOTO_BYTES_MAX >> 20);
	if (!(mime = photos_sniff(data, n)))
		return err_set(e, 415, "photo.bad_type", "只能上传 JPEG、PNG 或 WebP 照片",
		               "only JPEG, PNG and WebP photos are accepted");
	/* the owner's metadata (GPS, device, names, times) goes before the
	 * bytes are named or written: only cleaned bytes ever reach the disk */
	if (!(clean = malloc(n)))
		return err_set(e, 500, "app.oom", "内存不足", "out of memory");
	if (imgmeta_strip(format_of(mime), data, n, clean, &len, &ms, e) < 0)
		goto out;
	memset(&r, 0, sizeof(r));
	crypto_hash_sha256(hash, clean, len);
	sodium_bin2hex(r.sha256, sizeof(r.sha256), hash, sizeof(hash));   /* lower case */
	str_copy(r.mime, sizeof(r.mime), mime);
	r.bytes = (int64_t)len;
	r.account_id = account_id;
	r.created_at = (int64_t)time(NULL);
	if (ms.removed)
		log_info("photo %s: %u metadata block%s removed (%zu of %zu bytes), orientation %d",
		         r.sha256, ms.removed, ms.removed == 1 ? "" : "s", n - len, n,
		         ms.orientation ? ms.orientation : 1);
	/* file first, then the row: a row never names a missing file */
	if (write_photo_file(dir, r.sha256, clean, len, e) < 0)
		goto out;
	if (w) {
		struct photo_job j = {&r, created};

		if (writer_run(w, photo_insert_run, &j, e) < 0)
			goto out;
	} else if (store_photo_insert(db, &r, created, e) < 0) {
		goto out;
	}
	*out = r;
	ret = 0;
out:
	free(clean);
	return ret;
}

int photos_exists(struct db *db, const char *sha, struct err *e)
{
	struct photo_rec r;
	struct err e2 = ERR_INIT;

	if (!photos_sha_valid(sha))
		return 0;
	if (store_photo_get(db, sha, &r, &e2) == 0)
		return 1;
	if (e2.status == 404)
		return 0;
	if (!err_isset(e))
		*e = e2;
	return -1;
}

int photos_read(struct db *db, const char *dir, const char *sha, struct photo_rec *rec,
                char **data, size_t *len, struct err *e)
{
	char path[PHOTO_PATH_MAX] = "";
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = -1, ret = -1;

	if (!photos_sha_valid(sha))
		return err_set_param(e, 400, "photo.bad_hash", "sha", "照片编号必须是 64 位小写十六进制",
		                     "a photo hash is 64 lower-case hex digits");
	if (store_photo_get(db, sha, rec, e) < 0)
		return -1;
	if (photos_path(dir, sha, path, sizeof(path)) < 0) {
		errno = ENAMETOOLONG;
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 || fstat(fd, &st) < 0)
		goto out;
	if (!S_ISREG(st.st_mode) || st.st_size != rec->bytes || (uint64_t)st.st_size > PHOTO_BYTES_MAX) {
		errno = EINVAL;                /* damaged, or not what was stored */
		goto out;
	}
	if (!(buf = malloc(st.st_size ? (size_t)st.st_size : 1)))
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;           /* shrank under us */
			goto out;
		}
		got += (size_t)r;
	}
	*data = buf;
	*len = got;
	buf = NULL;
	ret = 0;
out:
	if (ret < 0 && !err_isset(e)) {
		log_error("photo %s: cannot read '%s': %s (restore the photo directory with the database)",
		          sha, path, strerror(errno));
		err_set(e, 500, "photo.io", "照片文件丢失或损坏", "the photo's file is missing or damaged");
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* ----------------------------------------------- references from clients */

int photos_check_list(struct db *db, const char *const *sha, size_t n, size_t max,
                      const char *field, struct err *e)
{
	if (n > max)
		return err_set_param(e, 400, "photo.too_many", field, "最多可附 %zu 张照片",
		                     "at most %zu photos may be attached", max);
	for (size_t i = 0; i < n; i++) {
		if (!photos_sha_valid(sha[i]))
			return err_set_param(e, 400, "photo.bad_hash", field,
			                     "第 %zu 张照片的编号无效（应为 64 位小写十六进制）",
			                     "photo %zu: not a hash (64 lower-case hex digits)", i + 1);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(sha[k], sha[i]))
				return err_set_param(e, 400, "photo.duplicate", field, "第 %zu 张照片重复",
				                     "photo %zu is listed twice", i + 1);
	}
	for (size_t i = 0; i < n; i++) {
		int rc = photos_exists(db, sha[i], e);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return err_set_param(e, 400, "photo.unknown", field,
			                     "照片 '%s' 不存在，请先上传", "unknown photo '%s': upload it first",
			                     sha[i]);
	}
	return 0;
}

int photos_check_json(struct db *db, const json_t *j, const char *field, size_t max,
                      const char **out, size_t *nout, struct err *e)
{
	size_t i, n;

	*nout = 0;
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_array(j))
		return err_set_param(e, 400, "field.type", field, "字段 '%s' 必须是照片编号数组",
		                     "field '%s' must be an array of photo hashes", field);
	n = json_array_size(j);
	if (n > max)
		return err_set_param(e, 400, "photo.too_many", field, "最多可附 %zu 张照片",
		                     "at most %zu photos may be attached", max);
	for (i = 0; i < n; i++) {
		const json_t *s = json_array_get(j, i);
		if (!json_is_string(s))
			return err_set_param(e, 400, "field.type", field, "字段 '%s' 必须是照片编号数组",
			                     "field '%s' must be an array of photo hashes", field);
		/* "<64 hex>\u0000…" is no hash either */
		out[i] = json_string_length(s) == PHOTO_SHA_HEX ? json_string_value(s) : "";
	}
	if (photos_check_list(db, out, n, max, field, e) < 0)
		return -1;
	*nout = n;
	return 0;
}
