// SPDX-License-Identifier: GPL-2.0
/* Stage 1 tests: SPEC strings to AST, and the errors for bad ones. */
#include <errno.h>
#include <stdlib.h>
#include <linux/types.h>

#include "ksnoop.h"
#include "parse.h"
#include "test.h"

/* Parse @str that must be valid; on failure print the rendered error. */
static bool parse_ok(const char *str, struct spec *spec)
{
	struct parse_error err;
	char buf[1024];
	int ret;

	ret = spec_parse(str, spec, &err);
	if (ret) {
		parse_error_str(str, &err, buf, sizeof(buf));
		test_fail(__FILE__, __LINE__, "spec_parse(\"%s\") = %d:\n%s", str, ret, buf);
		return false;
	}
	return true;
}

/*
 * Parse @str, a SPEC with one item with predicate @op: the item, or NULL
 * (failure recorded, @spec freed).
 */
static struct item *parse_pred(const char *str, struct spec *spec, enum ksnoop_pred_op op)
{
	if (!parse_ok(str, spec))
		return NULL;
	if (!ASSERT_EQ(spec->nitems, 1, str) || !ASSERT_EQ(spec->items[0].op, op, str)) {
		spec_free(spec);
		return NULL;
	}
	return &spec->items[0];
}

TEST(parse_plain_func)
{
	struct spec s;

	if (!parse_ok("tcp_sendmsg", &s))
		return;
	ASSERT_STREQ(s.text, "tcp_sendmsg", "text");
	ASSERT_STREQ(s.func, "tcp_sendmsg", "func");
	ASSERT_TRUE(s.module == NULL, "no module");
	ASSERT_TRUE(!s.is_glob, "not glob");
	ASSERT_TRUE(!s.has_parens, "no parens");
	ASSERT_EQ(s.nitems, 0, "nitems");
	spec_free(&s);

	if (!parse_ok("  foo.isra.0  ", &s))
		return;
	ASSERT_STREQ(s.func, "foo.isra.0", "dotted func");
	ASSERT_STREQ(s.text, "  foo.isra.0  ", "text as given");
	spec_free(&s);
}

TEST(parse_empty_parens)
{
	struct spec s;

	if (!parse_ok("f()", &s))
		return;
	ASSERT_TRUE(s.has_parens, "parens");
	ASSERT_EQ(s.nitems, 0, "nitems");
	spec_free(&s);

	if (!parse_ok(" f ( \t ) ", &s))
		return;
	ASSERT_TRUE(s.has_parens, "parens with spaces");
	ASSERT_EQ(s.nitems, 0, "nitems with spaces");
	spec_free(&s);
}

TEST(parse_glob_and_module)
{
	static const struct {
		const char *str, *module, *func;
		bool glob;
	} cases[] = {
		{"tcp_*", NULL, "tcp_*", true},
		{"vfs_rea?", NULL, "vfs_rea?", true},
		{"ext4_[rw]*", NULL, "ext4_[rw]*", true},
		{"f[0-9]", NULL, "f[0-9]", true},
		{"f[!a-c]x", NULL, "f[!a-c]x", true},
		{"nf_conntrack:nf_ct_delete", "nf_conntrack", "nf_ct_delete", false},
		{"my-mod_2:foo*", "my-mod_2", "foo*", true},
		{"kvm:kvm_vcpu_ioctl.cold", "kvm", "kvm_vcpu_ioctl.cold", false},
		{"*", NULL, "*", true},
		{"*:nft_do_chain", "*", "nft_do_chain", false},
		{"*:tcp_*", "*", "tcp_*", true},
	};
	struct spec s;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!parse_ok(cases[i].str, &s))
			continue;
		if (cases[i].module)
			ASSERT_STREQ(s.module, cases[i].module, cases[i].str);
		else
			ASSERT_TRUE(s.module == NULL, cases[i].str);
		ASSERT_STREQ(s.func, cases[i].func, cases[i].str);
		ASSERT_EQ(s.is_glob, cases[i].glob, cases[i].str);
		spec_free(&s);
	}
}

TEST(parse_items_chain)
{
	const char *str = "ip_send_skb(skb->len, skb->sk->__sk_common.skc_dport, skb->cb[3])";
	struct spec s;
	struct expr *e;

	if (!parse_ok(str, &s))
		return;
	ASSERT_STREQ(s.func, "ip_send_skb", "func");
	if (!ASSERT_EQ(s.nitems, 3, "nitems"))
		goto cleanup;

	e = &s.items[0].expr;
	ASSERT_STREQ(s.items[0].text, "skb->len", "item 0 text");
	ASSERT_EQ(s.items[0].pos, 12, "item 0 pos");
	ASSERT_STREQ(e->base, "skb", "item 0 base");
	ASSERT_EQ(e->base_pos, 12, "item 0 base_pos");
	ASSERT_TRUE(!e->is_ret, "item 0 not ret");
	ASSERT_EQ(e->nstars, 0, "item 0 stars");
	if (ASSERT_EQ(e->nsteps, 1, "item 0 steps")) {
		ASSERT_EQ(e->steps[0].kind, STEP_ARROW, "item 0 arrow");
		ASSERT_STREQ(e->steps[0].name, "len", "item 0 member");
		ASSERT_EQ(e->steps[0].pos, 15, "item 0 step pos");
	}
	ASSERT_EQ(s.items[0].op, KSNOOP_OP_NONE, "item 0 no predicate");

	e = &s.items[1].expr;
	ASSERT_STREQ(s.items[1].text, "skb->sk->__sk_common.skc_dport", "item 1 text");
	ASSERT_EQ(s.items[1].pos, 22, "item 1 pos");
	if (ASSERT_EQ(e->nsteps, 3, "item 1 steps")) {
		ASSERT_EQ(e->steps[0].kind, STEP_ARROW, "sk");
		ASSERT_STREQ(e->steps[0].name, "sk", "sk name");
		ASSERT_EQ(e->steps[1].kind, STEP_ARROW, "__sk_common");
		ASSERT_STREQ(e->steps[1].name, "__sk_common", "__sk_common name");
		ASSERT_EQ(e->steps[2].kind, STEP_DOT, "skc_dport");
		ASSERT_STREQ(e->steps[2].name, "skc_dport", "skc_dport name");
		ASSERT_EQ(e->steps[2].pos, 42, "dot pos");
	}

	e = &s.items[2].expr;
	ASSERT_STREQ(s.items[2].text, "skb->cb[3]", "item 2 text");
	if (ASSERT_EQ(e->nsteps, 2, "item 2 steps")) {
		ASSERT_EQ(e->steps[1].kind, STEP_INDEX, "index kind");
		ASSERT_EQ(e->steps[1].index, 3, "index");
		ASSERT_TRUE(e->steps[1].name == NULL, "index has no name");
		ASSERT_EQ(e->steps[1].pos, 61, "index pos");
	}
cleanup:
	spec_free(&s);
}

TEST(parse_stars_return_index)
{
	struct spec s;
	struct expr *e;

	if (!parse_ok("f(*ptr, **pp, dev->name, return, a[0x10][010].b, * * q, return->x)", &s))
		return;
	if (!ASSERT_EQ(s.nitems, 7, "nitems"))
		goto cleanup;
	ASSERT_EQ(s.items[0].expr.nstars, 1, "*ptr");
	ASSERT_STREQ(s.items[0].expr.base, "ptr", "*ptr base");
	ASSERT_STREQ(s.items[0].text, "*ptr", "*ptr text");
	ASSERT_EQ(s.items[1].expr.nstars, 2, "**pp");
	ASSERT_EQ(s.items[2].expr.nsteps, 1, "dev->name");
	ASSERT_STREQ(s.items[2].expr.steps[0].name, "name", "dev->name member");

	e = &s.items[3].expr;
	ASSERT_TRUE(e->is_ret, "return");
	ASSERT_STREQ(e->base, "return", "return base");
	ASSERT_EQ(e->nsteps, 0, "return steps");

	e = &s.items[4].expr;
	if (ASSERT_EQ(e->nsteps, 3, "a[0x10][010].b")) {
		ASSERT_EQ(e->steps[0].index, 16, "hex index");
		ASSERT_EQ(e->steps[1].index, 8, "octal index");
		ASSERT_EQ(e->steps[2].kind, STEP_DOT, "dot after index");
	}
	ASSERT_EQ(s.items[5].expr.nstars, 2, "spaced stars");
	ASSERT_STREQ(s.items[5].text, "**q", "spaced stars text");
	ASSERT_TRUE(s.items[6].expr.is_ret, "return->x");
	ASSERT_EQ(s.items[6].expr.nsteps, 1, "return->x steps");

	spec_free(&s);
	if (!parse_ok("f(returned, return_val)", &s))
		return;
	ASSERT_TRUE(!s.items[0].expr.is_ret, "returned is an argument");
	ASSERT_TRUE(!s.items[1].expr.is_ret, "return_val is an argument");
cleanup:
	spec_free(&s);
}

TEST(parse_predicates)
{
	static const struct {
		const char *str;
		enum ksnoop_pred_op op;
		enum pred_value_kind kind;
		uint64_t u;
		bool neg;
		const char *name;
		const char *text;
	} cases[] = {
		{"f(a == 5)", KSNOOP_OP_EQ, PVAL_INT, 5, false, NULL, "a==5"},
		{"f(a != 0)", KSNOOP_OP_NE, PVAL_INT, 0, false, NULL, "a!=0"},
		{"f(a < -1)", KSNOOP_OP_LT, PVAL_INT, 1, true, NULL, "a<-1"},
		{"f(a <= 0x1F)", KSNOOP_OP_LE, PVAL_INT, 31, false, NULL, "a<=0x1F"},
		{"f(a > 0755)", KSNOOP_OP_GT, PVAL_INT, 0755, false, NULL, "a>0755"},
		{"f(a >= 18446744073709551615)", KSNOOP_OP_GE, PVAL_INT, UINT64_MAX, false, NULL,
		 "a>=18446744073709551615"},
		{"f(a == -9223372036854775808)", KSNOOP_OP_EQ, PVAL_INT, 1ULL << 63, true, NULL,
		 "a==-9223372036854775808"},
		{"f(a==0xffffffffffffffff)", KSNOOP_OP_EQ, PVAL_INT, UINT64_MAX, false, NULL,
		 "a==0xffffffffffffffff"},
		{"f(a == - 7)", KSNOOP_OP_EQ, PVAL_INT, 7, true, NULL, "a==-7"},
		{"f(sk != NULL)", KSNOOP_OP_NE, PVAL_NULL, 0, false, NULL, "sk!=NULL"},
		{"f(sk->sk_state == TCP_CLOSE)", KSNOOP_OP_EQ, PVAL_ENUM, 0, false, "TCP_CLOSE",
		 "sk->sk_state==TCP_CLOSE"},
		{"f( skb -> len\t>\n100 )", KSNOOP_OP_GT, PVAL_INT, 100, false, NULL,
		 "skb->len>100"},
		{"f(return<0)", KSNOOP_OP_LT, PVAL_INT, 0, false, NULL, "return<0"},
		/*
		 * Strings: u is the length, name the bytes. The text keeps the
		 * string's spaces: a merged SPEC is parsed again from it.
		 */
		{"f(a == \"eth0\")", KSNOOP_OP_EQ, PVAL_STR, 4, false, "eth0", "a==\"eth0\""},
		{"f(a != \"\")", KSNOOP_OP_NE, PVAL_STR, 0, false, "", "a!=\"\""},
		{"f( a ~ \"/etc/ *\" )", KSNOOP_OP_GLOB, PVAL_STR, 7, false, "/etc/ *",
		 "a~\"/etc/ *\""},
		{"f(a==\"q\\\"\\\\\\n\\t\\x2F\")", KSNOOP_OP_EQ, PVAL_STR, 6, false, "q\"\\\n\t/",
		 "a==\"q\\\"\\\\\\n\\t\\x2F\""},
		{"f(a:str == \"x, y)\")", KSNOOP_OP_EQ, PVAL_STR, 5, false, "x, y)",
		 "a:str==\"x, y)\""},
	};
	struct spec s;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *what = cases[i].str;
		struct item *it = parse_pred(what, &s, cases[i].op);

		if (!it)
			continue;
		ASSERT_EQ(it->val.kind, cases[i].kind, what);
		ASSERT_EQ(it->val.neg, cases[i].neg, what);
		if (cases[i].kind == PVAL_STR)
			ASSERT_TRUE(it->val.len == cases[i].u &&
					    !memcmp(it->val.str, cases[i].name, cases[i].u),
				    what);
		else
			ASSERT_TRUE(it->val.u == cases[i].u, what);
		if (cases[i].name && cases[i].kind != PVAL_STR)
			ASSERT_STREQ(it->val.name, cases[i].name, what);
		else
			ASSERT_TRUE(it->val.name == NULL, what);
		ASSERT_STREQ(it->text, cases[i].text, what);
		spec_free(&s);
	}

	if (!parse_ok("f(skb -> len >= 5, x)", &s))
		return;
	ASSERT_STREQ(s.items[0].expr_text, "skb->len", "expr_text");
	ASSERT_STREQ(s.items[0].text, "skb->len>=5", "text");
	ASSERT_EQ(s.items[0].val.pos, 16, "value pos");
	ASSERT_STREQ(s.items[1].expr_text, "x", "second item");
	ASSERT_EQ(s.items[1].pos, 19, "second item pos");
	spec_free(&s);
}

TEST(parse_limits_ok)
{
	char name[KSNOOP_MAX_NAME + 1];
	struct spec s;

	memset(name, 'a', KSNOOP_MAX_NAME);
	name[KSNOOP_MAX_NAME] = '\0';
	if (parse_ok(name, &s)) {
		ASSERT_EQ(strlen(s.func), KSNOOP_MAX_NAME, "255-byte name");
		spec_free(&s);
	}
	if (parse_ok("f(a,b,c,d,e,f,g,h)", &s)) {
		ASSERT_EQ(s.nitems, KSNOOP_MAX_ITEMS, "8 items");
		spec_free(&s);
	}
	if (parse_ok("f(********p)", &s)) {
		ASSERT_EQ(s.items[0].expr.nstars, 8, "8 stars");
		spec_free(&s);
	}
}

TEST(parse_str_suffix)
{
	struct spec s;

	if (!parse_ok("vfs_open(path->dentry->d_name.name : str, file)", &s))
		return;
	if (ASSERT_EQ(s.nitems, 2, "nitems")) {
		ASSERT_TRUE(s.items[0].as_str, "item 0 has ':str'");
		ASSERT_STREQ(s.items[0].text, "path->dentry->d_name.name:str", "item 0 text");
		ASSERT_STREQ(s.items[0].expr_text, "path->dentry->d_name.name",
			     "the expression leaves the suffix out");
		ASSERT_EQ(s.items[0].expr.nsteps, 3, "item 0 steps");
		ASSERT_TRUE(!s.items[1].as_str, "item 1 has no suffix");
	}
	spec_free(&s);
}

TEST(parse_errors)
{
	static const struct {
		const char *str;
		const char *msg;
		int pos;
	} cases[] = {
		{"", "empty spec", 0},
		{"   \t", "empty spec", 0},
		{"f(a->)", "expected member name after '->'", 5},
		{"f(a->1)", "expected member name after '->'", 5},
		{"f(a.)", "expected member name after '.'", 4},
		{"f(a[1)", "expected ']'", 5},
		{"f(a[1", "expected ']'", 5},
		{"f(a[])", "expected array index after '['", 4},
		{"f(a[x])", "expected array index after '['", 4},
		{"f(a[-1])", "array index must be non-negative", 4},
		{"f(a[99999999999999999999])", "array index out of range", 4},
		{"f(a[0x8000000000000000])", "array index out of range", 4},
		{"f(a[08])", "invalid digit '8' in octal literal", 5},
		{"f(a[1.5])", "invalid character '.' in integer literal", 5},
		{"f(a", "unbalanced parenthesis", 1},
		{"f(", "unbalanced parenthesis", 1},
		{"f(a, b", "unbalanced parenthesis", 1},
		{"f(a))", "unbalanced parenthesis", 4},
		{"f)", "unbalanced parenthesis", 1},
		{"f(a b)", "unexpected 'b' after item", 4},
		{"f(a-1)", "unexpected '-' after item", 3},
		{"f(a(", "unexpected '(' after item", 3},
		{"f(a,,b)", "empty item", 4},
		{"f(a,)", "empty item", 4},
		{"f(,a)", "empty item", 2},
		{"f(a ==)", "expected value after '=='", 6},
		{"f(a >= ,b)", "expected value after '>='", 7},
		{"f(a < < 1)", "expected value after '<'", 6},
		{"f(a = 1)", "did you mean '=='?", 4},
		{"f(a => 1)", "did you mean '>='?", 4},
		{"f(a ! 1)", "did you mean '!='?", 4},
		{"f(a == -NULL)", "expected integer after '-'", 8},
		{"f(a == 18446744073709551616)", "integer literal out of range", 7},
		{"f(a == -9223372036854775809)", "integer literal out of range", 7},
		{"f(a == 0x)", "expected hex digits after '0x'", 9},
		{"f(a == 0x1g)", "invalid character 'g' in integer literal", 10},
		{"f(a == 12abc)", "invalid character 'a' in integer literal", 9},
		{"f(a == 09)", "invalid digit '9' in octal literal", 8},
		{"f(a == 1 2)", "unexpected '2' after item", 9},
		{"f()x", "trailing characters after ')'", 3},
		{"f(a) (b)", "trailing characters after ')'", 5},
		{"f x", "unexpected 'x' after function name", 2},
		{"f(a > 1 && a < 5)",
		 "'&&' is not supported: items are ANDed; separate them with ','", 8},
		{"f(a||b)", "'||' is not supported: a call is shown when every predicate holds", 3},
		{"f-x", "unexpected '-' after function name", 1},
		{"(a)", "expected function name", 0},
		{"mod:", "expected function name after 'mod:'", 4},
		{":f", "expected module name before ':'", 0},
		{"my.mod:f", "unexpected '.' in module name", 2},
		{"**:f", "unexpected '*' in module name", 0},
		{"nf_*:f", "unexpected '*' in module name", 3},
		{"a:b:c", "unexpected ':' after function name", 3},
		{"f[0-9", "expected ']' to close '[' in function name", 5},
		{"f[]", "empty '[]' in function name", 1},
		{"f(1)", "expected argument name or 'return'", 2},
		{"f(*)", "expected argument name or 'return'", 3},
		{"f((a))", "expected argument name or 'return'", 2},
		{"f(*********p)", "too many '*' (limit 8)", 10},
		{"f(a,b,c,d,e,f,g,h,i)", "too many items (limit 8)", 18},
		{"f(a, b,c,d,e,f,g,h, i, j)", "too many items (limit 8)", 20},
		{"tcp_\xc3\xa9", "unexpected byte 0xc3", 4},
		{"f(a\x01)", "unexpected byte 0x01", 3},
		{"f(a == \x7f)", "unexpected byte 0x7f", 7},
		{"f(a @ 1)", "unexpected '@' after item", 4},
		{"f(a:)", "expected 'str' after ':'", 4},
		{"f(a->b:x)", "unknown suffix after 'a->b' (the only one is ':str')", 6},
		{"f(a:str == 1)", "a ':str' item compares as a string", 8},
		{"f(a == \"abc)", "unterminated string: missing the closing '\"'", 7},
		{"f(a == \"ab\\\")", "unterminated string", 7},
		{"f(a < \"x\")", "strings compare with ==, != or ~ (glob), not '<'", 6},
		{"f(a ~ 5)", "'~' takes a double-quoted glob", 6},
		{"f(a ~ NULL)", "'~' takes a double-quoted glob", 6},
		{"f(a == \"\\q\")", "unknown escape '\\q' in string", 8},
		{"f(a == \"\\x4\")", "'\\x' needs two hex digits", 8},
		{"f(a == \"\\x00\")", "'\\x' needs two hex digits, not 00", 8},
		{"f(a ~ \"[ab\")", "bad '[...]' class in the glob", 7},
		{"f(a ~ \"[z-a]\")", "bad '[...]' class in the glob", 7},
		{"f(a == \"0123456789012345678901234567890123456789012345678901234567890123\")",
		 "string operand too long (limit 63 bytes and wildcards)", 71},
		{"f(a:str:str)", "unexpected ':' after item", 7},
	};
	struct parse_error err;
	struct spec s;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *what = cases[i].str;
		int ret;

		ret = spec_parse(what, &s, &err);
		if (!ASSERT_EQ(ret, -EINVAL, what)) {
			if (!ret)
				spec_free(&s);
			continue;
		}
		ASSERT_HAS(err.msg, cases[i].msg, what);
		ASSERT_EQ(err.pos, cases[i].pos, what);
		/* The spec is left empty on error. */
		ASSERT_TRUE(!s.text && !s.func && !s.module && !s.items && !s.nitems, what);
	}
}

TEST(parse_errors_long)
{
	struct parse_error err;
	struct spec s;
	char *str;
	int i, ret;

	/* 4 KiB function name. */
	str = malloc(4097);
	if (!ASSERT_TRUE(str != NULL, "malloc"))
		return;
	memset(str, 'x', 4096);
	str[4096] = '\0';
	ret = spec_parse(str, &s, &err);
	ASSERT_EQ(ret, -EINVAL, "4 KiB func");
	ASSERT_HAS(err.msg, "name too long (4096 bytes, limit 255)", "4 KiB func");
	ASSERT_EQ(err.pos, 0, "4 KiB func pos");

	/* 4 KiB member name after "f(a->". */
	memcpy(str, "f(a->", 5);
	ret = spec_parse(str, &s, &err);
	ASSERT_EQ(ret, -EINVAL, "4 KiB member");
	ASSERT_HAS(err.msg, "name too long (4091 bytes, limit 255)", "4 KiB member");
	ASSERT_EQ(err.pos, 5, "4 KiB member pos");

	/* 256-byte module name. */
	memset(str, 'm', 256);
	strcpy(str + 256, ":f");
	ret = spec_parse(str, &s, &err);
	ASSERT_EQ(ret, -EINVAL, "long module");
	ASSERT_HAS(err.msg, "name too long (256 bytes, limit 255)", "long module");

	/* Deep star chain. */
	memcpy(str, "f(", 2);
	memset(str + 2, '*', 4000);
	strcpy(str + 4002, "p)");
	ret = spec_parse(str, &s, &err);
	ASSERT_EQ(ret, -EINVAL, "deep stars");
	ASSERT_HAS(err.msg, "too many '*' (limit 8)", "deep stars");
	ASSERT_EQ(err.pos, 10, "deep stars pos");

	/* 33 steps: a->b->b... */
	strcpy(str, "f(a");
	for (i = 0; i < 40; i++)
		strcat(str, "->b");
	strcat(str, ")");
	ret = spec_parse(str, &s, &err);
	ASSERT_EQ(ret, -EINVAL, "deep steps");
	ASSERT_HAS(err.msg, "(limit 32)", "deep steps");
	ASSERT_EQ(err.pos, 3 + 32 * 3, "deep steps pos");

	/* 32 steps is fine. */
	strcpy(str, "f(a");
	for (i = 0; i < 32; i++)
		strcat(str, i % 2 ? ".b" : "[1]");
	strcat(str, ")");
	if (parse_ok(str, &s)) {
		ASSERT_EQ(s.items[0].expr.nsteps, 32, "32 steps");
		spec_free(&s);
	}
	free(str);
}

TEST(parse_error_str_render)
{
	struct parse_error err;
	struct spec s;
	char buf[1024], small[8];
	char *str, *line, *caret;
	int n, ret;

	ret = spec_parse("f(a->)", &s, &err);
	ASSERT_EQ(ret, -EINVAL, "parse");
	n = parse_error_str("f(a->)", &err, buf, sizeof(buf));
	ASSERT_STREQ(buf,
		     "syntax error in 'f(a->)': expected member name after '->'\n"
		     "  f(a->)\n"
		     "       ^\n",
		     "render");
	ASSERT_EQ(n, strlen(buf), "return value");

	/* snprintf semantics: truncated, NUL-terminated, full length returned. */
	ASSERT_EQ(parse_error_str("f(a->)", &err, small, sizeof(small)), n, "truncated length");
	ASSERT_STREQ(small, "syntax ", "truncated");
	ASSERT_EQ(parse_error_str("f(a->)", &err, NULL, 0), n, "NULL buffer");

	/* Position past the end is clamped; unprintable bytes keep one column. */
	err.pos = 100;
	parse_error_str("f(\ta", &err, buf, sizeof(buf));
	ASSERT_HAS(buf, "\n  f( a\n      ^\n", "clamped, tab as space");
	ret = spec_parse("f(\xc3\xa9)", &s, &err);
	parse_error_str("f(\xc3\xa9)", &err, buf, sizeof(buf));
	ASSERT_HAS(buf, "\n  f(?\?)\n    ^\n", "non-ASCII");

	/* Long spec: a window, with the caret under the offending byte. */
	str = malloc(1024);
	if (!ASSERT_TRUE(str != NULL, "malloc"))
		return;
	strcpy(str, "f(");
	/* Nine distinct items first (a repeated one would be the first error). */
	for (n = 0; n < 100; n++)
		strcat(str, n < 9 ? (char[]){(char)('a' + n), ',', 0} : "a,");
	strcat(str, "b c");
	for (n = 0; n < 100; n++)
		strcat(str, ",d");
	strcat(str, ")");
	ret = spec_parse(str, &s, &err);
	ASSERT_EQ(ret, -EINVAL, "long parse");
	ASSERT_HAS(err.msg, "too many items", "long parse");
	err.pos = 204; /* the 'c' */
	snprintf(err.msg, sizeof(err.msg), "unexpected 'c' after item");
	parse_error_str(str, &err, buf, sizeof(buf));
	ASSERT_TRUE(strlen(buf) < 600, "window is short");
	line = strstr(buf, "\n  ");
	caret = line ? strchr(line + 1, '\n') : NULL;
	if (ASSERT_TRUE(line && caret, "two lines")) {
		int col = (int)(strchr(caret, '^') - caret);

		ASSERT_EQ(line[col], 'c', "caret under the 'c'");
		ASSERT_TRUE(!strncmp(line + 3, "...", 3), "leading ellipsis");
	}
	free(str);
}

TEST(parse_free_and_op_str)
{
	struct spec s = {};

	spec_free(&s);
	spec_free(NULL);
	ASSERT_STREQ(pred_op_str(KSNOOP_OP_EQ), "==", "EQ");
	ASSERT_STREQ(pred_op_str(KSNOOP_OP_NE), "!=", "NE");
	ASSERT_STREQ(pred_op_str(KSNOOP_OP_LT), "<", "LT");
	ASSERT_STREQ(pred_op_str(KSNOOP_OP_LE), "<=", "LE");
	ASSERT_STREQ(pred_op_str(KSNOOP_OP_GT), ">", "GT");
	ASSERT_STREQ(pred_op_str(KSNOOP_OP_GE), ">=", "GE");
	ASSERT_STREQ(pred_op_str(KSNOOP_OP_NONE), "", "NONE");
	ASSERT_EQ(spec_parse(NULL, &s, NULL), -EINVAL, "NULL string");
}

/* SPECs naming the same function merge: items of the first, then the second's. */
TEST(parse_spec_merge)
{
	struct spec a, b, glob, none, m;
	struct parse_error err;

	if (!ASSERT_OK(spec_parse("f(x->len, y > 5)", &a, NULL), "parse a") ||
	    !ASSERT_OK(spec_parse("f(z, x->len)", &b, NULL), "parse b") ||
	    !ASSERT_OK(spec_parse("f*(z)", &glob, NULL), "parse glob") ||
	    !ASSERT_OK(spec_parse("f", &none, NULL), "parse none"))
		return;

	/* the same item again: an error at its place in the second SPEC */
	ASSERT_EQ(spec_merge(&a, &b, NULL, "f", false, &m, &err), -EINVAL, "repeat");
	ASSERT_EQ(err.pos, 5, "repeat position");
	ASSERT_STREQ(err.msg, "item 'x->len' is given twice: an earlier SPEC for 'f' has it",
		     "repeat message");

	/* ... left out when merging a glob's items */
	if (ASSERT_OK(spec_merge(&a, &b, "mod", "f", true, &m, &err), "dedup")) {
		ASSERT_STREQ(m.text, "mod:f(x->len,y>5,z)", "merged text");
		ASSERT_STREQ(m.module, "mod", "module");
		ASSERT_EQ(m.nitems, 3, "merged items");
		ASSERT_EQ(m.items[1].op, KSNOOP_OP_GT, "predicate kept");
		spec_free(&m);
	}
	if (ASSERT_OK(spec_merge(&a, &glob, NULL, "f", true, &m, &err), "glob")) {
		ASSERT_TRUE(!m.is_glob, "merged into a function, not a glob");
		ASSERT_STREQ(m.text, "f(x->len,y>5,z)", "glob merged");
		spec_free(&m);
	}
	/* a SPEC without items adds none, and takes the other's */
	if (ASSERT_OK(spec_merge(&a, &none, NULL, "f", false, &m, &err), "none added")) {
		ASSERT_STREQ(m.text, "f(x->len,y>5)", "nothing added");
		spec_free(&m);
	}
	if (ASSERT_OK(spec_merge(&none, &b, NULL, "f", false, &m, &err), "into none")) {
		ASSERT_STREQ(m.text, "f(z,x->len)", "items of the second");
		spec_free(&m);
	}
	spec_free(&a);
	spec_free(&b);
	spec_free(&glob);
	spec_free(&none);
}
