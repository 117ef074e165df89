// SPDX-License-Identifier: GPL-2.0
/*
 * Resolve stage, plan building: each item of a SPEC becomes a plan item (where
 * the BPF program reads it, how many bytes, how userspace prints them), by way
 * of resolve_expr.c (the expression's accesses) and resolve_pred.c (its
 * predicate). Also what prints types for the other stages: C declarations,
 * prototypes, the -vv plan dump, and completion of item expressions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "log.h"
#include "resolve_int.h"

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

const char *res_type_str(const struct btf *btf, __u32 id, struct strbuf *sb)
{
	sb_reset(sb);
	type_decl(btf, id, NULL, sb);
	return sb_str(sb);
}

int func_prototype(const struct btf *btf, __u32 func_id, struct strbuf *out)
{
	const struct btf_type *fn = btf__type_by_id(btf, func_id);
	const struct btf_type *proto = btfx_func_proto(btf, func_id);
	const struct btf_param *p;
	int i, n;

	if (!proto)
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

int res_err(struct resolve_err *err, int code, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	snprintf(err->hint, sizeof(err->hint), "%s", hint ? hint : "");
	err->code = code;
	return code;
}

int res_loc_load(struct loc *l, const char *expr, struct resolve_err *err)
{
	if (!l->in_mem) {
		l->in_mem = true; /* v already is the pointer */
		l->off = 0;
		return 0;
	}
	if (l->nsteps >= KSNOOP_MAX_STEPS)
		return res_err(err, -E2BIG, NULL,
			       "'%s' follows more than %d pointers (the plan's limit)", expr,
			       KSNOOP_MAX_STEPS);
	l->steps[l->nsteps++] = l->off;
	l->off = 0;
	return 0;
}

/* Fill a plan item and the printing info from a resolved location. */
static int finish_item(const struct btf *kb, bool vmlinux, const struct item *src,
		       const struct resolve_opts *opts, struct loc *l, struct ksnoop_item *it,
		       struct titem *ti, struct resolve_err *err)
{
	__u32 kid = btfx_skip_id(kb, l->type, true);
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
		ret = res_string_pred(kb, src, l, kt, &str_pred, err);
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
			ret = res_err(
				err, -EINVAL, NULL,
				"predicate on '%s' of type '%s': predicates need an integer, enum or pointer",
				src->expr_text, res_type_str(kb, l->type, &tn));
			goto out;
		}
	} else if (src && src->as_str && !(btf_is_ptr(kt) && res_is_byte(kb, kt->type))) {
		ret = res_err(err, -EINVAL,
			      "':str' reads the string a char *, unsigned char * or u8 * points to",
			      "'%s' has type '%s', not a pointer to bytes", label,
			      res_type_str(kb, l->type, &tn));
		goto out;
	} else if (btf_is_ptr(kt) && (res_is_char(kb, kt->type) || (src && src->as_str))) {
		/* char *, or a pointer to bytes the user says hold a string (d_name.name). */
	str:
		ret = res_loc_load(l, label, err);
		if (ret)
			goto out;
		ti->kind = VAL_STR;
		it->flags |= KSNOOP_I_STR;
		it->size = opts->string_size ? opts->string_size : 256;
		goto steps;
	} else if (btf_is_ptr(kt)) {
		__u32 pid = btfx_skip_id(kb, kt->type, true);
		const struct btf_type *pt = btf__type_by_id(kb, pid);

		if (pt && btf_is_composite(pt) && pt->size) {
			ret = res_loc_load(l, label, err);
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
		ret = res_err(err, -EINVAL, NULL, "'%s' has type '%s' of unknown size", label,
			      res_type_str(kb, l->type, &tn));
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
		ret = res_err(err, -EOPNOTSUPP, NULL,
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

/* Start a location at argument @name: its register slot and type. */
static int start_arg(const struct btf *kb, const struct tfunc *tf, const char *fname,
		     const char *name, struct loc *l, __u8 *base, struct resolve_err *err)
{
	const struct btf_type *proto = btf__type_by_id(kb, tf->proto_id);
	const struct btf_param *p = btf_params(proto);
	struct strbuf names;
	int i, slot;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < btf_vlen(proto); i++) {
		if (strcmp(btf__name_by_offset(kb, p[i].name_off), name))
			continue;
		slot = btfx_arg_slot(kb, proto, i);
		if (slot >= KSNOOP_MAX_ARGS)
			return res_err(
				err, -E2BIG, NULL,
				"argument '%s' of '%s' is past the %d register slots BPF can read",
				name, fname, KSNOOP_MAX_ARGS);
		*base = slot;
		l->type = p[i].type;
		return 0;
	}
	sb_init(&names);
	sb_puts(&names, "its arguments: ");
	btfx_param_names(kb, proto, &names);
	res_err(err, -ENOENT, sb_str(&names), "function '%s' has no argument '%s'", fname, name);
	sb_free(&names);
	return -ENOENT;
}

/* What the output needs of @ti at every call, once (struct titem). */
static void titem_set_text(const struct btf *btf, struct titem *ti)
{
	const struct btf_type *t;

	ti->label_len = strlen(ti->label);
	switch (ti->kind) {
	case VAL_STR:
	case VAL_BITFIELD:
		ti->one_line = true;
		break;
	case VAL_SCALAR:
		t = btfx_skip(btf, ti->type_id, true, NULL);
		ti->one_line = t && (btf_is_int(t) || btf_is_any_enum(t) || btf_is_ptr(t));
		break;
	default:
		ti->one_line = false;
	}
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
			return res_err(
				err, -EINVAL, "drop --entry to see return values",
				"'%s' reads the return value, which --entry does not wait for",
				label);
		if (tf->returns_void)
			return res_err(err, -EINVAL, NULL,
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

	ret = res_synth_local(tf->local, e, e->base, &root);
	if (ret)
		return res_err(err, ret, NULL, "cannot build local BTF for '%s'", label);
	ret = res_match_access(kb, tf->local, root, e, &l, err);
	if (ret)
		return ret;
	ret = finish_item(kb, tf->kf->btf == k->vmlinux, src, opts, &l, it, ti, err);
	if (ret)
		return ret;
	if (src && src->op != KSNOOP_OP_NONE && src->val.kind == PVAL_STR) {
		ret = res_string_operand(src, it, ti, err);
		if (ret)
			return ret;
	} else if (src && src->op != KSNOOP_OP_NONE) {
		ret = res_pred_operand(kb, src, &l, it, err);
		if (ret)
			return ret;
	}
	return 0;
}

/* What return type @id says about failures, for --errors (enum ksnoop_ret_kind). */
static void ret_kind(const struct btf *kb, __u32 id, struct ksnoop_plan *plan)
{
	const struct btf_type *t = id ? btfx_skip(kb, id, true, NULL) : NULL;

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
		return res_err(err, -EINVAL, NULL, "'%s' has no prototype in BTF", kf->name);
	out->nargs = btf_vlen(proto);
	rt = btfx_skip(kb, proto->type, true, NULL);
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
	for (i = 0; i < out->nitems; i++)
		titem_set_text(out->kf->btf, &out->items[i]);
	out->plan.nitems = out->nitems;
	/* The first entry predicate is tested before anything else (bpf: ksnoop_pre_item()). */
	for (i = 0; i < out->nitems && !out->plan.pre_item; i++)
		if ((out->plan.items[i].flags & KSNOOP_I_PRED) &&
		    out->plan.items[i].base != KSNOOP_BASE_RET)
			out->plan.pre_item = i + 1;
	return ret;
}

__u32 plan_set_phase_ends(struct ksnoop_plan *p, bool changes)
{
	__u32 args = 0, j;

	p->entry_end = p->exit_end = 0;
	for (j = 0; j < p->nitems && j < KSNOOP_MAX_ITEMS; j++) {
		__u8 base = p->items[j].base;

		if (base == KSNOOP_BASE_RET) {
			p->exit_end = j + 1;
			continue;
		}
		p->entry_end = j + 1;
		if (changes)
			p->exit_end = j + 1;
		if (base < KSNOOP_MAX_ARGS && base >= args)
			args = base + 1;
	}
	return args;
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
	const struct btf_type *proto = btfx_func_proto(kf->btf, kf->id);
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
		id = btfx_skip_id(kf->btf, tf.items[0].expr_type_id, true);
		if (arrow && btf_is_ptr(btf__type_by_id(kf->btf, id)))
			id = btfx_skip_id(kf->btf, btf__type_by_id(kf->btf, id)->type, true);
		else if (arrow)
			id = 0; /* '->' on a non-pointer */
		btfx_for_each_member(kf->btf, id, member_if_prefix, &mp);
	}
	tfunc_free(&tf);
	return mp.prefix - expr;
}
