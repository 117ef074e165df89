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

int cmd_complete(int argc, char **argv, const struct option *opts, const char *const *commands)
{
	struct out o = {.lead = ""};
	const char *word, *paren, *item, *p, *nl;
	bool with_commands = false;
	struct kbtf k = {};
	int err = 0, i;

	if (argc > 0 && !strcmp(argv[0], "--commands")) {
		with_commands = true;
		argc--;
		argv++;
	}
	word = argc > 0 ? argv[0] : "";
	sb_init(&o.sb);
	if (word[0] == '-') {
		char name[64];

		for (i = 0; opts[i].name; i++) {
			snprintf(name, sizeof(name), "--%s", opts[i].name);
			if (!strncmp(name, word, strlen(word)))
				put(name, &o);
		}
		goto print;
	}
	for (i = 0; with_commands && commands[i]; i++)
		if (!strncmp(commands[i], word, strlen(word)))
			put(commands[i], &o);
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
		/* Candidates are whole words: WORD up to the name being completed, then it. */
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
