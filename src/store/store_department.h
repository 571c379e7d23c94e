/*
 * store_department.h - reading and clearing 职能部门 (departments), the
 * units outside the territorial tree that department staff are granted to.
 *
 * A department's code is its district's code, "-" and a short name
 * (440111-cg 城管). Adding one and asking whether one exists live with the
 * accounts (store_account.h: store_department_add / _exists); this module
 * adds what user administration and the demo need besides.
 */
#ifndef WG_STORE_DEPARTMENT_H
#define WG_STORE_DEPARTMENT_H

#include "store/db.h"

#define DEPARTMENT_CODE_MAX 40
#define DEPARTMENT_NAME_MAX 128

struct department_rec {
	char code[DEPARTMENT_CODE_MAX];      /* 440111-cg */
	char district[DEPARTMENT_CODE_MAX];  /* 440111 */
	char name[DEPARTMENT_NAME_MAX];      /* 城管 */
};

typedef int (*department_cb)(void *ctx, const struct department_rec *d);

/* One department by code; 404 unit.not_found when there is none. */
int store_department_get(struct db *db, const char *code, struct department_rec *out,
                         struct err *e);
/* Every department, ordered by code. The callback's non-zero return stops
 * the listing and is returned. */
int store_department_list(struct db *db, department_cb cb, void *ctx, struct err *e);
/* Delete every department (the demo rebuilds the org, and a department
 * references its district unit). Grants that name one are not touched.
 * Call inside a transaction. */
int store_department_clear(struct db *db, struct err *e);

#endif
