/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stage: decode. A value captured as bytes by the BPF program is rendered from
 * the kernel's BTF by one walker (format.c) feeding one of several sinks:
 *  - text: byte-for-byte what the kernel's bpf_snprintf_btf() prints for the
 *    same bytes with flags BTF_F_PTR_RAW (the --kernel-format path), so both
 *    paths print the same text;
 *  - JSON: a typed value (numbers, strings, nested objects, arrays).
 */
#ifndef __KSNOOP_FORMAT_H
#define __KSNOOP_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "strbuf.h"

struct btf;
struct btf_type;
struct fmt_type;
struct fmt_member;
struct jw;

/*
 * Append the text of the value of BTF type @type_id held in @data (@len bytes;
 * fewer than the type's size means the capture was truncated: members that lie
 * beyond @len are left out). Returns 0 or a negative errno: -EINVAL for an
 * invalid type id (0, out of range, modifier loop), -ENODATA when @type_id is a
 * scalar and @len is shorter than it, -E2BIG past FMT_MAX_DEPTH/FMT_MAX_NODES.
 * On error nothing is appended. Kinds without a value (float in text, func
 * proto, fwd) render as the kernel's "<unsupported kind:N>", or null in JSON.
 */
int fmt_text(const struct btf *btf, __u32 type_id, const void *data, size_t len,
	     struct strbuf *out);

/* Append the value as one JSON value (see man/ksnoop.8, JSON OUTPUT). */
int fmt_json(const struct btf *btf, __u32 type_id, const void *data, size_t len,
	     struct strbuf *out);

/*
 * What the walker learns about BTF types (resolved type, size, members, the
 * kernel's "(type)" names, JSON keys), kept between calls so that formatting
 * an event costs no BTF look-ups. fmt_text() and fmt_json() use a cache that
 * lives for the call; the event printer keeps one for its lifetime with the
 * _c variants. A cache must be freed before any BTF it has seen is freed or
 * modified: entries are keyed by the btf pointer and type id.
 */
struct fmt_cache;

struct fmt_cache *fmt_cache_new(void);
void fmt_cache_free(struct fmt_cache *c);
/* fmt_text()/fmt_json() with @c (not NULL) kept between calls. */
int fmt_text_c(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
	       size_t len, struct strbuf *out);
int fmt_json_c(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
	       size_t len, struct strbuf *out);
/*
 * fmt_json_c() as one value of the text @w is writing (after a key, as an
 * array element); on error nothing is written and @w is as it was.
 */
int fmt_json_w(struct fmt_cache *c, struct jw *w, const struct btf *btf, __u32 type_id,
	       const void *data, size_t len);

/*
 * The C type name of @type_id as the kernel prints it between the parentheses
 * of "(type)value": "struct sk_buff *", "unsigned int", "char[]", "u32",
 * "atomic_t", "( *)" style quirks included (void and function pointers print
 * as " *"). Appended to @out. Returns 0, or -EINVAL if the id is invalid or the
 * kernel would print no name (more than 10 levels of pointers/arrays/typedefs).
 */
int fmt_type_name(const struct btf *btf, __u32 type_id, struct strbuf *out);

/*
 * A C string read from kernel memory as @len bytes: the text up to the first
 * NUL. Text: "..." with C escapes (\n \t \r \\ \" and \ooo octal for other
 * bytes outside printable ASCII), followed by "..." when no NUL was found in
 * @len bytes (the string was cut). JSON: one string (see json_put_string).
 */
void fmt_cstring_text(struct strbuf *out, const void *s, size_t len);
void fmt_cstring_json(struct jw *w, const void *s, size_t len);

/*
 * The walker. fmt_walk() visits the value of @type_id in @data depth first and
 * calls the sink for each node: begin()/end() around a struct, union or array,
 * scalar() for everything else (int, bitfield, enum, pointer, float, and kinds
 * that have no value such as a function prototype). The walker owns layout:
 * modifiers (typedef, const, volatile, restrict, type tags) are skipped, member
 * offsets and bitfields located, array elements stepped, and a node whose bytes
 * lie beyond the capture is not visited (scalars need all their bytes; an
 * aggregate is visited if it starts within the capture). Sinks own rendering.
 *
 * Callbacks return 0 to go on, or:
 *  FMT_SKIP  from begin(): do not visit the children; end() is not called;
 *  FMT_STOP  stop the array that holds this node (the kernel's "char array
 *            ended at NUL");
 *  FMT_ABORT end the whole walk now; fmt_walk() returns FMT_ABORT;
 *  < 0       an error, returned by fmt_walk().
 * Guards: nesting deeper than FMT_MAX_DEPTH returns -E2BIG, more than
 * FMT_MAX_NODES nodes -E2BIG, modifier loops -ELOOP; all reads are
 * bounds-checked and unaligned-safe, so arbitrary BTF and bytes are fine.
 */
#define FMT_MAX_DEPTH 32
#define FMT_MAX_NODES (1U << 20)

enum {
	FMT_SKIP = 1,
	FMT_STOP = 2,
	FMT_ABORT = 3,
};

struct fmt_node {
	const struct btf *btf;
	__u32 type_id;		  /* as declared: top-level id, member->type, array->type */
	__u32 res_id;		  /* type_id with modifiers skipped */
	const struct btf_type *t; /* type of res_id */
	const char *name;	  /* member name ("" anonymous); NULL if not a member */
	bool is_elem;		  /* an array element (index below) */
	bool char_elem;		  /* element of an array of 1-byte ints */
	__u32 index;
	int depth;	  /* 0 top-level; +1 inside each struct/union/array */
	const __u8 *data; /* first byte of the value */
	size_t avail;	  /* captured bytes from data to the end of the capture */
	__u32 size;	  /* size of the type in bytes (0 for void, fwd, func...) */
	__u8 bit_off;	  /* bit offset within data[0] (struct members) */
	__u8 bit_size;	  /* bitfield width; 0 if not a bitfield member */
	/* How a scalar is read (format_int.h, enum fmt_rd): precomputed layout. */
	__u8 rd;
	__u16 rbit, rbits;
	__u32 needs; /* bytes a scalar needs in the capture to be visited */
	/* Walker-private: the cached type (of type_id) and member, if one. */
	const struct fmt_type *ft;
	const struct fmt_member *m;
	struct fmt_cache *cache;
};

struct fmt_sink {
	/*
	 * FMT_SINK_KERNEL: walk as the kernel's btf_show does, quirks included:
	 * arrays whose element type has no "size" in BTF terms (pointers,
	 * arrays) repeat their first element (the kernel steps by 0 bytes).
	 */
	unsigned int flags;
	int (*begin)(void *ctx, const struct fmt_node *n);
	int (*end)(void *ctx, const struct fmt_node *n);
	int (*scalar)(void *ctx, const struct fmt_node *n);
	/*
	 * Optional, for sinks that render every member (JSON): @cnt scalar
	 * members from @m on of the struct or union at @n, all within the
	 * capture, in place of @cnt scalar() calls (format_int.h has their
	 * layout; fmt_member_node() makes the node of one).
	 */
	int (*members)(void *ctx, const struct fmt_node *n, const struct fmt_member *m,
		       unsigned int cnt);
};

#define FMT_SINK_KERNEL (1U << 0)
/*
 * FMT_SINK_QUIET_ZERO: a quiet member (format_int.h) whose bytes are all zero
 * does nothing in this sink, so the walker may skip it without calling the
 * sink (its nodes are still counted against FMT_MAX_NODES).
 */
#define FMT_SINK_QUIET_ZERO (1U << 1)

/* The callbacks get @ctx: a sink's callbacks can be a static const table. */
int fmt_walk(const struct btf *btf, __u32 type_id, const void *data, size_t len,
	     const struct fmt_sink *sink, void *ctx);
int fmt_walk_c(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
	       size_t len, const struct fmt_sink *sink, void *ctx);
/* Walk again the subtree rooted at @n (from a callback), with another sink. */
int fmt_walk_node(const struct fmt_node *n, const struct fmt_sink *sink, void *ctx);

#endif /* __KSNOOP_FORMAT_H */
