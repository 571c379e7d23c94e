/*
 * unit_code.c - levels and the code scheme of org units (see unit_code.h).
 * Pure functions: no I/O.
 */
#include <stdio.h>
#include <string.h>
#include "domain/unit_code.h"
#include "lib/str.h"
#include "lib/banned.h"

static const struct {
	size_t len;           /* code length at this level */
	int serial_digits;    /* digits a child adds */
	const char *name, *label;
} levels[] = {
	[LEVEL_NONE] = {0, 0, "", ""},
	[LEVEL_DISTRICT] = {6, 3, "district", "区"},
	[LEVEL_TOWN] = {9, 3, "town", "镇街"},
	[LEVEL_COMMUNITY] = {12, 2, "community", "村社区"},
	[LEVEL_AREA] = {14, 2, "area", "片区"},
	[LEVEL_GRID] = {16, 0, "grid", "网格"},
};

enum unit_level unit_code_level(const char *code)
{
	size_t len;

	if (!code)
		return LEVEL_NONE;
	len = strlen(code);
	for (size_t i = 0; i < len; i++)
		if (code[i] < '0' || code[i] > '9')
			return LEVEL_NONE;
	/* a district code is a GB/T 2260 county code: not ending in 00 */
	for (int l = LEVEL_DISTRICT; l <= LEVEL_GRID; l++)
		if (levels[l].len == len)
			return (l == LEVEL_DISTRICT && !strcmp(code + 4, "00")) ? LEVEL_NONE : (enum unit_level)l;
	return LEVEL_NONE;
}

int unit_code_check(const char *code, const char *param, struct err *e)
{
	if (unit_code_level(code) == LEVEL_NONE)
		return err_set_param(e, 400, "unit.bad_code", param,
		                     "单位编码 '%.32s' 无效：应为 6/9/12/14/16 位数字",
		                     "invalid unit code '%.32s': 6, 9, 12, 14 or 16 digits expected",
		                     code ? code : "");
	return 0;
}

int unit_code_parent(const char *code, char *out, size_t n)
{
	enum unit_level l = unit_code_level(code);

	if (l == LEVEL_NONE || n <= levels[l].len)
		return -1;
	if (l == LEVEL_DISTRICT) {
		out[0] = '\0';
		return 0;
	}
	memcpy(out, code, levels[l - 1].len);
	out[levels[l - 1].len] = '\0';
	return 0;
}

int unit_code_child(const char *parent, int serial, char *out, size_t n)
{
	enum unit_level l = unit_code_level(parent);
	int digits, max = 1;

	if (l == LEVEL_NONE || l == LEVEL_GRID)
		return -1;
	digits = levels[l].serial_digits;
	for (int i = 0; i < digits; i++)
		max *= 10;
	if (serial < 1 || serial >= max || n <= levels[l + 1].len)
		return -1;
	snprintf(out, n, "%s%0*d", parent, digits, serial);
	return 0;
}

int unit_code_under(const char *code, const char *root)
{
	/* both must be codes: a bare prefix check would put everything under
	 * "" and "4401110020010103x" under its grid (scope checks rely on this) */
	return unit_code_level(code) != LEVEL_NONE && unit_code_level(root) != LEVEL_NONE &&
	       str_starts_with(code, root);
}

int unit_code_dept_district(const char *dept, char *out, size_t n)
{
	size_t dash;

	if (!dept || !n)
		return -1;
	dash = strcspn(dept, "-");
	if (!dept[dash] || dash + 1 > n) {
		out[0] = '\0';
		return -1;
	}
	memcpy(out, dept, dash);
	out[dash] = '\0';
	if (unit_code_level(out) != LEVEL_DISTRICT) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

const char *unit_level_name(enum unit_level l)
{
	return (l >= LEVEL_DISTRICT && l <= LEVEL_GRID) ? levels[l].name : "";
}

const char *unit_level_label(enum unit_level l)
{
	return (l >= LEVEL_DISTRICT && l <= LEVEL_GRID) ? levels[l].label : "";
}

enum unit_level unit_level_parse(const char *s)
{
	for (int l = LEVEL_DISTRICT; l <= LEVEL_GRID; l++)
		if (s && !strcmp(s, levels[l].name))
			return (enum unit_level)l;
	return LEVEL_NONE;
}

int unit_kind_valid(enum unit_level l, const char *kind)
{
	static const char *const kinds[][3] = {
		[LEVEL_DISTRICT] = {"区", "县", "县级市"},
		[LEVEL_TOWN] = {"街道", "镇", "乡"},
		[LEVEL_COMMUNITY] = {"社区", "村", NULL},
		[LEVEL_AREA] = {"片区", NULL, NULL},
		[LEVEL_GRID] = {"网格", NULL, NULL},
	};
	if (l < LEVEL_DISTRICT || l > LEVEL_GRID || !kind)
		return 0;
	for (int i = 0; i < 3; i++)
		if (kinds[l][i] && !strcmp(kinds[l][i], kind))
			return 1;
	return 0;
}

const char *unit_kind_default(enum unit_level l)
{
	static const char *const d[] = {"", "区", "街道", "社区", "片区", "网格"};
	return (l >= LEVEL_DISTRICT && l <= LEVEL_GRID) ? d[l] : "";
}
