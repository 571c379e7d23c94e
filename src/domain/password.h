/*
 * password.h - password policy and masking of personal data (pure rules).
 */
#ifndef WG_PASSWORD_H
#define WG_PASSWORD_H

#include <stddef.h>
#include "lib/err.h"

#define PASSWORD_MIN 10          /* characters (code points) */
#define PASSWORD_MAX 128         /* bytes */

/* Acceptable as a new password for username? 0, or 400 with code
 * password.too_short / password.too_long / password.common /
 * password.like_username / password.invalid. */
int password_check(const char *password, const char *username, struct err *e);

/* 13900000012 -> 139****0012 (keeps the first 3 and last 4 digits; shorter
 * numbers keep the last 2). out needs at least strlen(phone) + 1 bytes. */
void mask_phone(const char *phone, char *out, size_t n);
/* 440111199001011234 -> 440111********1234 (first 6, last 4). */
void mask_id_card(const char *id, char *out, size_t n);

#endif
