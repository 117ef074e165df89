/* SPDX-License-Identifier: GPL-2.0 */
/*
 * String operands and globs (string predicates, -c/--comm) compiled into the
 * NFA tables the BPF program runs (struct ksnoop_pattern in include/ksnoop.h).
 */
#ifndef __KSNOOP_PATTERN_H
#define __KSNOOP_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "ksnoop.h"

/*
 * Compile a string operand of @op (KSNOOP_OP_GLOB: a glob with * ? [...];
 * otherwise the bytes as they are) of @len bytes into @out. Returns 0, or
 * -EINVAL with @why (and *@pos, an offset into @s) saying what is wrong.
 */
int pattern_compile(const char *s, size_t len, enum ksnoop_pred_op op, struct ksnoop_pattern *out,
		    char *why, size_t why_size, size_t *pos);
/* Whether @s (@n bytes, or up to a NUL) matches @p, as the BPF program decides. */
bool pattern_match(const struct ksnoop_pattern *p, const char *s, size_t n);
/*
 * The bytes of @p when each of its tokens is one byte (an exact string, or a
 * glob without wildcards), into @out (@size bytes, no NUL added). Returns
 * their number, or -EINVAL for a pattern with a '*' or a set, or longer
 * than @size.
 */
int pattern_literal(const struct ksnoop_pattern *p, char *out, size_t size);
/*
 * The bytes of a glob "LITERAL*": one-byte tokens, at least one, then a '*'
 * that ends it, which matches every subject that starts with them. Into @out
 * as pattern_literal(); their number, or -EINVAL for any other pattern.
 */
int pattern_prefix(const struct ksnoop_pattern *p, char *out, size_t size);
/* Whether @s has glob characters (* ? [). */
bool pattern_is_glob(const char *s);

#endif /* __KSNOOP_PATTERN_H */
