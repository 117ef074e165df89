// SPDX-License-Identifier: GPL-2.0
/*
 * What the fentry stub reads by direct loads (src/typed.c): the items whose
 * every load the verifier types on the host's kernel, and when the stub
 * builds the records itself (typed_rec_fill()).
 */
#include <errno.h>
#include <stdlib.h>
#include <linux/types.h>

#include "attach.h"
#include "test.h"
#include "tlib.h"
#include "typed.h"

/*
 * SPEC @str resolved with @ropts on the host's kernel into @tf: 1, or 0 if the
 * host has no BTF (the test skips) or -1 if @str does not resolve (a failure).
 */
static int host_resolve(const char *str, const struct resolve_opts *ropts, struct tfunc *tf)
{
	const struct kbtf *kb;
	struct resolve_err rerr;
	int err = tl_host_btf(&kb);

	if (err == -ENOENT) {
		test_skip("no readable /sys/kernel/btf/vmlinux");
		return 0;
	}
	if (!ASSERT_OK(err, "host BTF") || !ASSERT_OK(tl_resolve(kb, str, ropts, tf, &rerr), str))
		return -1;
	return 1;
}

/*
 * Is item 0 of SPEC @str typed on the host's kernel (agg_typed_ok())? -1 if the
 * host has no BTF (the test skips) or @str does not resolve (a failure).
 */
static int typed_as(const char *str, bool bytes)
{
	struct resolve_opts ropts = {.entry_only = true, .no_default_items = true};
	struct tfunc tf = {};
	int ret;

	if (host_resolve(str, &ropts, &tf) <= 0)
		return -1;
	ret = tf.plan.nitems && agg_typed_ok(&tf, 1, &tf.plan.items[0], bytes);
	tfunc_free(&tf);
	return ret;
}

static int typed(const char *str)
{
	return typed_as(str, false);
}

/* Direct loads only where the verifier types each of them as the BPF side uses it. */
TEST(agg_typed_ok)
{
	ASSERT_EQ(typed("ip_send_skb(skb->len)"), 1, "an integer member of an argument");
	ASSERT_EQ(typed("ip_send_skb(skb->sk->sk_filter->prog->len)"), 1,
		  "through three pointer members");
	ASSERT_EQ(typed("ip_send_skb(skb->dev->mtu)"), 1, "dev: the first member of its union");
	/* the verifier finds dev (a pointer) first at dev_scratch's offset */
	ASSERT_EQ(typed("ip_send_skb(skb->dev_scratch)"), 0, "the union's second member");
	ASSERT_EQ(typed("ip_send_skb(skb->pkt_type)"), 0, "a bitfield");
	ASSERT_EQ(typed("ip_send_skb(skb->dev->name)"), 0, "a char array, --hist");
	ASSERT_EQ(typed_as("ip_send_skb(skb->dev->name)", true), 1, "a char array, --count-by");
	ASSERT_EQ(typed_as("ip_send_skb(skb->len)", true), 1, "an integer, --count-by");
	ASSERT_EQ(typed_as("ip_send_skb(skb->cb)", true), 1, "48 bytes, 8-byte loads");
	ASSERT_EQ(typed_as("ip_send_skb(skb->dev->perm_addr)", true), 1, "32 bytes");
	ASSERT_EQ(typed_as("ip_send_skb(skb->dev->dev_addr)", true), 0, "a pointer");
	ASSERT_EQ(typed("ip_send_skb(skb)"), 0, "the whole struct");
	ASSERT_EQ(typed("ip_send_skb(net)"), 0, "an argument itself");
}

/*
 * typed_rec_fill() for SPEC @str (with default items unless @no_default) on
 * the host's kernel, under tracer options @o; *@out its result. -1 if the host
 * has no BTF (the test skips) or @str does not resolve (a failure).
 */
static int rec_lean_as(const char *str, const struct tracer_opts *o, bool no_default,
		       struct ksnoop_rec_lean *out)
{
	struct resolve_opts ropts = {.no_default_items = no_default};
	struct tfunc tf = {};
	int ret;

	if (host_resolve(str, &ropts, &tf) <= 0)
		return -1;
	ret = typed_rec_fill(&tf, 1, o, out);
	tfunc_free(&tf);
	return ret;
}

static int rec_lean(const char *str)
{
	struct tracer_opts o = {};
	struct ksnoop_rec_lean rl;

	return rec_lean_as(str, &o, false, &rl);
}

/* The stub builds the records of plain traces of up to 4 typed items, nothing else. */
TEST(typed_rec_fill_items)
{
	const char *four = "ip_send_skb(skb->len, skb->sk->__sk_common.skc_dport, skb->mark, "
			   "skb->sk->sk_filter->prog->len)";
	struct tracer_opts o = {};
	struct ksnoop_rec_lean rl;

	if (!ASSERT_EQ(rec_lean_as("ip_send_skb(skb->len)", &o, false, &rl), 1, "a member"))
		return;
	ASSERT_EQ(rl.nitems, 1, "one item");
	ASSERT_EQ(rl.size[0], 96, "header, value header, 8 bytes");
	ASSERT_EQ(rl.size[1], 72, "the return's header alone");
	ASSERT_EQ(rl.nvals[0] * 10 + rl.nvals[1], 10, "one value at entry, none at the return");
	ASSERT_EQ(rl.items[0].off, 112, "its offset");
	ASSERT_EQ(rec_lean_as(four, &o, false, &rl), 1, "four items");
	ASSERT_EQ(rl.size[0], 72 + 4 * 24, "four values");
	ASSERT_EQ(rl.slot[3], 3, "the fourth value");
	ASSERT_EQ(rl.items[3].nsteps, 3, "three pointer steps");
	ASSERT_EQ(rec_lean("do_nanosleep(mode)"), 1, "an argument itself");
	ASSERT_EQ(rec_lean("ip_send_skb(skb->sk->sk_filter->prog->len)"), 1, "three steps");
	ASSERT_EQ(rec_lean("do_nanosleep(t->task)"), 0, "a struct behind a pointer");
	ASSERT_EQ(rec_lean("ip_send_skb(skb->len, skb->data_len, skb->mac_len, skb->hdr_len, "
			   "skb->priority)"),
		  0, "five items");
	ASSERT_EQ(rec_lean("ip_send_skb"), 0, "default items: whole structs");
	ASSERT_EQ(rec_lean("ip_send_skb(skb)"), 0, "a whole struct");
	if (!ASSERT_EQ(rec_lean_as("ip_send_skb(return, skb->len)", &o, false, &rl), 1,
		       "the return value itself"))
		return;
	ASSERT_EQ(rl.nvals[0] * 10 + rl.nvals[1], 11, "a value in each record");
	ASSERT_EQ(rl.slot[0] * 10 + rl.slot[1], 0, "each the first of its record");
	ASSERT_EQ(rl.size[1], 96, "the return's record");
	ASSERT_EQ(rec_lean("__alloc_skb(return->len)"), 0, "a member of the return value");
	ASSERT_EQ(rec_lean("ip_send_skb(skb->len > 100)"), 0, "a predicate");
	ASSERT_EQ(rec_lean("ip_send_skb(skb->pkt_type)"), 0, "a bitfield");
	ASSERT_EQ(rec_lean("ip_send_skb(skb->dev->name)"), 0, "a char array");
	ASSERT_EQ(rec_lean("ip_send_skb(skb->dev_scratch)"), 0,
		  "a load the verifier types otherwise");
	ASSERT_EQ(rec_lean("do_sys_openat2(filename)"), 0, "a string");
}

/* Each option that needs the record path's machinery keeps it. */
TEST(typed_rec_fill_opts)
{
	struct tracer_opts o;
	struct ksnoop_rec_lean rl;
	static const char *spec = "ip_send_skb(skb->len)";

#define OPT_CASE(set, what)                                                                        \
	do {                                                                                       \
		memset(&o, 0, sizeof(o));                                                          \
		set;                                                                               \
		ASSERT_EQ(rec_lean_as(spec, &o, false, &rl), 0, what);                             \
	} while (0)
	OPT_CASE(o.agg_mode = KSNOOP_AGG_STATS, "--stats");
	OPT_CASE(o.chain = true, "-s");
	OPT_CASE(o.kstack = 4, "--kstack");
	OPT_CASE(o.changes = true, "--changes");
	OPT_CASE(o.kernel_format = true, "--kernel-format");
	OPT_CASE(o.format_check = true, "--format-check");
	OPT_CASE(o.filter.slower_than_ns = 1000, "--slower-than");
	OPT_CASE(o.filter.errors = true, "--errors");
#undef OPT_CASE
	memset(&o, 0, sizeof(o));
	o.entry_only = true;
	o.tgid = 1;
	ASSERT_EQ(rec_lean_as(spec, &o, false, &rl), 1, "--entry and -p keep it");
	setenv("KSNOOP_NO_REC_LEAN", "1", 1);
	ASSERT_EQ(rec_lean_as(spec, &o, false, &rl), 0, "KSNOOP_NO_REC_LEAN=1");
	ASSERT_EQ(rl.nitems, 0, "zeroed");
	unsetenv("KSNOOP_NO_REC_LEAN");
}

/* Several functions: only with the same items, typed in each. */
TEST(typed_rec_fill_functions)
{
	struct resolve_opts ropts = {};
	struct tracer_opts o = {};
	struct ksnoop_rec_lean rl;
	struct tfunc tf[2] = {};

	if (host_resolve("ip_send_skb(skb->len)", &ropts, &tf[0]) <= 0 ||
	    host_resolve("ip_finish_output2(skb->len)", &ropts, &tf[1]) <= 0)
		goto out;
	/* skb is argument 1 of ip_send_skb, argument 2 of ip_finish_output2 */
	ASSERT_EQ(typed_rec_fill(tf, 2, &o, &rl), 0, "another argument slot");
	tfunc_free(&tf[1]);
	if (host_resolve("ip_send_skb(skb->len)", &ropts, &tf[1]) <= 0)
		goto out;
	ASSERT_EQ(typed_rec_fill(tf, 2, &o, &rl), 1, "the same items");
out:
	tfunc_free(&tf[0]);
	tfunc_free(&tf[1]);
}
