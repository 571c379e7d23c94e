/*
 * test_static.c - unit tests of src/http/static.c: the path check, MIME
 * types, and static_serve() on a temporary web folder — no request may
 * read a byte outside the root, whatever its path.
 *
 * static_serve() reads request headers through http_header(), which asks
 * libmicrohttpd. This file defines MHD_lookup_connection_value() itself
 * (the executable's definition wins at link time), answering from the
 * table `headers` below, so requests can be served without a connection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <microhttpd.h>
#include <cmocka.h>
#include "http/static.h"
#include "lib/banned.h"

/* ------------------------------------------------ fake request headers */

static const char *hdr_inm;                 /* If-None-Match */
static const char *hdr_ae;                  /* Accept-Encoding */

const char *MHD_lookup_connection_value(struct MHD_Connection *connection,
                                        enum MHD_ValueKind kind, const char *key)
{
	if (kind != MHD_HEADER_KIND || !key)
		return NULL;
	if (!strcasecmp(key, "If-None-Match"))
		return hdr_inm;
	if (!strcasecmp(key, "Accept-Encoding"))
		return hdr_ae;
	return NULL;
}

/* --------------------------------------------------------- the fixture */

#define SECRET "TOP-SECRET-OUTSIDE-THE-ROOT"

static char base[256];                      /* temp folder */
static char web[300], nm[300], outside[300];
static struct static_files *files;

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
}

static void join(char *out, size_t n, const char *dir, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static int setup(void **state)
{
	char p[512], big[4096];

	snprintf(base, sizeof(base), "/tmp/wangge-test-static-XXXXXX");
	if (!mkdtemp(base))
		return -1;
	snprintf(web, sizeof(web), "%s/web", base);
	snprintf(nm, sizeof(nm), "%s/node_modules", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	mkdir(web, 0700);
	mkdir(outside, 0700);
	join(p, sizeof(p), web, "sub");
	mkdir(p, 0700);
	mkdir(nm, 0700);
	join(p, sizeof(p), nm, "echarts");
	mkdir(p, 0700);
	join(p, sizeof(p), nm, "echarts/dist");
	mkdir(p, 0700);

	join(p, sizeof(p), web, "index.html");
	put(p, "<!doctype html><title>wangge</title>");
	join(p, sizeof(p), web, "screen.html");
	put(p, "<!doctype html><title>screen</title>");
	join(p, sizeof(p), web, "app.js");
	memset(big, 0, sizeof(big));
	for (int i = 0; i < 100; i++)                      /* > 512 bytes of text: gzipped */
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "console.log(%d);\n", i);
	put(p, big);
	join(p, sizeof(p), web, "sub/page.css");
	put(p, "body{}");
	join(p, sizeof(p), web, ".hidden");
	put(p, SECRET);
	join(p, sizeof(p), web, "a%2e%2e");       /* a literal file name */
	put(p, "literal");
	join(p, sizeof(p), outside, "secret.txt");
	put(p, SECRET);
	join(p, sizeof(p), base, "web-evil.txt");  /* shares the root's prefix */
	put(p, SECRET);
	join(p, sizeof(p), nm, "echarts/dist/echarts.min.js");
	put(p, "var echarts={};");

	/* symlinks inside the root that point out of it */
	{
		char target[512];
		join(target, sizeof(target), outside, "secret.txt");
		join(p, sizeof(p), web, "link.txt");
		assert_int_equal(symlink(target, p), 0);
		join(p, sizeof(p), web, "linkdir");
		assert_int_equal(symlink(outside, p), 0);
		join(p, sizeof(p), web, "passwd.html");
		assert_int_equal(symlink("/etc/passwd", p), 0);
	}

	files = static_open(web, nm);
	return files ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	static_close(files);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------ serve helpers */

struct resp {
	int status;
	char type[64];
	char *body;
	size_t len;
	char etag[64], cache[64], encoding[16];
};

static struct resp serve(const char *path)
{
	struct http_req req;
	void *fake_priv[16];
	struct resp r;

	memset(&req, 0, sizeof(req));
	memset(fake_priv, 0, sizeof(fake_priv));
	memset(&r, 0, sizeof(r));
	req.method = "GET";
	req.path = path;
	req.priv = fake_priv;                        /* priv->conn reads as NULL */
	arena_init(&req.arena, 1 << 20);
	static_serve(files, &req);
	r.status = req.status;
	snprintf(r.type, sizeof(r.type), "%s", req.content_type ? req.content_type : "");
	r.body = malloc(req.resp_len + 1);
	assert_non_null(r.body);
	if (req.resp_len)
		memcpy(r.body, req.resp_body, req.resp_len);
	r.body[req.resp_len] = '\0';
	r.len = req.resp_len;
	for (int i = 0; i < req.nhdr; i++) {
		if (!strcmp(req.hdr_name[i], "ETag"))
			snprintf(r.etag, sizeof(r.etag), "%s", req.hdr_value[i]);
		else if (!strcmp(req.hdr_name[i], "Cache-Control"))
			snprintf(r.cache, sizeof(r.cache), "%s", req.hdr_value[i]);
		else if (!strcmp(req.hdr_name[i], "Content-Encoding"))
			snprintf(r.encoding, sizeof(r.encoding), "%s", req.hdr_value[i]);
	}
	if (!req.resp_static)
		free(req.resp_body);
	arena_release(&req.arena);
	return r;
}

static void expect_404(const char *path)
{
	struct resp r = serve(path);

	if (r.status != 404)
		fail_msg("'%s' answered %d", path, r.status);
	assert_non_null(strstr(r.body, "\"http.not_found\""));
	assert_null(strstr(r.body, SECRET));
	free(r.body);
}

/* ------------------------------------------------------ static_path_safe */

static void test_path_safe_accepts(void **state)
{
	static const char *const ok[] = {
		"/", "/index.html", "/sub/page.css", "/vendor/echarts/echarts.min.js", "/a..b",
		"/file.", "/白云区.html", "/a%2e%2e", "/sub/", "/a b",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!static_path_safe(ok[i]))
			fail_msg("'%s' refused", ok[i]);
}

static void test_path_safe_refuses(void **state)
{
	static const char *const bad[] = {
		"", "index.html", "/..", "/../etc/passwd", "/a/../../x", "/sub/..", "/sub/../index.html",
		"/.", "/./index.html", "/.hidden", "/sub/.git/config", "/.well-known/x",
		"//x", "//etc/passwd", "/a//b", "/sub//",
		"/..\\etc\\passwd", "/a\\b", "\\", "/sub\\..\\..",
		"/a\x01", "/a\nb", "/a\rb", "/a\tb", "/x\x1f", "/x\x7f", "/\x1b[2J",
	};
	char longp[600];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (static_path_safe(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_false(static_path_safe(longp));              /* > 512 bytes */
	longp[512] = '\0';
	assert_true(static_path_safe(longp));
}

/* ------------------------------------------------------------- serving */

static void test_serve_files(void **state)
{
	struct resp r = serve("/");

	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "<!doctype html><title>wangge</title>");
	assert_string_equal(r.type, "text/html; charset=utf-8");
	assert_string_equal(r.cache, "no-cache");
	assert_int_equal(strlen(r.etag), 34);               /* "<32 hex digits>" */
	assert_int_equal(r.etag[0], '"');
	assert_int_equal(r.etag[33], '"');
	free(r.body);

	r = serve("/index.html");
	assert_int_equal(r.status, 200);
	free(r.body);
	r = serve("/sub/page.css");
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "body{}");
	assert_string_equal(r.type, "text/css; charset=utf-8");
	free(r.body);
	r = serve("/screen");                                /* extensionless -> .html */
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "screen"));
	free(r.body);
	r = serve("/a%2e%2e");                               /* just a name on disk */
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "literal");
	free(r.body);
	r = serve("/vendor/echarts/echarts.min.js");
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "var echarts={};");
	assert_string_equal(r.cache, "public, max-age=86400");
	free(r.body);
}

static void test_not_found(void **state)
{
	expect_404("/nope.html");
	expect_404("/nope");
	expect_404("/sub");                                  /* a folder, no sub.html */
	expect_404("/sub/");
	expect_404("/vendor/echarts/nope.js");
	expect_404("/vendor/echarts/");                      /* no index.html there */
}

static void test_traversal_never_leaves_root(void **state)
{
	static const char *const evil[] = {
		"/../etc/passwd", "/a/../../x", "/../outside/secret.txt", "/sub/../../outside/secret.txt",
		"/..", "/.hidden", "//x", "//etc/passwd", "/..\\outside\\secret.txt",
		"/sub\\..\\..\\outside\\secret.txt", "/\x01", "/.%2e/outside/secret.txt",
		"/vendor/echarts/../../outside/secret.txt", "/vendor/echarts/../../../etc/passwd",
		"/vendor/echarts/..", "/vendor/../outside/secret.txt",
		"/link.txt",                                      /* symlink to a file outside */
		"/linkdir/secret.txt",                            /* symlinked folder outside */
		"/passwd",                                        /* -> passwd.html -> /etc/passwd */
		"/passwd.html",
		"/../web-evil.txt",                               /* sibling sharing the prefix */
		"/etc/passwd", "/proc/self/environ",
	};
	for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		struct resp r = serve(evil[i]);
		if (r.status != 404)
			fail_msg("'%s' answered %d", evil[i], r.status);
		if (strstr(r.body, SECRET) || strstr(r.body, "root:"))
			fail_msg("'%s' leaked a file", evil[i]);
		free(r.body);
	}
}

static void test_etag_304(void **state)
{
	struct resp r = serve("/index.html"), r2;
	char inm[80];

	assert_int_equal(r.status, 200);
	snprintf(inm, sizeof(inm), "W/\"x\", %s", r.etag);
	hdr_inm = inm;
	r2 = serve("/index.html");
	hdr_inm = NULL;
	assert_int_equal(r2.status, 304);
	assert_int_equal(r2.len, 0);
	assert_string_equal(r2.etag, r.etag);
	free(r2.body);

	hdr_inm = "\"00000000000000000000000000000000\"";
	r2 = serve("/index.html");
	hdr_inm = NULL;
	assert_int_equal(r2.status, 200);
	free(r2.body);
	free(r.body);
}

static void test_gzip(void **state)
{
	struct resp plain = serve("/app.js"), gz;
	char out[8192];
	z_stream z;

	assert_int_equal(plain.status, 200);
	assert_string_equal(plain.encoding, "");
	hdr_ae = "br, gzip;q=0.8";
	gz = serve("/app.js");
	hdr_ae = NULL;
	assert_int_equal(gz.status, 200);
	assert_string_equal(gz.encoding, "gzip");
	assert_true(gz.len < plain.len);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)gz.body;
	z.avail_in = (uInt)gz.len;
	z.next_out = (Bytef *)out;
	z.avail_out = sizeof(out);
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, plain.len);
	assert_memory_equal(out, plain.body, plain.len);
	inflateEnd(&z);
	free(gz.body);
	free(plain.body);

	/* small files are not worth it */
	hdr_ae = "gzip";
	gz = serve("/index.html");
	hdr_ae = NULL;
	assert_string_equal(gz.encoding, "");
	free(gz.body);
}

static void test_reload_on_change(void **state)
{
	char p[512];
	struct resp r1, r2;
	struct timespec ts[2] = {{0, UTIME_OMIT}, {1000000000, 0}};

	join(p, sizeof(p), web, "sub/page.css");
	r1 = serve("/sub/page.css");
	put(p, "body{color:red}");
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);  /* a different mtime for sure */
	r2 = serve("/sub/page.css");
	assert_string_equal(r2.body, "body{color:red}");
	assert_string_not_equal(r1.etag, r2.etag);
	free(r1.body);
	free(r2.body);

	/* a file removed after being cached is gone */
	join(p, sizeof(p), web, "screen.html");
	r1 = serve("/screen.html");
	assert_int_equal(r1.status, 200);
	free(r1.body);
	unlink(p);
	expect_404("/screen.html");
}

static void test_open_missing_root(void **state)
{
	assert_null(static_open("/nonexistent/wangge/web", NULL));
	static_close(NULL);
}

/* ----------------------------------------------------------------- mime */

static void test_mime(void **state)
{
	assert_string_equal(static_mime("index.html"), "text/html; charset=utf-8");
	assert_string_equal(static_mime("INDEX.HTML"), "text/html; charset=utf-8");
	assert_string_equal(static_mime("/a/b/app.js"), "text/javascript; charset=utf-8");
	assert_string_equal(static_mime("m.mjs"), "text/javascript; charset=utf-8");
	assert_string_equal(static_mime("s.css"), "text/css; charset=utf-8");
	assert_string_equal(static_mime("d.json"), "application/json; charset=utf-8");
	assert_string_equal(static_mime("b.geojson"), "application/geo+json");
	assert_string_equal(static_mime("i.svg"), "image/svg+xml");
	assert_string_equal(static_mime("i.png"), "image/png");
	assert_string_equal(static_mime("i.jpg"), "image/jpeg");
	assert_string_equal(static_mime("i.jpeg"), "image/jpeg");
	assert_string_equal(static_mime("i.webp"), "image/webp");
	assert_string_equal(static_mime("favicon.ico"), "image/x-icon");
	assert_string_equal(static_mime("f.woff2"), "font/woff2");
	assert_string_equal(static_mime("app.webmanifest"), "application/manifest+json");
	assert_string_equal(static_mime("r.txt"), "text/plain; charset=utf-8");
	assert_string_equal(static_mime("app.js.map"), "application/json");
	/* unknown or no extension: never sniffed as HTML */
	assert_string_equal(static_mime("Makefile"), "application/octet-stream");
	assert_string_equal(static_mime("a.tar.gz"), "application/octet-stream");
	assert_string_equal(static_mime("x.htm"), "application/octet-stream");
	assert_string_equal(static_mime("x.html.bak"), "application/octet-stream");
	assert_string_equal(static_mime("x."), "application/octet-stream");
	assert_string_equal(static_mime(""), "application/octet-stream");
	assert_string_equal(static_mime("dir.html/file"), "application/octet-stream");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_safe_accepts),
		cmocka_unit_test(test_path_safe_refuses),
		cmocka_unit_test(test_serve_files),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_traversal_never_leaves_root),
		cmocka_unit_test(test_etag_304),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_reload_on_change),
		cmocka_unit_test(test_open_missing_root),
		cmocka_unit_test(test_mime),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
