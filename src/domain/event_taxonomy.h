/*
 * event_taxonomy.h - the default two-level taxonomy of grid events with
 * time limits, seeded into event_category when it is empty. Administrators
 * edit it afterwards (PUT /api/v1/event-categories/:code).
 */
#ifndef WG_EVENT_TAXONOMY_H
#define WG_EVENT_TAXONOMY_H

struct taxon {
	const char *code;          /* "mdjf" level 1, "mdjf.lljf" level 2 */
	const char *name;
	int accept, handle, verify;  /* minutes */
	int weight;                /* share of a typical year's events, per mille (demo) */
};

extern const struct taxon event_taxonomy[];
extern const int event_taxonomy_n;

/* Category code syntax: [a-z]{1,8} or [a-z]{1,8}.[a-z]{1,8}. */
int event_category_code_ok(const char *code);

#endif
