/*
 * stream_scope.c - the live stream's row filter (see stream_scope.h).
 * Called for every row and every connected client, so it only compares
 * strings: no allocation, no look-ups.
 */
#include <string.h>
#include "domain/stream_scope.h"
#include "domain/unit_code.h"
#include "lib/str.h"
#include "lib/banned.h"

int stream_scope_add_unit(struct stream_scope *s, const char *code)
{
	if (!code || strlen(code) >= STREAM_CODE_MAX || unit_code_level(code) == LEVEL_NONE)
		return -1;
	for (int i = 0; i < s->nunits; i++)
		if (unit_code_under(code, s->units[i]))
			return 0;                 /* already covered */
	/* drop roots the new one covers */
	for (int i = 0; i < s->nunits;) {
		if (unit_code_under(s->units[i], code)) {
			memmove(s->units[i], s->units[s->nunits - 1], STREAM_CODE_MAX);
			s->nunits--;
		} else {
			i++;
		}
	}
	if (s->nunits >= STREAM_SCOPE_MAX)
		return -1;
	str_copy(s->units[s->nunits++], STREAM_CODE_MAX, code);
	return 0;
}

int stream_scope_add_dept(struct stream_scope *s, const char *code)
{
	if (!code || !*code || strlen(code) >= STREAM_CODE_MAX)
		return -1;
	for (int i = 0; i < s->ndepts; i++)
		if (!strcmp(s->depts[i], code))
			return 0;
	if (s->ndepts >= STREAM_SCOPE_MAX)
		return -1;
	str_copy(s->depts[s->ndepts++], STREAM_CODE_MAX, code);
	return 0;
}

enum stream_view stream_scope_view(const struct stream_scope *s, const char *grid_code,
                                   const char *dept_code, int public_step, int64_t reporter_id)
{
	if (grid_code)
		for (int i = 0; i < s->nunits; i++)
			if (unit_code_under(grid_code, s->units[i]))
				return s->display ? STREAM_VIEW_DISPLAY : STREAM_VIEW_FULL;
	if (dept_code && *dept_code)
		for (int i = 0; i < s->ndepts; i++)
			if (!strcmp(dept_code, s->depts[i]))
				return STREAM_VIEW_FULL;
	if (s->reporter_id && public_step && reporter_id == s->reporter_id)
		return STREAM_VIEW_PUBLIC;
	return STREAM_VIEW_NONE;
}
