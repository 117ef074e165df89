// SPDX-License-Identifier: GPL-2.0
/*
 * The formatter's type cache (fmt_cache, fmt_text_c/fmt_json_c) kept across
 * calls must print what a fresh cache prints: values of several vmlinux types
 * with changing bytes, interleaved, so that a cached dry-run result or type
 * of one call leaking into another shows up as a difference.
 */
#include <stdlib.h>

#include <bpf/btf.h>

#include "format.h"
#include "test.h"

TEST(fmt_cache_matches_fresh)
{
	static const char *const names[] = {"sk_buff",	  "sock",	 "file",
					    "net_device", "task_struct", "inode"};
	struct btf *btf = btf__load_vmlinux_btf();
	struct strbuf fresh, kept;
	struct fmt_cache *c;
	unsigned char *data;
	int ids[ARRAY_SIZE(names)], i, round, json, n = 0;
	size_t cap = 1 << 16, j;

	if (!btf) {
		test_skip("no vmlinux BTF");
		return;
	}
	for (i = 0; i < (int)ARRAY_SIZE(names); i++) {
		int id = btf__find_by_name_kind(btf, names[i], BTF_KIND_STRUCT);

		if (id > 0 && btf__resolve_size(btf, id) <= (long)cap)
			ids[n++] = id;
	}
	c = fmt_cache_new();
	data = calloc(1, cap);
	sb_init(&fresh);
	sb_init(&kept);
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
				int r1, r2;

				sb_reset(&fresh);
				sb_reset(&kept);
				r1 = json ? fmt_json(btf, ids[i], data, len, &fresh) :
					    fmt_text(btf, ids[i], data, len, &fresh);
				r2 = json ? fmt_json_c(c, btf, ids[i], data, len, &kept) :
					    fmt_text_c(c, btf, ids[i], data, len, &kept);
				if (!ASSERT_EQ(r2, r1, "return") ||
				    !ASSERT_STREQ(sb_str(&kept), sb_str(&fresh), names[i]))
					goto out;
			}
		}
	}
out:
	sb_free(&fresh);
	sb_free(&kept);
	free(data);
	fmt_cache_free(c);
	btf__free(btf);
}
