// SPDX-License-Identifier: GPL-2.0
/*
 * JSON encoding helpers. Kernel strings are arbitrary bytes: every byte that
 * is a control character or not part of a well-formed UTF-8 sequence comes out
 * as \u00XX (the byte's value), so the output is always valid JSON and valid
 * UTF-8, and a reader can still tell which byte was there.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/*
 * Length of the well-formed UTF-8 sequence starting at @s (at most @len bytes),
 * or 0 if the bytes there are not one (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF).
 */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	/* The second byte's range is narrower after some lead bytes. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Bytes that go out as they are: printable ASCII but '"' and '\\'. */
static const unsigned char json_plain[256] = {
	[0x20 ... '"' - 1] = 1,
	['"' + 1 ... '\\' - 1] = 1,
	['\\' + 1 ... 0x7e] = 1,
};

/*
 * Whether all 8 bytes of @x are json_plain[]: no byte below 0x20 or above
 * 0x7e, none equal to '"' or '\\' (the classic SWAR "has byte" tests, exact
 * for "any byte").
 */
static inline bool plain8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t below = (x - ones * 0x20) & ~x & high;
	uint64_t above = ((x + ones * (127 - 0x7e)) | x) & high;
	uint64_t quote = x ^ (ones * '"'), bslash = x ^ (ones * '\\');

	quote = (quote - ones) & ~quote & high;
	bslash = (bslash - ones) & ~bslash & high;
	return !(below | above | quote | bslash);
}

void json_put_string(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n;
	char *q;

	/* Written in place: at most 6 bytes out per byte in ("\u00XX"), and the quotes. */
	q = len < SIZE_MAX / 8 ? sb_reserve(sb, len * 6 + 2) : NULL;
	if (!q)
		return;
	*q++ = '"';
	while (p < end) {
		unsigned char c;

		/* Eight plain bytes at a time, then byte by byte. */
		while (end - p >= 8) {
			uint64_t x;

			memcpy(&x, p, 8);
			if (!plain8(x))
				break;
			memcpy(q, &x, 8);
			q += 8;
			p += 8;
		}
		while (p < end && json_plain[*p])
			*q++ = *p++;
		if (p == end)
			break;
		c = *p;
		if (json_plain[c]) {
			*q++ = c;
			p++;
			continue;
		}
		if (c >= 0x80) {
			n = utf8_seq_len(p, end - p);
			if (n) {
				memcpy(q, p, n);
				q += n;
				p += n;
				continue;
			}
			goto uescape;
		}
		switch (c) {
		case '"':
		case '\\':
			break;
		case '\n':
			c = 'n';
			break;
		case '\t':
			c = 't';
			break;
		case '\r':
			c = 'r';
			break;
		case '\b':
			c = 'b';
			break;
		case '\f':
			c = 'f';
			break;
		default:
			goto uescape; /* other control bytes and DEL */
		}
		q[0] = '\\';
		q[1] = c;
		q += 2;
		p++;
		continue;
	uescape:
		q[0] = '\\';
		q[1] = 'u';
		q[2] = '0';
		q[3] = '0';
		q[4] = hex[c >> 4];
		q[5] = hex[c & 15];
		q += 6;
		p++;
	}
	*q++ = '"';
	sb_commit(sb, q);
}

#define JSON_MAX_EXACT (1ULL << 53)

char *json_str_u64(char *p, uint64_t v)
{
	if (v <= JSON_MAX_EXACT)
		return str_u64(p, v);
	*p++ = '"';
	p = str_u64(p, v);
	*p++ = '"';
	return p;
}

char *json_str_s64(char *p, int64_t v)
{
	/* |v| computed in unsigned arithmetic: -INT64_MIN overflows int64_t. */
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	bool quote = mag > JSON_MAX_EXACT;

	if (quote)
		*p++ = '"';
	if (v < 0)
		*p++ = '-';
	p = str_u64(p, mag);
	if (quote)
		*p++ = '"';
	return p;
}

void json_put_u64(struct strbuf *sb, uint64_t v)
{
	char *p = sb_reserve(sb, JSON_NUM_MAX);

	if (p)
		sb_commit(sb, json_str_u64(p, v));
}

void json_put_s64(struct strbuf *sb, int64_t v)
{
	char *p = sb_reserve(sb, JSON_NUM_MAX);

	if (p)
		sb_commit(sb, json_str_s64(p, v));
}

/* ------------------------------------------------------------------------ */
/* The writer                                                               */

void jw_key(struct jw *w, const char *s, size_t len)
{
	if (!jw_key_first(w))
		sb_addc(w->sb, ',');
	json_put_string(w->sb, s, len);
	sb_addc(w->sb, ':');
}

void jw_str(struct jw *w, const char *s, size_t len)
{
	if (!jw_value_first(w))
		sb_addc(w->sb, ',');
	json_put_string(w->sb, s, len);
}

void jw_strz(struct jw *w, const char *s)
{
	jw_str(w, s, strlen(s));
}

void jw_hex(struct jw *w, uint64_t v)
{
	char *p = jw_value_at(w, 20);

	if (!p)
		return;
	memcpy(p, "\"0x", 3);
	p = str_hex(p + 3, v, 0);
	*p++ = '"';
	sb_commit(w->sb, p);
}

void jw_fixed(struct jw *w, double v, int decimals)
{
	if (!jw_value_first(w))
		sb_addc(w->sb, ',');
	sb_printf(w->sb, "%.*f", decimals, v);
}

void jw_record(struct jw *w, struct strbuf *sb, const char *type)
{
	jw_init(w, sb);
	jw_obj_begin(w);
	JW_KEY(w, "type");
	jw_strz(w, type);
}

void jw_record_end(struct jw *w)
{
	jw_obj_end(w);
	jw_line_end(w);
}
