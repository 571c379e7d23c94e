/*
 * demo_names.c - PRNG, fictional people, place names, dates and the
 * apportionment behind `wangge demo` (see demo_names.h).
 *
 * Pure functions of the PRNG state: app/demo.c draws from them while it
 * builds the district, and tests can rely on the same seed giving the same
 * names. The character lists are ordinary, common ones; any coincidence with
 * a real person is just that.
 */
#include <stdio.h>
#include <string.h>
#include "domain/demo_names.h"
#include "lib/banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ================================================================ PRNG */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void demo_rng_init(struct demo_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		r->s[0] = 1;
}

uint64_t demo_stream(const char *label)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)label; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return h;
}

uint64_t demo_rng_next(struct demo_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double demo_rng_double(struct demo_rng *r)
{
	return (double)(demo_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Unbiased integer in [0, n) by rejection. */
static uint64_t rng_below(struct demo_rng *r, uint64_t n)
{
	uint64_t limit, x;

	if (n <= 1)
		return 0;
	limit = UINT64_MAX - UINT64_MAX % n;
	do
		x = demo_rng_next(r);
	while (x >= limit);
	return x % n;
}

int demo_rng_range(struct demo_rng *r, int lo, int hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int)rng_below(r, (uint64_t)((int64_t)hi - lo + 1));
}

double demo_rng_uniform(struct demo_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * demo_rng_double(r);
}

/* A character (UTF-8 string) from a list. */
static const char *pick(struct demo_rng *r, const char *const *list, size_t n)
{
	return list[rng_below(r, n)];
}

/* ============================================================== people */

/* Surnames with rough weights: Guangzhou leans towards 陈 黄 李 梁 林. */
static const struct { const char *name; int weight; } surnames[] = {
	{"陈", 90}, {"黄", 60}, {"李", 55}, {"梁", 45}, {"林", 40}, {"张", 40}, {"何", 30},
	{"罗", 28}, {"郭", 22}, {"吴", 22}, {"刘", 30}, {"冯", 18}, {"叶", 18}, {"邓", 18},
	{"谢", 16}, {"钟", 16}, {"郑", 16}, {"周", 15}, {"蔡", 14}, {"王", 25}, {"杨", 18},
	{"曾", 14}, {"潘", 12}, {"卢", 12}, {"谭", 12}, {"麦", 10}, {"关", 9}, {"区", 7},
	{"伍", 8}, {"苏", 10}, {"朱", 10}, {"许", 9}, {"彭", 8}, {"邱", 8}, {"赖", 8},
	{"余", 8}, {"方", 7}, {"莫", 8}, {"江", 7}, {"袁", 7}, {"温", 6}, {"徐", 8},
	{"孙", 6}, {"马", 6}, {"胡", 7}, {"高", 6}, {"唐", 6}, {"姚", 5}, {"欧阳", 3},
	{"司徒", 2},
};

static const char *const given_male[] = {
	"伟", "强", "军", "杰", "涛", "明", "斌", "辉", "鹏", "华", "建", "志", "国", "峰",
	"俊", "文", "浩", "宇", "健", "锋", "荣", "海", "东", "成", "平", "刚", "超", "亮",
	"勇", "波", "坤", "雄", "智", "彬", "晖", "永", "铭", "泽", "锦", "耀", "振", "德",
	"庆", "森", "添", "炜", "毅", "伦",
};

static const char *const given_female[] = {
	"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "洁", "慧", "琳",
	"颖", "倩", "雪", "梅", "丹", "萍", "红", "玉", "秀", "佳", "欣", "怡", "雯", "晓",
	"思", "诗", "淑", "美", "妍", "翠", "凤", "莉", "桂", "珊", "蕾", "琪",
};

/* Given-name characters that suit anyone. */
static const char *const given_any[] = {
	"嘉", "子", "文", "晓", "家", "志", "永", "少", "锦", "惠", "咏", "沛", "卓", "梓",
};

const char *demo_gender_label(enum demo_gender g)
{
	return g == DEMO_FEMALE ? "女" : "男";
}

enum demo_gender demo_gender_pick(struct demo_rng *r, double female_share)
{
	return demo_rng_double(r) < female_share ? DEMO_FEMALE : DEMO_MALE;
}

/* A surname drawn by weight. */
static const char *pick_surname(struct demo_rng *r)
{
	int total = 0, x;

	for (size_t i = 0; i < NELEM(surnames); i++)
		total += surnames[i].weight;
	x = (int)rng_below(r, (uint64_t)total);
	for (size_t i = 0; i < NELEM(surnames); i++) {
		if (x < surnames[i].weight)
			return surnames[i].name;
		x -= surnames[i].weight;
	}
	return surnames[0].name;
}

void demo_person_name(struct demo_rng *r, enum demo_gender g, char *out, size_t n)
{
	const char *const *own = g == DEMO_FEMALE ? given_female : given_male;
	size_t nown = g == DEMO_FEMALE ? NELEM(given_female) : NELEM(given_male);
	const char *sur = pick_surname(r), *a, *b = "";

	if (demo_rng_double(r) < 0.72) {
		/* two characters: the first may be a neutral one, the last fits */
		a = demo_rng_double(r) < 0.35 ? pick(r, given_any, NELEM(given_any)) : pick(r, own, nown);
		do
			b = pick(r, own, nown);
		while (!strcmp(a, b));
	} else {
		a = pick(r, own, nown);
	}
	snprintf(out, n, "%s%s%s", sur, a, b);
}

void demo_phone(uint64_t serial, char *out, size_t n)
{
	serial++;                        /* the first is 139-0000-0001 */
	snprintf(out, n, "139-%04u-%04u", (unsigned)(serial / 10000 % 10000),
	         (unsigned)(serial % 10000));
}

/* ============================================================== places */

static const char *const urban_first[] = {
	"云", "景", "松", "金", "桂", "华", "新", "康", "泰", "明", "嘉", "永", "同", "德",
	"瑞", "祥", "和", "平", "安", "兴", "怡", "荔", "翠", "锦", "鹤", "凤", "龙", "乐",
	"丰", "盛", "宏", "富", "晖", "雅", "柏", "穗", "裕", "恒",
};
static const char *const urban_second[] = {
	"苑", "园", "华", "景", "城", "庭", "峰", "秀", "康", "泰", "安", "和", "兴", "明",
	"湖", "湾", "桥", "心", "阁", "溪", "岭", "坊", "北", "南", "东", "西",
};
static const char *const village_first[] = {
	"大", "小", "新", "东", "西", "南", "北", "上", "下", "黄", "白", "金", "马", "鹤",
	"龙", "凤", "石", "沙", "田", "竹", "松", "榕", "莲", "横", "长", "高", "良", "江",
	"泉", "水", "罗", "陈", "萧", "夏", "蚌", "塘", "岭", "朗", "茶", "槎", "棠", "蓼",
	"鸦", "牛", "冈", "钟", "潭", "井", "秀", "和",
};
static const char *const village_second[] = {
	"岗", "塘", "田", "龙", "沙", "江", "头", "坑", "岭", "湖", "边", "溪", "涌", "围",
	"步", "洲", "坪", "朗", "陂", "庄", "心", "山", "埔", "滘", "墩", "基", "口", "桥",
	"洞", "湾", "井", "亭", "布", "坳",
};

void demo_place_stem(struct demo_rng *r, enum demo_place_style style, char *out, size_t n)
{
	const char *a, *b;

	if (style == DEMO_PLACE_URBAN) {
		a = pick(r, urban_first, NELEM(urban_first));
		do
			b = pick(r, urban_second, NELEM(urban_second));
		while (!strcmp(a, b));
	} else {
		a = pick(r, village_first, NELEM(village_first));
		do
			b = pick(r, village_second, NELEM(village_second));
		while (!strcmp(a, b));
	}
	snprintf(out, n, "%s%s", a, b);
}

static const struct {
	const char *label;
	const char *suffix[3];           /* what the place is called */
	int hh_lo, hh_hi;                /* households living there */
	int rural_weight, urban_weight;  /* how often it turns up */
} specials[DEMO_SPECIAL_COUNT] = {
	[DEMO_SPECIAL_SCHOOL] = {"学校", {"小学", "中学", "实验学校"}, 10, 60, 3, 4},
	[DEMO_SPECIAL_HOSPITAL] = {"医院", {"医院", "人民医院", "中医医院"}, 10, 80, 1, 2},
	[DEMO_SPECIAL_INDUSTRIAL] = {"工业园区", {"工业园", "产业园", "物流园"}, 60, 150, 5, 1},
	[DEMO_SPECIAL_COMMERCIAL] = {"商圈", {"商业广场", "购物中心", "商业街"}, 20, 100, 1, 3},
	[DEMO_SPECIAL_TRANSPORT] = {"交通枢纽", {"地铁站", "客运站", "公交枢纽"}, 10, 30, 1, 1},
	[DEMO_SPECIAL_MARKET] = {"专业市场", {"批发市场", "皮具城", "服装城"}, 30, 150, 2, 3},
};

const char *demo_special_label(enum demo_special s)
{
	return (unsigned)s < DEMO_SPECIAL_COUNT ? specials[s].label : "";
}

enum demo_special demo_special_pick(struct demo_rng *r, int rural)
{
	int total = 0, x;

	for (int i = 0; i < DEMO_SPECIAL_COUNT; i++)
		total += rural ? specials[i].rural_weight : specials[i].urban_weight;
	x = (int)rng_below(r, (uint64_t)total);
	for (int i = 0; i < DEMO_SPECIAL_COUNT; i++) {
		int w = rural ? specials[i].rural_weight : specials[i].urban_weight;
		if (x < w)
			return (enum demo_special)i;
		x -= w;
	}
	return DEMO_SPECIAL_SCHOOL;
}

void demo_special_name(struct demo_rng *r, enum demo_special s, const char *stem,
                       char *out, size_t n)
{
	if ((unsigned)s >= DEMO_SPECIAL_COUNT)
		s = DEMO_SPECIAL_SCHOOL;
	snprintf(out, n, "%s%s专属网格", stem, specials[s].suffix[rng_below(r, 3)]);
}

int demo_special_households(struct demo_rng *r, enum demo_special s)
{
	if ((unsigned)s >= DEMO_SPECIAL_COUNT)
		s = DEMO_SPECIAL_SCHOOL;
	return demo_rng_range(r, specials[s].hh_lo, specials[s].hh_hi);
}

/* =============================================================== dates */

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t demo_days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void demo_date_format(int64_t days, char *out, size_t n)
{
	int64_t z = days + 719468, era, doe, yoe, y, doy, mp, d, m;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	snprintf(out, n, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

/* ======================================================== distribution */

/*
 * Webster's divisor method, one unit at a time: start every part at its
 * minimum, then give each remaining unit to the open part with the largest
 * w / (share + 0.5). Proportional, deterministic, and it respects the
 * bounds. O(total * n), fine for the few thousand units of a district.
 */
int demo_apportion(int total, const double *w, const int *lo, const int *hi, size_t n, int *out)
{
	int64_t sum_lo = 0, sum_hi = 0;
	int left;

	if (n == 0 || total < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		out[i] = lo ? lo[i] : 0;
		sum_lo += out[i];
		sum_hi += hi ? hi[i] : total;
		if (hi && hi[i] < out[i])
			return -1;
	}
	if (sum_lo > total || sum_hi < total)
		return -1;
	for (left = total - (int)sum_lo; left > 0; left--) {
		size_t best = n;
		double best_p = -1;
		for (size_t i = 0; i < n; i++) {
			double p;
			if (hi && out[i] >= hi[i])
				continue;
			p = (w[i] > 0 ? w[i] : 0) / (out[i] + 0.5);
			if (p > best_p) {
				best_p = p;
				best = i;
			}
		}
		if (best == n)
			return -1;
		out[best]++;
	}
	return 0;
}
