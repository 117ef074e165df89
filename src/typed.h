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

struct tracer_opts;

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

/*
 * May the fentry stub build the records of @funcs itself
 * (KSNOOP_SB_REC_LEAN, struct ksnoop_rec_lean)? Only when every function has
 * the same items, at most KSNOOP_LEAN_ITEMS, each read at entry by direct
 * loads: an argument itself (in a register slot of its own, as above), the
 * pointer a chain of pointer members leads to, or an integer member as
 * agg_typed_ok() has it; and when @o asks for nothing the record path's
 * machinery does (--stats and the other counting modes, -s, --kstack,
 * --changes, --kernel-format, --format-check, --slower-than, --errors, a
 * predicate; KSNOOP_NO_REC_LEAN=1 in tests and benches). If so, fills @out;
 * else zeroes it.
 */
bool typed_rec_fill(const struct tfunc *funcs, int nfuncs, const struct tracer_opts *o,
		    struct ksnoop_rec_lean *out);

#endif /* __KSNOOP_TYPED_H */
