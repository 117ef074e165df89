// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

int ksyms_for_each(int (*cb)(__u64 addr, const char *name, const char *mod, void *ctx), void *ctx)
{
	char line[512], name[256], mod[128];
	unsigned long long addr;
	int n, err = 0;
	char type;
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f)) {
		n = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, mod);
		if (n < 3 || (type != 't' && type != 'T'))
			continue;
		err = cb(addr, name, n == 4 ? mod : NULL, ctx);
	}
	fclose(f);
	return err;
}

struct ksym {
	__u64 addr;
	const char *name; /* in the strings block */
	const char *mod;  /* NULL for vmlinux */
};

struct ksyms {
	struct ksym *syms;
	int n, cap;
	char **blocks; /* names and module names, allocated in blocks */
	int nblocks;
	size_t used; /* bytes used of the last block */
};

#define KSYMS_BLOCK (1 << 20)

/* Keep @s in the strings block; module names repeat, so the last one is shared. */
static const char *ks_str(struct ksyms *ks, const char *s)
{
	size_t len = strlen(s) + 1;
	char **b;

	if (!ks->nblocks || ks->used + len > KSYMS_BLOCK) {
		b = realloc(ks->blocks, (ks->nblocks + 1) * sizeof(*b));
		if (!b)
			return NULL;
		ks->blocks = b;
		b[ks->nblocks] = malloc(KSYMS_BLOCK);
		if (!b[ks->nblocks])
			return NULL;
		ks->nblocks++;
		ks->used = 0;
	}
	memcpy(ks->blocks[ks->nblocks - 1] + ks->used, s, len);
	ks->used += len;
	return ks->blocks[ks->nblocks - 1] + ks->used - len;
}

static int ks_add(__u64 addr, const char *name, const char *mod, void *ctx)
{
	struct ksyms *ks = ctx;
	struct ksym *k;

	if (ks->n == ks->cap) {
		int cap = ks->cap ? ks->cap * 2 : 65536;

		k = realloc(ks->syms, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		ks->syms = k;
		ks->cap = cap;
	}
	k = &ks->syms[ks->n];
	k->addr = addr;
	k->name = ks_str(ks, name);
	k->mod = NULL;
	if (mod)
		k->mod = ks->n && ks->syms[ks->n - 1].mod && !strcmp(ks->syms[ks->n - 1].mod, mod) ?
				 ks->syms[ks->n - 1].mod :
				 ks_str(ks, mod);
	if (!k->name || (mod && !k->mod))
		return -ENOMEM;
	ks->n++;
	return 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct ksyms *ksyms_load(void)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));
	int err;

	if (!ks)
		return NULL;
	err = ksyms_for_each(ks_add, ks);
	if (err) {
		ksyms_free(ks);
		errno = -err;
		return NULL;
	}
	qsort(ks->syms, ks->n, sizeof(*ks->syms), by_addr);
	return ks;
}

void ksyms_free(struct ksyms *ks)
{
	int i;

	if (!ks)
		return;
	for (i = 0; i < ks->nblocks; i++)
		free(ks->blocks[i]);
	free(ks->blocks);
	free(ks->syms);
	free(ks);
}

void ksyms_put(const struct ksyms *ks, __u64 addr, struct strbuf *sb)
{
	int lo = 0, hi = ks ? ks->n - 1 : -1, mid;
	const struct ksym *k = NULL;

	/* The last symbol at or below @addr. */
	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if (ks->syms[mid].addr <= addr) {
			k = &ks->syms[mid];
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (!k || !k->addr) {
		sb_puts(sb, "0x");
		sb_put_hex(sb, addr, 0);
		return;
	}
	sb_puts(sb, k->name);
	sb_puts(sb, "+0x");
	sb_put_hex(sb, addr - k->addr, 0);
	if (k->mod) {
		sb_puts(sb, " [");
		sb_puts(sb, k->mod);
		sb_putc(sb, ']');
	}
}

int ksyms_range(const struct ksyms *ks, const char *name, const char *mod, __u64 *addr, __u64 *size)
{
	const struct ksym *k;
	int i;

	for (i = 0; i < ks->n; i++) {
		k = &ks->syms[i];
		if (!k->addr || strcmp(k->name, name) || !k->mod != !mod ||
		    (mod && strcmp(k->mod, mod)))
			continue;
		*addr = k->addr;
		/* aliases share the address: the next symbol above it ends the code */
		while (i + 1 < ks->n && ks->syms[i + 1].addr == k->addr)
			i++;
		*size = i + 1 < ks->n ? ks->syms[i + 1].addr - k->addr : 4096;
		return 0;
	}
	return -ENOENT;
}
