/*
 * role.h - the roles a route may require (bit flags, so a route can admit
 * several). ROLE_PUBLIC routes need no log-in. Accounts, sessions and the
 * scope check arrive with the accounts issue; until then every route is public.
 */
#ifndef WG_ROLE_H
#define WG_ROLE_H

enum role_flags {
	ROLE_PUBLIC = 0,
};

#endif
