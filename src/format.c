// SPDX-License-Identifier: GPL-2.0
/*
 * Decode a BTF-typed value captured as bytes: the layout cache and the one
 * walker (fmt_walk). The sinks that render what it visits are format_text.c
 * (the kernel's bpf_snprintf_btf() text, and its "dry run", a mode of this
 * walk with a sink of its own) and format_json.c. See format.h for the
 * walker/sink contract, format_int.h for what the layout cache holds.
 *
 * Speed for whole structs (a 2 KiB capture of struct sk_buff or struct net is
 * mostly zeros): each struct's members are laid out once per cache (offsets,
 * how each scalar is read, which are "quiet"), and for sinks that print
 * nothing for zero values the walker skips runs of quiet members after one
 * word-by-word scan of their bytes, instead of visiting them one by one.
 *
 * Byte order is little-endian (x86_64, the only target).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_int.h"

/* ------------------------------------------------------------------------ */
/* BTF helpers and reading                                                  */

bool fmt_has_size(const struct btf_type *t)
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

const char *fmt_str(const struct btf *btf, __u32 off)
{
	const char *s = btf__name_by_offset(btf, off);

	return s ? s : "";
}

static bool is_aggregate(const struct btf_type *t)
{
	return btf_is_composite(t) || btf_is_array(t);
}

/* @len bytes from @off of @data into @buf, zero past @avail. */
static void read_bytes(const __u8 *data, size_t avail, size_t off, void *buf, size_t len)
{
	memset(buf, 0, len);
	if (off < avail)
		memcpy(buf, data + off, len < avail - off ? len : avail - off);
}

void fmt_read_bytes(const struct fmt_node *n, size_t off, void *buf, size_t len)
{
	read_bytes(n->data, n->avail, off, buf, len);
}

u128 fmt_read_bits_slow(const __u8 *data, size_t avail, size_t bit_off, unsigned int nr_bits)
{
	__u8 b[17];
	u128 lo = 0;
	int i;

	if (nr_bits > 128)
		nr_bits = 128;
	if (!nr_bits)
		return 0;
	if (bit_off % 8 + nr_bits <= 64) {
		/* Within one 8-byte little-endian word, near the end of the capture. */
		__u64 w = 0;
		size_t off = bit_off / 8;

		if (off + 8 <= avail)
			memcpy(&w, data + off, 8);
		else if (off < avail)
			memcpy(&w, data + off, avail - off);
		w >>= bit_off % 8;
		if (nr_bits < 64)
			w &= (1ULL << nr_bits) - 1;
		return w;
	}
	read_bytes(data, avail, bit_off / 8, b, sizeof(b));
	bit_off %= 8;
	for (i = 15; i >= 0; i--)
		lo = lo << 8 | b[i];
	if (bit_off)
		lo = lo >> bit_off | (u128)b[16] << (128 - bit_off);
	if (nr_bits < 128)
		lo &= ((u128)1 << nr_bits) - 1;
	return lo;
}

__s64 fmt_sign_extend(__u64 v, unsigned int bits)
{
	if (bits == 0 || bits >= 64)
		return (__s64)v;
	if (v & (1ULL << (bits - 1)))
		v |= ~0ULL << bits;
	return (__s64)v;
}

void fmt_sb_truncate(struct strbuf *sb, size_t len)
{
	if (sb->buf && len <= sb->len) {
		sb->len = len;
		sb->buf[len] = '\0';
	}
}

/* ------------------------------------------------------------------------ */
/* Layout cache                                                             */

enum {
	TS_NEW,	     /* members/elem not filled in */
	TS_BUILDING, /* being filled in (a loop in bad BTF reaches it again) */
	TS_BUILT,
};

struct fmt_slot_ent {
	const struct btf *btf;
	__u32 id;
	struct fmt_type *ft;
};

#define RECENT_SIZE 64

struct fmt_cache {
	struct fmt_cache_head head; /* first: fmt_slot() reads it */
	struct fmt_slot_ent *slots; /* open addressing, power-of-two size */
	size_t nslots, used;
	struct fmt_slot_ent recent[RECENT_SIZE]; /* direct-mapped by id: the top-level types */
	__u32 ntypes, nmembers;			 /* fmt_type.idx, fmt_member.idx given out */
};

struct fmt_cache *fmt_cache_new(void)
{
	return calloc(1, sizeof(struct fmt_cache));
}

void fmt_cache_free(struct fmt_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < FMT_NSLOTS; i++)
		if (c->head.sink[i].data)
			c->head.sink[i].drop(c->head.sink[i].data);
	for (i = 0; i < c->nslots; i++) {
		if (c->slots[i].ft) {
			free(c->slots[i].ft->members);
			free(c->slots[i].ft);
		}
	}
	free(c->slots);
	free(c);
}

void *fmt_slot_make(struct fmt_cache *c, int slot, void *(*make)(void), void (*drop)(void *))
{
	c->head.sink[slot].data = make();
	c->head.sink[slot].drop = drop;
	return c->head.sink[slot].data;
}

static size_t slot_hash(const struct btf *btf, __u32 id, size_t mask)
{
	__u64 h = ((__u64)(uintptr_t)btf >> 4) * 0x9e3779b97f4a7c15ULL ^ id * 0xff51afd7ed558ccdULL;

	return (h ^ h >> 29) & mask;
}

static bool cache_grow(struct fmt_cache *c)
{
	size_t n = c->nslots ? c->nslots * 2 : 256, i, j;
	struct fmt_slot_ent *s = calloc(n, sizeof(*s));

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

/*
 * How a scalar of @ft is read at bit @bit_off of its first byte, @bit_size
 * wide if it is a bitfield: the kernel's btf_int_show()/btf_bitfield_show()
 * split (whole 8/16/32/64-bit ints at bit 0 are one load, the rest bits).
 * Returns the bytes it needs in the capture.
 */
static __u64 scalar_layout(const struct fmt_type *ft, unsigned int bit_off, unsigned int bit_size,
			   __u8 *rd, __u16 *rbit, __u16 *rbits)
{
	const struct btf_type *t = ft->t;
	unsigned int nr, ioff;
	__u64 needs;

	*rbit = *rbits = 0;
	if (!t || is_aggregate(t)) {
		*rd = RD_AGGR;
		return 0;
	}
	if (bit_size) {
		*rd = RD_BITS;
		*rbit = bit_off;
		*rbits = bit_size > 128 ? 128 : bit_size;
		return (bit_off + bit_size + 7) / 8;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		nr = btf_int_bits(t);
		ioff = btf_int_offset(t);
		needs = (bit_off + ioff + nr + 7) / 8;
		if (needs < ft->size)
			needs = ft->size;
		if (!bit_off && !ioff && (nr == 8 || nr == 16 || nr == 32 || nr == 64)) {
			*rd = RD_WORD;
			*rbits = nr;
		} else {
			*rd = RD_BITS;
			*rbit = bit_off + ioff;
			*rbits = nr > 128 ? 128 : nr;
		}
		return needs;
	case BTF_KIND_PTR:
		*rd = RD_PTR;
		return 8;
	case BTF_KIND_ENUM:
		*rd = RD_ENUM;
		return ft->size;
	case BTF_KIND_ENUM64:
		*rd = RD_ENUM64;
		return ft->size;
	}
	*rd = RD_OTHER;
	return ft->size;
}

/* Whether an enum (or enum64) has a constant equal to 0: then 0 is printed. */
static bool enum_has_zero(const struct btf_type *t)
{
	int i;

	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);

		for (i = 0; i < btf_vlen(t); i++, e++)
			if (!e->val)
				return true;
	} else {
		const struct btf_enum64 *e = btf_enum64(t);

		for (i = 0; i < btf_vlen(t); i++, e++)
			if (!btf_enum64_value(e))
				return true;
	}
	return false;
}

/* cache_type() past the recent[] check. */
static struct fmt_type *cache_type_slow(struct fmt_cache *c, const struct btf *btf, __u32 id)
{
	struct fmt_slot_ent *recent = &c->recent[id % RECENT_SIZE];
	struct fmt_type *ft;
	__u64 needs;
	size_t j;

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
	ft->idx = c->ntypes++;
	ft->t = btfx_skip(btf, id, true, &ft->res_id);
	ft->size = type_size(btf, id);
	needs = scalar_layout(ft, 0, 0, &ft->rd, &ft->rbit, &ft->rbits);
	ft->is_char = btfx_is_char(btf, ft->t);
	ft->needs = needs > UINT32_MAX ? UINT32_MAX : needs;
	j = slot_hash(btf, id, c->nslots - 1);
	while (c->slots[j].ft)
		j = (j + 1) & (c->nslots - 1);
	c->slots[j] = (struct fmt_slot_ent){.btf = btf, .id = id, .ft = ft};
	c->used++;
	return ft;
}

/* The cached type @id of @btf; NULL only when out of memory. */
static inline struct fmt_type *cache_type(struct fmt_cache *c, const struct btf *btf, __u32 id)
{
	struct fmt_slot_ent *recent = &c->recent[id % RECENT_SIZE];

	if (recent->ft && recent->id == id && recent->btf == btf)
		return recent->ft;
	return cache_type_slow(c, btf, id);
}

static int build_type(struct fmt_cache *c, const struct btf *btf, struct fmt_type *ft, int depth);

/* Lay out member @i of struct/union @ft (built to @depth). */
static int layout_member(struct fmt_cache *c, const struct btf *btf, struct fmt_type *ft, __u16 i,
			 int depth)
{
	const struct btf_member *bm = btf_members(ft->t) + i;
	struct fmt_member *m = &ft->members[i];
	__u32 bit_offset = btf_member_bit_offset(ft->t, i);
	struct fmt_type *mt;
	__u64 needs;

	mt = cache_type(c, btf, bm->type);
	if (!mt)
		return -ENOMEM;
	m->type = mt;
	m->name = fmt_str(btf, bm->name_off);
	m->idx = c->nmembers++;
	m->byte_off = bit_offset / 8;
	m->bit_off = bit_offset % 8;
	m->bit_size = btf_member_bitfield_size(ft->t, i);
	needs = scalar_layout(mt, m->bit_off, m->bit_size, &m->rd, &m->rbit, &m->rbits);
	m->needs = needs > UINT32_MAX ? UINT32_MAX : needs;
	m->quiet = false;
	m->nodes = 1;
	m->depth = 0;
	if (!mt->t)
		return 0;
	switch (m->rd) {
	case RD_WORD:
	case RD_BITS:
	case RD_PTR:
		m->quiet = true;
		break;
	case RD_ENUM:
	case RD_ENUM64:
		/* The kernel reads an enum as an int whatever its size. */
		if (needs < (m->rd == RD_ENUM ? 4 : 8))
			needs = m->rd == RD_ENUM ? 4 : 8;
		m->quiet = !enum_has_zero(mt->t);
		break;
	case RD_AGGR:
		if (depth < FMT_MAX_DEPTH && mt->state == TS_NEW) {
			int err = build_type(c, btf, mt, depth + 1);

			if (err)
				return err;
		}
		m->quiet = mt->state == TS_BUILT && mt->quiet;
		needs = mt->size;
		m->nodes = mt->qnodes;
		m->depth = mt->qdepth;
		break;
	}
	if ((__u64)m->byte_off + needs > UINT32_MAX)
		m->quiet = false;
	m->hi = m->byte_off + needs;
	return 0;
}

/*
 * Fill in the members of a struct/union or the element of an array, and
 * whether a zero value of it is quiet. Member aggregates are built first
 * (to FMT_MAX_DEPTH levels; a loop in bad BTF is not quiet).
 */
static int build_type(struct fmt_cache *c, const struct btf *btf, struct fmt_type *ft, int depth)
{
	__u16 i, vlen;
	__u64 nodes = 1;
	int err, d = 0;
	bool quiet = true, elemless = true;

	if (ft->state != TS_NEW)
		return 0;
	ft->state = TS_BUILDING;
	if (btf_is_array(ft->t)) {
		ft->elem = cache_type(c, btf, btf_array(ft->t)->type);
		if (!ft->elem) {
			ft->state = TS_NEW;
			return -ENOMEM;
		}
		/* Elements end the kernel's array_member state: never quiet. */
		ft->quiet = ft->elemless = !btf_array(ft->t)->nelems;
		ft->qnodes = 1;
		ft->state = TS_BUILT;
		return 0;
	}
	vlen = btf_vlen(ft->t);
	ft->members = calloc(vlen ? vlen : 1, sizeof(*ft->members));
	if (!ft->members) {
		ft->state = TS_NEW;
		return -ENOMEM;
	}
	for (i = 0; i < vlen; i++) {
		err = layout_member(c, btf, ft, i, depth);
		if (err) {
			free(ft->members);
			ft->members = NULL;
			ft->state = TS_NEW;
			return err;
		}
		quiet = quiet && ft->members[i].quiet;
		if (ft->members[i].rd == RD_AGGR)
			elemless = elemless && ft->members[i].type->state == TS_BUILT &&
				   ft->members[i].type->elemless;
		nodes += ft->members[i].nodes;
		if (ft->members[i].depth + 1 > d)
			d = ft->members[i].depth + 1;
	}
	/* Runs of quiet members, from the end: where each ends, its lowest byte and its end. */
	for (i = vlen; i-- > 0;) {
		struct fmt_member *m = &ft->members[i], *next = m + 1;
		bool joins = i + 1 < vlen && next->quiet;

		if (!m->quiet)
			continue;
		m->run_end = joins ? next->run_end : (__u32)i + 1;
		m->run_lo = joins && next->run_lo < m->byte_off ? next->run_lo : m->byte_off;
		m->run_hi = joins && next->run_hi > m->hi ? next->run_hi : m->hi;
		m->run_nodes = m->nodes + (joins ? next->run_nodes : 0);
		if (m->run_nodes > FMT_MAX_NODES)
			m->run_nodes = FMT_MAX_NODES;
		m->run_depth = joins && next->run_depth > m->depth ? next->run_depth : m->depth;
	}
	/* Runs of scalar members, for sinks that take them at once. */
	for (i = vlen; i-- > 0;) {
		struct fmt_member *m = &ft->members[i], *next = m + 1;
		bool joins = i + 1 < vlen && next->rd != RD_AGGR && next->type->t;
		__u64 hi = (__u64)m->byte_off + m->needs;

		if (m->rd == RD_AGGR || !m->type->t)
			continue;
		m->srun_end = joins ? next->srun_end : (__u32)i + 1;
		if (hi > UINT32_MAX)
			hi = UINT32_MAX;
		m->srun_hi = joins && next->srun_hi > hi ? next->srun_hi : hi;
	}
	ft->quiet = quiet && nodes < FMT_MAX_NODES && d <= FMT_MAX_DEPTH;
	ft->elemless = elemless;
	ft->qnodes = nodes < FMT_MAX_NODES ? nodes : FMT_MAX_NODES;
	ft->qdepth = d > FMT_MAX_DEPTH ? FMT_MAX_DEPTH + 1 : d;
	ft->state = TS_BUILT;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Sink side tables                                                         */

static bool labels_grow(struct fmt_label **v, size_t *n, size_t need)
{
	size_t cap = *n ? *n : 64;
	struct fmt_label *p;

	while (cap <= need)
		cap *= 2;
	p = realloc(*v, cap * sizeof(*p));
	if (!p)
		return false;
	memset(p + *n, 0, (cap - *n) * sizeof(*p));
	*v = p;
	*n = cap;
	return true;
}

const struct fmt_label *fmt_label_slow(struct fmt_labels *l, const struct fmt_node *n,
				       fmt_label_fn make)
{
	struct fmt_label **v = n->m ? &l->members : &l->types, *e;
	size_t *cnt = n->m ? &l->nmembers : &l->ntypes;
	size_t idx = n->m ? n->m->idx : n->ft->idx;
	struct strbuf sb;
	int bits;

	if (idx >= *cnt && !labels_grow(v, cnt, idx))
		return NULL;
	e = *v + idx;
	sb_init(&sb);
	bits = make(n, &sb);
	if (bits < 0 || sb.oom) {
		sb_free(&sb);
		return NULL;
	}
	e->s = calloc(1, sb.len + FMT_LABEL_PAD);
	if (e->s) {
		memcpy(e->s, sb_str(&sb), sb.len);
		e->len = sb.len;
		e->bits = bits;
	}
	sb_free(&sb);
	return e->s ? e : NULL;
}

void fmt_labels_free(struct fmt_labels *l)
{
	size_t i;

	for (i = 0; i < l->ntypes; i++)
		free(l->types[i].s);
	for (i = 0; i < l->nmembers; i++)
		free(l->members[i].s);
	free(l->types);
	free(l->members);
}

/* ------------------------------------------------------------------------ */
/* The walker                                                               */

bool fmt_plain_walk;

struct walker {
	const struct fmt_sink *sink;
	void *ctx;
	struct fmt_cache *cache;
	unsigned int nodes;
};

/*
 * The node of element @i (of type @el, @stride bytes apart) of the array at
 * @n; false once the elements pass the captured bytes.
 */
static inline bool elem_node(const struct fmt_node *n, const struct fmt_type *el, __u32 i,
			     __u32 stride, bool char_elem, struct fmt_node *c)
{
	__u64 off = (__u64)i * stride;

	if (off > n->avail || (off == n->avail && el->size))
		return false;
	fmt_child(n, el, off, c);
	c->is_elem = true;
	c->char_elem = char_elem;
	c->index = i;
	return true;
}

size_t fmt_zero_prefix(const __u8 *p, size_t len)
{
	size_t i = 0;
	__u64 w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		if (w)
			return i + (__builtin_ctzll(w) >> 3);
	}
	for (; i < len; i++)
		if (p[i])
			return i;
	return len;
}

/*
 * For a FMT_SINK_QUIET_ZERO sink: the members from @i on, in the run of quiet
 * members starting there, whose bytes are all zero and within the capture,
 * counted as visited. Returns the index of the first one not skipped.
 */
static __u32 skip_quiet(struct walker *w, const struct fmt_node *n, const struct fmt_type *ft,
			__u32 i)
{
	const struct fmt_member *m = &ft->members[i];
	size_t lim = m->run_hi < n->avail ? m->run_hi : n->avail, zend = m->run_lo;
	__u32 j = i;

	if (m->run_lo < lim)
		zend += fmt_zero_prefix(n->data + m->run_lo, lim - m->run_lo);
	if (zend >= m->run_hi && n->depth + 1 + m->run_depth <= FMT_MAX_DEPTH) {
		/* The common case: the whole run is zero. */
		w->nodes += m->run_nodes;
		return m->run_end;
	}
	for (; j < m->run_end && ft->members[j].hi <= zend; j++) {
		if (n->depth + 1 + ft->members[j].depth > FMT_MAX_DEPTH)
			break; /* visited, to fail as the walk would */
		w->nodes += ft->members[j].nodes;
	}
	return j;
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
	bool quiet = (s->flags & FMT_SINK_QUIET_ZERO) && !fmt_plain_walk;
	const struct fmt_member *m;
	__u32 i, vlen = btf_vlen(n->t);
	int r;

	r = ft->state == TS_BUILT ? 0 : build_type(w->cache, n->btf, ft, n->depth);
	if (r)
		return r;
	r = call(s->begin, w->ctx, n);
	if (r == FMT_SKIP)
		return 0;
	if (r)
		return r;
	for (i = 0; i < vlen; i++) {
		struct fmt_node c;

		m = &ft->members[i];
		if (quiet && m->quiet) {
			__u32 j = skip_quiet(w, n, ft, i);

			if (w->nodes > FMT_MAX_NODES)
				return -E2BIG;
			if (j > i) {
				i = j - 1;
				continue;
			}
		}
		if (s->members && m->srun_end && m->srun_hi <= n->avail &&
		    n->depth < FMT_MAX_DEPTH && !fmt_plain_walk) {
			/* A run of scalars all within the capture, to the sink at once. */
			w->nodes += m->srun_end - i;
			if (w->nodes > FMT_MAX_NODES)
				return -E2BIG;
			r = s->members(w->ctx, n, m, m->srun_end - i);
			if (r == FMT_STOP)
				r = 0;
			if (r)
				return r;
			i = m->srun_end - 1;
			continue;
		}
		r = fmt_member_node(n, m, &c);
		if (r < 0)
			return r;
		if (!r)
			continue;
		if (m->rd != RD_AGGR) {
			/* visit() of a scalar, without the kind tests. */
			if (++w->nodes > FMT_MAX_NODES || c.depth > FMT_MAX_DEPTH)
				return -E2BIG;
			if (m->needs > c.avail)
				continue;
			r = call(s->scalar, w->ctx, &c);
		} else {
			r = visit(w, &c);
		}
		if (r == FMT_STOP)
			r = 0;
		if (r)
			return r;
	}
	return call(s->end, w->ctx, n);
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

	r = ft->state == TS_BUILT ? 0 : build_type(w->cache, n->btf, ft, n->depth);
	if (r)
		return r;
	el = ft->elem;
	et = el->t;
	if (!et)
		return -EINVAL;
	stride = el->size;
	/* The kernel steps by btf_type.size, which pointers and arrays lack. */
	if ((s->flags & FMT_SINK_KERNEL) && !fmt_has_size(et))
		stride = 0;
	char_elem = btf_is_int(et) && et->size == 1;

	r = call(s->begin, w->ctx, n);
	if (r == FMT_SKIP)
		return 0;
	if (r)
		return r;
	for (i = 0; i < a->nelems; i++) {
		struct fmt_node c;

		if (!elem_node(n, el, i, stride, char_elem, &c))
			break;
		r = visit(w, &c);
		if (r == FMT_STOP)
			break;
		if (r)
			return r;
	}
	return call(s->end, w->ctx, n);
}

static int visit(struct walker *w, const struct fmt_node *n)
{
	if (++w->nodes > FMT_MAX_NODES || n->depth > FMT_MAX_DEPTH)
		return -E2BIG;
	if (btf_is_composite(n->t))
		return visit_struct(w, n);
	if (btf_is_array(n->t))
		return visit_array(w, n);
	if (n->needs > n->avail)
		return 0;
	return call(w->sink->scalar, w->ctx, n);
}

int fmt_walk_node(const struct fmt_node *n, const struct fmt_sink *sink, void *ctx)
{
	struct walker w = {.sink = sink, .ctx = ctx, .cache = n->cache};
	int r = visit(&w, n);

	return r == FMT_STOP ? 0 : r;
}

int fmt_top_node(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
		 size_t len, struct fmt_node *n)
{
	const struct fmt_type *ft;

	if (!btf || !type_id)
		return -EINVAL;
	ft = cache_type(c, btf, type_id);
	if (!ft)
		return -ENOMEM;
	if (!ft->t)
		return -EINVAL;
	if (!data)
		len = 0;
	if (ft->rd != RD_AGGR && ft->needs > len)
		return -ENODATA; /* a scalar too short: an error at the top */
	fmt_node_at(btf, c, 0, data, len, ft, n);
	return 0;
}

int fmt_walk_c(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
	       size_t len, const struct fmt_sink *sink, void *ctx)
{
	struct fmt_node n;
	int r = fmt_top_node(c, btf, type_id, data, len, &n);

	if (r)
		return r;
	if (n.rd != RD_AGGR) {
		r = call(sink->scalar, ctx, &n);
		return r == FMT_STOP ? 0 : r;
	}
	return fmt_walk_node(&n, sink, ctx);
}

int fmt_walk(const struct btf *btf, __u32 type_id, const void *data, size_t len,
	     const struct fmt_sink *sink, void *ctx)
{
	struct fmt_cache *c;
	int r;

	if (!btf || !sink || !type_id)
		return -EINVAL;
	c = fmt_cache_new();
	if (!c)
		return -ENOMEM;
	r = fmt_walk_c(c, btf, type_id, data, len, sink, ctx);
	fmt_cache_free(c);
	return r;
}

/*
 * The public entry points of the sinks with a cache for one call: the sinks
 * keep their side tables in the cache, so a fresh one starts empty.
 */
typedef int (*fmt_sink_fn)(struct fmt_cache *c, const struct btf *btf, __u32 type_id,
			   const void *data, size_t len, struct strbuf *out);

static int with_fresh_cache(fmt_sink_fn fn, const struct btf *btf, __u32 type_id, const void *data,
			    size_t len, struct strbuf *out)
{
	struct fmt_cache *c = fmt_cache_new();
	int r;

	if (!c)
		return -ENOMEM;
	r = fn(c, btf, type_id, data, len, out);
	fmt_cache_free(c);
	return r;
}

int fmt_text(const struct btf *btf, __u32 type_id, const void *data, size_t len, struct strbuf *out)
{
	return with_fresh_cache(fmt_text_c, btf, type_id, data, len, out);
}

int fmt_json(const struct btf *btf, __u32 type_id, const void *data, size_t len, struct strbuf *out)
{
	return with_fresh_cache(fmt_json_c, btf, type_id, data, len, out);
}
