/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Setup the unit tests, the fuzzers and the decode bench share: the host
 * kernel's BTF loaded once, and a SPEC turned into a resolved plan. Linked
 * into each of them (not into ksnoop); it reports through return values, not
 * test.h, so that the fuzzers and the bench can use it too.
 */
#ifndef __KSNOOP_TLIB_H
#define __KSNOOP_TLIB_H

#include <limits.h>

#include "kbtf.h"
#include "resolve.h"
#include "strbuf.h"

/* tl_resolve() did not get to resolve_func(): the SPEC or its function is wrong. */
#define TL_UNRESOLVED INT_MIN

/*
 * The host kernel's BTF (/sys/kernel/btf/vmlinux), loaded on the first call
 * and kept until exit. 0 with *@k set; -ENOENT if it is not readable (a test
 * skips), another negative errno if it is readable but does not load.
 */
int tl_host_btf(const struct kbtf **k);

/*
 * Parse SPEC @str, find its function in @k (vmlinux first) and resolve it with
 * @opts (NULL: all defaults) into @tf, which the caller frees with tfunc_free().
 * Returns resolve_func()'s result (@err filled on an error), or TL_UNRESOLVED
 * with @err->msg saying why the SPEC does not parse or names no function.
 */
int tl_resolve(const struct kbtf *k, const char *str, const struct resolve_opts *opts,
	       struct tfunc *tf, struct resolve_err *err);

/* A formatter of the walker's API: fmt_text() or fmt_json(). */
typedef int (*tl_fmt_fn)(const struct btf *btf, __u32 type_id, const void *data, size_t len,
			 struct strbuf *out);

/*
 * @data formatted as type @id of @btf by @fn into @sb (reset first): its text,
 * or "ERR <n>" with @fn's error, so that a test compares one string either way.
 */
const char *tl_fmt(struct strbuf *sb, tl_fmt_fn fn, const struct btf *btf, int id, const void *data,
		   size_t len);

#endif /* __KSNOOP_TLIB_H */
