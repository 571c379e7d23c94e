/*
 * imgmeta.h - removing what a photo says about its owner (EXIF, XMP, IPTC,
 * comments, text chunks, embedded thumbnails) from JPEG, PNG and WebP
 * bytes, keeping what is needed to show the picture as it was taken.
 *
 * A pure function over bytes: no I/O, no allocation. Photos from phones
 * carry the GPS position where they were taken (often the reporter's home),
 * the phone's make, model and serial, owner names and times; the photo
 * store (app/photos.c) runs every upload through imgmeta_strip() before it
 * hashes and stores it, so only the cleaned bytes ever exist on disk.
 *
 *   JPEG  segments before the first SOS: kept are APP0 "JFIF" (its
 *         thumbnail, if any, cut out), APP2 "ICC_PROFILE" (colours),
 *         APP14 "Adobe" (needed to decode CMYK/YCCK) and every segment
 *         that is not APPn or COM (tables, frame header, restart interval).
 *         Removed are APP1 (Exif, XMP), APP13 (IPTC/Photoshop), COM, APP0
 *         other than JFIF (JFXX thumbnails), APP2 other than ICC (MPF,
 *         FlashPix) and APP3..APP15 but Adobe APP14. When the Exif said
 *         the picture is rotated (Orientation 0x0112 = 2..8) a minimal APP1
 *         Exif with that one tag takes its place (same byte order, one IFD0
 *         entry, next IFD 0), so viewers still turn the picture upright.
 *         From SOS on the bytes are copied untouched (the image data, and
 *         whatever follows its EOI).
 *   PNG   chunks eXIf, tEXt, zTXt, iTXt and tIME are removed, all others
 *         kept whole (their CRCs untouched) up to and including IEND;
 *         bytes after IEND are dropped. An eXIf with an Orientation of
 *         2..8 is replaced by a minimal one holding that tag only.
 *   WebP  extended files (first chunk VP8X): chunks EXIF and "XMP " are
 *         removed, their flags (0x08, 0x04) cleared in VP8X and the RIFF
 *         size set to what is left; bytes after the RIFF are dropped.
 *         Simple files (VP8, VP8L) cannot hold metadata: copied as they are.
 *
 * The output is never longer than the input, so the caller gives a buffer
 * of n bytes. The walk is bounds-checked at every step: a segment or chunk
 * running past the end, a missing marker, a JPEG without image data or a
 * PNG without IEND fails with 400 photo.bad_image rather than being
 * half-cleaned. Damaged EXIF (truncated, offsets out of range, garbage) is
 * not an error: it is simply removed, and the picture keeps no orientation.
 *
 *   unsigned char *clean = malloc(n);
 *   size_t len;
 *   if (imgmeta_strip(IMGMETA_JPEG, data, n, clean, &len, NULL, &e) < 0)
 *           ...                         // 400 photo.bad_image, e says why
 */
#ifndef WG_IMGMETA_H
#define WG_IMGMETA_H

#include <stddef.h>
#include "lib/err.h"

enum imgmeta_format {
	IMGMETA_JPEG = 1,
	IMGMETA_PNG,
	IMGMETA_WEBP,
};

/* What imgmeta_strip() did, for logs and tests. */
struct imgmeta_stats {
	unsigned removed;         /* segments or chunks removed (a JFIF thumbnail counts) */
	int orientation;          /* EXIF orientation written back (2..8), 0: none */
};

/* Copy the n bytes at data, an image of format fmt, to out without its
 * metadata (see above). out has room for n bytes and must not overlap
 * data; *out_len receives the length written (<= n). stats may be NULL.
 * 0, or -1 with 400 photo.bad_image (the image cannot be walked safely;
 * the message says where) or 415 photo.bad_type (not of format fmt at
 * all); out then holds nothing useful. */
int imgmeta_strip(enum imgmeta_format fmt, const void *data, size_t n,
                  unsigned char *out, size_t *out_len, struct imgmeta_stats *stats,
                  struct err *e);

/* The orientation an EXIF block gives (its TIFF header onwards: "II*\0" or
 * "MM\0*", IFD0 offset, IFD0): 1..8, or 0 when the block is damaged, has no
 * Orientation tag in IFD0 or an invalid value. Reads only the n bytes. */
int imgmeta_exif_orientation(const unsigned char *tiff, size_t n);

#endif
