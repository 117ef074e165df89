// SPDX-License-Identifier: GPL-2.0
/*
 * What the fentry stub reads by direct loads (src/typed.c): the items whose
 * every load the verifier types on the host's kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <linux/types.h>

#include "test.h"
#include "tlib.h"
#include "typed.h"

/*
 * Is item 0 of SPEC @str typed on the host's kernel (agg_typed_ok())? -1 if the
 * host has no BTF (the test skips) or @str does not resolve (a failure).
 */
static int typed_as(const char *str, bool bytes)
{
	struct resolve_opts ropts = {.entry_only = true, .no_default_items = true};
	const struct kbtf *kb;
	struct resolve_err rerr;
	struct tfunc tf = {};
	int err = tl_host_btf(&kb), ret;

	if (err == -ENOENT) {
		test_skip("no readable /sys/kernel/btf/vmlinux");
		return -1;
	}
	if (!ASSERT_OK(err, "host BTF") || !ASSERT_OK(tl_resolve(kb, str, &ropts, &tf, &rerr), str))
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
