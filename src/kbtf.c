// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "kbtf.h"
#include "util.h"

/* The BTFs loaded kbtfs hold, each with its btf_dump once one was asked for. */
static struct dumper {
	const struct btf *btf;
	struct btf_dump *d;
} * dumpers;
static int ndumpers;
static struct strbuf *dump_sink;

static void dump_print_cb(void *ctx, const char *fmt, va_list args)
{
	sb_vprintf(dump_sink, fmt, args);
}

static int dumper_register(const struct btf *btf)
{
	struct dumper *d = realloc(dumpers, (ndumpers + 1) * sizeof(*d));

	if (!d)
		return -ENOMEM;
	dumpers = d;
	dumpers[ndumpers++] = (struct dumper){.btf = btf};
	return 0;
}

static void dumper_unregister(const struct btf *btf)
{
	int i;

	for (i = 0; i < ndumpers; i++) {
		if (dumpers[i].btf != btf)
			continue;
		btf_dump__free(dumpers[i].d);
		dumpers[i] = dumpers[--ndumpers];
		break;
	}
	if (!ndumpers) {
		free(dumpers);
		dumpers = NULL;
	}
}

struct btf_dump *kbtf_dumper(const struct btf *btf, struct strbuf ***sink)
{
	int i;

	for (i = 0; i < ndumpers; i++) {
		if (dumpers[i].btf != btf)
			continue;
		if (!dumpers[i].d)
			dumpers[i].d = btf_dump__new(btf, dump_print_cb, NULL, NULL);
		*sink = &dump_sink;
		return dumpers[i].d;
	}
	return NULL;
}

static __u64 name_key(const char *name)
{
	__u64 key = 0;
	int i;

	for (i = 0; i < 8; i++) {
		key = key << 8 | (unsigned char)*name;
		name += *name != '\0';
	}
	return key;
}

static int index_funcs(struct kbtf *k, struct btf *btf, const char *module)
{
	__u32 start = module ? btf__type_cnt(k->vmlinux) : 1;
	__u32 n = btf__type_cnt(btf), id;
	struct kfunc *f;

	f = realloc(k->funcs, (k->nfuncs + (n - start)) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	k->funcs = f;
	for (id = start; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!btf_is_func(t))
			continue;
		f = &k->funcs[k->nfuncs++];
		f->name = btf__name_by_offset(btf, t->name_off);
		f->key = name_key(f->name);
		f->btf = btf;
		f->module = module;
		f->id = id;
	}
	return 0;
}

static int cmp_kfunc(const void *a, const void *b)
{
	const struct kfunc *x = a, *y = b;
	int c;

	/*
	 * Sorting 60,000 names is a good part of ksnoop's start-up under TCG:
	 * most pairs differ in their first 8 bytes, compared as one number.
	 */
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	/* vmlinux first, then modules by name */
	if (!x->module || !y->module)
		return !!x->module - !!y->module;
	return strcmp(x->module, y->module);
}

int kbtf_load(struct kbtf *k, const char *path)
{
	int err;

	memset(k, 0, sizeof(*k));
	if (path) {
		k->vmlinux = btf__parse(path, NULL);
		k->from_file = true;
	} else {
		k->vmlinux = btf__load_vmlinux_btf();
	}
	if (!k->vmlinux)
		return -errno;
	err = dumper_register(k->vmlinux);
	if (err)
		return err;
	err = index_funcs(k, k->vmlinux, NULL);
	if (err)
		return err;
	qsort(k->funcs, k->nfuncs, sizeof(*k->funcs), cmp_kfunc);
	return 0;
}

int kbtf_load_modules(struct kbtf *k)
{
	struct dirent *de;
	DIR *dir;
	int err = 0;

	if (k->mods_loaded || k->from_file)
		return 0;
	k->mods_loaded = true;
	dir = opendir("/sys/kernel/btf");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char path[512];
		struct kmodule *m;
		struct btf *btf;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", de->d_name);
		btf = btf__parse_split(path, k->vmlinux);
		if (!btf)
			continue; /* a module going away: not our concern */
		m = realloc(k->mods, (k->nmods + 1) * sizeof(*m));
		if (!m) {
			btf__free(btf);
			err = -ENOMEM;
			break;
		}
		k->mods = m;
		m = &k->mods[k->nmods++];
		m->btf = btf;
		err = dumper_register(btf);
		if (err)
			break;
		m->name = strdup(de->d_name);
		if (!m->name) {
			err = -ENOMEM;
			break;
		}
		err = index_funcs(k, btf, m->name);
		if (err)
			break;
	}
	closedir(dir);
	qsort(k->funcs, k->nfuncs, sizeof(*k->funcs), cmp_kfunc);
	return err;
}

void kbtf_free(struct kbtf *k)
{
	int i;

	for (i = 0; i < k->nmods; i++) {
		dumper_unregister(k->mods[i].btf);
		btf__free(k->mods[i].btf);
		free(k->mods[i].name);
	}
	free(k->mods);
	free(k->funcs);
	dumper_unregister(k->vmlinux);
	btf__free(k->vmlinux);
	memset(k, 0, sizeof(*k));
}

/* First index whose name is >= @name. */
static int lower_bound(const struct kbtf *k, const char *name)
{
	int lo = 0, hi = k->nfuncs;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (strcmp(k->funcs[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool module_matches(const struct kfunc *f, const char *module)
{
	if (!module)
		return !f->module;
	if (!strcmp(module, "*"))
		return true;
	if (!strcmp(module, "vmlinux"))
		return !f->module;
	return f->module && !strcmp(f->module, module);
}

bool kbtf_has_module(const struct kbtf *k, const char *module)
{
	int i;

	if (!strcmp(module, "vmlinux") || !strcmp(module, "*"))
		return true;
	for (i = 0; i < k->nmods; i++)
		if (!strcmp(k->mods[i].name, module))
			return true;
	return false;
}

const struct kfunc *kbtf_find_func(const struct kbtf *k, const char *module, const char *name)
{
	int i;

	for (i = lower_bound(k, name); i < k->nfuncs && !strcmp(k->funcs[i].name, name); i++) {
		/* Without a module, vmlinux (sorted first) or else any module. */
		if (!module || module_matches(&k->funcs[i], module))
			return &k->funcs[i];
	}
	return NULL;
}

int kbtf_for_each_func(const struct kbtf *k, const char *module, const char *glob,
		       int (*cb)(const struct kfunc *f, void *ctx), void *ctx)
{
	size_t plen = strcspn(glob, "*?[\\");
	char prefix[256];
	int i, err;

	/* A literal prefix narrows the scan to one range of the sorted index. */
	if (plen >= sizeof(prefix))
		plen = sizeof(prefix) - 1;
	memcpy(prefix, glob, plen);
	prefix[plen] = '\0';
	for (i = lower_bound(k, prefix); i < k->nfuncs; i++) {
		const struct kfunc *f = &k->funcs[i];

		if (strncmp(f->name, prefix, plen))
			break;
		if (!module_matches(f, module) || fnmatch(glob, f->name, 0))
			continue;
		/* The same name in vmlinux and a module: only the first counts. */
		if (i > 0 && !strcmp(k->funcs[i - 1].name, f->name) &&
		    module_matches(&k->funcs[i - 1], module))
			continue;
		err = cb(f, ctx);
		if (err)
			return err;
	}
	return 0;
}

int kbtf_edit_distance(const char *a, const char *b, int limit)
{
	int la = strlen(a), lb = strlen(b), i, j;
	int row[257], best;

	if (la > 256 || lb > 256 || abs(la - lb) > limit)
		return limit + 1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		int prev = row[0];

		row[0] = i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			int cur = row[j];
			int v = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < v)
				v = row[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			prev = cur;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
	}
	return row[lb];
}

int kbtf_near_add(struct kbtf_near *best, int n, int max, const char *name, int dist)
{
	int j;

	/* insert after equals, so that ties keep their order */
	for (j = n; j > 0 && best[j - 1].dist > dist; j--)
		if (j < max)
			best[j] = best[j - 1];
	if (j < max) {
		best[j] = (struct kbtf_near){name, dist};
		if (n < max)
			n++;
	}
	return n;
}

int kbtf_suggest(const struct kbtf *k, const char *name, const char **out, int max)
{
	int n = 0, i, limit = strlen(name) / 3 + 1;
	struct kbtf_near best[8];

	if (max > 8)
		max = 8;
	if (limit > 4)
		limit = 4;
	for (i = 0; i < k->nfuncs; i++) {
		int d;

		if (i > 0 && !strcmp(k->funcs[i - 1].name, k->funcs[i].name))
			continue;
		d = kbtf_edit_distance(name, k->funcs[i].name, limit);
		if (d <= limit)
			n = kbtf_near_add(best, n, max, k->funcs[i].name, d);
	}
	for (i = 0; i < n; i++)
		out[i] = best[i].name;
	return n;
}
