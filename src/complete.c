// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "complete.h"
#include "kbtf.h"
#include "resolve.h"
#include "util.h"

/*
 * The candidates, one per line: each is printed as a whole word, the part of
 * WORD before what was completed (the lead: "ip_send_skb(skb->") then it.
 */
struct out {
	struct strbuf sb;
	const char *lead;
	int lead_len;
};

static void put(const char *name, void *ctx)
{
	struct out *o = ctx;

	sb_puts(&o->sb, name);
	sb_putc(&o->sb, '\n');
}

static int put_func(const struct kfunc *f, void *ctx)
{
	put(f->name, ctx);
	return 0;
}

/* "FUNC(" or "MODULE:FUNC(": the function the items belong to. */
static const struct kfunc *items_func(struct kbtf *k, const char *word, size_t len)
{
	char name[256], *colon;

	if (len >= sizeof(name))
		return NULL;
	memcpy(name, word, len);
	name[len] = '\0';
	colon = strchr(name, ':');
	if (!colon)
		return kbtf_find_func(k, NULL, name);
	*colon = '\0';
	if (kbtf_load_modules(k))
		return NULL;
	return kbtf_find_func(k, name, colon + 1);
}

/*
 * The item being typed after "FUNC(": from the last ',' outside brackets (or
 * the '(') to the end, spaces skipped. NULL inside a predicate ("x == 1"),
 * where nothing is completed.
 */
static const char *current_item(const char *args)
{
	const char *item = args, *p;
	int depth = 0;

	for (p = args; *p; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth)
			depth--;
		else if (*p == ',' && !depth)
			item = p + 1;
	}
	item += strspn(item, " \t");
	for (p = item; *p; p++)
		if (strchr(" \t=!<)", *p) || (*p == '>' && (p == item || p[-1] != '-')))
			return NULL;
	return item;
}

/*
 * The long name of the option @arg ("--pid", "-p", "-vp") if it takes a value
 * that is the next word; NULL if not an option or its value is in @arg.
 */
static const char *value_option(const char *arg, const struct option *opts, const char *shortopts)
{
	const char *p;
	int i;

	if (arg[0] != '-' || !arg[1])
		return NULL;
	if (arg[1] == '-') {
		for (i = 0; opts[i].name; i++)
			if (!strcmp(arg + 2, opts[i].name))
				return opts[i].has_arg == required_argument ? opts[i].name : NULL;
		return NULL;
	}
	/* A cluster of short options: one taking a value takes the rest of the word. */
	for (p = arg + 1; *p; p++) {
		const char *o = strchr(shortopts, *p);

		if (!o || *p == ':' || o[1] != ':')
			continue;
		if (p[1])
			return NULL;
		for (i = 0; opts[i].name; i++)
			if (opts[i].val == *p)
				return opts[i].name;
	}
	return NULL;
}

static void put_matching(const char *const *words, const char *prefix, struct out *o)
{
	int i;

	for (i = 0; words[i]; i++)
		if (!strncmp(words[i], prefix, strlen(prefix)))
			put(words[i], o);
}

int cmd_complete(int argc, char **argv, const struct option *opts, const char *shortopts,
		 const char *const *commands)
{
	static const char *const colors[] = {"auto", "always", "never", NULL};
	static const char *const backends[] = {"auto", "fentry", "fentry-multi", NULL};
	/* hist.c's count_opt_word(): the optional value of --count-by */
	static const char *const count_keys[] = {"comm", "caller", NULL};
	const char *word = argc > 0 ? argv[argc - 1] : "", *paren, *item, *p, *nl;
	const char *value_of = NULL, *eq;
	int after_word = 0;
	bool funcs = true;
	struct out o = {.lead = ""};
	struct kbtf k = {};
	int err = 0, i;

	sb_init(&o.sb);
	for (i = 0; i < argc - 1; i++) {
		if (value_of)
			value_of = NULL;
		else if (argv[i][0] == '-' && argv[i][1])
			value_of = value_option(argv[i], opts, shortopts);
		else if (!after_word++ && !strcmp(argv[i], "features"))
			goto print; /* takes nothing */
	}
	/* "--color=al": the value, after the lead "--color=" */
	if (!value_of && !strncmp(word, "--", 2) && (eq = strchr(word, '='))) {
		for (i = 0; opts[i].name; i++)
			if ((size_t)(eq - word - 2) == strlen(opts[i].name) &&
			    !strncmp(word + 2, opts[i].name, eq - word - 2))
				value_of = opts[i].name;
		if (!value_of)
			goto print;
		o.lead = word;
		o.lead_len = eq + 1 - word;
		word = eq + 1;
	}
	if (value_of) {
		if (!strcmp(value_of, "output") || !strcmp(value_of, "btf") ||
		    !strcmp(value_of, "cgroup")) {
			/* the shell completes file names, after its own lead */
			puts("@file");
			goto out;
		} else if (!strcmp(value_of, "color"))
			put_matching(colors, word, &o);
		else if (!strcmp(value_of, "backend"))
			put_matching(backends, word, &o);
		else if (!strcmp(value_of, "count-by"))
			put_matching(count_keys, word, &o);
		/* -x takes function names (globs); other values are numbers */
		funcs = !strcmp(value_of, "exclude");
		if (!funcs)
			goto print;
	} else if (word[0] == '-') {
		char name[64];

		for (i = 0; opts[i].name; i++) {
			snprintf(name, sizeof(name), "--%s", opts[i].name);
			if (!strncmp(name, word, strlen(word)))
				put(name, &o);
		}
		goto print;
	} else if (!after_word) {
		put_matching(commands, word, &o);
	}
	/* "--count-by c": its optional value, or the SPEC that follows */
	if (!value_of && argc >= 2 && !strcmp(argv[argc - 2], "--count-by"))
		put_matching(count_keys, word, &o);
	/* Function names never hold glob characters: a glob is not completed. */
	if (strpbrk(word, "*?[\\"))
		goto print;
	err = kbtf_load(&k, NULL);
	if (err)
		goto out;
	paren = strchr(word, '(');
	if (paren) {
		const struct kfunc *kf = items_func(&k, word, paren - word);

		item = current_item(paren + 1);
		if (!kf || !item)
			goto print;
		err = resolve_complete(&k, kf, item, put, &o);
		o.lead = word;
		o.lead_len = err < 0 ? 0 : item + err - word;
		err = 0;
	} else {
		const char *colon = strchr(word, ':');
		char module[256], glob[256];

		if (colon && (size_t)(colon - word) < sizeof(module)) {
			snprintf(module, sizeof(module), "%.*s", (int)(colon - word), word);
			o.lead = word;
			o.lead_len = colon + 1 - word;
			word = colon + 1;
			kbtf_load_modules(&k);
		}
		snprintf(glob, sizeof(glob), "%s*", word);
		kbtf_for_each_func(&k, colon ? module : NULL, glob, put_func, &o);
	}
print:
	for (p = sb_str(&o.sb); *p; p = nl + 1) {
		nl = strchr(p, '\n');
		printf("%.*s%.*s\n", o.lead_len, o.lead, (int)(nl - p), p);
	}
out:
	sb_free(&o.sb);
	kbtf_free(&k);
	return err ? 1 : 0;
}
