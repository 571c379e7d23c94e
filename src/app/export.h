/*
 * export.h - tables for download: a header row and rows of cells (text or
 * number) written as CSV or XLSX, in memory, for the export endpoints
 * (GET /api/v1/kpi/export, GET /api/v1/events/export).
 *
 * CSV: UTF-8 with a byte-order mark (so that Excel reads Chinese right),
 * CRLF line ends, RFC 4180 quoting (a cell holding `"`, `,`, CR or LF is
 * quoted, `"` doubled). Formula injection: a text cell that begins with
 * `=`, `+`, `-`, `@`, tab or CR is written with a leading `'`, so that a
 * spreadsheet shows it as text instead of running it (OWASP "CSV
 * injection"). Numbers written with export_number/export_integer are never
 * prefixed: -3 stays a number.
 * XLSX (libxlsxwriter): one worksheet, the header bold and frozen, columns
 * as wide as their longest cell (CJK counted double), numbers as numbers;
 * text cells are string cells, which Excel never evaluates, so they are
 * written unchanged.
 *
 *   struct err e = ERR_INIT;
 *   static const char *const head[] = {"编号", "标题", "时长(小时)"};
 *   struct export *x = export_begin(EXPORT_CSV, "事件", head, 3, &e);
 *   for each row:
 *       export_integer(x, id); export_text(x, title); export_number(x, hours);
 *       export_end_row(x);
 *   char *data; size_t len; const char *type;
 *   if (export_finish(x, &data, &len, &type, &e) < 0) → reply e
 *   http_add_header(req, "Content-Disposition", export_disposition(&req->arena, "事件", x_fmt));
 *   http_reply_take(req, 200, type, data, len);
 *
 * Cell calls never fail visibly: the first failure (too many rows or bytes,
 * out of memory) is kept and reported by export_finish.
 */
#ifndef WG_EXPORT_H
#define WG_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include "lib/arena.h"
#include "lib/err.h"

enum export_format { EXPORT_CSV = 0, EXPORT_XLSX = 1 };

#define EXPORT_MAX_BYTES (64u << 20)   /* a finished file */
#define EXPORT_MAX_ROWS 1000000        /* data rows (Excel's sheet holds 1,048,576) */
#define EXPORT_MAX_COLS 64

struct export;

/* "csv" | "xlsx" (NULL: csv) -> *out; -1 when unknown. */
int export_format_parse(const char *s, enum export_format *out);
/* "csv", "xlsx". */
const char *export_format_ext(enum export_format f);
/* "text/csv; charset=utf-8", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet". */
const char *export_content_type(enum export_format f);

/* Start a table with its header row (ncols <= EXPORT_MAX_COLS). sheet_name
 * names the XLSX worksheet (characters Excel forbids are replaced, cut to
 * 31). NULL with e set on failure (500). Free with export_finish or
 * export_free. */
struct export *export_begin(enum export_format fmt, const char *sheet_name,
                            const char *const *headers, size_t ncols, struct err *e);
/* The next cell of the current row: text (NULL = empty), a number, an
 * integer, or nothing. Cells past the header's width are dropped. */
int export_text(struct export *x, const char *s);
int export_number(struct export *x, double v);
int export_integer(struct export *x, int64_t v);
int export_empty(struct export *x);
/* End the current row. */
int export_end_row(struct export *x);
/* Finish the file: *data (malloc'd, the caller frees it or hands it to
 * http_reply_take), its length and content type. Frees x in every case.
 * Fails with 413 export.too_large past EXPORT_MAX_BYTES / EXPORT_MAX_ROWS,
 * 500 export.failed when the XLSX writer fails. */
int export_finish(struct export *x, char **data, size_t *len, const char **content_type,
                  struct err *e);
/* Abandon an export. NULL is fine. */
void export_free(struct export *x);

/* A Content-Disposition value into the arena for a download named
 * `name` (UTF-8, e.g. "白云区事件指标_2026-05") + "." + the format's
 * extension: `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<RFC 5987
 * percent-encoding>`. The fallback keeps ASCII letters, digits and -_. of
 * name (a run of other characters becomes one '_'). NULL when the arena is full. */
const char *export_disposition(struct arena *a, const char *name, enum export_format f);

#endif
