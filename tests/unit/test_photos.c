/*
 * test_photos.c - unit tests of src/app/photos.c and src/store/store_photo.c:
 * recognising JPEG/PNG/WebP by their bytes (real minimal images, every
 * truncation of them, look-alikes and fakes), the hash check, the default
 * directory and the file layout, storing (the same bytes twice make one
 * file and one row, nothing is left behind by a refused photo, a file
 * without its row and a damaged file are repaired by the next upload),
 * metadata removed before the bytes are named (the hash is of the cleaned
 * bytes; a JPEG that cannot be walked is refused and leaves nothing),
 * reading back, and the check of the hashes a client references.
 * The cleaning itself is tested in test_imgmeta.c.
 *
 * The database tests get a fresh database from testutil.h: a temporary
 * SQLite file, or a new PostgreSQL database when WANGGE_TEST_PG is set.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>
#include "app/photos.h"
#include "store/store_photo.h"
#include "testutil.h"
#include "sample_images.h"
#include "lib/banned.h"

/* ------------------------------------------------------------ samples */

#define JPEG_HEADER 20                  /* SOI + the whole APP0 segment */

/* The same JPEG as a phone sends it: an Exif APP1 first, with the camera
 * maker ("Wg1") and Orientation 6 (big-endian TIFF). */
static const unsigned char EXIF_APP1[] = {
	0xff, 0xe1, 0x00, 0x2e, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0x00, 0x2a, 0, 0, 0, 8, 0, 2,
	0x01, 0x0f, 0x00, 0x02, 0, 0, 0, 4, 'W', 'g', '1', 0,
	0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0, 6, 0, 0,
	0, 0, 0, 0,
};
/* ... and what is kept of it: the orientation alone */
static const unsigned char MIN_APP1[] = {
	0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0x00, 0x2a, 0, 0, 0, 8, 0, 1,
	0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0,
};

#define PNG_HEADER 33                   /* signature + the whole IHDR chunk */

/* 1x1 WebPs beside the lossy one of sample_images.h: lossless (VP8L),
 * extended with alpha (VP8X). */
static const unsigned char WEBP_LOSSLESS[] = {
	0x52, 0x49, 0x46, 0x46, 0x1a, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x4c,
	0x0d, 0x00, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x00, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe,
	0x07, 0x00,
};
static const unsigned char WEBP_EXTENDED[] = {
	0x52, 0x49, 0x46, 0x46, 0x4a, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x58,
	0x0a, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x41, 0x4c,
	0x50, 0x48, 0x0c, 0x00, 0x00, 0x00, 0x11, 0x07, 0x10, 0x11, 0xfd, 0x0f, 0x44, 0x44, 0xff, 0x03,
	0x00, 0x00, 0x56, 0x50, 0x38, 0x20, 0x18, 0x00, 0x00, 0x00, 0x14, 0x01, 0x00, 0x9d, 0x01, 0x2a,
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0xfe, 0x00, 0x00, 0x0d, 0xc0, 0x00, 0xfe, 0xe6, 0xb5, 0x00,
	0x00, 0x00,
};

#define OK(call) do {                                                   \
	struct err e_ = ERR_INIT;                                       \
	if ((call) < 0)                                                 \
		fail_msg("%s: %d %s %s", #call, e_.status, e_.code, e_.msg_en); \
} while (0)
/* OK(call): the call passes `&e_`, the err declared by the macro */

/* ------------------------------------------------------------- sniffing */

static void test_sniff_real_images(void **state)
{
	assert_string_equal(photos_sniff(JPEG, sizeof(JPEG)), "image/jpeg");
	assert_string_equal(photos_sniff(PNG, sizeof(PNG)), "image/png");
	assert_string_equal(photos_sniff(WEBP_LOSSY, sizeof(WEBP_LOSSY)), "image/webp");
	assert_string_equal(photos_sniff(WEBP_LOSSLESS, sizeof(WEBP_LOSSLESS)), "image/webp");
	assert_string_equal(photos_sniff(WEBP_EXTENDED, sizeof(WEBP_EXTENDED)), "image/webp");
}

/* Every prefix shorter than the header is refused; a JPEG or PNG cut after
 * its header still reads as one (the rest is the decoder's business), a
 * WebP whose RIFF size says more than there is does not. */
static void test_sniff_truncated(void **state)
{
	for (size_t n = 0; n < sizeof(JPEG); n++)
		if (n < JPEG_HEADER)
			assert_null(photos_sniff(JPEG, n));
		else
			assert_string_equal(photos_sniff(JPEG, n), "image/jpeg");
	for (size_t n = 0; n < sizeof(PNG); n++)
		if (n < PNG_HEADER)
			assert_null(photos_sniff(PNG, n));
		else
			assert_string_equal(photos_sniff(PNG, n), "image/png");
	for (size_t n = 0; n < sizeof(WEBP_LOSSY); n++)
		assert_null(photos_sniff(WEBP_LOSSY, n));
	for (size_t n = 0; n < sizeof(WEBP_LOSSLESS); n++)
		assert_null(photos_sniff(WEBP_LOSSLESS, n));
	for (size_t n = 0; n < sizeof(WEBP_EXTENDED); n++)
		assert_null(photos_sniff(WEBP_EXTENDED, n));
}

static void test_sniff_fakes(void **state)
{
	static const char *text[] = {
		"", "hello", "this is not a jpeg, whatever its name says", "<html><img src=x.jpg></html>",
		"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00",
		"%PDF-1.7\n", "\xff\xd8", "\xff\xd8\xff", "\x89PNG\r\n\x1a\n", "RIFF\x04\x00\x00\x00WEBP",
	};
	unsigned char b[256];

	assert_null(photos_sniff(NULL, 0));
	assert_null(photos_sniff(NULL, 100));
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		assert_null(photos_sniff(text[i], strlen(text[i])));
	memset(b, 0, sizeof(b));
	assert_null(photos_sniff(b, sizeof(b)));                 /* zeros */

	/* JPEG: SOI then no marker; a segment longer than the data; length < 2 */
	memcpy(b, JPEG, sizeof(JPEG));
	b[3] = 0x00;
	assert_null(photos_sniff(b, sizeof(JPEG)));
	b[3] = 0xD9;                                             /* EOI straight away */
	assert_null(photos_sniff(b, sizeof(JPEG)));
	memcpy(b, JPEG, sizeof(JPEG));
	b[4] = 0x7f;
	assert_null(photos_sniff(b, sizeof(JPEG)));
	b[4] = 0x00;
	b[5] = 0x01;
	assert_null(photos_sniff(b, sizeof(JPEG)));

	/* PNG: a bit flipped in IHDR (CRC wrong), zero width, wrong IHDR length */
	memcpy(b, PNG, sizeof(PNG));
	b[24] ^= 1;
	assert_null(photos_sniff(b, sizeof(PNG)));
	memcpy(b, PNG, sizeof(PNG));
	b[19] = 0;
	assert_null(photos_sniff(b, sizeof(PNG)));
	memcpy(b, PNG, sizeof(PNG));
	b[11] = 0x0e;
	assert_null(photos_sniff(b, sizeof(PNG)));

	/* RIFF but WAVE; WEBP with an unknown chunk; VP8 without its start
	 * code; VP8L without its signature byte; a chunk larger than the RIFF */
	memcpy(b, WEBP_LOSSY, sizeof(WEBP_LOSSY));
	memcpy(b + 8, "WAVE", 4);
	assert_null(photos_sniff(b, sizeof(WEBP_LOSSY)));
	memcpy(b, WEBP_LOSSY, sizeof(WEBP_LOSSY));
	memcpy(b + 12, "VP8Z", 4);
	assert_null(photos_sniff(b, sizeof(WEBP_LOSSY)));
	memcpy(b, WEBP_LOSSY, sizeof(WEBP_LOSSY));
	b[23] = 0x9c;
	assert_null(photos_sniff(b, sizeof(WEBP_LOSSY)));
	memcpy(b, WEBP_LOSSLESS, sizeof(WEBP_LOSSLESS));
	b[20] = 0x2e;
	assert_null(photos_sniff(b, sizeof(WEBP_LOSSLESS)));
	memcpy(b, WEBP_LOSSLESS, sizeof(WEBP_LOSSLESS));
	b[16] = 0x40;
	assert_null(photos_sniff(b, sizeof(WEBP_LOSSLESS)));
	memcpy(b, WEBP_LOSSLESS, sizeof(WEBP_LOSSLESS));
	b[4] = 0xff;                                             /* RIFF size past the end */
	b[5] = 0xff;
	assert_null(photos_sniff(b, sizeof(WEBP_LOSSLESS)));
}

static void test_sha_valid(void **state)
{
	char s[80];

	memset(s, 'a', 64);
	s[64] = '\0';
	assert_true(photos_sha_valid(s));
	assert_true(photos_sha_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
	assert_false(photos_sha_valid("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
	assert_false(photos_sha_valid(NULL));
	assert_false(photos_sha_valid(""));
	s[63] = '\0';
	assert_false(photos_sha_valid(s));                        /* 63 */
	s[63] = 'a';
	s[64] = 'a';
	s[65] = '\0';
	assert_false(photos_sha_valid(s));                        /* 65 */
	s[64] = '\0';
	s[10] = 'g';
	assert_false(photos_sha_valid(s));
	s[10] = '/';
	assert_false(photos_sha_valid(s));
	assert_false(photos_sha_valid("../../../../etc/passwd"));
}

/* -------------------------------------------------- directory and layout */

static void test_dir_default(void **state)
{
	char out[64];

	assert_int_equal(photos_dir_default("wangge.db", out, sizeof(out)), 0);
	assert_string_equal(out, "wangge.db.photos");
	assert_int_equal(photos_dir_default("sqlite:/srv/wangge/w.db", out, sizeof(out)), 0);
	assert_string_equal(out, "/srv/wangge/w.db.photos");
	assert_int_equal(photos_dir_default("postgresql://wangge@db/wangge", out, sizeof(out)), 0);
	assert_string_equal(out, "./wangge-photos");
	assert_int_equal(photos_dir_default("postgres://db/wangge", out, sizeof(out)), 0);
	assert_string_equal(out, "./wangge-photos");
	assert_int_equal(photos_dir_default("postgresql:dbname=wangge", out, sizeof(out)), 0);
	assert_string_equal(out, "./wangge-photos");
	assert_int_equal(photos_dir_default("/a/very/long/path/to/a/database/file/called/wangge.db",
	                                    out, 40), -1);
}

static void test_path_layout(void **state)
{
	const char *sha = "0171178ae901e108f56305aff7e36268a690bc49933a24b1aaa587fda00f4d3b";
	char out[PHOTO_PATH_MAX];

	assert_int_equal(photos_path("/srv/photos", sha, out, sizeof(out)), 0);
	assert_string_equal(out, "/srv/photos/01/0171178ae901e108f56305aff7e36268a690bc49933a24b1aaa587fda00f4d3b");
	assert_int_equal(photos_path("/srv/photos", "../etc/passwd", out, sizeof(out)), -1);
	assert_int_equal(photos_path("/srv/photos", sha, out, 20), -1);
}

/* A temporary directory for one test, removed with rm_tree(). */
static void tmp_dir(char *out, size_t n)
{
	snprintf(out, n, "/tmp/wangge-photos-%d-XXXXXX", (int)getpid());
	assert_non_null(mkdtemp(out));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Names in dir (not . and ..), counted; the first goes to first. */
static int count_entries(const char *dir, char *first, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int count = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (count++ == 0 && first)
			snprintf(first, n, "%s", de->d_name);
	}
	closedir(d);
	return count;
}

static void test_dir_prepare(void **state)
{
	char base[128], dir[256], file[256];
	struct stat st;
	struct err e = ERR_INIT;
	FILE *f;

	tmp_dir(base, sizeof(base));
	snprintf(dir, sizeof(dir), "%s/photos", base);
	OK(photos_dir_prepare(dir, &e_));                        /* created */
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777 & ~0750, 0);           /* no more than 0750 */
	assert_int_equal(count_entries(dir, NULL, 0), 0);         /* the probe is gone */
	OK(photos_dir_prepare(dir, &e_));                        /* exists: fine */

	snprintf(file, sizeof(file), "%s/a-file", base);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	assert_int_equal(photos_dir_prepare(file, &e), -1);       /* not a directory */
	assert_string_equal(e.code, "photo.dir");
	assert_non_null(strstr(e.msg_en, file));
	err_clear(&e);
	snprintf(dir, sizeof(dir), "%s/a-file/photos", base);
	assert_int_equal(photos_dir_prepare(dir, &e), -1);        /* cannot be created */
	assert_string_equal(e.code, "photo.dir");
	err_clear(&e);
	snprintf(dir, sizeof(dir), "%s/missing/photos", base);
	assert_int_equal(photos_dir_prepare(dir, &e), -1);        /* no parent */
	assert_string_equal(e.code, "photo.dir");
	rm_tree(base);
}

/* --------------------------------------------------------------- storing */

static void read_file(const char *path, unsigned char *buf, size_t n, size_t *got)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	*got = fread(buf, 1, n, f);
	fclose(f);
}

static void test_store_twice_one_file(void **state)
{
	struct test_db *f = *state;
	struct photo_rec r1, r2, got;
	char dir[128], sub[256], path[PHOTO_PATH_MAX], name[128];
	unsigned char buf[512];
	size_t n;
	struct stat st;
	int created;

	tmp_dir(dir, sizeof(dir));
	OK(photos_store(f->db, NULL, dir, JPEG, sizeof(JPEG), 7, &r1, &created, &e_));
	assert_int_equal(created, 1);
	assert_string_equal(r1.mime, "image/jpeg");
	assert_int_equal(r1.bytes, sizeof(JPEG));
	assert_int_equal(r1.account_id, 7);
	assert_true(photos_sha_valid(r1.sha256));
	{
		unsigned char h[crypto_hash_sha256_BYTES];
		char hex[65];
		crypto_hash_sha256(h, JPEG, sizeof(JPEG));
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		assert_string_equal(r1.sha256, hex);
	}
	OK(photos_store(f->db, NULL, dir, JPEG, sizeof(JPEG), 8, &r2, &created, &e_));
	assert_int_equal(created, 0);                             /* the same bytes: known */
	assert_string_equal(r2.sha256, r1.sha256);

	/* layout: <dir>/<first two hex>/<sha>, one sub-directory, one file, no temporaries */
	assert_int_equal(count_entries(dir, name, sizeof(name)), 1);
	assert_int_equal(strlen(name), 2);
	assert_memory_equal(name, r1.sha256, 2);
	snprintf(sub, sizeof(sub), "%s/%s", dir, name);
	assert_int_equal(count_entries(sub, name, sizeof(name)), 1);
	assert_string_equal(name, r1.sha256);
	assert_int_equal(photos_path(dir, r1.sha256, path, sizeof(path)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	read_file(path, buf, sizeof(buf), &n);
	assert_int_equal(n, sizeof(JPEG));
	assert_memory_equal(buf, JPEG, sizeof(JPEG));

	/* the row keeps the first sender */
	OK(store_photo_get(f->db, r1.sha256, &got, &e_));
	assert_string_equal(got.mime, "image/jpeg");
	assert_int_equal(got.bytes, sizeof(JPEG));
	assert_int_equal(got.account_id, 7);
	assert_true(got.created_at > 1700000000);

	/* the other types, each its own file */
	OK(photos_store(f->db, NULL, dir, PNG, sizeof(PNG), 0, &r2, &created, &e_));
	assert_int_equal(created, 1);
	assert_string_equal(r2.mime, "image/png");
	OK(photos_store(f->db, NULL, dir, WEBP_EXTENDED, sizeof(WEBP_EXTENDED), 0, &r2, &created, &e_));
	assert_string_equal(r2.mime, "image/webp");
	OK(store_photo_get(f->db, r2.sha256, &got, &e_));
	assert_int_equal(got.account_id, 0);                      /* NULL: unknown sender */
	rm_tree(dir);
}

static void test_store_refused_leaves_nothing(void **state)
{
	struct test_db *f = *state;
	struct photo_rec r;
	char dir[128];
	unsigned char *big;
	int created = 0;
	struct {
		const void *p;
		size_t n;
		int status;
		const char *code;
	} cases[] = {
		{JPEG, 0, 400, "photo.empty"},
		{NULL, 0, 400, "photo.empty"},
		{"plain text", 10, 415, "photo.bad_type"},
		{PNG, PNG_HEADER - 1, 415, "photo.bad_type"},
		{NULL, PHOTO_BYTES_MAX + 1, 413, "photo.too_large"},
		{NULL, 0, 400, "photo.bad_image"},                /* JPEG header, then text */
	};

	tmp_dir(dir, sizeof(dir));
	assert_non_null(big = calloc(1, PHOTO_BYTES_MAX + 1));
	memcpy(big, JPEG, sizeof(JPEG));
	cases[4].p = big;
	{
		static unsigned char garbled[JPEG_HEADER + 12];
		memcpy(garbled, JPEG, JPEG_HEADER);
		memcpy(garbled + JPEG_HEADER, "matrix photo", 12);
		cases[5].p = garbled;
		cases[5].n = sizeof(garbled);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = ERR_INIT;
		assert_int_equal(photos_store(f->db, NULL, dir, cases[i].p, cases[i].n, 1, &r, &created, &e), -1);
		assert_int_equal(e.status, cases[i].status);
		assert_string_equal(e.code, cases[i].code);
	}
	assert_int_equal(count_entries(dir, NULL, 0), 0);
	/* exactly the limit is fine */
	OK(photos_store(f->db, NULL, dir, big, PHOTO_BYTES_MAX, 1, &r, &created, &e_));
	assert_int_equal(r.bytes, PHOTO_BYTES_MAX);
	free(big);
	rm_tree(dir);
}

/* What is stored is the photo without its metadata: the hash names the
 * cleaned bytes, the row has their size, the file holds them. The same
 * photo sent again, or sent already cleaned, is the photo stored before. */
static void test_store_strips_metadata(void **state)
{
	struct test_db *f = *state;
	unsigned char phone[sizeof(EXIF_APP1) + sizeof(JPEG)], clean[sizeof(MIN_APP1) + sizeof(JPEG)];
	unsigned char h[crypto_hash_sha256_BYTES], buf[512];
	char hex[65], dir[128], path[PHOTO_PATH_MAX];
	struct photo_rec r, r2;
	size_t n;
	int created;

	memcpy(phone, JPEG, 2);
	memcpy(phone + 2, EXIF_APP1, sizeof(EXIF_APP1));
	memcpy(phone + 2 + sizeof(EXIF_APP1), JPEG + 2, sizeof(JPEG) - 2);
	memcpy(clean, JPEG, 2);
	memcpy(clean + 2, MIN_APP1, sizeof(MIN_APP1));
	memcpy(clean + 2 + sizeof(MIN_APP1), JPEG + 2, sizeof(JPEG) - 2);
	crypto_hash_sha256(h, clean, sizeof(clean));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));

	tmp_dir(dir, sizeof(dir));
	OK(photos_store(f->db, NULL, dir, phone, sizeof(phone), 3, &r, &created, &e_));
	assert_int_equal(created, 1);
	assert_string_equal(r.sha256, hex);
	assert_int_equal(r.bytes, sizeof(clean));
	assert_int_equal(photos_path(dir, r.sha256, path, sizeof(path)), 0);
	read_file(path, buf, sizeof(buf), &n);
	assert_int_equal(n, sizeof(clean));
	assert_memory_equal(buf, clean, sizeof(clean));
	assert_null(memmem(buf, n, "Wg1", 3));
	OK(store_photo_get(f->db, hex, &r2, &e_));
	assert_int_equal(r2.bytes, sizeof(clean));

	OK(photos_store(f->db, NULL, dir, phone, sizeof(phone), 4, &r2, &created, &e_));
	assert_int_equal(created, 0);
	assert_string_equal(r2.sha256, hex);
	OK(photos_store(f->db, NULL, dir, clean, sizeof(clean), 5, &r2, &created, &e_));
	assert_int_equal(created, 0);
	assert_string_equal(r2.sha256, hex);
	rm_tree(dir);
}

/* A file without its row (a crash or a failed insert after the rename) is
 * reused by the next upload; a damaged file (another size) is replaced. */
static void test_store_repairs(void **state)
{
	struct test_db *f = *state;
	struct photo_rec r, rr;
	char dir[128], path[PHOTO_PATH_MAX];
	char *data = NULL;
	size_t len = 0;
	struct err e = ERR_INIT;
	FILE *fp;
	int created;

	tmp_dir(dir, sizeof(dir));
	OK(photos_store(f->db, NULL, dir, PNG, sizeof(PNG), 1, &r, &created, &e_));
	OK(db_exec(f->db, "DELETE FROM photo", &e_));
	assert_int_equal(photos_exists(f->db, r.sha256, &e), 0);
	assert_int_equal(photos_read(f->db, dir, r.sha256, &rr, &data, &len, &e), -1);
	assert_int_equal(e.status, 404);                          /* a file alone is never served */
	err_clear(&e);
	OK(photos_store(f->db, NULL, dir, PNG, sizeof(PNG), 1, &r, &created, &e_));
	assert_int_equal(created, 1);
	assert_int_equal(photos_exists(f->db, r.sha256, &e), 1);

	/* cut the file short: reading fails loudly, the next upload repairs it */
	assert_int_equal(photos_path(dir, r.sha256, path, sizeof(path)), 0);
	assert_non_null(fp = fopen(path, "wb"));
	fwrite(PNG, 1, 10, fp);
	fclose(fp);
	assert_int_equal(photos_read(f->db, dir, r.sha256, &rr, &data, &len, &e), -1);
	assert_int_equal(e.status, 500);
	assert_string_equal(e.code, "photo.io");
	err_clear(&e);
	OK(photos_store(f->db, NULL, dir, PNG, sizeof(PNG), 1, &r, &created, &e_));
	assert_int_equal(created, 0);
	OK(photos_read(f->db, dir, r.sha256, &rr, &data, &len, &e_));
	assert_int_equal(len, sizeof(PNG));
	assert_memory_equal(data, PNG, sizeof(PNG));
	assert_string_equal(rr.mime, "image/png");
	free(data);

	/* the file gone altogether */
	assert_int_equal(unlink(path), 0);
	data = NULL;
	assert_int_equal(photos_read(f->db, dir, r.sha256, &rr, &data, &len, &e), -1);
	assert_string_equal(e.code, "photo.io");
	assert_null(data);
	err_clear(&e);
	assert_int_equal(photos_read(f->db, dir, "../../etc/passwd", &rr, &data, &len, &e), -1);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "photo.bad_hash");
	rm_tree(dir);
}

/* ------------------------------------------------------------ references */

static void test_check_list(void **state)
{
	struct test_db *f = *state;
	struct photo_rec a, b;
	char dir[128];
	const char *zero = "0000000000000000000000000000000000000000000000000000000000000000";
	const char *list[PHOTO_EVENT_MAX + 1];
	int created;

	tmp_dir(dir, sizeof(dir));
	OK(photos_store(f->db, NULL, dir, JPEG, sizeof(JPEG), 1, &a, &created, &e_));
	OK(photos_store(f->db, NULL, dir, WEBP_LOSSY, sizeof(WEBP_LOSSY), 1, &b, &created, &e_));
	assert_int_equal(photos_exists(f->db, a.sha256, &(struct err)ERR_INIT), 1);
	assert_int_equal(photos_exists(f->db, zero, &(struct err)ERR_INIT), 0);
	assert_int_equal(photos_exists(f->db, "nonsense", &(struct err)ERR_INIT), 0);

	list[0] = a.sha256;
	list[1] = b.sha256;
	OK(photos_check_list(f->db, list, 2, PHOTO_EVENT_MAX, "photos", &e_));
	OK(photos_check_list(f->db, list, 0, PHOTO_EVENT_MAX, "photos", &e_));

	struct {
		const char *l[3];
		size_t n, max;
		const char *code;
	} bad[] = {
		{{a.sha256, zero}, 2, 9, "photo.unknown"},
		{{a.sha256, a.sha256}, 2, 9, "photo.duplicate"},
		{{a.sha256, "ABC"}, 2, 9, "photo.bad_hash"},
		{{a.sha256, b.sha256}, 2, 1, "photo.too_many"},       /* one more than the event has room for */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err e = ERR_INIT;
		assert_int_equal(photos_check_list(f->db, bad[i].l, bad[i].n, bad[i].max, "photos", &e), -1);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.code, bad[i].code);
		assert_string_equal(e.param, "photos");
	}
	for (int i = 0; i < PHOTO_EVENT_MAX + 1; i++)
		list[i] = a.sha256;
	{
		struct err e = ERR_INIT;
		assert_int_equal(photos_check_list(f->db, list, PHOTO_EVENT_MAX + 1, PHOTO_EVENT_MAX,
		                                   "photos", &e), -1);
		assert_string_equal(e.code, "photo.too_many");        /* counted before anything else */
	}
	rm_tree(dir);
}

static void test_check_json(void **state)
{
	struct test_db *f = *state;
	struct photo_rec a;
	char dir[128];
	const char *out[PHOTO_EVENT_MAX];
	size_t n = 99;
	json_t *j;
	int created;

	tmp_dir(dir, sizeof(dir));
	OK(photos_store(f->db, NULL, dir, PNG, sizeof(PNG), 1, &a, &created, &e_));
	OK(photos_check_json(f->db, NULL, "photos", PHOTO_EVENT_MAX, out, &n, &e_));
	assert_int_equal(n, 0);
	j = json_pack("[s]", a.sha256);
	OK(photos_check_json(f->db, j, "photos", PHOTO_EVENT_MAX, out, &n, &e_));
	assert_int_equal(n, 1);
	assert_string_equal(out[0], a.sha256);
	json_decref(j);

	struct {
		json_t *j;
		const char *code;
	} bad[] = {
		{json_string("abc"), "field.type"},
		{json_pack("{s:s}", "a", "b"), "field.type"},
		{json_pack("[i]", 1), "field.type"},
		{json_pack("[s, n]", a.sha256), "field.type"},
		{json_stringn("x", 1), "field.type"},
		{json_pack("[s#]", "0000000000000000000000000000000000000000000000000000000000000000\0x", 66),
		 "photo.bad_hash"},
		{json_pack("[s, s]", a.sha256, a.sha256), "photo.duplicate"},
		{json_pack("[s,s,s,s,s,s,s,s,s,s]", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"),
		 "photo.too_many"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err e = ERR_INIT;
		assert_non_null(bad[i].j);
		assert_int_equal(photos_check_json(f->db, bad[i].j, "photos", PHOTO_EVENT_MAX, out, &n, &e), -1);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.code, bad[i].code);
		assert_int_equal(n, 0);
		json_decref(bad[i].j);
	}
	rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff_real_images),
		cmocka_unit_test(test_sniff_truncated),
		cmocka_unit_test(test_sniff_fakes),
		cmocka_unit_test(test_sha_valid),
		cmocka_unit_test(test_dir_default),
		cmocka_unit_test(test_path_layout),
		cmocka_unit_test(test_dir_prepare),
		cmocka_unit_test_setup_teardown(test_store_twice_one_file, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_store_refused_leaves_nothing, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_store_strips_metadata, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_store_repairs, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_check_list, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_check_json, test_db_setup, test_db_teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
