/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON: the string escaper and number writers (kernel bytes in, valid JSON and
 * UTF-8 out), and a streaming writer built on them that places the commas and
 * checks the nesting. Every JSON ksnoop prints goes through the writer.
 */
#ifndef __KSNOOP_JSON_H
#define __KSNOOP_JSON_H

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/*
 * The writer. A JSON text is written into @sb as calls come:
 *
 *	struct jw w;
 *
 *	jw_init(&w, sb);
 *	jw_obj_begin(&w);
 *	JW_KEY(&w, "count");
 *	jw_u64(&w, n);
 *	JW_KEY(&w, "names");
 *	jw_arr_begin(&w);
 *	jw_str(&w, name, len);
 *	jw_arr_end(&w);
 *	jw_obj_end(&w);
 *	jw_line_end(&w);		{"count":3,"names":["a"]} and '\n'
 *
 * The writer puts the ',' between members and elements, and tracks what is
 * open. Misuse (a value in an object without its key, a key in an array, an
 * end that does not match its begin, a line ended with a container open or a
 * key waiting for its value, nesting beyond JW_MAX_DEPTH) is a bug in ksnoop:
 * it is kept in @err (the first one) and jw_check() returns it; jw_line_end()
 * asserts that there was none unless @sb ran out of memory (assert():
 * every build without NDEBUG, the unit tests included). The output may still
 * be written after a misuse: the writer never stops on it, so that the check
 * costs nothing on the way.
 *
 * Hot paths write members in place (jw_member_at(), jw_member_first()): the
 * writer still places the ',' and checks that an object is open.
 */
#define JW_MAX_DEPTH 48

enum {
	JW_OBJ = 1,  /* the container is an object (else an array, or the top level) */
	JW_ANY = 2,  /* it holds a member or element already: the next needs a ',' */
	JW_WANT = 4, /* a key is written: its value comes next */
};

struct jw {
	struct strbuf *sb;
	unsigned int depth; /* open containers */
	int err;	    /* the first misuse: -EINVAL, or -E2BIG past JW_MAX_DEPTH */
	/* st[d]: the container at depth d (st[0]: the top level), JW_* bits */
	uint8_t st[JW_MAX_DEPTH + 1];
};

static inline void jw_init(struct jw *w, struct strbuf *sb)
{
	w->sb = sb;
	w->depth = 0;
	w->err = 0;
	w->st[0] = 0;
}

static inline void jw_misuse(struct jw *w, int err)
{
	if (!w->err)
		w->err = err;
}

/* Whether the next thing written is a member of an object (a key is due). */
static inline bool jw_in_object(const struct jw *w)
{
	return (w->st[w->depth] & (JW_OBJ | JW_WANT)) == JW_OBJ;
}

/*
 * The step before a value: none after a key; else, in an array, a ',' after
 * the first element (a value in an object without a key is misuse). Returns
 * 1 when no ',' is due, 0 when the caller must write one.
 */
static inline size_t jw_value_first(struct jw *w)
{
	uint8_t *st = &w->st[w->depth], v = *st;

	if (v & JW_WANT) {
		*st = v & ~JW_WANT;
		return 1;
	}
	if (v & JW_OBJ)
		jw_misuse(w, -EINVAL);
	*st = v | JW_ANY;
	return !(v & JW_ANY) || !w->depth;
}

/*
 * The step before a member of the open object whose key the caller writes
 * itself: 1 when it is the object's first (no ','), 0 when a ',' is due.
 * jw_key_first() then expects the value through the writer; with
 * jw_member_first() the caller writes the value too (in place).
 */
static inline size_t jw_member_first(struct jw *w)
{
	uint8_t *st = &w->st[w->depth], v = *st;

	if ((v & (JW_OBJ | JW_WANT)) != JW_OBJ)
		jw_misuse(w, -EINVAL);
	*st = v | JW_ANY;
	return !(v & JW_ANY);
}

static inline size_t jw_key_first(struct jw *w)
{
	uint8_t *st = &w->st[w->depth], v = *st;

	if ((v & (JW_OBJ | JW_WANT)) != JW_OBJ)
		jw_misuse(w, -EINVAL);
	*st = v | JW_ANY | JW_WANT;
	return !(v & JW_ANY);
}

/*
 * A key given as its JSON text with the colon (@len bytes: "\"name\":",
 * escaped already). JW_KEY() takes a string literal that needs no escaping.
 */
static inline void jw_key_raw(struct jw *w, const char *key, size_t len)
{
	char *p = sb_reserve(w->sb, len + 1);
	size_t first = jw_key_first(w);

	if (!p)
		return;
	if (!first)
		*p++ = ',';
	memcpy(p, key, len);
	sb_commit(w->sb, p + len);
}

#define JW_KEY(w, lit) jw_key_raw(w, "\"" lit "\":", sizeof("\"" lit "\":") - 1)

/*
 * In place, at @p in room the caller reserved: the ',' if due and @key
 * (JSON text with the colon, as jw_key_raw()); the caller writes the value
 * at the pointer returned. JW_MEMBER_AT() takes a string literal.
 */
static inline char *jw_member_at(struct jw *w, char *p, const char *key, size_t len)
{
	if (!jw_member_first(w))
		*p++ = ',';
	memcpy(p, key, len);
	return p + len;
}

#define JW_MEMBER_AT(w, p, lit) jw_member_at(w, p, "\"" lit "\":", sizeof("\"" lit "\":") - 1)

/*
 * In place, right after a member written with JW_MEMBER_AT() and its value in
 * the same stretch: the next member's ',' and key (the object is not empty, so
 * the writer has nothing to decide). For the members every event has.
 */
#define JW_NEXT_MEMBER_AT(p, lit)                                                                  \
	(memcpy(p, ",\"" lit "\":", sizeof(",\"" lit "\":") - 1), (p) + sizeof(",\"" lit "\":") - 1)

/* In place, a key whose value comes through the writer (jw_begin_at(), jw_*()). */
static inline char *jw_key_at(struct jw *w, char *p, const char *key, size_t len)
{
	if (!jw_key_first(w))
		*p++ = ',';
	memcpy(p, key, len);
	return p + len;
}

#define JW_KEY_AT(w, p, lit) jw_key_at(w, p, "\"" lit "\":", sizeof("\"" lit "\":") - 1)

/* A key to escape: any bytes. */
void jw_key(struct jw *w, const char *s, size_t len);

/*
 * In place: an object (@kind JW_OBJ, '{') or array (0, '[') begins at @p,
 * after its ',' if one is due (2 bytes at most). Returns the end.
 */
static inline char *jw_begin_at(struct jw *w, char *p, uint8_t kind)
{
	if (!jw_value_first(w))
		*p++ = ',';
	*p++ = kind ? '{' : '[';
	if (w->depth >= JW_MAX_DEPTH)
		jw_misuse(w, -E2BIG);
	else
		w->st[++w->depth] = kind;
	return p;
}

static inline void jw_push(struct jw *w, uint8_t kind)
{
	char *p = sb_reserve(w->sb, 2), none[2];

	/* Out of memory: nothing is written, but the nesting is still kept. */
	if (p)
		sb_commit(w->sb, jw_begin_at(w, p, kind));
	else
		jw_begin_at(w, none, kind);
}

static inline void jw_pop(struct jw *w, uint8_t kind, char c)
{
	if (!w->depth || (w->st[w->depth] & (JW_OBJ | JW_WANT)) != kind)
		jw_misuse(w, -EINVAL);
	else
		w->depth--;
	sb_addc(w->sb, c);
}

static inline void jw_obj_begin(struct jw *w)
{
	jw_push(w, JW_OBJ);
}

static inline void jw_obj_end(struct jw *w)
{
	jw_pop(w, JW_OBJ, '}');
}

static inline void jw_arr_begin(struct jw *w)
{
	jw_push(w, 0);
}

static inline void jw_arr_end(struct jw *w)
{
	jw_pop(w, 0, ']');
}

/* Values: @len bytes of JSON text rendered elsewhere ("null", a number, an object). */
static inline void jw_raw(struct jw *w, const char *json, size_t len)
{
	if (!jw_value_first(w))
		sb_addc(w->sb, ',');
	sb_add(w->sb, json, len);
}

#define JW_RAW(w, lit) jw_raw(w, lit, sizeof(lit) - 1)

static inline void jw_null(struct jw *w)
{
	JW_RAW(w, "null");
}

static inline void jw_bool(struct jw *w, bool v)
{
	if (v)
		JW_RAW(w, "true");
	else
		JW_RAW(w, "false");
}

/* @len bytes of any content, escaped (json_put_string()). */
void jw_str(struct jw *w, const char *s, size_t len);
void jw_strz(struct jw *w, const char *s);
/*
 * In place, a value: its ',' if one is due, then @room bytes free for it at
 * the pointer returned (for sb_commit()); NULL when out of memory.
 */
static inline char *jw_value_at(struct jw *w, size_t room)
{
	size_t first = jw_value_first(w);
	char *p = sb_reserve(w->sb, room + 1);

	if (p && !first)
		*p++ = ',';
	return p;
}

/* json_put_u64(), json_put_s64(): exact numbers, decimal strings past 2^53. */
static inline void jw_u64(struct jw *w, uint64_t v)
{
	char *p = jw_value_at(w, JSON_NUM_MAX);

	if (p)
		sb_commit(w->sb, json_str_u64(p, v));
}

static inline void jw_s64(struct jw *w, int64_t v)
{
	char *p = jw_value_at(w, JSON_NUM_MAX);

	if (p)
		sb_commit(w->sb, json_str_s64(p, v));
}
/* "0x%llx" as a string (addresses, pointers). */
void jw_hex(struct jw *w, uint64_t v);
/* A number printed with printf's "%.*f" (rates, seconds). */
void jw_fixed(struct jw *w, double v, int decimals);

/*
 * -EINVAL when the text is not complete (a container open, a key waiting) or
 * the writer was misused on the way, -E2BIG when it nested too deep, else 0.
 */
static inline int jw_check(const struct jw *w)
{
	if (w->err)
		return w->err;
	return w->depth || (w->st[0] & JW_WANT) ? -EINVAL : 0;
}

/*
 * A line of JSON Lines, one record: jw_record() begins its object with
 * "type":@type (a name that needs no escaping) at the end of @sb;
 * jw_record_end() closes it and ends the line (jw_line_end()).
 */
void jw_record(struct jw *w, struct strbuf *sb, const char *type);
void jw_record_end(struct jw *w);

/*
 * End a line of JSON Lines: '\n' after a complete text, asserting jw_check()
 * (see above); the next value starts a new text. Inline: once per event.
 */
static inline void jw_line_end(struct jw *w)
{
	/* Out of memory, the text is cut anyway (and in-place writers skip their steps). */
	assert(!jw_check(w) || w->sb->oom);
	sb_addc(w->sb, '\n');
	jw_init(w, w->sb);
}

#endif /* __KSNOOP_JSON_H */
