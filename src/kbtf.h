/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stage 2a: the kernel's BTF. Loads vmlinux BTF (running kernel or a file),
 * module BTF on demand, and indexes every FUNC by name once, so that looking
 * up thousands of names is not a linear scan each.
 */
#ifndef __KSNOOP_KBTF_H
#define __KSNOOP_KBTF_H

#include <stdbool.h>
#include <linux/types.h>

struct btf;

struct kfunc {
	const char *name;   /* points into the BTF string section */
	struct btf *btf;    /* vmlinux or module BTF holding the FUNC */
	const char *module; /* NULL for vmlinux */
	__u32 id;	    /* BTF_KIND_FUNC id */
	__u64 key;	    /* the name's first 8 bytes, big-endian: sorts as strcmp() does */
};

struct kbtf {
	struct btf *vmlinux;
	bool from_file; /* --btf FILE: not the running kernel */
	struct kmodule {
		char *name;
		struct btf *btf;
	} * mods;
	int nmods;
	bool mods_loaded;
	struct kfunc *funcs; /* sorted by name, then module */
	int nfuncs;
};

/* Load vmlinux BTF from @path, or the running kernel's if NULL. Negative errno. */
int kbtf_load(struct kbtf *k, const char *path);
/* Load every module's BTF from /sys/kernel/btf (once) and index its FUNCs. */
int kbtf_load_modules(struct kbtf *k);
void kbtf_free(struct kbtf *k);

/*
 * Whether @module names BTF kbtf_load_modules() loaded (or the pseudo-modules
 * "vmlinux" and "*").
 */
bool kbtf_has_module(const struct kbtf *k, const char *module);

/* Find FUNC @name (in @module if not NULL, else vmlinux first). NULL if none. */
const struct kfunc *kbtf_find_func(const struct kbtf *k, const char *module, const char *name);

/*
 * Call @cb for each FUNC whose name matches @glob (fnmatch) in @module (NULL:
 * vmlinux only; "*": all modules too), in name order. Stops when @cb returns
 * non-zero and returns that value.
 */
int kbtf_for_each_func(const struct kbtf *k, const char *module, const char *glob,
		       int (*cb)(const struct kfunc *f, void *ctx), void *ctx);

/* Levenshtein distance of @a and @b, or @limit + 1 if it is larger than @limit. */
int kbtf_edit_distance(const char *a, const char *b, int limit);
/* A name and its edit distance to the one asked for: a suggestion. */
struct kbtf_near {
	const char *name;
	int dist;
};

/*
 * Add @name at @dist to @best, the @n nearest so far (at most @max, sorted by
 * distance, ties in the order they came). Returns the new count.
 */
int kbtf_near_add(struct kbtf_near *best, int n, int max, const char *name, int dist);
/* Up to @max FUNC names closest to @name (edit distance), for hints. */
int kbtf_suggest(const struct kbtf *k, const char *name, const char **out, int max);

struct btf_dump;
struct strbuf;

/*
 * A btf_dump of @btf that prints into *@sink (set it before each use), kept
 * until kbtf_free() frees @btf; NULL for a BTF no loaded kbtf holds (the
 * caller makes its own). btf_dump__new() walks every type of its BTF
 * (~150,000 in vmlinux): one per printed declaration made `info '*'` take
 * minutes.
 */
struct btf_dump *kbtf_dumper(const struct btf *btf, struct strbuf ***sink);

#endif /* __KSNOOP_KBTF_H */
