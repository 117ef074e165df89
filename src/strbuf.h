/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A growable string buffer and the number writers the formatters use. The
 * bottom layer of the output path: it includes nothing of ksnoop but
 * compiler.h (json.h and log.h build on it, never the other way).
 */
#ifndef __KSNOOP_STRBUF_H
#define __KSNOOP_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	bool oom; /* an allocation failed; content is truncated */
};

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_putc(struct strbuf *sb, char c);
void sb_puts(struct strbuf *sb, const char *s);
void sb_put(struct strbuf *sb, const void *data, size_t n);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __printf(2, 3);
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
/* NUL-terminated view (never NULL). */
const char *sb_str(struct strbuf *sb);

/*
 * Hot-path appends for the event formatters: the same result as sb_put() and
 * sb_putc(), inline when the buffer already has room (the common case once it
 * has grown to an event's size), so a byte costs a compare and a store.
 */
static inline void sb_add(struct strbuf *sb, const void *data, size_t n)
{
	if (!sb->oom && sb->cap - sb->len > n) {
		__builtin_memcpy(sb->buf + sb->len, data, n);
		sb->len += n;
		sb->buf[sb->len] = '\0';
	} else {
		sb_put(sb, data, n);
	}
}

static inline void sb_addc(struct strbuf *sb, char c)
{
	if (!sb->oom && sb->cap - sb->len > 1) {
		sb->buf[sb->len++] = c;
		sb->buf[sb->len] = '\0';
	} else {
		sb_put(sb, &c, 1);
	}
}

static inline void sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, __builtin_strlen(s));
}

/*
 * Numbers without printf: sb_put_u64() is "%llu", sb_put_s64() "%lld",
 * sb_put_hex() "%llx" (lowercase, no prefix) zero-padded to at least @width
 * digits ("%0*llx").
 */
void sb_put_u64(struct strbuf *sb, unsigned long long v);
void sb_put_s64(struct strbuf *sb, long long v);
void sb_put_hex(struct strbuf *sb, unsigned long long v, int width);
/* @n spaces ("%*s" with ""). */
void sb_put_spaces(struct strbuf *sb, size_t n);

/*
 * Indent, in place, the text appended to @sb since @start: each of its lines
 * (up to a NUL) gets @ind spaces in front and ends with a '\n'.
 */
void sb_indent_tail(struct strbuf *sb, size_t start, int ind);

/*
 * Writing in place: sb_reserve() returns room for @n bytes (and the NUL) at
 * the end of @sb, or NULL when out of memory; sb_commit() ends the content at
 * @end (within that room). The str_* writers put a number at @p and return
 * the end: "%llu", "%0*llu" (@width <= 24; it may write 24 bytes whatever
 * the width), "%0*llx" (@width <= 24).
 */
char *sb_reserve_slow(struct strbuf *sb, size_t n);
static inline char *sb_reserve(struct strbuf *sb, size_t n)
{
	if (!sb->oom && sb->cap - sb->len > n)
		return sb->buf + sb->len;
	return sb_reserve_slow(sb, n);
}
static inline void sb_commit(struct strbuf *sb, char *end)
{
	sb->len = end - sb->buf;
	*end = '\0';
}
char *str_u64(char *p, unsigned long long v);
char *str_udec(char *p, unsigned long long v, int width);
char *str_hex(char *p, unsigned long long v, int width);
/* Digits of @v in decimal. */
unsigned int str_dec_len(unsigned long long v);

#endif /* __KSNOOP_STRBUF_H */
