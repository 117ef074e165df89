// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void sb_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb_init(sb);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

static bool sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1, cap;
	char *p;

	if (sb->oom)
		return false;
	if (need <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(sb->buf, cap);
	if (!p) {
		sb->oom = true;
		return false;
	}
	sb->buf = p;
	sb->cap = cap;
	return true;
}

void sb_put(struct strbuf *sb, const void *data, size_t n)
{
	if (!sb_grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_putc(struct strbuf *sb, char c)
{
	sb_put(sb, &c, 1);
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s));
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || !sb_grow(sb, n))
		return;
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	sb->len += n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

const char *sb_str(struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
				  "25262728293031323334353637383940414243444546474849"
				  "50515253545556575859606162636465666768697071727374"
				  "75767778798081828384858687888990919293949596979899";

unsigned int str_dec_len(unsigned long long v)
{
	unsigned int n = 1;

	if (v >= 100000000) {
		v /= 100000000;
		n += 8;
		if (v >= 100000000) {
			v /= 100000000;
			n += 8;
		}
	}
	if (v >= 10000) {
		v /= 10000;
		n += 4;
	}
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

/* The digits of @v, ending at @end. */
static void put_digits(char *end, unsigned long long v)
{
	unsigned int w;

	while (v > UINT32_MAX) {
		end -= 2;
		memcpy(end, digit_pairs + (v % 100) * 2, 2);
		v /= 100;
	}
	/* 32-bit divisions are cheaper; four digits per division while we can. */
	w = v;
	while (w >= 10000) {
		unsigned int q = w / 10000, r = w - q * 10000;

		end -= 4;
		memcpy(end, digit_pairs + (r / 100) * 2, 2);
		memcpy(end + 2, digit_pairs + (r % 100) * 2, 2);
		w = q;
	}
	while (w >= 100) {
		end -= 2;
		memcpy(end, digit_pairs + (w % 100) * 2, 2);
		w /= 100;
	}
	if (w >= 10) {
		end -= 2;
		memcpy(end, digit_pairs + w * 2, 2);
	} else {
		*--end = '0' + w;
	}
}

char *str_u64(char *p, unsigned long long v)
{
	/* Small numbers (cpu, pid, lengths, most values) without finding the length first. */
	if (v < 100) {
		if (v < 10) {
			*p = '0' + v;
			return p + 1;
		}
		memcpy(p, digit_pairs + v * 2, 2);
		return p + 2;
	}
	if (v < 10000) {
		unsigned int q = v / 100, r = v - q * 100;

		if (q < 10)
			*p++ = '0' + q;
		else
			p = mempcpy(p, digit_pairs + q * 2, 2);
		memcpy(p, digit_pairs + r * 2, 2);
		return p + 2;
	}
	p += str_dec_len(v);
	put_digits(p, v);
	return p;
}

char *str_udec(char *p, unsigned long long v, int width)
{
	static const unsigned int pow10[] = {1,	     10,      100,	1000,	   10000,
					     100000, 1000000, 10000000, 100000000, 1000000000};
	unsigned int n;

	if (width > 24)
		width = 24;
	if (width > 0 && width < (int)ARRAY_SIZE(pow10) && v < pow10[width]) {
		/* A fraction of a second: the digits over zeros, no length to find. */
		__builtin_memcpy(p, "000000000000000000000000", 24);
		put_digits(p + width, v);
		return p + width;
	}
	n = str_dec_len(v);
	if ((int)n < width) {
		memset(p, '0', width - n);
		p += width - n;
	}
	p += n;
	put_digits(p, v);
	return p;
}

char *str_hex(char *p, unsigned long long v, int width)
{
	static const char digits[] = "0123456789abcdef";
	unsigned int n = v ? (67 - __builtin_clzll(v)) / 4 : 1, i;

	if (width > 24)
		width = 24;
	if ((int)n < width)
		n = width;
	for (i = n; i-- > 0; v >>= 4)
		p[i] = digits[v & 15];
	return p + n;
}

char *sb_reserve_slow(struct strbuf *sb, size_t n)
{
	if (sb->oom || sb->cap - sb->len <= n) {
		/* sb_put_spaces() grows the buffer; its bytes are overwritten. */
		size_t len = sb->len;

		sb_put_spaces(sb, n);
		if (sb->oom)
			return NULL;
		sb->len = len;
		sb->buf[len] = '\0';
	}
	return sb->buf + sb->len;
}

void sb_put_u64(struct strbuf *sb, unsigned long long v)
{
	char *p = sb_reserve(sb, 24);

	if (p)
		sb_commit(sb, str_u64(p, v));
}

void sb_put_s64(struct strbuf *sb, long long v)
{
	char *p = sb_reserve(sb, 24);

	if (!p)
		return;
	if (v < 0) {
		*p++ = '-';
		/* In unsigned arithmetic: -LLONG_MIN overflows long long. */
		p = str_u64(p, -(unsigned long long)v);
	} else {
		p = str_u64(p, v);
	}
	sb_commit(sb, p);
}

void sb_put_hex(struct strbuf *sb, unsigned long long v, int width)
{
	char *p = sb_reserve(sb, 24);

	if (p)
		sb_commit(sb, str_hex(p, v, width));
}

void sb_put_spaces(struct strbuf *sb, size_t n)
{
	static const char spaces[] = "                                ";

	while (n > sizeof(spaces) - 1) {
		sb_add(sb, spaces, sizeof(spaces) - 1);
		n -= sizeof(spaces) - 1;
	}
	sb_add(sb, spaces, n);
}

void sb_indent_tail(struct strbuf *sb, size_t start, int ind)
{
	/* Where the '\n's are, from the count: no search back for each line (up to 512). */
	uint32_t nls[512];
	size_t len, lines = 0, newlen, pos, dst, lstart, k, i;
	bool trailing, known;
	const char *nl;
	char *s;

	if (sb->oom || !sb->buf || start >= sb->len)
		return;
	s = sb->buf + start;
	len = strnlen(s, sb->len - start);
	for (nl = s; (nl = memchr(nl, '\n', s + len - nl)); nl++) {
		if (lines < ARRAY_SIZE(nls))
			nls[lines] = nl - s;
		lines++;
	}
	known = lines <= ARRAY_SIZE(nls) && len <= UINT32_MAX;
	k = lines;
	trailing = len && s[len - 1] != '\n';
	lines += trailing;
	newlen = len + lines * ind + trailing;
	sb->len = start + len;
	if (newlen > len && !sb_reserve(sb, newlen - len))
		return;
	s = sb->buf + start;
	/* Back to front: every byte moves right by the indents before it. */
	pos = len;
	dst = newlen;
	if (trailing)
		s[--dst] = '\n';
	while (pos > 0) {
		size_t lend = pos;

		if (s[lend - 1] == '\n' && !(trailing && pos == len)) {
			s[--dst] = '\n';
			lend--;
		}
		if (known) {
			/* nls[k - 1] is the last '\n' before lend, if any is. */
			while (k && nls[k - 1] >= lend)
				k--;
			lstart = k ? nls[k - 1] + 1 : 0;
		} else {
			nl = lend ? memrchr(s, '\n', lend) : NULL;
			lstart = nl ? (size_t)(nl - s) + 1 : 0;
		}
		dst -= lend - lstart;
		memmove(s + dst, s + lstart, lend - lstart);
		dst -= ind;
		/* Indents are 4 per level: 4-byte stores, no call. */
		if (ind % 4)
			memset(s + dst, ' ', ind);
		else
			for (i = 0; i < (size_t)ind; i += 4)
				__builtin_memcpy(s + dst + i, "    ", 4);
		pos = lstart;
	}
	sb_commit(sb, s + newlen);
}
