// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <bpf/btf.h>

#include "btfx.h"
#include "strbuf.h"

const struct btf_type *btfx_skip(const struct btf *btf, __u32 id, bool typedefs, __u32 *res_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	int i;

	for (i = 0; t && (btf_is_mod(t) || (typedefs && btf_is_typedef(t))); i++) {
		if (i == BTFX_MAX_MOD_CHAIN) {
			t = NULL;
			break;
		}
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (res_id)
		*res_id = id;
	return t;
}

__u32 btfx_skip_id(const struct btf *btf, __u32 id, bool typedefs)
{
	btfx_skip(btf, id, typedefs, &id);
	return id;
}

bool btfx_is_char(const struct btf *btf, const struct btf_type *t)
{
	const char *name;

	if (!t || !btf_is_int(t) || t->size != 1 || btf_int_bits(t) != 8 || btf_int_offset(t))
		return false;
	name = btf__name_by_offset(btf, t->name_off);
	return (btf_int_encoding(t) & BTF_INT_CHAR) || (name && !strcmp(name, "char"));
}

static size_t essential_len(const char *name)
{
	const char *p = strstr(name, "___");

	return p ? (size_t)(p - name) : strlen(name);
}

bool btfx_names_match(const char *a, const char *b)
{
	size_t la = essential_len(a), lb = essential_len(b);

	return la == lb && !strncmp(a, b, la);
}

static bool find_member(const struct btf *btf, __u32 id, const char *name, int depth,
			struct btfx_member *out)
{
	const struct btf_type *t = btfx_skip(btf, id, true, NULL);
	const struct btf_member *m;
	int i, n;

	if (!t || !btf_is_composite(t) || depth > BTFX_MAX_ANON_DEPTH)
		return false;
	m = btf_members(t);
	n = btf_vlen(t);
	for (i = 0; i < n; i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		__u32 moff = btf_member_bit_offset(t, i);

		if (mname && *mname) {
			if (!btfx_names_match(mname, name))
				continue;
			out->bit_off = moff;
			out->type = m->type;
			out->bit_size = btf_member_bitfield_size(t, i);
			return true;
		}
		/* anonymous struct/union: its members belong to us */
		if (find_member(btf, m->type, name, depth + 1, out)) {
			out->bit_off += moff;
			return true;
		}
	}
	return false;
}

bool btfx_find_member(const struct btf *btf, __u32 id, const char *name, struct btfx_member *m)
{
	return find_member(btf, id, name, 0, m);
}

static void for_each_member(const struct btf *btf, __u32 id, int depth,
			    void (*cb)(const char *name, void *ctx), void *ctx)
{
	const struct btf_type *t = btfx_skip(btf, id, true, NULL);
	const struct btf_member *m;
	int i;

	if (!t || !btf_is_composite(t) || depth > BTFX_MAX_ANON_DEPTH)
		return;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);

		if (mname && *mname)
			cb(mname, ctx);
		else
			for_each_member(btf, m->type, depth + 1, cb, ctx);
	}
}

void btfx_for_each_member(const struct btf *btf, __u32 id, void (*cb)(const char *name, void *ctx),
			  void *ctx)
{
	for_each_member(btf, id, 0, cb, ctx);
}

/*
 * The member of composite @t holding [@off, @off + @size) as the verifier
 * finds it: its offset in *@moff (of the array element, in an array), its
 * type (modifiers, typedefs and arrays skipped) in *@mid, its end (the
 * whole array's) in *@end. NULL if none does.
 */
static const struct btf_type *member_at(const struct btf *btf, const struct btf_type *t, __u32 off,
					__u32 size, __u32 *moff, __u32 *mid, __u32 *end)
{
	const struct btf_member *m = btf_members(t);
	const struct btf_type *mt;
	__s64 msize, esize;
	bool array = false;
	int i;

	for (i = 0; i < btf_vlen(t); i++, m++) {
		*moff = btf_member_bit_offset(t, i) / 8;
		if (off + size <= *moff)
			return NULL;
		if (btf_member_bitfield_size(t, i))
			continue;
		if (off < *moff)
			return NULL; /* a hole */
		msize = btf__resolve_size(btf, m->type);
		if (msize < 0)
			return NULL;
		*end = *moff + msize;
		if (off >= *end)
			continue;
		mt = btfx_skip(btf, m->type, true, mid);
		while (mt && btf_is_array(mt)) {
			array = true;
			mt = btfx_skip(btf, btf_array(mt)->type, true, mid);
		}
		if (!mt)
			return NULL;
		if (array) {
			esize = btf__resolve_size(btf, *mid);
			if (esize <= 0)
				return NULL;
			*moff += (off - *moff) / esize * esize;
		}
		return mt;
	}
	return NULL;
}

enum btfx_load btfx_load_at(const struct btf *btf, __u32 id, __u32 off, __u32 size, __u32 *next)
{
	const struct btf_type *t, *mt;
	__u32 moff, mid, end;
	int depth;

	for (depth = 0; depth <= BTFX_MAX_ANON_DEPTH; depth++) {
		t = btfx_skip(btf, id, true, &id);
		if (!t || !btf_is_composite(t) || off + size > t->size)
			return BTFX_LOAD_NONE;
		mt = member_at(btf, t, off, size, &moff, &mid, &end);
		if (!mt)
			return BTFX_LOAD_NONE;
		if (btf_is_composite(mt)) {
			/* the verifier goes on inside it */
			id = mid;
			off -= moff;
			continue;
		}
		if (btf_is_ptr(mt)) {
			if (off != moff || size != sizeof(__u64))
				return BTFX_LOAD_NONE;
			t = btfx_skip(btf, mt->type, true, &id);
			if (!t || !btf_is_composite(t))
				return BTFX_LOAD_NONE;
			if (next)
				*next = id;
			return BTFX_LOAD_PTR;
		}
		if (off + size > end)
			return BTFX_LOAD_NONE;
		return btf_is_int(mt) || btf_is_any_enum(mt) ? BTFX_LOAD_SCALAR : BTFX_LOAD_NONE;
	}
	return BTFX_LOAD_NONE;
}

const struct btf_type *btfx_func_proto(const struct btf *btf, __u32 func_id)
{
	const struct btf_type *fn = btf__type_by_id(btf, func_id), *proto;

	if (!fn || !btf_is_func(fn))
		return NULL;
	proto = btf__type_by_id(btf, fn->type);
	return proto && btf_is_func_proto(proto) ? proto : NULL;
}

int btfx_param_slots(const struct btf *btf, const struct btf_param *p)
{
	/* Structs up to 16 bytes passed by value take two registers. */
	return p->type && btf__resolve_size(btf, p->type) > 8 ? 2 : 1;
}

int btfx_arg_slot(const struct btf *btf, const struct btf_type *proto, int i)
{
	const struct btf_param *p = btf_params(proto);
	int j, slot = 0;

	for (j = 0; j < i && j < btf_vlen(proto); j++)
		slot += btfx_param_slots(btf, &p[j]);
	return slot;
}

void btfx_param_names(const struct btf *btf, const struct btf_type *proto, struct strbuf *out)
{
	const struct btf_param *p = btf_params(proto);
	int i;

	for (i = 0; i < btf_vlen(proto); i++)
		sb_printf(out, "%s%s", i ? ", " : "", btf__name_by_offset(btf, p[i].name_off));
	if (!btf_vlen(proto))
		sb_puts(out, "none");
}

__u64 btfx_enum_const(const struct btf *btf, const struct btf_type *t, __u32 i, const char **name)
{
	if (btf_is_enum(t)) {
		*name = btf__name_by_offset(btf, btf_enum(t)[i].name_off);
		return (__u64)(__s64)btf_enum(t)[i].val;
	}
	*name = btf__name_by_offset(btf, btf_enum64(t)[i].name_off);
	return btf_enum64_value(&btf_enum64(t)[i]);
}

bool btfx_find_enum_const(const struct btf *btf, __u32 id, const char *name, __u64 *val)
{
	__u32 n = btf__type_cnt(btf), last = id ? id + 1 : n, i;

	/* With @id, that enum alone; else every enum in turn. */
	for (id = id ? id : 1; id < last && id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!btf_is_any_enum(t))
			continue;
		for (i = 0; i < btf_vlen(t); i++) {
			const char *cname;
			__u64 v = btfx_enum_const(btf, t, i, &cname);

			if (cname && !strcmp(cname, name)) {
				*val = v;
				return true;
			}
		}
	}
	return false;
}
