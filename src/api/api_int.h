/*
 * api_int.h - helpers shared by the API handlers. Private to src/api/.
 */
#ifndef WG_API_INT_H
#define WG_API_INT_H

#include "app/app.h"
#include "geo/coord.h"
#include "http/http.h"

/* The app behind a request. */
static inline struct app *api_app(struct http_req *req) { return req->app; }

/* Query parameter parsers: absent -> default (0 returned); present but bad
 * -> 400 naming the parameter has been replied and -1 returned. */
int api_query_int_or_reply(struct http_req *req, const char *name, long long def,
                           long long min, long long max, long long *out);
int api_query_double_or_reply(struct http_req *req, const char *name, int required,
                              double min, double max, double *out);
int api_query_crs_or_reply(struct http_req *req, enum crs *out);

/* The current org snapshot, or a 503 reply (and NULL) when none is loaded.
 * orgmodel_release() it. */
struct org_model *api_org_or_reply(struct http_req *req);

/* Every event category's name by code ({"csgl.srhj": "市容环境", …}), read
 * from db; NULL with e filled on a database error. json_decref() it. */
struct db;
struct err;
json_t *api_category_names(struct db *db, struct err *e);

#endif
