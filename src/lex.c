// SPDX-License-Identifier: GPL-2.0
/* The SPEC scanner; see lex.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "ksnoop.h"
#include "lex.h"

void lex_skip_ws(struct parser *p)
{
	while (p->i < p->len && is_ws((unsigned char)p->s[p->i]))
		p->i++;
}

const char *lex_describe(const struct parser *p, int pos, char *buf, size_t size)
{
	int c;

	if (pos >= p->len)
		return "end of spec";
	c = (unsigned char)p->s[pos];
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, size, "'%c'", c);
	else if (c == ' ')
		snprintf(buf, size, "space");
	else
		snprintf(buf, size, "byte 0x%02x", c);
	return buf;
}

int lex_fail(struct parser *p, int pos, const char *fmt, ...)
{
	va_list ap;

	p->err->pos = pos;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int lex_fail_nomem(struct parser *p)
{
	p->err->pos = p->i;
	snprintf(p->err->msg, sizeof(p->err->msg), "out of memory");
	return -ENOMEM;
}

char *lex_dup_nows(const char *s, int start, int end)
{
	char *d = malloc(end - start + 1);
	bool quoted = false;
	int i, n = 0;

	if (!d)
		return NULL;
	for (i = start; i < end; i++) {
		if (quoted && s[i] == '\\' && i + 1 < end) {
			d[n++] = s[i++];
			d[n++] = s[i];
			continue;
		}
		if (s[i] == '"')
			quoted = !quoted;
		if (quoted || !is_ws((unsigned char)s[i]))
			d[n++] = s[i];
	}
	d[n] = '\0';
	return d;
}

int lex_check_name_len(struct parser *p, int start, int end)
{
	if (end - start > KSNOOP_MAX_NAME)
		return lex_fail(p, start, "name too long (%d bytes, limit %d)", end - start,
				KSNOOP_MAX_NAME);
	return 0;
}

int lex_ident(struct parser *p, char **name)
{
	int start = p->i, err;

	while (is_ident_char(lex_peek(p)))
		p->i++;
	err = lex_check_name_len(p, start, p->i);
	if (err)
		return err;
	*name = strndup(p->s + start, p->i - start);
	return *name ? 0 : lex_fail_nomem(p);
}

static int digit_value(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int lex_uint(struct parser *p, uint64_t max, const char *what, int errpos, uint64_t *out)
{
	bool overflow = false;
	uint64_t v = 0;
	unsigned int base = 10;
	char buf[16];
	int d;

	if (lex_peek(p) == '0' && (lex_peek_at(p, 1) == 'x' || lex_peek_at(p, 1) == 'X')) {
		base = 16;
		p->i += 2;
		if (digit_value(lex_peek(p)) >= 16)
			return lex_fail(p, p->i, "expected hex digits after '0x'");
	} else if (lex_peek(p) == '0') {
		base = 8;
	}
	while ((d = digit_value(lex_peek(p))) < 16) {
		if ((unsigned int)d >= base) {
			if (base == 8 && d < 10)
				return lex_fail(p, p->i, "invalid digit '%c' in octal literal",
						lex_peek(p));
			break;
		}
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		else
			v = v * base + d;
		p->i++;
	}
	if (is_ident_char(lex_peek(p)) || lex_peek(p) == '.')
		return lex_fail(p, p->i, "invalid character %s in integer literal",
				lex_describe(p, p->i, buf, sizeof(buf)));
	if (overflow || v > max)
		return lex_fail(p, errpos, "%s out of range", what);
	*out = v;
	return 0;
}

int lex_string(struct parser *p, struct pred_value *v)
{
	int start = p->i;
	size_t n = 0;
	char *d;

	d = malloc(p->len - p->i + 1);
	if (!d)
		return lex_fail_nomem(p);
	v->str = d;
	for (p->i++; p->i < p->len && p->s[p->i] != '"'; p->i++) {
		int c = (unsigned char)p->s[p->i], hi, lo;

		if (c != '\\') {
			d[n++] = c;
			continue;
		}
		if (p->i + 1 >= p->len)
			break;
		c = p->s[++p->i];
		switch (c) {
		case '"':
		case '\\':
			d[n++] = c;
			break;
		case 'n':
			d[n++] = '\n';
			break;
		case 't':
			d[n++] = '\t';
			break;
		case 'x':
			hi = p->i + 1 < p->len ? digit_value(p->s[p->i + 1]) : 99;
			lo = p->i + 2 < p->len ? digit_value(p->s[p->i + 2]) : 99;
			if (hi > 15 || lo > 15 || (!hi && !lo))
				return lex_fail(
					p, p->i - 1,
					"'\\x' needs two hex digits, not 00 (e.g. \\x2f for '/')");
			d[n++] = hi * 16 + lo;
			p->i += 2;
			break;
		default:
			return lex_fail(
				p, p->i - 1,
				"unknown escape '\\%c' in string (use \\\" \\\\ \\n \\t \\xHH)", c);
		}
	}
	if (p->i >= p->len)
		return lex_fail(p, start, "unterminated string: missing the closing '\"'");
	p->i++;
	d[n] = '\0';
	v->len = n;
	v->kind = PVAL_STR;
	return 0;
}
