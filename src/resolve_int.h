/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the resolve stage, shared by its three files:
 *   resolve.c       plan building: arguments, the return value, items, -vv dump,
 *                   completion, C declarations
 *   resolve_expr.c  an expression's accesses ('->', '.', '[N]', '*') matched
 *                   against the kernel's types, with hints for missing members
 *   resolve_pred.c  predicates: the value's type checked against the operand,
 *                   the operand (integer, NULL, enum constant, string) compiled
 */
#ifndef __KSNOOP_RESOLVE_INT_H
#define __KSNOOP_RESOLVE_INT_H

#include "btfx.h"
#include "resolve.h"

/* Where the value being resolved lives, as the BPF program will reach it. */
struct loc {
	bool in_mem; /* at v + off; else v itself (a register) */
	__u32 off;
	int nsteps;
	__u32 steps[KSNOOP_MAX_STEPS];
	__u32 type; /* kernel BTF type of the value (modifiers kept) */
	__u32 bit_off, bit_size;
};

/* Fill @err (message from @fmt, @hint may be NULL) and return @code. */
int res_err(struct resolve_err *err, int code, const char *hint, const char *fmt, ...)
	__printf(4, 5);
/* The C declaration of type @id, in @sb (reset first), for messages. */
const char *res_type_str(const struct btf *btf, __u32 id, struct strbuf *sb);
/* Turn "value is at v + off" into "v = *(v + off)": the value was a pointer. */
int res_loc_load(struct loc *l, const char *expr, struct resolve_err *err);

/* resolve_expr.c */

/* Build the local BTF an expression expects: innermost "any", wrapped outwards. */
int res_synth_local(struct btf *local, const struct expr *e, const char *label, __u32 *root);
/*
 * Walk local type @lid (from res_synth_local) against kernel type l->type, one
 * access at a time, updating the location.
 */
int res_match_access(const struct btf *kb, const struct btf *local, __u32 lid, const struct expr *e,
		     struct loc *l, struct resolve_err *err);

/* resolve_pred.c */

/* A C char (modifiers and typedefs of @id skipped). */
bool res_is_char(const struct btf *btf, __u32 id);
/* A 1-byte integer (char, unsigned char, u8, ...): what ':str' may point to. */
bool res_is_byte(const struct btf *btf, __u32 id);
/*
 * Whether the predicate of @src compares strings, or an error when the
 * operand's kind (string, integer) does not fit the value's type @kt.
 */
int res_string_pred(const struct btf *kb, const struct item *src, const struct loc *l,
		    const struct btf_type *kt, bool *is_str, struct resolve_err *err);
/* A string operand, compiled into @ti->pattern. */
int res_string_operand(const struct item *src, struct ksnoop_item *it, struct titem *ti,
		       struct resolve_err *err);
/* An integer literal, NULL or enum constant operand, range-checked. */
int res_pred_operand(const struct btf *kb, const struct item *src, const struct loc *l,
		     struct ksnoop_item *it, struct resolve_err *err);

#endif /* __KSNOOP_RESOLVE_INT_H */
