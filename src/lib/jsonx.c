/*
 * jsonx.c - checked access to untrusted JSON (see jsonx.h).
 */
#include <math.h>
#include <string.h>
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/banned.h"

json_t *jsonx_parse(const char *s, size_t len, struct err *e)
{
	json_error_t je;
	json_t *j;

	if (!s || len == 0) {
		err_set(e, 400, "json.empty", "请求体为空，需要 JSON", "request body is empty, JSON expected");
		return NULL;
	}
	j = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		err_set(e, 400, "json.malformed", "JSON 格式错误（第 %d 行第 %d 列）：%s",
		        "malformed JSON at line %d column %d: %s", je.line, je.column, je.text);
	return j;
}

json_t *jsonx_parse_object(const char *s, size_t len, struct err *e)
{
	json_t *j = jsonx_parse(s, len, e);
	if (j && !json_is_object(j)) {
		json_decref(j);
		err_set(e, 400, "json.not_object", "请求体必须是 JSON 对象", "request body must be a JSON object");
		return NULL;
	}
	return j;
}

static json_t *field(json_t *obj, const char *key, int required, struct err *e, int *missing)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	*missing = !v || json_is_null(v);
	if (*missing && required)
		err_set_param(e, 400, "field.missing", key, "缺少字段 '%s'", "missing field '%s'", key);
	return v;
}

int jsonx_string(json_t *obj, const char *key, int required, size_t maxlen,
                 const char **out, struct err *e)
{
	int missing;
	json_t *v = field(obj, key, required, e, &missing);
	size_t len;

	if (missing)
		return required ? -1 : 0;
	if (!json_is_string(v))
		return err_set_param(e, 400, "field.type", key, "字段 '%s' 必须是字符串",
		                     "field '%s' must be a string", key);
	len = json_string_length(v);
	if (len > maxlen)
		return err_set_param(e, 400, "field.too_long", key, "字段 '%s' 超过 %zu 字节",
		                     "field '%s' is longer than %zu bytes", key, maxlen);
	if (memchr(json_string_value(v), '\0', len))
		return err_set_param(e, 400, "field.invalid", key, "字段 '%s' 含有空字符",
		                     "field '%s' contains a NUL character", key);
	*out = json_string_value(v);
	return 0;
}

int jsonx_number(json_t *obj, const char *key, int required, double min, double max,
                 double *out, struct err *e)
{
	int missing;
	json_t *v = field(obj, key, required, e, &missing);
	double d;

	if (missing)
		return required ? -1 : 0;
	if (!json_is_number(v))
		return err_set_param(e, 400, "field.type", key, "字段 '%s' 必须是数字",
		                     "field '%s' must be a number", key);
	d = json_number_value(v);
	if (!isfinite(d) || d < min || d > max)
		return err_set_param(e, 400, "field.range", key, "字段 '%s' 必须在 [%g, %g] 之间",
		                     "field '%s' must be in [%g, %g]", key, min, max);
	*out = d;
	return 0;
}

int jsonx_int(json_t *obj, const char *key, int required, int64_t min, int64_t max,
              int64_t *out, struct err *e)
{
	int missing;
	json_t *v = field(obj, key, required, e, &missing);
	json_int_t i;

	if (missing)
		return required ? -1 : 0;
	if (!json_is_integer(v))
		return err_set_param(e, 400, "field.type", key, "字段 '%s' 必须是整数",
		                     "field '%s' must be an integer", key);
	i = json_integer_value(v);
	if (i < min || i > max)
		return err_set_param(e, 400, "field.range", key, "字段 '%s' 必须在 [%lld, %lld] 之间",
		                     "field '%s' must be in [%lld, %lld]", key,
		                     (long long)min, (long long)max);
	*out = i;
	return 0;
}

int jsonx_array(json_t *obj, const char *key, int required, size_t maxlen,
                json_t **out, struct err *e)
{
	int missing;
	json_t *v = field(obj, key, required, e, &missing);

	if (missing)
		return required ? -1 : 0;
	if (!json_is_array(v))
		return err_set_param(e, 400, "field.type", key, "字段 '%s' 必须是数组",
		                     "field '%s' must be an array", key);
	if (json_array_size(v) > maxlen)
		return err_set_param(e, 413, "field.too_many", key, "字段 '%s' 最多 %zu 项",
		                     "field '%s' has more than %zu items", key, maxlen);
	*out = v;
	return 0;
}

json_t *jsonx_error(const struct err *e)
{
	json_t *inner = json_pack("{s:s, s:s, s:s}",
	                          "code", e->code[0] ? e->code : "internal",
	                          "message", e->msg[0] ? e->msg : "内部错误",
	                          "message_en", e->msg_en[0] ? e->msg_en : "internal error");
	if (inner && e->param[0])
		json_object_set_new(inner, "param", json_string(e->param));
	return json_pack("{s:o}", "error", inner);
}

void jsonx_set_str_or_null(json_t *obj, const char *key, const char *s)
{
	json_object_set_new(obj, key, s && *s ? json_string(s) : json_null());
}
