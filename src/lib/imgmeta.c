/*
 * imgmeta.c - removing personal metadata from JPEG, PNG and WebP images
 * (see imgmeta.h for what is removed and kept).
 *
 * Each format is walked once, front to back, segment by segment or chunk
 * by chunk, copying what is kept into the caller's buffer. Every length
 * read from the file is checked against what is left before it is used;
 * the output is proved (and checked) never to grow past the input. The
 * photo store (app/photos.c) calls it on every upload.
 */
#include <stdint.h>
#include <string.h>
#include <zlib.h>
#include "lib/imgmeta.h"
#include "lib/banned.h"

/* ------------------------------------------------------------- helpers */

/* The output: a fixed buffer; a write that would not fit sets `full` and
 * writes nothing (cannot happen, see imgmeta_strip, but is never trusted). */
struct out {
	unsigned char *p;         /* the caller's buffer */
	size_t len;               /* bytes written */
	size_t cap;               /* its size */
	int full;                 /* a write did not fit */
};

static void put(struct out *o, const void *src, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, src, n);
	o->len += n;
}

static void put_byte(struct out *o, unsigned char c)
{
	put(o, &c, 1);
}

static unsigned rd16(const unsigned char *p, int le)
{
	return le ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | p[1];
}

static uint32_t rd32(const unsigned char *p, int le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
	          : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(unsigned char *p, unsigned v, int le)
{
	p[le ? 0 : 1] = (unsigned char)(v & 0xFF);
	p[le ? 1 : 0] = (unsigned char)(v >> 8 & 0xFF);
}

static void wr32(unsigned char *p, uint32_t v, int le)
{
	for (int k = 0; k < 4; k++)
		p[le ? k : 3 - k] = (unsigned char)(v >> (8 * k) & 0xFF);
}

/* 400 photo.bad_image: why (in both languages) and the byte offset where
 * the walk stopped. Returns -1. */
static int bad(struct err *e, const char *zh, const char *en, size_t at)
{
	/* "%s%.0s" prints the first of the two reasons, "%.0s%s" the second */
	return err_set(e, 400, "photo.bad_image", "照片文件已损坏，无法处理：%s%.0s（第 %zu 字节）",
	               "the photo is damaged and cannot be processed: %.0s%s (byte %zu)", zh, en, at);
}

static int not_format(struct err *e)
{
	return err_set(e, 415, "photo.bad_type", "只能上传 JPEG、PNG 或 WebP 照片",
	               "only JPEG, PNG and WebP photos are accepted");
}

/* ---------------------------------------------------------------- EXIF */

#define TAG_ORIENTATION 0x0112
#define TIFF_SHORT 3
#define TIFF_LONG 4
#define TIFF_MINIMAL 26           /* header 8 + count 2 + one entry 12 + next IFD 4 */

int imgmeta_exif_orientation(const unsigned char *t, size_t n)
{
	uint32_t ifd, v;
	unsigned count;
	int le;

	if (!t || n < 8)
		return 0;
	if (t[0] == 'I' && t[1] == 'I')
		le = 1;
	else if (t[0] == 'M' && t[1] == 'M')
		le = 0;
	else
		return 0;
	if (rd16(t + 2, le) != 42)
		return 0;
	ifd = rd32(t + 4, le);
	/* IFD0 after the header, and all of it inside: its count, its entries
	 * and the next-IFD offset (so a block that passes is >= TIFF_MINIMAL) */
	if (ifd < 8 || ifd > n || n - ifd < 2 + 4)
		return 0;
	count = rd16(t + ifd, le);
	if (count == 0 || (n - ifd - 2 - 4) / 12 < count)
		return 0;
	for (unsigned k = 0; k < count; k++) {
		const unsigned char *en = t + ifd + 2 + 12 * (size_t)k;
		unsigned type;

		if (rd16(en, le) != TAG_ORIENTATION)
			continue;
		type = rd16(en + 2, le);
		if (rd32(en + 4, le) != 1)
			return 0;
		if (type == TIFF_SHORT)
			v = rd16(en + 8, le);     /* left-justified in the value field */
		else if (type == TIFF_LONG)
			v = rd32(en + 8, le);
		else
			return 0;
		return v >= 1 && v <= 8 ? (int)v : 0;
	}
	return 0;
}

/* The smallest EXIF that says "turn the picture": a TIFF header in byte
 * order le, IFD0 at 8 holding the Orientation alone (SHORT, count 1), no
 * next IFD. Writes TIFF_MINIMAL bytes. */
static void tiff_minimal(unsigned char *t, int le, int orientation)
{
	memset(t, 0, TIFF_MINIMAL);
	t[0] = t[1] = le ? 'I' : 'M';
	wr16(t + 2, 42, le);
	wr32(t + 4, 8, le);
	wr16(t + 8, 1, le);                       /* one entry */
	wr16(t + 10, TAG_ORIENTATION, le);
	wr16(t + 12, TIFF_SHORT, le);
	wr32(t + 14, 1, le);
	wr16(t + 18, (unsigned)orientation, le);  /* value, then 2 bytes of padding */
	wr32(t + 22, 0, le);                      /* no next IFD */
}

/* ---------------------------------------------------------------- JPEG */

enum seg_action {
	SEG_KEEP,                 /* copied as is */
	SEG_DROP,                 /* metadata: removed */
	SEG_JFIF,                 /* JFIF APP0: kept without its thumbnail */
	SEG_EXIF,                 /* Exif APP1: removed, orientation kept */
};

#define JFIF_FIXED 14             /* "JFIF\0", version, units, densities, thumbnail size */

static int starts(const unsigned char *s, size_t n, const char *id, size_t idlen)
{
	return n >= idlen && !memcmp(s, id, idlen);
}

/* What to do with a segment (marker m, its payload s of n bytes) before
 * SOS: an allow-list for APPn, everything else that is not COM kept. */
static enum seg_action jpeg_classify(unsigned m, const unsigned char *s, size_t n)
{
	switch (m) {
	case 0xE0:                                /* APP0: JFIF kept, JFXX (thumbnails), AVI1 not */
		return starts(s, n, "JFIF\0", 5) ? SEG_JFIF : SEG_DROP;
	case 0xE1:                                /* APP1: Exif or XMP */
		return starts(s, n, "Exif\0\0", 6) ? SEG_EXIF : SEG_DROP;
	case 0xE2:                                /* APP2: the ICC profile, not MPF or FlashPix */
		return starts(s, n, "ICC_PROFILE\0", 12) ? SEG_KEEP : SEG_DROP;
	case 0xEE:                                /* APP14: Adobe colour transform */
		return starts(s, n, "Adobe", 5) ? SEG_KEEP : SEG_DROP;
	case 0xFE:                                /* COM */
		return SEG_DROP;
	default:                                  /* APP3..APP13, APP15: metadata; others: tables */
		return m >= 0xE0 && m <= 0xEF ? SEG_DROP : SEG_KEEP;
	}
}

static int strip_jpeg(const unsigned char *p, size_t n, struct out *o, struct imgmeta_stats *st,
                      struct err *e)
{
	size_t i = 2;
	int oriented = 0;                         /* an Exif orientation was seen */

	if (n < 4 || p[0] != 0xFF || p[1] != 0xD8)
		return not_format(e);
	put(o, p, 2);                             /* SOI */
	for (;;) {
		const unsigned char *s;
		size_t at = i, len, slen;
		unsigned m;

		if (i >= n)
			return bad(e, "JPEG 在图像数据之前结束", "the JPEG ends before its image data", at);
		if (p[i] != 0xFF)
			return bad(e, "JPEG 此处缺少段标记", "the JPEG has no marker where one must be", at);
		while (i < n && p[i] == 0xFF)         /* fill bytes before a marker */
			i++;
		if (i >= n)
			return bad(e, "JPEG 在图像数据之前结束", "the JPEG ends before its image data", at);
		m = p[i++];
		if (m == 0xD9)
			return bad(e, "JPEG 没有图像数据", "the JPEG has no image data", at);
		if (m == 0x00 || m == 0xD8)
			return bad(e, "JPEG 段标记无效", "invalid JPEG marker", at);
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
			put_byte(o, 0xFF);                /* TEM, RSTn: no length */
			put_byte(o, (unsigned char)m);
			continue;
		}
		if (n - i < 2)
			return bad(e, "JPEG 段不完整", "a JPEG segment is cut short", at);
		len = (size_t)p[i] << 8 | p[i + 1];
		if (len < 2 || len > n - i)
			return bad(e, "JPEG 段长度超出文件", "a JPEG segment runs past the end", at);
		if (m == 0xDA) {                      /* SOS: the image data, untouched */
			put_byte(o, 0xFF);
			put_byte(o, 0xDA);
			put(o, p + i, n - i);
			return 0;
		}
		s = p + i + 2;
		slen = len - 2;
		switch (jpeg_classify(m, s, slen)) {
		case SEG_KEEP:
			put_byte(o, 0xFF);
			put_byte(o, (unsigned char)m);
			put(o, p + i, len);
			break;
		case SEG_JFIF:
			if (slen == JFIF_FIXED && s[12] == 0 && s[13] == 0) {
				put_byte(o, 0xFF);        /* no thumbnail: as it was */
				put_byte(o, 0xE0);
				put(o, p + i, len);
			} else if (slen >= JFIF_FIXED) {
				static const unsigned char hdr[4] = {0xFF, 0xE0, 0x00, 2 + JFIF_FIXED};
				static const unsigned char none[2] = {0, 0};

				put(o, hdr, sizeof(hdr)); /* without the thumbnail after it */
				put(o, s, JFIF_FIXED - 2);
				put(o, none, sizeof(none));
				if (st)
					st->removed++;
			} else {
				put_byte(o, 0xFF);        /* too short to hold a thumbnail */
				put_byte(o, 0xE0);
				put(o, p + i, len);
			}
			break;
		case SEG_EXIF: {
			int v = imgmeta_exif_orientation(s + 6, slen - 6);

			if (!oriented && v) {         /* the first Exif that says, as viewers read it */
				oriented = 1;
				if (v >= 2) {
					unsigned char app1[4 + 6 + TIFF_MINIMAL] = {0xFF, 0xE1, 0x00,
						2 + 6 + TIFF_MINIMAL, 'E', 'x', 'i', 'f', 0, 0};

					tiff_minimal(app1 + 10, s[6] == 'I', v);
					put(o, app1, sizeof(app1));
					if (st)
						st->orientation = v;
				}
			}
			if (st)
				st->removed++;
			break;
		}
		case SEG_DROP:
			if (st)
				st->removed++;
			break;
		}
		i += len;
	}
}

/* ----------------------------------------------------------------- PNG */

static const unsigned char PNG_SIG[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

/* A chunk type is four ASCII letters. */
static int png_type_ok(const unsigned char *t)
{
	for (int k = 0; k < 4; k++)
		if (!((t[k] >= 'A' && t[k] <= 'Z') || (t[k] >= 'a' && t[k] <= 'z')))
			return 0;
	return 1;
}

static int png_is(const unsigned char *t, const char *name)
{
	return !memcmp(t, name, 4);
}

static int strip_png(const unsigned char *p, size_t n, struct out *o, struct imgmeta_stats *st,
                     struct err *e)
{
	size_t i = 8;
	int oriented = 0;

	if (n < 8 || memcmp(p, PNG_SIG, 8))
		return not_format(e);
	put(o, p, 8);
	for (;;) {
		const unsigned char *t;
		size_t at = i, len;

		if (n - i < 12)
			return bad(e, "PNG 不完整（没有 IEND 数据块）", "the PNG is cut short (no IEND chunk)", at);
		len = rd32(p + i, 0);
		t = p + i + 4;
		if (len > 0x7FFFFFFFu || len > n - i - 12)
			return bad(e, "PNG 数据块超出文件末尾", "a PNG chunk runs past the end", at);
		if (!png_type_ok(t))
			return bad(e, "PNG 数据块类型无效", "a PNG chunk has an invalid type", at);
		if (png_is(t, "eXIf")) {
			/* the TIFF block itself; some writers put JPEG's "Exif\0\0" before it */
			const unsigned char *x = t + 4;
			size_t xn = len;
			int v;

			if (starts(x, xn, "Exif\0\0", 6)) {
				x += 6;
				xn -= 6;
			}
			v = imgmeta_exif_orientation(x, xn);
			if (!oriented && v) {
				oriented = 1;
				if (v >= 2) {
					unsigned char c[12 + TIFF_MINIMAL];

					wr32(c, TIFF_MINIMAL, 0);
					memcpy(c + 4, "eXIf", 4);
					tiff_minimal(c + 8, x[0] == 'I', v);
					wr32(c + 8 + TIFF_MINIMAL,
					     (uint32_t)crc32(crc32(0L, Z_NULL, 0), c + 4, 4 + TIFF_MINIMAL), 0);
					put(o, c, sizeof(c));
					if (st)
						st->orientation = v;
				}
			}
			if (st)
				st->removed++;
		} else if (png_is(t, "tEXt") || png_is(t, "zTXt") || png_is(t, "iTXt") ||
		           png_is(t, "tIME")) {
			if (st)
				st->removed++;
		} else {
			put(o, p + i, 12 + len);          /* the whole chunk, its CRC untouched */
		}
		i += 12 + len;
		if (png_is(t, "IEND"))
			return 0;                         /* anything after it is dropped */
	}
}

/* ---------------------------------------------------------------- WebP */

#define VP8X_FLAG_EXIF 0x08
#define VP8X_FLAG_XMP 0x04

static int strip_webp(const unsigned char *p, size_t n, struct out *o, struct imgmeta_stats *st,
                      struct err *e)
{
	size_t i = 12, end;
	uint32_t riff;

	if (n < 12 + 8 || memcmp(p, "RIFF", 4) || memcmp(p + 8, "WEBP", 4))
		return not_format(e);
	riff = rd32(p + 4, 1);
	if (riff < 4 + 8 || riff > n - 8)
		return bad(e, "WebP 的 RIFF 长度超出文件", "the WebP's RIFF size runs past the end", 4);
	if (memcmp(p + 12, "VP8X", 4)) {
		put(o, p, n);                         /* simple VP8 / VP8L: no room for metadata */
		return 0;
	}
	end = 8 + (size_t)riff;
	put(o, p, 12);                            /* RIFF, its size (set below), WEBP */
	while (i < end) {
		size_t at = i, size, take;

		if (end - i < 8)
			return bad(e, "WebP 数据块不完整", "a WebP chunk is cut short", at);
		size = rd32(p + i + 4, 1);
		if (size > end - i - 8)
			return bad(e, "WebP 数据块超出文件末尾", "a WebP chunk runs past the end", at);
		if (i == 12 && size < 10)
			return bad(e, "WebP 的 VP8X 数据块过短", "the WebP's VP8X chunk is too short", at);
		take = 8 + size + (size & 1);         /* chunks are padded to an even size */
		if (take > end - i)
			take = end - i;                   /* the last one's padding may be missing */
		if (!memcmp(p + i, "EXIF", 4) || !memcmp(p + i, "XMP ", 4)) {
			if (st)
				st->removed++;
		} else {
			put(o, p + i, take);
		}
		i += take;
	}
	if (!o->full && o->len >= 12 + 8 + 10) {
		o->p[12 + 8] &= (unsigned char)~(VP8X_FLAG_EXIF | VP8X_FLAG_XMP);
		wr32(o->p + 4, (uint32_t)(o->len - 8), 1);
	}
	return 0;                                 /* bytes after the RIFF are dropped */
}

/* ------------------------------------------------------------ dispatch */

int imgmeta_strip(enum imgmeta_format fmt, const void *data, size_t n,
                  unsigned char *out, size_t *out_len, struct imgmeta_stats *stats,
                  struct err *e)
{
	struct out o = {out, 0, n, 0};
	struct imgmeta_stats st = {0, 0};
	int rc;

	if (!data || !out)
		return not_format(e);
	switch (fmt) {
	case IMGMETA_JPEG:
		rc = strip_jpeg(data, n, &o, &st, e);
		break;
	case IMGMETA_PNG:
		rc = strip_png(data, n, &o, &st, e);
		break;
	case IMGMETA_WEBP:
		rc = strip_webp(data, n, &o, &st, e);
		break;
	default:
		return not_format(e);
	}
	if (rc < 0)
		return -1;
	/* Never taken: kept parts are copied at their size or shortened, and
	 * a written-back orientation replaces a block at least as long
	 * (imgmeta_exif_orientation accepts nothing shorter than TIFF_MINIMAL). */
	if (o.full)
		return err_set(e, 500, "photo.bad_image", "照片清理出错", "cleaning the photo overflowed");
	*out_len = o.len;
	if (stats)
		*stats = st;
	return 0;
}
