/* SPDX-License-Identifier: GPL-2.0 */
/* Small shared helpers: logging, a growable string buffer. */
#ifndef __KSNOOP_UTIL_H
#define __KSNOOP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __printf(a, b) __attribute__((format(printf, a, b)))

/* Verbosity: 0 normal, 1 -v, 2 -vv, 3 -d (libbpf debug and verifier logs). */
extern int verbosity;
extern bool json_errors;

/*
 * One-line error for the user, "ksnoop: <msg>", with an optional hint line
 * ("  hint: ..."); in JSON mode one {"error": ..., "hint": ...} line on stderr.
 */
void pr_error_hint(const char *hint, const char *fmt, ...) __printf(2, 3);
#define pr_error(...) pr_error_hint(NULL, __VA_ARGS__)
void pr_warn(const char *fmt, ...) __printf(1, 2);
void pr_info(int level, const char *fmt, ...) __printf(2, 3);

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	bool oom;	/* an allocation failed; content is truncated */
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

#endif /* __KSNOOP_UTIL_H */
