/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SPEC scanner under parse.c: the cursor over the SPEC's bytes, byte
 * classes, and the tokens that are more than one byte to read (names, integer
 * literals, double-quoted strings). Errors are recorded in the parser's
 * struct parse_error with their byte offset; the first one counts.
 */
#ifndef __KSNOOP_LEX_H
#define __KSNOOP_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"

struct parser {
	const char *s;
	int len;
	int i; /* cursor: byte offset in s */
	struct parse_error *err;
};

static inline bool is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static inline bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_ident_start(int c)
{
	return is_alpha(c) || c == '_';
}

static inline bool is_ident_char(int c)
{
	return is_ident_start(c) || is_digit(c);
}

static inline bool is_module_char(int c)
{
	return is_ident_char(c) || c == '-';
}

/* Function name bytes outside a '[...]' glob class. */
static inline bool is_func_char(int c)
{
	return is_ident_char(c) || c == '.' || c == '*' || c == '?';
}

/* Bytes inside a '[...]' glob class: ranges, negation, name bytes. */
static inline bool is_class_char(int c)
{
	return is_ident_char(c) || c == '.' || c == '-' || c == '!' || c == '^';
}

/* Bytes that may appear in a spec at all (printable ASCII or whitespace). */
static inline bool is_valid_byte(int c)
{
	return (c >= 0x20 && c < 0x7f) || is_ws(c);
}

static inline int lex_peek_at(const struct parser *p, int off)
{
	int j = p->i + off;

	return j >= 0 && j < p->len ? (unsigned char)p->s[j] : 0;
}

static inline int lex_peek(const struct parser *p)
{
	return lex_peek_at(p, 0);
}

static inline bool lex_at_end(const struct parser *p)
{
	return p->i >= p->len;
}

void lex_skip_ws(struct parser *p);
/* "'x'", "byte 0xc3" or "end of spec", for messages. */
const char *lex_describe(const struct parser *p, int pos, char *buf, size_t size);
/* Record the first error at @pos; returns -EINVAL for "return lex_fail(...)". */
int lex_fail(struct parser *p, int pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int lex_fail_nomem(struct parser *p);
/* s[start, end) without whitespace, except inside double-quoted strings; malloc'ed. */
char *lex_dup_nows(const char *s, int start, int end);
/* A name of s[start, end) longer than KSNOOP_MAX_NAME fails. */
int lex_check_name_len(struct parser *p, int start, int end);
/* IDENT at the cursor (caller checked is_ident_start); *name is malloc'ed. */
int lex_ident(struct parser *p, char **name);
/*
 * Unsigned integer literal at the cursor (a digit): decimal, 0x hex or 0
 * octal. Values above @max fail with "<what> out of range" at @errpos.
 */
int lex_uint(struct parser *p, uint64_t max, const char *what, int errpos, uint64_t *out);
/* STRING at the cursor (the opening '"'): decode its escapes into v->str. */
int lex_string(struct parser *p, struct pred_value *v);

#endif /* __KSNOOP_LEX_H */
