/*
 * accesslog.h - one JSON object per request, one per line:
 *   {"ts":"2026-11-26T08:00:00.123Z","ip":"127.0.0.1","method":"GET",
 *    "path":"/api/v1/locate","route":"locate","status":200,"bytes":512,"us":85}
 * Written through a 64 KiB buffer flushed every second and at close, so a
 * busy server does not make a system call per request.
 */
#ifndef WG_ACCESSLOG_H
#define WG_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

struct accesslog;

/* path: a file (appended), "-" for stdout, "off"/NULL for none. NULL return
 * with errno set when the file cannot be opened. For "off", returns a log
 * that drops everything. */
struct accesslog *accesslog_open(const char *path);
void accesslog_close(struct accesslog *l);
/* True when lines are written somewhere (not "off"). */
int accesslog_enabled(const struct accesslog *l);
void accesslog_write(struct accesslog *l, const char *ip, const char *method, const char *path,
                     const char *route, int status, size_t bytes, uint64_t us);

#endif
