/*
 * accesslog.c - JSON-lines access log with a background flusher (see accesslog.h).
 */
#include <jansson.h>
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

void accesslog_write(struct accesslog *l, const char *ip, const char *method, const char *path,
                     const char *route, int status, size_t bytes, uint64_t us)
{
	char ts[40], line[4096], spath[512], smethod[24];
	struct timeval tv;
	struct tm tm;
	json_t *j;
	size_t n;

	if (!l || !l->f)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03dZ", (int)(tv.tv_usec / 1000));
	/* the path and method are the client's bytes: cut them short and make
	 * them valid UTF-8, so that every request gets its line */
	str_copy(spath, sizeof(spath), path ? path : "");
	str_utf8_sanitize(spath);
	str_copy(smethod, sizeof(smethod), method ? method : "");
	str_utf8_sanitize(smethod);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I}", "ts", ts, "ip", ip ? ip : "",
	              "method", smethod, "path", spath, "route", route ? route : "", "status", status,
	              "bytes", (json_int_t)bytes, "us", (json_int_t)us);
	if (!j)
		return;
	n = json_dumpb(j, line, sizeof(line) - 1, JSON_COMPACT);
	json_decref(j);
	if (n == 0 || n >= sizeof(line) - 1)
		return; /* too long a path: skip rather than write a broken line */
	line[n++] = '\n';
	pthread_mutex_lock(&l->mu);
	fwrite(line, 1, n, l->f);
	pthread_mutex_unlock(&l->mu);
}
