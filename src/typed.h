/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fentry backend's stub reads by direct loads (bpf/fentry.bpf.c):
 * loads the verifier types against each traced function's BTF, where the
 * other backends call bpf_probe_read_kernel(). One program is loaded per
 * function, from the same instructions and the same .rodata, so an item
 * qualifies only where every traced function types each of its loads.
 */
#ifndef __KSNOOP_TYPED_H
#define __KSNOOP_TYPED_H

#include <stdbool.h>

#include "ksnoop.h"
#include "resolve.h"

/*
 * May the fentry backend's programs, one per function of @funcs, read item
 * @it (agg_item_same()'s, counted at entry) by direct loads (bpf/agg_value.h
 * agg_typed)? Only where the verifier types every load of it from each
 * function's prototype, so that the one program verifies for each function:
 * the base, an argument in a register slot of its own (every slot before it
 * one argument), is a pointer to a struct or union, each step a pointer
 * member to one (btfx_load_at()), and the value an integer or enum member of
 * 1, 2, 4 or 8 bytes read whole, or with @bytes (--count-by: a key of bytes)
 * an array of whole 8-byte words up to KSNOOP_KEY_MAX bytes (a char name[16]);
 * not a bitfield nor a string.
 */
bool agg_typed_ok(const struct tfunc *funcs, int nfuncs, const struct ksnoop_item *it, bool bytes);

#endif /* __KSNOOP_TYPED_H */
