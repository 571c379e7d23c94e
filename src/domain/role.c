/*
 * role.c - role names, labels and where each may be granted (see role.h).
 * Pure functions.
 */
#include <string.h>
#include "domain/role.h"
#include "domain/unit_code.h"
#include "lib/banned.h"

static const struct {
	unsigned flag;
	const char *name, *label;
	unsigned levels;               /* bit (1 << level) of the levels it binds to; bit 0 = department */
} roles[] = {
	{ROLE_ADMIN, "admin", "区管理员", 1u << LEVEL_DISTRICT},
	{ROLE_COMMAND, "command", "指挥中心", (1u << LEVEL_DISTRICT) | (1u << LEVEL_TOWN)},
	{ROLE_STATION_HEAD, "station_head", "站长", 1u << LEVEL_COMMUNITY},
	{ROLE_GRID_LEADER, "grid_leader", "网格长", 1u << LEVEL_AREA},
	{ROLE_GRID_WORKER, "grid_worker", "网格员", 1u << LEVEL_GRID},
	{ROLE_DEPARTMENT, "department", "职能部门", 1u << 0},
	{ROLE_LEADER, "leader", "领导", (1u << LEVEL_DISTRICT) | (1u << LEVEL_TOWN) |
	                                 (1u << LEVEL_COMMUNITY)},
	{ROLE_RESIDENT, "resident", "群众", 1u << LEVEL_DISTRICT},
	/* no levels: never granted (a wall display's credential, app/displays.h) */
	{ROLE_DISPLAY, "display", "大屏", 0},
};
#define NROLES (sizeof(roles) / sizeof(roles[0]))

unsigned role_parse(const char *name)
{
	for (size_t i = 0; name && i < NROLES; i++)
		if (roles[i].levels && !strcmp(name, roles[i].name))
			return roles[i].flag;
	return 0;
}

const char *role_name(unsigned flag)
{
	for (size_t i = 0; i < NROLES; i++)
		if (roles[i].flag == flag)
			return roles[i].name;
	return "";
}

const char *role_label(unsigned flag)
{
	for (size_t i = 0; i < NROLES; i++)
		if (roles[i].flag == flag)
			return roles[i].label;
	return "";
}

int role_level_ok(unsigned flag, int level)
{
	for (size_t i = 0; i < NROLES; i++)
		if (roles[i].flag == flag)
			return level >= 0 && level <= LEVEL_GRID && (roles[i].levels >> level) & 1u;
	return 0;
}
