/*
 * timeutil.h - wall-clock and monotonic time in the forms wangge stores.
 * Stored times are UTC ISO 8601 text ("2026-11-26T08:30:00Z"), which sorts
 * and compares the same in SQLite and PostgreSQL.
 */
#ifndef WG_TIMEUTIL_H
#define WG_TIMEUTIL_H

#include <stdint.h>
#include <time.h>

#define TIME_ISO_MAX 32

/* Now as "YYYY-MM-DDTHH:MM:SSZ" into buf (TIME_ISO_MAX bytes). Returns buf. */
char *time_iso_now(char *buf);
/* t as ISO text into buf. Returns buf. */
char *time_iso(time_t t, char *buf);
/* Our own "YYYY-MM-DDTHH:MM:SSZ" back to time_t (UTC); 0 for NULL, "" or
 * anything else. */
time_t time_iso_parse(const char *s);
/* Today's date (local time zone of the deployment: Asia/Shanghai, UTC+8) as "YYYY-MM-DD". */
char *time_date_today(char *buf);
/* Monotonic clock in microseconds. */
uint64_t time_mono_us(void);

#endif
