// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON sink of the value walker (format.c): fmt_json().
 *
 * JSON, for jq users:
 *  - struct/union: object keyed by member name; anonymous struct/union
 *    members are flattened into the parent as C does; unnamed scalar members
 *    (padding bitfields) are left out. All members within the capture are
 *    present, zero or not, so keys are stable.
 *  - ints and bitfields: numbers (json_put_s64/u64: exact up to 2^53, decimal
 *    strings beyond); 128-bit ints and wider: "0x..." strings; bool: true/false.
 *  - arrays of char (an int named "char" or with CHAR encoding, 1 byte):
 *    strings, up to the first NUL; other 1-byte arrays (u8 addr[6]) are
 *    arrays of numbers. A single char is a number like any int (signed per
 *    its BTF encoding): one byte is not a string, and 0 or 249 ("" or
 *    "\u00f9" as a string) would not read back as the byte.
 *  - enum: {"name":"CONST","value":N}; name is null when no constant matches.
 *  - pointer: "0x..." string (lowercase hex, no padding; NULL is "0x0").
 *  - float: number (null if not finite or of an unknown size).
 *  - anything else (func proto, fwd, void...): null.
 *  - arrays: arrays; elements beyond the capture are left out.
 *
 * Byte order is little-endian (x86_64, the only target).

 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_int.h"
#include "json.h"

/* What the JSON sink keeps in the cache: member keys, escaped, with their ':'. */
struct jdata {
	struct fmt_labels keys;
};

static void *jdata_new(void)
{
	return calloc(1, sizeof(struct jdata));
}

static void jdata_free(void *p)
{
	struct jdata *d = p;

	fmt_labels_free(&d->keys);
	free(d);
}

struct jtext {
	struct strbuf *out;
	struct jdata *d;
	bool oom; /* a key could not be made */
	int top;
	struct {
		bool obj;
		bool any;
	} st[FMT_MAX_DEPTH + 2];
	__u64 flat; /* bit d: the struct/union at depth d is flattened into its parent */
};

static bool is_char_type(const struct btf *btf, const struct btf_type *t)
{
	return btf_is_int(t) && t->size == 1 && btf_int_bits(t) == 8 && !btf_int_offset(t) &&
	       ((btf_int_encoding(t) & BTF_INT_CHAR) || !strcmp(fmt_str(btf, t->name_off), "char"));
}

static int jkey_label(const struct fmt_node *n, struct strbuf *out)
{
	json_put_string(out, n->name, strlen(n->name));
	sb_putc(out, ':');
	return 0;
}

static void jkey(struct jtext *j, const struct fmt_node *n)
{
	const struct fmt_label *l;

	if (!j->top)
		return;
	if (j->st[j->top - 1].any)
		sb_addc(j->out, ',');
	j->st[j->top - 1].any = true;
	if (!j->st[j->top - 1].obj)
		return;
	if (!n->m) {
		sb_add(j->out, "\"\":", 3); /* in an object every node is a member: never */
		return;
	}
	l = fmt_label(&j->d->keys, n, jkey_label);
	if (l)
		sb_add_label(j->out, l);
	else
		j->oom = true;
}

static int jbegin(void *ctx, const struct fmt_node *n)
{
	struct jtext *j = ctx;
	bool anon = n->name && !*n->name;

	j->flat &= ~(1ULL << n->depth);
	if (anon && btf_is_composite(n->t) && j->top) {
		j->flat |= 1ULL << n->depth;
		return 0;
	}
	if (anon)
		return FMT_SKIP;
	/* visit_array() built the array's type before calling begin(). */
	if (btf_is_array(n->t) && is_char_type(n->btf, n->ft->elem->t)) {
		size_t max = n->size < n->avail ? n->size : n->avail;
		const void *nul = memchr(n->data, 0, max);

		jkey(j, n);
		json_put_string(j->out, (const char *)n->data,
				nul ? (size_t)((const __u8 *)nul - n->data) : max);
		return FMT_SKIP;
	}
	if (j->top >= (int)(sizeof(j->st) / sizeof(j->st[0])))
		return -E2BIG;
	jkey(j, n);
	sb_addc(j->out, btf_is_array(n->t) ? '[' : '{');
	j->st[j->top].obj = !btf_is_array(n->t);
	j->st[j->top].any = false;
	j->top++;
	return 0;
}

static int jend(void *ctx, const struct fmt_node *n)
{
	struct jtext *j = ctx;

	if (j->flat & (1ULL << n->depth))
		return 0;
	j->top--;
	sb_addc(j->out, btf_is_array(n->t) ? ']' : '}');
	return 0;
}

static void jint(struct jtext *j, u128 v, unsigned int bits, bool sign)
{
	if (bits > 64) {
		__u64 hi = (__u64)(v >> 64), lo = (__u64)v;

		sb_add(j->out, "\"0x", 3);
		if (hi) {
			sb_put_hex(j->out, hi, 0);
			sb_put_hex(j->out, lo, 16);
		} else {
			sb_put_hex(j->out, lo, 0);
		}
		sb_addc(j->out, '"');
	} else if (sign) {
		json_put_s64(j->out, fmt_sign_extend((__u64)v, bits));
	} else {
		json_put_u64(j->out, (__u64)v);
	}
}

/* IEEE binary16 to binary32, exactly (no libm). */
static float half_to_float(__u16 h)
{
	__u32 sign = (__u32)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff, bits;
	float f;

	if (e == 0x1f) {
		bits = sign | 0x7f800000 | m << 13;
	} else if (e) {
		bits = sign | (e + 112) << 23 | m << 13;
	} else if (!m) {
		bits = sign;
	} else {
		/* Subnormal half: normalize into a normal float. */
		for (e = 113; !(m & 0x400); e--)
			m <<= 1;
		bits = sign | e << 23 | (m & 0x3ff) << 13;
	}
	memcpy(&f, &bits, sizeof(f));
	return f;
}

static void jfloat(struct jtext *j, const struct fmt_node *n)
{
	char buf[64];

	buf[0] = '\0';
	if (n->size == 2) {
		__u16 h = (__u16)fmt_read_u64(n, 2);
		float f = half_to_float(h);

		if (isfinite(f))
			snprintf(buf, sizeof(buf), "%.9g", f);
	} else if (n->size == 4) {
		float f;

		fmt_read_bytes(n, 0, &f, sizeof(f));
		if (isfinite(f))
			snprintf(buf, sizeof(buf), "%.9g", f);
	} else if (n->size == 8) {
		double d;

		fmt_read_bytes(n, 0, &d, sizeof(d));
		if (isfinite(d))
			snprintf(buf, sizeof(buf), "%.17g", d);
	} else if (n->size == 16 && sizeof(long double) == 16) {
		long double d;

		fmt_read_bytes(n, 0, &d, sizeof(d));
		if (isfinite(d))
			snprintf(buf, sizeof(buf), "%.21Lg", d);
	}
	sb_puts(j->out, buf[0] ? buf : "null");
}

static void jenum(struct jtext *j, const struct fmt_node *n)
{
	bool sign = btf_kflag(n->t);
	const char *name = NULL;
	unsigned int bits;
	__u64 raw;
	int i;

	if (n->bit_size) {
		bits = n->bit_size;
		raw = (__u64)fmt_read_bits(n, n->rbit, n->rbits);
	} else {
		bits = n->size >= 8 ? 64 : n->size * 8;
		raw = fmt_read_u64(n, n->size);
	}
	if (sign)
		raw = (__u64)fmt_sign_extend(raw, bits);
	if (btf_is_enum(n->t)) {
		const struct btf_enum *e = btf_enum(n->t);

		for (i = 0; i < btf_vlen(n->t); i++, e++) {
			__u64 ev = sign ? (__u64)(__s64)e->val : (__u64)(__u32)e->val;

			if (ev == raw) {
				name = fmt_str(n->btf, e->name_off);
				break;
			}
		}
	} else {
		const struct btf_enum64 *e = btf_enum64(n->t);

		for (i = 0; i < btf_vlen(n->t); i++, e++) {
			if (btf_enum64_value(e) == raw) {
				name = fmt_str(n->btf, e->name_off);
				break;
			}
		}
	}
	/*
	 * Name and number both: jq can select on either, and a value with no
	 * matching constant keeps the same shape (name null).
	 */
	sb_puts(j->out, "{\"name\":");
	if (name)
		json_put_string(j->out, name, strlen(name));
	else
		sb_puts(j->out, "null");
	sb_puts(j->out, ",\"value\":");
	if (sign)
		json_put_s64(j->out, (__s64)raw);
	else
		json_put_u64(j->out, raw);
	sb_puts(j->out, "}");
}

static int jscalar(void *ctx, const struct fmt_node *n)
{
	struct jtext *j = ctx;

	if (n->name && !*n->name)
		return 0; /* unnamed padding bitfield */
	jkey(j, n);
	switch (btf_kind(n->t)) {
	case BTF_KIND_INT: {
		bool sign = btf_int_encoding(n->t) & BTF_INT_SIGNED;
		u128 v = fmt_read_int(n); /* RD_WORD or RD_BITS */

		if (btf_int_encoding(n->t) & BTF_INT_BOOL)
			sb_adds(j->out, v ? "true" : "false");
		else if (!v && n->rbits <= 64)
			sb_addc(j->out, '0'); /* most of a whole struct */
		else
			jint(j, v, n->rbits, sign);
		break;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		jenum(j, n);
		break;
	case BTF_KIND_PTR:
		sb_add(j->out, "\"0x", 3);
		sb_put_hex(j->out, fmt_read_u64(n, 8), 0);
		sb_addc(j->out, '"');
		break;
	case BTF_KIND_FLOAT:
		jfloat(j, n);
		break;
	default:
		sb_adds(j->out, "null");
		break;
	}
	return 0;
}

int fmt_json_c(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
	       size_t len, struct strbuf *out)
{
	struct jtext j;
	struct fmt_sink sink = {
		.begin = jbegin,
		.end = jend,
		.scalar = jscalar,
		.ctx = &j,
	};
	size_t start = out->len;
	int r;

	/* st[] is set as it is pushed: not cleared, a top-level scalar never needs it. */
	j.out = out;
	j.oom = false;
	j.top = 0;
	j.flat = 0;
	j.d = fmt_slot(c, FMT_SLOT_JSON, jdata_new, jdata_free);
	if (!j.d)
		return -ENOMEM;
	r = fmt_walk_c(c, btf, type_id, data, len, &sink);
	if (r == FMT_ABORT)
		r = 0;
	if (!r && j.oom)
		r = -ENOMEM;
	if (r < 0)
		fmt_sb_truncate(out, start);
	return r;
}

/* ------------------------------------------------------------------------ */
/* C strings                                                                */

void fmt_cstring_json(struct strbuf *out, const void *s, size_t len)
{
	const __u8 *nul = len ? memchr(s, 0, len) : NULL;

	json_put_string(out, s, nul ? (size_t)(nul - (const __u8 *)s) : len);
}
