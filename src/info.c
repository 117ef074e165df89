// SPDX-License-Identifier: GPL-2.0
/*
 * `ksnoop info`: the prototypes of the functions SPECs select and, with -v,
 * the layouts of the structs they take or return.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "btfx.h"
#include "json.h"
#include "log.h"
#include "output.h"
#include "select.h"
#include "trace.h"

/*
 * What `ksnoop info` prints, per selected function in selection order: its
 * prototype ("int ip_send_skb(struct net *net, struct sk_buff *skb);"); with
 * -v the layout of each struct or union it takes or returns (or a pointer to
 * one), members with offsets, printed once per run: a later function that
 * uses it gets "struct net; // layout above" (with C comment markers) instead;
 * with -vv the plans of SPECs with items. -j prints the same as JSON Lines:
 * {"type":"layout"} objects, each before the first function that names it,
 * and {"type":"function"} objects whose arguments name their "layout".
 */
struct info {
	const struct trace_opts *o;
	struct strbuf sb, tmp;
	struct jw w; /* -j: writes into @sb */
	/* per BTF, a bit per type id: its layout was printed */
	struct seen {
		const struct btf *btf;
		unsigned char *bits;
	} * seen;
	int nseen;
};

/*
 * Whether composite @id of @btf was printed already; marks it printed. A type
 * a module's split BTF shares with vmlinux counts once, under vmlinux.
 */
static int seen_before(struct info *in, const struct btf *btf, __u32 id, bool *before)
{
	const struct btf *base = btf__base_btf(btf);
	struct seen *s;
	int i;

	if (base && id < btf__type_cnt(base))
		btf = base;
	for (i = 0; i < in->nseen && in->seen[i].btf != btf; i++)
		;
	if (i == in->nseen) {
		s = realloc(in->seen, (in->nseen + 1) * sizeof(*s));
		if (!s)
			return -ENOMEM;
		in->seen = s;
		s[i].btf = btf;
		s[i].bits = calloc(btf__type_cnt(btf) / 8 + 1, 1);
		if (!s[i].bits)
			return -ENOMEM;
		in->nseen++;
	}
	s = &in->seen[i];
	*before = s->bits[id / 8] & (1 << (id % 8));
	s->bits[id / 8] |= 1 << (id % 8);
	return 0;
}

static void composite_name(const struct btf *btf, __u32 via, __u32 id, bool json,
			   struct strbuf *out);
static void dump_members(struct info *in, const struct btf *btf, __u32 id, __u32 base_bits,
			 int depth);

/* "type":"DECL" with the C declaration of @id. */
static void put_json_type(struct info *in, const struct btf *btf, __u32 id)
{
	sb_reset(&in->tmp);
	type_decl(btf, id, NULL, &in->tmp);
	JW_KEY(&in->w, "type");
	jw_str(&in->w, sb_str(&in->tmp), in->tmp.len);
}

/* "layout":"NAME" of composite @id reached from @via (composite_name()). */
static void put_json_layout(struct info *in, const struct btf *btf, __u32 via, __u32 id)
{
	sb_reset(&in->tmp);
	composite_name(btf, via, id, true, &in->tmp);
	JW_KEY(&in->w, "layout");
	jw_str(&in->w, sb_str(&in->tmp), in->tmp.len);
}

/* One member of a struct's layout in JSON, its members too if it is anonymous. */
static void json_member(struct info *in, const struct btf *btf, const struct btf_member *m,
			__u32 bits, __u32 off, int depth)
{
	const char *name = btf__name_by_offset(btf, m->name_off);
	__u32 mid = btfx_skip_id(btf, m->type, true);
	const struct btf_type *mt = btf__type_by_id(btf, mid);
	bool anon = (!name || !*name) && mt && btf_is_composite(mt);
	struct jw *w = &in->w;

	jw_obj_begin(w);
	JW_KEY(w, "name");
	if (name && *name)
		jw_strz(w, name);
	else
		jw_null(w);
	if (anon) {
		JW_KEY(w, "type");
		jw_strz(w, btf_is_union(mt) ? "union" : "struct");
	} else {
		put_json_type(in, btf, m->type);
	}
	JW_KEY(w, "offset");
	jw_u64(w, off / 8);
	if (bits || off % 8) {
		JW_KEY(w, "bit_offset");
		jw_u64(w, off % 8);
	}
	if (bits) {
		JW_KEY(w, "bits");
		jw_u64(w, bits);
	}
	if (anon) {
		JW_KEY(w, "members");
		jw_arr_begin(w);
		dump_members(in, btf, mid, off, depth + 1);
		jw_arr_end(w);
	}
	jw_obj_end(w);
}

/* A struct's members with offsets; anonymous members' members inline, indented. */
static void dump_members(struct info *in, const struct btf *btf, __u32 id, __u32 base_bits,
			 int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);
	struct strbuf *sb = &in->sb;
	bool json = in->o->json;
	int i;

	for (i = 0; i < btf_vlen(t) && depth < 16; i++, m++) {
		__u32 bits = btf_member_bitfield_size(t, i);
		__u32 off = base_bits + btf_member_bit_offset(t, i);
		const char *name = btf__name_by_offset(btf, m->name_off);
		__u32 mid = btfx_skip_id(btf, m->type, true);
		const struct btf_type *mt = btf__type_by_id(btf, mid);
		bool anon = (!name || !*name) && mt && btf_is_composite(mt);

		if (json) {
			json_member(in, btf, m, bits, off, depth);
			continue;
		}
		sb_printf(sb, "%*s", 8 * (depth + 1), "");
		if (anon) {
			sb_printf(sb, "%s { /* anonymous, offset %u */\n",
				  btf_is_union(mt) ? "union" : "struct", off / 8);
			dump_members(in, btf, mid, off, depth + 1);
			sb_printf(sb, "%*s};\n", 8 * (depth + 1), "");
			continue;
		}
		type_decl(btf, m->type, name, sb);
		if (bits)
			sb_printf(sb, ": %u", bits);
		sb_printf(sb, "; /* offset %u", off / 8);
		if (bits || off % 8)
			sb_printf(sb, ", bit %u", off % 8);
		sb_puts(sb, " */\n");
	}
}

/*
 * The name of composite @id, reached from type @via (an argument's type, or
 * the pointee), into @out: "struct sock". An anonymous struct behind a
 * typedef (sockptr_t) has no name of its own and type_decl() would print its
 * whole body: text shows the typedef's name in a comment, JSON the typedef.
 */
static void composite_name(const struct btf *btf, __u32 via, __u32 id, bool json,
			   struct strbuf *out)
{
	const struct btf_type *t = btf__type_by_id(btf, id), *v;

	if (t->name_off) {
		type_decl(btf, id, NULL, out);
		return;
	}
	if (!json)
		sb_puts(out, btf_is_union(t) ? "union" : "struct");
	for (v = btf__type_by_id(btf, via); v && v != t; v = btf__type_by_id(btf, v->type)) {
		if (btf_is_typedef(v)) {
			sb_printf(out, json ? "%s" : " /* %s */",
				  btf__name_by_offset(btf, v->name_off));
			return;
		}
	}
	if (json)
		sb_puts(out, btf_is_union(t) ? "union" : "struct");
}

/*
 * The composite an argument or return type @via is or points to, if it has
 * members: its id, else 0.
 */
static __u32 layout_of(const struct btf *btf, __u32 *via)
{
	__u32 id = btfx_skip_id(btf, *via, true);
	const struct btf_type *t = btf__type_by_id(btf, id);

	if (t && btf_is_ptr(t)) {
		*via = t->type;
		id = btfx_skip_id(btf, *via, true);
	}
	t = btf__type_by_id(btf, id);
	return t && btf_is_composite(t) && btf_vlen(t) ? id : 0;
}

/* -v: the layout of composite @id, or a reference to where it was printed. */
static int dump_layout(struct info *in, const struct btf *btf, __u32 via, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	struct strbuf *sb = &in->sb;
	bool before;
	int err;

	err = seen_before(in, btf, id, &before);
	if (err)
		return err;
	if (in->o->json) {
		if (before)
			return 0;
		sb_reset(&in->tmp);
		composite_name(btf, via, id, true, &in->tmp);
		jw_record(&in->w, &in->sb, "layout");
		JW_KEY(&in->w, "name");
		jw_str(&in->w, sb_str(&in->tmp), in->tmp.len);
		JW_KEY(&in->w, "size");
		jw_u64(&in->w, t->size);
		JW_KEY(&in->w, "members");
		jw_arr_begin(&in->w);
		dump_members(in, btf, id, 0, 0);
		jw_arr_end(&in->w);
		jw_record_end(&in->w);
		return 0;
	}
	composite_name(btf, via, id, false, sb);
	if (before) {
		sb_puts(sb, "; /* layout above */\n");
		return 0;
	}
	sb_printf(sb, " { /* size %u */\n", t->size);
	dump_members(in, btf, id, 0, 0);
	sb_puts(sb, "};\n");
	return 0;
}

/* The layouts of types @ids (argument and return types), each once. */
static int dump_layouts(struct info *in, const struct btf *btf, const __u32 *ids, int n)
{
	__u32 done[KSNOOP_MAX_ARGS + 1];
	int a, j, err = 0;

	for (a = 0; a < n && !err; a++) {
		__u32 via = ids[a], id = layout_of(btf, &via);

		/* one reference for two arguments of one type (sk, orig_sk) */
		for (j = 0; j < a && done[j] != id; j++)
			;
		done[a] = id;
		if (id && j == a)
			err = dump_layout(in, btf, via, id);
	}
	return err;
}

/* -j: one {"type":"function", ...} line for @tf. */
static void json_function(struct info *in, const struct tfunc *tf)
{
	const struct btf *btf = tf->kf->btf;
	const struct btf_type *proto = btf__type_by_id(btf, tf->proto_id);
	const struct btf_param *p = btf_params(proto);
	struct jw *w = &in->w;
	__u32 via, id;
	int a;

	jw_record(w, &in->sb, "function");
	JW_KEY(w, "name");
	jw_strz(w, tf->kf->name);
	if (tf->kf->module) {
		JW_KEY(w, "module");
		jw_strz(w, tf->kf->module);
	}
	sb_reset(&in->tmp);
	func_prototype(btf, tf->kf->id, &in->tmp);
	JW_KEY(w, "prototype");
	jw_str(w, sb_str(&in->tmp), in->tmp.len);
	JW_KEY(w, "return");
	jw_obj_begin(w);
	put_json_type(in, btf, proto->type);
	via = proto->type;
	id = verbosity >= 1 ? layout_of(btf, &via) : 0;
	if (id)
		put_json_layout(in, btf, via, id);
	jw_obj_end(w);
	JW_KEY(w, "args");
	jw_arr_begin(w);
	for (a = 0; a < btf_vlen(proto); a++) {
		const char *name = btf__name_by_offset(btf, p[a].name_off);

		jw_obj_begin(w);
		JW_KEY(w, "name");
		if (!p[a].type) {
			JW_RAW(w, "\"...\"");
			JW_KEY(w, "type");
			JW_RAW(w, "\"...\"");
			jw_obj_end(w);
			continue;
		}
		jw_strz(w, name ? name : "");
		put_json_type(in, btf, p[a].type);
		via = p[a].type;
		id = verbosity >= 1 ? layout_of(btf, &via) : 0;
		if (id)
			put_json_layout(in, btf, via, id);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (verbosity >= 2) {
		sb_reset(&in->tmp);
		tfunc_dump(tf, &in->tmp);
		JW_KEY(w, "plan");
		jw_str(w, sb_str(&in->tmp), in->tmp.len);
	}
	jw_record_end(w);
}

/* The prototype of @tf and, with -v, the layouts it uses; -vv its plan. */
static int info_func(struct info *in, const struct tfunc *tf, bool plans)
{
	const struct btf *btf = tf->kf->btf;
	const struct btf_type *proto = btf__type_by_id(btf, tf->proto_id);
	const struct btf_param *p = btf_params(proto);
	__u32 ids[KSNOOP_MAX_ARGS + 1];
	int n = 0, a, err = 0;

	sb_reset(&in->sb);
	jw_init(&in->w, &in->sb);
	if (verbosity >= 1) {
		ids[n++] = proto->type;
		for (a = 0; a < btf_vlen(proto) && n < (int)ARRAY_SIZE(ids); a++)
			ids[n++] = p[a].type;
	}
	if (in->o->json) {
		/* layouts first, so that a reader has them when a function names one */
		err = dump_layouts(in, btf, ids, n);
		json_function(in, tf);
	} else {
		func_prototype(btf, tf->kf->id, &in->sb);
		sb_puts(&in->sb, ";");
		if (tf->kf->module)
			sb_printf(&in->sb, " /* module %s */", tf->kf->module);
		sb_putc(&in->sb, '\n');
		err = dump_layouts(in, btf, ids, n);
		if (plans)
			tfunc_dump(tf, &in->sb);
	}
	if (in->sb.oom)
		return -ENOMEM;
	fputs(sb_str(&in->sb), stdout);
	return err;
}

int cmd_info(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o)
{
	struct info in = {.o = o};
	struct selected sel;
	int i, err;

	err = select_funcs(k, specs, nspecs, o, NULL, &sel);
	/* -o FILE: opened only once the SPECs resolve, so an error leaves it untouched */
	if (!err && o->output)
		err = output_open(o->output);
	sb_init(&in.sb);
	sb_init(&in.tmp);
	for (i = 0; i < sel.n && !err; i++)
		err = info_func(&in, &sel.funcs[i],
				verbosity >= 2 && sel.items_given && sel.items_given[i]);
	sb_free(&in.sb);
	sb_free(&in.tmp);
	for (i = 0; i < in.nseen; i++)
		free(in.seen[i].bits);
	free(in.seen);
	selected_free(&sel);
	return err;
}
