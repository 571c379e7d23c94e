/*
 * jsonx.h - checked access to untrusted JSON (jansson underneath).
 *
 * Every getter validates type, range and length and, on failure, fills the
 * err with 400 and the offending field's name, so a handler can say
 * precisely what was wrong: `field 'lat' must be a number in [-90,90]`.
 * `required` = 0 makes a missing (or null) field leave *out untouched and
 * return 0.
 */
#ifndef WG_JSONX_H
#define WG_JSONX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"

/* Parse len bytes of untrusted JSON; duplicate keys are refused.
 * Returns a new reference (json_decref it) or NULL with err 400 json.malformed. */
json_t *jsonx_parse(const char *s, size_t len, struct err *e);

/* The body must be a JSON object: NULL with 400 json.not_object otherwise. */
json_t *jsonx_parse_object(const char *s, size_t len, struct err *e);

int jsonx_string(json_t *obj, const char *key, int required, size_t maxlen,
                 const char **out, struct err *e);
int jsonx_number(json_t *obj, const char *key, int required, double min, double max,
                 double *out, struct err *e);
int jsonx_int(json_t *obj, const char *key, int required, int64_t min, int64_t max,
              int64_t *out, struct err *e);
/* Array of at most maxlen items; *out is borrowed. */
int jsonx_array(json_t *obj, const char *key, int required, size_t maxlen,
                json_t **out, struct err *e);

/* {"error":{"code":…,"message":…,"message_en":…[,"param":…]}}; new reference. */
json_t *jsonx_error(const struct err *e);

/* Set key to a string, or to null when s is NULL or empty. */
void jsonx_set_str_or_null(json_t *obj, const char *key, const char *s);

#endif
