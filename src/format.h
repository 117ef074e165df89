/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stage: decode. A value captured as bytes by the BPF program is rendered from
 * the kernel's BTF by one walker (format.c) feeding one of several sinks:
 *  - text: byte-for-byte what the kernel's bpf_snprintf_btf() prints for the
 *    same bytes with flags BTF_F_PTR_RAW (the --kernel-format path), so both
 *    paths print the same text;
 *  - JSON: a typed value (numbers, strings, nested objects, arrays).
 */
#ifndef __KSNOOP_FORMAT_H
#define __KSNOOP_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "util.h"

struct btf;

/*
 * Append the text of the value of BTF type @type_id held in @data (@len bytes;
 * fewer than the type's size means the capture was truncated: members that lie
 * beyond @len are left out). Returns 0 or a negative errno (-EINVAL for a type
 * the walker cannot render).
 */
int fmt_text(const struct btf *btf, __u32 type_id, const void *data, size_t len,
	     struct strbuf *out);

/* Append the value as one JSON value (see man/ksnoop.8, JSON OUTPUT). */
int fmt_json(const struct btf *btf, __u32 type_id, const void *data, size_t len,
	     struct strbuf *out);

#endif /* __KSNOOP_FORMAT_H */
