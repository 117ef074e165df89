// SPDX-License-Identifier: GPL-2.0
/*
 * Value formatting against the host's vmlinux BTF: real kernel structs
 * (sk_buff, sock) in text and JSON, and the expectations of the kernel's own
 * selftest tools/testing/selftests/bpf/progs/netif_receive_skb.c,
 * decompacted. Skipped on a host without /sys/kernel/btf/vmlinux. The
 * goldens for types built by hand are in test_format.c.
 */
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "btfx.h"
#include "format.h"
#include "test.h"
#include "tlib.h"

static const char *text(struct strbuf *sb, const struct btf *btf, int id, const void *data,
			size_t len)
{
	return tl_fmt(sb, fmt_text, btf, id, data, len);
}

/* The host's vmlinux BTF (tests/lib, loaded once), NULL (test skipped) without it. */
static const struct btf *vmlinux(void)
{
	const struct kbtf *k;

	if (tl_host_btf(&k)) {
		test_skip("no vmlinux BTF on this host");
		return NULL;
	}
	return k->vmlinux;
}

/* Byte offset of member @name in struct @id, looking into anonymous members. */
static long member_off(const struct btf *btf, int id, const char *name)
{
	struct btfx_member m;

	return btfx_find_member(btf, id, name, &m) ? (long)m.bit_off / 8 : -1;
}

TEST(format_vmlinux_sk_buff)
{
	const struct btf *btf = vmlinux();
	struct strbuf sb;
	unsigned char *skb;
	long sz, off;
	int id;

	if (!btf)
		return;
	sb_init(&sb);
	id = btf__find_by_name_kind(btf, "sk_buff", BTF_KIND_STRUCT);
	sz = btf__resolve_size(btf, id);
	off = member_off(btf, id, "len");
	if (!ASSERT_TRUE(id > 0 && sz > 0 && off >= 0, "sk_buff.len"))
		goto out;
	skb = calloc(1, sz);
	*(unsigned int *)(skb + off) = 33;
	ASSERT_OK(fmt_text(btf, id, skb, sz, &sb), "fmt_text");
	ASSERT_TRUE(!strncmp(sb_str(&sb), "(struct sk_buff){\n", 18), "first line");
	ASSERT_HAS(sb_str(&sb), "\n .len = (unsigned int)33,\n", "len");
	ASSERT_TRUE(!strstr(sb_str(&sb), ".data_len"), "zero members left out");
	ASSERT_TRUE(sb.len > 2 && !strcmp(sb_str(&sb) + sb.len - 2, "}\n"), "last line");
	sb_reset(&sb);
	ASSERT_OK(fmt_json(btf, id, skb, sz, &sb), "fmt_json");
	ASSERT_HAS(sb_str(&sb), "\"len\":33,", "json len");
	ASSERT_HAS(sb_str(&sb), "\"data_len\":0", "json zero member");
	free(skb);
out:
	sb_free(&sb);
}

TEST(format_vmlinux_sock)
{
	const struct btf *btf = vmlinux();
	struct strbuf sb;
	unsigned char *sk;
	long sz, common, off;
	int id, cid;

	if (!btf)
		return;
	sb_init(&sb);
	id = btf__find_by_name_kind(btf, "sock", BTF_KIND_STRUCT);
	cid = btf__find_by_name_kind(btf, "sock_common", BTF_KIND_STRUCT);
	sz = btf__resolve_size(btf, id);
	common = member_off(btf, id, "__sk_common");
	off = member_off(btf, cid, "skc_dport");
	if (!ASSERT_TRUE(id > 0 && sz > 0 && common >= 0 && off >= 0, "sock.__sk_common.skc_dport"))
		goto out;
	sk = calloc(1, sz);
	*(unsigned short *)(sk + common + off) = 0x5000; /* htons(80) */
	ASSERT_OK(fmt_text(btf, id, sk, sz, &sb), "fmt_text");
	ASSERT_TRUE(!strncmp(sb_str(&sb), "(struct sock){\n .__sk_common = (struct sock_common){\n",
			     52),
		    "opening lines");
	ASSERT_HAS(sb_str(&sb), ".skc_dport = (__be16)20480,\n", "dport");
	sb_reset(&sb);
	ASSERT_OK(fmt_json(btf, id, sk, sz, &sb), "fmt_json");
	ASSERT_HAS(sb_str(&sb), "{\"__sk_common\":{", "json nested");
	ASSERT_HAS(sb_str(&sb), "\"skc_dport\":20480,", "json dport flattened");
	free(sk);
out:
	sb_free(&sb);
}

/* The kernel selftest's expectations (COMPACT there; here with newlines and indents). */
TEST(format_vmlinux_selftest_goldens)
{
	const struct btf *btf = vmlinux();
	struct strbuf sb;
	struct {
		const char *kind_name;
		int kind;
		unsigned char data[80];
		size_t len;
		const char *want;
	} cases[] = {
		{"btf_enum",
		 BTF_KIND_STRUCT,
		 {3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff},
		 8,
		 "(struct btf_enum){\n .name_off = (__u32)3,\n .val = (__s32)-1,\n}\n"},
		{"btf_enum", BTF_KIND_STRUCT, {0}, 8, "(struct btf_enum){\n}\n"},
		{"atomic_t", BTF_KIND_TYPEDEF, {1}, 4, "(atomic_t){\n .counter = (int)1,\n}\n"},
		{"atomic_t", BTF_KIND_TYPEDEF, {0}, 4, "(atomic_t){\n}\n"},
		{"bpf_cmd", BTF_KIND_ENUM, {0}, 4, "(enum bpf_cmd)BPF_MAP_CREATE\n"},
		{"bpf_cmd", BTF_KIND_ENUM, {0xd0, 0x07}, 4, "(enum bpf_cmd)2000\n"},
		{"list_head",
		 BTF_KIND_STRUCT,
		 {1},
		 16,
		 "(struct list_head){\n .next = (struct list_head *)0x0000000000000001,\n}\n"},
		{"list_head", BTF_KIND_STRUCT, {0}, 16, "(struct list_head){\n}\n"},
		{"bpf_insn",
		 BTF_KIND_STRUCT,
		 {1, 0x32, 4, 0, 5, 0, 0, 0},
		 8,
		 "(struct bpf_insn){\n .code = (__u8)1,\n .dst_reg = (__u8)0x2,\n"
		 " .src_reg = (__u8)0x3,\n .off = (__s16)4,\n .imm = (__s32)5,\n}\n"},
		{"u64", BTF_KIND_TYPEDEF, {0}, 8, "(u64)0\n"},
	};
	size_t i;
	int id;

	if (!btf)
		return;
	sb_init(&sb);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		id = btf__find_by_name_kind(btf, cases[i].kind_name, cases[i].kind);
		if (id <= 0)
			continue;
		ASSERT_STREQ(text(&sb, btf, id, cases[i].data, cases[i].len), cases[i].want,
			     cases[i].kind_name);
	}
	sb_free(&sb);
}

TEST(format_vmlinux_selftest_arrays)
{
	const struct btf *btf = vmlinux();
	unsigned char *buf;
	struct strbuf sb;
	long sz, off;
	int id;

	if (!btf)
		return;
	sb_init(&sb);
	id = btf__find_by_name_kind(btf, "bpf_prog_info", BTF_KIND_STRUCT);
	if (id > 0) {
		sz = btf__resolve_size(btf, id);
		off = member_off(btf, id, "name");
		buf = calloc(1, sz);
		memcpy(buf + off, "foo", 3);
		ASSERT_STREQ(text(&sb, btf, id, buf, sz),
			     "(struct bpf_prog_info){\n .name = (char[])[\n  'f',\n  'o',\n  'o',\n"
			     " ],\n}\n",
			     "bpf_prog_info.name");
		memcpy(buf + off, "\1\2\3", 4);
		ASSERT_STREQ(
			text(&sb, btf, id, buf, sz),
			"(struct bpf_prog_info){\n .name = (char[])[\n  1,\n  2,\n  3,\n ],\n}\n",
			"non-printable");
		memcpy(buf + off, "\0foo", 4);
		ASSERT_STREQ(text(&sb, btf, id, buf, sz), "(struct bpf_prog_info){\n}\n",
			     "leading NUL");
		free(buf);
	}
	id = btf__find_by_name_kind(btf, "__sk_buff", BTF_KIND_STRUCT);
	if (id > 0) {
		sz = btf__resolve_size(btf, id);
		off = member_off(btf, id, "cb");
		buf = calloc(1, sz);
		((unsigned int *)(buf + off))[2] = 1;
		ASSERT_STREQ(text(&sb, btf, id, buf, sz),
			     "(struct __sk_buff){\n .cb = (__u32[])[\n  1,\n ],\n}\n",
			     "__sk_buff.cb");
		free(buf);
	}
	sb_free(&sb);
}
