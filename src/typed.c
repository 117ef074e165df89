// SPDX-License-Identifier: GPL-2.0
/* What the fentry stub reads by direct loads (see typed.h). */
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "attach.h"
#include "btfx.h"
#include "typed.h"

/*
 * Does @tf's BTF type the loads of @it's base and pointer steps? *@id: the
 * struct or union they lead to. @it's base argument itself, of any type,
 * when it has no steps and @mem is false (the value is the register).
 */
static bool typed_path(const struct tfunc *tf, const struct ksnoop_item *it, bool mem, __u32 *id)
{
	const struct btf *btf = tf->kf->btf;
	const struct btf_type *proto = btf__type_by_id(btf, tf->proto_id), *t;
	const struct btf_param *p;
	__u32 s;
	int i;

	if (!proto || !btf_is_func_proto(proto) || it->base >= btf_vlen(proto))
		return false;
	/* the verifier's context slot k is argument k only while each takes one */
	p = btf_params(proto);
	for (i = 0; i <= it->base; i++)
		if (btfx_param_slots(btf, &p[i]) != 1)
			return false;
	if (!mem && !it->nsteps)
		return true;
	t = btfx_skip(btf, p[it->base].type, true, NULL);
	if (!t || !btf_is_ptr(t))
		return false;
	t = btfx_skip(btf, t->type, true, id);
	if (!t || !btf_is_composite(t))
		return false;
	for (s = 0; s < it->nsteps; s++)
		if (btfx_load_at(btf, *id, it->steps[s], sizeof(__u64), id) != BTFX_LOAD_PTR)
			return false;
	return true;
}

/* agg_typed_ok() for one function: its BTF types every load of @it. */
static bool typed_in(const struct tfunc *tf, const struct ksnoop_item *it)
{
	const struct btf *btf = tf->kf->btf;
	__u32 id, s;

	if (!typed_path(tf, it, true, &id))
		return false;
	if (it->size <= sizeof(__u64))
		return btfx_load_at(btf, id, it->off, it->size, NULL) == BTFX_LOAD_SCALAR;
	/* an array, by 8-byte loads (bpf/fentry.bpf.c fentry_typed_bytes()) */
	for (s = 0; s < it->size; s += sizeof(__u64))
		if (btfx_load_at(btf, id, it->off + s, sizeof(__u64), NULL) != BTFX_LOAD_SCALAR)
			return false;
	return true;
}

bool agg_typed_ok(const struct tfunc *funcs, int nfuncs, const struct ksnoop_item *it, bool bytes)
{
	bool words = bytes && it->size % sizeof(__u64) == 0 && it->size <= KSNOOP_KEY_MAX;
	int i;

	if (!(it->flags & KSNOOP_I_MEM) || (it->flags & KSNOOP_I_STR) || it->bit_size ||
	    it->nsteps > KSNOOP_MAX_STEPS ||
	    (it->size != 1 && it->size != 2 && it->size != 4 && it->size != 8 && !words))
		return false;
	for (i = 0; i < nfuncs; i++)
		if (!typed_in(&funcs[i], it))
			return false;
	return nfuncs > 0;
}

/*
 * typed_rec_fill() of one item: read at entry by direct loads in every
 * function, or the return value itself.
 */
static bool typed_rec_item(const struct tfunc *funcs, int nfuncs, const struct ksnoop_item *it)
{
	__u32 id;
	int i;

	if (it->bit_size || it->nsteps > KSNOOP_MAX_STEPS ||
	    (it->flags & (KSNOOP_I_STR | KSNOOP_I_PRED | KSNOOP_I_HIDE)))
		return false;
	/* the return value itself (its slot in the context is typed per function) */
	if (it->base == KSNOOP_BASE_RET)
		return !(it->flags & KSNOOP_I_MEM) && !it->nsteps && it->size <= sizeof(__u64);
	if (it->flags & KSNOOP_I_MEM)
		return agg_typed_ok(funcs, nfuncs, it, false);
	for (i = 0; i < nfuncs; i++)
		if (!typed_path(&funcs[i], it, false, &id))
			return false;
	return it->size <= sizeof(__u64);
}

bool typed_rec_fill(const struct tfunc *funcs, int nfuncs, const struct tracer_opts *o,
		    struct ksnoop_rec_lean *out)
{
	const struct ksnoop_plan *p0 = &funcs[0].plan;
	__u32 j;
	int i;

	memset(out, 0, sizeof(*out));
	if (nfuncs <= 0 || o->agg_mode || o->chain || o->kstack || o->changes || o->kernel_format ||
	    o->format_check || o->filter.slower_than_ns || o->filter.errors ||
	    p0->nitems > KSNOOP_LEAN_ITEMS || tracer_env_flag(getenv("KSNOOP_NO_REC_LEAN")))
		return false;
	for (i = 1; i < nfuncs; i++)
		if (funcs[i].plan.nitems != p0->nitems ||
		    memcmp(funcs[i].plan.items, p0->items, p0->nitems * sizeof(p0->items[0])))
			return false;
	for (j = 0; j < p0->nitems; j++)
		if (!typed_rec_item(funcs, nfuncs, &p0->items[j]))
			return false;
	out->nitems = p0->nitems;
	for (j = 0; j < p0->nitems; j++)
		out->slot[j] = out->nvals[p0->items[j].base == KSNOOP_BASE_RET]++;
	for (j = 0; j < 2; j++)
		out->size[j] = sizeof(struct ksnoop_rec) + out->nvals[j] * KSNOOP_LEAN_VAL_SIZE;
	memcpy(out->items, p0->items, p0->nitems * sizeof(p0->items[0]));
	return true;
}
