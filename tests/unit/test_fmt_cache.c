// SPDX-License-Identifier: GPL-2.0
/*
 * The formatter's type cache (fmt_cache, fmt_text_c/fmt_json_c) kept across
 * calls must print what a fresh cache prints: values of several vmlinux types
 * with changing bytes, interleaved, so that a cached dry-run result or type
 * of one call leaking into another shows up as a difference. And the walk's
 * shortcuts for whole structs (quiet runs skipped, member runs, speculative
 * text) must print what the plain walk prints (fmt_plain_walk).
 */
#include <stdlib.h>

#include <bpf/btf.h>

#include "format.h"
#include "format_int.h"
#include "test.h"
#include "tlib.h"

enum { CMP_CACHE, CMP_SHORTCUTS };

/* Render with the way @cmp checks (@second: the side checked), into @sb. */
static int render(int cmp, bool second, struct fmt_cache *c, const struct btf *btf, int id,
		  const void *data, size_t len, bool json, struct strbuf *sb)
{
	int r;

	sb_reset(sb);
	if (cmp == CMP_CACHE && !second)
		return json ? fmt_json(btf, id, data, len, sb) : fmt_text(btf, id, data, len, sb);
	fmt_plain_walk = cmp == CMP_SHORTCUTS && !second;
	r = json ? fmt_json_c(c, btf, id, data, len, sb) : fmt_text_c(c, btf, id, data, len, sb);
	fmt_plain_walk = false;
	return r;
}

/* Values of big vmlinux types, sparse random bytes, some captures cut: both sides agree. */
static void compare_sides(int cmp)
{
	static const char *const names[] = {"sk_buff",	   "sock",  "file", "net_device",
					    "task_struct", "inode", "net",  "page"};
	const struct btf *btf;
	const struct kbtf *k;
	struct strbuf a, b;
	struct fmt_cache *c;
	unsigned char *data;
	int ids[ARRAY_SIZE(names)], i, round, json, n = 0;
	size_t cap = 1 << 16, j;

	if (tl_host_btf(&k)) {
		test_skip("no vmlinux BTF");
		return;
	}
	btf = k->vmlinux;
	for (i = 0; i < (int)ARRAY_SIZE(names); i++) {
		int id = btf__find_by_name_kind(btf, names[i], BTF_KIND_STRUCT);

		if (id > 0 && btf__resolve_size(btf, id) <= (long)cap)
			ids[n++] = id;
	}
	c = fmt_cache_new();
	data = calloc(1, cap);
	sb_init(&a);
	sb_init(&b);
	if (!ASSERT_TRUE(n > 0 && c && data, "types, cache, buffer"))
		goto out;
	srand(5);
	for (round = 0; round < 12; round++) {
		for (i = 0; i < n; i++) {
			size_t sz = btf__resolve_size(btf, ids[i]);
			/* Sparse non-zero bytes; a cut capture every third round. */
			size_t len = round % 3 == 2 ? (size_t)rand() % (sz + 1) : sz;

			memset(data, 0, sz);
			for (j = 0; j < 8 + (size_t)round * 4; j++)
				data[rand() % sz] = rand();
			for (json = 0; json < 2; json++) {
				int r1 = render(cmp, false, c, btf, ids[i], data, len, json, &a);
				int r2 = render(cmp, true, c, btf, ids[i], data, len, json, &b);

				if (!ASSERT_EQ(r2, r1, "return") ||
				    !ASSERT_STREQ(sb_str(&b), sb_str(&a), names[i]))
					goto out;
			}
		}
	}
out:
	sb_free(&a);
	sb_free(&b);
	free(data);
	fmt_cache_free(c);
}

TEST(fmt_cache_matches_fresh)
{
	compare_sides(CMP_CACHE);
}

TEST(fmt_shortcuts_match_plain_walk)
{
	compare_sides(CMP_SHORTCUTS);
}

/*
 * Lone integers and pointers print from a plan once their type was printed
 * (format_text.c, struct kplan): every scalar type of vmlinux (ints of each
 * size and sign, pointers, enums, typedefs and modifiers of them), values at
 * the edges of each size, whole and cut captures, over a cache long enough
 * for plans and their slots' collisions, printed as a fresh cache prints.
 */
TEST(fmt_scalar_plans_match_walk)
{
	static const __u64 vals[] = {0,		 1,
				     0x7f,	 0x80,
				     0xff,	 0x7fff,
				     0x8000,	 0xffff,
				     0x7fffffff, 0x80000000,
				     0xffffffff, 0x8000000000000000ULL,
				     ~0ULL,	 0xffff888004a3e200ULL};
	const struct btf *btf;
	const struct kbtf *k;
	struct strbuf a, b;
	struct fmt_cache *c;
	int ids[600], n = 0, i, v, json, compared = 0;
	__u32 id, nt;

	if (tl_host_btf(&k)) {
		test_skip("no vmlinux BTF");
		return;
	}
	btf = k->vmlinux;
	nt = btf__type_cnt(btf);
	for (id = 1; id < nt && n < (int)ARRAY_SIZE(ids); id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_type *r = btf__type_by_id(btf, btf__resolve_type(btf, id));

		if (r && (btf_is_int(r) || btf_is_ptr(r) || btf_is_any_enum(r)) &&
		    (n < 300 || !btf_is_ptr(t)))
			ids[n++] = id;
	}
	c = fmt_cache_new();
	sb_init(&a);
	sb_init(&b);
	if (!ASSERT_TRUE(n > 100 && c, "scalar types, cache"))
		goto out;
	for (v = 0; v < (int)ARRAY_SIZE(vals) * 2; v++) {
		for (i = 0; i < n; i++) {
			__u64 x = vals[v % ARRAY_SIZE(vals)];
			/* every other pass, a capture a byte short for some */
			size_t len = v >= (int)ARRAY_SIZE(vals) && i % 5 == 0 ? 3 : 8;

			for (json = 0; json < 2; json++) {
				int r1, r2;

				sb_reset(&a);
				sb_reset(&b);
				r1 = json ? fmt_json(btf, ids[i], &x, len, &a) :
					    fmt_text(btf, ids[i], &x, len, &a);
				r2 = json ? fmt_json_c(c, btf, ids[i], &x, len, &b) :
					    fmt_text_c(c, btf, ids[i], &x, len, &b);
				if (!ASSERT_EQ(r2, r1, "return") ||
				    !ASSERT_STREQ(sb_str(&b), sb_str(&a), "scalar"))
					goto out;
				compared++;
			}
		}
	}
	ASSERT_TRUE(compared > 1000, "values compared");
out:
	sb_free(&a);
	sb_free(&b);
	fmt_cache_free(c);
}
