// SPDX-License-Identifier: GPL-2.0
/*
 * btfx: the BTF questions the stages share, on a small BTF built here, so
 * that each answer is known: modifier chains (and a loop), char types, members
 * through anonymous structs and unions with CO-RE names, register slots of a
 * prototype with a 16-byte struct, enum constants.
 */
#include <bpf/btf.h>

#include "btfx.h"
#include "test.h"
#include "strbuf.h"

struct bx {
	struct btf *b;
	int t_int, t_char, t_char_named, t_uchar, t_bool, t_long;
	int c_v_td_int, td_int, loop;
	int outer, pair, proto, proto0, func, func0;
	int e32, e64;
};

static bool bx_build(struct bx *x)
{
	struct btf *b = btf__new_empty();
	int anon_s, c_anon_s, anon_u;

	x->b = b;
	if (!ASSERT_TRUE(b != NULL, "btf__new_empty"))
		return false;
	x->t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	x->t_char = btf__add_int(b, "signed char", 1, BTF_INT_SIGNED | BTF_INT_CHAR);
	/* pahole writes "char" without the CHAR encoding */
	x->t_char_named = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
	x->t_uchar = btf__add_int(b, "unsigned char", 1, 0);
	x->t_bool = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
	x->t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	/* const volatile int_t */
	x->td_int = btf__add_typedef(b, "int_t", x->t_int);
	x->c_v_td_int = btf__add_const(b, btf__add_volatile(b, x->td_int));
	/* a const that is its own type: bad BTF */
	x->loop = btf__add_const(b, x->t_int);
	((struct btf_type *)btf__type_by_id(b, x->loop))->type = x->loop;

	/* struct outer { int a; union { struct { short x; char y___2; }; long z; }; unsigned bf:3;
	 * } */
	anon_s = btf__add_struct(b, NULL, 4);
	btf__add_field(b, "x", x->t_int, 0, 0);
	btf__add_field(b, "y___2", x->t_char, 16, 0);
	c_anon_s = btf__add_const(b, anon_s);
	anon_u = btf__add_union(b, NULL, 8);
	btf__add_field(b, NULL, c_anon_s, 0, 0);
	btf__add_field(b, "z", x->t_long, 0, 0);
	x->outer = btf__add_struct(b, "outer", 24);
	btf__add_field(b, "a", x->t_int, 0, 0);
	btf__add_field(b, NULL, anon_u, 64, 0);
	btf__add_field(b, "bf", x->t_int, 128, 3);

	/* int f(int a, struct pair p, long c): p is 16 bytes, two registers */
	x->pair = btf__add_struct(b, "pair", 16);
	btf__add_field(b, "lo", x->t_long, 0, 0);
	btf__add_field(b, "hi", x->t_long, 64, 0);
	x->proto = btf__add_func_proto(b, x->t_int);
	btf__add_func_param(b, "a", x->t_int);
	btf__add_func_param(b, "p", x->pair);
	btf__add_func_param(b, "c", x->t_long);
	x->func = btf__add_func(b, "f", BTF_FUNC_GLOBAL, x->proto);
	x->proto0 = btf__add_func_proto(b, 0);
	x->func0 = btf__add_func(b, "g", BTF_FUNC_GLOBAL, x->proto0);

	x->e32 = btf__add_enum(b, "e32", 4);
	btf__add_enum_value(b, "NEG", -1);
	btf__add_enum_value(b, "FIVE", 5);
	x->e64 = btf__add_enum64(b, "e64", 8, false);
	btf__add_enum64_value(b, "HUGE", 1ULL << 40);
	btf__add_enum64_value(b, "FIVE", 6); /* the same name later: the first enum wins */
	return ASSERT_TRUE(btf__type_cnt(b) == 22, "fixture: every type added");
}

TEST(btfx_skip)
{
	struct bx x;
	__u32 id;

	if (!bx_build(&x))
		goto out;
	ASSERT_EQ(btfx_skip_id(x.b, x.c_v_td_int, true), x.t_int, "typedefs skipped");
	ASSERT_EQ(btfx_skip_id(x.b, x.c_v_td_int, false), x.td_int, "stops at the typedef");
	ASSERT_EQ(btfx_skip_id(x.b, 0, true), 0, "void stays void");
	ASSERT_TRUE(btfx_skip(x.b, x.t_int, true, &id) == btf__type_by_id(x.b, x.t_int), "int");
	ASSERT_EQ(id, x.t_int, "int's own id");
	ASSERT_TRUE(btfx_skip(x.b, 99999, true, &id) == NULL, "bad id");
	ASSERT_EQ(id, 99999, "bad id reported");
	ASSERT_TRUE(btfx_skip(x.b, x.loop, true, NULL) == NULL, "a loop ends");
out:
	btf__free(x.b);
}

TEST(btfx_is_char)
{
	struct bx x;

	if (!bx_build(&x))
		goto out;
	ASSERT_TRUE(btfx_is_char(x.b, btf__type_by_id(x.b, x.t_char)), "CHAR encoding");
	ASSERT_TRUE(btfx_is_char(x.b, btf__type_by_id(x.b, x.t_char_named)), "named char");
	ASSERT_TRUE(!btfx_is_char(x.b, btf__type_by_id(x.b, x.t_uchar)), "unsigned char");
	ASSERT_TRUE(!btfx_is_char(x.b, btf__type_by_id(x.b, x.t_bool)), "_Bool");
	ASSERT_TRUE(!btfx_is_char(x.b, btf__type_by_id(x.b, x.t_int)), "int");
	ASSERT_TRUE(!btfx_is_char(x.b, NULL), "no type");
out:
	btf__free(x.b);
}

struct names {
	char buf[64];
	size_t len;
};

static void add_name(const char *name, void *ctx)
{
	struct names *n = ctx;

	n->len += snprintf(n->buf + n->len, sizeof(n->buf) - n->len, "%s ", name);
}

TEST(btfx_members)
{
	struct names n = {};
	struct btfx_member m;
	struct bx x;

	if (!bx_build(&x))
		goto out;
	ASSERT_TRUE(btfx_find_member(x.b, x.outer, "a", &m), "a");
	ASSERT_EQ(m.bit_off, 0, "a's offset");
	ASSERT_TRUE(btfx_find_member(x.b, x.outer, "y", &m), "y through two anonymous members");
	ASSERT_EQ(m.bit_off, 64 + 16, "y's offset");
	ASSERT_EQ(m.type, x.t_char, "y's type");
	ASSERT_TRUE(btfx_find_member(x.b, x.outer, "z___flavor", &m), "a CO-RE flavor");
	ASSERT_EQ(m.bit_off, 64, "z's offset");
	ASSERT_TRUE(btfx_find_member(x.b, x.outer, "bf", &m), "bf");
	ASSERT_EQ(m.bit_off, 128, "bf's offset");
	ASSERT_EQ(m.bit_size, 3, "bf's width");
	ASSERT_TRUE(!btfx_find_member(x.b, x.outer, "w", &m), "no w");
	ASSERT_TRUE(!btfx_find_member(x.b, x.t_int, "a", &m), "an int has no members");
	btfx_for_each_member(x.b, x.outer, add_name, &n);
	ASSERT_STREQ(n.buf, "a x y___2 z bf ", "members in order, as C sees them");
	n.len = 0;
	n.buf[0] = '\0';
	btfx_for_each_member(x.b, x.t_int, add_name, &n);
	ASSERT_STREQ(n.buf, "", "none for an int");
out:
	btf__free(x.b);
}

/* Loads as the kernel's verifier walks them: the first member holding the offset. */
TEST(btfx_load_at)
{
	struct bx x;

	if (!bx_build(&x))
		goto out;
	ASSERT_EQ(btfx_load_at(x.b, x.outer, 0, 4, NULL), BTFX_LOAD_SCALAR, "a");
	ASSERT_EQ(btfx_load_at(x.b, x.outer, 0, 2, NULL), BTFX_LOAD_SCALAR, "a's first bytes");
	ASSERT_EQ(btfx_load_at(x.b, x.outer, 0, 8, NULL), BTFX_LOAD_NONE, "past a's end");
	ASSERT_EQ(btfx_load_at(x.b, x.outer, 4, 4, NULL), BTFX_LOAD_NONE, "a hole");
	ASSERT_EQ(btfx_load_at(x.b, x.outer, 8, 4, NULL), BTFX_LOAD_SCALAR,
		  "x, in the union's first member");
	/* the verifier tries the union's first member only: z is never reached */
	ASSERT_EQ(btfx_load_at(x.b, x.outer, 8, 8, NULL), BTFX_LOAD_NONE,
		  "z behind a short member");
	ASSERT_EQ(btfx_load_at(x.b, x.outer, 16, 4, NULL), BTFX_LOAD_NONE, "a bitfield");
	ASSERT_EQ(btfx_load_at(x.b, x.outer, 24, 1, NULL), BTFX_LOAD_NONE, "past the struct");
	ASSERT_EQ(btfx_load_at(x.b, x.pair, 8, 8, NULL), BTFX_LOAD_SCALAR, "hi");
	ASSERT_EQ(btfx_load_at(x.b, x.t_int, 0, 4, NULL), BTFX_LOAD_NONE, "not a struct");
out:
	btf__free(x.b);
}

TEST(btfx_args)
{
	const struct btf_type *proto;
	struct strbuf sb;
	struct bx x;

	sb_init(&sb);
	if (!bx_build(&x))
		goto out;
	proto = btfx_func_proto(x.b, x.func);
	if (!ASSERT_TRUE(proto == btf__type_by_id(x.b, x.proto), "f's prototype"))
		goto out;
	ASSERT_TRUE(btfx_func_proto(x.b, x.proto) == NULL, "a FUNC_PROTO is no FUNC");
	ASSERT_TRUE(btfx_func_proto(x.b, 99999) == NULL, "bad id");
	ASSERT_EQ(btfx_param_slots(x.b, &btf_params(proto)[1]), 2, "16-byte struct");
	ASSERT_EQ(btfx_arg_slot(x.b, proto, 0), 0, "a");
	ASSERT_EQ(btfx_arg_slot(x.b, proto, 1), 1, "p");
	ASSERT_EQ(btfx_arg_slot(x.b, proto, 2), 3, "c after p's two registers");
	ASSERT_EQ(btfx_arg_slot(x.b, proto, 3), 4, "registers of all");
	btfx_param_names(x.b, proto, &sb);
	ASSERT_STREQ(sb_str(&sb), "a, p, c", "names");
	sb_reset(&sb);
	btfx_param_names(x.b, btfx_func_proto(x.b, x.func0), &sb);
	ASSERT_STREQ(sb_str(&sb), "none", "no parameters");
out:
	sb_free(&sb);
	btf__free(x.b);
}

TEST(btfx_enum_consts)
{
	const char *name;
	struct bx x;
	__u64 v = 0;

	if (!bx_build(&x))
		goto out;
	ASSERT_TRUE(btfx_find_enum_const(x.b, 0, "NEG", &v), "NEG");
	ASSERT_EQ(v, ~0ULL, "a 32-bit value sign-extended");
	ASSERT_TRUE(btfx_find_enum_const(x.b, 0, "HUGE", &v), "HUGE");
	ASSERT_EQ(v, 1ULL << 40, "64-bit value");
	ASSERT_TRUE(btfx_find_enum_const(x.b, 0, "FIVE", &v), "FIVE in any enum");
	ASSERT_EQ(v, 5, "the first enum's FIVE");
	ASSERT_TRUE(btfx_find_enum_const(x.b, x.e64, "FIVE", &v), "FIVE in e64");
	ASSERT_EQ(v, 6, "e64's FIVE");
	ASSERT_TRUE(!btfx_find_enum_const(x.b, x.e64, "NEG", &v), "NEG is not e64's");
	ASSERT_TRUE(!btfx_find_enum_const(x.b, 0, "SEVEN", &v), "no SEVEN");
	ASSERT_EQ(btfx_enum_const(x.b, btf__type_by_id(x.b, x.e32), 1, &name), 5, "e32[1]");
	ASSERT_STREQ(name, "FIVE", "e32[1]'s name");
out:
	btf__free(x.b);
}
