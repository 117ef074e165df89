/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel symbols from /proc/kallsyms: iteration over the text symbols, and
 * address symbolization for --kstack ("udp_sendmsg+0x7a4", "[mod]" for a
 * module's), loaded once, sorted, searched by bisection.
 */
#ifndef __KSNOOP_KSYMS_H
#define __KSNOOP_KSYMS_H

#include <linux/types.h>

#include "util.h"

/*
 * Call @cb for each text symbol (type t or T) of /proc/kallsyms: its address,
 * name and module (NULL for vmlinux). A non-zero return stops and is returned.
 * Returns 0, or -errno if the file cannot be read.
 */
int ksyms_for_each(int (*cb)(__u64 addr, const char *name, const char *mod, void *ctx), void *ctx);

struct ksyms;

/* Every text symbol, sorted by address; NULL and errno if /proc/kallsyms cannot be read. */
struct ksyms *ksyms_load(void);
void ksyms_free(struct ksyms *ks);
/*
 * Append @addr symbolized to @sb: "name+0xoff", with " [module]" for a
 * module's symbol, or "0xADDR" when no symbol holds it (hidden addresses
 * read as 0 without CAP_SYSLOG).
 */
void ksyms_put(const struct ksyms *ks, __u64 addr, struct strbuf *sb);
/*
 * The text symbol @name of module @mod (NULL: vmlinux): its address and the
 * bytes up to the next symbol (its code and any padding). Returns 0, or
 * -ENOENT if no such symbol is listed (or its address is hidden: 0).
 */
int ksyms_range(const struct ksyms *ks, const char *name, const char *mod, __u64 *addr,
		__u64 *size);

#endif /* __KSNOOP_KSYMS_H */
