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

/*
 * The prefix the kernel compares first (ksnoop_pattern_prefix_fails()): its
 * bytes, and never a rejection of a subject the matcher accepts.
 */
static void check_prefix(const char *pat, enum ksnoop_pred_op op, const char *want, size_t len)
{
	struct ksnoop_pattern p;
	__u64 word = 0, mask = 0;
	char why[160];
	size_t at;

	if (!ASSERT_EQ(pattern_compile(pat, strlen(pat), op, &p, why, sizeof(why), &at), 0, pat))
		return;
	memcpy(&word, want, len);
	if (len)
		mask = len == 8 ? ~0ULL : (1ULL << (8 * len)) - 1;
	ASSERT_EQ(p.prefix, word, pat);
	ASSERT_EQ(p.prefix_mask, mask, pat);
}

TEST(pattern_prefix)
{
	static const char *const subjects[] = {
		"",	  "l",	    "lo",      "lox",	   "eth0",    "eth9",	    "/etc/passwd",
		"/etc",	  "/tmp/x", "nomatch", "nomatch1", "udpsend", "abcdefghij", "abcdefgh",
		"a*?[b]", "ab",
	};
	static const struct {
		const char *pat;
		enum ksnoop_pred_op op;
	} pats[] = {
		{"lo", KSNOOP_OP_EQ},	      {"eth9", KSNOOP_OP_EQ},	 {"/etc/*", KSNOOP_OP_GLOB},
		{"nomatch*", KSNOOP_OP_GLOB}, {"*x", KSNOOP_OP_GLOB},	 {"a?c", KSNOOP_OP_GLOB},
		{"abcdefghij", KSNOOP_OP_EQ}, {"abcdefg", KSNOOP_OP_EQ}, {"", KSNOOP_OP_EQ},
		{"a*?[b]", KSNOOP_OP_EQ},     {"[a]b", KSNOOP_OP_GLOB},	 {"ab*", KSNOOP_OP_GLOB},
	};
	static const __u32 sizes[] = {16, 8, 4, 3, 2, 1, 0};
	size_t i, j, k;

	check_prefix("lo", KSNOOP_OP_EQ, "lo", 3);
	check_prefix("/etc/*", KSNOOP_OP_GLOB, "/etc/", 5);
	check_prefix("nomatch*", KSNOOP_OP_GLOB, "nomatch", 7);
	check_prefix("*x", KSNOOP_OP_GLOB, "", 0);
	check_prefix("a?c", KSNOOP_OP_GLOB, "a", 1);
	check_prefix("abcdefghij", KSNOOP_OP_EQ, "abcdefgh", 8);
	check_prefix("abcdefg", KSNOOP_OP_EQ, "abcdefg", 8);
	check_prefix("", KSNOOP_OP_EQ, "", 1);
	check_prefix("a*", KSNOOP_OP_EQ, "a*", 3);

	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		struct ksnoop_pattern p;
		char why[160];
		size_t at;

		pattern_compile(pats[i].pat, strlen(pats[i].pat), pats[i].op, &p, why, sizeof(why),
				&at);
		for (j = 0; j < sizeof(subjects) / sizeof(subjects[0]); j++) {
			/* What memory holds past the NUL is not the string's: garbage. */
			char buf[32];
			__u64 w;

			memset(buf, 'Z', sizeof(buf));
			memcpy(buf, subjects[j], strlen(subjects[j]) + 1);
			memcpy(&w, buf, sizeof(w));
			for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
				char what[128];

				snprintf(what, sizeof(what), "'%s' vs '%s' in %u bytes",
					 subjects[j], pats[i].pat, sizes[k]);
				if (ksnoop_pattern_prefix_fails(&p, w, sizes[k]))
					ASSERT_TRUE(!pattern_match(&p, buf, sizes[k]), what);
			}
		}
	}
	/* What the kernel's first test is for: most mismatches end there. */
	{
		struct ksnoop_pattern p;
		char why[160];
		__u64 w = 0;
		size_t at;

		pattern_compile("lo", 2, KSNOOP_OP_EQ, &p, why, sizeof(why), &at);
		memcpy(&w, "eth0", 5);
		ASSERT_TRUE(ksnoop_pattern_prefix_fails(&p, w, 16), "eth0 is not lo");
		memcpy(&w, "lo\0Z", 4);
		ASSERT_TRUE(!ksnoop_pattern_prefix_fails(&p, w, 16), "lo may be lo");
	}
}

/*
 * The typed predicate's operands: the bytes of a pattern whose every token is
 * one byte (pattern_literal()), and the literal of a glob "LITERAL*"
 * (pattern_prefix()).
 */
TEST(pattern_literal_prefix)
{
	static const struct {
		const char *pat;
		enum ksnoop_pred_op op;
		const char *literal, *prefix; /* NULL: not one */
	} cases[] = {
		{"eth9", KSNOOP_OP_EQ, "eth9", NULL},	  {"", KSNOOP_OP_EQ, "", NULL},
		{"a*?[b]", KSNOOP_OP_EQ, "a*?[b]", NULL}, {"eth9", KSNOOP_OP_GLOB, "eth9", NULL},
		{"eth*", KSNOOP_OP_GLOB, NULL, "eth"},	  {"eth**", KSNOOP_OP_GLOB, NULL, "eth"},
		{"e?h", KSNOOP_OP_GLOB, NULL, NULL},	  {"[e]th", KSNOOP_OP_GLOB, "eth", NULL},
		{"[ab]th", KSNOOP_OP_GLOB, NULL, NULL},	  {"[e]t*", KSNOOP_OP_GLOB, NULL, "et"},
		{"[*]x*", KSNOOP_OP_GLOB, NULL, "*x"},	  {"*", KSNOOP_OP_GLOB, NULL, NULL},
		{"*eth", KSNOOP_OP_GLOB, NULL, NULL},	  {"e*h*", KSNOOP_OP_GLOB, NULL, NULL},
		{"e?h*", KSNOOP_OP_GLOB, NULL, NULL},	  {"eth*", KSNOOP_OP_EQ, "eth*", NULL},
		{"[ab]*", KSNOOP_OP_GLOB, NULL, NULL},
	};
	char out[KSNOOP_MAX_PATTERN];
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ksnoop_pattern p;
		char why[160];
		size_t at;
		int n;

		ASSERT_OK(pattern_compile(cases[i].pat, strlen(cases[i].pat), cases[i].op, &p, why,
					  sizeof(why), &at),
			  cases[i].pat);
		for (k = 0; k < 2; k++) {
			const char *want = k ? cases[i].prefix : cases[i].literal;

			n = k ? pattern_prefix(&p, out, sizeof(out)) :
				pattern_literal(&p, out, sizeof(out));
			if (ASSERT_EQ(n, want ? (int)strlen(want) : -EINVAL, cases[i].pat) && want)
				ASSERT_TRUE(!memcmp(out, want, n), cases[i].pat);
		}
	}
	ASSERT_EQ(pattern_literal(&(struct ksnoop_pattern){.accept = 1ULL << 4}, out, 3), -EINVAL,
		  "longer than the room");
	ASSERT_EQ(pattern_prefix(&(struct ksnoop_pattern){.star = 1ULL << 4, .accept = 1ULL << 5},
				 out, 3),
		  -EINVAL, "a prefix longer than the room");
}
