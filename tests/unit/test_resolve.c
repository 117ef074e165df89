// SPDX-License-Identifier: GPL-2.0
/*
 * Stage 2b tests: SPEC items resolved against the host kernel's BTF into plan
 * items, and every resolver error with its message and hint.
 *
 * The expected offsets, sizes and bitfield positions are computed here from
 * the same BTF with libbpf calls and btfx's member lookup (tested on its own
 * in test_btfx.c), not by resolving expressions, so a test fails if resolve.c
 * walks expressions wrongly rather than agreeing with itself. The host kernel
 * refuses fentry but its BTF is readable; without /sys/kernel/btf/vmlinux the
 * tests skip.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "btfx.h"
#include "kbtf.h"
#include "ksnoop.h"
#include "parse.h"
#include "resolve.h"
#include "test.h"
#include "tlib.h"

static const struct kbtf *kb;

/* The host kernel's BTF; NULL (test skipped) if absent. */
static const struct kbtf *host(void)
{
	int err = tl_host_btf(&kb);

	/* Readable but not loadable is a failure. */
	if (err && err != -ENOENT)
		test_fail(__FILE__, __LINE__, "kbtf_load(NULL): %d", err);
	else if (err)
		test_skip("no readable /sys/kernel/btf/vmlinux");
	return kb;
}

/*
 * Parse @str and resolve it for the function it names. Returns resolve_func()'s
 * result, or TL_UNRESOLVED (with a test failure) if the spec does not parse or
 * the function is not in the host's BTF. The caller frees @tf.
 */
static int resolve_opts(const char *str, const struct resolve_opts *opts, struct tfunc *tf,
			struct resolve_err *err)
{
	int ret = tl_resolve(kb, str, opts, tf, err);

	if (ret == TL_UNRESOLVED)
		test_fail(__FILE__, __LINE__, "%s", err->msg);
	return ret;
}

static int resolve(const char *str, struct tfunc *tf, struct resolve_err *err)
{
	return resolve_opts(str, NULL, tf, err);
}

/* Resolve @str, which must succeed with @nitems items. */
static bool resolve_ok(const char *str, struct tfunc *tf, int nitems)
{
	struct resolve_err err;
	int ret = resolve(str, tf, &err);

	if (ret == TL_UNRESOLVED)
		return false;
	if (ret) {
		test_fail(__FILE__, __LINE__, "resolve \"%s\": %d: %s (hint: %s)", str, ret,
			  err.msg, err.hint);
		tfunc_free(tf);
		return false;
	}
	if (!ASSERT_EQ(tf->nitems, nitems, str) || !ASSERT_EQ(tf->plan.nitems, nitems, str)) {
		tfunc_free(tf);
		return false;
	}
	return true;
}

/* ---- BTF arithmetic ---- */

static const struct btf *vmbtf(void)
{
	return kb->vmlinux;
}

/* Id of struct or union @name (0 if none: the caller's assertion then fails). */
static __u32 composite_id(const char *name)
{
	int id = btf__find_by_name_kind(vmbtf(), name, BTF_KIND_STRUCT);

	if (id < 0)
		id = btf__find_by_name_kind(vmbtf(), name, BTF_KIND_UNION);
	if (id < 0)
		test_fail(__FILE__, __LINE__, "no struct or union '%s' in the host's BTF", name);
	return id < 0 ? 0 : id;
}

/* Member @name of struct or union @sname, as C sees it (through unnamed members). */
static struct btfx_member member(const char *sname, const char *name)
{
	__u32 id = composite_id(sname);
	struct btfx_member m = {};

	if (!id || !btfx_find_member(vmbtf(), id, name, &m))
		test_fail(__FILE__, __LINE__, "no member '%s' in '%s'", name, sname);
	return m;
}

/* Byte offset of a non-bitfield member. */
static __u32 off_of(const char *sname, const char *name)
{
	struct btfx_member m = member(sname, name);

	if (m.bit_off % 8)
		test_fail(__FILE__, __LINE__, "%s.%s is not byte aligned", sname, name);
	return m.bit_off / 8;
}

static __u32 size_of(const char *sname, const char *name)
{
	return btf__resolve_size(vmbtf(), member(sname, name).type);
}

static __u32 sizeof_struct(const char *sname)
{
	__u32 id = composite_id(sname);

	return id ? btf__type_by_id(vmbtf(), id)->size : 0;
}

/* Value of enumerator @name in any enum of the BTF; fails the test if none. */
static __u64 enum_value(const char *name)
{
	__u64 v = ~0ULL;

	if (!btfx_find_enum_const(vmbtf(), 0, name, &v))
		test_fail(__FILE__, __LINE__, "no enumerator '%s' in the host's BTF", name);
	return v;
}

/* ---- plan item comparison ---- */

struct want {
	__u8 base, nsteps, flags, op, bit_off, bit_size;
	__u16 size;
	__u32 off;
	__u32 steps[KSNOOP_MAX_STEPS];
	__u64 value;
};

static bool item_is(const struct ksnoop_item *it, const struct want *w, const char *what)
{
	bool ok = true;
	int i;

	ok &= ASSERT_EQ(it->base, w->base, what);
	ok &= ASSERT_EQ(it->nsteps, w->nsteps, what);
	for (i = 0; i < w->nsteps && i < KSNOOP_MAX_STEPS; i++)
		ok &= ASSERT_EQ(it->steps[i], w->steps[i], what);
	ok &= ASSERT_EQ(it->flags, w->flags, what);
	ok &= ASSERT_EQ(it->off, w->off, what);
	ok &= ASSERT_EQ(it->size, w->size, what);
	ok &= ASSERT_EQ(it->bit_off, w->bit_off, what);
	ok &= ASSERT_EQ(it->bit_size, w->bit_size, what);
	ok &= ASSERT_EQ(it->op, w->op, what);
	ok &= ASSERT_EQ(it->value, w->value, what);
	return ok;
}

/* ---- locations ---- */

TEST(resolve_member_of_arg)
{
	struct tfunc tf;

	if (!host() || !resolve_ok("ip_send_skb(skb->len)", &tf, 1))
		return;
	item_is(&tf.plan.items[0],
		&(struct want){.base = 1,
			       .flags = KSNOOP_I_MEM,
			       .off = off_of("sk_buff", "len"),
			       .size = size_of("sk_buff", "len")},
		"skb->len");
	ASSERT_EQ(tf.plan.items[0].size, 4, "sk_buff.len is 4 bytes");
	ASSERT_EQ(tf.items[0].kind, VAL_SCALAR, "kind");
	ASSERT_STREQ(tf.items[0].label, "skb->len", "label");
	ASSERT_TRUE(!tf.items[0].is_ret && !tf.has_ret_items, "not a return item");
	tfunc_free(&tf);
}

TEST(resolve_pointer_chain_and_nested_struct)
{
	struct tfunc tf;

	if (!host() || !resolve_ok("ip_send_skb(skb->sk->__sk_common.skc_dport)", &tf, 1))
		return;
	/* skb is a register; skb->sk is loaded from it; the rest is one read. */
	item_is(&tf.plan.items[0],
		&(struct want){.base = 1,
			       .nsteps = 1,
			       .steps = {off_of("sk_buff", "sk")},
			       .flags = KSNOOP_I_MEM,
			       .off = off_of("sock", "__sk_common") +
				      off_of("sock_common", "skc_dport"),
			       .size = 2},
		"skb->sk->__sk_common.skc_dport");
	ASSERT_EQ(size_of("sock_common", "skc_dport"), 2, "skc_dport in BTF");
	tfunc_free(&tf);
}

TEST(resolve_bitfields)
{
	struct btfx_member m = {};
	struct tfunc tf;

	if (!host() || !resolve_ok("ip_send_skb(skb->pkt_type)", &tf, 1))
		return;
	m = member("sk_buff", "pkt_type");
	ASSERT_TRUE(m.bit_size > 0, "sk_buff.pkt_type is a bitfield in BTF");
	item_is(&tf.plan.items[0],
		&(struct want){.base = 1,
			       .flags = KSNOOP_I_MEM,
			       .off = m.bit_off / 8,
			       .bit_off = m.bit_off % 8,
			       .bit_size = m.bit_size,
			       .size = (m.bit_off % 8 + m.bit_size + 7) / 8},
		"skb->pkt_type");
	ASSERT_EQ(tf.items[0].kind, VAL_BITFIELD, "kind");
	tfunc_free(&tf);

	/* Through a pointer and a nested struct: sk->__sk_common.skc_reuse:4 */
	if (!resolve_ok("tcp_sendmsg(sk->__sk_common.skc_reuse)", &tf, 1))
		return;
	m = member("sock_common", "skc_reuse");
	ASSERT_TRUE(m.bit_size > 0, "sock_common.skc_reuse is a bitfield in BTF");
	m.bit_off += off_of("sock", "__sk_common") * 8;
	item_is(&tf.plan.items[0],
		&(struct want){.base = 0,
			       .flags = KSNOOP_I_MEM,
			       .off = m.bit_off / 8,
			       .bit_off = m.bit_off % 8,
			       .bit_size = m.bit_size,
			       .size = (m.bit_off % 8 + m.bit_size + 7) / 8},
		"sk->__sk_common.skc_reuse");
	tfunc_free(&tf);
}

TEST(resolve_anonymous_members)
{
	const struct btf_type *t;
	struct tfunc tf;

	/* tstamp: in an unnamed union of sk_buff; dev: three unnamed levels down. */
	if (!host() || !resolve_ok("ip_send_skb(skb->tstamp, skb->dev)", &tf, 2))
		return;
	ASSERT_TRUE(off_of("sk_buff", "tstamp") != 0, "tstamp is not at offset 0");
	/* ktime_t is s64 */
	t = btfx_skip(vmbtf(), member("sk_buff", "tstamp").type, true, NULL);
	ASSERT_TRUE(t && btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED),
		    "sk_buff.tstamp is a signed integer in BTF");
	item_is(&tf.plan.items[0],
		&(struct want){.base = 1,
			       .flags = KSNOOP_I_MEM | KSNOOP_I_SIGNED,
			       .off = off_of("sk_buff", "tstamp"),
			       .size = size_of("sk_buff", "tstamp")},
		"skb->tstamp");
	/* skb->dev is a struct pointer: the pointee is captured, read through it. */
	item_is(&tf.plan.items[1],
		&(struct want){.base = 1,
			       .nsteps = 1,
			       .steps = {off_of("sk_buff", "dev")},
			       .flags = KSNOOP_I_MEM,
			       .off = 0,
			       .size = sizeof_struct("net_device")},
		"skb->dev");
	ASSERT_EQ(tf.items[1].kind, VAL_PTR_DEREF, "skb->dev kind");
	ASSERT_EQ(tf.items[1].type_id, composite_id("net_device"), "captured type");
	t = btf__type_by_id(vmbtf(), tf.items[1].expr_type_id);
	ASSERT_TRUE(t && btf_is_ptr(t), "expression type is the pointer");
	tfunc_free(&tf);
}

TEST(resolve_array_index)
{
	const struct btf_type *t;
	struct tfunc tf;

	if (!host() || !resolve_ok("ip_send_skb(skb->cb[3], skb->cb[0], skb->head[2])", &tf, 3))
		return;
	/* cb is char[48]: element size from BTF, not assumed */
	t = btfx_skip(vmbtf(), member("sk_buff", "cb").type, true, NULL);
	if (!ASSERT_TRUE(t && btf_is_array(t), "sk_buff.cb is an array in BTF"))
		goto out;
	item_is(&tf.plan.items[0],
		&(struct want){.base = 1,
			       .flags = KSNOOP_I_MEM,
			       .off = off_of("sk_buff", "cb") +
				      3 * btf__resolve_size(vmbtf(), btf_array(t)->type),
			       .size = btf__resolve_size(vmbtf(), btf_array(t)->type)},
		"skb->cb[3]");
	item_is(&tf.plan.items[1],
		&(struct want){.base = 1,
			       .flags = KSNOOP_I_MEM,
			       .off = off_of("sk_buff", "cb"),
			       .size = 1},
		"skb->cb[0]");
	/* Indexing a pointer (unsigned char *head) loads it first. */
	item_is(&tf.plan.items[2],
		&(struct want){.base = 1,
			       .nsteps = 1,
			       .steps = {off_of("sk_buff", "head")},
			       .flags = KSNOOP_I_MEM,
			       .off = 2,
			       .size = 1},
		"skb->head[2]");
out:
	tfunc_free(&tf);
}

TEST(resolve_deref)
{
	struct tfunc tf;
	int id;

	/* enum skb_drop_reason *reason: '*' turns the register into an address */
	if (!host() || !resolve_ok("tcp_add_backlog(*reason, *skb->sk)", &tf, 2))
		return;
	id = btf__find_by_name_kind(vmbtf(), "skb_drop_reason", BTF_KIND_ENUM);
	ASSERT_TRUE(id > 0, "enum skb_drop_reason in BTF");
	item_is(&tf.plan.items[0],
		&(struct want){.base = 2,
			       .flags = KSNOOP_I_MEM,
			       .off = 0,
			       .size = id > 0 ? btf__type_by_id(vmbtf(), id)->size : 0},
		"*reason");
	ASSERT_EQ(tf.items[0].type_id, id, "*reason type");
	/* *skb->sk: the whole struct sock, reached through skb->sk */
	item_is(&tf.plan.items[1],
		&(struct want){.base = 1,
			       .nsteps = 1,
			       .steps = {off_of("sk_buff", "sk")},
			       .flags = KSNOOP_I_MEM,
			       .off = 0,
			       .size = sizeof_struct("sock")},
		"*skb->sk");
	ASSERT_EQ(tf.items[1].kind, VAL_SCALAR, "*skb->sk is a struct value");
	tfunc_free(&tf);
}

TEST(resolve_strings)
{
	struct resolve_opts opts = {.string_size = 64};
	struct resolve_err err;
	struct tfunc tf;

	/* const char *s in a register: the string at s */
	if (!host() || !resolve_ok("kstrdup(s)", &tf, 1))
		return;
	item_is(&tf.plan.items[0], &(struct want){.base = 0, .flags = KSNOOP_I_STR, .size = 256},
		"kstrdup(s) with the default string size");
	ASSERT_EQ(tf.items[0].kind, VAL_STR, "kind");
	tfunc_free(&tf);

	if (!ASSERT_OK(resolve_opts("kstrdup(s)", &opts, &tf, &err), err.msg))
		goto out;
	ASSERT_EQ(tf.plan.items[0].size, 64, "--string-size 64");
	tfunc_free(&tf);

	/* A char * member three structs and two pointers away: kobject.name */
	if (!resolve_ok("ip_send_skb(skb->dev->dev.kobj.name)", &tf, 1))
		return;
	item_is(&tf.plan.items[0],
		&(struct want){.base = 1,
			       .nsteps = 2,
			       .steps = {off_of("sk_buff", "dev"),
					 off_of("net_device", "dev") + off_of("device", "kobj") +
						 off_of("kobject", "name")},
			       .flags = KSNOOP_I_STR,
			       .off = 0,
			       .size = 256},
		"skb->dev->dev.kobj.name");
out:
	tfunc_free(&tf);
}

TEST(resolve_default_items)
{
	struct tfunc tf;

	/* No item list: every argument, then the return value. */
	if (!host() || !resolve_ok("ip_send_skb", &tf, 3))
		return;
	ASSERT_STREQ(tf.items[0].label, "net", "item 0");
	ASSERT_STREQ(tf.items[1].label, "skb", "item 1");
	ASSERT_STREQ(tf.items[2].label, "return", "item 2");
	ASSERT_EQ(tf.plan.items[0].base, 0, "net base");
	ASSERT_EQ(tf.plan.items[1].base, 1, "skb base");
	ASSERT_EQ(tf.plan.items[2].base, KSNOOP_BASE_RET, "return base");
	ASSERT_TRUE(tf.items[2].is_ret && tf.has_ret_items, "return item");
	item_is(&tf.plan.items[1],
		&(struct want){.base = 1, .flags = KSNOOP_I_MEM, .size = sizeof_struct("sk_buff")},
		"skb (pointee)");
	ASSERT_EQ(tf.items[1].kind, VAL_PTR_DEREF, "skb kind");
	/* int return: a register value, signed */
	item_is(&tf.plan.items[2],
		&(struct want){.base = KSNOOP_BASE_RET, .flags = KSNOOP_I_SIGNED, .size = 4},
		"return");
	tfunc_free(&tf);

	/* void function: no return item */
	if (!resolve_ok("tcp_chrono_stop", &tf, 2))
		return;
	ASSERT_TRUE(tf.returns_void && !tf.has_ret_items, "void");
	tfunc_free(&tf);
}

/*
 * Resolve @spec (@nitems items): its plan's phase ends with and without
 * --changes, and the argument registers it reads.
 */
static void phase_ends_are(const char *spec, int nitems, __u32 args, __u8 entry_end, __u8 exit_end,
			   __u8 changes_exit_end)
{
	struct tfunc tf;

	if (!resolve_ok(spec, &tf, nitems))
		return;
	ASSERT_EQ(plan_set_phase_ends(&tf.plan, false), args, spec);
	ASSERT_EQ(tf.plan.entry_end, entry_end, spec);
	ASSERT_EQ(tf.plan.exit_end, exit_end, spec);
	/* --changes reads the entry items again at the return. */
	ASSERT_EQ(plan_set_phase_ends(&tf.plan, true), args, spec);
	ASSERT_EQ(tf.plan.entry_end, entry_end, spec);
	ASSERT_EQ(tf.plan.exit_end, changes_exit_end, spec);
	tfunc_free(&tf);
}

/* Where each phase's items end, and the argument registers they read. */
TEST(resolve_phase_ends)
{
	if (!host())
		return;
	/* skb->len: entry item 0, from argument 1; no return item. */
	phase_ends_are("ip_send_skb(skb->len)", 1, 2, 1, 0, 1);
	/* Return items before and after entry items. */
	phase_ends_are("ip_send_skb(return >= 0, net, skb->len, return < 9)", 4, 2, 3, 4, 4);
	phase_ends_are("ip_send_skb(return, skb->len)", 2, 2, 2, 1, 2);
	/* Only the first argument: one register. */
	phase_ends_are("ip_send_skb(net)", 1, 1, 1, 0, 1);
	/* Only the return value: no register, nothing at entry. */
	phase_ends_are("ip_send_skb(return)", 1, 0, 0, 1, 1);
}

/* ---- predicates ---- */

TEST(resolve_predicates)
{
	struct btfx_member m;
	struct tfunc tf;

	if (!host() ||
	    !resolve_ok("ip_send_skb(skb->len > 100, return < 0, return >= -5, skb->sk == NULL, "
			"skb->pkt_type != 7)",
			&tf, 5))
		return;
	item_is(&tf.plan.items[0],
		&(struct want){.base = 1,
			       .flags = KSNOOP_I_MEM | KSNOOP_I_PRED,
			       .off = off_of("sk_buff", "len"),
			       .size = 4,
			       .op = KSNOOP_OP_GT,
			       .value = 100},
		"skb->len > 100 (unsigned)");
	item_is(&tf.plan.items[1],
		&(struct want){.base = KSNOOP_BASE_RET,
			       .flags = KSNOOP_I_PRED | KSNOOP_I_SIGNED,
			       .size = 4,
			       .op = KSNOOP_OP_LT,
			       .value = 0},
		"return < 0 (signed)");
	/* A second predicate on the same expression: evaluated, its value shown once. */
	item_is(&tf.plan.items[2],
		&(struct want){.base = KSNOOP_BASE_RET,
			       .flags = KSNOOP_I_PRED | KSNOOP_I_SIGNED | KSNOOP_I_HIDE,
			       .size = 4,
			       .op = KSNOOP_OP_GE,
			       .value = (__u64)-5LL},
		"return >= -5 (hidden: 'return' is shown by item 1)");
	/* A pointer compared with NULL: the pointer itself is read, not its pointee. */
	item_is(&tf.plan.items[3],
		&(struct want){.base = 1,
			       .flags = KSNOOP_I_MEM | KSNOOP_I_PRED,
			       .off = off_of("sk_buff", "sk"),
			       .size = 8,
			       .op = KSNOOP_OP_EQ,
			       .value = 0},
		"skb->sk == NULL");
	m = member("sk_buff", "pkt_type");
	item_is(&tf.plan.items[4],
		&(struct want){.base = 1,
			       .flags = KSNOOP_I_MEM | KSNOOP_I_PRED,
			       .off = m.bit_off / 8,
			       .bit_off = m.bit_off % 8,
			       .bit_size = m.bit_size,
			       .size = (m.bit_off % 8 + m.bit_size + 7) / 8,
			       .op = KSNOOP_OP_NE,
			       .value = 7},
		"skb->pkt_type != 7 (largest value of 3 bits)");
	ASSERT_TRUE(tf.has_ret_items, "has return items");
	tfunc_free(&tf);
}

TEST(resolve_predicate_operands)
{
	struct tfunc tf;

	/* Enum-typed argument, constant of its own enum. */
	if (!host() || !resolve_ok("tcp_chrono_stop(type == TCP_CHRONO_BUSY)", &tf, 1))
		return;
	ASSERT_EQ(tf.plan.items[0].value, enum_value("TCP_CHRONO_BUSY"), "TCP_CHRONO_BUSY");
	ASSERT_EQ(tf.plan.items[0].op, KSNOOP_OP_EQ, "op");
	ASSERT_EQ(tf.plan.items[0].flags & ~KSNOOP_I_SIGNED, KSNOOP_I_PRED, "flags");
	tfunc_free(&tf);

	/* skc_state is an unsigned char: TCP_ESTABLISHED comes from the kernel's enums. */
	if (!resolve_ok("tcp_sendmsg(sk->__sk_common.skc_state == TCP_ESTABLISHED)", &tf, 1))
		return;
	item_is(&tf.plan.items[0],
		&(struct want){.base = 0,
			       .flags = KSNOOP_I_MEM | KSNOOP_I_PRED,
			       .off = off_of("sock", "__sk_common") +
				      off_of("sock_common", "skc_state"),
			       .size = 1,
			       .op = KSNOOP_OP_EQ,
			       .value = enum_value("TCP_ESTABLISHED")},
		"skc_state == TCP_ESTABLISHED");
	tfunc_free(&tf);

	/* Range edges that fit: INT_MIN for an int, 0xffffffff for an unsigned int */
	if (!resolve_ok("ip_send_skb(return == -2147483648, skb->len <= 0xffffffff)", &tf, 2))
		return;
	ASSERT_EQ(tf.plan.items[0].value, (__u64)(__s64)INT_MIN, "INT_MIN");
	ASSERT_EQ(tf.plan.items[1].value, 0xffffffffULL, "UINT_MAX");
	ASSERT_EQ(tf.plan.items[1].op, KSNOOP_OP_LE, "op");
	tfunc_free(&tf);
}

TEST(resolve_pointer_limit)
{
	struct resolve_err err;
	struct tfunc tf;
	int ret;

	/*
	 * skb is a register: skb->next is read from it without a load; each
	 * further '->' loads the pointer before it. Eight loads fit the plan ...
	 */
	if (!host() || !resolve_ok("ip_send_skb(skb->next->next->next->next->next->next->next->"
				   "next->len)",
				   &tf, 1))
		return;
	ASSERT_EQ(tf.plan.items[0].nsteps, KSNOOP_MAX_STEPS, "8 loads");
	ASSERT_EQ(tf.plan.items[0].steps[0], off_of("sk_buff", "next"), "load 1");
	ASSERT_EQ(tf.plan.items[0].steps[7], off_of("sk_buff", "next"), "load 8");
	ASSERT_EQ(tf.plan.items[0].off, off_of("sk_buff", "len"), "then len");
	tfunc_free(&tf);
	/* ... a ninth does not. */
	ret = resolve("ip_send_skb(skb->next->next->next->next->next->next->next->next->next->"
		      "len)",
		      &tf, &err);
	if (ASSERT_EQ(ret, -E2BIG, "nine loads"))
		ASSERT_HAS(err.msg, "follows more than 8 pointers", "message");
	tfunc_free(&tf);
}

/* ---- errors ---- */

struct err_case {
	const char *spec;
	int code;
	const char *msg;  /* the whole message */
	const char *hint; /* a substring of the hint; "" : there must be none */
};

static void check_errors(const struct err_case *c, int n)
{
	struct resolve_err err;
	struct tfunc tf;
	int i, ret;

	for (i = 0; i < n; i++, c++) {
		ret = resolve(c->spec, &tf, &err);
		tfunc_free(&tf);
		if (ret == TL_UNRESOLVED)
			continue;
		if (!ASSERT_EQ(ret, c->code, c->spec))
			continue;
		ASSERT_EQ(err.code, c->code, c->spec);
		ASSERT_STREQ(err.msg, c->msg, c->spec);
		if (!*c->hint)
			ASSERT_STREQ(err.hint, "", c->spec);
		else
			ASSERT_HAS(err.hint, c->hint, c->spec);
	}
}

TEST(resolve_errors_arguments)
{
	/* ip_send_skb's parameters in the BTF of every lab kernel: net, skb */
	const char *hint = "its arguments: net, skb";

	if (!host())
		return;
	check_errors(
		(struct err_case[]){
			{"ip_send_skb(sbk->len)", -ENOENT,
			 "function 'ip_send_skb' has no argument 'sbk'", hint},
			{"ip_send_skb(skb, sk)", -ENOENT,
			 "function 'ip_send_skb' has no argument 'sk'", hint},
			{"tcp_chrono_stop(return)", -EINVAL,
			 "'tcp_chrono_stop' returns void: there is no return value to read", ""},
		},
		3);
}

TEST(resolve_errors_members)
{
	if (!host())
		return;
	check_errors(
		(struct err_case[]){
			{"ip_send_skb(skb->lenx)", -ESRCH, "'struct sk_buff' has no member 'lenx'",
			 "did you mean: len"},
			{"ip_send_skb(skb->sk->__sk_common.skc_dprt)", -ESRCH,
			 "'struct sock_common' has no member 'skc_dprt'", "skc_dport"},
			{"ip_send_skb(skb->zzzqqq)", -ESRCH,
			 "'struct sk_buff' has no member 'zzzqqq'", "ksnoop info -v"},
			{"ip_send_skb(skb->sk->__sk_common->skc_dport)", -EINVAL,
			 "'skb->sk->__sk_common' is 'struct sock_common', not a pointer: cannot use '->skc_dport'",
			 "use '.' instead of '->'"},
			{"ip_send_skb(skb->len->x)", -EINVAL,
			 "'skb->len' is 'unsigned int', not a pointer: cannot use '->x'", ""},
			{"ip_send_skb(skb.len)", -EINVAL,
			 "'skb' is a pointer ('struct sk_buff *'): cannot use '.len'",
			 "use '->' instead of '.'"},
			{"ip_send_skb(skb->sk.sk_type)", -EINVAL,
			 "'skb->sk' is a pointer ('struct sock *'): cannot use '.sk_type'",
			 "use '->'"},
			{"ip_send_skb(skb->pkt_type.x)", -EINVAL,
			 "'skb->pkt_type' is a bitfield: it has no members", ""},
			{"ip_send_skb(skb->head->x)", -EINVAL,
			 "'skb->head' is 'unsigned char *', not a pointer to a struct or union: cannot use '->x'",
			 "'->' reads a member of the struct or union a pointer points to"},
			{"ip_send_skb(skb->sk->sk_user_data->x)", -EINVAL,
			 "'skb->sk->sk_user_data' is 'void *', not a pointer to a struct or union: cannot use '->x'",
			 "a void pointer has no type to follow"},
		},
		10);
}

TEST(resolve_errors_index_and_deref)
{
	char msg[256];
	struct btfx_member m;
	const struct btf_type *t;

	if (!host())
		return;
	m = member("sk_buff", "cb");
	t = btf__type_by_id(vmbtf(), m.type);
	if (!ASSERT_TRUE(t && btf_is_array(t), "sk_buff.cb is an array"))
		return;
	snprintf(msg, sizeof(msg),
		 "index %u is out of range for 'skb->cb' ('char[%u]', %u elements)",
		 btf_array(t)->nelems, btf_array(t)->nelems, btf_array(t)->nelems);
	check_errors(
		(struct err_case[]){
			{"ip_send_skb(skb->len[2])", -EINVAL,
			 "'skb->len' is 'unsigned int', not an array or pointer: cannot index it",
			 "'[N]' indexes an array or a pointer"},
			{"ip_send_skb(skb->cb[48])", -ERANGE, msg, ""},
			{"ip_send_skb(*skb->len)", -EINVAL,
			 "'skb->len' is 'unsigned int', not a pointer: cannot use '*'", ""},
			{"ip_send_skb(**skb)", -EINVAL,
			 "'*skb' is 'struct sk_buff', not a pointer: cannot use '*' again",
			 "'*skb' is the struct sk_buff; one '*' reads"},
		},
		4);
	/* The out-of-range case above must be the first index past the end. */
	ASSERT_EQ(btf_array(t)->nelems, 48, "sk_buff.cb has 48 elements");
}

TEST(resolve_errors_predicates)
{
	if (!host())
		return;
	check_errors(
		(struct err_case[]){
			{"ip_send_skb(skb->sk->__sk_common == 1)", -EINVAL,
			 "predicate on 'skb->sk->__sk_common' of type 'struct sock_common': predicates need an integer, enum or pointer",
			 ""},
			{"ip_send_skb(*skb == 1)", -EINVAL,
			 "predicate on '*skb' of type 'struct sk_buff': predicates need an integer, enum or pointer",
			 ""},
			{"ip_send_skb(skb->len > 0x100000000)", -ERANGE,
			 "value 4294967296 is out of range for 'skb->len' (unsigned int)",
			 "'skb->len' holds 0..4294967295"},
			{"ip_send_skb(skb->len == -1)", -ERANGE,
			 "value -1 is out of range for 'skb->len' (unsigned int)",
			 "'skb->len' holds 0..4294967295"},
			{"ip_send_skb(return == 2147483648)", -ERANGE,
			 "value 2147483648 is out of range for 'return' (int)",
			 "'return' holds -2147483648..2147483647"},
			{"ip_send_skb(return > -2147483649)", -ERANGE,
			 "value -2147483649 is out of range for 'return' (int)",
			 "'return' holds -2147483648..2147483647"},
			{"ip_send_skb(skb->pkt_type == 8)", -ERANGE,
			 "value 8 is out of range for 'skb->pkt_type' (__u8)",
			 "'skb->pkt_type' holds 0..7"},
			{"ip_send_skb(skb->len == NULL)", -EINVAL,
			 "'skb->len' is 'unsigned int', not a pointer: cannot compare with NULL",
			 ""},
			{"tcp_chrono_stop(type == NO_SUCH_CONSTANT)", -ESRCH,
			 "no enum constant 'NO_SUCH_CONSTANT' in enum tcp_chrono",
			 "its constants: TCP_CHRONO_UNSPEC, TCP_CHRONO_BUSY"},
			{"ip_send_skb(skb->len == NO_SUCH_CONSTANT)", -ESRCH,
			 "'NO_SUCH_CONSTANT' is not a value for 'skb->len' (unsigned int): not a number and no enum constant",
			 "compare with an integer"},
			{"vfs_read(count < 0)", -ERANGE,
			 "'count < 0' is never true: 'count' (size_t) is unsigned",
			 "never negative"},
			{"vfs_read(count >= 0)", -ERANGE,
			 "'count >= 0' is always true: 'count' (size_t) is unsigned",
			 "drop the predicate"},
			{"ip_send_skb(return < 0)", 0, "", ""},
		},
		13);
}

/*
 * type_decl() reuses one btf_dump per kernel BTF; such a dumper names a second,
 * different type of a name it has printed "NAME___2". Every typedef named like
 * another (vmlinux has two "u8") must print under its own name, in any order.
 */
TEST(type_decl_same_names)
{
	const struct kbtf *k = host();
	__u32 id, n, dups = 0;
	struct strbuf sb;

	if (!k)
		return;
	sb_init(&sb);
	n = btf__type_cnt(k->vmlinux);
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(k->vmlinux, id);
		const char *name = btf__name_by_offset(k->vmlinux, t->name_off);
		__s32 first;

		if (!btf_is_typedef(t))
			continue;
		first = btf__find_by_name_kind(k->vmlinux, name, BTF_KIND_TYPEDEF);
		if (first <= 0 || (__u32)first == id)
			continue;
		/* a later typedef of a name an earlier one has: print both */
		dups++;
		sb_reset(&sb);
		type_decl(k->vmlinux, first, NULL, &sb);
		ASSERT_STREQ(sb_str(&sb), name, "the first typedef");
		sb_reset(&sb);
		type_decl(k->vmlinux, id, NULL, &sb);
		ASSERT_STREQ(sb_str(&sb), name, "the second typedef");
	}
	if (!dups)
		test_skip("no two typedefs share a name in this kernel's BTF");
	sb_free(&sb);
}

TEST(resolve_str_suffix)
{
	struct tfunc tf;

	/* const unsigned char *name: an address by default, the string with ':str' */
	if (!host() || !resolve_ok("vfs_open(path->dentry->d_name.name)", &tf, 1))
		return;
	ASSERT_EQ(tf.items[0].kind, VAL_SCALAR, "d_name.name is a pointer value");
	ASSERT_TRUE(!(tf.plan.items[0].flags & KSNOOP_I_STR), "no string copy");
	tfunc_free(&tf);
	if (!resolve_ok("vfs_open(path->dentry->d_name.name:str)", &tf, 1))
		return;
	item_is(&tf.plan.items[0],
		&(struct want){.base = 0,
			       .nsteps = 2,
			       .steps = {off_of("path", "dentry"),
					 off_of("dentry", "d_name") + off_of("qstr", "name")},
			       .flags = KSNOOP_I_STR,
			       .off = 0,
			       .size = 256},
		"path->dentry->d_name.name:str");
	ASSERT_EQ(tf.items[0].kind, VAL_STR, "d_name.name:str is a string");
	ASSERT_STREQ(tf.items[0].label, "path->dentry->d_name.name:str", "label as written");
	tfunc_free(&tf);
	/* skb->head is unsigned char * too: a string only when asked */
	if (!resolve_ok("ip_send_skb(skb->head:str)", &tf, 1))
		return;
	ASSERT_EQ(tf.items[0].kind, VAL_STR, "skb->head:str is a string");
	tfunc_free(&tf);
	check_errors(
		(struct err_case[]){
			{"ip_send_skb(skb->len:str)", -EINVAL,
			 "'skb->len:str' has type 'unsigned int', not a pointer to bytes",
			 "':str' reads the string a char *, unsigned char * or u8 * points to"},
			{"ip_send_skb(skb->sk:str)", -EINVAL,
			 "'skb->sk:str' has type 'struct sock *', not a pointer to bytes",
			 "':str' reads the string a char *, unsigned char * or u8 * points to"},
		},
		2);
}
