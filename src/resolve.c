// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "log.h"
#include "pattern.h"
#include "resolve.h"

#define MAX_ANON_DEPTH 16

static void sb_vprint_cb(void *ctx, const char *fmt, va_list args)
{
	sb_vprintf(ctx, fmt, args);
}

/*
 * A btf_dump that has printed one type named "foo" prints a second, different
 * type of that name as "foo___2" (vmlinux has a few: two typedefs u8). Such a
 * name in what @out got since @start is printed again by a fresh dumper.
 */
static bool renamed(const struct strbuf *out, size_t start)
{
	const char *p = out->buf ? out->buf + start : NULL;

	while (p && (p = strstr(p, "___"))) {
		p += 3;
		if (*p >= '0' && *p <= '9')
			return true;
	}
	return false;
}

void type_decl(const struct btf *btf, __u32 id, const char *name, struct strbuf *out)
{
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = name ? name : "");
	struct strbuf **sink;
	struct btf_dump *d = kbtf_dumper(btf, &sink), *own = NULL;
	size_t start = out->len;

	if (d) {
		*sink = out;
		if (!btf_dump__emit_type_decl(d, id, &opts) && !renamed(out, start))
			return;
		/* again, with a dumper that has seen no other name */
		out->len = start;
		if (out->buf)
			out->buf[start] = '\0';
	}
	own = btf_dump__new(btf, sb_vprint_cb, out, NULL);
	if (!own || btf_dump__emit_type_decl(own, id, &opts))
		sb_printf(out, "<type %u>", id);
	btf_dump__free(own);
}

static const char *type_str(const struct btf *btf, __u32 id, struct strbuf *sb)
{
	sb_reset(sb);
	type_decl(btf, id, NULL, sb);
	return sb_str(sb);
}

int func_prototype(const struct btf *btf, __u32 func_id, struct strbuf *out)
{
	const struct btf_type *fn = btf__type_by_id(btf, func_id), *proto;
	const struct btf_param *p;
	int i, n;

	if (!fn || !btf_is_func(fn))
		return -EINVAL;
	proto = btf__type_by_id(btf, fn->type);
	if (!proto || !btf_is_func_proto(proto))
		return -EINVAL;
	type_decl(btf, proto->type, btf__name_by_offset(btf, fn->name_off), out);
	sb_putc(out, '(');
	n = btf_vlen(proto);
	p = btf_params(proto);
	for (i = 0; i < n; i++) {
		if (i)
			sb_puts(out, ", ");
		if (!p[i].type) {
			sb_puts(out, "...");
			continue;
		}
		type_decl(btf, p[i].type, btf__name_by_offset(btf, p[i].name_off), out);
	}
	if (!n)
		sb_puts(out, "void");
	sb_putc(out, ')');
	return 0;
}

static int set_err(struct resolve_err *err, int code, const char *hint, const char *fmt, ...)
	__printf(4, 5);
static int set_err(struct resolve_err *err, int code, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	snprintf(err->hint, sizeof(err->hint), "%s", hint ? hint : "");
	err->code = code;
	return code;
}

/* CO-RE name matching: "foo___v2" matches "foo". */
static size_t essential_len(const char *name)
{
	const char *p = strstr(name, "___");

	return p ? (size_t)(p - name) : strlen(name);
}

static bool names_match(const char *a, const char *b)
{
	size_t la = essential_len(a), lb = essential_len(b);

	return la == lb && !strncmp(a, b, la);
}

/*
 * Find member @name in struct/union @id, searching anonymous members as C
 * does. On success *bit_off is the member's offset in bits from the start of
 * @id, *mtype its type and *bitfield_size its width (0 if not a bitfield).
 */
static bool find_member(const struct btf *btf, __u32 id, const char *name, int depth,
			__u32 *bit_off, __u32 *mtype, __u32 *bitfield_size)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	int i, n;

	if (!t || !btf_is_composite(t) || depth > MAX_ANON_DEPTH)
		return false;
	m = btf_members(t);
	n = btf_vlen(t);
	for (i = 0; i < n; i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		__u32 moff = btf_member_bit_offset(t, i);

		if (mname && *mname) {
			if (!names_match(mname, name))
				continue;
			*bit_off = moff;
			*mtype = m->type;
			*bitfield_size = btf_member_bitfield_size(t, i);
			return true;
		}
		/* anonymous struct/union: its members belong to us */
		if (find_member(btf, kbtf_skip_mods(btf, m->type, true), name, depth + 1, bit_off,
				mtype, bitfield_size)) {
			*bit_off += moff;
			return true;
		}
	}
	return false;
}

#define MAX_SUGGEST 5

struct near_name {
	const char *name;
	int dist;
};

/*
 * Call @cb with each member name of struct/union @id, through anonymous
 * members as C sees them, in declaration order.
 */
static void for_each_member(const struct btf *btf, __u32 id, int depth,
			    void (*cb)(const char *name, void *ctx), void *ctx)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	int i;

	if (!t || !btf_is_composite(t) || depth > MAX_ANON_DEPTH)
		return;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);

		if (mname && *mname)
			cb(mname, ctx);
		else
			for_each_member(btf, kbtf_skip_mods(btf, m->type, true), depth + 1, cb,
					ctx);
	}
}

struct suggest {
	const char *name;
	int limit;
	struct near_name *best; /* sorted, *n of MAX_SUGGEST */
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
	int j, d;

	d = kbtf_edit_distance(s->name, mname, s->limit);
	if (d > s->limit && !(strlen(s->name) >= 3 && strstr(mname, s->name)))
		return;
	/* insert after equals, so that ties keep the struct's order */
	for (j = s->n; j > 0 && s->best[j - 1].dist > d; j--)
		if (j < MAX_SUGGEST)
			s->best[j] = s->best[j - 1];
	if (j < MAX_SUGGEST) {
		s->best[j] = (struct near_name){mname, d};
		if (s->n < MAX_SUGGEST)
			s->n++;
	}
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
			__u32 mid = kbtf_skip_mods(btf, m->type, true);

			if (!mname || !*mname) {
				if (find_nested(btf, mid, name, by_prefix, pass ? depth : 0, path))
					return true;
				continue;
			}
			if (!pass) {
				if (by_prefix ? same_after_prefix(mname, name) :
						names_match(mname, name)) {
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
	struct near_name best[MAX_SUGGEST];
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
	for_each_member(btf, id, 0, suggest_member, &sg);
	if (!sg.n) {
		sb_puts(sb, "'ksnoop info -v FUNC' shows the types involved");
		return;
	}
	sb_puts(sb, "did you mean: ");
	for (i = 0; i < sg.n; i++)
		sb_printf(sb, "%s%s", i ? ", " : "", best[i].name);
	sb_putc(sb, '?');
}

/* Where the value being resolved lives, as the BPF program will reach it. */
struct loc {
	bool in_mem; /* at v + off; else v itself (a register) */
	__u32 off;
	int nsteps;
	__u32 steps[KSNOOP_MAX_STEPS];
	__u32 type; /* kernel BTF type of the value (modifiers kept) */
	__u32 bit_off, bit_size;
};

/* Turn "value is at v + off" into "v = *(v + off)": the value was a pointer. */
static int loc_load(struct loc *l, const char *expr, struct resolve_err *err)
{
	if (!l->in_mem) {
		l->in_mem = true; /* v already is the pointer */
		l->off = 0;
		return 0;
	}
	if (l->nsteps >= KSNOOP_MAX_STEPS)
		return set_err(err, -E2BIG, NULL,
			       "'%s' follows more than %d pointers (the plan's limit)", expr,
			       KSNOOP_MAX_STEPS);
	l->steps[l->nsteps++] = l->off;
	l->off = 0;
	return 0;
}

/* Build the local BTF an expression expects: innermost "any", wrapped outwards. */
static int synth_local(struct btf *local, const struct expr *e, const char *label, __u32 *root)
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

/*
 * Walk local type @lid (from synth_local) against kernel type l->type, one
 * access at a time, updating the location. This is CO-RE's field relocation
 * done by hand, because the result feeds our plan rather than instructions.
 */
static int match_access(const struct btf *kb, const struct btf *local, __u32 lid,
			const struct expr *e, struct loc *l, struct resolve_err *err)
{
	struct strbuf what, tn, hint;
	int i, ret = 0;

	sb_init(&what);
	sb_init(&tn);
	sb_init(&hint);
	for (i = 0; i < e->nsteps && !ret; i++) {
		const struct step *st = &e->steps[i];
		const struct btf_type *lt = btf__type_by_id(local, lid);
		__u32 kid = kbtf_skip_mods(kb, l->type, true);
		const struct btf_type *kt = btf__type_by_id(kb, kid);

		expr_prefix(e, i, &what);
		if (l->bit_size) {
			ret = set_err(err, -EINVAL, NULL, "'%s' is a bitfield: it has no members",
				      sb_str(&what));
			break;
		}
		if (btf_is_ptr(lt)) {
			/* '->': local expects a pointer to a struct */
			__u32 pid;
			const struct btf_type *pt;

			if (!btf_is_ptr(kt)) {
				ret = set_err(err, -EINVAL,
					      btf_is_composite(kt) ? "use '.' instead of '->'" :
								     NULL,
					      "'%s' is '%s', not a pointer: cannot use '->%s'",
					      sb_str(&what), type_str(kb, l->type, &tn), st->name);
				break;
			}
			pid = kbtf_skip_mods(kb, kt->type, true);
			pt = btf__type_by_id(kb, pid);
			if (!pt || !btf_is_composite(pt)) {
				/* void * has no type to follow; anything else has no members. */
				ret = set_err(
					err, -EINVAL,
					!pid ? "a void pointer has no type to follow: trace a function that receives it typed" :
					       "'->' reads a member of the struct or union a pointer points to",
					"'%s' is '%s', not a pointer to a struct or union: cannot use '->%s'",
					sb_str(&what), type_str(kb, l->type, &tn), st->name);
				break;
			}
			ret = loc_load(l, sb_str(&what), err);
			if (ret)
				break;
			l->type = pid;
			kid = pid;
			kt = pt;
			lt = btf__type_by_id(local, lt->type);
		} else if (btf_is_composite(lt) && btf_is_ptr(kt)) {
			ret = set_err(err, -EINVAL, "use '->' instead of '.'",
				      "'%s' is a pointer ('%s'): cannot use '.%s'", sb_str(&what),
				      type_str(kb, l->type, &tn), st->name);
			break;
		}

		if (btf_is_composite(lt)) {
			const struct btf_member *lm = btf_members(lt);
			const char *name = btf__name_by_offset(local, lm->name_off);
			__u32 boff, mtype, bsz;

			if (!btf_is_composite(kt)) {
				ret = set_err(
					err, -EINVAL, NULL,
					"'%s' is '%s', not a struct or union: it has no member '%s'",
					sb_str(&what), type_str(kb, l->type, &tn), name);
				break;
			}
			if (!l->in_mem) {
				ret = set_err(
					err, -EOPNOTSUPP, NULL,
					"'%s' is a struct passed in registers: members of it cannot be read",
					sb_str(&what));
				break;
			}
			if (!find_member(kb, kid, name, 0, &boff, &mtype, &bsz)) {
				member_hint(kb, kid, sb_str(&what),
					    st->kind == STEP_ARROW ? "->" : ".", name, &hint);
				/* -ESRCH: unlike -ENOENT, not "no such argument" */
				ret = set_err(err, -ESRCH, sb_str(&hint), "'%s' has no member '%s'",
					      type_str(kb, kid, &tn), name);
				break;
			}
			if (bsz) {
				l->off += boff / 8;
				l->bit_off = boff % 8;
				l->bit_size = bsz;
			} else {
				l->off += boff / 8;
			}
			l->type = mtype;
			lid = lm->type;
		} else if (btf_is_array(lt)) {
			const struct btf_array *la = btf_array(lt);
			__u64 idx = la->nelems - 1;
			__s64 esz;

			if (btf_is_array(kt)) {
				const struct btf_array *ka = btf_array(kt);

				if (idx >= ka->nelems) {
					ret = set_err(
						err, -ERANGE, NULL,
						"index %llu is out of range for '%s' ('%s', %u elements)",
						(unsigned long long)idx, sb_str(&what),
						type_str(kb, l->type, &tn), ka->nelems);
					break;
				}
				if (!l->in_mem) {
					ret = set_err(
						err, -EOPNOTSUPP, NULL,
						"'%s' is an array in registers: cannot index it",
						sb_str(&what));
					break;
				}
				esz = btf__resolve_size(kb, ka->type);
				l->type = ka->type;
			} else if (btf_is_ptr(kt)) {
				esz = btf__resolve_size(kb, kt->type);
				ret = loc_load(l, sb_str(&what), err);
				if (ret)
					break;
				l->type = kt->type;
			} else {
				ret = set_err(
					err, -EINVAL, "'[N]' indexes an array or a pointer",
					"'%s' is '%s', not an array or pointer: cannot index it",
					sb_str(&what), type_str(kb, l->type, &tn));
				break;
			}
			if (esz <= 0) {
				ret = set_err(
					err, -EINVAL, NULL,
					"'%s' points to elements of unknown size: cannot index it",
					sb_str(&what));
				break;
			}
			if (idx * esz > 0x7fffffff) {
				ret = set_err(err, -ERANGE, NULL, "index %llu of '%s' is too large",
					      (unsigned long long)idx, sb_str(&what));
				break;
			}
			l->off += idx * esz;
			lid = la->type;
		}
	}
	/* Leading '*'s: each dereferences a pointer. */
	for (i = 0; i < e->nstars && !ret; i++) {
		__u32 kid = kbtf_skip_mods(kb, l->type, true);
		const struct btf_type *kt = btf__type_by_id(kb, kid);

		sb_reset(&what);
		sb_printf(&what, "%.*s", i, "********");
		expr_prefix(e, e->nsteps, &hint);
		sb_puts(&what, sb_str(&hint));
		sb_reset(&hint);
		if (!btf_is_ptr(kt) && i) {
			/* "**skb": the struct itself is one '*' away */
			sb_printf(&hint, "'%s' is the %s; one '*' reads what a pointer points to",
				  sb_str(&what), type_str(kb, l->type, &tn));
			ret = set_err(err, -EINVAL, sb_str(&hint),
				      "'%s' is '%s', not a pointer: cannot use '*' again",
				      sb_str(&what), sb_str(&tn));
			break;
		}
		if (!btf_is_ptr(kt)) {
			ret = set_err(err, -EINVAL, NULL,
				      "'%s' is '%s', not a pointer: cannot use '*'", sb_str(&what),
				      type_str(kb, l->type, &tn));
			break;
		}
		if (!kbtf_skip_mods(kb, kt->type, true)) {
			ret = set_err(err, -EINVAL, NULL, "'%s' is a void pointer: cannot use '*'",
				      sb_str(&what));
			break;
		}
		ret = loc_load(l, sb_str(&what), err);
		l->type = kt->type;
	}
	sb_free(&what);
	sb_free(&tn);
	sb_free(&hint);
	return ret;
}

static bool is_char(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, kbtf_skip_mods(btf, id, true));

	return t && btf_is_int(t) && t->size == 1 &&
	       ((btf_int_encoding(t) & BTF_INT_CHAR) ||
		!strcmp(btf__name_by_offset(btf, t->name_off), "char"));
}

/* A 1-byte integer (char, unsigned char, u8, ...): what ':str' may point to. */
static bool is_byte(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, kbtf_skip_mods(btf, id, true));

	return t && btf_is_int(t) && t->size == 1 && !(btf_int_encoding(t) & BTF_INT_BOOL);
}

/* char[N] (or an array of another 1-byte char type): a string predicate's subject. */
static bool is_char_array(const struct btf *btf, const struct btf_type *t)
{
	return t && btf_is_array(t) && is_char(btf, btf_array(t)->type);
}

/*
 * Whether the predicate of @src compares strings, or an error when the
 * operand's kind (string, integer) does not fit the value's type @kt.
 */
static int string_pred(const struct btf *kb, const struct item *src, const struct loc *l,
		       const struct btf_type *kt, bool *is_str, struct resolve_err *err)
{
	bool ptr_str =
		btf_is_ptr(kt) && (is_char(kb, kt->type) || (src->as_str && is_byte(kb, kt->type)));
	struct strbuf tn;
	int ret = 0;

	sb_init(&tn);
	*is_str = src->val.kind == PVAL_STR;
	if (*is_str && !ptr_str && !is_char_array(kb, kt))
		ret = set_err(err, -EINVAL, "string predicates work on char * and char[N] values",
			      "cannot compare '%s' (%s) with the string \"%s\"", src->expr_text,
			      type_str(kb, l->type, &tn), src->val.str);
	else if (!*is_str && is_char_array(kb, kt))
		ret = set_err(err, -EINVAL,
			      "compare it with a double-quoted string, e.g. == \"eth0\"",
			      "cannot compare '%s' (%s, a string) with an integer", src->expr_text,
			      type_str(kb, l->type, &tn));
	sb_free(&tn);
	return ret;
}

/* Fill a plan item and the printing info from a resolved location. */
static int finish_item(const struct btf *kb, bool vmlinux, const struct item *src,
		       const struct resolve_opts *opts, struct loc *l, struct ksnoop_item *it,
		       struct titem *ti, struct resolve_err *err)
{
	__u32 kid = kbtf_skip_mods(kb, l->type, true);
	const struct btf_type *kt = btf__type_by_id(kb, kid);
	const char *label = ti->label;
	bool str_pred = false;
	struct strbuf tn;
	__s64 size;
	int ret = 0;

	sb_init(&tn);
	ti->expr_type_id = l->type;
	ti->type_id = l->type;
	ti->kind = VAL_SCALAR;

	if (src && src->op != KSNOOP_OP_NONE) {
		ret = string_pred(kb, src, l, kt, &str_pred, err);
		if (ret)
			goto out;
	}
	if (str_pred && btf_is_ptr(kt)) {
		/* The string the pointer points to, compared in the kernel. */
		goto str;
	} else if (str_pred) {
		/* char[N]: its N bytes, compared in the kernel up to a NUL. */
	} else if (src && src->op != KSNOOP_OP_NONE) {
		/* Predicates compare integers, enums or pointers as read. */
		if (!btf_is_int(kt) && !btf_is_any_enum(kt) && !btf_is_ptr(kt)) {
			ret = set_err(
				err, -EINVAL, NULL,
				"predicate on '%s' of type '%s': predicates need an integer, enum or pointer",
				src->expr_text, type_str(kb, l->type, &tn));
			goto out;
		}
	} else if (src && src->as_str && !(btf_is_ptr(kt) && is_byte(kb, kt->type))) {
		ret = set_err(err, -EINVAL,
			      "':str' reads the string a char *, unsigned char * or u8 * points to",
			      "'%s' has type '%s', not a pointer to bytes", label,
			      type_str(kb, l->type, &tn));
		goto out;
	} else if (btf_is_ptr(kt) && (is_char(kb, kt->type) || (src && src->as_str))) {
		/* char *, or a pointer to bytes the user says hold a string (d_name.name). */
	str:
		ret = loc_load(l, label, err);
		if (ret)
			goto out;
		ti->kind = VAL_STR;
		it->flags |= KSNOOP_I_STR;
		it->size = opts->string_size ? opts->string_size : 256;
		goto steps;
	} else if (btf_is_ptr(kt)) {
		__u32 pid = kbtf_skip_mods(kb, kt->type, true);
		const struct btf_type *pt = btf__type_by_id(kb, pid);

		if (pt && btf_is_composite(pt) && pt->size) {
			ret = loc_load(l, label, err);
			if (ret)
				goto out;
			ti->kind = VAL_PTR_DEREF;
			ti->type_id = pid;
			l->type = pid;
			kt = pt;
			kid = pid;
		}
	}

	size = btf__resolve_size(kb, l->type);
	if (size <= 0) {
		ret = set_err(err, -EINVAL, NULL, "'%s' has type '%s' of unknown size", label,
			      type_str(kb, l->type, &tn));
		goto out;
	}
	it->size = size > 0xffff ? 0xffff : size;
	if (l->bit_size) {
		/* Read the bytes holding the bitfield; the BPF side shifts and masks. */
		__u32 nbits = l->bit_off + l->bit_size;

		it->size = nbits <= 8 ? 1 : nbits <= 16 ? 2 : nbits <= 32 ? 4 : 8;
		it->bit_off = l->bit_off;
		it->bit_size = l->bit_size;
		ti->kind = VAL_BITFIELD;
	}
	if (l->in_mem) {
		it->flags |= KSNOOP_I_MEM;
	} else if (size > 8) {
		ret = set_err(err, -EOPNOTSUPP, NULL,
			      "'%s' is a %lld-byte value passed in registers: not supported", label,
			      (long long)size);
		goto out;
	}
	if (btf_is_int(kt) && (btf_int_encoding(kt) & BTF_INT_SIGNED))
		it->flags |= KSNOOP_I_SIGNED;
	if (btf_is_any_enum(kt) && btf_kflag(kt))
		it->flags |= KSNOOP_I_SIGNED;
	/* bpf_snprintf_btf knows vmlinux types only, and not bare bitfields. */
	if (opts->kernel_format && vmlinux && !l->bit_size) {
		it->flags |= KSNOOP_I_KFMT;
		it->btf_id = ti->type_id;
	}
steps:
	it->off = l->off;
	it->nsteps = l->nsteps;
	memcpy(it->steps, l->steps, sizeof(it->steps));
out:
	sb_free(&tn);
	return ret;
}

/*
 * A string operand: compiled for the kernel's matcher into @ti->pattern; the
 * loader puts it in the "patterns" map and its index in the item's value.
 */
static int string_operand(const struct item *src, struct ksnoop_item *it, struct titem *ti,
			  struct resolve_err *err)
{
	/* A char * string is read with its NUL into size bytes; a char[N] may fill N. */
	size_t room = it->flags & KSNOOP_I_STR ? it->size - 1u : it->size;
	char why[160];
	size_t at;

	if (src->op != KSNOOP_OP_GLOB && src->val.len > room)
		return set_err(
			err, -ERANGE, it->flags & KSNOOP_I_STR ? "raise --string-size" : NULL,
			"'%s' can never equal the %zu-byte string: it holds at most %zu bytes",
			src->expr_text, src->val.len, room);
	ti->pattern = malloc(sizeof(*ti->pattern));
	if (!ti->pattern)
		return -ENOMEM;
	if (pattern_compile(src->val.str, src->val.len, src->op, ti->pattern, why, sizeof(why),
			    &at))
		return set_err(err, -EINVAL, NULL, "%s", why);
	it->flags |= KSNOOP_I_PRED | KSNOOP_I_SPRED;
	it->op = src->op;
	it->value = 0;
	return 0;
}

/* Predicate operand: integer literal, NULL or enum constant, range-checked. */
static int pred_operand(const struct btf *kb, const struct item *src, const struct loc *l,
			struct ksnoop_item *it, struct resolve_err *err)
{
	const struct pred_value *pv = &src->val;
	__u32 kid = kbtf_skip_mods(kb, l->type, true);
	const struct btf_type *kt = btf__type_by_id(kb, kid);
	bool is_signed = it->flags & KSNOOP_I_SIGNED;
	__u32 bits = l->bit_size ? l->bit_size : it->size * 8;
	char range[128];
	struct strbuf tn;
	__u64 v;
	int ret = 0;

	sb_init(&tn);
	switch (pv->kind) {
	case PVAL_NULL:
		if (!btf_is_ptr(kt)) {
			ret = set_err(err, -EINVAL, NULL,
				      "'%s' is '%s', not a pointer: cannot compare with NULL",
				      src->expr_text, type_str(kb, l->type, &tn));
			goto out;
		}
		v = 0;
		break;
	case PVAL_ENUM: {
		const struct btf_type *et = btf_is_any_enum(kt) ? kt : NULL;
		bool found = false;
		__u32 i, id, n = btf__type_cnt(kb);

		/* The value's own enum first, then any enum of the kernel. */
		for (id = et ? kid : 1; id < n && !found; id = et ? n : id + 1) {
			const struct btf_type *t = btf__type_by_id(kb, id);

			if (!btf_is_any_enum(t))
				continue;
			for (i = 0; i < btf_vlen(t); i++) {
				const char *name;
				__u64 val;

				if (btf_is_enum(t)) {
					name = btf__name_by_offset(kb, btf_enum(t)[i].name_off);
					val = (__u64)(__s64)btf_enum(t)[i].val;
				} else {
					name = btf__name_by_offset(kb, btf_enum64(t)[i].name_off);
					val = btf_enum64_value(&btf_enum64(t)[i]);
				}
				if (!strcmp(name, pv->name)) {
					v = val;
					found = true;
					break;
				}
			}
		}
		if (!found && et) {
			struct strbuf hint;

			sb_init(&hint);
			sb_puts(&hint, "its constants: ");
			for (i = 0; i < btf_vlen(et) && i < 6; i++)
				sb_printf(&hint, "%s%s", i ? ", " : "",
					  btf__name_by_offset(kb,
							      btf_is_enum(et) ?
								      btf_enum(et)[i].name_off :
								      btf_enum64(et)[i].name_off));
			if (btf_vlen(et) > 6)
				sb_puts(&hint, ", ...");
			ret = set_err(err, -ESRCH, sb_str(&hint), "no enum constant '%s' in %s",
				      pv->name, type_str(kb, kid, &tn));
			sb_free(&hint);
			goto out;
		}
		if (!found) {
			ret = set_err(
				err, -ESRCH,
				"compare with an integer (decimal, 0x hex, 0 octal), NULL, or an enum constant",
				"'%s' is not a value for '%s' (%s): not a number and no enum constant",
				pv->name, src->expr_text, type_str(kb, l->type, &tn));
			goto out;
		}
		break;
	}
	default:
		if (pv->neg) {
			if (pv->u > (1ULL << 63)) {
				ret = set_err(err, -ERANGE, NULL, "value -%llu is out of range",
					      (unsigned long long)pv->u);
				goto out;
			}
			v = -pv->u;
		} else {
			v = pv->u;
		}
		break;
	}
	/* What the value can hold, for the hints below. */
	if (bits > 64)
		bits = 64;
	if (is_signed)
		snprintf(range, sizeof(range), "'%s' holds %lld..%lld", src->expr_text,
			 bits == 64 ? (long long)INT64_MIN : -(1LL << (bits - 1)),
			 bits == 64 ? (long long)INT64_MAX : (1LL << (bits - 1)) - 1);
	else
		snprintf(range, sizeof(range), "'%s' holds 0..%llu", src->expr_text,
			 bits == 64 ? (unsigned long long)UINT64_MAX : (1ULL << bits) - 1);
	/* The literal must fit the value's type, or the comparison is meaningless. */
	if (pv->kind == PVAL_INT && bits < 64) {
		bool fits;

		if (is_signed)
			fits = pv->neg ? pv->u <= (1ULL << (bits - 1)) :
					 pv->u <= (1ULL << (bits - 1)) - 1;
		else
			fits = !pv->neg && pv->u <= (1ULL << bits) - 1;
		if (!fits) {
			ret = set_err(err, -ERANGE, range,
				      "value %s%llu is out of range for '%s' (%s)",
				      pv->neg ? "-" : "", (unsigned long long)pv->u, src->expr_text,
				      type_str(kb, l->type, &tn));
			goto out;
		}
	} else if (pv->kind == PVAL_INT && pv->neg && !is_signed) {
		ret = set_err(err, -ERANGE, range, "value -%llu is out of range for '%s' (%s)",
			      (unsigned long long)pv->u, src->expr_text,
			      type_str(kb, l->type, &tn));
		goto out;
	}
	/* An unsigned value is never below 0: "count < 0" would hide every call. */
	if (pv->kind == PVAL_INT && !is_signed && !pv->u &&
	    (src->op == KSNOOP_OP_LT || src->op == KSNOOP_OP_GE)) {
		ret = set_err(err, -ERANGE,
			      src->op == KSNOOP_OP_LT ? "an unsigned value is never negative" :
							"drop the predicate to show every call",
			      "'%s %s 0' is %s: '%s' (%s) is unsigned", src->expr_text,
			      pred_op_str(src->op),
			      src->op == KSNOOP_OP_LT ? "never true" : "always true",
			      src->expr_text, type_str(kb, l->type, &tn));
		goto out;
	}
	it->flags |= KSNOOP_I_PRED;
	it->op = src->op;
	it->value = v;
out:
	sb_free(&tn);
	return ret;
}

static int arg_names(const struct btf *kb, const struct btf_type *proto, struct strbuf *sb)
{
	const struct btf_param *p = btf_params(proto);
	int i;

	for (i = 0; i < btf_vlen(proto); i++)
		sb_printf(sb, "%s%s", i ? ", " : "", btf__name_by_offset(kb, p[i].name_off));
	if (!btf_vlen(proto))
		sb_puts(sb, "none");
	return 0;
}

/* Start a location at argument @name: its register slot and type. */
static int start_arg(const struct btf *kb, const struct tfunc *tf, const char *fname,
		     const char *name, struct loc *l, __u8 *base, struct resolve_err *err)
{
	const struct btf_type *proto = btf__type_by_id(kb, tf->proto_id);
	const struct btf_param *p = btf_params(proto);
	int i, slot = 0;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < btf_vlen(proto); i++) {
		__s64 sz = p[i].type ? btf__resolve_size(kb, p[i].type) : 8;

		if (!strcmp(btf__name_by_offset(kb, p[i].name_off), name)) {
			if (slot >= KSNOOP_MAX_ARGS)
				return set_err(
					err, -E2BIG, NULL,
					"argument '%s' of '%s' is past the %d register slots BPF can read",
					name, fname, KSNOOP_MAX_ARGS);
			*base = slot;
			l->type = p[i].type;
			return 0;
		}
		/* Structs up to 16 bytes passed by value take two slots. */
		slot += sz > 8 ? 2 : 1;
	}
	{
		struct strbuf names;

		sb_init(&names);
		sb_puts(&names, "its arguments: ");
		arg_names(kb, proto, &names);
		set_err(err, -ENOENT, sb_str(&names), "function '%s' has no argument '%s'", fname,
			name);
		sb_free(&names);
	}
	return -ENOENT;
}

static int resolve_item(const struct kbtf *k, struct tfunc *tf, const struct item *src,
			const char *label, bool is_ret, const struct resolve_opts *opts,
			struct resolve_err *err)
{
	const struct btf *kb = tf->kf->btf;
	const struct btf_type *proto = btf__type_by_id(kb, tf->proto_id);
	struct ksnoop_item *it = &tf->plan.items[tf->nitems];
	struct titem *ti = &tf->items[tf->nitems];
	const char *fname = tf->kf->name;
	struct expr plain = {};
	const struct expr *e;
	__u32 root = 0;
	struct loc l;
	int ret;

	memset(it, 0, sizeof(*it));
	memset(ti, 0, sizeof(*ti));
	ti->label = strdup(label);
	if (!ti->label)
		return -ENOMEM;
	tf->nitems++;
	if (src) {
		e = &src->expr;
	} else {
		plain.base = (char *)label;
		plain.is_ret = is_ret;
		e = &plain;
	}

	if (e->is_ret) {
		if (opts->entry_only)
			return set_err(
				err, -EINVAL, "drop --entry to see return values",
				"'%s' reads the return value, which --entry does not wait for",
				label);
		if (tf->returns_void)
			return set_err(err, -EINVAL, NULL,
				       "'%s' returns void: there is no return value to read",
				       fname);
		memset(&l, 0, sizeof(l));
		l.type = proto->type;
		it->base = KSNOOP_BASE_RET;
		ti->is_ret = true;
		tf->has_ret_items = true;
	} else {
		ret = start_arg(kb, tf, fname, e->base, &l, &it->base, err);
		if (ret)
			return ret;
	}

	ret = synth_local(tf->local, e, e->base, &root);
	if (ret)
		return set_err(err, ret, NULL, "cannot build local BTF for '%s'", label);
	ret = match_access(kb, tf->local, root, e, &l, err);
	if (ret)
		return ret;
	ret = finish_item(kb, tf->kf->btf == k->vmlinux, src, opts, &l, it, ti, err);
	if (ret)
		return ret;
	if (src && src->op != KSNOOP_OP_NONE && src->val.kind == PVAL_STR) {
		ret = string_operand(src, it, ti, err);
		if (ret)
			return ret;
	} else if (src && src->op != KSNOOP_OP_NONE) {
		ret = pred_operand(kb, src, &l, it, err);
		if (ret)
			return ret;
	}
	return 0;
}

/* What return type @id says about failures, for --errors (enum ksnoop_ret_kind). */
static void ret_kind(const struct btf *kb, __u32 id, struct ksnoop_plan *plan)
{
	const struct btf_type *t = id ? btf__type_by_id(kb, kbtf_skip_mods(kb, id, true)) : NULL;

	if (t && btf_is_ptr(t)) {
		plan->ret_kind = KSNOOP_RET_PTR;
	} else if (t && btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED) && t->size <= 8) {
		plan->ret_kind = KSNOOP_RET_SIGNED;
		plan->ret_size = t->size;
	}
}

int resolve_func(const struct kbtf *k, const struct kfunc *kf, const struct spec *spec,
		 const struct resolve_opts *opts, struct tfunc *out, struct resolve_err *err)
{
	const struct btf *kb = kf->btf;
	const struct btf_type *fn = btf__type_by_id(kb, kf->id), *proto, *rt;
	const struct btf_param *p;
	int i, ret = 0;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	out->kf = kf;
	out->proto_id = fn->type;
	proto = btf__type_by_id(kb, fn->type);
	if (!proto || !btf_is_func_proto(proto))
		return set_err(err, -EINVAL, NULL, "'%s' has no prototype in BTF", kf->name);
	out->nargs = btf_vlen(proto);
	rt = btf__type_by_id(kb, kbtf_skip_mods(kb, proto->type, true));
	out->returns_void = !proto->type || !rt;
	ret_kind(kb, proto->type, &out->plan);
	out->local = btf__new_empty();
	if (!out->local)
		return -ENOMEM;

	p = btf_params(proto);
	if (spec && spec->nitems) {
		for (i = 0; i < spec->nitems && !ret; i++) {
			const struct item *it = &spec->items[i];
			char *label = NULL;

			/* A ':str' item is labelled "EXPR:str": it differs from the address. */
			if (it->as_str && asprintf(&label, "%s:str", it->expr_text) < 0)
				return -ENOMEM;
			ret = resolve_item(k, out, it, label ? label : it->expr_text, false, opts,
					   err);
			free(label);
		}
	} else if (!opts->no_default_items) {
		/* No items: every argument, then the return value. */
		for (i = 0; i < out->nargs && !ret; i++) {
			const char *name = btf__name_by_offset(kb, p[i].name_off);

			if (!p[i].type) /* varargs */
				break;
			if (out->nitems >= KSNOOP_MAX_ITEMS - 1)
				break; /* keep a slot for the return value */
			ret = resolve_item(k, out, NULL, name && *name ? name : "?", false, opts,
					   err);
			/* An argument we cannot read (a big struct by value) is left out. */
			if (ret == -EOPNOTSUPP) {
				pr_info(2, "%s: leaving out argument %s: %s\n", kf->name, name,
					err->msg);
				free(out->items[--out->nitems].label);
				memset(err, 0, sizeof(*err));
				ret = 0;
			}
		}
		if (!ret && !out->returns_void && !opts->entry_only)
			ret = resolve_item(k, out, NULL, "return", true, opts, err);
	}
	/* An expression repeated with another predicate: its value is shown once. */
	for (i = 1; i < out->nitems && !ret; i++) {
		int j;

		for (j = 0; j < i; j++)
			if (!strcmp(out->items[i].label, out->items[j].label)) {
				out->plan.items[i].flags |= KSNOOP_I_HIDE;
				break;
			}
	}
	out->plan.nitems = out->nitems;
	return ret;
}

void tfunc_free(struct tfunc *tf)
{
	int i;

	for (i = 0; i < tf->nitems; i++) {
		free(tf->items[i].label);
		free(tf->items[i].pattern);
	}
	btf__free(tf->local);
	memset(tf, 0, sizeof(*tf));
}

void tfunc_dump(const struct tfunc *tf, struct strbuf *out)
{
	static const char *const kinds[] = {"value", "pointee", "string", "bitfield"};
	struct btf_dump *d;
	__u32 id, j;
	int i;

	sb_printf(out, "%s: local BTF of the expressions:\n", tf->kf->name);
	d = btf_dump__new(tf->local, sb_vprint_cb, out, NULL);
	for (id = 1; d && id < btf__type_cnt(tf->local); id++) {
		if (btf_is_struct(btf__type_by_id(tf->local, id))) {
			btf_dump__dump_type(d, id);
		}
	}
	btf_dump__free(d);
	for (i = 0; i < tf->nitems; i++) {
		const struct ksnoop_item *it = &tf->plan.items[i];
		const struct titem *ti = &tf->items[i];

		sb_printf(out, "  item %d '%s': base %s", i, ti->label,
			  it->base == KSNOOP_BASE_RET ? "return" : "arg");
		if (it->base != KSNOOP_BASE_RET)
			sb_printf(out, " %u", it->base);
		for (j = 0; j < it->nsteps; j++)
			sb_printf(out, ", load *(v+%u)", it->steps[j]);
		if (it->flags & (KSNOOP_I_MEM | KSNOOP_I_STR))
			sb_printf(out, ", %s at v+%u",
				  it->flags & KSNOOP_I_STR ? "string" : "bytes", it->off);
		sb_printf(out, ", size %u, %s type ", it->size, kinds[ti->kind]);
		type_decl(tf->kf->btf, ti->type_id, NULL, out);
		if (it->bit_size)
			sb_printf(out, ", bits %u+%u", it->bit_off, it->bit_size);
		if (it->flags & KSNOOP_I_SPRED)
			sb_printf(out, ", string predicate '%s'", pred_op_str(it->op));
		else if (it->flags & KSNOOP_I_PRED)
			sb_printf(out, ", predicate op %u value %llu", it->op,
				  (unsigned long long)it->value);
		if (it->flags & KSNOOP_I_HIDE)
			sb_puts(out, ", not shown (an earlier item shows this value)");
		sb_putc(out, '\n');
	}
}

struct member_prefix {
	const char *prefix;
	size_t len;
	void (*cb)(const char *name, void *ctx);
	void *ctx;
};

static void member_if_prefix(const char *name, void *ctx)
{
	struct member_prefix *mp = ctx;

	if (!strncmp(name, mp->prefix, mp->len))
		mp->cb(name, mp->ctx);
}

int resolve_complete(const struct kbtf *k, const struct kfunc *kf, const char *expr,
		     void (*cb)(const char *name, void *ctx), void *ctx)
{
	const struct btf_type *proto =
		btf__type_by_id(kf->btf, btf__type_by_id(kf->btf, kf->id)->type);
	const char *arrow = NULL, *dot = NULL, *p;
	struct member_prefix mp = {.cb = cb, .ctx = ctx};
	struct resolve_opts opts = {.string_size = 1};
	struct resolve_err rerr;
	struct spec spec = {};
	struct parse_error perr;
	struct strbuf sb;
	struct tfunc tf;
	__u32 id;
	int err, i;

	for (p = expr; (p = strstr(p, "->")); p += 2)
		arrow = p;
	dot = strrchr(expr, '.');
	if (!arrow && !dot) {
		/* An argument name, or "return". */
		const struct btf_param *prm = btf_params(proto);

		mp.prefix = expr;
		mp.len = strlen(expr);
		for (i = 0; i < btf_vlen(proto); i++)
			member_if_prefix(btf__name_by_offset(kf->btf, prm[i].name_off), &mp);
		member_if_prefix("return", &mp);
		return 0;
	}
	/* A member of what the expression before the last '->' or '.' is. */
	if (dot && dot > arrow)
		arrow = NULL;
	mp.prefix = arrow ? arrow + 2 : dot + 1;
	mp.len = strlen(mp.prefix);
	sb_init(&sb);
	sb_printf(&sb, "%s(%.*s)", kf->name, (int)((arrow ? arrow : dot) - expr), expr);
	err = spec_parse(sb_str(&sb), &spec, &perr);
	sb_free(&sb);
	if (err)
		return err;
	err = resolve_func(k, kf, &spec, &opts, &tf, &rerr);
	spec_free(&spec);
	if (err)
		return err;
	if (tf.nitems > 0) {
		id = kbtf_skip_mods(kf->btf, tf.items[0].expr_type_id, true);
		if (arrow && btf_is_ptr(btf__type_by_id(kf->btf, id)))
			id = kbtf_skip_mods(kf->btf, btf__type_by_id(kf->btf, id)->type, true);
		else if (arrow)
			id = 0; /* '->' on a non-pointer */
		for_each_member(kf->btf, id, 0, member_if_prefix, &mp);
	}
	tfunc_free(&tf);
	return mp.prefix - expr;
}
