/*
 * coord.c - WGS-84 / GCJ-02 / BD-09 conversions (see coord.h).
 *
 * The GCJ-02 forward transform is the widely published one (Krasovsky 1940
 * ellipsoid, a = 6378245, ee = 0.00669342162296594323). The inverse iterates
 * w <- w - (gcj(w) - target) until the step is below 1e-10 degrees (~1e-5 m).
 */
#include <math.h>
#include <string.h>
#include <strings.h>
#include "geo/coord.h"
#include "lib/banned.h"

static const double A = 6378245.0;
static const double EE = 0.00669342162296594323;
static const double X_PI = M_PI * 3000.0 / 180.0;

int crs_parse(const char *s, enum crs *out)
{
	if (!s)
		return -1;
	if (!strcasecmp(s, "wgs84") || !strcasecmp(s, "wgs-84") || !strcasecmp(s, "epsg:4326"))
		*out = CRS_WGS84;
	else if (!strcasecmp(s, "gcj02") || !strcasecmp(s, "gcj-02"))
		*out = CRS_GCJ02;
	else if (!strcasecmp(s, "bd09") || !strcasecmp(s, "bd-09"))
		*out = CRS_BD09;
	else
		return -1;
	return 0;
}

const char *crs_name(enum crs c)
{
	return c == CRS_GCJ02 ? "gcj02" : c == CRS_BD09 ? "bd09" : "wgs84";
}

int coord_in_china(double lon, double lat)
{
	return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
}

static double tlat(double x, double y)
{
	double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));
	r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
	r += (20.0 * sin(y * M_PI) + 40.0 * sin(y / 3.0 * M_PI)) * 2.0 / 3.0;
	r += (160.0 * sin(y / 12.0 * M_PI) + 320.0 * sin(y * M_PI / 30.0)) * 2.0 / 3.0;
	return r;
}

static double tlon(double x, double y)
{
	double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));
	r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
	r += (20.0 * sin(x * M_PI) + 40.0 * sin(x / 3.0 * M_PI)) * 2.0 / 3.0;
	r += (150.0 * sin(x / 12.0 * M_PI) + 300.0 * sin(x / 30.0 * M_PI)) * 2.0 / 3.0;
	return r;
}

void coord_wgs84_to_gcj02(double lon, double lat, double *olon, double *olat)
{
	double dlat, dlon, rad, magic, sq;

	if (!coord_in_china(lon, lat)) {
		*olon = lon;
		*olat = lat;
		return;
	}
	dlat = tlat(lon - 105.0, lat - 35.0);
	dlon = tlon(lon - 105.0, lat - 35.0);
	rad = lat / 180.0 * M_PI;
	magic = sin(rad);
	magic = 1 - EE * magic * magic;
	sq = sqrt(magic);
	dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sq) * M_PI);
	dlon = (dlon * 180.0) / (A / sq * cos(rad) * M_PI);
	*olat = lat + dlat;
	*olon = lon + dlon;
}

void coord_gcj02_to_wgs84(double lon, double lat, double *olon, double *olat)
{
	double wlon = lon, wlat = lat, glon, glat;

	if (!coord_in_china(lon, lat)) {
		*olon = lon;
		*olat = lat;
		return;
	}
	for (int i = 0; i < 30; i++) {
		double dx, dy;
		coord_wgs84_to_gcj02(wlon, wlat, &glon, &glat);
		dx = glon - lon;
		dy = glat - lat;
		wlon -= dx;
		wlat -= dy;
		if (fabs(dx) < 1e-10 && fabs(dy) < 1e-10)
			break;
	}
	*olon = wlon;
	*olat = wlat;
}

void coord_gcj02_to_bd09(double lon, double lat, double *olon, double *olat)
{
	double z = sqrt(lon * lon + lat * lat) + 0.00002 * sin(lat * X_PI);
	double t = atan2(lat, lon) + 0.000003 * cos(lon * X_PI);
	*olon = z * cos(t) + 0.0065;
	*olat = z * sin(t) + 0.006;
}

void coord_bd09_to_gcj02(double lon, double lat, double *olon, double *olat)
{
	double x = lon - 0.0065, y = lat - 0.006;
	double z = sqrt(x * x + y * y) - 0.00002 * sin(y * X_PI);
	double t = atan2(y, x) - 0.000003 * cos(x * X_PI);
	*olon = z * cos(t);
	*olat = z * sin(t);
}

void coord_to_wgs84(enum crs from, double lon, double lat, double *olon, double *olat)
{
	double glon, glat;

	switch (from) {
	case CRS_GCJ02:
		coord_gcj02_to_wgs84(lon, lat, olon, olat);
		break;
	case CRS_BD09:
		coord_bd09_to_gcj02(lon, lat, &glon, &glat);
		coord_gcj02_to_wgs84(glon, glat, olon, olat);
		break;
	default:
		*olon = lon;
		*olat = lat;
	}
}

void coord_from_wgs84(enum crs to, double lon, double lat, double *olon, double *olat)
{
	double glon, glat;

	switch (to) {
	case CRS_GCJ02:
		coord_wgs84_to_gcj02(lon, lat, olon, olat);
		break;
	case CRS_BD09:
		coord_wgs84_to_gcj02(lon, lat, &glon, &glat);
		coord_gcj02_to_bd09(glon, glat, olon, olat);
		break;
	default:
		*olon = lon;
		*olat = lat;
	}
}

double coord_distance_m(double lon1, double lat1, double lon2, double lat2)
{
	const double R = 6371008.8, d2r = M_PI / 180.0;
	double dlat = (lat2 - lat1) * d2r, dlon = (lon2 - lon1) * d2r;
	double a = sin(dlat / 2) * sin(dlat / 2) +
	           cos(lat1 * d2r) * cos(lat2 * d2r) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * R * asin(fmin(1.0, sqrt(a)));
}
