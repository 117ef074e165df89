// SPDX-License-Identifier: GPL-2.0
/*
 * The string predicate and --comm matcher: what pattern_compile() builds,
 * run by the same step function the BPF program uses (include/ksnoop.h).
 */
#include <errno.h>
#include <string.h>

#include "pattern.h"
#include "test.h"

static bool match(const char *pat, enum ksnoop_pred_op op, const char *s)
{
	struct ksnoop_pattern p;
	char why[160];
	size_t at;

	if (!ASSERT_EQ(pattern_compile(pat, strlen(pat), op, &p, why, sizeof(why), &at), 0, pat))
		return false;
	return pattern_match(&p, s, strlen(s) + 1);
}

TEST(pattern_exact)
{
	ASSERT_TRUE(match("eth0", KSNOOP_OP_EQ, "eth0"), "equal");
	ASSERT_TRUE(!match("eth0", KSNOOP_OP_EQ, "eth01"), "longer");
	ASSERT_TRUE(!match("eth0", KSNOOP_OP_EQ, "eth"), "shorter");
	ASSERT_TRUE(!match("eth0", KSNOOP_OP_EQ, "eth1"), "differs");
	ASSERT_TRUE(match("", KSNOOP_OP_EQ, ""), "empty");
	ASSERT_TRUE(!match("", KSNOOP_OP_EQ, "a"), "empty vs a");
	/* Without '~' the glob characters are bytes like any other. */
	ASSERT_TRUE(match("a*?[b]", KSNOOP_OP_EQ, "a*?[b]"), "literal wildcards");
	ASSERT_TRUE(!match("a*", KSNOOP_OP_EQ, "abc"), "'*' is literal with ==");
}

TEST(pattern_glob)
{
	static const struct {
		const char *pat, *s;
		bool m;
	} cases[] = {
		{"/etc/*", "/etc/passwd", true},
		{"/etc/*", "/etc/", true},
		{"/etc/*", "/etc", false},
		{"/etc/*", "/tmp/etc/x", false},
		{"*", "", true},
		{"*", "anything", true},
		{"**", "x", true},
		{"*.conf", "/etc/a.conf", true},
		{"*.conf", "/etc/a.conf.bak", false},
		{"*a*b*c", "xxaxxbxxc", true},
		{"*a*b*c", "xxaxxcxxb", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"[a-c]x", "bx", true},
		{"[a-c]x", "dx", false},
		{"[!a-c]x", "dx", true},
		{"[^a-c]x", "ax", false},
		{"[]]", "]", true},
		{"[*]", "*", true},
		{"[*]", "a", false},
		{"nginx*", "nginx: worker", true},
		{"*ab", "aab", true},
		{"*aab", "aaab", true},
		{"?", "", false},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[128];

		snprintf(what, sizeof(what), "'%s' ~ '%s'", cases[i].s, cases[i].pat);
		ASSERT_EQ(match(cases[i].pat, KSNOOP_OP_GLOB, cases[i].s), cases[i].m, what);
	}
}

/* The subject ends at its length or at a NUL, as a char[N] or a string read. */
TEST(pattern_bounds)
{
	struct ksnoop_pattern p;
	char why[160];
	size_t at;

	ASSERT_EQ(pattern_compile("lo", 2, KSNOOP_OP_EQ, &p, why, sizeof(why), &at), 0, "lo");
	ASSERT_TRUE(pattern_match(&p, "lo\0garbage", 16), "NUL ends a char[16]");
	ASSERT_TRUE(pattern_match(&p, "lox", 2), "length ends a full char[2]");
	ASSERT_TRUE(!pattern_match(&p, "l", 16), "short");
	/* 63 tokens fit the 64-bit state; the 64th does not. */
	ASSERT_EQ(
		pattern_compile("0123456789012345678901234567890123456789012345678901234567890123",
				64, KSNOOP_OP_EQ, &p, why, sizeof(why), &at),
		-EINVAL, "64 bytes");
	ASSERT_HAS(why, "limit 63", "64 bytes");
	ASSERT_EQ(at, 63, "where");
	ASSERT_EQ(pattern_compile("a\0b", 3, KSNOOP_OP_EQ, &p, why, sizeof(why), &at), -EINVAL,
		  "NUL");
	ASSERT_TRUE(pattern_is_glob("a*"), "glob");
	ASSERT_TRUE(!pattern_is_glob("sshd"), "not a glob");
}
