/*
 * static.c - in-memory cached static files with ETag/304 and gzip (see static.h).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "http/static.h"
#include "lib/buf.h"
#include "lib/gzip.h"
#include "lib/str.h"
#include "lib/banned.h"

#define STATIC_MAX_FILE (16u << 20)   /* 16 MiB */
#define STATIC_MAX_ENTRIES 512

struct static_entry {
	char *rel;                  /* mount-relative request path, cache key */
	char *file;                 /* resolved file */
	const char *mime;
	char etag[48];
	struct timespec mtime;
	off_t size;
	char *data, *gz;            /* contents and gzip copy (or NULL) */
	size_t len, gzlen;
	int refs;                   /* requests still sending it */
	struct static_entry *next;
};

struct static_files {
	char web[PATH_MAX];
	char echarts[PATH_MAX];
	pthread_mutex_t mu;
	struct static_entry *head;
	int nentries;
};

static const struct { const char *ext, *mime; int text; } mimes[] = {
	{".html", "text/html; charset=utf-8", 1},
	{".js", "text/javascript; charset=utf-8", 1},
	{".mjs", "text/javascript; charset=utf-8", 1},
	{".css", "text/css; charset=utf-8", 1},
	{".json", "application/json; charset=utf-8", 1},
	{".geojson", "application/geo+json", 1},
	{".svg", "image/svg+xml", 1},
	{".txt", "text/plain; charset=utf-8", 1},
	{".map", "application/json", 1},
	{".png", "image/png", 0},
	{".jpg", "image/jpeg", 0},
	{".jpeg", "image/jpeg", 0},
	{".webp", "image/webp", 0},
	{".ico", "image/x-icon", 0},
	{".woff2", "font/woff2", 0},
	{".webmanifest", "application/manifest+json", 1},
};

const char *static_mime(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (dot)
		for (size_t i = 0; i < sizeof(mimes) / sizeof(mimes[0]); i++)
			if (!strcasecmp(dot, mimes[i].ext))
				return mimes[i].mime;
	return "application/octet-stream";
}

static int mime_is_text(const char *mime)
{
	return !strncmp(mime, "text/", 5) || strstr(mime, "json") || strstr(mime, "svg");
}

struct static_files *static_open(const char *web_dir, const char *node_modules_dir)
{
	struct static_files *s = calloc(1, sizeof(*s));
	char tmp[PATH_MAX];

	if (!s)
		return NULL;
	if (!realpath(web_dir, s->web)) {
		free(s);
		return NULL;
	}
	snprintf(tmp, sizeof(tmp), "%s/echarts/dist", node_modules_dir ? node_modules_dir : "node_modules");
	if (!realpath(tmp, s->echarts))
		s->echarts[0] = '\0';
	pthread_mutex_init(&s->mu, NULL);
	return s;
}

static void entry_free(struct static_entry *e)
{
	free(e->rel);
	free(e->file);
	free(e->data);
	free(e->gz);
	free(e);
}

void static_close(struct static_files *s)
{
	struct static_entry *e, *n;
	if (!s)
		return;
	for (e = s->head; e; e = n) {
		n = e->next;
		entry_free(e);
	}
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* Is every segment of p a plain name? (static.h) */
int static_path_safe(const char *p)
{
	if (*p != '/' || strlen(p) > 512 || strchr(p, '\\'))
		return 0;
	while (*p == '/') {
		const char *seg = p + 1, *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);
		if (len == 0 && end)
			return 0;                   /* "//" */
		if (len && seg[0] == '.')
			return 0;                   /* ".", "..", hidden files */
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)seg[i] < 0x20 || seg[i] == 0x7f)
				return 0;
		p = seg + len;
	}
	return *p == '\0';
}

/* Load a file into a new entry. */
static struct static_entry *entry_load(const char *rel, const char *file, const struct stat *st)
{
	struct static_entry *e = calloc(1, sizeof(*e));
	struct buf b;
	unsigned char h[16];

	if (!e)
		return NULL;
	buf_init(&b, STATIC_MAX_FILE);
	if (buf_read_file(&b, file) < 0) {
		buf_release(&b);
		free(e);
		return NULL;
	}
	e->rel = strdup(rel);
	e->file = strdup(file);
	e->mime = static_mime(file);
	e->mtime = st->st_mtim;
	e->size = st->st_size;
	e->data = buf_detach(&b, &e->len);
	crypto_generichash(h, sizeof(h), (const unsigned char *)e->data, e->len, NULL, 0);
	e->etag[0] = '"';
	sodium_bin2hex(e->etag + 1, sizeof(e->etag) - 2, h, sizeof(h));
	str_copy(e->etag + 33, sizeof(e->etag) - 33, "\"");
	if (mime_is_text(e->mime) && e->len > 512)
		e->gz = gzip_compress(e->data, e->len, 9, &e->gzlen);
	if (!e->rel || !e->file) {
		entry_free(e);
		return NULL;
	}
	return e;
}

/* Resolve a request path to a file under its mount; 0 on success. */
static int resolve(struct static_files *s, const char *path, char *out, struct stat *st)
{
	char cand[PATH_MAX], real[PATH_MAX];
	const char *root = s->web, *rest = path;

	if (str_starts_with(path, "/vendor/echarts/")) {
		if (!s->echarts[0])
			return -1;
		root = s->echarts;
		rest = path + strlen("/vendor/echarts");
	}
	if (!strcmp(rest, "/"))
		rest = "/index.html";
	snprintf(cand, sizeof(cand), "%s%s", root, rest);
	if (stat(cand, st) < 0 || !S_ISREG(st->st_mode)) {
		/* "/screen" -> screen.html */
		if (strchr(strrchr(rest, '/'), '.'))
			return -1;
		snprintf(cand, sizeof(cand), "%s%s.html", root, rest);
		if (stat(cand, st) < 0 || !S_ISREG(st->st_mode))
			return -1;
	}
	if (!realpath(cand, real) || !str_starts_with(real, root) || real[strlen(root)] != '/')
		return -1;
	str_copy(out, PATH_MAX, real);
	return 0;
}

static int not_found(struct http_req *req)
{
	return http_reply_error(req, 404, "http.not_found", "找不到该页面或接口", "no such page or endpoint");
}

int static_serve(struct static_files *s, struct http_req *req)
{
	char file[PATH_MAX];
	struct stat st;
	struct static_entry *e, **pp;
	const char *inm, *ae;
	int gz;

	if (!static_path_safe(req->path))
		return not_found(req);
	if (resolve(s, req->path, file, &st) < 0)
		return not_found(req);
	if (st.st_size > (off_t)STATIC_MAX_FILE)
		return http_reply_error(req, 500, "static.too_big", "文件过大", "file too large to serve");

	pthread_mutex_lock(&s->mu);
	for (pp = &s->head; (e = *pp); pp = &e->next)
		if (!strcmp(e->file, file))
			break;
	if (e && (e->mtime.tv_sec != st.st_mtim.tv_sec || e->mtime.tv_nsec != st.st_mtim.tv_nsec ||
	          e->size != st.st_size)) {
		*pp = e->next;           /* stale: drop it (requests copy the bytes they send) */
		entry_free(e);
		s->nentries--;
		e = NULL;
	}
	if (!e && s->nentries < STATIC_MAX_ENTRIES && (e = entry_load(req->path, file, &st))) {
		e->next = s->head;
		s->head = e;
		s->nentries++;
	}
	if (!e) {
		pthread_mutex_unlock(&s->mu);
		return http_reply_error(req, 500, "static.read", "无法读取文件", "cannot read file");
	}
	http_add_header(req, "ETag", arena_strdup(&req->arena, e->etag));
	http_add_header(req, "Cache-Control", str_starts_with(req->path, "/vendor/")
	                ? "public, max-age=86400" : "no-cache");
	inm = http_header(req, "If-None-Match");
	if (inm && strstr(inm, e->etag)) {
		pthread_mutex_unlock(&s->mu);
		return http_reply_bytes(req, 304, e->mime, "", 0, 0);
	}
	ae = http_header(req, "Accept-Encoding");
	gz = e->gz && ae && strstr(ae, "gzip");
	http_add_header(req, "Vary", "Accept-Encoding");
	if (gz)
		http_add_header(req, "Content-Encoding", "gzip");
	req->resp_nocompress = 1;
	http_reply_bytes(req, 200, e->mime, gz ? e->gz : e->data, gz ? e->gzlen : e->len, 1);
	pthread_mutex_unlock(&s->mu);
	return 0;
}
