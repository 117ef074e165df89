/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the value formatter, shared by its files: the layout cache and the
 * walker (format.c) and the sinks that render what the walker visits, the
 * kernel's text (format_text.c) and JSON (format_json.c).
 *
 * The layout cache knows types, not outputs: resolved ids, sizes, member
 * offsets, how a scalar's bits are read, and which members a zero value makes
 * invisible ("quiet", below). What a sink precomputes per type or member (the
 * kernel's "(type)" names, JSON keys) it keeps in its own side table, a
 * struct fmt_labels indexed by fmt_type.idx / fmt_member.idx, stored in the
 * cache's slot for that sink so it lives and dies with the cache.
 */
#ifndef __KSNOOP_FORMAT_INT_H
#define __KSNOOP_FORMAT_INT_H

#include <errno.h>
#include <string.h>
#include <bpf/btf.h>

#include "btfx.h"
#include "format.h"

typedef unsigned __int128 u128;

/* How the bits of a scalar are read (fmt_node.rd; see fmt_read_bits()). */
enum fmt_rd {
	RD_WORD,   /* an int of 1, 2, 4 or 8 whole bytes at bit 0: one load of .size */
	RD_BITS,   /* bitfields, ints with a bit offset, odd or 128-bit widths */
	RD_PTR,	   /* 8 bytes */
	RD_ENUM,   /* an enum (not a bitfield) */
	RD_ENUM64, /* an enum64 (not a bitfield) */
	RD_OTHER,  /* float, func proto, fwd, void: no integer value */
	RD_AGGR,   /* struct, union, array: not a scalar */
};

/*
 * Quiet members: a quiet member whose bytes (byte_off to hi) are all zero
 * prints nothing in the kernel's text below depth 0, is not "shown" to its
 * dry run, and holds no array element: ints, bitfields and pointers, enums
 * with no constant equal to 0, and structs and unions made only of those.
 * A sink that says so (FMT_SINK_QUIET_ZERO) lets the walker skip runs of
 * such members after one scan of their bytes, word by word.
 */
struct fmt_member {
	const struct fmt_type *type; /* of the member's declared type id */
	const char *name;	     /* "" anonymous */
	__u32 idx;		     /* dense over the cache's members: side tables */
	__u32 byte_off;		     /* from the start of the struct */
	__u8 bit_off;		     /* bit offset within data[byte_off] */
	__u8 bit_size;		     /* bitfield width; 0 if not a bitfield */
	__u8 rd;		     /* enum fmt_rd as a member (a bitfield is RD_BITS) */
	bool quiet;
	__u16 rbit;	 /* RD_BITS: first bit, from data[byte_off] */
	__u16 rbits;	 /* RD_BITS: width (at most 128) */
	__u32 needs;	 /* scalars: bytes needed in the capture from byte_off */
	__u32 hi;	 /* quiet: end of its bytes, from the start of the struct */
	__u32 run_end;	 /* quiet: members [this, run_end) are all quiet */
	__u32 run_lo;	 /* quiet: the lowest byte_off in that run */
	__u32 run_hi;	 /* quiet: the highest hi in that run */
	__u32 run_nodes; /* quiet: nodes in that run */
	__u8 run_depth;	 /* quiet: the most levels below any member of it */
	__u32 srun_end;	 /* scalars: members [this, srun_end) are all scalars; else 0 */
	__u32 srun_hi;	 /* scalars: the highest byte_off + needs in that run */
	__u32 nodes;	 /* quiet: nodes the walker visits for it */
	__u8 depth;	 /* quiet: levels below it (0 for a scalar) */
};

struct fmt_type {
	__u32 id;		  /* as declared */
	__u32 res_id;		  /* modifiers skipped */
	const struct btf_type *t; /* of res_id; NULL: bad id or modifier loop */
	__u32 size;		  /* btf__resolve_size() of id, 0 if that fails */
	__u32 idx;		  /* dense over the cache's types: side tables */
	__u8 rd;		  /* enum fmt_rd at bit 0 */
	__u16 rbit, rbits;	  /* RD_BITS */
	__u32 needs;		  /* scalars: bytes needed in the capture */
	__u8 state;		  /* TS_* (format.c) */
	bool quiet;		  /* aggregates: as fmt_member.quiet */
	bool elemless;		  /* aggregates: no array element anywhere inside */
	bool is_char;		  /* a C char: 8-bit int with CHAR encoding or named "char" */
	__u8 qdepth;		  /* quiet: levels below it */
	__u32 qnodes;		  /* quiet: nodes in it, itself included */
	/* struct/union: btf_vlen(t) members; array: the element type */
	struct fmt_member *members;
	struct fmt_type *elem;
};

/*
 * For tests: when set, every shortcut is off (no quiet runs skipped, no
 * member runs, no speculative text: the kernel's dry run everywhere), so
 * that what the shortcuts print can be checked against the plain walk.
 */
extern bool fmt_plain_walk;

/* Cut @sb back to @len bytes (an error takes a sink's text back out). */
void fmt_sb_truncate(struct strbuf *sb, size_t len);

/*
 * The node of the top-level value of @type_id at @data (@len bytes), for a
 * sink to print at once (a scalar: n->rd != RD_AGGR) or to walk. Returns 0,
 * or fmt_walk()'s errors: -EINVAL, -ENOMEM, -ENODATA for a scalar shorter
 * than its type.
 */
int fmt_top_node(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
		 size_t len, struct fmt_node *n);

/*
 * A sink's whole run over a value appended to @out: fmt_walk_c(), FMT_ABORT
 * is success, -ENOMEM if the sink set *@oom, and on error @out as it was.
 * Inline, with @sink a constant: a lone scalar (most items) is a direct call
 * of the sink's scalar(), the same printer the walk calls.
 */
static inline __attribute__((always_inline)) int
fmt_sink_run(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
	     size_t len, const struct fmt_sink *sink, void *ctx, const bool *oom,
	     struct strbuf *out)
{
	size_t start = out->len;
	struct fmt_node n;
	int r = fmt_top_node(c, btf, type_id, data, len, &n);

	if (r)
		return r;
	r = n.rd != RD_AGGR ? sink->scalar(ctx, &n) : fmt_walk_node(&n, sink, ctx);
	if (r == FMT_ABORT || r == FMT_STOP)
		r = 0;
	if (!r && *oom)
		r = -ENOMEM;
	if (r < 0)
		fmt_sb_truncate(out, start);
	return r;
}

/*
 * A sink's plan for a lone integer or pointer at the top (most traced items):
 * made when the walk prints a value of the type, then later values of it
 * print from the plan, without the walk's node and sink. A sink keeps
 * FMT_TOP_PLANS of them, direct-mapped by type id (slot: type id modulo
 * FMT_TOP_PLANS): a type whose slot another type holds keeps the walk.
 */
#define FMT_TOP_PLANS 64

struct fmt_top_plan {
	const struct btf *btf; /* NULL: a free slot */
	__u32 type_id;
	const struct btf_type *t;
	__u8 rd;    /* RD_WORD or RD_PTR */
	__u8 bytes; /* the value's size: 1, 2, 4 or 8 */
	__u16 rbits;
};

/* Is @p, the slot of @type_id, its plan, and @len bytes at @data enough for it? */
static inline bool fmt_top_plan_hit(const struct fmt_top_plan *p, const struct btf *btf,
				    __u32 type_id, const void *data, size_t len)
{
	return p->btf == btf && p->type_id == type_id && data && len >= p->bytes;
}

/*
 * Can free slot @p of @n's type plan it: @n, just printed by the walk, a
 * lone whole word (an int of 1, 2, 4 or 8 bytes, or a pointer) at the top?
 * fmt_top_plan_set() fills the slot once the sink has its own part.
 */
static inline bool fmt_top_plan_fits(const struct fmt_top_plan *p, const struct fmt_node *n)
{
	unsigned int bytes = n->rd == RD_PTR ? 8 : n->rbits / 8;

	return !p->btf && !fmt_plain_walk && !n->depth && !n->m && !n->char_elem &&
	       (n->rd == RD_WORD || n->rd == RD_PTR) &&
	       (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8) && n->needs == bytes;
}

static inline void fmt_top_plan_set(struct fmt_top_plan *p, const struct fmt_node *n)
{
	p->t = n->t;
	p->rd = n->rd;
	p->rbits = n->rbits;
	p->bytes = n->rd == RD_PTR ? 8 : n->rbits / 8;
	p->type_id = n->type_id;
	p->btf = n->btf;
}

/* The cache's slots for sinks' side tables. */
enum {
	FMT_SLOT_TEXT,
	FMT_SLOT_JSON,
	FMT_NSLOTS,
};

/* The start of struct fmt_cache: the sinks' side data, each freed by its drop(). */
struct fmt_cache_head {
	struct {
		void *data;
		void (*drop)(void *);
	} sink[FMT_NSLOTS];
};

void *fmt_slot_make(struct fmt_cache *c, int slot, void *(*make)(void), void (*drop)(void *));

/*
 * The side data of sink @slot in @c, made by @make on first use (NULL when
 * out of memory); @drop frees it with the cache.
 */
static inline void *fmt_slot(struct fmt_cache *c, int slot, void *(*make)(void),
			     void (*drop)(void *))
{
	struct fmt_cache_head *h = (struct fmt_cache_head *)c;

	return h->sink[slot].data ? h->sink[slot].data : fmt_slot_make(c, slot, make, drop);
}

/*
 * A sink's side table: one text per type and per member, made on first use.
 * fmt_label() returns the text and its length, or NULL when out of memory.
 * Texts are padded for sb_add_text().
 */
struct fmt_label {
	char *s;
	__u32 len;
	__u8 bits; /* what make() returned: the sink's own */
};

struct fmt_labels {
	struct fmt_label *types, *members;
	size_t ntypes, nmembers;
};

/* Appends the label of @n to @out; returns bits for fmt_label.bits, or < 0. */
typedef int (*fmt_label_fn)(const struct fmt_node *n, struct strbuf *out);

const struct fmt_label *fmt_label_slow(struct fmt_labels *l, const struct fmt_node *n,
				       fmt_label_fn make);
void fmt_labels_free(struct fmt_labels *l);

/* The label of @n: of its member if it is one, else of its type. */
static inline const struct fmt_label *fmt_label(struct fmt_labels *l, const struct fmt_node *n,
						fmt_label_fn make)
{
	if (n->m) {
		if (n->m->idx < l->nmembers && l->members[n->m->idx].s)
			return &l->members[n->m->idx];
	} else if (n->ft->idx < l->ntypes && l->types[n->ft->idx].s) {
		return &l->types[n->ft->idx];
	}
	return fmt_label_slow(l, n, make);
}

/* Labels are copied out 16 bytes at a time: room for the over-read. */
#define FMT_LABEL_PAD 16

/* sb_add() of a label. */
static inline void sb_add_label(struct strbuf *sb, const struct fmt_label *l)
{
	size_t i, n = l->len;

	if (sb->oom || sb->cap - sb->len <= n + FMT_LABEL_PAD) {
		sb_put(sb, l->s, n);
		return;
	}
	for (i = 0; i < n; i += FMT_LABEL_PAD)
		__builtin_memcpy(sb->buf + sb->len + i, l->s + i, FMT_LABEL_PAD);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

/* The node of a value of type @ft at @data (@avail bytes captured) at @depth. */
static inline void fmt_node_at(const struct btf *btf, struct fmt_cache *cache, int depth,
			       const __u8 *data, size_t avail, const struct fmt_type *ft,
			       struct fmt_node *c)
{
	*c = (struct fmt_node){
		.btf = btf,
		.type_id = ft->id,
		.res_id = ft->res_id,
		.t = ft->t,
		.depth = depth,
		.data = data,
		.avail = avail,
		.size = ft->size,
		.rd = ft->rd,
		.rbit = ft->rbit,
		.rbits = ft->rbits,
		.needs = ft->needs,
		.ft = ft,
		.cache = cache,
	};
}

/* The node of a value of type @ft @off bytes into @n's, one level below it. */
static inline void fmt_child(const struct fmt_node *n, const struct fmt_type *ft, size_t off,
			     struct fmt_node *c)
{
	fmt_node_at(n->btf, n->cache, n->depth + 1, n->data + off, n->avail - off, ft, c);
}

/*
 * The node of member @m of the struct or union at @n. Returns 1, 0 if the
 * member starts past the captured bytes (an aggregate is shown if it starts
 * within them), or -EINVAL for a member without a type.
 */
static inline int fmt_member_node(const struct fmt_node *n, const struct fmt_member *m,
				  struct fmt_node *c)
{
	const struct fmt_type *ct = m->type;
	size_t byte_off = m->byte_off;

	if (!ct->t)
		return -EINVAL;
	if (byte_off > n->avail || (byte_off == n->avail && ct->size && m->rd == RD_AGGR))
		return 0;
	fmt_child(n, ct, byte_off, c);
	c->name = m->name;
	c->bit_off = m->bit_off;
	c->bit_size = m->bit_size;
	c->rd = m->rd;
	c->rbit = m->rbit;
	c->rbits = m->rbits;
	c->needs = m->needs;
	c->m = m;
	return 1;
}

/* Little-endian load of @size (1, 2, 4 or 8) bytes that are known to be there. */
static inline __u64 fmt_load(const __u8 *p, unsigned int size)
{
	__u64 v = 0;

	switch (size) {
	case 8:
		memcpy(&v, p, 8);
		break;
	case 4:
		memcpy(&v, p, 4);
		break;
	case 2:
		memcpy(&v, p, 2);
		break;
	default:
		memcpy(&v, p, 1);
		break;
	}
	return v;
}

/* Reading values (bounds-checked: bytes past the capture read as zero). */
u128 fmt_read_bits_slow(const __u8 *data, size_t avail, size_t bit_off, unsigned int nr_bits);

/*
 * @nr_bits bits starting @bit_off bits into @data (@avail bytes captured,
 * zero beyond), little-endian, as the kernel's btf_bitfield_show() extracts
 * them. Widths over 128 are clamped. Inline for the common case, a bitfield
 * within one 8-byte word that is all captured.
 */
static inline u128 fmt_read_bits(const __u8 *data, size_t avail, size_t bit_off,
				 unsigned int nr_bits)
{
	__u64 w;

	if (bit_off % 8 + nr_bits <= 64 && nr_bits && bit_off / 8 + 8 <= avail) {
		memcpy(&w, data + bit_off / 8, 8);
		w >>= bit_off % 8;
		return nr_bits < 64 ? w & ((1ULL << nr_bits) - 1) : w;
	}
	return fmt_read_bits_slow(data, avail, bit_off, nr_bits);
}
void fmt_read_bytes(const struct fmt_node *n, size_t off, void *buf, size_t len);

/* Bytes from @p on that are zero, at most @len, read a word at a time. */
size_t fmt_zero_prefix(const __u8 *p, size_t len);

/* Whether the @len bytes at @p (all captured) are zero: one load for a word. */
static inline bool fmt_bytes_zero(const __u8 *p, size_t len)
{
	if (len == 1 || len == 2 || len == 4 || len == 8)
		return !fmt_load(p, len);
	return fmt_zero_prefix(p, len) == len;
}

/* Fixed-width little-endian read of @size <= 8 bytes (zero past the capture). */
static inline __u64 fmt_read_u64(const struct fmt_node *n, size_t size)
{
	__u64 v = 0;
	size_t k = size < sizeof(v) ? size : sizeof(v);

	if (k > n->avail)
		k = n->avail;
	if (k == 1 || k == 2 || k == 4 || k == 8)
		return fmt_load(n->data, k); /* fixed sizes: one load */
	memcpy(&v, n->data, k);
	return v;
}

/* The integer value of a RD_WORD or RD_BITS node (any other: 0). */
static inline u128 fmt_read_int(const struct fmt_node *n)
{
	if (n->rd == RD_WORD)
		return fmt_read_u64(n, n->size);
	if (n->rd == RD_BITS)
		return fmt_read_bits(n->data, n->avail, n->rbit, n->rbits);
	return 0;
}

__s64 fmt_sign_extend(__u64 v, unsigned int bits);
const char *fmt_str(const struct btf *btf, __u32 off);
/* Kernel btf_type_has_size(): kinds whose btf_type.size is meaningful. */
bool fmt_has_size(const struct btf_type *t);

#endif /* __KSNOOP_FORMAT_INT_H */
