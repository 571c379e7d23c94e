/*
 * geos_ctx.h - one GEOS context per thread (GEOS C API `_r` functions).
 *
 * geo_ctx() returns the calling thread's handle, creating it on first use
 * and destroying it when the thread exits. GEOS notices and errors are kept
 * per thread; geo_last_error() returns the latest, for error messages.
 */
#ifndef WG_GEOS_CTX_H
#define WG_GEOS_CTX_H

#include <geos_c.h>

GEOSContextHandle_t geo_ctx(void);
/* Latest GEOS error message of this thread, or "". */
const char *geo_last_error(void);

#endif
