// SPDX-License-Identifier: GPL-2.0
/*
 * The number writers of strbuf.c against printf: every digit count and its
 * boundaries (the writers take shortcuts by magnitude and by width), and
 * random values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "test.h"

/* Around each power of ten: 10^k - 1, 10^k, 10^k + 1; and the extremes. */
static int boundary_values(unsigned long long *v, int max)
{
	unsigned long long p = 1;
	int n = 0, k;

	for (k = 0; k < 20 && n + 3 <= max; k++, p *= 10) {
		v[n++] = p - 1;
		v[n++] = p;
		v[n++] = p + 1;
		if (p > ~0ULL / 10)
			break;
	}
	v[n++] = 0xffffffffULL; /* the 32-bit split in put_digits() */
	v[n++] = 0x100000000ULL;
	v[n++] = ~0ULL;
	return n;
}

/* One check of @v: each writer's text against snprintf()'s. */
static bool check_u64(unsigned long long v)
{
	char got[64], want[64], *end;
	int width;

	end = str_u64(got, v);
	*end = '\0';
	snprintf(want, sizeof(want), "%llu", v);
	if (!ASSERT_STREQ(got, want, "str_u64"))
		return false;
	end = str_hex(got, v, 0);
	*end = '\0';
	snprintf(want, sizeof(want), "%llx", v);
	if (!ASSERT_STREQ(got, want, "str_hex"))
		return false;
	for (width = 0; width <= 24; width++) {
		end = str_udec(got, v, width);
		*end = '\0';
		snprintf(want, sizeof(want), "%0*llu", width, v);
		if (!ASSERT_STREQ(got, want, "str_udec"))
			return false;
	}
	return true;
}

TEST(strbuf_numbers_match_printf)
{
	unsigned long long v[80];
	struct strbuf sb;
	char want[64];
	int i, n = boundary_values(v, 70);

	for (i = 0; i < n; i++)
		if (!check_u64(v[i]))
			return;
	srand(7);
	for (i = 0; i < 2000; i++) {
		/* Any magnitude: a random value shifted right by a random count. */
		unsigned long long x = ((unsigned long long)rand() << 62 ^
					(unsigned long long)rand() << 31 ^ rand()) >>
				       (rand() % 64);

		if (!check_u64(x))
			return;
	}
	sb_init(&sb);
	for (i = 0; i < n; i++) {
		sb_reset(&sb);
		sb_put_s64(&sb, -(long long)v[i]);
		snprintf(want, sizeof(want), "%lld", -(long long)v[i]);
		if (!ASSERT_STREQ(sb_str(&sb), want, "sb_put_s64"))
			break;
	}
	sb_free(&sb);
}

/* sb_indent_tail() written plainly: line by line, front to back, into @out. */
static void indent_plain(struct strbuf *out, const char *s, size_t len, int ind)
{
	size_t i, n;

	len = strnlen(s, len);
	for (i = 0; i < len; i += n + 1) {
		const char *nl = memchr(s + i, '\n', len - i);

		n = nl ? (size_t)(nl - (s + i)) : len - i;
		sb_put_spaces(out, ind);
		sb_put(out, s + i, n);
		sb_putc(out, '\n');
	}
}

/*
 * Random texts after a kept prefix: lines short and long, a NUL now and
 * then, with or without a last '\n', up to thousands of lines (past the
 * places sb_indent_tail() keeps), indents of 0 to 13.
 */
TEST(strbuf_indent_tail_matches_plain)
{
	struct strbuf got, want;
	int round;

	sb_init(&got);
	sb_init(&want);
	srand(11);
	for (round = 0; round < 3000; round++) {
		size_t pre = rand() % 5, n = rand() % 4 ? rand() % 80 : rand() % 12000, i;
		int ind = rand() % 14;

		sb_reset(&got);
		for (i = 0; i < pre + n; i++) {
			int r = rand() % 10;

			sb_putc(&got, i >= pre && !r			   ? '\n' :
				      i >= pre && r == 1 && !(rand() % 30) ? '\0' :
									     'a' + r);
		}
		sb_reset(&want);
		sb_put(&want, sb_str(&got), pre);
		indent_plain(&want, sb_str(&got) + pre, n, ind);
		sb_indent_tail(&got, pre, ind);
		if (!ASSERT_EQ(got.len, want.len, "length") ||
		    !ASSERT_STREQ(sb_str(&got), sb_str(&want), "indented text"))
			break;
	}
	sb_free(&got);
	sb_free(&want);
}
