/*
 * baiyun.c - Baiyun District's towns and the built-in outline (see baiyun.h).
 *
 * The outline is a coarse trace of the public district boundary, simplified
 * to 43 vertices (about ±1 km) and rounded to 0.001°. It runs from 金沙洲 in
 * the south-west, up the 流溪河 side past 江高 and 人和 to 钟落潭 in the
 * north-east, down the 帽峰山 side to 太和 and 大源, and back west along the
 * 白云山 foot to 三元里. It is enough for the demo to look like Baiyun;
 * `wangge demo --outline FILE` takes the real one.
 *
 * Town centres are rough positions of each street's or town's middle, moved
 * where needed so that each lies inside both this outline and the real one.
 * Community counts follow the real mix: the 20 streets (街道) are urban and
 * have only 社区; the 4 towns (镇) in the rural north are mostly 村.
 */
#include "app/baiyun.h"
#include "lib/banned.h"

const struct baiyun_town baiyun_towns[] = {
	{"440111002", "三元里街道", "街道", 113.262, 23.160, 13, 0},
	{"440111003", "松洲街道", "街道", 113.245, 23.172, 14, 0},
	{"440111004", "景泰街道", "街道", 113.280, 23.168, 15, 0},
	{"440111005", "同德街道", "街道", 113.232, 23.185, 18, 0},
	{"440111006", "黄石街道", "街道", 113.275, 23.197, 13, 0},
	{"440111007", "棠景街道", "街道", 113.262, 23.176, 18, 0},
	{"440111008", "新市街道", "街道", 113.268, 23.186, 13, 0},
	{"440111009", "同和街道", "街道", 113.318, 23.200, 12, 0},
	{"440111010", "京溪街道", "街道", 113.330, 23.185, 12, 0},
	{"440111011", "永平街道", "街道", 113.300, 23.215, 14, 0},
	{"440111012", "嘉禾街道", "街道", 113.278, 23.216, 12, 0},
	{"440111013", "均禾街道", "街道", 113.262, 23.232, 12, 0},
	{"440111014", "石井街道", "街道", 113.220, 23.203, 14, 0},
	{"440111015", "金沙街道", "街道", 113.195, 23.165, 10, 0},
	{"440111016", "云城街道", "街道", 113.255, 23.198, 12, 0},
	{"440111017", "鹤龙街道", "街道", 113.285, 23.235, 13, 0},
	{"440111018", "白云湖街道", "街道", 113.238, 23.232, 12, 0},
	{"440111019", "石门街道", "街道", 113.210, 23.232, 11, 0},
	{"440111020", "龙归街道", "街道", 113.290, 23.258, 13, 0},
	{"440111021", "大源街道", "街道", 113.385, 23.250, 15, 0},
	{"440111103", "人和镇", "镇", 113.290, 23.335, 30, 26},
	{"440111107", "太和镇", "镇", 113.385, 23.305, 34, 26},
	{"440111108", "钟落潭镇", "镇", 113.405, 23.390, 42, 36},
	{"440111113", "江高镇", "镇", 113.215, 23.315, 32, 28},
};
const size_t baiyun_ntowns = sizeof(baiyun_towns) / sizeof(baiyun_towns[0]);

const double baiyun_outline[][2] = {
	{113.207, 23.144}, {113.181, 23.151}, {113.204, 23.195}, {113.172, 23.223},
	{113.171, 23.276}, {113.145, 23.294}, {113.161, 23.360}, {113.200, 23.363},
	{113.209, 23.340}, {113.232, 23.334}, {113.256, 23.348}, {113.254, 23.365},
	{113.262, 23.360}, {113.304, 23.396}, {113.332, 23.390}, {113.377, 23.423},
	{113.395, 23.394}, {113.468, 23.431}, {113.486, 23.423}, {113.493, 23.414},
	{113.455, 23.393}, {113.472, 23.358}, {113.458, 23.340}, {113.501, 23.320},
	{113.490, 23.289}, {113.500, 23.269}, {113.464, 23.244}, {113.437, 23.246},
	{113.444, 23.262}, {113.423, 23.268}, {113.422, 23.242}, {113.407, 23.251},
	{113.400, 23.234}, {113.395, 23.248}, {113.349, 23.229}, {113.343, 23.199},
	{113.328, 23.176}, {113.304, 23.172}, {113.307, 23.160}, {113.262, 23.150},
	{113.235, 23.171}, {113.222, 23.141}, {113.211, 23.153},
};
const size_t baiyun_outline_len = sizeof(baiyun_outline) / sizeof(baiyun_outline[0]);

GEOSGeometry *baiyun_outline_geom(GEOSContextHandle_t h)
{
	GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, (unsigned)baiyun_outline_len + 1, 2);
	GEOSGeometry *ring;

	if (!seq)
		return NULL;
	for (size_t i = 0; i <= baiyun_outline_len; i++) {
		const double *p = baiyun_outline[i % baiyun_outline_len];
		GEOSCoordSeq_setXY_r(h, seq, (unsigned)i, p[0], p[1]);
	}
	if (!(ring = GEOSGeom_createLinearRing_r(h, seq)))
		return NULL;
	return GEOSGeom_createPolygon_r(h, ring, NULL, 0);
}
