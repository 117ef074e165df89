// SPDX-License-Identifier: GPL-2.0
/* The host test runner; see test.h. */
#include <stdarg.h>
#include <stdlib.h>

#include "test.h"

static struct test *tests, **tail = &tests;
static int failures_in_test;
static const char *skip_reason;

void test_register(struct test *t)
{
	*tail = t;
	tail = &t->next;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures_in_test++;
}

void test_skip(const char *why)
{
	skip_reason = why;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	struct test *t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (t = tests; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		failures_in_test = 0;
		skip_reason = NULL;
		t->fn();
		if (failures_in_test) {
			printf("FAIL %s (%s)\n", t->name, t->file);
			failed++;
		} else if (skip_reason) {
			printf("SKIP %s: %s\n", t->name, skip_reason);
			skipped++;
		} else {
			printf("PASS %s\n", t->name);
			passed++;
		}
	}
	printf("unit: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
