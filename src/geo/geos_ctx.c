/*
 * geos_ctx.c - per-thread GEOS context handles (see geos_ctx.h).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include "geo/geos_ctx.h"
#include "lib/banned.h"

static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static _Thread_local char last_error[256];
static _Thread_local GEOSContextHandle_t tl_ctx;

static void ctx_destroy(void *p)
{
	GEOS_finish_r((GEOSContextHandle_t)p);
}

static void ctx_key_init(void)
{
	pthread_key_create(&ctx_key, ctx_destroy);
}

static void on_error(const char *msg, void *userdata)
{
	snprintf(last_error, sizeof(last_error), "%s", msg);
}

static void on_notice(const char *msg, void *userdata)
{
}

GEOSContextHandle_t geo_ctx(void)
{
	if (tl_ctx)
		return tl_ctx;
	pthread_once(&ctx_once, ctx_key_init);
	tl_ctx = GEOS_init_r();
	GEOSContext_setErrorMessageHandler_r(tl_ctx, on_error, NULL);
	GEOSContext_setNoticeMessageHandler_r(tl_ctx, on_notice, NULL);
	pthread_setspecific(ctx_key, tl_ctx);
	return tl_ctx;
}

const char *geo_last_error(void)
{
	return last_error;
}
