/*
 * export.c - CSV and XLSX tables for download (see export.h).
 *
 * CSV is built in a bounded buffer. XLSX goes through libxlsxwriter, whose
 * Debian version (1.1.4) has no in-memory output: the workbook is written
 * to a private temporary file (mkstemp under $TMPDIR, constant-memory mode
 * so rows stream to disk), read back into memory and removed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include "app/export.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/banned.h"

#define CT_CSV "text/csv; charset=utf-8"
#define CT_XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

struct export {
	enum export_format fmt;
	size_t ncols;
	size_t col;                      /* next cell of the current row */
	size_t rows;                     /* data rows written */
	struct err err;                  /* first failure */
	struct buf csv;
	lxw_workbook *wb;
	lxw_worksheet *ws;
	char path[64];                   /* XLSX temporary file */
	unsigned width[EXPORT_MAX_COLS]; /* widest cell so far, in character cells */
};

int export_format_parse(const char *s, enum export_format *out)
{
	if (!s || !strcmp(s, "csv"))
		*out = EXPORT_CSV;
	else if (!strcmp(s, "xlsx"))
		*out = EXPORT_XLSX;
	else
		return -1;
	return 0;
}

const char *export_format_ext(enum export_format f)
{
	return f == EXPORT_XLSX ? "xlsx" : "csv";
}

const char *export_content_type(enum export_format f)
{
	return f == EXPORT_XLSX ? CT_XLSX : CT_CSV;
}

/* Display width of UTF-8 text: East Asian characters count 2. */
static unsigned text_width(const char *s)
{
	unsigned w = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;                    /* continuation byte */
		w += *p >= 0xe1 ? 2 : 1;         /* U+1000 and up: CJK, fullwidth */
	}
	return w;
}

static void note_width(struct export *x, unsigned w)
{
	if (x->col < EXPORT_MAX_COLS && w > x->width[x->col])
		x->width[x->col] = w;
}

static int fail_big(struct export *x)
{
	return err_set(&x->err, 413, "export.too_large", "导出内容过多，请缩小范围",
	               "the export is too large, narrow the request");
}

/* ---------------------------------------------------------------- CSV */

/* Does a CSV cell need the formula-injection prefix? */
static int csv_dangerous(const char *s)
{
	return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
}

static int csv_cell(struct export *x, const char *s, int text)
{
	struct buf *b = &x->csv;
	int quote = 0, rc = 0;

	if (x->col && buf_add(b, ",", 1) < 0)
		return fail_big(x);
	for (const char *p = s; *p && text; p++)
		if (*p == '"' || *p == ',' || *p == '\r' || *p == '\n')
			quote = 1;
	if (quote)
		rc |= buf_add(b, "\"", 1);
	if (text && csv_dangerous(s))
		rc |= buf_add(b, "'", 1);
	for (const char *p = s; *p && !rc; p++) {
		if (*p == '"')
			rc |= buf_add(b, "\"\"", 2);
		else
			rc |= buf_add(b, p, 1);
	}
	if (quote)
		rc |= buf_add(b, "\"", 1);
	return rc ? fail_big(x) : 0;
}

/* --------------------------------------------------------------- XLSX */

/* Excel forbids []:*?/\ in sheet names and allows 31 characters. */
static void sheet_name(const char *in, char *out, size_t n)
{
	size_t o = 0, chars = 0;

	for (const unsigned char *p = (const unsigned char *)(in && *in ? in : "Sheet1"); *p && o + 5 < n; p++) {
		if ((*p & 0xc0) != 0x80 && ++chars > 31)
			break;
		out[o++] = strchr("[]:*?/\\", *p) ? '_' : (char)*p;
	}
	out[o] = '\0';
}

static int xlsx_open(struct export *x, const char *name, const char *const *headers, struct err *e)
{
	const char *tmp = getenv("TMPDIR");
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_FALSE};
	lxw_format *bold;
	char sheet[128];
	int fd;

	if (!tmp || !*tmp || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(x->path, sizeof(x->path), "%s/wangge-export-XXXXXX", tmp);
	if ((fd = mkstemp(x->path)) < 0) {
		x->path[0] = '\0';
		return err_set(e, 500, "export.failed", "无法创建导出文件", "cannot create the export file: %s",
		               strerror(errno));
	}
	close(fd);
	opt.tmpdir = (char *)tmp;
	sheet_name(name, sheet, sizeof(sheet));
	if (!(x->wb = workbook_new_opt(x->path, &opt)) || !(x->ws = workbook_add_worksheet(x->wb, sheet)))
		return err_set(e, 500, "export.failed", "无法创建导出文件", "cannot create the workbook");
	bold = workbook_add_format(x->wb);
	format_set_bold(bold);
	for (size_t i = 0; i < x->ncols; i++) {
		worksheet_write_string(x->ws, 0, (lxw_col_t)i, headers[i] ? headers[i] : "", bold);
		x->col = i;
		note_width(x, text_width(headers[i] ? headers[i] : ""));
	}
	x->col = 0;
	worksheet_freeze_panes(x->ws, 1, 0);
	return 0;
}

/* ---------------------------------------------------------------- API */

void export_free(struct export *x)
{
	if (!x)
		return;
	buf_release(&x->csv);
	if (x->wb)
		workbook_close(x->wb);           /* writes the file we then remove */
	if (x->path[0])
		unlink(x->path);
	free(x);
}

struct export *export_begin(enum export_format fmt, const char *sheet, const char *const *headers,
                            size_t ncols, struct err *e)
{
	struct export *x;

	if (ncols == 0 || ncols > EXPORT_MAX_COLS) {
		err_set(e, 500, "export.failed", "导出列数无效", "bad number of export columns");
		return NULL;
	}
	if (!(x = calloc(1, sizeof(*x)))) {
		err_set(e, 500, "internal.oom", "内存不足", "out of memory");
		return NULL;
	}
	x->fmt = fmt;
	x->ncols = ncols;                    /* calloc: x->err is ERR_INIT */
	buf_init(&x->csv, EXPORT_MAX_BYTES);
	if (fmt == EXPORT_XLSX) {
		if (xlsx_open(x, sheet, headers, e) < 0) {
			export_free(x);
			return NULL;
		}
		return x;
	}
	if (buf_add(&x->csv, "\xef\xbb\xbf", 3) < 0) {
		export_free(x);
		err_set(e, 500, "internal.oom", "内存不足", "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < ncols; i++) {
		csv_cell(x, headers[i] ? headers[i] : "", 1);
		x->col++;
	}
	x->col = 0;
	if (buf_add(&x->csv, "\r\n", 2) < 0 || err_isset(&x->err)) {
		export_free(x);
		err_set(e, 500, "internal.oom", "内存不足", "out of memory");
		return NULL;
	}
	return x;
}

/* Room for a cell in this row? 0 = skip it quietly. */
static int cell_ok(struct export *x)
{
	if (err_isset(&x->err) || x->col >= x->ncols)
		return 0;
	if (x->rows >= EXPORT_MAX_ROWS) {
		fail_big(x);
		return 0;
	}
	return 1;
}

int export_text(struct export *x, const char *s)
{
	if (!cell_ok(x))
		return err_isset(&x->err) ? -1 : 0;
	if (!s)
		s = "";
	note_width(x, text_width(s));
	if (x->fmt == EXPORT_CSV)
		csv_cell(x, s, 1);
	else if (*s && worksheet_write_string(x->ws, (lxw_row_t)(x->rows + 1), (lxw_col_t)x->col, s, NULL))
		err_set(&x->err, 500, "export.failed", "写入导出文件失败", "cannot write the workbook cell");
	x->col++;
	return err_isset(&x->err) ? -1 : 0;
}

int export_number(struct export *x, double v)
{
	char s[40];

	if (!cell_ok(x))
		return err_isset(&x->err) ? -1 : 0;
	if (!isfinite(v))
		return export_empty(x);
	snprintf(s, sizeof(s), "%.15g", v);
	note_width(x, text_width(s));
	if (x->fmt == EXPORT_CSV)
		csv_cell(x, s, 0);
	else if (worksheet_write_number(x->ws, (lxw_row_t)(x->rows + 1), (lxw_col_t)x->col, v, NULL))
		err_set(&x->err, 500, "export.failed", "写入导出文件失败", "cannot write the workbook cell");
	x->col++;
	return err_isset(&x->err) ? -1 : 0;
}

int export_integer(struct export *x, int64_t v)
{
	char s[24];

	if (!cell_ok(x))
		return err_isset(&x->err) ? -1 : 0;
	snprintf(s, sizeof(s), "%lld", (long long)v);
	note_width(x, text_width(s));
	if (x->fmt == EXPORT_CSV)
		csv_cell(x, s, 0);
	else if (worksheet_write_number(x->ws, (lxw_row_t)(x->rows + 1), (lxw_col_t)x->col, (double)v, NULL))
		err_set(&x->err, 500, "export.failed", "写入导出文件失败", "cannot write the workbook cell");
	x->col++;
	return err_isset(&x->err) ? -1 : 0;
}

int export_empty(struct export *x)
{
	if (!cell_ok(x))
		return err_isset(&x->err) ? -1 : 0;
	if (x->fmt == EXPORT_CSV)
		csv_cell(x, "", 0);
	x->col++;
	return err_isset(&x->err) ? -1 : 0;
}

int export_end_row(struct export *x)
{
	if (err_isset(&x->err))
		return -1;
	while (x->col < x->ncols)
		export_empty(x);
	if (x->fmt == EXPORT_CSV && buf_add(&x->csv, "\r\n", 2) < 0)
		fail_big(x);
	x->col = 0;
	x->rows++;
	return err_isset(&x->err) ? -1 : 0;
}

int export_finish(struct export *x, char **data, size_t *len, const char **content_type,
                  struct err *e)
{
	struct buf file;
	int ret = -1;

	buf_init(&file, EXPORT_MAX_BYTES);
	if (x->col && export_end_row(x) < 0)
		goto out;
	if (err_isset(&x->err)) {
		*e = err_isset(e) ? *e : x->err;
		goto out;
	}
	*content_type = export_content_type(x->fmt);
	if (x->fmt == EXPORT_CSV) {
		*data = buf_detach(&x->csv, len);
		ret = 0;
		goto out;
	}
	for (size_t i = 0; i < x->ncols; i++) {
		unsigned w = x->width[i] + 2;
		worksheet_set_column(x->ws, (lxw_col_t)i, (lxw_col_t)i, w < 8 ? 8 : w > 60 ? 60 : w, NULL);
	}
	{
		lxw_error rc = workbook_close(x->wb);
		x->wb = NULL;
		if (rc != LXW_NO_ERROR) {
			err_set(e, 500, "export.failed", "生成 Excel 文件失败", "cannot write the workbook: %s",
			        lxw_strerror(rc));
			goto out;
		}
	}
	if (buf_read_file(&file, x->path) < 0) {
		if (errno == EFBIG)
			err_set(e, 413, "export.too_large", "导出内容过多，请缩小范围",
			        "the export is too large, narrow the request");
		else
			err_set(e, 500, "export.failed", "读取导出文件失败", "cannot read the workbook: %s",
			        strerror(errno));
		goto out;
	}
	*data = buf_detach(&file, len);
	if (!*data) {
		err_set(e, 500, "export.failed", "导出文件为空", "the workbook is empty");
		goto out;
	}
	ret = 0;
out:
	buf_release(&file);
	export_free(x);
	return ret;
}

const char *export_disposition(struct arena *a, const char *name, enum export_format f)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf ascii, enc;
	const char *ext = export_format_ext(f), *out = NULL;
	int rc = 0;

	buf_init(&ascii, 512);
	buf_init(&enc, 2048);
	for (const unsigned char *p = (const unsigned char *)name; *p && !rc; p++) {
		int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		            *p == '-' || *p == '_' || *p == '.';
		if (plain) {
			if (!(*p == '_' && ascii.len && ascii.data[ascii.len - 1] == '_'))
				rc |= buf_add(&ascii, p, 1);
			rc |= buf_add(&enc, p, 1);
		} else {
			char pct[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			if ((*p & 0xc0) != 0x80 && !(ascii.len && ascii.data[ascii.len - 1] == '_'))
				rc |= buf_add(&ascii, "_", 1);    /* one '_' for a run of them */
			rc |= buf_add(&enc, pct, 3);
		}
	}
	if (!rc)
		out = arena_printf(a, "attachment; filename=\"%s.%s\"; filename*=UTF-8''%s.%s",
		                   ascii.data ? ascii.data : "export", ext, enc.data ? enc.data : "export", ext);
	buf_release(&ascii);
	buf_release(&enc);
	return out;
}
