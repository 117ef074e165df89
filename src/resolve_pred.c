// SPDX-License-Identifier: GPL-2.0
/*
 * Resolve stage, predicates: "skb->len > 100", "dev->name == \"eth0\"",
 * "state == TCP_CLOSE". The value's type is checked against the operand's
 * kind, and the operand becomes the plan item's op and value: an integer that
 * must fit the value's type, NULL, an enum constant, or a string compiled for
 * the kernel's matcher (pattern.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "pattern.h"
#include "resolve_int.h"

bool res_is_char(const struct btf *btf, __u32 id)
{
	return btfx_is_char(btf, btfx_skip(btf, id, true, NULL));
}

bool res_is_byte(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btfx_skip(btf, id, true, NULL);

	return t && btf_is_int(t) && t->size == 1 && !(btf_int_encoding(t) & BTF_INT_BOOL);
}

/* char[N] (or an array of another 1-byte char type): a string predicate's subject. */
static bool is_char_array(const struct btf *btf, const struct btf_type *t)
{
	return t && btf_is_array(t) && res_is_char(btf, btf_array(t)->type);
}

int res_string_pred(const struct btf *kb, const struct item *src, const struct loc *l,
		    const struct btf_type *kt, bool *is_str, struct resolve_err *err)
{
	bool ptr_str = btf_is_ptr(kt) &&
		       (res_is_char(kb, kt->type) || (src->as_str && res_is_byte(kb, kt->type)));
	struct strbuf tn;
	int ret = 0;

	sb_init(&tn);
	*is_str = src->val.kind == PVAL_STR;
	if (*is_str && !ptr_str && !is_char_array(kb, kt))
		ret = res_err(err, -EINVAL, "string predicates work on char * and char[N] values",
			      "cannot compare '%s' (%s) with the string \"%s\"", src->expr_text,
			      res_type_str(kb, l->type, &tn), src->val.str);
	else if (!*is_str && is_char_array(kb, kt))
		ret = res_err(err, -EINVAL,
			      "compare it with a double-quoted string, e.g. == \"eth0\"",
			      "cannot compare '%s' (%s, a string) with an integer", src->expr_text,
			      res_type_str(kb, l->type, &tn));
	sb_free(&tn);
	return ret;
}

/*
 * The loader puts @ti->pattern in the "patterns" map and its index in the
 * item's value.
 */
int res_string_operand(const struct item *src, struct ksnoop_item *it, struct titem *ti,
		       struct resolve_err *err)
{
	/* A char * string is read with its NUL into size bytes; a char[N] may fill N. */
	size_t room = it->flags & KSNOOP_I_STR ? it->size - 1u : it->size;
	char why[160];
	size_t at;

	if (src->op != KSNOOP_OP_GLOB && src->val.len > room)
		return res_err(
			err, -ERANGE, it->flags & KSNOOP_I_STR ? "raise --string-size" : NULL,
			"'%s' can never equal the %zu-byte string: it holds at most %zu bytes",
			src->expr_text, src->val.len, room);
	ti->pattern = malloc(sizeof(*ti->pattern));
	if (!ti->pattern)
		return -ENOMEM;
	if (pattern_compile(src->val.str, src->val.len, src->op, ti->pattern, why, sizeof(why),
			    &at))
		return res_err(err, -EINVAL, NULL, "%s", why);
	it->flags |= KSNOOP_I_PRED | KSNOOP_I_SPRED;
	it->op = src->op;
	it->value = 0;
	return 0;
}

/* An enum constant: of the value's own enum @kid if it is one, else of any enum. */
static int enum_operand(const struct btf *kb, const struct item *src, const struct loc *l,
			__u32 kid, const struct btf_type *kt, __u64 *v, struct resolve_err *err)
{
	const struct pred_value *pv = &src->val;
	const struct btf_type *et = btf_is_any_enum(kt) ? kt : NULL;
	struct strbuf tn, hint;
	const char *name;
	__u32 i;
	int ret;

	if (btfx_find_enum_const(kb, et ? kid : 0, pv->name, v))
		return 0;
	sb_init(&tn);
	sb_init(&hint);
	if (et) {
		sb_puts(&hint, "its constants: ");
		for (i = 0; i < btf_vlen(et) && i < 6; i++) {
			btfx_enum_const(kb, et, i, &name);
			sb_printf(&hint, "%s%s", i ? ", " : "", name);
		}
		if (btf_vlen(et) > 6)
			sb_puts(&hint, ", ...");
		ret = res_err(err, -ESRCH, sb_str(&hint), "no enum constant '%s' in %s", pv->name,
			      res_type_str(kb, kid, &tn));
	} else {
		ret = res_err(
			err, -ESRCH,
			"compare with an integer (decimal, 0x hex, 0 octal), NULL, or an enum constant",
			"'%s' is not a value for '%s' (%s): not a number and no enum constant",
			pv->name, src->expr_text, res_type_str(kb, l->type, &tn));
	}
	sb_free(&tn);
	sb_free(&hint);
	return ret;
}

/*
 * An integer literal must fit the value's type (@bits wide), or the comparison
 * is meaningless; and an unsigned value compared with 0 by '<' or '>=' hides
 * or shows every call.
 */
static int check_range(const struct btf *kb, const struct item *src, const struct loc *l,
		       bool is_signed, __u32 bits, struct resolve_err *err)
{
	const struct pred_value *pv = &src->val;
	char range[128];
	struct strbuf tn;
	bool fits = true;
	int ret = 0;

	/* What the value can hold, for the hints below. */
	if (bits > 64)
		bits = 64;
	if (is_signed)
		snprintf(range, sizeof(range), "'%s' holds %lld..%lld", src->expr_text,
			 bits == 64 ? (long long)INT64_MIN : -(1LL << (bits - 1)),
			 bits == 64 ? (long long)INT64_MAX : (1LL << (bits - 1)) - 1);
	else
		snprintf(range, sizeof(range), "'%s' holds 0..%llu", src->expr_text,
			 bits == 64 ? (unsigned long long)UINT64_MAX : (1ULL << bits) - 1);
	if (pv->kind == PVAL_INT && bits < 64) {
		if (is_signed)
			fits = pv->neg ? pv->u <= (1ULL << (bits - 1)) :
					 pv->u <= (1ULL << (bits - 1)) - 1;
		else
			fits = !pv->neg && pv->u <= (1ULL << bits) - 1;
	} else if (pv->kind == PVAL_INT && pv->neg && !is_signed) {
		fits = false;
	}
	sb_init(&tn);
	if (!fits)
		ret = res_err(err, -ERANGE, range, "value %s%llu is out of range for '%s' (%s)",
			      pv->neg ? "-" : "", (unsigned long long)pv->u, src->expr_text,
			      res_type_str(kb, l->type, &tn));
	else if (pv->kind == PVAL_INT && !is_signed && !pv->u &&
		 (src->op == KSNOOP_OP_LT || src->op == KSNOOP_OP_GE))
		ret = res_err(err, -ERANGE,
			      src->op == KSNOOP_OP_LT ? "an unsigned value is never negative" :
							"drop the predicate to show every call",
			      "'%s %s 0' is %s: '%s' (%s) is unsigned", src->expr_text,
			      pred_op_str(src->op),
			      src->op == KSNOOP_OP_LT ? "never true" : "always true",
			      src->expr_text, res_type_str(kb, l->type, &tn));
	sb_free(&tn);
	return ret;
}

int res_pred_operand(const struct btf *kb, const struct item *src, const struct loc *l,
		     struct ksnoop_item *it, struct resolve_err *err)
{
	const struct pred_value *pv = &src->val;
	__u32 kid = btfx_skip_id(kb, l->type, true);
	const struct btf_type *kt = btf__type_by_id(kb, kid);
	bool is_signed = it->flags & KSNOOP_I_SIGNED;
	__u32 bits = l->bit_size ? l->bit_size : it->size * 8;
	struct strbuf tn;
	__u64 v;
	int ret;

	switch (pv->kind) {
	case PVAL_NULL:
		if (!btf_is_ptr(kt)) {
			sb_init(&tn);
			ret = res_err(err, -EINVAL, NULL,
				      "'%s' is '%s', not a pointer: cannot compare with NULL",
				      src->expr_text, res_type_str(kb, l->type, &tn));
			sb_free(&tn);
			return ret;
		}
		v = 0;
		break;
	case PVAL_ENUM:
		ret = enum_operand(kb, src, l, kid, kt, &v, err);
		if (ret)
			return ret;
		break;
	default:
		if (pv->neg && pv->u > (1ULL << 63))
			return res_err(err, -ERANGE, NULL, "value -%llu is out of range",
				       (unsigned long long)pv->u);
		v = pv->neg ? -pv->u : pv->u;
		break;
	}
	ret = check_range(kb, src, l, is_signed, bits, err);
	if (ret)
		return ret;
	it->flags |= KSNOOP_I_PRED;
	it->op = src->op;
	it->value = v;
	return 0;
}
