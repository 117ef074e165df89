/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stage 2b: resolve a parsed SPEC against one kernel function's BTF and turn
 * it into a capture plan (struct ksnoop_plan, what the BPF program reads) plus
 * what userspace needs to print each value.
 *
 * Each expression is first turned into local BTF describing what it expects
 * (e.g. "skb->len": a pointer to a struct with a member "len"), which is then
 * matched against the kernel's types with CO-RE field relocation rules:
 * member names match ignoring "___flavor" suffixes, anonymous struct/union
 * members are searched through, kinds must agree (pointer for '->', struct or
 * union for '.', array or pointer for '[]'), offsets and bitfields computed
 * from the kernel's BTF.
 */
#ifndef __KSNOOP_RESOLVE_H
#define __KSNOOP_RESOLVE_H

#include <stdbool.h>
#include <linux/types.h>

#include "ksnoop.h"
#include "kbtf.h"
#include "parse.h"
#include "strbuf.h"

enum value_kind {
	VAL_SCALAR,    /* bytes of the value's own type (ints, enums, pointers, arrays, structs) */
	VAL_PTR_DEREF, /* a pointer to a struct/union: pointee bytes, addr = the pointer */
	VAL_STR,       /* a char pointer: the NUL-terminated string it points to */
	VAL_BITFIELD,  /* an integer bitfield: bit_off/bit_size in the plan item */
};

struct titem {
	char *label; /* as written ("skb->len"), or the argument name */
	size_t label_len;
	enum value_kind kind;
	__u32 type_id;	    /* BTF type of the bytes captured (the pointee for PTR_DEREF) */
	__u32 expr_type_id; /* BTF type of the expression itself (the pointer for PTR_DEREF) */
	bool is_ret;
	bool hidden; /* predicate-only, not printed */
	/*
	 * Our text of the value is one line without a NUL (no struct or array
	 * to lay out): output.c appends it without looking for either.
	 */
	bool one_line;
	/* A string predicate's operand, compiled (the plan item holds its map index). */
	struct ksnoop_pattern *pattern;
};

struct tfunc {
	const struct kfunc *kf;
	__u32 proto_id; /* BTF_KIND_FUNC_PROTO */
	int nargs;
	bool returns_void;
	bool has_ret_items; /* some item reads the return value */
	int nitems;
	struct titem items[KSNOOP_MAX_ITEMS];
	struct ksnoop_plan plan;
	struct btf *local; /* the synthesized local BTF of the expressions */
};

struct resolve_err {
	int code; /* -ENOENT: no such argument (a glob may skip the function) */
	char msg[512];
	char hint[512];
};

struct resolve_opts {
	bool kernel_format; /* mark items the kernel may format with bpf_snprintf_btf */
	__u32 string_size;  /* bytes to copy for char * strings */
	bool entry_only;    /* --entry: no exit, so no return value */
	/* a SPEC without items gets none, not every argument (--hist, --count-by) */
	bool no_default_items;
};

/* Resolve @spec for function @kf. Returns 0 or negative errno with @err set. */
int resolve_func(const struct kbtf *k, const struct kfunc *kf, const struct spec *spec,
		 const struct resolve_opts *opts, struct tfunc *out, struct resolve_err *err);
void tfunc_free(struct tfunc *tf);
/*
 * Set @p's phase ends (entry_end, exit_end in include/ksnoop.h), @changes
 * for --changes (entry items read again at the return). Returns how many
 * argument registers its items read (the highest slot + 1, 0 if none).
 */
__u32 plan_set_phase_ends(struct ksnoop_plan *p, bool changes);

/* "int ip_send_skb(struct net *net, struct sk_buff *skb)" */
int func_prototype(const struct btf *btf, __u32 func_id, struct strbuf *out);
/* C declaration of type @id, with optional @name ("struct sk_buff *skb"). */
void type_decl(const struct btf *btf, __u32 id, const char *name, struct strbuf *out);
/*
 * Shell completion inside "FUNC(...)": @expr is the item being typed, up to the
 * cursor ("skb->l", "skb->sk->__sk_common.skc_", "sk"). Calls @cb with each
 * name that can come next: an argument name or "return" when @expr has no
 * '->' or '.', else a member of what the part before the last one resolves
 * to, starting with the text after it. Returns where in @expr the completed
 * name starts (0, or just after the last '->' or '.'), or negative errno (the
 * part before does not resolve).
 */
int resolve_complete(const struct kbtf *k, const struct kfunc *kf, const char *expr,
		     void (*cb)(const char *name, void *ctx), void *ctx);
/* For -vv: the local types and resolved locations of @tf's items. */
void tfunc_dump(const struct tfunc *tf, struct strbuf *out);

#endif /* __KSNOOP_RESOLVE_H */
