/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --hist and --count-by: calls counted in the kernel instead of a record each
 * (the BPF side is agg_call() in bpf/capture.bpf.c), read once tracing
 * stops and printed per function.
 *
 * Text, --hist "ip_send_skb(skb->len)" (bpftrace's hist() layout):
 *
 *   ip_send_skb skb->len: 5 calls
 *   [32, 64)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
 *   [64, 128)              0 |                                                    |
 *   [128, 256)             2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |
 *
 * Text, --count-by "ip_send_skb(skb->dev->name)" --top 1:
 *
 *   ip_send_skb by skb->dev->name: 7 calls, 2 keys
 *          5  "lo"
 *          2  (1 other key)
 *
 * Text, --count-by caller ip_send_skb (per call site, as --kstack shows a frame):
 *
 *   ip_send_skb by caller: 3 calls, 1 key
 *          3  udp_send_skb+0x176
 *
 * JSON Lines, one object per function:
 *   {"type":"hist","func":"ip_send_skb","value":"skb->len","scale":"log2",
 *    "calls":5,"unreadable":0,"buckets":[{"lo":32,"hi":64,"count":3},...]}
 *   {"type":"count","func":"ip_send_skb","key":"skb->dev->name","calls":7,
 *    "keys":2,"counts":[{"key":"lo","count":5}],"other":{"keys":1,"count":2}}
 * A bucket's "lo" is null below the range, its "hi" null above it; keys are
 * typed as in "args" (numbers, strings, enums as {"name","value"}).
 */
#ifndef __KSNOOP_HIST_USER_H
#define __KSNOOP_HIST_USER_H

#include <stdbool.h>
#include <linux/types.h>

#include "ksnoop.h"
#include "resolve.h"
#include "strbuf.h"

#define HIST_DEFAULT_MAX_KEYS 10240
#define HIST_MAX_KEYS	      (1 << 20)

struct hist_opts {
	enum ksnoop_agg_mode mode; /* KSNOOP_AGG_HIST, KSNOOP_AGG_COUNT, or 0 */
	enum ksnoop_agg_src src;
	bool linear;
	__s64 min, max; /* linear: the range */
	__u64 step;
	__u32 top;	/* --top N: the N biggest keys, the rest summed (0: all) */
	__u32 max_keys; /* --max-keys: size of the kernel's key map */
};

struct output;
struct tracer;

/*
 * The words that may follow --hist and --count-by as their value: "duration",
 * "log2", "linear:..." (a comma list), "comm" and "caller". Anything else is a SPEC.
 */
bool hist_opt_word(const char *s);
bool count_opt_word(const char *s);
/*
 * --hist[=MODE] and --count-by[=KEY], @arg NULL when only the option was
 * given. Returns 0, or -EINVAL after printing an error with a hint.
 */
int hist_parse_opt(const char *arg, struct hist_opts *a);
int count_parse_opt(const char *arg, struct hist_opts *a);

/*
 * Do the resolved functions fit the mode (item 0 the value, the other items
 * predicates; integer values for --hist, keys up to KSNOOP_KEY_MAX bytes)?
 * Sets each plan's KSNOOP_P_AGG_EXIT and *@need_exit when some function is
 * counted at its return. Returns 0, or a negative errno after printing why.
 */
int hist_check(const struct hist_opts *a, struct tfunc *funcs, int n, bool entry_only,
	       bool *need_exit);
/* The BPF program's settings for @a. */
void hist_conf(const struct hist_opts *a, struct ksnoop_agg_conf *c);
/*
 * hist_check(), then the tracer's settings in @t: the BPF side's, and
 * entry_only when no function is counted at its return (no return probes,
 * no per-thread pairing: the cheapest call).
 */
struct tracer_opts;
int hist_setup(const struct hist_opts *a, struct tfunc *funcs, int n, struct tracer_opts *t);
/*
 * After agg_prepare_funcs() (src/agg.c) hid every item: item 0, the value,
 * is captured in its phase and kept in the record; --count-by caller: each
 * plan gets its function's code range from /proc/kallsyms. Returns 0, or a
 * negative errno after printing why.
 */
int hist_plans(const struct hist_opts *a, struct tfunc *funcs, int n);

/*
 * Bounds of histogram slot @slot: [*lo, *hi). *has_lo false: no lower bound
 * (below the range); *has_hi false: no upper bound, or 2^64 (*hi_2_64).
 */
struct hist_bounds {
	__s64 lo;
	__u64 hi;
	bool has_lo, has_hi, lo_signed, hi_2_64, single;
};
void hist_slot_bounds(const struct ksnoop_agg_conf *c, __u32 slot, struct hist_bounds *b);

/*
 * One function's histogram from its per-slot @counts (c->nslots of them), as
 * text or one JSON line, appended to @sb. @value names what was counted
 * ("skb->len", "duration").
 */
void hist_render(struct strbuf *sb, bool json, const struct ksnoop_agg_conf *c, const char *func,
		 const char *value, const char *unit, const __u64 *counts);

/* One --count-by key and its count, as hist_report() collects them. */
struct count_row {
	char *text; /* the key as text (also what rows are merged by) */
	char *json; /* the key as a JSON value */
	__u64 count;
};
/*
 * One function's counts: @rows merged (the same text: one key) and sorted in
 * place, the first @top (0: all) shown, the rest summed; appended to @sb.
 * Returns how many rows are left (merged ones are freed).
 */
int count_render(struct strbuf *sb, bool json, const char *func, const char *key,
		 struct count_row *rows, int nrows, __u32 top);
/*
 * --count-by: the bytes of data a key needs (struct ksnoop_count_key): a comm,
 * a call site, or the largest item 0 of @funcs, up to KSNOOP_KEY_MAX. The
 * kernel's key map hashes no more than that.
 */
__u16 count_key_len(const struct hist_opts *a, const struct tfunc *funcs, int n);
/* --count-by: every function's counts read from the key map and rendered on @out (count.c). */
int count_report(struct tracer *t, const struct hist_opts *a, struct output *out, __u64 *counted);
/* The @n calls a full key map (@max_keys) did not count: a line, or a "lost" JSON record. */
void count_keys_full(struct strbuf *sb, bool json, __u64 n, __u32 max_keys);

/*
 * Read the kernel's counts and print them on @out. *@counted: calls counted;
 * *@not_counted: calls a full key map left out (also reported in the output).
 * Returns 0 or the output's write error.
 */
int hist_report(struct tracer *t, const struct hist_opts *a, struct output *out, __u64 *counted,
		__u64 *not_counted);

#endif /* __KSNOOP_HIST_USER_H */
