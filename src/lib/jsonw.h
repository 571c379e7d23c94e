/*
 * jsonw.h - write JSON text straight into a buffer.
 *
 * For the replies built on the hot path (a report's answer): building a
 * jansson tree and dumping it cost about a third of a report's CPU on the
 * HTTP threads (a malloc per value and key, a hash insert per key, then a
 * walk that escapes each string byte by byte and formats each number with
 * snprintf). The text is the same as json_dumps() gives for the same values
 * with JSON_COMPACT | JSON_REAL_PRECISION(15), the flags of
 * http_reply_json(): keys in the order written, UTF-8 as is, `"` `\` and
 * control characters escaped as jansson escapes them, reals with 15
 * significant digits and always a '.' or an exponent (tests/unit/test_jsonw.c
 * compares the two byte for byte).
 *
 *   struct jsonw w;
 *   jw_init(&w, &buf);
 *   jw_obj(&w); jw_key(&w, "id"); jw_int(&w, 7); jw_obj_end(&w);
 *   if (w.err) ... the buffer's limit was reached or memory ran out
 *
 * Commas are placed by the writer. A string that is not valid UTF-8 is
 * written as null (jansson refuses to make a string of it); so is a real
 * that is not finite.
 */
#ifndef WG_JSONW_H
#define WG_JSONW_H

#include <stdint.h>
#include "lib/buf.h"

struct jsonw {
	struct buf *b;
	int comma;                    /* the next key or value needs a comma first */
	int err;                      /* an append failed: the text is incomplete */
};

void jw_init(struct jsonw *w, struct buf *b);
void jw_obj(struct jsonw *w);
void jw_obj_end(struct jsonw *w);
void jw_arr(struct jsonw *w);
void jw_arr_end(struct jsonw *w);
void jw_key(struct jsonw *w, const char *key);
/* A string; NULL writes null. */
void jw_str(struct jsonw *w, const char *s);
void jw_int(struct jsonw *w, int64_t v);
void jw_real(struct jsonw *w, double v);
void jw_bool(struct jsonw *w, int v);
void jw_null(struct jsonw *w);

#endif
