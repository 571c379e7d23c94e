/*
 * hotline.h - 12345 hotline work orders in bulk: a CSV file as the hotline
 * platform exports it becomes grid events of source `hotline`, each
 * keeping its work-order number (docs/events.md, "Sources").
 *
 * Columns, by header name (Chinese or English, any order; others ignored):
 *   工单编号 external_id   required, unique per work order
 *   事件类别 category      a level-2 code (csgl.srhj) or its name (市容环境)
 *   诉求内容 description   required
 *   经度 lon, 纬度 lat     required
 *   坐标系 crs             wgs84 (default), gcj02, bd09
 *   标题 title, 地址 address, 紧急程度 urgency (一般/紧急/特急), 来电人 caller,
 *   联系电话 phone         optional
 *
 * The whole file is checked first: any bad row (with its line number) and
 * nothing is written. That includes a work order whose point lies outside
 * the importer's reach (上报范围, events_place_check: a town dispatcher
 * imports their town's orders; the CLI operator holds the district). Work orders already taken are skipped, so importing
 * the same file twice is harmless. Each order then becomes one event in
 * its own transaction, as if reported through the API.
 */
#ifndef WG_HOTLINE_H
#define WG_HOTLINE_H

#include <jansson.h>
#include <stddef.h>
#include "app/app.h"
#include "app/auth.h"

#define HOTLINE_MAX_ROWS 10000

/* Import; *report = {"created": n, "skipped": [...], "events": [...]}.
 * 400 csv.invalid with e->param = the first bad line and *report =
 * {"errors": [{line, field, code, message}]} when the file does not check
 * out; 403 event.out_of_scope with e->param = the first line out of the
 * caller's reach and the same errors (those rows carry the code
 * event.out_of_scope) when any row lies outside it, whatever else is
 * wrong. The caller owns *report either way. */
int hotline_import(struct app *a, const struct principal *p, const char *csv, size_t len,
                   const char *ip, json_t **report, struct err *e);

#endif
