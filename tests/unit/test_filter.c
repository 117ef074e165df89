// SPDX-License-Identifier: GPL-2.0
/*
 * The filters' settings for the BPF program (src/filter.c): the task filters'
 * switch, and the fentry backend's typed entry predicate (filter_typed_pred()):
 * which predicates the stub decides by direct loads, and that its word
 * compare of a char[N] decides as the string matcher does.
 */
#include <errno.h>
#include <string.h>
#include <linux/types.h>

#include "attach.h"
#include "filter.h"
#include "pattern.h"
#include "test.h"
#include "tlib.h"

/* task_filters: set by each filter on the calling task, and only by those. */
TEST(filter_task_any)
{
	struct tracer_opts o = {0};

	ASSERT_TRUE(!filter_task_any(&o), "no filter");
	o.filter.slower_than_ns = 1000;
	o.filter.errors = true;
	ASSERT_TRUE(!filter_task_any(&o), "--slower-than, --errors: decided at the return");
	o.tgid = 1;
	ASSERT_TRUE(filter_task_any(&o), "-p");
	o.tgid = 0;
	o.tid = 2;
	ASSERT_TRUE(filter_task_any(&o), "--tid");
	o.tid = 0;
	o.filter.ncomms = 1;
	ASSERT_TRUE(filter_task_any(&o), "-c");
	o.filter.ncomms = 0;
	o.filter.cgroup_fd = 3;
	ASSERT_TRUE(filter_task_any(&o), "--cgroup");
}

/*
 * filter_typed_pred() over the functions of SPECs @a and @b (NULL: one
 * function) on the host's kernel, its answer in *@out. -1 if the host has no
 * BTF (the test skips) or a SPEC does not resolve (a failure).
 */
static int typed2(const char *a, const char *b, struct ksnoop_typed_pred *out)
{
	struct resolve_opts ropts = {.string_size = 64};
	struct tfunc tf[2] = {};
	const struct kbtf *kb;
	struct resolve_err rerr;
	int err = tl_host_btf(&kb), ret = -1, n = b ? 2 : 1;

	if (err == -ENOENT) {
		test_skip("no readable /sys/kernel/btf/vmlinux");
		return -1;
	}
	if (!ASSERT_OK(err, "host BTF") || !ASSERT_OK(tl_resolve(kb, a, &ropts, &tf[0], &rerr), a))
		goto out;
	if (b && !ASSERT_OK(tl_resolve(kb, b, &ropts, &tf[1], &rerr), b))
		goto out;
	ret = filter_typed_pred(tf, n, out);
out:
	tfunc_free(&tf[0]);
	tfunc_free(&tf[1]);
	return ret;
}

static int typed(const char *spec)
{
	struct ksnoop_typed_pred tp;

	return typed2(spec, NULL, &tp);
}

TEST(filter_typed_pred_which)
{
	ASSERT_EQ(typed("__dev_queue_xmit(skb->dev->name == \"eth9\")"), 1, "== on a char[16]");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->dev->name != \"eth9\")"), 1, "!= on a char[16]");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->dev->name ~ \"eth*\")"), 1, "a prefix glob");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->dev->name ~ \"eth9\")"), 1,
		  "a glob without wildcards: an exact string");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->dev->name ~ \"*eth\")"), 0, "a glob, '*' first");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->dev->name ~ \"e?h*\")"), 0, "a glob with '?'");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->dev->name ~ \"et*0\")"), 0, "a glob, '*' inside");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->dev->name ~ \"*\")"), 0, "no literal");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->dev->name == \"abcdefghijklmnop\")"), 1,
		  "16 bytes: the whole array, no NUL");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->len > 100000)"), 1, "an integer member");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->dev->mtu == 1500, skb->len)"), 1,
		  "through a pointer in a union (dev: its first member)");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->dev_scratch == 1)"), 0,
		  "a union's second member: the verifier sees the pointer");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->pkt_type == 1)"), 0, "a bitfield");
	ASSERT_EQ(typed("do_sys_openat2(filename == \"/etc/passwd\")"), 0, "a char * string");
	ASSERT_EQ(typed("tcp_sendmsg(size > 100)"), 0, "an argument itself");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->len, skb->dev->name == \"lo\")"), 1,
		  "the first predicate, after a plain item");
	ASSERT_EQ(typed("__dev_queue_xmit(skb->len)"), 0, "no predicate");
	ASSERT_EQ(typed("ip_send_skb(return == 0)"), 0, "a return predicate");
}

TEST(filter_typed_pred_functions)
{
	struct ksnoop_typed_pred tp;

	ASSERT_EQ(typed2("__dev_queue_xmit(skb->len > 5)", "dev_hard_start_xmit(first->len > 5)",
			 &tp),
		  1, "two functions, the same slot and member");
	ASSERT_EQ(typed2("__dev_queue_xmit(skb->len > 5)", "ip_send_skb(skb->len > 5)", &tp), 0,
		  "another argument slot");
	ASSERT_EQ(typed2("__dev_queue_xmit(skb->len > 5)", "__dev_queue_xmit(skb->len > 6)", &tp),
		  0, "another constant");
	ASSERT_EQ(typed2("__dev_queue_xmit(skb->len > 5)", "__dev_queue_xmit(skb->data_len > 5)",
			 &tp),
		  0, "another member");
	ASSERT_EQ(typed2("__dev_queue_xmit(skb->len > 5)", "dev_hard_start_xmit(first)", &tp), 0,
		  "a function without the member's predicate");
	ASSERT_EQ(tp.item.size, 0, "a refused predicate leaves nothing set");
}

/* What the stub does with a char[N] (bpf/fentry.bpf.c fentry_pred_fails()): == holds. */
static bool words_equal(const struct ksnoop_typed_pred *tp, const char *name)
{
	__u64 w;
	__u32 i;

	for (i = 0; i < KSNOOP_TYPED_WORDS && i * sizeof(w) < tp->item.size; i++) {
		memcpy(&w, name + i * sizeof(w), sizeof(w));
		if ((w & tp->masks[i]) != tp->words[i])
			return false;
	}
	return true;
}

/* The word compare decides every name as the matcher does, whatever follows its NUL. */
TEST(filter_typed_pred_words)
{
	static const char *const ops[] = {
		"eth9", "lo", "", "abcdefg", "abcdefgh", "abcdefghijklmno", "abcdefghijklmnop"};
	/* dev->name as memory holds it: 16 bytes, garbage past the NUL */
	static const char names[][16 + 1] = {
		"eth9\0ZZZZZZZZZZZ",
		"eth\0ZZZZZZZZZZZZ",
		"eth90\0ZZZZZZZZZZ",
		"lo\0ZZZZZZZZZZZZZ",
		"\0ZZZZZZZZZZZZZZZ",
		"abcdefg\0ZZZZZZZZ",
		"abcdefgh\0ZZZZZZZ",
		"abcdefgha\0ZZZZZZ",
		"abcdefghijklmno\0",
		"abcdefghijklmnop",
		"abcdefghijklmnoq",
		"abcdefghijklmnZ\0",
		"eth9\0\0\0\0\0\0\0\0\0\0\0\0",
		"lo\0o\0\0\0\0\0\0\0\0\0\0\0\0",
	};
	/* == "OP", ~ "OP" (a glob of an exact string), ~ "OP*" (a prefix) */
	static const struct {
		const char *op, *star;
		enum ksnoop_pred_op kind;
	} forms[] = {{"==", "", KSNOOP_OP_EQ},
		     {"~", "", KSNOOP_OP_GLOB},
		     {"~", "*", KSNOOP_OP_GLOB}};
	struct ksnoop_typed_pred tp;
	size_t i, j, k;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) * 3; i++) {
		char spec[96], why[160], operand[24];
		struct ksnoop_pattern p;
		size_t at;

		k = i % 3;
		snprintf(operand, sizeof(operand), "%s%s", ops[i / 3], forms[k].star);
		snprintf(spec, sizeof(spec), "__dev_queue_xmit(skb->dev->name %s \"%s\")",
			 forms[k].op, operand);
		/* "*": no literal, the matcher's */
		if (!ASSERT_EQ(typed2(spec, NULL, &tp), strcmp(operand, "*") ? 1 : 0, spec) ||
		    !strcmp(operand, "*"))
			continue;
		if (!ASSERT_OK(pattern_compile(operand, strlen(operand), forms[k].kind, &p, why,
					       sizeof(why), &at),
			       operand))
			continue;
		for (j = 0; j < sizeof(names) / sizeof(names[0]); j++)
			if (!ASSERT_EQ(words_equal(&tp, names[j]), pattern_match(&p, names[j], 16),
				       spec))
				fprintf(stderr, "  name %zu\n", j);
	}
	/* the bytes compared: "eth9" and its NUL, in one word */
	ASSERT_EQ(typed2("__dev_queue_xmit(skb->dev->name == \"eth9\")", NULL, &tp), 1, "eth9");
	ASSERT_EQ(tp.item.size, 8, "one word");
	ASSERT_EQ(tp.masks[0], 0xffffffffffULL, "five bytes");
	ASSERT_EQ(tp.masks[1], 0, "no second word");
	/* a prefix: its bytes alone */
	ASSERT_EQ(typed2("__dev_queue_xmit(skb->dev->name ~ \"eth*\")", NULL, &tp), 1, "eth*");
	ASSERT_EQ(tp.item.size, 8, "one word");
	ASSERT_EQ(tp.masks[0], 0xffffffULL, "three bytes");
	ASSERT_EQ(typed2("__dev_queue_xmit(skb->dev->name ~ \"abcdefghi*\")", NULL, &tp), 1,
		  "abcdefghi*");
	ASSERT_EQ(tp.item.size, 16, "two words");
	ASSERT_EQ(tp.masks[1], 0xffULL, "nine bytes");
}
