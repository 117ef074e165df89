// SPDX-License-Identifier: GPL-2.0
/*
 * Host decode benchmark: the userspace cost of one traced call, from the
 * records the BPF program streams to the bytes written out.
 *
 *   decode-bench CASE FORMAT N [pair|call]   CASE: scalar | skb   FORMAT: text | json
 *   decode-bench CASE FORMAT show       print one event to stdout (what is measured)
 *
 * CASE scalar is "ip_send_skb(skb->len, return)", CASE skb is
 * "ip_send_skb(skb)" (the whole struct sk_buff). The SPEC is resolved against
 * the host kernel's BTF, so the plan and the printed types are the real ones;
 * the records are then built as bpf/capture.bpf.c capture_item() and emit()
 * build them (one entry and one exit record, values in plan order, 8-aligned)
 * from a fake sk_buff: zero bytes with a dozen realistic fields set.
 *
 * bench_loop() feeds the same pair N times through output_call() to a FILE on
 * /dev/null; with "pair", through the pairer first (src/pair.c), as ksnoop
 * hands each ring buffer sample to it; with "call", as one sample of both
 * (KSNOOP_R_CALL), as the fentry stub's one record per call sends them.
 * Run it under valgrind --tool=callgrind --toggle-collect=bench_loop (make
 * bench-host) so that only the loop is counted, not the BTF load: the
 * instructions per event are the collected total divided by N.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "btfx.h"
#include "ksnoop.h"
#include "output.h"
#include "pair.h"
#include "tlib.h"

/* Where the fake objects "live" in the kernel: the addresses printed. */
#define NET_ADDR  0xffffffff82f1c2c0ULL
#define SKB_ADDR  0xffff888004a3e200ULL
#define SK_ADDR	  0xffff888003c2a000ULL
#define DEV_ADDR  0xffff888003a1c000ULL
#define HEAD_ADDR 0xffff888004b7d000ULL

static __u8 skb_bytes[4096]; /* the fake struct sk_buff */
static __u32 skb_size;

static __u8 entry_buf[KSNOOP_SCRATCH] __attribute__((aligned(8)));
static __u8 exit_buf[KSNOOP_SCRATCH] __attribute__((aligned(8)));
static __u8 call_buf[2 * KSNOOP_SCRATCH] __attribute__((aligned(8)));

static void die(const char *what, int err)
{
	fprintf(stderr, "decode-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* Set member @name of the fake sk_buff to @v (little-endian, its own size). */
static void set(const struct btf *btf, __u32 skb_id, const char *name, __u64 v)
{
	struct btfx_member m;
	__u32 off = 0, size = 0;

	if (btfx_find_member(btf, skb_id, name, &m) && !m.bit_size && !(m.bit_off % 8)) {
		off = m.bit_off / 8;
		size = btf__resolve_size(btf, m.type);
	}
	if (!size || size > 8 || off + size > skb_size) {
		fprintf(stderr, "decode-bench: no byte-aligned member '%s' in struct sk_buff\n",
			name);
		exit(1);
	}
	memcpy(skb_bytes + off, &v, size);
}

static void fake_skb(const struct btf *btf)
{
	__s32 id = btf__find_by_name_kind(btf, "sk_buff", BTF_KIND_STRUCT);

	if (id < 0)
		die("struct sk_buff", id);
	skb_size = btf__resolve_size(btf, id);
	if (skb_size > sizeof(skb_bytes))
		die("struct sk_buff size", E2BIG);
	/* A 128-byte UDP datagram on its way out of udp_send_skb(). */
	set(btf, id, "sk", SK_ADDR);
	set(btf, id, "dev", DEV_ADDR);
	set(btf, id, "tstamp", 1234567890123ULL);
	set(btf, id, "len", 156);
	set(btf, id, "truesize", 768);
	set(btf, id, "protocol", 0x0008); /* htons(ETH_P_IP) */
	set(btf, id, "transport_header", 36);
	set(btf, id, "network_header", 16);
	set(btf, id, "mac_header", 0xffff);
	set(btf, id, "head", HEAD_ADDR);
	set(btf, id, "data", HEAD_ADDR + 16);
	set(btf, id, "tail", 172);
	set(btf, id, "end", 192);
	set(btf, id, "users", 1);
	set(btf, id, "priority", 6);
	set(btf, id, "hash", 0x5e1c9a3b);
}

/* Kernel memory as the BPF program would read it: only the fake sk_buff. */
static int kread(void *dst, __u64 addr, __u32 size)
{
	if (addr < SKB_ADDR || addr + size > SKB_ADDR + skb_size)
		return -EFAULT;
	memcpy(dst, skb_bytes + (addr - SKB_ADDR), size);
	return 0;
}

/*
 * Append the values of @tf's items for one phase to @buf, as capture_item()
 * does: entry items from the argument registers, return items at exit.
 */
static void build_rec(const struct tfunc *tf, bool is_exit, __u8 *buf, const __u64 *args, __u64 ret,
		      __u64 ts)
{
	struct ksnoop_rec *rec = (void *)buf;
	__u32 off = sizeof(*rec), i, s;
	__u16 nvals = 0;

	for (i = 0; i < tf->plan.nitems; i++) {
		const struct ksnoop_item *it = &tf->plan.items[i];
		struct ksnoop_val *val = (void *)(buf + off);
		__u32 size = it->size > KSNOOP_MAX_VALUE ? KSNOOP_MAX_VALUE : it->size, len = 0;
		__u64 v, addr = 0;
		__u8 vflags = 0;
		int err = 0;

		if ((it->base == KSNOOP_BASE_RET) != is_exit || (it->flags & KSNOOP_I_HIDE))
			continue;
		if (it->flags & (KSNOOP_I_STR | KSNOOP_I_KFMT))
			die("bench SPEC: strings and --kernel-format are not modelled", EINVAL);
		v = is_exit ? ret : args[it->base];
		for (s = 0; s < it->nsteps && !err; s++)
			err = kread(&v, v + it->steps[s], sizeof(v));
		memset(val, 0, sizeof(*val));
		if (err) {
			vflags |= KSNOOP_V_UNREADABLE;
		} else if (it->flags & KSNOOP_I_MEM) {
			addr = v + it->off;
			if (kread(val->data, addr, size))
				vflags |= KSNOOP_V_UNREADABLE;
			len = size;
		} else {
			memcpy(val->data, &v, 8);
			len = size > 8 ? 8 : size;
		}
		if (it->size > KSNOOP_MAX_VALUE && !(vflags & KSNOOP_V_UNREADABLE))
			vflags |= KSNOOP_V_TRUNC;
		val->item = i;
		val->flags = vflags;
		val->len = len;
		val->addr = addr;
		off += sizeof(*val) + KSNOOP_VAL_ALIGN(len);
		nvals++;
	}
	rec->type = is_exit ? KSNOOP_REC_EXIT : KSNOOP_REC_ENTRY;
	rec->nvals = nvals;
	rec->size = off;
	rec->cpu = 1;
	rec->tgid = rec->tid = 215;
	rec->ts = ts;
	rec->ip = 0xffffffff81b2c3d0ULL;
	rec->ret = ret;
	strncpy(rec->comm, "udpsend", sizeof(rec->comm));
}

struct bench_out {
	struct output *o;
	const struct tfunc *tf;
	int err;
};

/* The pairer's callback: what ksnoop's show_call() does with a call. */
static void bench_show(void *ctx, const struct ksnoop_rec *entry, const struct ksnoop_rec *exit,
		       enum call_end end)
{
	struct bench_out *b = ctx;

	if (!b->err)
		b->err = output_call(b->o, b->tf, entry, exit, end);
}

/* The measured part: callgrind's --toggle-collect names this function. */
__attribute__((noipa)) static int bench_loop(struct output *o, const struct tfunc *tf,
					     const struct ksnoop_rec *entry,
					     const struct ksnoop_rec *exit, long n, bool pair,
					     const struct ksnoop_rec *call)
{
	struct bench_out b = {.o = o, .tf = tf};
	struct pairer p;
	long i;
	int err = 0;

	if (!pair && !call) {
		for (i = 0; i < n && !err; i++)
			err = output_call(o, tf, entry, exit, CALL_SEEN);
		return err;
	}
	pairer_init(&p, bench_show, &b);
	for (i = 0; i < n && !err && !b.err; i++) {
		if (call) {
			err = pairer_feed(&p, call, call->size + exit->size);
			continue;
		}
		err = pairer_feed(&p, entry, entry->size);
		if (!err)
			err = pairer_feed(&p, exit, exit->size);
	}
	pairer_free(&p);
	return err ? err : b.err;
}

int main(int argc, char **argv)
{
	const char *specs[] = {"ip_send_skb(skb->len, return)", "ip_send_skb(skb)"};
	const __u64 args[KSNOOP_MAX_ARGS] = {NET_ADDR, SKB_ADDR};
	struct resolve_opts ropts = {.string_size = 256};
	struct resolve_err rerr;
	struct output o;
	const struct kbtf *kb;
	struct tfunc tf;
	struct ksnoop_rec *call = NULL;
	bool show, json, pair;
	int which, err;
	long n = 0;
	FILE *f;

	pair = argc == 5 && !strcmp(argv[4], "pair");
	if (argc == 5 && !strcmp(argv[4], "call"))
		call = (struct ksnoop_rec *)call_buf;
	if ((argc != 4 && !pair && !call) ||
	    (strcmp(argv[1], "scalar") && strcmp(argv[1], "skb")) ||
	    (strcmp(argv[2], "text") && strcmp(argv[2], "json"))) {
		fprintf(stderr, "usage: decode-bench scalar|skb text|json N [pair|call] | show\n");
		return 2;
	}
	which = !strcmp(argv[1], "skb");
	json = !strcmp(argv[2], "json");
	show = !strcmp(argv[3], "show");
	if (!show)
		n = strtol(argv[3], NULL, 10);

	err = tl_host_btf(&kb);
	if (err)
		die("kernel BTF", err);
	err = tl_resolve(kb, specs[which], &ropts, &tf, &rerr);
	if (err) {
		fprintf(stderr, "decode-bench: %s: %s\n", specs[which], rerr.msg);
		return 1;
	}
	fake_skb(kb->vmlinux);
	build_rec(&tf, false, entry_buf, args, 0, 5000000000ULL);
	build_rec(&tf, true, exit_buf, args, 0, 5000012345ULL);
	if (call) {
		memcpy(call_buf, entry_buf, ((struct ksnoop_rec *)entry_buf)->size);
		memcpy(call_buf + call->size, exit_buf, ((struct ksnoop_rec *)exit_buf)->size);
		call->flags |= KSNOOP_R_CALL;
	}

	f = show ? stdout : fopen("/dev/null", "w");
	if (!f)
		die("/dev/null", errno);
	output_init(&o, f, json);
	/* One call outside the measurement: first-use costs (time zone, stdio buffer). */
	err = output_call(&o, &tf, (void *)entry_buf, (void *)exit_buf, CALL_SEEN);
	if (!err && !show)
		err = bench_loop(&o, &tf, (void *)entry_buf, (void *)exit_buf, n, pair, call);
	if (!err)
		err = output_flush(&o);
	if (err)
		die("output_call", err);
	output_free(&o);
	if (!show)
		fclose(f);
	tfunc_free(&tf);
	return 0;
}
