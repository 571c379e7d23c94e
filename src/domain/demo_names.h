/*
 * demo_names.h - the pure ingredients of the demo district: a seeded PRNG,
 * fictional people (names, genders, phone numbers), place names for
 * communities and 专属网格, calendar dates, and the apportionment that
 * spreads a fixed total over weighted parts.
 *
 * Nothing here does I/O or touches geometry; everything is a function of
 * the PRNG state, so the same seed gives the same district (never rand()).
 * The people are invented: names are random surname + given-name draws and
 * every phone number lies in the 139-0000-xxxx block, which reads as fake.
 */
#ifndef WG_DEMO_NAMES_H
#define WG_DEMO_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* xoshiro256** (Blackman & Vigna), seeded through splitmix64. */
struct demo_rng {
	uint64_t s[4];                   /* state, never all zero */
};

/* Seed r from (seed, stream): different streams give independent sequences,
 * so one part of the demo can change without shifting every other part. */
void demo_rng_init(struct demo_rng *r, uint64_t seed, uint64_t stream);
/* A stream number from a label such as "staff" or a unit code (FNV-1a). */
uint64_t demo_stream(const char *label);
uint64_t demo_rng_next(struct demo_rng *r);
/* Uniform double in [0, 1). */
double demo_rng_double(struct demo_rng *r);
/* Uniform integer in [lo, hi] (inclusive; lo when hi < lo). */
int demo_rng_range(struct demo_rng *r, int lo, int hi);
/* Uniform double in [lo, hi). */
double demo_rng_uniform(struct demo_rng *r, double lo, double hi);

/* ------------------------------------------------------------- people */

enum demo_gender { DEMO_MALE = 0, DEMO_FEMALE = 1 };

/* 男 / 女 */
const char *demo_gender_label(enum demo_gender g);
/* Female with probability female_share. */
enum demo_gender demo_gender_pick(struct demo_rng *r, double female_share);
/* A plausible Chinese name (surname weighted towards common and Cantonese
 * ones, one or two given-name characters fitting the gender) into out. */
void demo_person_name(struct demo_rng *r, enum demo_gender g, char *out, size_t n);
/* The phone number of person number `serial` (0-based): "139-0000-0001",
 * "139-0000-0002" …, a reserved-looking block so nobody mistakes it for a
 * real number. Unique for serial < 99,999,999. */
void demo_phone(uint64_t serial, char *out, size_t n);

/* --------------------------------------------------------------- places */

enum demo_place_style {
	DEMO_PLACE_URBAN = 0,            /* 社区 of a 街道: 云苑, 景泰, 松华 */
	DEMO_PLACE_VILLAGE = 1,          /* 村: 龙塘, 黄边, 石湖 */
};

/* A two-character place stem (no repeated character) into out. Callers
 * that need unique names draw again on a collision. */
void demo_place_stem(struct demo_rng *r, enum demo_place_style style, char *out, size_t n);

/* 专属网格 subtypes, with the settings they fit. */
enum demo_special {
	DEMO_SPECIAL_SCHOOL = 0,         /* 学校 */
	DEMO_SPECIAL_HOSPITAL,           /* 医院 */
	DEMO_SPECIAL_INDUSTRIAL,         /* 工业园区 */
	DEMO_SPECIAL_COMMERCIAL,         /* 商圈 */
	DEMO_SPECIAL_TRANSPORT,          /* 交通枢纽 */
	DEMO_SPECIAL_MARKET,             /* 专业市场 */
	DEMO_SPECIAL_COUNT
};

/* Chinese subtype label (grid_subtype): 学校 医院 工业园区 商圈 交通枢纽 专业市场. */
const char *demo_special_label(enum demo_special s);
/* A subtype fitting a rural (镇) or urban (街道) setting. */
enum demo_special demo_special_pick(struct demo_rng *r, int rural);
/* Name of a 专属网格 of subtype s near place `stem`, e.g. "龙塘小学专属网格". */
void demo_special_name(struct demo_rng *r, enum demo_special s, const char *stem,
                       char *out, size_t n);
/* Households of a 专属网格 (staff dormitories and the like: 10–150). */
int demo_special_households(struct demo_rng *r, enum demo_special s);

/* ---------------------------------------------------------------- dates */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t demo_days_from_civil(int y, int m, int d);
/* "YYYY-MM-DD" of a day number into out (at least 11 bytes). */
void demo_date_format(int64_t days, char *out, size_t n);

/* --------------------------------------------------------- distribution */

/* Spread `total` over n parts in proportion to weights w (Webster's divisor
 * method, ties to the lower index), giving part i at least lo[i] and at most hi[i]
 * (lo/hi may be NULL: no bound). Returns 0, or -1 when the bounds cannot
 * be met (sum of lo > total, or sum of hi < total) or n is 0. */
int demo_apportion(int total, const double *w, const int *lo, const int *hi, size_t n, int *out);

#endif
