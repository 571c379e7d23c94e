/*
 * displays.h - wall displays (大屏): a named, read-only credential that
 * keeps the command big screen (/screen) of one unit logged in for months
 * on a wall of a command centre, without anybody's password.
 *
 * Life of a display:
 *   1. an admin or a command officer (DISPLAY_MANAGERS) creates it for a
 *      district, town or community inside their grant ("白云区指挥中心大屏1")
 *      and gets a pairing code once (display_rules.h: 12 characters, valid
 *      DISPLAY_PAIR_HOURS, used once; only its hash is stored);
 *   2. the wall's browser opens /screen#pair=CODE (or types the code):
 *      displays_pair() swaps the code for the display's token "wgd_…"
 *      (32 random bytes, stored as its BLAKE2b hash), which the page keeps
 *      in localStorage;
 *   3. every request of the screen carries the token: displays_session()
 *      makes it a principal of role ROLE_DISPLAY bound to the display's
 *      unit, which only the big screen's read routes admit (routes.c), and
 *      whose live stream frames carry no names or notes (stream_scope.h);
 *   4. the token ends DISPLAY_LIFETIME_DAYS after pairing, after
 *      DISPLAY_IDLE_DAYS without a request, or when revoked. A new pairing
 *      code (displays_new_pairing) renews it: once used, the old token stops
 *      working and the new one runs another DISPLAY_LIFETIME_DAYS.
 * Revoking, and pairing anew, end the display's open live streams at once
 * on every instance (DISPLAY_CHANNEL, app_start_background).
 *
 * Scope: a manager sees and changes the displays whose unit lies inside one
 * of their admin or command grants; others answer 404 display.not_found,
 * like a display that does not exist. Every change is audited in its own
 * transaction: display.create, display.pairing (a new code), display.pair,
 * display.revoke (target display:ID); failed pairings display.pair_failed.
 */
#ifndef WG_DISPLAYS_H
#define WG_DISPLAYS_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>
#include "app/auth.h"
#include "app/orgmodel.h"
#include "domain/display_rules.h"
#include "domain/role.h"
#include "store/store_display.h"

#define DISPLAY_TOKEN_PREFIX "wgd_"
/* The token again, as a cookie the screen page sets for its EventSource
 * (which cannot send headers): Path=/api/v1/screen/stream only. */
#define DISPLAY_COOKIE "wg_display"
#define DISPLAY_MANAGERS (ROLE_ADMIN | ROLE_COMMAND)
#define DISPLAY_CHANNEL "wg_displays"  /* cluster channel: "<id>" or "<id> <tag>", see below */
#define DISPLAY_LIST_MAX 200
#define DISPLAY_PAIR_FREE 10           /* failed pairings per address before a lock … */
#define DISPLAY_PAIR_LOCK 60           /* … of this many seconds, doubling, at most 15 min */

/* Create a display of `unit` named `name` (1–DISPLAY_NAME_MAX bytes of
 * UTF-8, no control characters: 400 field.invalid) with its first pairing
 * code. 404 unit.not_found for a unit outside p's admin/command grants or
 * unknown, 400 display.bad_unit for a unit that is not a district, town or
 * community, 409 display.too_many past DISPLAY_PER_UNIT_MAX live ones.
 * out gets the row, code the pairing code (DISPLAY_CODE_MAX bytes). */
int displays_create(struct db *db, const struct principal *p, const struct org_model *m,
                    const char *name, const char *unit, const char *ip, struct display_rec *out,
                    char code[DISPLAY_CODE_MAX], struct err *e);
/* The displays p may manage, newest first, id < before (0: from the
 * newest), at most limit (1–DISPLAY_LIST_MAX) passed to cb; *next_before
 * is the `before` of the next page, 0 on the last one. */
int displays_list(struct db *db, const struct principal *p, int64_t before, int limit,
                  display_cb cb, void *ctx, int64_t *next_before, struct err *e);
/* A new pairing code for display id (to pair a replaced screen, or to
 * renew one before its lifetime ends). 404 display.not_found outside p's
 * scope or unknown, 409 display.revoked when revoked. */
int displays_new_pairing(struct db *db, const struct principal *p, int64_t id, const char *ip,
                         struct display_rec *out, char code[DISPLAY_CODE_MAX], struct err *e);
/* Revoke display id: its token and any pending code stop working. 404
 * display.not_found outside p's scope or unknown, 409 display.revoked when
 * revoked already. */
int displays_revoke(struct db *db, const struct principal *p, int64_t id, const char *ip,
                    struct display_rec *out, struct err *e);
/* Pair: the code (any form display_code_normalize reads) becomes the
 * display's token (AUTH_TOKEN_MAX bytes). 400 display.bad_code for input
 * that cannot be a code; 404 display.code_not_found for one that is
 * unknown, used, expired or revoked (the same answer for all four); 429
 * auth.locked with the seconds in e->param after too many failures from
 * the address. out and p get the display and its principal. */
int displays_pair(struct db *db, const char *code, const char *ip, const char *user_agent,
                  char token[AUTH_TOKEN_MAX], struct display_rec *out, struct principal *p,
                  struct err *e);
/* The principal of a display token (called by auth_session): 401
 * auth.invalid (unknown or replaced by a new pairing), display.revoked,
 * auth.expired. Refreshes last_seen_at at most once a minute. */
int displays_session(struct db *db, const char *token, struct principal *p, struct err *e);

/* The JSON of a display for its managers (status at now); new reference. */
json_t *displays_json(const struct display_rec *d, const struct org_model *m, time_t now);
/* The JSON a display sees of itself (GET /api/v1/displays/me). */
json_t *displays_self_json(const struct display_rec *d, const struct org_model *m);
/* Status of d at now. */
enum display_status displays_status(const struct display_rec *d, time_t now);

/* DISPLAY_CHANNEL payload ending the live streams of display id: all of
 * them (tag NULL: revoked), or those of other pairings than `tag` (paired
 * anew). out: 64 bytes. */
void displays_end_payload(int64_t id, const char *tag, char out[64]);
/* Parse such a payload: 0, or -1 when malformed. tag: 17 bytes, "" for all. */
int displays_parse_end_payload(const char *payload, int64_t *id, char tag[17]);

/* For a display's caller: keep only `keep` (NULL-terminated key names) of
 * every object of array `arr` (forces and equipment of the screen's
 * layers: names and positions, no phones, notes or stream addresses). */
void displays_reduce(json_t *arr, const char *const *keep);

#endif
