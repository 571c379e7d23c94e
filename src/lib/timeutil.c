/*
 * timeutil.c - time helpers (see timeutil.h).
 */
#include <stdio.h>
#include <string.h>
#include "lib/timeutil.h"
#include "lib/banned.h"

char *time_iso(time_t t, char *buf)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, TIME_ISO_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

time_t time_iso_parse(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!s || !*s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return 0;
	return timegm(&tm);
}

char *time_iso_now(char *buf)
{
	return time_iso(time(NULL), buf);
}

char *time_date_today(char *buf)
{
	time_t t = time(NULL) + 8 * 3600; /* China Standard Time, no DST */
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, TIME_ISO_MAX, "%Y-%m-%d", &tm);
	return buf;
}

uint64_t time_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
