/*
 * password.c - password policy and masking (see password.h). Pure functions.
 *
 * The refused list holds the most common passwords of leaked sets and the
 * patterns Chinese users favour (birthdays and digit runs, pinyin words,
 * keyboard walks); a password is also refused when it merely repeats the
 * user name or one character.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "domain/password.h"
#include "lib/str.h"
#include "lib/banned.h"

static const char *const common[] = {
	"1234567890", "12345678910", "0123456789", "1234567890a", "a1234567890",
	"123456789a", "a123456789", "1qaz2wsx3edc", "1q2w3e4r5t", "qwertyuiop",
	"qwerty1234", "qwerty123456", "password12", "password123", "password1234",
	"passw0rd123", "p@ssw0rd123", "iloveyou12", "woaini1314", "woaini520",
	"5201314520", "1314520520", "aaaaaaaaaa", "abcdefghij", "abc1234567",
	"abcd123456", "asdfghjkl1", "zxcvbnm123", "admin12345", "admin123456",
	"administrator", "wangge123456", "wangge2024", "welcome123", "changeme123",
	"1111111111", "0000000000", "1234554321", "1122334455", "9876543210",
	"qazwsxedcr", "11223344556", "123123123123", "147258369a", "zhang123456",
	"wang123456", "li123456789", "chen123456", "liu1234567", "huang123456",
};

/* Number of UTF-8 code points. */
static size_t utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int password_check(const char *pw, const char *username, struct err *e)
{
	size_t len;

	if (!pw || !str_valid_utf8(pw, strlen(pw)))
		return err_set_param(e, 400, "password.invalid", "password", "密码含有无效字符",
		                     "password contains invalid characters");
	len = strlen(pw);
	if (len > PASSWORD_MAX)
		return err_set_param(e, 400, "password.too_long", "password", "密码不能超过 %d 字节",
		                     "password longer than %d bytes", PASSWORD_MAX);
	if (utf8_len(pw) < PASSWORD_MIN)
		return err_set_param(e, 400, "password.too_short", "password", "密码至少需要 %d 个字符",
		                     "password needs at least %d characters", PASSWORD_MIN);
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (!strcasecmp(pw, common[i]))
			return err_set_param(e, 400, "password.common", "password",
			                     "密码过于常见，请换一个不易猜到的密码",
			                     "password is too common, choose one that is hard to guess");
	{
		/* one character (of k bytes in UTF-8) repeated: 网网网… as well as aaa… */
		size_t k = 1, i;
		while (k < len && ((unsigned char)pw[k] & 0xC0) == 0x80)
			k++;
		for (i = k; i + k <= len && !memcmp(pw + i, pw, k); i += k)
			;
		if (i == len)
			return err_set_param(e, 400, "password.common", "password",
			                     "密码不能由同一个字符组成", "password repeats one character");
	}
	if (username && *username && strcasestr(pw, username) && strlen(username) * 2 >= len)
		return err_set_param(e, 400, "password.like_username", "password",
		                     "密码不能与用户名相近", "password is too close to the user name");
	return 0;
}

void mask_phone(const char *phone, char *out, size_t n)
{
	size_t len = phone ? strlen(phone) : 0, j = 0, digits = 0, seen = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < len; i++)
		digits += isdigit((unsigned char)phone[i]) != 0;
	for (size_t i = 0; i < len && j + 1 < n; i++) {
		int d = isdigit((unsigned char)phone[i]);
		int keep = !d || (digits >= 7 ? (seen < 3 || seen >= digits - 4) : seen >= digits - 2);
		if (d)
			seen++;
		if (!d && phone[i] == '-')
			continue;                     /* 139-0000-0012 -> 139****0012 */
		out[j++] = keep ? phone[i] : '*';
	}
	out[j] = '\0';
}

void mask_id_card(const char *id, char *out, size_t n)
{
	size_t len = id ? strlen(id) : 0, j = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < len && j + 1 < n; i++)
		out[j++] = (len > 10 && (i < 6 || i >= len - 4)) || len <= 10 ? id[i] : '*';
	if (len <= 10)                            /* too short to show any of it */
		for (size_t i = 0; i < j; i++)
			out[i] = '*';
	out[j] = '\0';
}
