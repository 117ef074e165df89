// SPDX-License-Identifier: GPL-2.0
/*
 * Value formatting: golden text (what bpf_snprintf_btf() with BTF_F_PTR_RAW
 * prints, derived by hand from kernel/bpf/btf.c) and JSON, for types built
 * here with libbpf's BTF writer. The checks against the host's vmlinux BTF
 * are in test_format_vmlinux.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "format.h"
#include "format_int.h"
#include "json.h"
#include "test.h"
#include "tlib.h"

/* Types shared by the tests; ids filled by fx_build(). */
struct fx {
	struct btf *btf;
	int t_int, t_uint, t_char, t_uchar, t_short, t_ushort, t_long, t_ulong, t_llong;
	int t_bool, t_i128, t_u128, t_float, t_u8, t_u32;
	int s1, s1_name;
	int inner, outer, anon_u;
	int bf;
	int pt, pt_arr, poly;
	int ent, ent_tag, ent_arr, tab;
	int color, paint, sgn, big;
	int pp, pt_ptr, void_ptr, proto, fn_ptr, cchar, cchar_ptr;
	int pt_t, ptp, td;
	int cv, vuchar, cint;
	int fl;
	int int_ptr, ptr_arr, ap;
	int arr2, arr2d;
	int chars5, mac;
	int longname;
	int empty;
};

static int add_array(struct btf *btf, int idx, int elem, int n)
{
	return btf__add_array(btf, idx, elem, n);
}

/*
 * One long function on purpose: a flat list of declarations, each group under
 * a comment with the C it builds; split up, the ids would only be filled in
 * more places.
 */
static bool fx_build(struct fx *f)
{
	struct btf *b = btf__new_empty();
	int e;

	memset(f, 0, sizeof(*f));
	if (!ASSERT_TRUE(b != NULL, "btf__new_empty"))
		return false;
	f->btf = b;
	f->t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	f->t_uint = btf__add_int(b, "unsigned int", 4, 0);
	f->t_char = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
	f->t_uchar = btf__add_int(b, "unsigned char", 1, 0);
	f->t_short = btf__add_int(b, "short", 2, BTF_INT_SIGNED);
	f->t_ushort = btf__add_int(b, "unsigned short", 2, 0);
	f->t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	f->t_ulong = btf__add_int(b, "unsigned long", 8, 0);
	f->t_llong = btf__add_int(b, "long long", 8, BTF_INT_SIGNED);
	f->t_bool = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
	f->t_i128 = btf__add_int(b, "__int128", 16, BTF_INT_SIGNED);
	f->t_u128 = btf__add_int(b, "unsigned __int128", 16, 0);
	f->t_float = btf__add_float(b, "float", 4);
	f->t_u8 = btf__add_typedef(b, "u8", f->t_uchar);
	f->t_u32 = btf__add_typedef(b, "u32", f->t_uint);

	/* struct s1 { int a; unsigned int b; long c; char name[8]; } */
	f->s1_name = add_array(b, f->t_int, f->t_char, 8);
	f->s1 = btf__add_struct(b, "s1", 24);
	btf__add_field(b, "a", f->t_int, 0, 0);
	btf__add_field(b, "b", f->t_uint, 32, 0);
	btf__add_field(b, "c", f->t_long, 64, 0);
	btf__add_field(b, "name", f->s1_name, 128, 0);

	/* struct outer { struct inner { short x, y; } in; union { int u_i; unsigned u_u; }; int z;
	 * } */
	f->inner = btf__add_struct(b, "inner", 4);
	btf__add_field(b, "x", f->t_short, 0, 0);
	btf__add_field(b, "y", f->t_short, 16, 0);
	f->anon_u = btf__add_union(b, NULL, 4);
	btf__add_field(b, "u_i", f->t_int, 0, 0);
	btf__add_field(b, "u_u", f->t_uint, 0, 0);
	f->outer = btf__add_struct(b, "outer", 12);
	btf__add_field(b, "in", f->inner, 0, 0);
	btf__add_field(b, NULL, f->anon_u, 32, 0);
	btf__add_field(b, "z", f->t_int, 64, 0);

	/* struct bf { unsigned a:3, b:7; int c:4; unsigned char d; } */
	f->bf = btf__add_struct(b, "bf", 8);
	btf__add_field(b, "a", f->t_uint, 0, 3);
	btf__add_field(b, "b", f->t_uint, 3, 7);
	btf__add_field(b, "c", f->t_int, 10, 4);
	btf__add_field(b, "d", f->t_uchar, 32, 0);

	/* struct poly { struct pt { int x, y; } p[3]; } */
	f->pt = btf__add_struct(b, "pt", 8);
	btf__add_field(b, "x", f->t_int, 0, 0);
	btf__add_field(b, "y", f->t_int, 32, 0);
	f->pt_arr = add_array(b, f->t_int, f->pt, 3);
	f->poly = btf__add_struct(b, "poly", 24);
	btf__add_field(b, "p", f->pt_arr, 0, 0);

	/* struct tab { struct ent { int id; char tag[4]; } e[2]; } */
	f->ent_tag = add_array(b, f->t_int, f->t_char, 4);
	f->ent = btf__add_struct(b, "ent", 8);
	btf__add_field(b, "id", f->t_int, 0, 0);
	btf__add_field(b, "tag", f->ent_tag, 32, 0);
	f->ent_arr = add_array(b, f->t_int, f->ent, 2);
	f->tab = btf__add_struct(b, "tab", 16);
	btf__add_field(b, "e", f->ent_arr, 0, 0);

	/* enums */
	f->color = btf__add_enum(b, "color", 4);
	btf__add_enum_value(b, "RED", 0);
	btf__add_enum_value(b, "GREEN", 1);
	btf__add_enum_value(b, "BLUE", 2);
	f->paint = btf__add_struct(b, "paint", 12);
	btf__add_field(b, "c", f->color, 0, 0);
	btf__add_field(b, "d", f->color, 32, 0);
	btf__add_field(b, "pad", f->t_int, 64, 0);
	f->sgn = btf__add_enum(b, "sgn", 4);
	btf__add_enum_value(b, "NEG", -1);
	f->big = btf__add_enum64(b, "big", 8, false);
	btf__add_enum64_value(b, "HUGE", 1ULL << 40);

	/* struct pp { struct pt *p; void *v; int (*fn)(int); const char *s; } */
	f->pt_ptr = btf__add_ptr(b, f->pt);
	f->void_ptr = btf__add_ptr(b, 0);
	f->proto = btf__add_func_proto(b, f->t_int);
	btf__add_func_param(b, "a", f->t_int);
	f->fn_ptr = btf__add_ptr(b, f->proto);
	f->cchar = btf__add_const(b, f->t_char);
	f->cchar_ptr = btf__add_ptr(b, f->cchar);
	f->pp = btf__add_struct(b, "pp", 32);
	btf__add_field(b, "p", f->pt_ptr, 0, 0);
	btf__add_field(b, "v", f->void_ptr, 64, 0);
	btf__add_field(b, "fn", f->fn_ptr, 128, 0);
	btf__add_field(b, "s", f->cchar_ptr, 192, 0);

	/* typedefs: typedef struct pt pt_t; typedef struct pt *ptp; struct td { u32 a; pt_t p; } */
	f->pt_t = btf__add_typedef(b, "pt_t", f->pt);
	f->ptp = btf__add_typedef(b, "ptp", f->pt_ptr);
	f->td = btf__add_struct(b, "td", 12);
	btf__add_field(b, "a", f->t_u32, 0, 0);
	btf__add_field(b, "p", f->pt_t, 32, 0);

	/* struct cv { volatile unsigned char st; const int k; } */
	f->vuchar = btf__add_volatile(b, f->t_uchar);
	f->cint = btf__add_const(b, f->t_int);
	f->cv = btf__add_struct(b, "cv", 8);
	btf__add_field(b, "st", f->vuchar, 0, 0);
	btf__add_field(b, "k", f->cint, 32, 0);

	/* struct fl { float f; int i; } */
	f->fl = btf__add_struct(b, "fl", 8);
	btf__add_field(b, "f", f->t_float, 0, 0);
	btf__add_field(b, "i", f->t_int, 32, 0);

	/* struct ap { int *v[3]; } */
	f->int_ptr = btf__add_ptr(b, f->t_int);
	f->ptr_arr = add_array(b, f->t_int, f->int_ptr, 3);
	f->ap = btf__add_struct(b, "ap", 24);
	btf__add_field(b, "v", f->ptr_arr, 0, 0);

	/* int[2][2] */
	f->arr2 = add_array(b, f->t_int, f->t_int, 2);
	f->arr2d = add_array(b, f->t_int, f->arr2, 2);

	f->chars5 = add_array(b, f->t_int, f->t_char, 5);
	f->mac = add_array(b, f->t_int, f->t_u8, 6);

	/* A member whose ".name = (type)" exceeds the kernel's 80-byte buffer. */
	f->longname = btf__add_struct(b, "ln", 4);
	btf__add_field(b, "a_member_name_that_is_exactly_seventy_characters_long_xxxxxxxxxxxxxxxx",
		       f->t_uint, 0, 0);

	f->empty = btf__add_struct(b, "empty", 0);

	e = f->empty;
	if (!ASSERT_TRUE(e > 0, "btf types added")) {
		btf__free(b);
		f->btf = NULL;
		return false;
	}
	return true;
}

static void fx_free(struct fx *f)
{
	btf__free(f->btf);
}

static const char *text(struct strbuf *sb, const struct btf *btf, int id, const void *data,
			size_t len)
{
	return tl_fmt(sb, fmt_text, btf, id, data, len);
}

static const char *json(struct strbuf *sb, const struct btf *btf, int id, const void *data,
			size_t len)
{
	return tl_fmt(sb, fmt_json, btf, id, data, len);
}

#define TXT(id, val) text(&sb, f.btf, f.id, &(val), sizeof(val))
#define JSN(id, val) json(&sb, f.btf, f.id, &(val), sizeof(val))

TEST(format_ints_toplevel)
{
	struct strbuf sb;
	struct fx f;
	int i = -5, z = 0;
	unsigned int u = 0xffffffff;
	short s = -2;
	unsigned short us = 65535;
	long long ll = -(1LL << 60);
	unsigned long ul = UINT64_MAX;
	char c = 'A', cn = -1, c249 = (char)249, c0 = 0;
	unsigned char b = 1, u249 = 249;
	unsigned __int128 big = ((unsigned __int128)1 << 64) | 5, small = 255;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	ASSERT_STREQ(TXT(t_int, i), "(int)-5\n", "int");
	ASSERT_STREQ(TXT(t_int, z), "(int)0\n", "zero printed at top level");
	ASSERT_STREQ(TXT(t_uint, u), "(unsigned int)4294967295\n", "uint");
	ASSERT_STREQ(TXT(t_short, s), "(short)-2\n", "short");
	ASSERT_STREQ(TXT(t_ushort, us), "(unsigned short)65535\n", "ushort");
	ASSERT_STREQ(TXT(t_llong, ll), "(long long)-1152921504606846976\n", "long long");
	ASSERT_STREQ(TXT(t_ulong, ul), "(unsigned long)18446744073709551615\n", "ulong");
	ASSERT_STREQ(TXT(t_char, c), "(char)65\n", "char is a number outside arrays");
	ASSERT_STREQ(TXT(t_char, cn), "(char)-1\n", "signed char");
	ASSERT_STREQ(TXT(t_bool, b), "(_Bool)1\n", "bool");
	ASSERT_STREQ(TXT(t_u128, big), "(unsigned __int128)0x10000000000000005\n", "u128");
	ASSERT_STREQ(TXT(t_i128, small), "(__int128)0xff\n", "i128 small");
	ASSERT_STREQ(TXT(t_u32, u), "(u32)4294967295\n", "typedef name");

	ASSERT_STREQ(JSN(t_int, i), "-5", "json int");
	ASSERT_STREQ(JSN(t_ulong, ul), "\"18446744073709551615\"", "json u64 > 2^53");
	ASSERT_STREQ(JSN(t_llong, ll), "\"-1152921504606846976\"", "json s64 < -2^53");
	/* A single char is a number (signed per BTF), like the text's (char)65. */
	ASSERT_STREQ(JSN(t_char, c), "65", "json char is a number");
	ASSERT_STREQ(JSN(t_char, cn), "-1", "json signed char");
	ASSERT_STREQ(JSN(t_char, c249), "-7", "json char 249 (0xf9) is -7, signed in BTF");
	ASSERT_STREQ(JSN(t_char, c0), "0", "json char 0 is 0, not \"\"");
	ASSERT_STREQ(JSN(cchar, c), "65", "json const char is a number");
	ASSERT_STREQ(JSN(t_uchar, u249), "249", "json unsigned char 249");
	ASSERT_STREQ(JSN(t_bool, b), "true", "json bool");
	ASSERT_STREQ(JSN(t_u128, big), "\"0x10000000000000005\"", "json u128");
	ASSERT_STREQ(JSN(t_uchar, b), "1", "json unsigned char is a number");
	sb_free(&sb);
	fx_free(&f);
}

TEST(format_struct_zero_suppression)
{
	struct {
		int a;
		unsigned int b;
		long c;
		char name[8];
	} v = {1, 0, -1, "hi"}, zero = {};
	struct strbuf sb;
	struct fx f;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	ASSERT_STREQ(TXT(s1, v),
		     "(struct s1){\n"
		     " .a = (int)1,\n"
		     " .c = (long)-1,\n"
		     " .name = (char[])[\n"
		     "  'h',\n"
		     "  'i',\n"
		     " ],\n"
		     "}\n",
		     "text");
	ASSERT_STREQ(TXT(s1, zero), "(struct s1){\n}\n", "all-zero struct");
	ASSERT_STREQ(JSN(s1, v), "{\"a\":1,\"b\":0,\"c\":-1,\"name\":\"hi\"}", "json");
	ASSERT_STREQ(JSN(s1, zero), "{\"a\":0,\"b\":0,\"c\":0,\"name\":\"\"}", "json zero");
	ASSERT_STREQ(text(&sb, f.btf, f.empty, NULL, 0), "(struct empty){\n}\n", "empty struct");
	ASSERT_STREQ(json(&sb, f.btf, f.empty, NULL, 0), "{}", "json empty struct");
	sb_free(&sb);
	fx_free(&f);
}

TEST(format_truncated)
{
	struct {
		int a;
		unsigned int b;
		long c;
		char name[8];
	} v = {1, 2, 3, "abcdefg"};
	struct strbuf sb;
	struct fx f;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	ASSERT_STREQ(text(&sb, f.btf, f.s1, &v, 6), "(struct s1){\n .a = (int)1,\n}\n", "6 bytes");
	ASSERT_STREQ(json(&sb, f.btf, f.s1, &v, 6), "{\"a\":1}", "json 6 bytes");
	ASSERT_STREQ(json(&sb, f.btf, f.s1, &v, 19), "{\"a\":1,\"b\":2,\"c\":3,\"name\":\"abc\"}",
		     "json char array cut");
	ASSERT_STREQ(text(&sb, f.btf, f.s1, &v, 19),
		     "(struct s1){\n .a = (int)1,\n .b = (unsigned int)2,\n .c = (long)3,\n"
		     " .name = (char[])[\n  'a',\n  'b',\n  'c',\n ],\n}\n",
		     "text char array cut");
	ASSERT_STREQ(text(&sb, f.btf, f.t_int, &v, 3), "ERR -61", "scalar not captured");
	ASSERT_STREQ(text(&sb, f.btf, f.s1, NULL, 0), "(struct s1){\n}\n", "nothing captured");
	sb_free(&sb);
	fx_free(&f);
}

TEST(format_nested_anon_union)
{
	struct {
		short x, y;
		int u;
		int z;
	} v = {0, 3, 7, 0};
	struct strbuf sb;
	struct fx f;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	ASSERT_STREQ(TXT(outer, v),
		     "(struct outer){\n"
		     " .in = (struct inner){\n"
		     "  .y = (short)3,\n"
		     " },\n"
		     " (union){\n"
		     "  .u_i = (int)7,\n"
		     "  .u_u = (unsigned int)7,\n"
		     " },\n"
		     "}\n",
		     "text");
	ASSERT_STREQ(JSN(outer, v), "{\"in\":{\"x\":0,\"y\":3},\"u_i\":7,\"u_u\":7,\"z\":0}",
		     "json flattens the anonymous union");
	sb_free(&sb);
	fx_free(&f);
}

TEST(format_bitfields)
{
	/* a=5 (bits 0-2), b=65 (bits 3-9, crosses a byte), c=-1 (bits 10-13) */
	unsigned char v[8] = {0x0d, 0x3e, 0, 0, 0, 0, 0, 0};
	unsigned char w[8] = {0, 0, 0, 0, 9, 0, 0, 0};
	struct strbuf sb;
	struct fx f;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	ASSERT_STREQ(TXT(bf, v),
		     "(struct bf){\n"
		     " .a = (unsigned int)0x5,\n"
		     " .b = (unsigned int)0x41,\n"
		     " .c = (int)0xf,\n"
		     "}\n",
		     "text: bitfields are hex, signed or not");
	ASSERT_STREQ(TXT(bf, w), "(struct bf){\n .d = (unsigned char)9,\n}\n", "zero bitfields");
	ASSERT_STREQ(JSN(bf, v), "{\"a\":5,\"b\":65,\"c\":-1,\"d\":0}", "json");
	sb_free(&sb);
	fx_free(&f);
}

TEST(format_array_of_structs)
{
	int v[6] = {1, 0, 0, 0, 0, 2};
	struct {
		int id;
		char tag[4];
	} t[2] = {{1, "ab"}, {0, ""}};
	struct strbuf sb;
	struct fx f;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	/* Elements have no name, nor do the members of a struct element. */
	ASSERT_STREQ(TXT(poly, v),
		     "(struct poly){\n"
		     " .p = (struct pt[])[\n"
		     "  \n"
		     "   1,\n"
		     "  },\n"
		     "  \n"
		     "   2,\n"
		     "  },\n"
		     " ],\n"
		     "}\n",
		     "text");
	/* ...unless the element holds an array: its dry run clears array_member. */
	ASSERT_STREQ(TXT(tab, t),
		     "(struct tab){\n"
		     " .e = (struct ent[])[\n"
		     "  (struct ent){\n"
		     "   .id = (int)1,\n"
		     "   .tag = (char[])[\n"
		     "    'a',\n"
		     "    'b',\n"
		     "   ],\n"
		     "  },\n"
		     " ],\n"
		     "}\n",
		     "text, element with an array");
	ASSERT_STREQ(JSN(poly, v),
		     "{\"p\":[{\"x\":1,\"y\":0},{\"x\":0,\"y\":0},{\"x\":0,\"y\":2}]}", "json");
	ASSERT_STREQ(JSN(tab, t), "{\"e\":[{\"id\":1,\"tag\":\"ab\"},{\"id\":0,\"tag\":\"\"}]}",
		     "json 2");
	sb_free(&sb);
	fx_free(&f);
}

TEST(format_enums)
{
	int paint[3] = {0, 7, 0};
	int blue = 2, neg = -5, negm = -1;
	unsigned long huge = 1ULL << 40, three = 3;
	struct strbuf sb;
	struct fx f;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	/* A matching name is printed even for 0. */
	ASSERT_STREQ(TXT(paint, paint),
		     "(struct paint){\n"
		     " .c = (enum color)RED,\n"
		     " .d = (enum color)7,\n"
		     "}\n",
		     "text");
	ASSERT_STREQ(TXT(color, blue), "(enum color)BLUE\n", "top level");
	ASSERT_STREQ(TXT(sgn, neg), "(enum sgn)-5\n", "signed enum, no match");
	ASSERT_STREQ(TXT(sgn, negm), "(enum sgn)NEG\n", "signed enum, match");
	ASSERT_STREQ(TXT(big, huge), "(enum big)HUGE\n", "enum64");
	ASSERT_STREQ(TXT(big, three), "(enum big)3\n", "enum64 no match");
	ASSERT_STREQ(JSN(paint, paint),
		     "{\"c\":{\"name\":\"RED\",\"value\":0},\"d\":{\"name\":null,\"value\":7},"
		     "\"pad\":0}",
		     "json");
	ASSERT_STREQ(JSN(sgn, neg), "{\"name\":null,\"value\":-5}", "json signed");
	ASSERT_STREQ(JSN(sgn, negm), "{\"name\":\"NEG\",\"value\":-1}", "json signed match");
	ASSERT_STREQ(JSN(big, huge), "{\"name\":\"HUGE\",\"value\":1099511627776}", "json enum64");
	sb_free(&sb);
	fx_free(&f);
}

TEST(format_pointers)
{
	unsigned long v[4] = {0x1234, 0, 0xffffffff81000000UL, 1};
	unsigned long null = 0, p = 0xffff888001234567UL;
	struct strbuf sb;
	struct fx f;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	ASSERT_STREQ(TXT(pp, v),
		     "(struct pp){\n"
		     " .p = (struct pt *)0x0000000000001234,\n"
		     " .fn = ( *)0xffffffff81000000,\n"
		     " .s = (char *)0x0000000000000001,\n"
		     "}\n",
		     "text");
	ASSERT_STREQ(TXT(pt_ptr, null), "(struct pt *)0x0000000000000000\n", "NULL at top level");
	ASSERT_STREQ(TXT(void_ptr, p), "( *)0xffff888001234567\n", "void *");
	ASSERT_STREQ(JSN(pp, v),
		     "{\"p\":\"0x1234\",\"v\":\"0x0\",\"fn\":\"0xffffffff81000000\",\"s\":\"0x1\"}",
		     "json");
	sb_free(&sb);
	fx_free(&f);
}

TEST(format_typedefs_and_qualifiers)
{
	int pt[2] = {1, 2};
	unsigned int td[3] = {5, 0, 9};
	unsigned long p = 0x10;
	int cv[2] = {1, 2}, k = 5;
	struct strbuf sb;
	struct fx f;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	ASSERT_STREQ(TXT(pt_t, pt), "(pt_t){\n .x = (int)1,\n .y = (int)2,\n}\n", "typedef struct");
	ASSERT_STREQ(TXT(td, td),
		     "(struct td){\n .a = (u32)5,\n .p = (pt_t){\n  .y = (int)9,\n },\n}\n",
		     "typedef members");
	ASSERT_STREQ(TXT(ptp, p), "(ptp *)0x0000000000000010\n", "typedef of a pointer");
	/* const/volatile as the first link print an empty type name. */
	ASSERT_STREQ(TXT(cv, cv), "(struct cv){\n .st = ()1,\n .k = ()2,\n}\n",
		     "qualified members");
	ASSERT_STREQ(TXT(cint, k), "()5\n", "const int");
	ASSERT_STREQ(JSN(td, td), "{\"a\":5,\"p\":{\"x\":0,\"y\":9}}", "json");
	ASSERT_STREQ(JSN(cv, cv), "{\"st\":1,\"k\":2}", "json qualifiers");
	sb_free(&sb);
	fx_free(&f);
}

TEST(format_char_arrays)
{
	char c5[5] = {'a', 1, (char)0xe9, (char)0x80, 'z'};
	unsigned char mac[6] = {0, 1, 2, 3, 4, 5}, mac2[6] = {0x41, 0, 7};
	struct strbuf sb;
	struct fx f;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	/* No NUL: all elements; 0xe9 is printable for the kernel, 0x80 is not. */
	ASSERT_STREQ(TXT(chars5, c5), "(char[])[\n 'a',\n 1,\n '\xe9',\n -128,\n 'z',\n]\n",
		     "text");
	ASSERT_STREQ(TXT(mac, mac), "(u8[])[\n]\n", "leading NUL ends a 1-byte array");
	ASSERT_STREQ(TXT(mac, mac2), "(u8[])[\n 'A',\n]\n", "u8 arrays are char arrays too");
	ASSERT_STREQ(JSN(chars5, c5), "\"a\\u0001\\u00e9\\u0080z\"", "json string");
	ASSERT_STREQ(JSN(mac, mac), "[0,1,2,3,4,5]", "json u8 array is numbers");
	sb_free(&sb);
	fx_free(&f);
}

TEST(format_kernel_quirks)
{
	float fl[2];
	unsigned long ap[3] = {0x10, 0x20, 0x30};
	int m[4] = {0, 0, 5, 0};
	unsigned int ln = 5;
	struct strbuf sb;
	struct fx f;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	fl[0] = 1.5f;
	memcpy(&fl[1], &(int){3}, sizeof(int));
	ASSERT_STREQ(TXT(fl, fl), "(struct fl){\n<unsupported kind:16> .i = (int)3,\n}\n", "float");
	ASSERT_STREQ(JSN(fl, fl), "{\"f\":1.5,\"i\":3}", "json float");
	/* Pointer and array elements are all read at the array's start. */
	ASSERT_STREQ(TXT(ap, ap),
		     "(struct ap){\n"
		     " .v = (int *[])\n"
		     "  0x0000000000000010,\n"
		     "  0x0000000000000010,\n"
		     "  0x0000000000000010,\n"
		     " ],\n"
		     "}\n",
		     "array of pointers");
	ASSERT_STREQ(JSN(ap, ap), "{\"v\":[\"0x10\",\"0x20\",\"0x30\"]}", "json array of pointers");
	ASSERT_STREQ(TXT(arr2d, m), "(int[][])[\n]\n", "2-D array repeats the zero first row");
	ASSERT_STREQ(JSN(arr2d, m), "[[0,0],[5,0]]", "json 2-D");
	/* The kernel formats ".name = (type)" into 80 bytes. */
	ASSERT_STREQ(TXT(longname, ln),
		     "(struct ln){\n"
		     " .a_member_name_that_is_exactly_seventy_characters_long_xxxxxxxxxxxxxxxx = "
		     "(unsi5,\n"
		     "}\n",
		     "name cut at 79 bytes");
	sb_free(&sb);
	fx_free(&f);
}

TEST(format_json_floats)
{
	struct btf *b = btf__new_empty();
	unsigned short h1 = 0x3c00, hs = 0x0001, hinf = 0x7c00;
	double d = -0.25;
	float nan_f = __builtin_nanf("");
	struct strbuf sb;
	int f16, f64, f32;

	if (!ASSERT_TRUE(b != NULL, "btf"))
		return;
	sb_init(&sb);
	f16 = btf__add_float(b, "_Float16", 2);
	f32 = btf__add_float(b, "float", 4);
	f64 = btf__add_float(b, "double", 8);
	ASSERT_STREQ(json(&sb, b, f16, &h1, 2), "1", "half 1.0");
	ASSERT_STREQ(json(&sb, b, f16, &hs, 2), "5.96046448e-08", "half subnormal");
	ASSERT_STREQ(json(&sb, b, f16, &hinf, 2), "null", "half inf");
	ASSERT_STREQ(json(&sb, b, f64, &d, 8), "-0.25", "double");
	ASSERT_STREQ(json(&sb, b, f32, &nan_f, 4), "null", "NaN");
	ASSERT_STREQ(text(&sb, b, f64, &d, 8), "<unsupported kind:16>", "text: the kernel's");
	sb_free(&sb);
	btf__free(b);
}

TEST(format_type_names)
{
	struct strbuf sb;
	struct fx f;
	struct {
		int *id;
		const char *want;
	} cases[] = {
		{&f.t_uint, "unsigned int"},
		{&f.pt_ptr, "struct pt *"},
		{&f.s1_name, "char[]"},
		{&f.arr2d, "int[][]"},
		{&f.pt_t, "pt_t"},
		{&f.ptp, "ptp *"},
		{&f.void_ptr, " *"},
		{&f.fn_ptr, " *"},
		{&f.cchar_ptr, "char *"},
		{&f.ptr_arr, "int *[]"},
		{&f.color, "enum color"},
		{&f.anon_u, "union"},
		{&f.cint, ""},
		{&f.pt_arr, "struct pt[]"},
	};
	size_t i;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		sb_reset(&sb);
		ASSERT_OK(fmt_type_name(f.btf, *cases[i].id, &sb), cases[i].want);
		ASSERT_STREQ(sb_str(&sb), cases[i].want, "fmt_type_name");
	}
	sb_reset(&sb);
	ASSERT_EQ(fmt_type_name(f.btf, 0, &sb), -EINVAL, "void");
	ASSERT_EQ(fmt_type_name(f.btf, 100000, &sb), -EINVAL, "bad id");
	sb_free(&sb);
	fx_free(&f);
}

TEST(format_cstrings)
{
	struct strbuf sb;
	struct jw w;

	sb_init(&sb);
	fmt_cstring_text(&sb, "a\"b\\\n\t\x01\xe9\0junk", 12);
	ASSERT_STREQ(sb_str(&sb), "\"a\\\"b\\\\\\n\\t\\001\\351\"", "text");
	sb_reset(&sb);
	fmt_cstring_text(&sb, "abc", 3);
	ASSERT_STREQ(sb_str(&sb), "\"abc\"...", "no NUL: cut");
	sb_reset(&sb);
	jw_init(&w, &sb);
	fmt_cstring_json(&w, "a\n\xe9\0junk", 8);
	ASSERT_STREQ(sb_str(&sb), "\"a\\n\\u00e9\"", "json");
	sb_free(&sb);
}

/* Random BTF-typed garbage must not crash (run under ASan/UBSan). */
TEST(format_fuzz_smoke)
{
	unsigned char data[64];
	struct strbuf sb;
	struct fx f;
	int id, n, i;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	srand(1);
	n = btf__type_cnt(f.btf);
	for (i = 0; i < 2000; i++) {
		size_t j, len = rand() % (sizeof(data) + 1);

		for (j = 0; j < sizeof(data); j++)
			data[j] = rand();
		id = rand() % (n + 2);
		sb_reset(&sb);
		fmt_text(f.btf, id, data, len, &sb);
		sb_reset(&sb);
		fmt_json(f.btf, id, data, len, &sb);
	}
	sb_free(&sb);
	fx_free(&f);
}

/*
 * Mutated BTF (type loops, bad ids, odd sizes) must not crash either, and
 * JSON's shortcuts print what the plain walk prints (values mostly zero every
 * other round: the zero runs). Text's quiet runs do not, on BTF whose members
 * lie past their struct's size (the kernel rejects such BTF): not checked.
 */
TEST(format_fuzz_btf)
{
	unsigned char data[64], *raw;
	struct strbuf sb, plain;
	struct fx f;
	const void *orig;
	__u32 size;
	int i, k, id, r, loaded = 0;
	libbpf_print_fn_t old_print;
	bool ok = true;

	if (!fx_build(&f))
		return;
	sb_init(&sb);
	sb_init(&plain);
	orig = btf__raw_data(f.btf, &size);
	raw = malloc(size);
	old_print = libbpf_set_print(NULL);
	srand(2);
	for (i = 0; i < 1000; i++) {
		struct btf *b;
		size_t j;

		memcpy(raw, orig, size);
		/* Flip bytes in the header's tail and the type section. */
		for (k = 0; k < 1 + rand() % 4; k++)
			raw[24 + rand() % (size - 24)] = rand();
		b = btf__new(raw, size);
		if (!b)
			continue;
		loaded++;
		for (j = 0; j < sizeof(data); j++)
			data[j] = i % 2 && rand() % 8 ? 0 : rand();
		for (id = 1; id < (int)btf__type_cnt(b) && ok; id++) {
			size_t len = rand() % (sizeof(data) + 1);

			sb_reset(&sb);
			fmt_text(b, id, data, rand() % (sizeof(data) + 1), &sb);
			sb_reset(&plain);
			fmt_plain_walk = true;
			r = fmt_json(b, id, data, len, &plain);
			fmt_plain_walk = false;
			sb_reset(&sb);
			ok = ASSERT_EQ(fmt_json(b, id, data, len, &sb), r, "JSON return") &&
			     ASSERT_STREQ(sb_str(&sb), sb_str(&plain), "JSON, shortcuts or not");
			sb_reset(&sb);
			fmt_type_name(b, id, &sb);
		}
		btf__free(b);
	}
	libbpf_set_print(old_print);
	ASSERT_TRUE(loaded > 100, "some mutated BTF loads");
	free(raw);
	sb_free(&sb);
	sb_free(&plain);
	fx_free(&f);
}
