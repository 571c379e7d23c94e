/*
 * static.h - the web pages and front-end packages, served from disk.
 *
 * Files are read once, kept in memory with a strong ETag (BLAKE2b of the
 * contents) and, for text types, a gzip copy; they are re-read when their
 * mtime changes. Paths are checked segment by segment: no "..", no ".",
 * no hidden files, no backslashes or NULs, and the resolved file must lie
 * under its root, so no request can leave the web folder.
 *
 * Mounts: "/" -> web_dir, "/vendor/echarts/" -> <node_modules>/echarts/dist/.
 * A path without an extension that names no file gets index.html of its
 * folder ("/screen" -> web/screen.html, then web/index.html for the app).
 */
#ifndef WG_STATIC_H
#define WG_STATIC_H

#include "http/http.h"

struct static_files;

struct static_files *static_open(const char *web_dir, const char *node_modules_dir);
void static_close(struct static_files *s);
/* Serve req->path (GET/HEAD). Replies 200/304 or a JSON 404. */
int static_serve(struct static_files *s, struct http_req *req);
/* Is the decoded request path p made of plain names only? True when it
 * starts with '/', is at most 512 bytes and has no empty inner segment
 * ("//"), no segment starting with '.' (".", "..", hidden files), no
 * backslash and no control character. Pure: touches no file. */
int static_path_safe(const char *p);
/* MIME type for a file name. */
const char *static_mime(const char *name);

#endif
