// SPDX-License-Identifier: GPL-2.0
/*
 * Decode a BTF-typed value captured as bytes: one walker (fmt_walk), sinks for
 * kernel-identical text (fmt_text) and JSON (fmt_json). See format.h for the
 * walker/sink contract.
 *
 * TEXT: what bpf_snprintf_btf(str, size, &ptr, sizeof(ptr), BTF_F_PTR_RAW)
 * prints (kernel/bpf/btf.c, btf_show_*), checked against the source of 6.0
 * through 7.x, where this code is unchanged. Sample: a zero-filled struct sock
 * with __sk_common.skc_dport = htons(80), as the host prints it:
 *
 *	(struct sock){
 *	 .__sk_common = (struct sock_common){
 *	  (union){
 *	   .skc_portpair = (__portpair)20480,
 *	   (struct){
 *	    .skc_dport = (__be16)20480,
 *	   },
 *	  },
 *	 },
 *	}
 *
 * Rules, in the kernel's words where it has them:
 *  - one line per value: <indent><name><value><delim>\n. indent is one space
 *    per depth (at most 32); delim is "," at depth > 0, "" at depth 0.
 *  - name is ".member = (type)" for a named member, "(type)" otherwise, and ""
 *    while "array_member" is set (see below); it is formatted into an 80-byte
 *    buffer, so it is cut at 79 bytes. type follows btf_show_name(): typedef
 *    name if the first non-qualifier link is a typedef (then no struct/union/
 *    enum prefix), "struct x"/"union x"/"enum x", then " " and one '*' per
 *    pointer, "[]" per array dimension; const/volatile/restrict/type tags are
 *    skipped only after the first link, so a member declared "volatile u8"
 *    prints "()"; void and function pointers print "( *)"; more than 10 links
 *    print no name at all.
 *  - a struct/union prints name + "{" + "\n", its members one depth deeper,
 *    then "}" + delim + "\n"; an array the same with "[" and "]". The opening
 *    "{" / "[" is part of the name, so it is missing when the name is "" or
 *    when a pointer is involved ("(struct x *[])" for an array of pointers).
 *  - zero values are not printed at depth > 0: ints, bitfields and pointers
 *    equal to 0, enums equal to 0 with no matching constant. A nested struct,
 *    union or array is printed only if something inside it would be (the
 *    kernel's "depth_check" dry run). At depth 0 everything is printed.
 *  - int: %d/%u for 16 and 32 bits, %lld/%llu for 64 (signed per encoding);
 *    bool is an unsigned 8-bit int; 128-bit ints, bitfields and ints with
 *    a bit offset or odd width print as hex: "0x%llx", or "0x%llx%016llx"
 *    when the high 64 bits are set. A bitfield of enum type is hex too.
 *  - arrays of 1-byte ints (char, u8, bool...) are "char arrays": elements
 *    stop at the first NUL, printable bytes (kernel isprint: 0x20-0x7e and
 *    0xa0-0xff) print as '%c' (the raw byte), others as %d/%u.
 *  - enum: the constant's name if one equals the first 4 bytes read as int
 *    (whatever the enum's size), else %d (signed, kflag) or %u; enum64: name,
 *    else %lld/%llu. A matching name is printed even when the value is 0.
 *  - pointer: "0x" + 16 hex digits (%px).
 *  - float, func proto, fwd...: "<unsupported kind:N>" with no indent, name,
 *    delim or newline, and it does not make its container "non-zero".
 *  - array elements: name "" (array_member set), for nested structs too,
 *    until any array element ends: the flag is cleared by the end of an
 *    element at any depth, including in the dry run, so a struct element
 *    containing an array prints "(struct x){" and named members.
 *  - an array whose element type is a pointer or an array (no "size" in BTF
 *    terms) repeats its first element nelems times.
 *  - bpf_snprintf_btf() itself cuts the text at size - 1 bytes; fmt_text()
 *    never cuts: the caller can.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "format.h"
#include "json.h"

/* Longest chain of modifiers followed before giving up (loops in bad BTF). */
#define MAX_MOD_CHAIN 32

/* ------------------------------------------------------------------------ */
/* BTF helpers                                                              */

static bool is_modifier(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return true;
	}
	return false;
}

/* @id with all modifiers skipped; NULL on a bad id or a modifier loop. */
static const struct btf_type *skip_mods(const struct btf *btf, __u32 id, __u32 *res_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	int i;

	for (i = 0; t && is_modifier(t); i++) {
		if (i == MAX_MOD_CHAIN)
			return NULL;
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (res_id)
		*res_id = id;
	return t;
}

/* Like skip_mods() but stops at a typedef (kernel btf_type_skip_qualifiers). */
static const struct btf_type *skip_qualifiers(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	int i;

	for (i = 0; t && is_modifier(t) && !btf_is_typedef(t); i++) {
		if (i == MAX_MOD_CHAIN)
			return NULL;
		t = btf__type_by_id(btf, t->type);
	}
	return t;
}

/* Kernel btf_type_has_size(): kinds whose btf_type.size is meaningful. */
static bool has_size(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_DATASEC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_ENUM64:
		return true;
	}
	return false;
}

static __u32 type_size(const struct btf *btf, __u32 id)
{
	__s64 sz = btf__resolve_size(btf, id);

	return sz < 0 || sz > UINT32_MAX ? 0 : (__u32)sz;
}

static const char *str_at(const struct btf *btf, __u32 off)
{
	const char *s = btf__name_by_offset(btf, off);

	return s ? s : "";
}

static bool is_aggregate(const struct btf_type *t)
{
	return btf_is_composite(t) || btf_is_array(t);
}

/* Copy up to @n bytes of @n->data into @buf (zero-filled past the capture). */
static void read_bytes(const struct fmt_node *n, size_t off, void *buf, size_t len)
{
	memset(buf, 0, len);
	if (off < n->avail)
		memcpy(buf, n->data + off, len < n->avail - off ? len : n->avail - off);
}

typedef unsigned __int128 u128;

/*
 * @nr_bits bits starting @bit_off bits into the value (little-endian), as the
 * kernel's btf_bitfield_show() extracts them. Widths over 128 are clamped.
 */
static u128 read_bits(const struct fmt_node *n, size_t bit_off, unsigned int nr_bits)
{
	__u8 b[17];
	u128 lo = 0;
	int i;

	if (nr_bits > 128)
		nr_bits = 128;
	if (!nr_bits)
		return 0;
	if (bit_off % 8 + nr_bits <= 64) {
		/* The common case, all within one 8-byte little-endian word. */
		__u64 w = 0;
		size_t off = bit_off / 8;

		if (off + 8 <= n->avail)
			memcpy(&w, n->data + off, 8);
		else if (off < n->avail)
			memcpy(&w, n->data + off, n->avail - off);
		w >>= bit_off % 8;
		if (nr_bits < 64)
			w &= (1ULL << nr_bits) - 1;
		return w;
	}
	read_bytes(n, bit_off / 8, b, sizeof(b));
	bit_off %= 8;
	for (i = 15; i >= 0; i--)
		lo = lo << 8 | b[i];
	if (bit_off)
		lo = lo >> bit_off | (u128)b[16] << (128 - bit_off);
	if (nr_bits < 128)
		lo &= ((u128)1 << nr_bits) - 1;
	return lo;
}

static __s64 sign_extend(__u64 v, unsigned int bits)
{
	if (bits == 0 || bits >= 64)
		return (__s64)v;
	if (v & (1ULL << (bits - 1)))
		v |= ~0ULL << bits;
	return (__s64)v;
}

/* Bytes a scalar needs in the capture to be shown. */
static size_t scalar_needs(const struct fmt_node *n)
{
	size_t bits;

	if (n->bit_size)
		return (n->bit_off + n->bit_size + 7) / 8;
	if (btf_is_int(n->t)) {
		bits = n->bit_off + btf_int_offset(n->t) + btf_int_bits(n->t);
		bits = (bits + 7) / 8;
		return bits > n->size ? bits : n->size;
	}
	if (btf_is_ptr(n->t))
		return 8;
	return n->size;
}

/* ------------------------------------------------------------------------ */
/* Type cache                                                               */

#define KNAME_SIZE 80 /* BTF_SHOW_NAME_SIZE */

static const char *kshow_name(const struct btf *btf, const char *member, __u32 id,
			      char buf[KNAME_SIZE]);
static bool is_char_type(const struct btf *btf, const struct btf_type *t);

/*
 * How the text sink tells whether a scalar member is zero (and so not shown
 * below depth 0) without formatting it: ZK_WORD, the @zsize bytes at its
 * offset are not all zero (ints of 8/16/32/64 bits, pointers); ZK_BITS,
 * @zbits bits from bit @zoff are not all zero (bitfields, odd ints); ZK_NEVER,
 * a kind kscalar() never shows (float...); ZK_OTHER, ask kscalar() (enums).
 */
enum {
	ZK_AGGR,
	ZK_OTHER,
	ZK_ENUM, /* from here on: a scalar, needs is valid */
	ZK_NEVER,
	ZK_WORD,
	ZK_BITS,
};

struct fmt_member {
	const struct fmt_type *type; /* of the member's declared type id */
	const char *name;	     /* "" anonymous */
	__u32 bit_offset;
	__u8 bit_size;
	__u8 zk;
	__u8 zsize;
	__u8 zoff;
	__u32 zbits;
	__u32 needs; /* scalar_needs() */
	__u8 kname_len;
	__u32 jkey_len;
	char *kname; /* the kernel's ".name = (type)parens", cut at 79 bytes */
	char *jkey;  /* the JSON key, escaped, with its ':' */
};

struct fmt_type {
	__u32 id;		  /* as declared */
	__u32 res_id;		  /* modifiers skipped */
	const struct btf_type *t; /* of res_id; NULL: bad id or modifier loop */
	__u32 size;		  /* type_size() of id */
	bool is_char;		  /* t is_char_type() */
	bool built;		  /* members or elem filled in */
	bool scalar;		  /* t is valid and not an aggregate: needs is set */
	__u8 word;		  /* an int of 1/2/4/8 whole bytes: its size, else 0 */
	__u32 needs;		  /* scalar_needs() at bit offset 0, not a bitfield */
	__u8 kname_len;
	char *kname; /* the kernel's "(type)parens" */
	/* struct/union: btf_vlen(t) members; array: the element type */
	struct fmt_member *members;
	struct fmt_type *elem;
};

struct fmt_slot {
	const struct btf *btf;
	__u32 id;
	struct fmt_type *ft;
};

/* A dry-run result (DRY_* bits) of the aggregate at @data, valid in call @gen. */
struct dry_memo {
	const void *data;
	const struct fmt_type *ft;
	int depth;
	unsigned int gen;
	unsigned int res;
};

#define DRY_MEMO_SIZE 256

#define RECENT_SIZE 64

struct fmt_cache {
	struct fmt_slot *slots; /* open addressing, power-of-two size */
	size_t nslots, used;
	struct fmt_slot recent[RECENT_SIZE]; /* direct-mapped by id: the top-level types */
	unsigned int gen; /* fmt_text_c() calls: memo entries of older calls are stale */
	struct dry_memo memo[DRY_MEMO_SIZE];
};

static size_t memo_hash(const struct fmt_node *n)
{
	__u64 h = (__u64)(uintptr_t)n->data * 0x9e3779b97f4a7c15ULL ^
		  (__u64)(uintptr_t)n->ft * 0xff51afd7ed558ccdULL ^ (__u64)n->depth;

	return (h ^ h >> 32) % DRY_MEMO_SIZE;
}

struct fmt_cache *fmt_cache_new(void)
{
	return calloc(1, sizeof(struct fmt_cache));
}

static void free_type(struct fmt_type *ft)
{
	__u16 i;

	if (ft->members) {
		for (i = 0; i < btf_vlen(ft->t); i++) {
			free(ft->members[i].kname);
			free(ft->members[i].jkey);
		}
		free(ft->members);
	}
	free(ft->kname);
	free(ft);
}

void fmt_cache_free(struct fmt_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nslots; i++)
		if (c->slots[i].ft)
			free_type(c->slots[i].ft);
	free(c->slots);
	free(c);
}

static size_t slot_hash(const struct btf *btf, __u32 id, size_t mask)
{
	__u64 h = ((__u64)(uintptr_t)btf >> 4) * 0x9e3779b97f4a7c15ULL ^ id * 0xff51afd7ed558ccdULL;

	return (h ^ h >> 29) & mask;
}

static bool cache_grow(struct fmt_cache *c)
{
	size_t n = c->nslots ? c->nslots * 2 : 256, i, j;
	struct fmt_slot *s = calloc(n, sizeof(*s));

	if (!s)
		return false;
	for (i = 0; i < c->nslots; i++) {
		if (!c->slots[i].ft)
			continue;
		j = slot_hash(c->slots[i].btf, c->slots[i].id, n - 1);
		while (s[j].ft)
			j = (j + 1) & (n - 1);
		s[j] = c->slots[i];
	}
	free(c->slots);
	c->slots = s;
	c->nslots = n;
	return true;
}

/* Cached text is copied out 16 bytes at a time: room for the over-read. */
#define TEXT_PAD 16

static char *dup_text(const char *s, size_t n)
{
	char *p = calloc(1, n + TEXT_PAD);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* sb_add() of @n bytes of a dup_text() string. */
static inline void sb_add_text(struct strbuf *sb, const char *s, size_t n)
{
	size_t i;

	if (sb->oom || sb->cap - sb->len <= n + TEXT_PAD) {
		sb_put(sb, s, n);
		return;
	}
	for (i = 0; i < n; i += TEXT_PAD)
		__builtin_memcpy(sb->buf + sb->len + i, s + i, TEXT_PAD);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

/* The cached type @id of @btf; NULL only when out of memory. */
static struct fmt_type *cache_type(struct fmt_cache *c, const struct btf *btf, __u32 id)
{
	struct fmt_slot *recent = &c->recent[id % RECENT_SIZE];
	char name[KNAME_SIZE];
	struct fmt_type *ft;
	size_t j;

	if (recent->ft && recent->id == id && recent->btf == btf)
		return recent->ft;
	if (c->nslots) {
		j = slot_hash(btf, id, c->nslots - 1);
		for (; c->slots[j].ft; j = (j + 1) & (c->nslots - 1))
			if (c->slots[j].id == id && c->slots[j].btf == btf) {
				*recent = c->slots[j];
				return c->slots[j].ft;
			}
	}
	if ((c->used + 1) * 2 > c->nslots && !cache_grow(c))
		return NULL;
	ft = calloc(1, sizeof(*ft));
	if (!ft)
		return NULL;
	ft->id = id;
	ft->t = skip_mods(btf, id, &ft->res_id);
	ft->size = type_size(btf, id);
	ft->is_char = ft->t && is_char_type(btf, ft->t);
	if (ft->t && !is_aggregate(ft->t)) {
		struct fmt_node n = {.t = ft->t, .size = ft->size};
		size_t needs = scalar_needs(&n);

		ft->scalar = needs <= UINT32_MAX;
		ft->needs = needs;
		if (btf_is_int(ft->t) && !btf_int_offset(ft->t)) {
			unsigned int bits = btf_int_bits(ft->t);

			if (bits == 8 || bits == 16 || bits == 32 || bits == 64)
				ft->word = bits / 8;
		}
	}
	kshow_name(btf, NULL, id, name);
	ft->kname_len = strlen(name);
	ft->kname = dup_text(name, ft->kname_len);
	if (!ft->kname) {
		free(ft);
		return NULL;
	}
	j = slot_hash(btf, id, c->nslots - 1);
	while (c->slots[j].ft)
		j = (j + 1) & (c->nslots - 1);
	c->slots[j] = (struct fmt_slot){.btf = btf, .id = id, .ft = ft};
	c->used++;
	return ft;
}

/* The ZK_* test of member @m, as kscalar() decides "shown" below depth 0. */
static void plan_zero_check(struct fmt_member *m)
{
	const struct btf_type *t = m->type->t;
	struct fmt_node n = {
		.t = t,
		.size = m->type->size,
		.bit_off = m->bit_offset % 8,
		.bit_size = m->bit_size,
	};
	unsigned int nr_bits, off;
	size_t needs;

	m->zk = ZK_OTHER;
	if (!t)
		return;
	if (is_aggregate(t)) {
		m->zk = ZK_AGGR;
		return;
	}
	needs = scalar_needs(&n);
	if (needs > UINT32_MAX)
		return;
	m->needs = needs;
	if (m->bit_size) {
		off = n.bit_off;
		nr_bits = m->bit_size;
	} else if (btf_is_int(t)) {
		nr_bits = btf_int_bits(t);
		off = n.bit_off + btf_int_offset(t);
		if (!off && (nr_bits == 8 || nr_bits == 16 || nr_bits == 32 || nr_bits == 64)) {
			m->zk = ZK_WORD;
			m->zsize = nr_bits / 8;
			return;
		}
	} else if (btf_is_ptr(t)) {
		m->zk = ZK_WORD;
		m->zsize = 8;
		return;
	} else if (btf_is_enum(t) || btf_is_enum64(t)) {
		m->zk = ZK_ENUM;
		return;
	} else {
		m->zk = ZK_NEVER;
		return;
	}
	if (off > 255)
		return;
	m->zk = ZK_BITS;
	m->zoff = off;
	m->zbits = nr_bits;
}

/*
 * Whether scalar member @m (ZK_WORD or ZK_BITS) at @data is non-zero, with
 * @avail >= m->needs bytes captured from @data on.
 */
static inline bool member_nonzero(const struct fmt_member *m, const __u8 *data, size_t avail)
{
	struct fmt_node n;
	__u64 v = 0;

	if (m->zk == ZK_WORD) {
		memcpy(&v, data, m->zsize);
		return v != 0;
	}
	if (m->zoff % 8 + m->zbits <= 64) {
		/* Within one little-endian word: read_bits()' fast path. */
		size_t off = m->zoff / 8;

		if (off + 8 <= avail)
			memcpy(&v, data + off, 8);
		else if (off < avail)
			memcpy(&v, data + off, avail - off);
		v >>= m->zoff % 8;
		return m->zbits < 64 ? (v & ((1ULL << m->zbits) - 1)) != 0 : v != 0;
	}
	n.data = data;
	n.avail = avail;
	return read_bits(&n, m->zoff, m->zbits) != 0;
}

/* Fill in the members of a struct/union or the element of an array. */
static int build_type(struct fmt_cache *c, const struct btf *btf, struct fmt_type *ft)
{
	const struct btf_member *bm;
	struct fmt_member *m;
	char name[KNAME_SIZE];
	struct strbuf sb;
	__u16 i, vlen;

	if (ft->built)
		return 0;
	if (btf_is_array(ft->t)) {
		ft->elem = cache_type(c, btf, btf_array(ft->t)->type);
		if (!ft->elem)
			return -ENOMEM;
		ft->built = true;
		return 0;
	}
	vlen = btf_vlen(ft->t);
	bm = btf_members(ft->t);
	if (!ft->members)
		ft->members = calloc(vlen ? vlen : 1, sizeof(*m));
	if (!ft->members)
		return -ENOMEM;
	for (i = 0, m = ft->members; i < vlen; i++, m++, bm++) {
		/* Filled in again after a failed attempt: free what it made. */
		free(m->kname);
		free(m->jkey);
		m->kname = m->jkey = NULL;
		m->type = cache_type(c, btf, bm->type);
		if (!m->type)
			return -ENOMEM;
		m->name = str_at(btf, bm->name_off);
		m->bit_offset = btf_member_bit_offset(ft->t, i);
		m->bit_size = btf_member_bitfield_size(ft->t, i);
		plan_zero_check(m);
		kshow_name(btf, m->name, bm->type, name);
		m->kname_len = strlen(name);
		m->kname = dup_text(name, m->kname_len);
		sb_init(&sb);
		json_put_string(&sb, m->name, strlen(m->name));
		sb_putc(&sb, ':');
		m->jkey = sb.oom ? NULL : dup_text(sb.buf, sb.len);
		m->jkey_len = sb.len;
		sb_free(&sb);
		if (!m->kname || !m->jkey)
			return -ENOMEM;
	}
	ft->built = true;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The walker                                                               */

/*
 * Sink flag, private to this file: scalar() does nothing for a zero int,
 * pointer or bitfield member (ZK_WORD/ZK_BITS) below depth 0, so the walker
 * need not call it (node counting and guards unchanged).
 */
#define FMT_SINK_QUIET_ZERO (1U << 1)

struct walker {
	const struct fmt_sink *sink;
	struct fmt_cache *cache;
	unsigned int nodes;
};

/*
 * The node of member @m of the struct or union at @n, as both walks (visit()
 * and probe_visit()) see it. Returns 1, 0 if the member starts past the
 * captured bytes (an aggregate is shown if it starts within them), or -EINVAL
 * for a member without a type.
 */
static inline int member_node(const struct fmt_node *n, const struct fmt_member *m,
			      struct fmt_cache *cache, struct fmt_node *c)
{
	const struct fmt_type *ct = m->type;
	size_t byte_off = m->bit_offset / 8;

	if (!ct->t)
		return -EINVAL;
	if (byte_off > n->avail || (byte_off == n->avail && ct->size && is_aggregate(ct->t)))
		return 0;
	*c = (struct fmt_node){
		.btf = n->btf,
		.type_id = ct->id,
		.res_id = ct->res_id,
		.t = ct->t,
		.name = m->name,
		.depth = n->depth + 1,
		.data = n->data + byte_off,
		.avail = n->avail - byte_off,
		.size = ct->size,
		.bit_off = m->bit_offset % 8,
		.bit_size = m->bit_size,
		.ft = ct,
		.m = m,
		.cache = cache,
	};
	return 1;
}

/*
 * The node of element @i (of type @el, @stride bytes apart) of the array at
 * @n, as both walks see it; false once the elements pass the captured bytes.
 */
static inline bool elem_node(const struct fmt_node *n, const struct fmt_type *el, __u32 i,
			     __u32 stride, bool char_elem, struct fmt_cache *cache,
			     struct fmt_node *c)
{
	__u64 off = (__u64)i * stride;

	if (off > n->avail || (off == n->avail && el->size))
		return false;
	*c = (struct fmt_node){
		.btf = n->btf,
		.type_id = el->id,
		.res_id = el->res_id,
		.t = el->t,
		.is_elem = true,
		.char_elem = char_elem,
		.index = i,
		.depth = n->depth + 1,
		.data = n->data + off,
		.avail = n->avail - off,
		.size = el->size,
		.ft = el,
		.cache = cache,
	};
	return true;
}

static int visit(struct walker *w, const struct fmt_node *n);

static int call(int (*cb)(void *, const struct fmt_node *), void *ctx, const struct fmt_node *n)
{
	return cb ? cb(ctx, n) : 0;
}

static int visit_struct(struct walker *w, const struct fmt_node *n)
{
	const struct fmt_sink *s = w->sink;
	struct fmt_type *ft = (struct fmt_type *)n->ft;
	const struct fmt_member *m;
	__u16 i, vlen = btf_vlen(n->t);
	int r;

	r = build_type(w->cache, n->btf, ft);
	if (r)
		return r;
	r = call(s->begin, s->ctx, n);
	if (r == FMT_SKIP)
		return 0;
	if (r)
		return r;
	for (i = 0, m = ft->members; i < vlen; i++, m++) {
		struct fmt_node c;

		r = member_node(n, m, w->cache, &c);
		if (r < 0)
			return r;
		if (!r)
			continue;
		if (m->zk >= ZK_ENUM) {
			/* visit() of a scalar, its needs known; a zero skipped if quiet. */
			if (++w->nodes > FMT_MAX_NODES || c.depth > FMT_MAX_DEPTH)
				return -E2BIG;
			if (m->needs > c.avail)
				continue;
			if ((s->flags & FMT_SINK_QUIET_ZERO) && m->zk >= ZK_WORD &&
			    !member_nonzero(m, c.data, c.avail))
				continue;
			r = call(s->scalar, s->ctx, &c);
		} else {
			r = visit(w, &c);
		}
		if (r == FMT_STOP)
			r = 0;
		if (r)
			return r;
	}
	return call(s->end, s->ctx, n);
}

static int visit_array(struct walker *w, const struct fmt_node *n)
{
	const struct fmt_sink *s = w->sink;
	struct fmt_type *ft = (struct fmt_type *)n->ft;
	const struct btf_array *a = btf_array(n->t);
	const struct fmt_type *el;
	const struct btf_type *et;
	__u32 i, stride;
	bool char_elem;
	int r;

	r = build_type(w->cache, n->btf, ft);
	if (r)
		return r;
	el = ft->elem;
	et = el->t;
	if (!et)
		return -EINVAL;
	stride = el->size;
	/* The kernel steps by btf_type.size, which pointers and arrays lack. */
	if ((s->flags & FMT_SINK_KERNEL) && !has_size(et))
		stride = 0;
	char_elem = btf_is_int(et) && et->size == 1;

	r = call(s->begin, s->ctx, n);
	if (r == FMT_SKIP)
		return 0;
	if (r)
		return r;
	for (i = 0; i < a->nelems; i++) {
		struct fmt_node c;

		if (!elem_node(n, el, i, stride, char_elem, w->cache, &c))
			break;
		r = visit(w, &c);
		if (r == FMT_STOP)
			break;
		if (r)
			return r;
	}
	return call(s->end, s->ctx, n);
}

static int visit(struct walker *w, const struct fmt_node *n)
{
	if (++w->nodes > FMT_MAX_NODES || n->depth > FMT_MAX_DEPTH)
		return -E2BIG;
	if (btf_is_composite(n->t))
		return visit_struct(w, n);
	if (btf_is_array(n->t))
		return visit_array(w, n);
	if ((n->bit_off || n->bit_size || !n->ft->scalar ? scalar_needs(n) : n->ft->needs) >
	    n->avail)
		return 0;
	return call(w->sink->scalar, w->sink->ctx, n);
}

int fmt_walk_node(const struct fmt_node *n, const struct fmt_sink *sink)
{
	struct walker w = {.sink = sink, .cache = n->cache};
	int r = visit(&w, n);

	return r == FMT_STOP ? 0 : r;
}

int fmt_walk_c(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
	       size_t len, const struct fmt_sink *sink)
{
	struct fmt_node n = {
		.btf = btf,
		.type_id = type_id,
		.data = data,
		.avail = data ? len : 0,
		.cache = c,
	};
	int r;

	if (!btf || !sink || !type_id)
		return -EINVAL;
	n.ft = cache_type(c, btf, type_id);
	if (!n.ft)
		return -ENOMEM;
	n.t = n.ft->t;
	n.res_id = n.ft->res_id;
	if (!n.t)
		return -EINVAL;
	n.size = n.ft->size;
	if (!is_aggregate(n.t)) {
		/* visit() of a scalar, its needs known. */
		if ((n.ft->scalar ? n.ft->needs : scalar_needs(&n)) > n.avail)
			return -ENODATA;
		if (!sink->scalar)
			return 0;
		n.cache = c;
		r = sink->scalar(sink->ctx, &n);
		return r == FMT_STOP ? 0 : r;
	}
	return fmt_walk_node(&n, sink);
}

int fmt_walk(const struct btf *btf, __u32 type_id, const void *data, size_t len,
	     const struct fmt_sink *sink)
{
	struct fmt_cache *c;
	int r;

	if (!btf || !sink || !type_id)
		return -EINVAL;
	c = fmt_cache_new();
	if (!c)
		return -ENOMEM;
	r = fmt_walk_c(c, btf, type_id, data, len, sink);
	fmt_cache_free(c);
	return r;
}

/* ------------------------------------------------------------------------ */
/* Kernel type names (btf_show_name)                                        */

#define KNAME_MAX_ITER 10

struct kname {
	const char *prefix, *name, *ptr_suffix, *array_suffix, *parens;
};

static int kname_parts(const struct btf *btf, __u32 id, struct kname *k)
{
	static const char array_suffixes[] = "[][][][][][][][][][]";
	static const char ptr_suffixes[] = "**********";
	const char *array_suffix = array_suffixes + sizeof(array_suffixes) - 1;
	const char *ptr_suffix = ptr_suffixes + sizeof(ptr_suffixes) - 1;
	const char *name = NULL, *prefix = "", *parens = "";
	bool seen_typedef = false, seen_array = false, seen_ptr = false;
	const struct btf_type *t = btf__type_by_id(btf, id);
	int i;

	if (!t)
		return -EINVAL;
	for (i = 0; i < KNAME_MAX_ITER; i++) {
		switch (btf_kind(t)) {
		case BTF_KIND_TYPEDEF:
			if (!name)
				name = str_at(btf, t->name_off);
			seen_typedef = true;
			id = t->type;
			break;
		case BTF_KIND_ARRAY:
			seen_array = true;
			parens = "[";
			if (array_suffix > array_suffixes)
				array_suffix -= 2;
			id = btf_array(t)->type;
			break;
		case BTF_KIND_PTR:
			seen_ptr = true;
			if (ptr_suffix > ptr_suffixes)
				ptr_suffix -= 1;
			id = t->type;
			break;
		default:
			id = 0;
			break;
		}
		if (!id)
			break;
		t = skip_qualifiers(btf, id);
		if (!t)
			return -EINVAL;
	}
	if (i == KNAME_MAX_ITER)
		return -EINVAL;
	if (!name)
		name = str_at(btf, t->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		prefix = btf_is_struct(t) ? "struct" : "union";
		if (!seen_array)
			parens = "{";
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		prefix = "enum";
		break;
	}
	if (seen_ptr)
		parens = "";
	if (seen_typedef)
		prefix = "";
	k->prefix = prefix;
	k->name = name;
	k->ptr_suffix = ptr_suffix;
	k->array_suffix = array_suffix;
	k->parens = parens;
	return 0;
}

/* The kernel's show->state.name: "[.member = ](type)parens", cut at 79 bytes. */
static const char *kshow_name(const struct btf *btf, const char *member, __u32 id,
			      char buf[KNAME_SIZE])
{
	bool show_member = member && *member;
	struct kname k;

	buf[0] = '\0';
	if (kname_parts(btf, id, &k))
		return buf;
	snprintf(buf, KNAME_SIZE, "%s%s%s(%s%s%s%s%s%s)%s", show_member ? "." : "",
		 show_member ? member : "", show_member ? " = " : "", k.prefix,
		 *k.prefix && *k.name ? " " : "", k.name, *k.ptr_suffix ? " " : "", k.ptr_suffix,
		 k.array_suffix, k.parens);
	return buf;
}

int fmt_type_name(const struct btf *btf, __u32 type_id, struct strbuf *out)
{
	struct kname k;
	int err;

	if (!btf || !type_id)
		return -EINVAL;
	err = kname_parts(btf, type_id, &k);
	if (err)
		return err;
	sb_printf(out, "%s%s%s%s%s%s", k.prefix, *k.prefix && *k.name ? " " : "", k.name,
		  *k.ptr_suffix ? " " : "", k.ptr_suffix, k.array_suffix);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Text sink: the kernel's btf_show with BTF_SHOW_PTR_RAW                   */

struct ktext {
	const struct btf *btf;
	struct strbuf *out;
	bool array_member; /* show->state.array_member */
};

/* Kernel lib/ctype.c isprint(): ASCII printable plus Latin-1 0xa0-0xff. */
static bool kisprint(__u8 c)
{
	return (c >= 0x20 && c < 0x7f) || c >= 0xa0;
}

/* The kernel's name text of @n: ".member = (type)parens" or "(type)parens". */
static void kput_name(struct ktext *k, const struct fmt_node *n)
{
	if (k->array_member)
		return;
	if (n->m)
		sb_add_text(k->out, n->m->kname, n->m->kname_len);
	else
		sb_add_text(k->out, n->ft->kname, n->ft->kname_len);
}

static void kput_indent(struct ktext *k, int depth)
{
	static const char spaces[] = "                                ";

	if (!depth)
		return;
	if (depth > (int)sizeof(spaces) - 1)
		depth = sizeof(spaces) - 1;
	sb_add(k->out, spaces, depth);
}

static void kput_delim(struct ktext *k, const struct fmt_node *n)
{
	if (n->depth)
		sb_add(k->out, ",\n", 2);
	else
		sb_addc(k->out, '\n');
}

/* How kscalar() prints the value it read. */
enum kval {
	KV_S64,	   /* %lld of sv */
	KV_U64,	   /* %llu of v */
	KV_CHAR,   /* '%c' of v */
	KV_PTR,	   /* 0x%016llx of v */
	KV_HEX,	   /* 0x%llx of v */
	KV_HEX128, /* 0x%llx%016llx of hi, v */
};

/* Fixed-width little-endian read of @size <= 8 bytes (zero past the capture). */
static __u64 read_u64(const struct fmt_node *n, size_t size)
{
	__u64 v = 0;
	size_t k = size < sizeof(v) ? size : sizeof(v);

	if (k > n->avail)
		k = n->avail;
	/* Fixed sizes compile to one load. */
	switch (k) {
	case 8:
		memcpy(&v, n->data, 8);
		break;
	case 4:
		memcpy(&v, n->data, 4);
		break;
	case 2:
		memcpy(&v, n->data, 2);
		break;
	case 1:
		memcpy(&v, n->data, 1);
		break;
	default:
		memcpy(&v, n->data, k);
	}
	return v;
}

/*
 * Format scalar @n as the kernel would. Sets *shown when the kernel prints it
 * (and so marks its containers non-zero); prints it unless @k is NULL (the dry
 * run, which formats nothing). Returns FMT_STOP at the NUL that ends a char
 * array.
 */
static int kscalar(struct ktext *k, const struct fmt_node *n, bool *shown)
{
	bool nonzero = false, always = false, sign;
	enum kval how = KV_U64;
	__u64 v = 0, hi = 0;
	__s64 sv = 0;
	u128 v128;
	int i;

	*shown = false;
	if (n->bit_size) {
		v128 = read_bits(n, n->bit_off, n->bit_size);
		goto print128;
	}
	switch (btf_kind(n->t)) {
	case BTF_KIND_INT: {
		unsigned int nr_bits = btf_int_bits(n->t), int_off = btf_int_offset(n->t);

		sign = btf_int_encoding(n->t) & BTF_INT_SIGNED;
		if (n->bit_off || int_off || nr_bits % 8) {
			v128 = read_bits(n, n->bit_off + int_off, nr_bits);
			goto print128;
		}
		switch (nr_bits) {
		case 128:
			v128 = read_bits(n, 0, 128);
			goto print128;
		case 64:
		case 32:
		case 16:
			v = read_u64(n, nr_bits / 8);
			nonzero = v != 0;
			if (sign) {
				sv = sign_extend(v, nr_bits);
				how = KV_S64;
			}
			break;
		case 8:
			v = read_u64(n, 1);
			if (n->char_elem) {
				if (!v)
					return FMT_STOP;
				if (kisprint(v)) {
					how = KV_CHAR;
					nonzero = true;
					break;
				}
			}
			nonzero = v != 0;
			if (sign) {
				sv = (__s8)v;
				how = KV_S64;
			}
			break;
		default:
			v128 = read_bits(n, 0, nr_bits);
			goto print128;
		}
		break;
	}
	case BTF_KIND_ENUM: {
		const struct btf_enum *e = btf_enum(n->t);
		__s32 ev = (__s32)read_u64(n, 4); /* the kernel reads an int, whatever the size */

		for (i = 0; i < btf_vlen(n->t); i++, e++) {
			if (ev == e->val) {
				/* The name is a non-NULL pointer: "non-zero" even for 0. */
				*shown = true;
				if (k) {
					kput_indent(k, n->depth);
					kput_name(k, n);
					sb_adds(k->out, str_at(n->btf, e->name_off));
					kput_delim(k, n);
				}
				return 0;
			}
		}
		nonzero = ev != 0;
		if (btf_kflag(n->t)) {
			sv = ev;
			how = KV_S64;
		} else {
			v = (__u32)ev;
		}
		break;
	}
	case BTF_KIND_ENUM64: {
		const struct btf_enum64 *e = btf_enum64(n->t);
		__u64 ev = read_u64(n, 8);

		for (i = 0; i < btf_vlen(n->t); i++, e++) {
			if (ev == btf_enum64_value(e)) {
				*shown = true;
				if (k) {
					kput_indent(k, n->depth);
					kput_name(k, n);
					sb_adds(k->out, str_at(n->btf, e->name_off));
					kput_delim(k, n);
				}
				return 0;
			}
		}
		nonzero = ev != 0;
		v = ev;
		if (btf_kflag(n->t)) {
			sv = (__s64)ev;
			how = KV_S64;
		}
		break;
	}
	case BTF_KIND_PTR:
		v = read_u64(n, 8);
		nonzero = v != 0;
		how = KV_PTR;
		break;
	default:
		/* btf_df_show(): raw text, no indent/name/newline, never "non-zero". */
		if (k)
			sb_printf(k->out, "<unsupported kind:%u>", btf_kind(n->t));
		return 0;
	}
	goto out;

print128:
	hi = (__u64)(v128 >> 64);
	v = (__u64)v128;
	if (hi) {
		always = true;
		how = KV_HEX128;
	} else {
		nonzero = v != 0;
		how = KV_HEX;
	}
out:
	if (!(always || nonzero || n->depth == 0))
		return 0;
	*shown = true;
	if (!k)
		return 0;
	kput_indent(k, n->depth);
	kput_name(k, n);
	switch (how) {
	case KV_S64:
		sb_put_s64(k->out, sv);
		break;
	case KV_U64:
		sb_put_u64(k->out, v);
		break;
	case KV_CHAR: {
		char q[3] = {'\'', (char)v, '\''};

		sb_add(k->out, q, 3);
		break;
	}
	case KV_PTR:
		sb_add(k->out, "0x", 2);
		sb_put_hex(k->out, v, 16);
		break;
	case KV_HEX:
		sb_add(k->out, "0x", 2);
		sb_put_hex(k->out, v, 0);
		break;
	case KV_HEX128:
		sb_add(k->out, "0x", 2);
		sb_put_hex(k->out, hi, 0);
		sb_put_hex(k->out, v, 16);
		break;
	}
	kput_delim(k, n);
	return 0;
}

/*
 * The dry run, a walk of its own with the kprobe "sink" inlined: the same
 * nodes in the same order as visit() with FMT_SINK_KERNEL, the same guards.
 * p->shown/p->saw_elem are what the kernel's dry run accumulates (it stops
 * once both are set). Every aggregate whose walk completes also has its own
 * result remembered (struct dry_memo), so that the real walk, reaching it,
 * does not walk it again: the kernel runs a dry run at every nesting level.
 */
struct kprobe {
	struct fmt_cache *cache;
	int root_depth;
	bool shown;
	bool saw_elem;
	unsigned int nodes;
};

/* Result bits of a subtree: something shown; an array element inside it. */
#define DRY_SHOWN 1
#define DRY_ELEM  2

static void memo_put(struct fmt_cache *c, const struct fmt_node *n, unsigned int res)
{
	struct dry_memo *e = &c->memo[memo_hash(n)];

	e->data = n->data;
	e->ft = n->ft;
	e->depth = n->depth;
	e->gen = c->gen;
	e->res = res;
}

static int memo_get(struct fmt_cache *c, const struct fmt_node *n)
{
	struct dry_memo *e = &c->memo[memo_hash(n)];

	if (e->gen == c->gen && e->data == n->data && e->ft == n->ft && e->depth == n->depth)
		return e->res;
	return -1;
}

static int probe_visit(struct kprobe *p, const struct fmt_node *n, unsigned int *res);

static int probe_children(struct kprobe *p, const struct fmt_node *n, unsigned int *res)
{
	struct fmt_type *ft = (struct fmt_type *)n->ft;
	unsigned int sub = 0;
	int r;

	r = build_type(p->cache, n->btf, ft);
	if (r)
		return r;
	if (btf_is_composite(n->t)) {
		const struct fmt_member *m = ft->members;
		__u16 i, vlen = btf_vlen(n->t);

		/* kprobe_begin() */
		if (n->depth > p->root_depth && n->is_elem)
			p->saw_elem = true;
		if (p->shown && p->saw_elem)
			return FMT_ABORT;
		for (i = 0; i < vlen; i++, m++) {
			size_t byte_off = m->bit_offset / 8;
			struct fmt_node c;

			if (m->zk >= ZK_NEVER) {
				/* probe_visit() of a scalar member, without a node. */
				if (byte_off > n->avail)
					continue;
				if (++p->nodes > FMT_MAX_NODES || n->depth + 1 > FMT_MAX_DEPTH)
					return -E2BIG;
				if (m->needs > n->avail - byte_off || m->zk == ZK_NEVER ||
				    !member_nonzero(m, n->data + byte_off, n->avail - byte_off))
					continue;
				p->shown = true;
				sub |= DRY_SHOWN;
				if (p->saw_elem)
					return FMT_ABORT;
				continue;
			}
			r = member_node(n, m, p->cache, &c);
			if (r < 0)
				return r;
			if (!r)
				continue;
			r = probe_visit(p, &c, &sub);
			if (r == FMT_STOP)
				r = 0;
			if (r)
				return r;
		}
	} else {
		const struct btf_array *a = btf_array(n->t);
		const struct fmt_type *el = ft->elem;
		const struct btf_type *et = el->t;
		__u32 i, stride;
		bool char_elem;

		if (!et)
			return -EINVAL;
		stride = has_size(et) ? el->size : 0;
		char_elem = btf_is_int(et) && et->size == 1;
		if (n->depth > p->root_depth && n->is_elem)
			p->saw_elem = true;
		if (p->shown && p->saw_elem)
			return FMT_ABORT;
		for (i = 0; i < a->nelems; i++) {
			struct fmt_node c;

			if (!elem_node(n, el, i, stride, char_elem, p->cache, &c))
				break;
			r = probe_visit(p, &c, &sub);
			if (r == FMT_STOP)
				break;
			if (r)
				return r;
		}
	}
	memo_put(p->cache, n, sub);
	*res |= sub | (n->is_elem ? DRY_ELEM : 0);
	return 0;
}

static int probe_visit(struct kprobe *p, const struct fmt_node *n, unsigned int *res)
{
	bool shown;
	int r;

	if (++p->nodes > FMT_MAX_NODES || n->depth > FMT_MAX_DEPTH)
		return -E2BIG;
	if (is_aggregate(n->t))
		return probe_children(p, n, res);
	if (scalar_needs(n) > n->avail)
		return 0;
	/* kprobe_scalar() */
	if (n->is_elem) {
		p->saw_elem = true;
		*res |= DRY_ELEM;
	}
	r = kscalar(NULL, n, &shown);
	if (shown) {
		p->shown = true;
		*res |= DRY_SHOWN;
	}
	if (p->shown && p->saw_elem)
		return FMT_ABORT;
	return r;
}

static int ktext_begin(void *ctx, const struct fmt_node *n)
{
	struct ktext *k = ctx;

	if (n->is_elem)
		k->array_member = true; /* btf_show_start_array_member() */
	if (n->depth > 0) {
		/* btf_struct_show()/btf_array_show(): dry run for non-zero data. */
		struct kprobe p = {.cache = n->cache, .root_depth = n->depth};
		int r = memo_get(n->cache, n);

		if (r >= 0) {
			/* An earlier dry run walked this subtree to its end. */
			p.shown = r & DRY_SHOWN;
			p.saw_elem = r & DRY_ELEM;
		} else {
			unsigned int res = 0;

			/*
			 * The root's own element flag does not count (depth >
			 * root_depth in the kernel's terms); res is not used.
			 */
			r = probe_visit(&p, n, &res);
			if (r < 0)
				return r;
		}
		/* The dry run ended array elements: array_member is now 0. */
		if (p.saw_elem)
			k->array_member = false;
		if (!p.shown) {
			if (n->is_elem)
				k->array_member = false;
			return FMT_SKIP;
		}
	}
	kput_indent(k, n->depth);
	kput_name(k, n);
	sb_addc(k->out, '\n');
	return 0;
}

static int ktext_end(void *ctx, const struct fmt_node *n)
{
	struct ktext *k = ctx;

	kput_indent(k, n->depth);
	sb_addc(k->out, btf_is_array(n->t) ? ']' : '}');
	kput_delim(k, n);
	if (n->is_elem)
		k->array_member = false;
	return 0;
}

static int ktext_scalar(void *ctx, const struct fmt_node *n)
{
	struct ktext *k = ctx;
	bool shown;
	int r;

	if (n->is_elem)
		k->array_member = true;
	r = kscalar(k, n, &shown);
	if (n->is_elem)
		k->array_member = false;
	return r;
}

static void sb_truncate(struct strbuf *sb, size_t len)
{
	if (sb->buf && len <= sb->len) {
		sb->len = len;
		sb->buf[len] = '\0';
	}
}

static int jscalar(void *ctx, const struct fmt_node *n);
struct jtext;

/*
 * fmt_walk_c() of a value whose type is a scalar, straight to the sink's
 * scalar() (kscalar() for @k, jscalar() for @j): the common case of an
 * event's integer items. Returns 1 if the value is not a scalar (walk it).
 */
static int top_scalar(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
		      size_t len, struct ktext *k, struct jtext *j, struct strbuf *out)
{
	const struct fmt_type *ft;
	bool shown;

	if (!btf || !type_id)
		return 1;
	ft = cache_type(c, btf, type_id);
	if (!ft || !ft->t || !ft->scalar)
		return 1;
	{
		struct fmt_node n = {
			.btf = btf,
			.type_id = type_id,
			.res_id = ft->res_id,
			.t = ft->t,
			.data = data,
			.avail = data ? len : 0,
			.size = ft->size,
			.ft = ft,
			.cache = c,
		};

		if (ft->needs > n.avail)
			return -ENODATA;
		if (ft->word && btf_is_int(ft->t)) {
			/* A whole-byte int: what kscalar()/jscalar() print for it. */
			__u8 enc = btf_int_encoding(ft->t);
			__u64 v = read_u64(&n, ft->word);
			bool sign = enc & BTF_INT_SIGNED;

			if (k) {
				kput_name(k, &n);
				if (sign)
					sb_put_s64(k->out, sign_extend(v, ft->word * 8));
				else
					sb_put_u64(k->out, v);
				sb_addc(k->out, '\n');
				return 0;
			}
			if (!(enc & BTF_INT_BOOL)) {
				if (sign)
					json_put_s64(out, sign_extend(v, ft->word * 8));
				else
					json_put_u64(out, v);
				return 0;
			}
		}
		/* Neither returns anything but 0 for a value that is not an element. */
		if (k)
			kscalar(k, &n, &shown);
		else
			jscalar(j, &n);
	}
	return 0;
}

int fmt_text_c(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
	       size_t len, struct strbuf *out)
{
	struct ktext k = {.btf = btf, .out = out};
	struct fmt_sink sink = {
		.flags = FMT_SINK_KERNEL | FMT_SINK_QUIET_ZERO,
		.begin = ktext_begin,
		.end = ktext_end,
		.scalar = ktext_scalar,
		.ctx = &k,
	};
	size_t start = out->len;
	int r;

	r = top_scalar(c, btf, type_id, data, len, &k, NULL, out);
	if (r != 1)
		return r;
	/* A new generation: dry-run results are for this value's bytes only. */
	if (++c->gen == 0) {
		memset(c->memo, 0, sizeof(c->memo));
		c->gen = 1;
	}
	r = fmt_walk_c(c, btf, type_id, data, len, &sink);
	if (r == FMT_ABORT)
		r = 0;
	if (r < 0)
		sb_truncate(out, start);
	return r;
}

int fmt_text(const struct btf *btf, __u32 type_id, const void *data, size_t len, struct strbuf *out)
{
	struct fmt_cache *c = fmt_cache_new();
	int r;

	if (!c)
		return -ENOMEM;
	r = fmt_text_c(c, btf, type_id, data, len, out);
	fmt_cache_free(c);
	return r;
}

/* ------------------------------------------------------------------------ */
/* JSON sink                                                                */

struct jtext {
	const struct btf *btf;
	struct strbuf *out;
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
	       ((btf_int_encoding(t) & BTF_INT_CHAR) || !strcmp(str_at(btf, t->name_off), "char"));
}

static void jkey(struct jtext *j, const struct fmt_node *n)
{
	if (!j->top)
		return;
	if (j->st[j->top - 1].any)
		sb_addc(j->out, ',');
	j->st[j->top - 1].any = true;
	if (j->st[j->top - 1].obj) {
		const char *name = n->name ? n->name : "";

		if (n->m) {
			sb_add_text(j->out, n->m->jkey, n->m->jkey_len);
			return;
		}
		json_put_string(j->out, name, strlen(name));
		sb_addc(j->out, ':');
	}
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
	if (btf_is_array(n->t)) {
		/* visit_array() built the array's type before calling begin(). */
		if (n->ft->elem->is_char) {
			size_t max = n->size < n->avail ? n->size : n->avail;
			const void *nul = memchr(n->data, 0, max);

			jkey(j, n);
			json_put_string(j->out, (const char *)n->data,
					nul ? (size_t)((const __u8 *)nul - n->data) : max);
			return FMT_SKIP;
		}
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
		json_put_s64(j->out, sign_extend((__u64)v, bits));
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
		__u16 h = (__u16)read_u64(n, 2);
		float f = half_to_float(h);

		if (isfinite(f))
			snprintf(buf, sizeof(buf), "%.9g", f);
	} else if (n->size == 4) {
		float f;

		read_bytes(n, 0, &f, sizeof(f));
		if (isfinite(f))
			snprintf(buf, sizeof(buf), "%.9g", f);
	} else if (n->size == 8) {
		double d;

		read_bytes(n, 0, &d, sizeof(d));
		if (isfinite(d))
			snprintf(buf, sizeof(buf), "%.17g", d);
	} else if (n->size == 16 && sizeof(long double) == 16) {
		long double d;

		read_bytes(n, 0, &d, sizeof(d));
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
		raw = (__u64)read_bits(n, n->bit_off, bits);
	} else {
		bits = n->size >= 8 ? 64 : n->size * 8;
		raw = read_u64(n, n->size);
	}
	if (sign)
		raw = (__u64)sign_extend(raw, bits);
	if (btf_is_enum(n->t)) {
		const struct btf_enum *e = btf_enum(n->t);

		for (i = 0; i < btf_vlen(n->t); i++, e++) {
			__u64 ev = sign ? (__u64)(__s64)e->val : (__u64)(__u32)e->val;

			if (ev == raw) {
				name = str_at(n->btf, e->name_off);
				break;
			}
		}
	} else {
		const struct btf_enum64 *e = btf_enum64(n->t);

		for (i = 0; i < btf_vlen(n->t); i++, e++) {
			if (btf_enum64_value(e) == raw) {
				name = str_at(n->btf, e->name_off);
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
		__u8 enc = btf_int_encoding(n->t);
		unsigned int bits, off;
		u128 v;

		if (n->bit_size) {
			bits = n->bit_size;
			off = n->bit_off;
		} else {
			bits = btf_int_bits(n->t);
			off = n->bit_off + btf_int_offset(n->t);
		}
		if (!n->bit_size && !n->bit_off && n->ft->word)
			v = read_u64(n, n->ft->word); /* the same bits, one load */
		else
			v = read_bits(n, off, bits);
		if (enc & BTF_INT_BOOL) {
			sb_puts(j->out, v ? "true" : "false");
		} else {
			jint(j, v, bits, enc & BTF_INT_SIGNED);
		}
		break;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		jenum(j, n);
		break;
	case BTF_KIND_PTR:
		sb_add(j->out, "\"0x", 3);
		sb_put_hex(j->out, read_u64(n, 8), 0);
		sb_addc(j->out, '"');
		break;
	case BTF_KIND_FLOAT:
		jfloat(j, n);
		break;
	default:
		sb_puts(j->out, "null");
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

	/* A top-level scalar needs no nesting state: the stack is left out. */
	j.btf = btf;
	j.out = out;
	j.top = 0;
	j.flat = 0;
	r = top_scalar(c, btf, type_id, data, len, NULL, &j, out);
	if (r != 1)
		return r;
	memset(&j, 0, sizeof(j));
	j.btf = btf;
	j.out = out;
	r = fmt_walk_c(c, btf, type_id, data, len, &sink);
	if (r == FMT_ABORT)
		r = 0;
	if (r < 0)
		sb_truncate(out, start);
	return r;
}

int fmt_json(const struct btf *btf, __u32 type_id, const void *data, size_t len, struct strbuf *out)
{
	struct fmt_cache *c = fmt_cache_new();
	int r;

	if (!c)
		return -ENOMEM;
	r = fmt_json_c(c, btf, type_id, data, len, out);
	fmt_cache_free(c);
	return r;
}

/* ------------------------------------------------------------------------ */
/* C strings                                                                */

void fmt_cstring_text(struct strbuf *out, const void *s, size_t len)
{
	const __u8 *p = s, *nul = len ? memchr(s, 0, len) : NULL;
	size_t i, n = nul ? (size_t)(nul - p) : len;

	sb_putc(out, '"');
	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '\n':
			sb_puts(out, "\\n");
			break;
		case '\t':
			sb_puts(out, "\\t");
			break;
		case '\r':
			sb_puts(out, "\\r");
			break;
		case '\\':
			sb_puts(out, "\\\\");
			break;
		case '"':
			sb_puts(out, "\\\"");
			break;
		default:
			if (p[i] >= 0x20 && p[i] < 0x7f)
				sb_putc(out, (char)p[i]);
			else
				sb_printf(out, "\\%03o", p[i]);
		}
	}
	sb_putc(out, '"');
	if (!nul)
		sb_puts(out, "...");
}

void fmt_cstring_json(struct strbuf *out, const void *s, size_t len)
{
	const __u8 *nul = len ? memchr(s, 0, len) : NULL;

	json_put_string(out, s, nul ? (size_t)(nul - (const __u8 *)s) : len);
}
