// SPDX-License-Identifier: GPL-2.0
/*
 * Resolve stage, expressions: each access of "skb->sk->__sk_common.skc_dport",
 * "ptr[2]" or "*pp" matched against the kernel's types (resolve.h says how),
 * and for a member that is not there, the member most likely meant.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "resolve_int.h"

#define MAX_SUGGEST 5

struct suggest {
	const char *name;
	int limit;
	struct kbtf_near *best; /* sorted, n of MAX_SUGGEST */
	int n;
};

/*
 * Keep in @best the members closest to @name: by edit distance, so that a
 * typo ("skc_dprt") ranks its intended member first, then members containing
 * @name ("dport" -> "skc_dport").
 */
static void suggest_member(const char *mname, void *ctx)
{
	struct suggest *s = ctx;
	int d = kbtf_edit_distance(s->name, mname, s->limit);

	/* ties keep the struct's order */
	if (d <= s->limit || (strlen(s->name) >= 3 && strstr(mname, s->name)))
		s->n = kbtf_near_add(s->best, s->n, MAX_SUGGEST, mname, d);
}

/* "sk_state" and "skc_state" name the same thing in different structs. */
static bool same_after_prefix(const char *a, const char *b)
{
	const char *x = strchr(a, '_'), *y = strchr(b, '_');

	return x && y && x != a && y != b && x[1] && !strcmp(x, y);
}

/*
 * Find @name in a struct or union member of @id (not through pointers: it is
 * reached with '.'), at most @depth levels down, and append its path from @id
 * to @path ("__sk_common.skc_dport"). With @by_prefix, a member whose name
 * differs from @name only before its first '_' matches: struct sock's
 * "sk_state" is a macro for "__sk_common.skc_state", which BTF does not know.
 */
static bool find_nested(const struct btf *btf, __u32 id, const char *name, bool by_prefix,
			int depth, struct strbuf *path)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	size_t len = path->len;
	int i, pass;

	if (!t || !btf_is_composite(t) || depth < 0)
		return false;
	/* this struct's own members (anonymous ones searched through) first, then deeper */
	for (pass = 0; pass < 2; pass++) {
		m = btf_members(t);
		for (i = 0; i < btf_vlen(t); i++, m++) {
			const char *mname = btf__name_by_offset(btf, m->name_off);
			__u32 mid = btfx_skip_id(btf, m->type, true);

			if (!mname || !*mname) {
				if (find_nested(btf, mid, name, by_prefix, pass ? depth : 0, path))
					return true;
				continue;
			}
			if (!pass) {
				if (by_prefix ? same_after_prefix(mname, name) :
						btfx_names_match(mname, name)) {
					sb_puts(path, mname);
					return true;
				}
				continue;
			}
			sb_printf(path, "%s.", mname);
			if (find_nested(btf, mid, name, by_prefix, depth - 1, path))
				return true;
			path->len = len;
			if (path->buf)
				path->buf[len] = '\0';
		}
	}
	return false;
}

/*
 * @name is not a member of @id, reached by @what (the expression before it)
 * and @op ("->" or "."): the member it most likely meant, as a full path when
 * it sits in a member struct ("sk->__sk_common.skc_dport"), else near names.
 */
static void member_hint(const struct btf *btf, __u32 id, const char *what, const char *op,
			const char *name, struct strbuf *sb)
{
	struct kbtf_near best[MAX_SUGGEST];
	struct suggest sg = {.name = name, .limit = strlen(name) / 3 + 1, .best = best};
	struct strbuf path;
	int i;

	sb_init(&path);
	if (find_nested(btf, id, name, false, 3, &path) ||
	    find_nested(btf, id, name, true, 3, &path)) {
		sb_printf(sb, "did you mean '%s%s%s'?", what, op, sb_str(&path));
		sb_free(&path);
		return;
	}
	sb_free(&path);
	if (sg.limit > 4)
		sg.limit = 4;
	btfx_for_each_member(btf, id, suggest_member, &sg);
	if (!sg.n) {
		sb_puts(sb, "'ksnoop info -v FUNC' shows the types involved");
		return;
	}
	sb_puts(sb, "did you mean: ");
	for (i = 0; i < sg.n; i++)
		sb_printf(sb, "%s%s", i ? ", " : "", best[i].name);
	sb_putc(sb, '?');
}

int res_synth_local(struct btf *local, const struct expr *e, const char *label, __u32 *root)
{
	char name[64];
	int any, cur, i, s;

	snprintf(name, sizeof(name), "__ksnoop_any");
	any = btf__find_by_name_kind(local, name, BTF_KIND_INT);
	if (any < 0)
		any = btf__add_int(local, name, 8, 0);
	if (any < 0)
		return any;
	cur = any;
	for (i = 0; i < e->nstars; i++) {
		cur = btf__add_ptr(local, cur);
		if (cur < 0)
			return cur;
	}
	for (i = e->nsteps - 1; i >= 0; i--) {
		const struct step *st = &e->steps[i];

		switch (st->kind) {
		case STEP_INDEX: {
			int idx = btf__find_by_name_kind(local, "__ksnoop_index", BTF_KIND_INT);

			if (idx < 0)
				idx = btf__add_int(local, "__ksnoop_index", 4, 0);
			if (idx < 0)
				return idx;
			cur = btf__add_array(local, idx, cur, (__u32)st->index + 1);
			break;
		}
		case STEP_ARROW:
		case STEP_DOT:
			snprintf(name, sizeof(name), "%.40s__l%d", label, i);
			s = btf__add_struct(local, name, 8);
			if (s < 0)
				return s;
			if (btf__add_field(local, st->name, cur, 0, 0))
				return -EINVAL;
			cur = st->kind == STEP_ARROW ? btf__add_ptr(local, s) : s;
			break;
		}
		if (cur < 0)
			return cur;
	}
	*root = cur;
	return 0;
}

/* Text of the expression up to (not including) step @n, for messages. */
static void expr_prefix(const struct expr *e, int n, struct strbuf *sb)
{
	int i;

	sb_reset(sb);
	sb_puts(sb, e->base);
	for (i = 0; i < n && i < e->nsteps; i++) {
		const struct step *st = &e->steps[i];

		if (st->kind == STEP_INDEX)
			sb_printf(sb, "[%lld]", (long long)st->index);
		else
			sb_printf(sb, "%s%s", st->kind == STEP_ARROW ? "->" : ".", st->name);
	}
}

/* One access being matched: the local type expected, the kernel type found. */
struct access {
	const struct btf *kb, *local;
	struct loc *l;
	struct resolve_err *err;
	__u32 lid, kid; /* the local type; the kernel type, modifiers skipped */
	const struct btf_type *lt, *kt;
	struct strbuf what; /* the expression so far, for messages */
	struct strbuf tn;   /* a type's name, for messages */
	struct strbuf hint;
};

/* '->': the kernel value must be a pointer to a struct or union; follow it. */
static int match_arrow(struct access *a, const struct step *st)
{
	const struct btf_type *pt;
	__u32 pid;
	int ret;

	if (!btf_is_ptr(a->kt))
		return res_err(a->err, -EINVAL,
			       btf_is_composite(a->kt) ? "use '.' instead of '->'" : NULL,
			       "'%s' is '%s', not a pointer: cannot use '->%s'", sb_str(&a->what),
			       res_type_str(a->kb, a->l->type, &a->tn), st->name);
	pid = btfx_skip_id(a->kb, a->kt->type, true);
	pt = btf__type_by_id(a->kb, pid);
	if (!pt || !btf_is_composite(pt))
		/* void * has no type to follow; anything else has no members. */
		return res_err(
			a->err, -EINVAL,
			!pid ? "a void pointer has no type to follow: trace a function that receives it typed" :
			       "'->' reads a member of the struct or union a pointer points to",
			"'%s' is '%s', not a pointer to a struct or union: cannot use '->%s'",
			sb_str(&a->what), res_type_str(a->kb, a->l->type, &a->tn), st->name);
	ret = res_loc_load(a->l, sb_str(&a->what), a->err);
	if (ret)
		return ret;
	a->l->type = pid;
	a->kid = pid;
	a->kt = pt;
	a->lt = btf__type_by_id(a->local, a->lt->type);
	return 0;
}

/* '.' (or the member after '->'): find the member in the kernel's struct. */
static int match_member(struct access *a, const struct step *st)
{
	const struct btf_member *lm = btf_members(a->lt);
	const char *name = btf__name_by_offset(a->local, lm->name_off);
	struct btfx_member m;

	if (!btf_is_composite(a->kt))
		return res_err(a->err, -EINVAL, NULL,
			       "'%s' is '%s', not a struct or union: it has no member '%s'",
			       sb_str(&a->what), res_type_str(a->kb, a->l->type, &a->tn), name);
	if (!a->l->in_mem)
		return res_err(a->err, -EOPNOTSUPP, NULL,
			       "'%s' is a struct passed in registers: members of it cannot be read",
			       sb_str(&a->what));
	if (!btfx_find_member(a->kb, a->kid, name, &m)) {
		member_hint(a->kb, a->kid, sb_str(&a->what), st->kind == STEP_ARROW ? "->" : ".",
			    name, &a->hint);
		/* -ESRCH: unlike -ENOENT, not "no such argument" */
		return res_err(a->err, -ESRCH, sb_str(&a->hint), "'%s' has no member '%s'",
			       res_type_str(a->kb, a->kid, &a->tn), name);
	}
	a->l->off += m.bit_off / 8;
	if (m.bit_size) {
		a->l->bit_off = m.bit_off % 8;
		a->l->bit_size = m.bit_size;
	}
	a->l->type = m.type;
	a->lid = lm->type;
	return 0;
}

/* '[N]': an element of an array in place, or of what a pointer points to. */
static int match_index(struct access *a)
{
	const struct btf_array *la = btf_array(a->lt);
	__u64 idx = la->nelems - 1;
	struct loc *l = a->l;
	__s64 esz;
	int ret;

	if (btf_is_array(a->kt)) {
		const struct btf_array *ka = btf_array(a->kt);

		if (idx >= ka->nelems)
			return res_err(a->err, -ERANGE, NULL,
				       "index %llu is out of range for '%s' ('%s', %u elements)",
				       (unsigned long long)idx, sb_str(&a->what),
				       res_type_str(a->kb, l->type, &a->tn), ka->nelems);
		if (!l->in_mem)
			return res_err(a->err, -EOPNOTSUPP, NULL,
				       "'%s' is an array in registers: cannot index it",
				       sb_str(&a->what));
		esz = btf__resolve_size(a->kb, ka->type);
		l->type = ka->type;
	} else if (btf_is_ptr(a->kt)) {
		esz = btf__resolve_size(a->kb, a->kt->type);
		ret = res_loc_load(l, sb_str(&a->what), a->err);
		if (ret)
			return ret;
		l->type = a->kt->type;
	} else {
		return res_err(a->err, -EINVAL, "'[N]' indexes an array or a pointer",
			       "'%s' is '%s', not an array or pointer: cannot index it",
			       sb_str(&a->what), res_type_str(a->kb, l->type, &a->tn));
	}
	if (esz <= 0)
		return res_err(a->err, -EINVAL, NULL,
			       "'%s' points to elements of unknown size: cannot index it",
			       sb_str(&a->what));
	if (idx * esz > 0x7fffffff)
		return res_err(a->err, -ERANGE, NULL, "index %llu of '%s' is too large",
			       (unsigned long long)idx, sb_str(&a->what));
	l->off += idx * esz;
	a->lid = la->type;
	return 0;
}

/* Step @i of @e: the kernel's type must allow what the local type expects. */
static int match_step(struct access *a, const struct expr *e, int i)
{
	const struct step *st = &e->steps[i];
	int ret;

	a->lt = btf__type_by_id(a->local, a->lid);
	a->kid = btfx_skip_id(a->kb, a->l->type, true);
	a->kt = btf__type_by_id(a->kb, a->kid);
	expr_prefix(e, i, &a->what);
	if (a->l->bit_size)
		return res_err(a->err, -EINVAL, NULL, "'%s' is a bitfield: it has no members",
			       sb_str(&a->what));
	if (btf_is_ptr(a->lt)) {
		/* '->': local expects a pointer to a struct */
		ret = match_arrow(a, st);
		if (ret)
			return ret;
	} else if (btf_is_composite(a->lt) && btf_is_ptr(a->kt)) {
		return res_err(a->err, -EINVAL, "use '->' instead of '.'",
			       "'%s' is a pointer ('%s'): cannot use '.%s'", sb_str(&a->what),
			       res_type_str(a->kb, a->l->type, &a->tn), st->name);
	}
	if (btf_is_composite(a->lt))
		return match_member(a, st);
	if (btf_is_array(a->lt))
		return match_index(a);
	return 0;
}

/* Leading '*'s: each dereferences a pointer. */
static int match_stars(struct access *a, const struct expr *e)
{
	struct loc *l = a->l;
	int i, ret = 0;

	for (i = 0; i < e->nstars && !ret; i++) {
		__u32 kid = btfx_skip_id(a->kb, l->type, true);
		const struct btf_type *kt = btf__type_by_id(a->kb, kid);

		sb_reset(&a->what);
		sb_printf(&a->what, "%.*s", i, "********");
		expr_prefix(e, e->nsteps, &a->hint);
		sb_puts(&a->what, sb_str(&a->hint));
		sb_reset(&a->hint);
		if (!btf_is_ptr(kt) && i) {
			/* "**skb": the struct itself is one '*' away */
			sb_printf(&a->hint,
				  "'%s' is the %s; one '*' reads what a pointer points to",
				  sb_str(&a->what), res_type_str(a->kb, l->type, &a->tn));
			return res_err(a->err, -EINVAL, sb_str(&a->hint),
				       "'%s' is '%s', not a pointer: cannot use '*' again",
				       sb_str(&a->what), sb_str(&a->tn));
		}
		if (!btf_is_ptr(kt))
			return res_err(a->err, -EINVAL, NULL,
				       "'%s' is '%s', not a pointer: cannot use '*'",
				       sb_str(&a->what), res_type_str(a->kb, l->type, &a->tn));
		if (!btfx_skip_id(a->kb, kt->type, true))
			return res_err(a->err, -EINVAL, NULL,
				       "'%s' is a void pointer: cannot use '*'", sb_str(&a->what));
		ret = res_loc_load(l, sb_str(&a->what), a->err);
		l->type = kt->type;
	}
	return ret;
}

/*
 * This is CO-RE's field relocation done by hand, because the result feeds our
 * plan rather than instructions.
 */
int res_match_access(const struct btf *kb, const struct btf *local, __u32 lid, const struct expr *e,
		     struct loc *l, struct resolve_err *err)
{
	struct access a = {.kb = kb, .local = local, .l = l, .err = err, .lid = lid};
	int i, ret = 0;

	sb_init(&a.what);
	sb_init(&a.tn);
	sb_init(&a.hint);
	for (i = 0; i < e->nsteps && !ret; i++)
		ret = match_step(&a, e, i);
	if (!ret)
		ret = match_stars(&a, e);
	sb_free(&a.what);
	sb_free(&a.tn);
	sb_free(&a.hint);
	return ret;
}
