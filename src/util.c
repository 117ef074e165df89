// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "json.h"

int verbosity;
bool json_errors;

void pr_error_hint(const char *hint, const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;

	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	/* Messages are one line: drop a trailing newline a caller may have added. */
	if (sb.len && sb.buf[sb.len - 1] == '\n')
		sb.buf[--sb.len] = '\0';
	if (json_errors) {
		struct strbuf out;

		sb_init(&out);
		sb_puts(&out, "{\"error\":");
		json_put_string(&out, sb_str(&sb), sb.len);
		if (hint) {
			sb_puts(&out, ",\"hint\":");
			json_put_string(&out, hint, strlen(hint));
		}
		sb_puts(&out, "}\n");
		fputs(sb_str(&out), stderr);
		sb_free(&out);
	} else {
		fprintf(stderr, "ksnoop: %s\n", sb_str(&sb));
		if (hint)
			fprintf(stderr, "  hint: %s\n", hint);
	}
	sb_free(&sb);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("ksnoop: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void pr_info(int level, const char *fmt, ...)
{
	va_list ap;

	if (verbosity < level)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

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

void sb_put_udec(struct strbuf *sb, unsigned long long v, int width)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	while (buf + sizeof(buf) - p < width && p > buf)
		*--p = '0';
	sb_add(sb, p, buf + sizeof(buf) - p);
}

void sb_put_u64(struct strbuf *sb, unsigned long long v)
{
	if (v < 10)
		sb_addc(sb, '0' + v);
	else
		sb_put_udec(sb, v, 0);
}

void sb_put_s64(struct strbuf *sb, long long v)
{
	if (v < 0) {
		sb_addc(sb, '-');
		/* In unsigned arithmetic: -LLONG_MIN overflows long long. */
		sb_put_udec(sb, -(unsigned long long)v, 0);
	} else {
		sb_put_u64(sb, v);
	}
}

void sb_put_hex(struct strbuf *sb, unsigned long long v, int width)
{
	static const char digits[] = "0123456789abcdef";
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = digits[v & 15];
		v >>= 4;
	} while (v);
	while (buf + sizeof(buf) - p < width && p > buf)
		*--p = '0';
	sb_add(sb, p, buf + sizeof(buf) - p);
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
