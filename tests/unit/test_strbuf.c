// SPDX-License-Identifier: GPL-2.0
/*
 * The number writers of strbuf.c against printf: every digit count and its
 * boundaries (the writers take shortcuts by magnitude and by width), and
 * random values.
 */
#include <stdio.h>
#include <stdlib.h>

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
