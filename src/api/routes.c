/*
 * routes.c - the route table: every endpoint, the role it needs and its
 * stable name. How to add a row: see src/http/router.h.
 */
#include "api/api.h"
#include "app/photos.h"
#include "domain/role.h"
#include "lib/banned.h"

const struct http_route api_routes[] = {
	{"GET",  "/healthz",                        api_health_get,    ROLE_PUBLIC, "healthz"},
	{"GET",  "/metrics",                        api_metrics_get,   ROLE_PUBLIC, "metrics"},
	{"GET",  "/api/v1/units",                   api_unit_search,   ROLE_PUBLIC, "unit.search"},
	{"GET",  "/api/v1/units/:code",             api_unit_get,      ROLE_PUBLIC, "unit.get"},
	{"GET",  "/api/v1/units/:code/children",    api_unit_children, ROLE_PUBLIC, "unit.children"},
	{"GET",  "/api/v1/units/:code/geojson",     api_unit_geojson,  ROLE_PUBLIC, "unit.geojson"},
	{"GET",  "/api/v1/units/:code/staff",       api_unit_staff,    ROLE_STAFF,  "unit.staff"},
	{"GET",  "/api/v1/locate",                  api_locate_get,    ROLE_PUBLIC, "locate"},
	{"POST", "/api/v1/locate/batch",            api_locate_batch,  ROLE_PUBLIC, "locate.batch"},

	{"POST", "/api/v1/auth/login",              api_auth_login,        ROLE_PUBLIC, "auth.login"},
	{"POST", "/api/v1/auth/logout",             api_auth_logout,       ROLE_ANY,    "auth.logout"},
	{"POST", "/api/v1/auth/logout-all",         api_auth_logout_all,   ROLE_ANY,    "auth.logout_all"},
	{"GET",  "/api/v1/auth/me",                 api_auth_me,           ROLE_ANY,    "auth.me"},
	{"POST", "/api/v1/auth/password",           api_auth_password,     ROLE_ANY,    "auth.password"},
	{"GET",  "/api/v1/auth/tokens",             api_auth_tokens,       ROLE_STAFF,  "auth.tokens"},
	{"POST", "/api/v1/auth/tokens",             api_auth_token_create, ROLE_STAFF,  "auth.token_create"},
	{"DELETE", "/api/v1/auth/tokens/:id",       api_auth_token_revoke, ROLE_STAFF,  "auth.token_revoke"},
	{"GET",  "/api/v1/departments",             api_department_list,   ROLE_STAFF,  "department.list"},

	{"GET",  "/api/v1/users",                   api_user_list,     ROLE_ADMIN,  "user.list"},
	{"POST", "/api/v1/users",                   api_user_create,   ROLE_ADMIN,  "user.create"},
	{"GET",  "/api/v1/users/:id",               api_user_get,      ROLE_ADMIN,  "user.get"},
	{"POST", "/api/v1/users/:id/disable",       api_user_disable,  ROLE_ADMIN,  "user.disable"},
	{"POST", "/api/v1/users/:id/enable",        api_user_enable,   ROLE_ADMIN,  "user.enable"},
	{"POST", "/api/v1/users/:id/password",      api_user_password, ROLE_ADMIN,  "user.password"},
	{"POST", "/api/v1/users/:id/grants",        api_user_grant,    ROLE_ADMIN,  "user.grant"},
	{"DELETE", "/api/v1/users/:id/grants/:grant", api_user_revoke, ROLE_ADMIN,  "user.revoke"},
	{"GET",  "/api/v1/audit",                   api_audit_list,    ROLE_ADMIN,  "audit.list"},

	{"GET",  "/api/v1/event-categories",        api_event_category_list, ROLE_ANY,   "event_category.list"},
	{"PUT",  "/api/v1/event-categories/:cat",   api_event_category_put,  ROLE_ADMIN, "event_category.put"},
	{"POST", "/api/v1/events",                  api_event_create,  ROLE_ANY,    "event.create"},
	{"GET",  "/api/v1/events",                  api_event_list,    ROLE_ANY,    "event.list"},
	{"GET",  "/api/v1/events/export",           api_event_export,  ROLE_STAFF,  "event.export"},
	{"GET",  "/api/v1/events/:id",              api_event_get,     ROLE_ANY,    "event.get"},
	{"POST", "/api/v1/events/:id/steps",        api_event_step,    ROLE_ANY,    "event.step"},
	{"POST", "/api/v1/events/import",           api_event_import,  ROLE_COMMAND | ROLE_ADMIN, "event.import", 8 * 1024 * 1024},
	{"POST", "/api/v1/photos",                  api_photo_upload,  ROLE_ANY,    "photo.upload", PHOTO_BYTES_MAX},
	{"GET",  "/api/v1/photos/:sha",             api_photo_get,     ROLE_ANY,    "photo.get"},
	/* command centres: duty rota, equipment, forces (docs/command-centre.md) */
	{"GET",  "/api/v1/duty/now",                api_duty_now,          ROLE_STAFF,   "duty.now"},
	{"GET",  "/api/v1/duty/calendar",           api_duty_calendar,     ROLE_STAFF,   "duty.calendar"},
	{"GET",  "/api/v1/duty/gaps",               api_duty_gaps,         ROLE_STAFF,   "duty.gaps"},
	{"GET",  "/api/v1/duty/centres/:code/pattern", api_duty_pattern_get, ROLE_ADMIN | ROLE_COMMAND | ROLE_LEADER, "duty.pattern_get"},
	{"PUT",  "/api/v1/duty/centres/:code/pattern", api_duty_pattern_put, ROLE_ADMIN | ROLE_COMMAND, "duty.pattern_set"},
	{"POST", "/api/v1/duty/centres/:code/exceptions", api_duty_exception_add, ROLE_ADMIN | ROLE_COMMAND, "duty.exception_add"},
	{"DELETE", "/api/v1/duty/centres/:code/exceptions/:id", api_duty_exception_delete, ROLE_ADMIN | ROLE_COMMAND, "duty.exception_delete"},
	{"GET",  "/api/v1/duty/swaps",              api_duty_swap_list,    ROLE_STAFF,   "duty.swap_list"},
	{"POST", "/api/v1/duty/swaps",              api_duty_swap_create,  ROLE_STAFF,   "duty.swap_create"},
	{"POST", "/api/v1/duty/swaps/:id/decision", api_duty_swap_decide,  ROLE_COMMAND, "duty.swap_decide"},
	{"GET",  "/api/v1/duty/log",                api_duty_log_list,     ROLE_STAFF,   "duty.log_list"},
	{"POST", "/api/v1/duty/log",                api_duty_log_add,      ROLE_STAFF,   "duty.log_add"},
	{"GET",  "/api/v1/duty/people",             api_duty_people,       ROLE_STAFF,   "duty.people"},
	{"GET",  "/api/v1/duty/exceptions",         api_duty_exception_list, ROLE_STAFF, "duty.exception_list"},

	{"GET",  "/api/v1/equipment",               api_equipment_list,    ROLE_STAFF | ROLE_DISPLAY, "equipment.list"},
	{"POST", "/api/v1/equipment",               api_equipment_create,  ROLE_ADMIN | ROLE_COMMAND, "equipment.create"},
	{"GET",  "/api/v1/equipment/:id",           api_equipment_get,     ROLE_STAFF,   "equipment.get"},
	{"PUT",  "/api/v1/equipment/:id",           api_equipment_update,  ROLE_ADMIN | ROLE_COMMAND, "equipment.update"},
	{"DELETE", "/api/v1/equipment/:id",         api_equipment_delete,  ROLE_ADMIN | ROLE_COMMAND, "equipment.delete"},

	{"POST", "/api/v1/forces/me/position",      api_force_report,      ROLE_GRID_WORKER | ROLE_GRID_LEADER | ROLE_STATION_HEAD, "force.report"},
	{"GET",  "/api/v1/forces",                  api_force_list,        ROLE_STAFF | ROLE_DISPLAY, "force.list"},
	{"GET",  "/api/v1/forces/nearest",          api_force_nearest,     ROLE_STAFF,   "force.nearest"},
	{"GET",  "/api/v1/forces/emergency-units",  api_force_eu_list,     ROLE_STAFF,   "force.eu_list"},
	{"POST", "/api/v1/forces/emergency-units",  api_force_eu_create,   ROLE_ADMIN | ROLE_COMMAND, "force.eu_create"},
	{"PUT",  "/api/v1/forces/emergency-units/:id", api_force_eu_update, ROLE_ADMIN | ROLE_COMMAND, "force.eu_update"},
	{"DELETE", "/api/v1/forces/emergency-units/:id", api_force_eu_delete, ROLE_ADMIN | ROLE_COMMAND, "force.eu_delete"},
	{"GET",  "/api/v1/forces/volunteers",       api_force_vol_list,    ROLE_STAFF,   "force.volunteer_list"},
	{"POST", "/api/v1/forces/volunteers",       api_force_vol_create,  ROLE_ADMIN | ROLE_COMMAND, "force.volunteer_create"},
	{"PUT",  "/api/v1/forces/volunteers/:id",   api_force_vol_update,  ROLE_ADMIN | ROLE_COMMAND, "force.volunteer_update"},
	{"DELETE", "/api/v1/forces/volunteers/:id", api_force_vol_delete,  ROLE_ADMIN | ROLE_COMMAND, "force.volunteer_delete"},
	{"GET",  "/api/v1/stream",                  api_stream_get,    ROLE_ANY | ROLE_DISPLAY, "stream"},
	/* KPIs (api_kpi.c): the unit is a query parameter, scope-checked by the handler */
	{"GET",  "/api/v1/kpi",                     api_kpi_get,       ROLE_TERRITORIAL, "kpi.get"},
	{"GET",  "/api/v1/kpi/export",              api_kpi_export,    ROLE_TERRITORIAL, "kpi.export"},
	{"GET",  "/api/v1/events/:id/recommendations", api_event_recommendations, ROLE_STAFF, "event.recommendations"},
	/* the reporter's phone in full, to call them back: who handles events,
	 * not administrators or read-only leaders; recorded as pii.read */
	{"GET",  "/api/v1/events/:id/contact",      api_event_contact, ROLE_COMMAND | ROLE_STATION_HEAD | ROLE_GRID_LEADER | ROLE_GRID_WORKER | ROLE_DEPARTMENT, "event.contact"},
	/* the command big screen (docs/api.md, "Big screen"); a wall display
	 * (ROLE_DISPLAY) may call only these reads, the stream, and the camera
	 * and force layers above (reduced to names and positions) */
	{"GET",  "/api/v1/screen/summary",          api_screen_summary, ROLE_ADMIN | ROLE_COMMAND | ROLE_LEADER | ROLE_DISPLAY, "screen.summary"},
	/* the live stream again, on the one path a wall display's cookie is sent to */
	{"GET",  "/api/v1/screen/stream",           api_stream_get,     ROLE_ADMIN | ROLE_COMMAND | ROLE_LEADER | ROLE_DISPLAY, "screen.stream"},
	/* wall displays (docs/api.md, "Wall displays") */
	{"GET",  "/api/v1/displays",                api_display_list,    ROLE_ADMIN | ROLE_COMMAND, "display.list"},
	{"POST", "/api/v1/displays",                api_display_create,  ROLE_ADMIN | ROLE_COMMAND, "display.create"},
	{"POST", "/api/v1/displays/pair",           api_display_pair,    ROLE_PUBLIC,  "display.pair"},
	{"GET",  "/api/v1/displays/me",             api_display_me,      ROLE_DISPLAY, "display.me"},
	{"POST", "/api/v1/displays/:id/pairing",    api_display_pairing, ROLE_ADMIN | ROLE_COMMAND, "display.pairing"},
	{"POST", "/api/v1/displays/:id/revoke",     api_display_revoke,  ROLE_ADMIN | ROLE_COMMAND, "display.revoke"},
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
