// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel-text sink of the value walker (format.c): fmt_text().
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
 * The kernel decides whether to print a nested struct, union or array by a
 * "dry run" over it; here that is a walk of the same walker with a sink of
 * its own (kprobe_*), whose result per subtree is remembered for the call
 * (struct dry_memo) so that the real walk does not walk a subtree again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_int.h"

/* ------------------------------------------------------------------------ */
/* Kernel type names (btf_show_name)                                        */

#define KNAME_SIZE     80 /* BTF_SHOW_NAME_SIZE */
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
				name = fmt_str(btf, t->name_off);
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
		/* Modifiers skipped up to a typedef (kernel btf_type_skip_qualifiers()). */
		t = btfx_skip(btf, id, false, NULL);
		if (!t)
			return -EINVAL;
	}
	if (i == KNAME_MAX_ITER)
		return -EINVAL;
	if (!name)
		name = fmt_str(btf, t->name_off);
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

/* A dry-run result (DRY_* bits) of the aggregate at @data, valid in call @gen. */
struct dry_memo {
	const void *data;
	const struct fmt_type *ft;
	int depth;
	unsigned int gen;
	unsigned int res;
};

#define DRY_MEMO_SIZE 256

/* Result bits of a subtree: something shown; an array element inside it. */
#define DRY_SHOWN 1
#define DRY_ELEM  2

/*
 * A lone integer or pointer (most traced items): its text is its type's label,
 * the number and a newline (format_int.h, struct fmt_top_plan).
 */
struct kplan {
	struct fmt_top_plan top;
	__u8 how;		/* KV_S64, KV_U64 or KV_PTR */
	struct fmt_label label; /* the type's, its text owned by ktext_data.names */
};

/* What the text sink keeps in the cache: its names, its dry-run results, its plans. */
struct ktext_data {
	struct fmt_labels names; /* the kernel's "[.member = ](type)parens" */
	unsigned int gen;	 /* fmt_text_c() calls: memo entries of older calls are stale */
	struct dry_memo memo[DRY_MEMO_SIZE];
	struct kplan plans[FMT_TOP_PLANS];
};

static void *ktext_data_new(void)
{
	return calloc(1, sizeof(struct ktext_data));
}

static void ktext_data_free(void *p)
{
	struct ktext_data *d = p;

	fmt_labels_free(&d->names);
	free(d);
}

static size_t memo_hash(const struct fmt_node *n)
{
	__u64 h = (__u64)(uintptr_t)n->data * 0x9e3779b97f4a7c15ULL ^
		  (__u64)(uintptr_t)n->ft * 0xff51afd7ed558ccdULL ^ (__u64)n->depth;

	return (h ^ h >> 32) % DRY_MEMO_SIZE;
}

static void memo_put(struct ktext_data *d, const struct fmt_node *n, unsigned int res)
{
	struct dry_memo *e = &d->memo[memo_hash(n)];

	e->data = n->data;
	e->ft = n->ft;
	e->depth = n->depth;
	e->gen = d->gen;
	e->res = res;
}

static int memo_get(struct ktext_data *d, const struct fmt_node *n)
{
	struct dry_memo *e = &d->memo[memo_hash(n)];

	if (e->gen == d->gen && e->data == n->data && e->ft == n->ft && e->depth == n->depth)
		return e->res;
	return -1;
}

/*
 * A nested aggregate with no array element inside needs no dry run: the only
 * thing the kernel learns from it is whether something inside is shown. Such
 * an aggregate is printed at once, and taken back at its end if nothing in it
 * was (spec[depth]: where its text starts, the count of values shown then).
 */
struct kspec {
	bool on;
	size_t mark;
	unsigned long shown;
};

struct ktext {
	struct strbuf *out;
	struct ktext_data *d;
	bool array_member;   /* show->state.array_member */
	bool oom;	     /* a name could not be made */
	unsigned long shown; /* values printed (kread() "shown") so far */
	struct kspec spec[FMT_MAX_DEPTH + 1];
};

/* Kernel lib/ctype.c isprint(): ASCII printable plus Latin-1 0xa0-0xff. */
static bool kisprint(__u8 c)
{
	return (c >= 0x20 && c < 0x7f) || c >= 0xa0;
}

static int kname_label(const struct fmt_node *n, struct strbuf *out)
{
	char buf[KNAME_SIZE];

	sb_puts(out, kshow_name(n->btf, n->m ? n->name : NULL, n->type_id, buf));
	return 0;
}

/* The kernel's name text of @n: ".member = (type)parens" or "(type)parens". */
static inline __attribute__((always_inline)) void kput_name(struct ktext *k,
							    const struct fmt_node *n)
{
	const struct fmt_label *l;

	if (k->array_member)
		return;
	l = fmt_label(&k->d->names, n, kname_label);
	if (l)
		sb_add_label(k->out, l);
	else
		k->oom = true;
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

/* What the kernel prints for a scalar (kread()), for kprint(). */
enum kval_how {
	KV_HIDDEN,	/* nothing: zero below depth 0, or the NUL ending a char array */
	KV_UNSUPPORTED, /* "<unsupported kind:N>" raw, and never "shown" */
	KV_S64,		/* %lld of v */
	KV_U64,		/* %llu of v */
	KV_CHAR,	/* '%c' of v */
	KV_PTR,		/* 0x%016llx of v */
	KV_HEX,		/* 0x%llx of v */
	KV_HEX128,	/* 0x%llx%016llx of hi, v */
	KV_NAME,	/* an enum constant's name */
};

struct kval {
	enum kval_how how;
	__u64 v, hi;
	const char *name;
};

/* kread() of an enum: the constant equal to the int the kernel reads, if one. */
static bool kenum(const struct fmt_node *n, struct kval *kv, bool *nonzero)
{
	int i;

	if (n->rd == RD_ENUM) {
		const struct btf_enum *e = btf_enum(n->t);
		__s32 ev = (__s32)fmt_read_u64(n, 4); /* an int, whatever the size */

		for (i = 0; i < btf_vlen(n->t); i++, e++) {
			if (ev == e->val) {
				kv->name = fmt_str(n->btf, e->name_off);
				return true;
			}
		}
		*nonzero = ev != 0;
		kv->v = btf_kflag(n->t) ? (__u64)(__s64)ev : (__u32)ev;
	} else {
		const struct btf_enum64 *e = btf_enum64(n->t);
		__u64 ev = fmt_read_u64(n, 8);

		for (i = 0; i < btf_vlen(n->t); i++, e++) {
			if (ev == btf_enum64_value(e)) {
				kv->name = fmt_str(n->btf, e->name_off);
				return true;
			}
		}
		*nonzero = ev != 0;
		kv->v = ev;
	}
	kv->how = btf_kflag(n->t) ? KV_S64 : KV_U64;
	return false;
}

/*
 * Read scalar @n and decide what the kernel prints for it (kv->how). A value
 * the kernel prints is "shown" (it makes its containers non-zero): how >=
 * KV_S64. Returns FMT_STOP at the NUL that ends a char array, else 0.
 */
static inline __attribute__((always_inline)) int kread(const struct fmt_node *n, struct kval *kv)
{
	bool nonzero = false;
	u128 v128;

	kv->how = KV_U64;
	switch (n->rd) {
	case RD_WORD:
		kv->v = fmt_read_u64(n, n->rbits / 8);
		if (n->char_elem && n->rbits == 8) {
			if (!kv->v) {
				kv->how = KV_HIDDEN;
				return FMT_STOP;
			}
			if (kisprint(kv->v)) {
				kv->how = KV_CHAR;
				return 0;
			}
		}
		nonzero = kv->v != 0;
		if (btf_int_encoding(n->t) & BTF_INT_SIGNED) {
			kv->v = (__u64)fmt_sign_extend(kv->v, n->rbits);
			kv->how = KV_S64;
		}
		break;
	case RD_BITS:
		v128 = fmt_read_bits(n->data, n->avail, n->rbit, n->rbits);
		kv->hi = (__u64)(v128 >> 64);
		kv->v = (__u64)v128;
		if (kv->hi) {
			kv->how = KV_HEX128; /* always shown */
			return 0;
		}
		nonzero = kv->v != 0;
		kv->how = KV_HEX;
		break;
	case RD_ENUM:
	case RD_ENUM64:
		if (kenum(n, kv, &nonzero)) {
			/* The name is a non-NULL pointer: "non-zero" even for 0. */
			kv->how = KV_NAME;
			return 0;
		}
		break;
	case RD_PTR:
		kv->v = fmt_read_u64(n, 8);
		nonzero = kv->v != 0;
		kv->how = KV_PTR;
		break;
	default:
		/* btf_df_show(): raw text, no indent/name/newline, never "non-zero". */
		kv->how = KV_UNSUPPORTED;
		return 0;
	}
	if (!nonzero && n->depth)
		kv->how = KV_HIDDEN;
	return 0;
}

/* The value's own text, as kprint() prints it after the name. */
static inline __attribute__((always_inline)) void kput_value(struct strbuf *out,
							     const struct kval *kv)
{
	switch (kv->how) {
	case KV_S64:
		sb_put_s64(out, (__s64)kv->v);
		break;
	case KV_U64:
		sb_put_u64(out, kv->v);
		break;
	case KV_CHAR: {
		char q[3] = {'\'', (char)kv->v, '\''};

		sb_add(out, q, 3);
		break;
	}
	case KV_PTR:
		sb_add(out, "0x", 2);
		sb_put_hex(out, kv->v, 16);
		break;
	case KV_HEX:
		sb_add(out, "0x", 2);
		sb_put_hex(out, kv->v, 0);
		break;
	case KV_HEX128:
		sb_add(out, "0x", 2);
		sb_put_hex(out, kv->hi, 0);
		sb_put_hex(out, kv->v, 16);
		break;
	case KV_NAME:
		sb_adds(out, kv->name);
		break;
	default:
		break;
	}
}

/* Print what kread() decided for @n. */
static inline __attribute__((always_inline)) void kprint(struct ktext *k, const struct fmt_node *n,
							 const struct kval *kv)
{
	if (kv->how == KV_HIDDEN)
		return;
	if (kv->how == KV_UNSUPPORTED) {
		sb_printf(k->out, "<unsupported kind:%u>", btf_kind(n->t));
		return;
	}
	kput_indent(k, n->depth);
	kput_name(k, n);
	kput_value(k->out, kv);
	kput_delim(k, n);
}

/*
 * The dry run: the kernel walks a nested aggregate with output off to learn
 * whether anything in it would print (shown) and whether it holds an array
 * element (saw_elem), stopping once both are known. sub[] gathers, per depth
 * below the root, the DRY_* bits of the subtree being walked, remembered in
 * the memo when it completes.
 */
struct kprobe {
	struct ktext_data *d;
	int root_depth;
	bool shown;
	bool saw_elem;
	unsigned int sub[FMT_MAX_DEPTH + 2];
};

static int kprobe_begin(void *ctx, const struct fmt_node *n)
{
	struct kprobe *p = ctx;
	int rel = n->depth - p->root_depth;

	/* The root's own element flag does not count (depth > root_depth). */
	if (rel > 0 && n->is_elem)
		p->saw_elem = true;
	if (p->shown && p->saw_elem)
		return FMT_ABORT;
	p->sub[rel] = 0;
	return 0;
}

static int kprobe_end(void *ctx, const struct fmt_node *n)
{
	struct kprobe *p = ctx;
	int rel = n->depth - p->root_depth;

	memo_put(p->d, n, p->sub[rel]);
	if (rel > 0)
		p->sub[rel - 1] |= p->sub[rel] | (n->is_elem ? DRY_ELEM : 0);
	return 0;
}

static int kprobe_scalar(void *ctx, const struct fmt_node *n)
{
	struct kprobe *p = ctx;
	unsigned int *sub = &p->sub[n->depth - p->root_depth - 1];
	struct kval kv;
	int r;

	if (n->is_elem) {
		p->saw_elem = true;
		*sub |= DRY_ELEM;
	}
	r = kread(n, &kv);
	if (kv.how >= KV_S64) {
		p->shown = true;
		*sub |= DRY_SHOWN;
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
	k->spec[n->depth].on = n->depth > 0 && n->ft->elemless && !fmt_plain_walk;
	if (k->spec[n->depth].on) {
		k->spec[n->depth].mark = k->out->len;
		k->spec[n->depth].shown = k->shown;
	} else if (n->depth > 0) {
		/* btf_struct_show()/btf_array_show(): dry run for non-zero data. */
		struct kprobe p = {.d = k->d, .root_depth = n->depth};
		static const struct fmt_sink probe = {
			.flags = FMT_SINK_KERNEL | FMT_SINK_QUIET_ZERO,
			.begin = kprobe_begin,
			.end = kprobe_end,
			.scalar = kprobe_scalar,
		};
		int r = memo_get(k->d, n);

		if (r >= 0) {
			/* An earlier dry run walked this subtree to its end. */
			p.shown = r & DRY_SHOWN;
			p.saw_elem = r & DRY_ELEM;
		} else {
			r = fmt_walk_node(n, &probe, &p);
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

	if (k->spec[n->depth].on && k->shown == k->spec[n->depth].shown) {
		/* The dry run would have found nothing to show: nothing printed. */
		fmt_sb_truncate(k->out, k->spec[n->depth].mark);
		if (n->is_elem)
			k->array_member = false;
		return 0;
	}
	kput_indent(k, n->depth);
	sb_addc(k->out, btf_is_array(n->t) ? ']' : '}');
	kput_delim(k, n);
	if (n->is_elem)
		k->array_member = false;
	return 0;
}

/*
 * After the walk printed @n: plan its type if @n is a lone whole word whose
 * text is the label, the number and the newline (kprint() at depth 0).
 */
static void kplan_make(struct ktext *k, const struct fmt_node *n, const struct kval *kv)
{
	struct kplan *pl = &k->d->plans[n->type_id % FMT_TOP_PLANS];
	const struct fmt_label *l;

	if (!fmt_top_plan_fits(&pl->top, n) ||
	    (kv->how != KV_S64 && kv->how != KV_U64 && kv->how != KV_PTR))
		return;
	l = fmt_label(&k->d->names, n, kname_label);
	if (!l)
		return;
	pl->label = *l;
	pl->how = kv->how;
	fmt_top_plan_set(&pl->top, n);
}

/* kprint() of a value of planned type @pl, @data of at least its bytes. */
static void kplan_put(const struct kplan *pl, const void *data, struct strbuf *out)
{
	/* .name: never read (no KV_NAME is planned), set for the compiler */
	struct kval kv = {.how = pl->how, .v = fmt_load(data, pl->top.bytes), .name = ""};

	if (kv.how == KV_S64)
		kv.v = (__u64)fmt_sign_extend(kv.v, pl->top.bytes * 8);
	sb_add_label(out, &pl->label);
	kput_value(out, &kv);
	sb_addc(out, '\n');
}

static int ktext_scalar(void *ctx, const struct fmt_node *n)
{
	struct ktext *k = ctx;
	struct kval kv;
	int r;

	if (n->is_elem)
		k->array_member = true;
	r = kread(n, &kv);
	kprint(k, n, &kv);
	k->shown += kv.how >= KV_S64;
	if (n->is_elem)
		k->array_member = false;
	else if (!n->depth)
		kplan_make(k, n, &kv);
	return r;
}

int fmt_text_c(struct fmt_cache *c, const struct btf *btf, __u32 type_id, const void *data,
	       size_t len, struct strbuf *out)
{
	static const struct fmt_sink sink = {
		.flags = FMT_SINK_KERNEL | FMT_SINK_QUIET_ZERO,
		.begin = ktext_begin,
		.end = ktext_end,
		.scalar = ktext_scalar,
	};
	const struct kplan *pl;
	struct ktext k;

	/* spec[] is set at each begin(): not cleared, a scalar never needs it. */
	k.out = out;
	k.array_member = k.oom = false;
	k.shown = 0;
	k.d = fmt_slot(c, FMT_SLOT_TEXT, ktext_data_new, ktext_data_free);
	if (!k.d)
		return -ENOMEM;
	pl = &k.d->plans[type_id % FMT_TOP_PLANS];
	if (fmt_top_plan_hit(&pl->top, btf, type_id, data, len)) {
		/* Out of memory, @out says so, as after the walk's ktext_scalar(). */
		kplan_put(pl, data, out);
		return 0;
	}
	/* A new generation: dry-run results are for this value's bytes only. */
	if (++k.d->gen == 0) {
		memset(k.d->memo, 0, sizeof(k.d->memo));
		k.d->gen = 1;
	}
	return fmt_sink_run(c, btf, type_id, data, len, &sink, &k, &k.oom, out);
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
