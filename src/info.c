// SPDX-License-Identifier: GPL-2.0
/*
 * `ksnoop info`: the prototypes of the functions SPECs select and, with -v,
 * the layouts of the structs they take or return.
 */
#include <stdio.h>
#include <bpf/btf.h>

#include "trace.h"

/* A struct's members with offsets; anonymous members' members inline, indented. */
static void dump_members(const struct btf *btf, __u32 id, __u32 base_bits, int depth,
			 struct strbuf *sb)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);
	int i;

	for (i = 0; i < btf_vlen(t) && depth < 16; i++, m++) {
		__u32 bits = btf_member_bitfield_size(t, i);
		__u32 off = base_bits + btf_member_bit_offset(t, i);
		const char *name = btf__name_by_offset(btf, m->name_off);
		__u32 mid = kbtf_skip_mods(btf, m->type, true);
		const struct btf_type *mt = btf__type_by_id(btf, mid);

		sb_printf(sb, "%*s", 8 * (depth + 1), "");
		if ((!name || !*name) && mt && btf_is_composite(mt)) {
			sb_printf(sb, "%s { /* anonymous, offset %u */\n",
				  btf_is_union(mt) ? "union" : "struct", off / 8);
			dump_members(btf, mid, off, depth + 1, sb);
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
 * Composite @id, reached from type @via (an argument's type, or the pointee).
 * An anonymous struct behind a typedef (sockptr_t) has no name of its own and
 * type_decl() would print its whole body: show the typedef's name in a comment.
 */
static void dump_composite(const struct btf *btf, __u32 via, __u32 id, struct strbuf *sb)
{
	const struct btf_type *t = btf__type_by_id(btf, id), *v;

	if (t->name_off) {
		type_decl(btf, id, NULL, sb);
	} else {
		sb_puts(sb, btf_is_union(t) ? "union" : "struct");
		for (v = btf__type_by_id(btf, via); v && v != t;
		     v = btf__type_by_id(btf, v->type)) {
			if (btf_is_typedef(v)) {
				sb_printf(sb, " /* %s */", btf__name_by_offset(btf, v->name_off));
				break;
			}
		}
	}
	sb_printf(sb, " { /* size %u */\n", t->size);
	dump_members(btf, id, 0, 0, sb);
	sb_puts(sb, "};\n");
}

int cmd_info(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o)
{
	struct tfunc *funcs;
	struct strbuf sb;
	int i, j, nfuncs, err;

	err = select_funcs(k, specs, nspecs, o, &funcs, &nfuncs);
	sb_init(&sb);
	for (i = 0; i < nfuncs && !err; i++) {
		const struct tfunc *tf = &funcs[i];
		const struct btf *btf = tf->kf->btf;

		sb_reset(&sb);
		func_prototype(btf, tf->kf->id, &sb);
		sb_puts(&sb, ";");
		if (tf->kf->module)
			sb_printf(&sb, " /* module %s */", tf->kf->module);
		sb_putc(&sb, '\n');
		if (verbosity >= 1) {
			const struct btf_type *proto = btf__type_by_id(btf, tf->proto_id);
			const struct btf_param *p = btf_params(proto);
			__u32 ids[KSNOOP_MAX_ARGS + 1];
			int n = 0, a;

			ids[n++] = proto->type;
			for (a = 0; a < btf_vlen(proto) && n < (int)ARRAY_SIZE(ids); a++)
				ids[n++] = p[a].type;
			for (j = 0; j < n; j++) {
				__u32 via = ids[j], id = kbtf_skip_mods(btf, via, true);
				const struct btf_type *t = btf__type_by_id(btf, id);

				if (t && btf_is_ptr(t)) {
					via = t->type;
					id = kbtf_skip_mods(btf, via, true);
				}
				t = btf__type_by_id(btf, id);
				if (t && btf_is_composite(t) && btf_vlen(t))
					dump_composite(btf, via, id, &sb);
			}
		}
		if (verbosity >= 2 && nspecs && specs[nspecs - 1].nitems)
			tfunc_dump(tf, &sb);
		fputs(sb_str(&sb), stdout);
	}
	sb_free(&sb);
	tfuncs_free(funcs, nfuncs);
	return err;
}
