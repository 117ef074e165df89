// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace's list of traceable functions: see ftrace_list.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftrace_list.h"
#include "compiler.h"
#include "log.h"

/*
 * The list, when the kernel lets us read it: a hash set of the names (open
 * addressing, linear probing) pointing into the file's text. Only the
 * selected functions are looked up, so hashing the 40,000-odd lines once
 * beats sorting them (a third of a second under TCG). One per process: it is
 * the running kernel's.
 */
static struct {
	char *text;   /* the file, each name NUL-terminated in place */
	char **slots; /* a power of two of them; NULL: empty */
	size_t mask;  /* slots - 1 */
	bool known;   /* read and hashed */
	bool tried;
} list;

static size_t name_hash(const char *s)
{
	size_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The whole of @f, NUL-terminated, or NULL. */
static char *read_all(FILE *f)
{
	size_t len = 0, cap = 1 << 20, n;
	char *buf = malloc(cap), *p;

	while (buf) {
		/* ftrace's seq_file hands out a page per read whatever we ask. */
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (len < cap - 1)
			break;
		p = realloc(buf, cap *= 2);
		if (!p)
			free(buf);
		buf = p;
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

void ftrace_list_load(void)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/available_filter_functions",
		"/sys/kernel/debug/tracing/available_filter_functions",
	};
	size_t i, lines = 0, nslots = 1;
	char *p, *end, *next;
	FILE *f = NULL;

	if (list.tried)
		return;
	list.tried = true;
	for (i = 0; i < ARRAY_SIZE(paths) && !f; i++)
		f = fopen(paths[i], "r");
	if (!f)
		return;
	list.text = read_all(f);
	fclose(f);
	timing_mark("available_filter_functions read");
	if (!list.text)
		return;
	for (p = list.text; (p = strchr(p, '\n')); p++)
		lines++;
	while (nslots < 2 * lines + 2)
		nslots *= 2;
	list.slots = calloc(nslots, sizeof(*list.slots));
	if (!list.slots)
		return;
	list.mask = nslots - 1;
	/* "name", or "name [module]": the name ends at the first blank. */
	for (p = list.text; p && *p; p = next) {
		end = p + strcspn(p, "\n");
		next = *end ? end + 1 : NULL;
		*end = '\0';
		p[strcspn(p, " \t")] = '\0';
		if (!*p)
			continue;
		for (i = name_hash(p) & list.mask; list.slots[i]; i = (i + 1) & list.mask)
			if (!strcmp(list.slots[i], p))
				break;
		list.slots[i] = p;
		list.known = true;
	}
}

bool ftrace_list_loaded(void)
{
	return list.tried;
}

bool ftrace_listed(const char *name)
{
	size_t i;

	ftrace_list_load();
	if (!list.known)
		return true;
	for (i = name_hash(name) & list.mask; list.slots[i]; i = (i + 1) & list.mask)
		if (!strcmp(list.slots[i], name))
			return true;
	return false;
}

void ftrace_list_free(void)
{
	free(list.slots);
	free(list.text);
	memset(&list, 0, sizeof(list));
}

int ftrace_report_untraceable(const char *func, const char *backend, const char *why)
{
	pr_error_hint(
		"pick a caller or callee that is not inlined ('ksnoop info' shows prototypes)",
		"function '%s' cannot be traced by %s: %s", func, backend, why);
	return -EOPNOTSUPP;
}
