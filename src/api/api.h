/*
 * api.h - handlers of the JSON API, one file per resource:
 *   api_health.c  GET /healthz, GET /metrics
 *   api_unit.c    the org tree: search, detail, children, GeoJSON, staff
 *   api_locate.c  point -> grid, single and batch
 *   api_user.c    users and their roles (admins)
 *   api_audit.c   the audit log (admins)
 *   api_event.c   grid events: taxonomy, intake, queue, detail, steps
 *   api_photo.c   photos of grid events: upload, download
 *   api_duty.c    command centres' duty rota: now, calendar, gaps, pattern,
 *                 exceptions, swaps, shift log
 *   api_equipment.c  dispatch equipment
 *   api_force.c   forces: positions, lists, nearest, emergency units, volunteers
 *   api_stream.c  the live stream of event changes (Server-Sent Events)
 *   api_kpi.c     KPIs of a unit and period, and their CSV/XLSX export
 *   api_event_reco.c  dispatch recommendations for an event
 *   api_screen.c  the command big screen: one summary per unit
 *   api_display.c wall displays (大屏): create, list, pair, renew, revoke
 * The route table that binds them to paths and roles is routes.c.
 */
#ifndef WG_API_H
#define WG_API_H

#include <stddef.h>
#include "http/http.h"
#include "http/router.h"

extern const struct http_route api_routes[];
extern const size_t api_nroutes;

/* Authentication, role and scope checks before every routed handler (guard.c). */
int api_guard(struct http_req *req);

int api_health_get(struct http_req *req);
int api_metrics_get(struct http_req *req);

int api_unit_search(struct http_req *req);
int api_unit_get(struct http_req *req);
int api_unit_children(struct http_req *req);
int api_unit_geojson(struct http_req *req);
int api_unit_staff(struct http_req *req);

int api_auth_login(struct http_req *req);
int api_auth_logout(struct http_req *req);
int api_auth_logout_all(struct http_req *req);
int api_auth_me(struct http_req *req);
int api_auth_password(struct http_req *req);
int api_auth_tokens(struct http_req *req);
int api_auth_token_create(struct http_req *req);
int api_auth_token_revoke(struct http_req *req);
int api_department_list(struct http_req *req);

int api_user_list(struct http_req *req);
int api_user_create(struct http_req *req);
int api_user_get(struct http_req *req);
int api_user_disable(struct http_req *req);
int api_user_enable(struct http_req *req);
int api_user_password(struct http_req *req);
int api_user_grant(struct http_req *req);
int api_user_revoke(struct http_req *req);

int api_audit_list(struct http_req *req);

int api_event_category_list(struct http_req *req);
int api_event_category_put(struct http_req *req);
int api_event_create(struct http_req *req);
int api_event_list(struct http_req *req);
int api_event_get(struct http_req *req);
int api_event_step(struct http_req *req);
int api_event_import(struct http_req *req);
int api_event_export(struct http_req *req);

int api_locate_get(struct http_req *req);
int api_locate_batch(struct http_req *req);

int api_photo_upload(struct http_req *req);
int api_photo_get(struct http_req *req);
/* command centres (api_duty.c, api_equipment.c, api_force.c) */
int api_duty_now(struct http_req *req);
int api_duty_calendar(struct http_req *req);
int api_duty_gaps(struct http_req *req);
int api_duty_pattern_get(struct http_req *req);
int api_duty_pattern_put(struct http_req *req);
int api_duty_exception_add(struct http_req *req);
int api_duty_exception_delete(struct http_req *req);
int api_duty_swap_list(struct http_req *req);
int api_duty_swap_create(struct http_req *req);
int api_duty_swap_decide(struct http_req *req);
int api_duty_log_list(struct http_req *req);
int api_duty_log_add(struct http_req *req);
int api_duty_people(struct http_req *req);
int api_duty_exception_list(struct http_req *req);

int api_equipment_list(struct http_req *req);
int api_equipment_create(struct http_req *req);
int api_equipment_get(struct http_req *req);
int api_equipment_update(struct http_req *req);
int api_equipment_delete(struct http_req *req);

int api_force_report(struct http_req *req);
int api_force_list(struct http_req *req);
int api_force_nearest(struct http_req *req);
int api_force_eu_list(struct http_req *req);
int api_force_eu_create(struct http_req *req);
int api_force_eu_update(struct http_req *req);
int api_force_eu_delete(struct http_req *req);
int api_force_vol_list(struct http_req *req);
int api_force_vol_create(struct http_req *req);
int api_force_vol_update(struct http_req *req);
int api_force_vol_delete(struct http_req *req);
int api_stream_get(struct http_req *req);
/* KPIs (api_kpi.c) */
int api_kpi_get(struct http_req *req);
int api_kpi_export(struct http_req *req);

/* api_event_reco.c */
int api_event_recommendations(struct http_req *req);
int api_event_contact(struct http_req *req);

/* the command big screen (api_screen.c) */
int api_screen_summary(struct http_req *req);

/* wall displays of the big screen (api_display.c) */
int api_display_list(struct http_req *req);
int api_display_create(struct http_req *req);
int api_display_pairing(struct http_req *req);
int api_display_revoke(struct http_req *req);
int api_display_pair(struct http_req *req);
int api_display_me(struct http_req *req);

#endif
