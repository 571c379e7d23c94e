/*
 * accesslog.c - JSON-lines access log with a background flusher (see accesslog.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "http/accesslog.h"
#include "lib/str.h"
#include "lib/banned.h"

struct accesslog {
	FILE *f;                 /* NULL when off */
	int own;                 /* close f at the end */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t flusher;
	int stop, has_flusher;
};

static void *flush_loop(void *p)
{
	pthread_setname_np(pthread_self(), "wg-accesslog");
	struct accesslog *l = p;
	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&l->cv, &l->mu, &ts);
		fflush(l->f);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

struct accesslog *accesslog_open(const char *path)
{
	struct accesslog *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	if (!path || !strcmp(path, "off"))
		return l;
	if (!strcmp(path, "-")) {
		l->f = stdout;
	} else {
		if (!(l->f = fopen(path, "a"))) {
			free(l);
			return NULL;
		}
		l->own = 1;
	}
	setvbuf(l->f, NULL, _IOFBF, 65536);
	if (pthread_create(&l->flusher, NULL, flush_loop, l) == 0)
		l->has_flusher = 1;
	return l;
}

void accesslog_close(struct accesslog *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	if (l->has_flusher)
		pthread_join(l->flusher, NULL);
	if (l->f) {
		fflush(l->f);
		if (l->own)
			fclose(l->f);
	}
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	free(l);
}

int accesslog_enabled(const struct accesslog *l)
{
	return l && l->f;
}

/* Append s, JSON-escaped, at p (jansson's escapes: \" \\ \n \r \t \b \f
 * \u00XX); NULL when it does not fit before end. s is valid UTF-8. */
static char *put_json_str(char *p, const char *end, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (end - p < 6)
			return NULL;
		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20) {
			*p++ = '\\';
			switch (c) {
			case '\n': *p++ = 'n'; break;
			case '\r': *p++ = 'r'; break;
			case '\t': *p++ = 't'; break;
			case '\b': *p++ = 'b'; break;
			case '\f': *p++ = 'f'; break;
			default:
				*p++ = 'u'; *p++ = '0'; *p++ = '0';
				*p++ = hex[c >> 4]; *p++ = hex[c & 15];
			}
		} else {
			*p++ = (char)c;
		}
	}
	return p;
}

/* Append a literal or a decimal number. */
static char *put_lit(char *p, const char *end, const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(end - p) < n)
		return NULL;
	memcpy(p, s, n);
	return p + n;
}

static char *put_u64(char *p, const char *end, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (end - p < (long)sizeof(tmp) - i)
		return NULL;
	memcpy(p, tmp + i, sizeof(tmp) - (size_t)i);
	return p + sizeof(tmp) - i;
}

/*
 * The line is put together by hand: going through a jansson object cost
 * about a dozen allocations per request and a quarter of the throughput of
 * a small reply (bench/http-read). The output is the same.
 */
void accesslog_write(struct accesslog *l, const char *ip, const char *method, const char *path,
                     const char *route, int status, size_t bytes, uint64_t us)
{
	/* the formatted second, per thread: gmtime_r() takes a global lock */
	static _Thread_local time_t ts_sec = (time_t)-1;
	static _Thread_local char ts_buf[32];
	char line[4096], spath[512], smethod[24], ms[8];
	const char *end = line + sizeof(line) - 1;      /* room for the newline */
	struct timeval tv;
	char *p = line;

	if (!l || !l->f)
		return;
	gettimeofday(&tv, NULL);
	if (tv.tv_sec != ts_sec) {
		struct tm tm;
		gmtime_r(&tv.tv_sec, &tm);
		if (!strftime(ts_buf, sizeof(ts_buf), "%Y-%m-%dT%H:%M:%S", &tm))
			ts_buf[0] = '\0';
		ts_sec = tv.tv_sec;
	}
	snprintf(ms, sizeof(ms), ".%03dZ", (int)(tv.tv_usec / 1000));
	/* the path and method are the client's bytes: cut them short and make
	 * them valid UTF-8, so that every request gets its line */
	str_copy(spath, sizeof(spath), path ? path : "");
	str_utf8_sanitize(spath);
	str_copy(smethod, sizeof(smethod), method ? method : "");
	str_utf8_sanitize(smethod);

	if ((p = put_lit(p, end, "{\"ts\":\"")) && (p = put_lit(p, end, ts_buf)) &&
	    (p = put_lit(p, end, ms)) &&
	    (p = put_lit(p, end, "\",\"ip\":\"")) && (p = put_json_str(p, end, ip ? ip : "")) &&
	    (p = put_lit(p, end, "\",\"method\":\"")) && (p = put_json_str(p, end, smethod)) &&
	    (p = put_lit(p, end, "\",\"path\":\"")) && (p = put_json_str(p, end, spath)) &&
	    (p = put_lit(p, end, "\",\"route\":\"")) && (p = put_json_str(p, end, route ? route : "")) &&
	    (p = put_lit(p, end, "\",\"status\":")) && (p = put_u64(p, end, status > 0 ? (uint64_t)status : 0)) &&
	    (p = put_lit(p, end, ",\"bytes\":")) && (p = put_u64(p, end, bytes)) &&
	    (p = put_lit(p, end, ",\"us\":")) && (p = put_u64(p, end, us)) &&
	    (p = put_lit(p, end, "}"))) {
		*p++ = '\n';
		pthread_mutex_lock(&l->mu);
		fwrite_unlocked(line, 1, (size_t)(p - line), l->f);   /* every use of f holds mu */
		pthread_mutex_unlock(&l->mu);
	}
}
