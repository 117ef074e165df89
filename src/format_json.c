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

/*
 * The zero text of a struct or union: what jscalar() writes for each of its
 * scalar members whose bytes are all zero (",\"key\":0", ",\"ptr\":\"0x0\"",
 * ...), one string in member order, so that a run of zero members (most of a
 * whole struct) is one copy. Member i's text is text[off[i]] to
 * text[off[i + 1]] (empty for an aggregate or a padding bitfield).
 */
struct jzero {
	char *text;
	__u32 *off;
};

/* What the JSON sink keeps in the cache: member keys, escaped, with their ':'. */
struct jdata {
	struct fmt_labels keys;
	struct jzero *zeros; /* by fmt_type.idx, made on first use */
	size_t nzeros;
	/* lone integers and pointers, written by jword_at() (format_int.h) */
	struct fmt_top_plan plans[FMT_TOP_PLANS];
};

static void *jdata_new(void)
{
	return calloc(1, sizeof(struct jdata));
}

static void jdata_free(void *p)
{
	struct jdata *d = p;
	size_t i;

	fmt_labels_free(&d->keys);
	for (i = 0; i < d->nzeros; i++) {
		free(d->zeros[i].text);
		free(d->zeros[i].off);
	}
	free(d->zeros);
	free(d);
}

struct jtext {
	struct strbuf *out;
	struct jw *w; /* places the commas and keeps the nesting */
	struct jdata *d;
	bool oom;   /* a key could not be made */
	__u64 flat; /* bit d: the struct/union at depth d is flattened into its parent */
};

/* Whether jword_at() writes a scalar laid out as @rd, @rbits wide, of type @t. */
static inline bool jword_fits(const struct btf_type *t, __u8 rd, unsigned int rbits)
{
	return rd == RD_WORD || rd == RD_PTR || (rd == RD_BITS && rbits <= 64 && btf_is_int(t));
}

/* Key labels: ",\"name\":" (the ',' skipped for the first member). */
#define JKEY_WORD 1 /* bits: a named member jword_at() writes */

static int jkey_label(const struct fmt_node *n, struct strbuf *out)
{
	sb_putc(out, ',');
	json_put_string(out, n->name, strlen(n->name));
	sb_putc(out, ':');
	return *n->name && n->m && jword_fits(n->t, n->rd, n->rbits) ? JKEY_WORD : 0;
}

/* The key of a member that is not one (never: in an object every node is a member). */
static const struct fmt_label jkey_none = {.s = (char[FMT_LABEL_PAD]){",\"\":"}, .len = 4};

/* Whether @n is a member of the object the writer has open (its key not written). */
static inline bool jin_object(const struct jtext *j)
{
	return jw_in_object(j->w);
}

/* The cached key of @n, a member; NULL when out of memory. */
static const struct fmt_label *jlabel(struct jtext *j, const struct fmt_node *n)
{
	const struct fmt_label *l = n->m ? fmt_label(&j->d->keys, n, jkey_label) : &jkey_none;

	if (!l)
		j->oom = true;
	return l;
}

/* Write label @l at @p, without its ',' when @first. Returns the end. */
static inline char *jput_label(char *p, const struct fmt_label *l, size_t first)
{
	size_t i;

	/* Labels are padded: whole 16-byte copies. */
	for (i = 0; i < l->len; i += FMT_LABEL_PAD)
		__builtin_memcpy(p + i, l->s + first + i, FMT_LABEL_PAD);
	return p + l->len - first;
}

/*
 * In place, the ',' and key (of a member) that go before the value of @n:
 * returns where the value goes, with @room bytes free there (for
 * sb_commit()), or NULL when out of memory.
 */
static char *jkey_at(struct jtext *j, const struct fmt_node *n, size_t room)
{
	const struct fmt_label *l;
	char *p;

	if (!jin_object(j)) {
		p = sb_reserve(j->out, room + 1);
		if (p && !jw_value_first(j->w))
			*p++ = ',';
		return p;
	}
	l = jlabel(j, n);
	p = l ? sb_reserve(j->out, room + l->len + FMT_LABEL_PAD) : NULL;
	return p ? jput_label(p, l, jw_member_first(j->w)) : NULL;
}

/*
 * Write at @p the value of an int of at most 64 bits or a pointer of type @t
 * laid out as @rd/@rbit/@rbits at @data (@avail bytes captured, as many as
 * it needs): at most JSON_NUM_MAX bytes. Returns the end.
 */
static inline __attribute__((always_inline)) char *jword_at(char *p, const struct btf_type *t,
							    __u8 rd, unsigned int rbit,
							    unsigned int rbits, const __u8 *data,
							    size_t avail)
{
	__u8 enc = rd == RD_PTR ? 0 : btf_int_encoding(t);
	__u64 v;

	if (rd == RD_BITS)
		v = (__u64)fmt_read_bits(data, avail, rbit, rbits);
	else
		v = fmt_load(data, rd == RD_WORD ? rbits / 8 : 8);
	if (rd == RD_PTR) {
		memcpy(p, "\"0x", 3);
		p = v ? str_hex(p + 3, v, 0) : (p[3] = '0', p + 4);
		*p++ = '"';
	} else if (enc & BTF_INT_BOOL) {
		memcpy(p, v ? "true" : "false", 5);
		p += v ? 4 : 5;
	} else if (enc & BTF_INT_SIGNED) {
		p = json_str_s64(p, fmt_sign_extend(v, rbits));
	} else if (v < 10) {
		*p++ = '0' + v; /* most of a whole struct is 0 */
	} else {
		p = json_str_u64(p, v);
	}
	return p;
}

/*
 * In place, the key of @n if it is a member, its value to come through the
 * writer: returns where the value goes, with @room bytes free there, or NULL
 * when out of memory.
 */
static char *jkey_room(struct jtext *j, const struct fmt_node *n, size_t room)
{
	const struct fmt_label *l;
	char *p;

	if (!jin_object(j))
		return sb_reserve(j->out, room);
	l = jlabel(j, n);
	p = l ? sb_reserve(j->out, room + l->len + FMT_LABEL_PAD) : NULL;
	return p ? jput_label(p, l, jw_key_first(j->w)) : NULL;
}

static void jkey(struct jtext *j, const struct fmt_node *n)
{
	char *p = jkey_room(j, n, 0);

	if (p)
		sb_commit(j->out, p);
}

/* Before a value written here without the writer: its ',' if one is due. */
static void jsep(struct jtext *j)
{
	if (!jw_value_first(j->w))
		sb_addc(j->out, ',');
}

static int jbegin(void *ctx, const struct fmt_node *n)
{
	struct jtext *j = ctx;
	bool anon = n->name && !*n->name;
	__u8 kind;
	char *p;

	j->flat &= ~(1ULL << n->depth);
	if (anon && btf_is_composite(n->t) && n->depth) {
		j->flat |= 1ULL << n->depth;
		return 0;
	}
	if (anon)
		return FMT_SKIP;
	/* visit_array() built the array's type before calling begin(). */
	if (btf_is_array(n->t) && n->ft->elem->is_char) {
		size_t max = n->size < n->avail ? n->size : n->avail;
		const void *nul = memchr(n->data, 0, max);

		jkey(j, n);
		jw_str(j->w, (const char *)n->data,
		       nul ? (size_t)((const __u8 *)nul - n->data) : max);
		return FMT_SKIP;
	}
	if (j->w->depth >= JW_MAX_DEPTH)
		return -E2BIG;
	/* Key and '{' or '[' in one stretch. */
	p = jkey_room(j, n, 2);
	kind = btf_is_array(n->t) ? 0 : JW_OBJ;
	if (p)
		sb_commit(j->out, jw_begin_at(j->w, p, kind));
	else
		jw_push(j->w, kind); /* out of memory: the nesting is still kept */
	return 0;
}

static int jend(void *ctx, const struct fmt_node *n)
{
	struct jtext *j = ctx;

	if (j->flat & (1ULL << n->depth))
		return 0;
	if (btf_is_array(n->t))
		jw_arr_end(j->w);
	else
		jw_obj_end(j->w);
	return 0;
}

static void jint(struct jtext *j, u128 v, unsigned int bits, bool sign)
{
	if (bits > 64) {
		__u64 hi = (__u64)(v >> 64), lo = (__u64)v;

		jsep(j);
		sb_add(j->out, "\"0x", 3);
		if (hi) {
			sb_put_hex(j->out, hi, 0);
			sb_put_hex(j->out, lo, 16);
		} else {
			sb_put_hex(j->out, lo, 0);
		}
		sb_addc(j->out, '"');
	} else if (sign) {
		jw_s64(j->w, fmt_sign_extend((__u64)v, bits));
	} else {
		jw_u64(j->w, (__u64)v);
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
	if (buf[0])
		jw_raw(j->w, buf, strlen(buf));
	else
		jw_null(j->w);
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
		raw = (__u64)fmt_read_bits(n->data, n->avail, n->rbit, n->rbits);
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
	jw_obj_begin(j->w);
	JW_KEY(j->w, "name");
	if (name)
		jw_strz(j->w, name);
	else
		jw_null(j->w);
	JW_KEY(j->w, "value");
	if (sign)
		jw_s64(j->w, (__s64)raw);
	else
		jw_u64(j->w, raw);
	jw_obj_end(j->w);
}

static int jscalar(void *ctx, const struct fmt_node *n)
{
	struct jtext *j = ctx;

	if (n->name && !*n->name)
		return 0; /* unnamed padding bitfield */
	if (jword_fits(n->t, n->rd, n->rbits)) {
		char *p = jkey_at(j, n, JSON_NUM_MAX);

		if (p)
			sb_commit(j->out,
				  jword_at(p, n->t, n->rd, n->rbit, n->rbits, n->data, n->avail));
		/* at the top, a lone word: plan its type */
		if (!n->depth) {
			struct fmt_top_plan *pl = &j->d->plans[n->type_id % FMT_TOP_PLANS];

			if (fmt_top_plan_fits(pl, n))
				fmt_top_plan_set(pl, n);
		}
		return 0;
	}
	jkey(j, n);
	switch (btf_kind(n->t)) {
	case BTF_KIND_INT: {
		bool sign = btf_int_encoding(n->t) & BTF_INT_SIGNED;
		u128 v = fmt_read_int(n); /* RD_WORD or RD_BITS */

		if (btf_int_encoding(n->t) & BTF_INT_BOOL)
			jw_bool(j->w, v);
		else if (!v && n->rbits <= 64)
			JW_RAW(j->w, "0"); /* most of a whole struct */
		else
			jint(j, v, n->rbits, sign);
		break;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		jenum(j, n);
		break;
	case BTF_KIND_PTR:
		jw_hex(j->w, fmt_read_u64(n, 8));
		break;
	case BTF_KIND_FLOAT:
		jfloat(j, n);
		break;
	default:
		jw_null(j->w);
		break;
	}
	return 0;
}

static const struct jzero *jzero_make(struct jtext *j, const struct fmt_node *n);

/* The zero text of the struct or union at @n; NULL when out of memory. */
static inline const struct jzero *jzero_of(struct jtext *j, const struct fmt_node *n)
{
	const struct jdata *d = j->d;

	if (n->ft->idx < d->nzeros && d->zeros[n->ft->idx].text)
		return &d->zeros[n->ft->idx];
	return jzero_make(j, n);
}

/*
 * jscalar() of each scalar member of the struct or union at @n over zero
 * bytes, into a writer whose object already has a member (so each text has
 * its ',').
 */
static const struct jzero *jzero_make(struct jtext *j, const struct fmt_node *n)
{
	const struct fmt_type *ft = n->ft;
	__u32 i, vlen = btf_vlen(ft->t), idx = ft->idx;
	__u64 zsize = ft->size;
	struct jdata *d = j->d;
	struct fmt_node zn, c;
	struct jzero z = {};
	struct strbuf sb;
	struct jtext zj;
	struct jw w;
	__u8 *zero;

	if (idx >= d->nzeros) {
		size_t cnt = d->nzeros ? d->nzeros : 16;
		struct jzero *v;

		while (cnt <= idx)
			cnt *= 2;
		v = realloc(d->zeros, cnt * sizeof(*v));
		if (!v)
			return NULL;
		memset(v + d->nzeros, 0, (cnt - d->nzeros) * sizeof(*v));
		d->zeros = v;
		d->nzeros = cnt;
	}
	/* Zero bytes for every scalar, one that bad BTF puts past the struct's size too. */
	for (i = 0; i < vlen; i++)
		if (ft->members[i].srun_end && ft->members[i].srun_hi > zsize)
			zsize = ft->members[i].srun_hi;
	zero = calloc(1, zsize ? zsize : 1);
	z.off = calloc(vlen + 1, sizeof(*z.off));
	sb_init(&sb);
	jw_init(&w, &sb);
	jw_obj_begin(&w);
	JW_KEY(&w, "-");
	jw_null(&w);
	sb_reset(&sb);
	zj = (struct jtext){.out = &sb, .w = &w, .d = d};
	zn = *n;
	zn.data = zero;
	zn.avail = zsize;
	for (i = 0; zero && z.off && i < vlen; i++) {
		const struct fmt_member *m = &ft->members[i];

		z.off[i] = sb.len;
		if (m->rd != RD_AGGR && fmt_member_node(&zn, m, &c) == 1 && m->needs <= c.avail)
			jscalar(&zj, &c);
	}
	/* Owned by the table: non-NULL even when empty (it marks the entry made). */
	z.text = sb.buf ? sb.buf : malloc(1);
	if (!zero || !z.off || !z.text || sb.oom || zj.oom) {
		free(zero);
		free(z.off);
		free(z.text);
		return NULL;
	}
	free(zero);
	z.off[vlen] = sb.len;
	d->zeros[idx] = z;
	return &d->zeros[idx];
}

/*
 * Room for @need bytes at *@p, up to *@end: when there is not, what is
 * written is committed and @room bytes (at least @need: this and, likely, the
 * next few members) reserved anew. Returns false when out of memory.
 */
static inline bool jroom(struct jtext *j, char **p, char **end, size_t need, size_t room)
{
	if (*p && (size_t)(*end - *p) >= need)
		return true;
	if (*p)
		sb_commit(j->out, *p);
	*p = sb_reserve(j->out, room);
	*end = *p ? *p + room : NULL;
	return *p;
}

/* Room jmembers() asks for at once beyond what it writes next. */
#define JMEMBERS_AHEAD (4 * (FMT_LABEL_PAD + JSON_NUM_MAX))

/*
 * The zero text of members [@from, @to) of a struct at *@p (room made as
 * jroom() does), without its ',' when it is the first member of the object
 * (*@started: one was written here). False when out of memory.
 */
static inline bool jzero_put(struct jtext *j, const struct jzero *z, __u32 from, __u32 to, char **p,
			     char **end, bool *started)
{
	size_t len = z->off[to] - z->off[from], first;

	if (!len)
		return true;
	if (!jroom(j, p, end, len, len + JMEMBERS_AHEAD))
		return false;
	first = *started ? 0 : jw_member_first(j->w);
	*started = true;
	*p = mempcpy(*p, z->text + z->off[from] + first, len - first);
	return true;
}

/*
 * Scalar members of an object at once: a run of members whose bytes are zero
 * as one copy of their zero text; the common ones (jword_fits(), key made)
 * with no node, key and value written in one reserved stretch.
 */
static int jmembers(void *ctx, const struct fmt_node *n, const struct fmt_member *m,
		    unsigned int cnt)
{
	struct jtext *j = ctx;
	const struct fmt_labels *keys = &j->d->keys;
	bool obj = jin_object(j), started = false;
	const struct jzero *z = obj ? jzero_of(j, n) : NULL;
	char *p = NULL, *end = NULL; /* written up to p, room up to end */
	__u32 i = m - n->ft->members, zfrom = i;
	struct fmt_node c;
	size_t first;

	for (; cnt; cnt--, m++, i++) {
		const struct fmt_label *l;

		if (z && fmt_bytes_zero(n->data + m->byte_off, m->needs))
			continue; /* in the zero run [zfrom, i] */
		/* The zero run before this member, at once. */
		if (z && !jzero_put(j, z, zfrom, i, &p, &end, &started))
			return 0;
		zfrom = i + 1;
		l = m->idx < keys->nmembers ? &keys->members[m->idx] : NULL;
		if (!obj || !l || !(l->bits & JKEY_WORD)) {
			/* Anything else, or a key not made yet: as the walker would. */
			if (p)
				sb_commit(j->out, p);
			p = NULL;
			if (fmt_member_node(n, m, &c) == 1)
				jscalar(j, &c);
			continue;
		}
		if (!jroom(j, &p, &end, l->len + FMT_LABEL_PAD + JSON_NUM_MAX,
			   4 * (l->len + FMT_LABEL_PAD + JSON_NUM_MAX)))
			return 0;
		/* After the first member written here, the object is known not empty. */
		first = started ? 0 : jw_member_first(j->w);
		started = true;
		p = jput_label(p, l, first);
		p = jword_at(p, m->type->t, m->rd, m->rbit, m->rbits, n->data + m->byte_off,
			     n->avail - m->byte_off);
	}
	if (z && !jzero_put(j, z, zfrom, i, &p, &end, &started))
		return 0;
	if (p)
		sb_commit(j->out, p);
	return 0;
}

int fmt_json_w(struct fmt_cache *c, struct jw *w, const struct btf *btf, __u32 type_id,
	       const void *data, size_t len)
{
	static const struct fmt_sink sink = {
		.begin = jbegin,
		.end = jend,
		.scalar = jscalar,
		.members = jmembers,
	};
	/* What the writer was before the value: an error takes its text back out. */
	unsigned int depth = w->depth;
	__u8 st = w->st[depth];
	const struct fmt_top_plan *pl;
	struct jtext j;
	int err;

	j.out = w->sb;
	j.w = w;
	j.oom = false;
	j.flat = 0;
	j.d = fmt_slot(c, FMT_SLOT_JSON, jdata_new, jdata_free);
	if (!j.d)
		return -ENOMEM;
	pl = &j.d->plans[type_id % FMT_TOP_PLANS];
	if (fmt_top_plan_hit(pl, btf, type_id, data, len) && !jin_object(&j)) {
		/* Not in an object: the key is the caller's, jkey_at() needs no node. */
		char *p = jkey_at(&j, NULL, JSON_NUM_MAX);

		/* Out of memory, @w->sb says so, as after the walk's jscalar(). */
		if (p)
			sb_commit(j.out, jword_at(p, pl->t, pl->rd, 0, pl->rbits, data, len));
		return 0;
	}
	err = fmt_sink_run(c, btf, type_id, data, len, &sink, &j, &j.oom, w->sb);
	if (err < 0) {
		w->depth = depth;
		w->st[depth] = st;
	}
	return err;
}

int fmt_json_c(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
	       size_t len, struct strbuf *out)
{
	struct jw w;

	jw_init(&w, out);
	return fmt_json_w(c, &w, btf, type_id, data, len);
}

/* ------------------------------------------------------------------------ */
/* C strings                                                                */

void fmt_cstring_json(struct jw *w, const void *s, size_t len)
{
	const __u8 *nul = len ? memchr(s, 0, len) : NULL;

	jw_str(w, s, nul ? (size_t)(nul - (const __u8 *)s) : len);
}
