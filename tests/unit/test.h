/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host test runner: each tests/unit/ file defines TEST(name) { ... } functions,
 * registered at load time; build/tests/unit runs them all (or those whose name
 * contains argv[1]) and ends with "N passed, M failed".
 *
 * ASSERT_* print the failing expression with expected and actual values and
 * return false, so a test can: if (!ASSERT_OK(err, "load")) goto cleanup;
 */
#ifndef __KSNOOP_TEST_H
#define __KSNOOP_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct test {
	const char *name;
	const char *file;
	void (*fn)(void);
	struct test *next;
};

void test_register(struct test *t);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Skip the running test with a reason (a missing prerequisite, e.g. host BTF). */
void test_skip(const char *why);

#define TEST(name)                                                                                 \
	static void test_##name(void);                                                             \
	static struct test __test_##name = {#name, __FILE__, test_##name, NULL};                   \
	__attribute__((constructor)) static void __reg_##name(void)                                \
	{                                                                                          \
		test_register(&__test_##name);                                                     \
	}                                                                                          \
	static void test_##name(void)

#define ASSERT_TRUE(cond, what)                                                                    \
	({                                                                                         \
		bool ___ok = (cond);                                                               \
		if (!___ok)                                                                        \
			test_fail(__FILE__, __LINE__, "%s: expected true: %s", what, #cond);       \
		___ok;                                                                             \
	})

#define ASSERT_EQ(actual, expected, what)                                                          \
	({                                                                                         \
		long long ___a = (long long)(actual), ___e = (long long)(expected);                \
		bool ___ok = ___a == ___e;                                                         \
		if (!___ok)                                                                        \
			test_fail(__FILE__, __LINE__, "%s: %s: expected %lld, got %lld", what,     \
				  #actual, ___e, ___a);                                            \
		___ok;                                                                             \
	})

#define ASSERT_OK(err, what) ASSERT_EQ(err, 0, what)

#define ASSERT_STREQ(actual, expected, what)                                                       \
	({                                                                                         \
		const char *___a = (actual), *___e = (expected);                                   \
		bool ___ok = ___a && ___e && strcmp(___a, ___e) == 0;                              \
		if (!___ok)                                                                        \
			test_fail(__FILE__, __LINE__,                                              \
				  "%s: %s:\n--- expected\n%s\n--- actual\n%s\n---", what, #actual, \
				  ___e ? ___e : "(null)", ___a ? ___a : "(null)");                 \
		___ok;                                                                             \
	})

/* Substring match, for error messages. */
#define ASSERT_HAS(actual, needle, what)                                                           \
	({                                                                                         \
		const char *___a = (actual), *___n = (needle);                                     \
		bool ___ok = ___a && strstr(___a, ___n);                                           \
		if (!___ok)                                                                        \
			test_fail(__FILE__, __LINE__, "%s: expected '%s' in:\n%s", what, ___n,     \
				  ___a ? ___a : "(null)");                                         \
		___ok;                                                                             \
	})

#endif /* __KSNOOP_TEST_H */
