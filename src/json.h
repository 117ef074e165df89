/* SPDX-License-Identifier: GPL-2.0 */
/* JSON encoding helpers shared by the value sink, events and errors. */
#ifndef __KSNOOP_JSON_H
#define __KSNOOP_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/*
 * Append @s (@len bytes, may hold NULs or invalid UTF-8) as a JSON string:
 * '"', '\\' and control bytes escaped (\n \t \r \b \f, others \u00XX), bytes
 * that are not valid UTF-8 escaped as \u00XX (the byte's value).
 */
void json_put_string(struct strbuf *sb, const char *s, size_t len);

/*
 * Integers: exact JSON numbers when |v| <= 2^53, else a decimal string, so that
 * jq never rounds (documented in the man page).
 */
void json_put_u64(struct strbuf *sb, uint64_t v);
void json_put_s64(struct strbuf *sb, int64_t v);
/* The same written at @p, returning the end: at most JSON_NUM_MAX bytes. */
#define JSON_NUM_MAX 24
char *json_str_u64(char *p, uint64_t v);
char *json_str_s64(char *p, int64_t v);

#endif /* __KSNOOP_JSON_H */
