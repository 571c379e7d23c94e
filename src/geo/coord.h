/*
 * coord.h - conversions between the coordinate systems Chinese maps use.
 *
 *   WGS-84  GPS, what wangge stores (EPSG:4326)
 *   GCJ-02  "Mars coordinates", required on published maps in China (Amap,
 *           Tencent, WeChat's wx.getLocation type 'gcj02', DataV boundaries)
 *   BD-09   Baidu's further offset of GCJ-02
 * Outside mainland China GCJ-02 equals WGS-84. The inverse GCJ-02 → WGS-84
 * is solved by fixed-point iteration to better than 1 cm.
 */
#ifndef WG_COORD_H
#define WG_COORD_H

enum crs { CRS_WGS84 = 0, CRS_GCJ02 = 1, CRS_BD09 = 2 };

/* "wgs84" / "gcj02" / "bd09" (case-insensitive; also "epsg:4326").
 * 0 on success, -1 for an unknown name. */
int crs_parse(const char *s, enum crs *out);
const char *crs_name(enum crs c);

/* True when (lon,lat) lies in the rough box where GCJ-02 applies. */
int coord_in_china(double lon, double lat);

void coord_wgs84_to_gcj02(double lon, double lat, double *olon, double *olat);
void coord_gcj02_to_wgs84(double lon, double lat, double *olon, double *olat);
void coord_gcj02_to_bd09(double lon, double lat, double *olon, double *olat);
void coord_bd09_to_gcj02(double lon, double lat, double *olon, double *olat);

/* Any supported CRS to WGS-84 and back. */
void coord_to_wgs84(enum crs from, double lon, double lat, double *olon, double *olat);
void coord_from_wgs84(enum crs to, double lon, double lat, double *olon, double *olat);

/* Great-circle distance in metres (haversine on a sphere of radius 6371008.8 m). */
double coord_distance_m(double lon1, double lat1, double lon2, double lat2);

#endif
