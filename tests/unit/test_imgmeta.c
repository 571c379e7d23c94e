/*
 * test_imgmeta.c - unit tests of src/lib/imgmeta.c: removing the owner's
 * metadata from photos, on byte buffers crafted here.
 *
 * JPEG: a phone-like photo (JFIF, Exif with make, model, GPS and
 * Orientation 6 in both byte orders, XMP, ICC, IPTC, a comment, Adobe)
 * comes out as SOI, JFIF, a 36-byte Exif holding only the orientation,
 * ICC, Adobe and the image data, byte for byte; orientation 1 or none
 * leaves no Exif at all; thumbnails (JFIF, JFXX), MPF and APP3..15 go.
 * Damaged EXIF (every truncation, random bytes, offsets and counts out of
 * range) is dropped without a crash; damaged segment structure (every
 * truncation of the file, garbage between segments, lengths past the end)
 * is 400 photo.bad_image. PNG: text, time and eXIf chunks go, the rest is
 * kept with its CRCs. WebP: EXIF and XMP chunks and their VP8X flags go,
 * the RIFF size follows. Inputs are copied into buffers of their exact
 * size, so the ASan build catches any read or write past them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>
#include "lib/imgmeta.h"
#include "sample_images.h"
#include "lib/banned.h"

/* ------------------------------------------------------------ samples */

#define JPEG_APP0 2                     /* offset of the APP0 segment */
#define JPEG_BODY 20                    /* offset of DQT: tables, frame, scan */

/* The minimal Exif the cleaner writes back for orientation 6, by hand. */
static const unsigned char MIN_EXIF_MM[] = {
	'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01,
	0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const unsigned char MIN_EXIF_II[] = {
	'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const char MAKE[] = "HUAWEI";
static const char MODEL[] = "ELS-AN00";
static const char XMP[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>23,10.5N"
                          "</exif:GPSLatitude><dc:creator>张三</dc:creator></x:xmpmeta>";
static const char IPTC[] = "Photoshop 3.0\0" "8BIM\x04\x04\0\0\0\0\0\x10\x1c\x02\x50\0\x0cZhang San";
static const char COMMENT[] = "owner: Zhang San, 13912340012";
static const unsigned char ICC[] = "ICC_PROFILE\0\x01\x01" "fake display p3 profile";
static const unsigned char ADOBE[] = {'A', 'd', 'o', 'b', 'e', 0, 0x64, 0, 0, 0, 0, 1};
/* the GPS latitude 23/1 10/1 3456/100, as big-endian rationals: a marker to look for */
static const unsigned char GPS_LAT_MM[] = {0, 0, 0, 23, 0, 0, 0, 1, 0, 0, 0, 10, 0, 0, 0, 1,
                                           0, 0, 0x0d, 0x80, 0, 0, 0, 100};

/* ------------------------------------------------------------ builders */

struct img {
	unsigned char b[8192];
	size_t n;
	int le;                             /* byte order of TIFF numbers */
};

static void add(struct img *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void add8(struct img *m, unsigned v)
{
	unsigned char c = (unsigned char)v;
	add(m, &c, 1);
}

static void add16(struct img *m, unsigned v)
{
	add8(m, m->le ? v & 0xff : v >> 8);
	add8(m, m->le ? v >> 8 : v & 0xff);
}

static void add32(struct img *m, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		add8(m, v >> (8 * (m->le ? k : 3 - k)) & 0xff);
}

/* A TIFF block as a phone writes it: IFD0 with Make, Model, Orientation
 * (when orientation > 0) and a GPS IFD pointer; the GPS IFD with the
 * latitude reference and the latitude 23° 10' 34.56". */
static void tiff_phone(struct img *t, int le, int orientation)
{
	unsigned entries = orientation > 0 ? 4 : 3;
	uint32_t ifd0_end = 8 + 2 + 12 * entries + 4;
	uint32_t make = ifd0_end, model = make + sizeof(MAKE), gps = model + sizeof(MODEL);
	uint32_t lat = gps + 2 + 2 * 12 + 4;

	t->n = 0;
	t->le = le;
	add(t, le ? "II" : "MM", 2);
	add16(t, 42);
	add32(t, 8);
	add16(t, entries);
	add16(t, 0x010f), add16(t, 2), add32(t, sizeof(MAKE)), add32(t, make);
	add16(t, 0x0110), add16(t, 2), add32(t, sizeof(MODEL)), add32(t, model);
	if (orientation > 0)
		add16(t, 0x0112), add16(t, 3), add32(t, 1), add16(t, (unsigned)orientation), add16(t, 0);
	add16(t, 0x8825), add16(t, 4), add32(t, 1), add32(t, gps);
	add32(t, 0);                                     /* no IFD1 */
	add(t, MAKE, sizeof(MAKE));
	add(t, MODEL, sizeof(MODEL));
	add16(t, 2);                                     /* the GPS IFD */
	add16(t, 0x0001), add16(t, 2), add32(t, 2), add(t, "N\0\0\0", 4);
	add16(t, 0x0002), add16(t, 5), add32(t, 3), add32(t, lat);
	add32(t, 0);
	add32(t, 23), add32(t, 1), add32(t, 10), add32(t, 1), add32(t, 3456), add32(t, 100);
}

/* A JPEG segment: FF marker, length, payload. */
static void seg(struct img *m, unsigned marker, const void *p, size_t n)
{
	add8(m, 0xff);
	add8(m, marker);
	add8(m, (n + 2) >> 8);
	add8(m, (n + 2) & 0xff);
	add(m, p, n);
}

/* An Exif APP1 around a TIFF block. */
static void seg_exif(struct img *m, const struct img *tiff)
{
	unsigned char p[2048];

	memcpy(p, "Exif\0\0", 6);
	memcpy(p + 6, tiff->b, tiff->n);
	seg(m, 0xe1, p, 6 + tiff->n);
}

/* A phone's JPEG: SOI, JFIF, Exif (byte order le, orientation), XMP,
 * ICC, IPTC, a comment, Adobe, then the sample's tables, scan and EOI. */
static void jpeg_phone(struct img *m, int le, int orientation)
{
	struct img t;

	tiff_phone(&t, le, orientation);
	m->n = 0;
	add(m, JPEG, JPEG_BODY);                         /* SOI + JFIF */
	seg_exif(m, &t);
	seg(m, 0xe1, XMP, sizeof(XMP));
	seg(m, 0xe2, ICC, sizeof(ICC));
	seg(m, 0xed, IPTC, sizeof(IPTC));
	seg(m, 0xfe, COMMENT, sizeof(COMMENT));
	seg(m, 0xee, ADOBE, sizeof(ADOBE));
	add(m, JPEG + JPEG_BODY, sizeof(JPEG) - JPEG_BODY);
}

/* The cleaned result imgmeta_strip must give for jpeg_phone(): exif is
 * the minimal Exif payload (NULL: none). */
static void jpeg_expected(struct img *m, const unsigned char *exif, size_t exif_n)
{
	m->n = 0;
	add(m, JPEG, JPEG_BODY);
	if (exif)
		seg(m, 0xe1, exif, exif_n);
	seg(m, 0xe2, ICC, sizeof(ICC));
	seg(m, 0xee, ADOBE, sizeof(ADOBE));
	add(m, JPEG + JPEG_BODY, sizeof(JPEG) - JPEG_BODY);
}

static int contains(const unsigned char *h, size_t hn, const void *needle, size_t nn)
{
	return memmem(h, hn, needle, nn) != NULL;
}

/* Strip the n bytes at p, copied into a buffer of exactly n bytes (so ASan
 * sees any overrun), into a malloc'd buffer of exactly n bytes: returns
 * what imgmeta_strip returns; *out (free() it) and *out_n receive the
 * result, *e the error. */
static int strip(enum imgmeta_format fmt, const void *p, size_t n, unsigned char **out,
                 size_t *out_n, struct imgmeta_stats *st, struct err *e)
{
	unsigned char *in = malloc(n ? n : 1), *o = malloc(n ? n : 1);
	int rc;

	assert_non_null(in);
	assert_non_null(o);
	memcpy(in, p, n);
	*out_n = (size_t)-1;
	rc = imgmeta_strip(fmt, in, n, o, out_n, st, e);
	if (rc == 0)
		assert_true(*out_n <= n);
	free(in);
	*out = o;
	return rc;
}

#define STRIP_OK(fmt, m, expect_n, st) do {                                      \
	struct err e_ = ERR_INIT;                                                \
	if (strip(fmt, (m)->b, (m)->n, &out, &out_n, st, &e_) < 0)                \
		fail_msg("strip: %d %s %s", e_.status, e_.code, e_.msg_en);      \
	assert_int_equal(out_n, (expect_n));                                     \
} while (0)

/* ---------------------------------------------------------------- JPEG */

static void check_phone_jpeg(int le, const unsigned char *min_exif)
{
	struct img m, want;
	struct imgmeta_stats st;
	unsigned char *out;
	size_t out_n;

	jpeg_phone(&m, le, 6);
	assert_true(contains(m.b, m.n, MAKE, 6));
	jpeg_expected(&want, min_exif, 32);
	STRIP_OK(IMGMETA_JPEG, &m, want.n, &st);
	assert_memory_equal(out, want.b, want.n);
	assert_int_equal(st.orientation, 6);
	assert_int_equal(st.removed, 4);                   /* Exif, XMP, IPTC, COM */
	/* nothing of the owner is left */
	assert_false(contains(out, out_n, MAKE, strlen(MAKE)));
	assert_false(contains(out, out_n, MODEL, strlen(MODEL)));
	assert_false(contains(out, out_n, "xmpmeta", 7));
	assert_false(contains(out, out_n, "Zhang San", 9));
	assert_false(contains(out, out_n, "Photoshop", 9));
	assert_false(contains(out, out_n, "\x88\x25", 2)); /* the GPS IFD tag, either order */
	assert_false(contains(out, out_n, "\x25\x88", 2));
	/* the Exif written back says 6, and is read back as such */
	assert_int_equal(imgmeta_exif_orientation(out + JPEG_BODY + 4 + 6, 26), 6);
	free(out);
}

static void test_jpeg_phone_big_endian(void **state)
{
	check_phone_jpeg(0, MIN_EXIF_MM);
}

static void test_jpeg_phone_little_endian(void **state)
{
	check_phone_jpeg(1, MIN_EXIF_II);
}

/* The sample's own GPS bytes (big-endian rationals) are gone too; and the
 * orientation is read from a real phone-like block in both orders. */
static void test_jpeg_gps_gone_orientations(void **state)
{
	for (int le = 0; le <= 1; le++) {
		for (int o = 0; o <= 9; o++) {
			struct img m, want, t;
			struct imgmeta_stats st;
			unsigned char *out, min[32];
			size_t out_n;

			tiff_phone(&t, le, o);
			assert_int_equal(imgmeta_exif_orientation(t.b, t.n), o >= 1 && o <= 8 ? o : 0);
			jpeg_phone(&m, le, o);
			memcpy(min, le ? MIN_EXIF_II : MIN_EXIF_MM, 32);
			min[le ? 24 : 25] = (unsigned char)o;
			/* upright (1), none (0) and invalid values (9) leave no Exif at all */
			jpeg_expected(&want, o >= 2 && o <= 8 ? min : NULL, 32);
			STRIP_OK(IMGMETA_JPEG, &m, want.n, &st);
			assert_memory_equal(out, want.b, want.n);
			assert_int_equal(st.orientation, o >= 2 && o <= 8 ? o : 0);
			assert_false(contains(out, out_n, GPS_LAT_MM, sizeof(GPS_LAT_MM)));
			assert_false(contains(out, out_n, MAKE, strlen(MAKE)));
			free(out);
		}
	}
}

/* A JPEG without metadata comes out byte for byte; with APPn of every
 * kind, only JFIF, ICC and Adobe stay. */
static void test_jpeg_allow_list(void **state)
{
	struct img m, want;
	struct imgmeta_stats st;
	unsigned char *out;
	size_t out_n;
	char app[64];

	memcpy(m.b, JPEG, sizeof(JPEG));
	m.n = sizeof(JPEG);
	STRIP_OK(IMGMETA_JPEG, &m, sizeof(JPEG), &st);
	assert_memory_equal(out, JPEG, sizeof(JPEG));
	assert_int_equal(st.removed, 0);
	assert_int_equal(st.orientation, 0);
	free(out);

	m.n = 0;
	want.n = 0;
	add(&m, JPEG, JPEG_BODY);
	add(&want, JPEG, JPEG_BODY);
	seg(&m, 0xe0, "JFXX\0\x10thumbnail", 15);           /* a JFIF extension thumbnail */
	seg(&m, 0xe0, "AVI1\0\0\0\0", 8);
	seg(&m, 0xe2, "MPF\0MM\0*\0\0\0\x08", 12);           /* multi-picture index */
	seg(&m, 0xe2, "FPXR\0\0\0\0", 8);                     /* FlashPix */
	seg(&m, 0xe2, ICC, sizeof(ICC));
	seg(&want, 0xe2, ICC, sizeof(ICC));
	seg(&m, 0xe1, "Exif\0\0", 6);                         /* empty Exif */
	seg(&m, 0xe1, "", 0);                                 /* empty APP1 */
	for (unsigned k = 3; k <= 15; k++) {
		snprintf(app, sizeof(app), "APP%u private data", k);
		seg(&m, 0xe0 + k, app, strlen(app));
	}
	seg(&m, 0xee, "Ducky\0\0", 7);                        /* APP14 that is not Adobe */
	seg(&m, 0xee, ADOBE, sizeof(ADOBE));
	seg(&want, 0xee, ADOBE, sizeof(ADOBE));
	seg(&m, 0xdd, "\x00\x04", 2);                         /* DRI: a table, kept */
	seg(&want, 0xdd, "\x00\x04", 2);
	seg(&m, 0xfe, "", 0);                                 /* empty comment */
	add(&m, JPEG + JPEG_BODY, sizeof(JPEG) - JPEG_BODY);
	add(&want, JPEG + JPEG_BODY, sizeof(JPEG) - JPEG_BODY);
	STRIP_OK(IMGMETA_JPEG, &m, want.n, &st);
	assert_memory_equal(out, want.b, want.n);
	assert_int_equal(st.removed, 2 + 2 + 2 + 13 + 1 + 1);
	free(out);
}

/* JFIF with a thumbnail: the header stays, the thumbnail goes. Fill bytes
 * before a marker are allowed and collapse to one FF. Everything after SOS
 * (here: an Exif-looking trailer after EOI) is not touched. */
static void test_jpeg_jfif_thumbnail_fill_and_scan(void **state)
{
	static const unsigned char jfif_thumb[] = {'J', 'F', 'I', 'F', 0, 1, 2, 1, 0, 72, 0, 72,
	                                           2, 1, 1, 2, 3, 4, 5, 6};     /* 2x1 RGB */
	static const unsigned char jfif_plain[] = {'J', 'F', 'I', 'F', 0, 1, 2, 1, 0, 72, 0, 72, 0, 0};
	struct img m, want;
	struct imgmeta_stats st;
	unsigned char *out;
	size_t out_n;

	m.n = want.n = 0;
	add(&m, "\xff\xd8", 2);
	add(&want, "\xff\xd8", 2);
	seg(&m, 0xe0, jfif_thumb, sizeof(jfif_thumb));
	seg(&want, 0xe0, jfif_plain, sizeof(jfif_plain));
	add(&m, "\xff\xff\xff", 3);                           /* fill, then the DQT's FF */
	add(&m, JPEG + JPEG_BODY, sizeof(JPEG) - JPEG_BODY);
	add(&want, JPEG + JPEG_BODY, sizeof(JPEG) - JPEG_BODY);
	seg(&m, 0xe1, "Exif\0\0MM", 8);                       /* after EOI: not ours to judge */
	seg(&want, 0xe1, "Exif\0\0MM", 8);
	STRIP_OK(IMGMETA_JPEG, &m, want.n, &st);
	assert_memory_equal(out, want.b, want.n);
	assert_int_equal(st.removed, 1);
	free(out);
}

/* Two Exif blocks: the first that states an orientation decides (as
 * viewers read it); a damaged first block does not count. */
static void test_jpeg_two_exifs(void **state)
{
	struct img m, t, want;
	struct imgmeta_stats st;
	unsigned char *out;
	size_t out_n;

	m.n = 0;
	add(&m, JPEG, JPEG_BODY);
	seg(&m, 0xe1, "Exif\0\0II*\0\xff\xff\0\0", 14);       /* IFD0 far away: damaged */
	tiff_phone(&t, 0, 6);
	seg_exif(&m, &t);
	tiff_phone(&t, 1, 3);
	seg_exif(&m, &t);
	add(&m, JPEG + JPEG_BODY, sizeof(JPEG) - JPEG_BODY);
	want.n = 0;
	add(&want, JPEG, JPEG_BODY);
	seg(&want, 0xe1, MIN_EXIF_MM, sizeof(MIN_EXIF_MM));
	add(&want, JPEG + JPEG_BODY, sizeof(JPEG) - JPEG_BODY);
	STRIP_OK(IMGMETA_JPEG, &m, want.n, &st);
	assert_memory_equal(out, want.b, want.n);
	assert_int_equal(st.orientation, 6);
	assert_int_equal(st.removed, 3);
	free(out);
}

/* Hand-made damaged TIFF blocks: no orientation, no crash. */
static void test_exif_orientation_damaged(void **state)
{
	struct img t;
	unsigned char b[128];

	assert_int_equal(imgmeta_exif_orientation(NULL, 100), 0);
	assert_int_equal(imgmeta_exif_orientation((const unsigned char *)"", 0), 0);
	tiff_phone(&t, 0, 6);
	assert_int_equal(imgmeta_exif_orientation(t.b, t.n), 6);

	struct {
		size_t at;
		unsigned char v[4];
		size_t n;
	} edits[] = {
		{0, {'I', 'M'}, 2},                          /* byte order */
		{0, {'I', 'I'}, 2},                          /* order says LE, numbers are BE */
		{2, {0, 43}, 2},                             /* not 42 */
		{4, {0, 0, 0, 0}, 4},                        /* IFD0 inside the header */
		{4, {0, 0, 0, 7}, 4},
		{4, {0xff, 0xff, 0xff, 0xf0}, 4},            /* IFD0 far past the end */
		{4, {0, 0, 0, 120}, 4},                      /* IFD0 near the end: count, no room */
		{8, {0, 0}, 2},                              /* no entries */
		{8, {0xff, 0xff}, 2},                        /* 65535 entries */
		{8 + 2 + 24 + 2, {0, 1}, 2},                 /* orientation as BYTE */
		{8 + 2 + 24 + 2, {0, 2}, 2},                 /* as ASCII */
		{8 + 2 + 24 + 4, {0, 0, 0, 2}, 4},           /* count 2 */
		{8 + 2 + 24 + 4, {0, 0, 0, 0}, 4},           /* count 0 */
		{8 + 2 + 24 + 8, {0, 0}, 2},                 /* value 0 */
		{8 + 2 + 24 + 8, {0, 9}, 2},                 /* value 9 */
		{8 + 2 + 24 + 8, {0xff, 0xff}, 2},
	};
	for (size_t k = 0; k < sizeof(edits) / sizeof(edits[0]); k++) {
		tiff_phone(&t, 0, 6);
		memcpy(t.b + edits[k].at, edits[k].v, edits[k].n);
		assert_int_equal(imgmeta_exif_orientation(t.b, t.n), 0);
	}
	/* LONG instead of SHORT is tolerated; the value is then all 4 bytes */
	tiff_phone(&t, 0, 6);
	memcpy(t.b + 8 + 2 + 24 + 2, "\0\x04", 2);
	memcpy(t.b + 8 + 2 + 24 + 8, "\0\0\0\x08", 4);
	assert_int_equal(imgmeta_exif_orientation(t.b, t.n), 8);
	/* every truncation: nothing until the whole IFD0 is there (the tag
	 * data after it is not needed) */
	tiff_phone(&t, 1, 6);
	for (size_t n = 0; n <= t.n; n++) {
		unsigned char *c = malloc(n ? n : 1);
		assert_non_null(c);
		memcpy(c, t.b, n);
		assert_int_equal(imgmeta_exif_orientation(c, n), n >= 8 + 2 + 4 * 12 + 4 ? 6 : 0);
		free(c);
	}
	/* random blocks */
	srand(42);
	for (int k = 0; k < 20000; k++) {
		size_t n = (size_t)(rand() % (int)sizeof(b));
		int v;
		for (size_t i = 0; i < n; i++)
			b[i] = (unsigned char)rand();
		if (n >= 2 && k % 2)
			memcpy(b, k % 4 == 1 ? "II*\0" : "MM\0*", n < 4 ? 2 : 4);
		v = imgmeta_exif_orientation(b, n);
		assert_true(v >= 0 && v <= 8);
	}
}

/* Every truncation of the Exif inside a whole JPEG (the APP1 length set to
 * what is left), and random bytes written over it: the segment walk goes
 * on, the Exif always goes, the orientation survives only when whole. */
static void test_jpeg_exif_fuzz(void **state)
{
	struct img t, m;
	unsigned char *out;
	size_t out_n;

	for (int le = 0; le <= 1; le++) {
		tiff_phone(&t, le, 6);
		for (size_t cut = 0; cut <= t.n; cut++) {
			struct img tc = t;
			struct imgmeta_stats st;

			tc.n = cut;
			m.n = 0;
			add(&m, JPEG, JPEG_BODY);
			seg_exif(&m, &tc);
			add(&m, JPEG + JPEG_BODY, sizeof(JPEG) - JPEG_BODY);
			STRIP_OK(IMGMETA_JPEG, &m, sizeof(JPEG) + (st.orientation ? 36 : 0), &st);
			assert_int_equal(st.orientation, cut >= 8 + 2 + 4 * 12 + 4 ? 6 : 0);
			assert_false(contains(out, out_n, MAKE, strlen(MAKE)));
			free(out);
		}
	}
	srand(7);
	for (int k = 0; k < 20000; k++) {
		struct imgmeta_stats st;
		size_t flips = 1 + (size_t)(rand() % 8);

		tiff_phone(&t, k % 2, 6);
		for (size_t f = 0; f < flips; f++)
			t.b[(size_t)rand() % t.n] = (unsigned char)rand();
		m.n = 0;
		add(&m, JPEG, JPEG_BODY);
		seg_exif(&m, &t);
		add(&m, JPEG + JPEG_BODY, sizeof(JPEG) - JPEG_BODY);
		STRIP_OK(IMGMETA_JPEG, &m, sizeof(JPEG) + (st.orientation ? 36 : 0), &st);
		assert_true(st.orientation == 0 || (st.orientation >= 2 && st.orientation <= 8));
		assert_int_equal(st.removed, 1);
		free(out);
	}
}

/* Every truncation of a whole phone JPEG: before its SOS segment (its
 * header, 10 bytes here) is complete, 400 photo.bad_image (or 415 when
 * not even SOI and a marker are left);
 * from there on it is cleaned, the cut scan data copied as it is. */
static void test_jpeg_truncations(void **state)
{
	struct img m;
	size_t sos;
	unsigned char *out;
	size_t out_n;

	jpeg_phone(&m, 0, 6);
	sos = m.n - 13;                                   /* FF DA, its header, data, EOI */
	assert_int_equal(m.b[sos], 0xff);
	assert_int_equal(m.b[sos + 1], 0xda);
	for (size_t n = 0; n <= m.n; n++) {
		struct err e = ERR_INIT;
		int rc = strip(IMGMETA_JPEG, m.b, n, &out, &out_n, NULL, &e);

		if (n < sos + 10) {
			assert_int_equal(rc, -1);
			assert_int_equal(e.status, n < 4 ? 415 : 400);
			assert_string_equal(e.code, n < 4 ? "photo.bad_type" : "photo.bad_image");
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(out_n, n - (m.n - (JPEG_BODY + 36 + 4 + sizeof(ICC) + 4 +
			                                   sizeof(ADOBE) + sizeof(JPEG) - JPEG_BODY)));
		}
		free(out);
	}
}

/* Damaged structure before the scan: each a 400 naming the byte. */
static void test_jpeg_bad_structure(void **state)
{
	struct {
		const char *what;
		const char *bytes;
		size_t n;
	} cases[] = {
		{"text after APP0", "matrix photo", 12},
		{"NUL after APP0", "\0\x01\x02\x03", 4},
		{"FF 00", "\xff\x00\x00\x10", 4},
		{"EOI before SOS", "\xff\xd9", 2},
		{"SOI again", "\xff\xd8\xff\xe0", 4},
		{"length 0", "\xff\xdb\x00\x00", 4},
		{"length 1", "\xff\xe1\x00\x01", 4},
		{"length past the end", "\xff\xe1\x7f\xff" "Exif\0\0", 10},
		{"SOS past the end", "\xff\xda\x00\x40\x01", 5},
		{"only fill bytes", "\xff\xff\xff\xff", 4},
		{"marker without length", "\xff\xdb\x00", 3},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct img m;
		struct err e = ERR_INIT;
		unsigned char *out;
		size_t out_n;

		m.n = 0;
		add(&m, JPEG, JPEG_BODY);
		add(&m, cases[k].bytes, cases[k].n);
		assert_int_equal(strip(IMGMETA_JPEG, m.b, m.n, &out, &out_n, NULL, &e), -1);
		if (e.status != 400 || strcmp(e.code, "photo.bad_image"))
			fail_msg("%s: %d %s", cases[k].what, e.status, e.code);
		assert_non_null(strstr(e.msg_en, "byte 20"));
		assert_non_null(strstr(e.msg, "第 20 字节"));
		assert_null(strstr(e.msg, "the JPEG"));                   /* each language its own */
		free(out);
	}
	/* a standalone marker (RST) before the scan passes through */
	{
		struct img m;
		unsigned char *out;
		size_t out_n;

		m.n = 0;
		add(&m, JPEG, JPEG_BODY);
		add(&m, "\xff\xd0", 2);
		add(&m, JPEG + JPEG_BODY, sizeof(JPEG) - JPEG_BODY);
		STRIP_OK(IMGMETA_JPEG, &m, m.n, NULL);
		assert_memory_equal(out, m.b, m.n);
		free(out);
	}
}

/* ----------------------------------------------------------------- PNG */

#define PNG_IHDR_END 33                 /* signature + IHDR */
#define PNG_IEND 57                     /* offset of IEND */

static void chunk(struct img *m, const char *type, const void *p, size_t n)
{
	unsigned char tmp[2048];
	int le = m->le;

	assert_true(n + 4 <= sizeof(tmp));
	memcpy(tmp, type, 4);
	memcpy(tmp + 4, p, n);
	m->le = 0;
	add32(m, (uint32_t)n);
	add(m, tmp, 4 + n);
	add32(m, (uint32_t)crc32(crc32(0L, Z_NULL, 0), tmp, (uInt)(4 + n)));
	m->le = le;
}

static void test_png(void **state)
{
	struct img m, want, t;
	struct imgmeta_stats st;
	unsigned char *out;
	size_t out_n;

	/* no metadata: as it was */
	memcpy(m.b, PNG, sizeof(PNG));
	m.n = sizeof(PNG);
	STRIP_OK(IMGMETA_PNG, &m, sizeof(PNG), &st);
	assert_memory_equal(out, PNG, sizeof(PNG));
	assert_int_equal(st.removed, 0);
	free(out);

	for (int le = 0; le <= 1; le++) {
		m.n = want.n = 0;
		m.le = want.le = 0;
		add(&m, PNG, PNG_IHDR_END);
		add(&want, PNG, PNG_IHDR_END);
		chunk(&m, "tEXt", "Author\0Zhang San", 16);
		chunk(&m, "sRGB", "\0", 1);
		chunk(&want, "sRGB", "\0", 1);
		tiff_phone(&t, le, 6);
		chunk(&m, "eXIf", t.b, t.n);
		chunk(&want, "eXIf", (le ? MIN_EXIF_II : MIN_EXIF_MM) + 6, 26);
		chunk(&m, "zTXt", "Comment\0\0x\x9c\x03\0\0\0\0\x01", 17);
		chunk(&m, "iTXt", "XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta/>", 32);
		chunk(&m, "tIME", "\x07\xea\x01\x02\x03\x04\x05", 7);
		chunk(&m, "vpAg", "private", 7);                   /* unknown ancillary: kept */
		chunk(&want, "vpAg", "private", 7);
		add(&m, PNG + PNG_IHDR_END, sizeof(PNG) - PNG_IHDR_END);
		add(&want, PNG + PNG_IHDR_END, sizeof(PNG) - PNG_IHDR_END);
		add(&m, "trailing bytes after IEND", 25);        /* dropped */
		STRIP_OK(IMGMETA_PNG, &m, want.n, &st);
		assert_memory_equal(out, want.b, want.n);
		assert_int_equal(st.removed, 5);
		assert_int_equal(st.orientation, 6);
		assert_false(contains(out, out_n, MAKE, strlen(MAKE)));
		assert_false(contains(out, out_n, "Zhang", 5));
		free(out);

		/* every truncation: 400 until IEND is whole */
		for (size_t n = 0; n + 25 <= m.n; n++) {
			struct err e = ERR_INIT;
			int rc = strip(IMGMETA_PNG, m.b, n, &out, &out_n, NULL, &e);

			if (n < want.n + (m.n - 25 - want.n)) {
				assert_int_equal(rc, -1);
				assert_int_equal(e.status, n < 8 ? 415 : 400);
			} else {
				assert_int_equal(rc, 0);
				assert_int_equal(out_n, want.n);
			}
			free(out);
		}
	}

	/* eXIf upright, damaged, or with JPEG's "Exif\0\0" in front */
	{
		unsigned char x[512];

		m.n = 0;
		add(&m, PNG, PNG_IHDR_END);
		tiff_phone(&t, 0, 1);
		chunk(&m, "eXIf", t.b, t.n);
		chunk(&m, "eXIf", "MM\0*\0\0\0\x08\0", 9);
		add(&m, PNG + PNG_IHDR_END, sizeof(PNG) - PNG_IHDR_END);
		STRIP_OK(IMGMETA_PNG, &m, sizeof(PNG), &st);
		assert_memory_equal(out, PNG, sizeof(PNG));
		assert_int_equal(st.orientation, 0);
		free(out);

		m.n = want.n = 0;
		add(&m, PNG, PNG_IHDR_END);
		add(&want, PNG, PNG_IHDR_END);
		tiff_phone(&t, 1, 6);
		memcpy(x, "Exif\0\0", 6);
		memcpy(x + 6, t.b, t.n);
		chunk(&m, "eXIf", x, 6 + t.n);
		chunk(&want, "eXIf", MIN_EXIF_II + 6, 26);
		add(&m, PNG + PNG_IHDR_END, sizeof(PNG) - PNG_IHDR_END);
		add(&want, PNG + PNG_IHDR_END, sizeof(PNG) - PNG_IHDR_END);
		STRIP_OK(IMGMETA_PNG, &m, want.n, &st);
		assert_memory_equal(out, want.b, want.n);
		free(out);
	}

	/* damaged chunk structure */
	{
		struct {
			size_t at;
			const char *v;
			size_t n;
		} edits[] = {
			{PNG_IHDR_END, "\x80\0\0\0", 4},          /* length over 2^31 */
			{PNG_IHDR_END, "\0\0\x10\0", 4},          /* past the end */
			{PNG_IHDR_END + 4, "ID\0T", 4},            /* type not letters */
			{PNG_IEND + 4, "IENd", 4},                 /* no IEND at all */
		};
		for (size_t k = 0; k < sizeof(edits) / sizeof(edits[0]); k++) {
			struct err e = ERR_INIT;

			memcpy(m.b, PNG, sizeof(PNG));
			m.n = sizeof(PNG);
			memcpy(m.b + edits[k].at, edits[k].v, edits[k].n);
			assert_int_equal(strip(IMGMETA_PNG, m.b, m.n, &out, &out_n, NULL, &e), -1);
			assert_int_equal(e.status, 400);
			assert_string_equal(e.code, "photo.bad_image");
			free(out);
		}
	}
}

/* ---------------------------------------------------------------- WebP */

/* The extended sample's chunks after its VP8X: ALPH and VP8. */
static const unsigned char WEBP_ALPH_VP8[] = {
	0x41, 0x4c, 0x50, 0x48, 0x0c, 0x00, 0x00, 0x00, 0x11, 0x07, 0x10, 0x11, 0xfd, 0x0f, 0x44, 0x44,
	0xff, 0x03, 0x00, 0x00, 0x56, 0x50, 0x38, 0x20, 0x18, 0x00, 0x00, 0x00, 0x14, 0x01, 0x00, 0x9d,
	0x01, 0x2a, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0xfe, 0x00, 0x00, 0x0d, 0xc0, 0x00, 0xfe, 0xe6,
	0xb5, 0x00, 0x00, 0x00,
};

static void riff_chunk(struct img *m, const char *fourcc, const void *p, size_t n)
{
	m->le = 1;
	add(m, fourcc, 4);
	add32(m, (uint32_t)n);
	add(m, p, n);
	if (n & 1)
		add8(m, 0);
}

static void vp8x(struct img *m, unsigned flags)
{
	unsigned char c[10] = {(unsigned char)flags, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	riff_chunk(m, "VP8X", c, sizeof(c));
}

static void riff_size(struct img *m)
{
	m->le = 1;
	size_t n = m->n;
	m->n = 4;
	add32(m, (uint32_t)(n - 8));
	m->n = n;
}

static void test_webp(void **state)
{
	struct img m, want, t;
	struct imgmeta_stats st;
	unsigned char *out;
	size_t out_n;

	/* simple files cannot hold metadata: as they are */
	memcpy(m.b, WEBP_LOSSY, sizeof(WEBP_LOSSY));
	m.n = sizeof(WEBP_LOSSY);
	STRIP_OK(IMGMETA_WEBP, &m, sizeof(WEBP_LOSSY), &st);
	assert_memory_equal(out, WEBP_LOSSY, sizeof(WEBP_LOSSY));
	free(out);

	/* extended: ICC (odd size, padded), EXIF, XMP; flags ICC|alpha|EXIF|XMP */
	tiff_phone(&t, 1, 6);
	m.n = want.n = 0;
	add(&m, "RIFF\0\0\0\0WEBP", 12);
	add(&want, "RIFF\0\0\0\0WEBP", 12);
	vp8x(&m, 0x20 | 0x10 | 0x08 | 0x04);
	vp8x(&want, 0x20 | 0x10);
	riff_chunk(&m, "ICCP", "icc p", 5);
	riff_chunk(&want, "ICCP", "icc p", 5);
	add(&m, WEBP_ALPH_VP8, sizeof(WEBP_ALPH_VP8));
	add(&want, WEBP_ALPH_VP8, sizeof(WEBP_ALPH_VP8));
	riff_chunk(&m, "EXIF", t.b, t.n);
	riff_chunk(&m, "XMP ", XMP, sizeof(XMP) - 1);
	riff_size(&m);
	riff_size(&want);
	add(&m, "trailer", 7);                                /* after the RIFF: dropped */
	assert_true(m.b[12 + 8] & 0x08);
	STRIP_OK(IMGMETA_WEBP, &m, want.n, &st);
	assert_memory_equal(out, want.b, want.n);
	assert_int_equal(st.removed, 2);
	assert_int_equal(st.orientation, 0);                  /* WebP viewers ignore it */
	assert_false(contains(out, out_n, MAKE, strlen(MAKE)));
	assert_false(contains(out, out_n, "xmpmeta", 7));
	free(out);

	/* EXIF first, then XMP, last chunk odd without its padding byte */
	m.n = want.n = 0;
	add(&m, "RIFF\0\0\0\0WEBP", 12);
	add(&want, "RIFF\0\0\0\0WEBP", 12);
	vp8x(&m, 0x08 | 0x04);
	vp8x(&want, 0);
	riff_chunk(&m, "EXIF", t.b, t.n);
	add(&m, WEBP_ALPH_VP8, sizeof(WEBP_ALPH_VP8));
	add(&want, WEBP_ALPH_VP8, sizeof(WEBP_ALPH_VP8));
	riff_chunk(&m, "XMP ", "<x/>", 3);
	m.n--;                                                /* no padding byte */
	riff_size(&m);
	riff_size(&want);
	STRIP_OK(IMGMETA_WEBP, &m, want.n, &st);
	assert_memory_equal(out, want.b, want.n);
	free(out);

	/* every truncation of an extended file (the RIFF size kept): 400 */
	m.n = 0;
	add(&m, "RIFF\0\0\0\0WEBP", 12);
	vp8x(&m, 0x08);
	riff_chunk(&m, "EXIF", t.b, t.n);
	add(&m, WEBP_ALPH_VP8, sizeof(WEBP_ALPH_VP8));
	riff_size(&m);
	for (size_t n = 0; n < m.n; n++) {
		struct err e = ERR_INIT;

		assert_int_equal(strip(IMGMETA_WEBP, m.b, n, &out, &out_n, NULL, &e), -1);
		assert_int_equal(e.status, n < 20 ? 415 : 400);
		free(out);
	}
	/* a chunk larger than the RIFF, a VP8X too short, a header cut short */
	{
		struct img b = m;
		struct err e = ERR_INIT;

		b.b[12 + 18 + 4] = 0xf0;                          /* EXIF size */
		assert_int_equal(strip(IMGMETA_WEBP, b.b, b.n, &out, &out_n, NULL, &e), -1);
		assert_string_equal(e.code, "photo.bad_image");
		free(out);
		b = m;
		b.b[16] = 8;
		err_clear(&e);
		assert_int_equal(strip(IMGMETA_WEBP, b.b, b.n, &out, &out_n, NULL, &e), -1);
		assert_string_equal(e.code, "photo.bad_image");
		free(out);
		b = m;
		add(&b, "ALP", 3);
		riff_size(&b);
		err_clear(&e);
		assert_int_equal(strip(IMGMETA_WEBP, b.b, b.n, &out, &out_n, NULL, &e), -1);
		assert_string_equal(e.code, "photo.bad_image");
		free(out);
	}
}

/* ----------------------------------------------------------------- misc */

static void test_wrong_format(void **state)
{
	unsigned char *out;
	size_t out_n;
	struct err e = ERR_INIT;
	unsigned char o[8];

	assert_int_equal(strip(IMGMETA_PNG, JPEG, sizeof(JPEG), &out, &out_n, NULL, &e), -1);
	assert_int_equal(e.status, 415);
	free(out);
	err_clear(&e);
	assert_int_equal(strip(IMGMETA_WEBP, PNG, sizeof(PNG), &out, &out_n, NULL, &e), -1);
	assert_int_equal(e.status, 415);
	free(out);
	err_clear(&e);
	assert_int_equal(strip(IMGMETA_JPEG, PNG, sizeof(PNG), &out, &out_n, NULL, &e), -1);
	assert_int_equal(e.status, 415);
	free(out);
	err_clear(&e);
	assert_int_equal(imgmeta_strip(IMGMETA_JPEG, NULL, 0, o, &out_n, NULL, &e), -1);
	err_clear(&e);
	assert_int_equal(imgmeta_strip((enum imgmeta_format)99, JPEG, sizeof(JPEG), o, &out_n, NULL, &e), -1);
	assert_int_equal(e.status, 415);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg_phone_big_endian),
		cmocka_unit_test(test_jpeg_phone_little_endian),
		cmocka_unit_test(test_jpeg_gps_gone_orientations),
		cmocka_unit_test(test_jpeg_allow_list),
		cmocka_unit_test(test_jpeg_jfif_thumbnail_fill_and_scan),
		cmocka_unit_test(test_jpeg_two_exifs),
		cmocka_unit_test(test_exif_orientation_damaged),
		cmocka_unit_test(test_jpeg_exif_fuzz),
		cmocka_unit_test(test_jpeg_truncations),
		cmocka_unit_test(test_jpeg_bad_structure),
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_webp),
		cmocka_unit_test(test_wrong_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
