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
	{"GET",  "/api/v1/events/:id",              api_event_get,     ROLE_ANY,    "event.get"},
	{"POST", "/api/v1/events/:id/steps",        api_event_step,    ROLE_ANY,    "event.step"},
	{"POST", "/api/v1/photos",                  api_photo_upload,  ROLE_ANY,    "photo.upload", PHOTO_BYTES_MAX},
	{"GET",  "/api/v1/photos/:sha",             api_photo_get,     ROLE_ANY,    "photo.get"},
	{"GET",  "/api/v1/events/:id/recommendations", api_event_recommendations, ROLE_STAFF, "event.recommendations"},
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
