/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stage 5: render paired records as text or JSON Lines.
 *
 * Text output, one block per call (printed when the call returns):
 *
 *   TIME            CPU PID     TID     COMM             FUNCTION
 *   21:56:14.123456   0 215     215     udpsend          ip_send_skb (12.345 us)
 *       skb->len = (unsigned int)33
 *       skb->sk = *(0xffff888003c2a000) (struct sock){
 *        .__sk_common = (struct sock_common){
 *       ...
 *       return = (int)0
 *
 * Values are printed in the kernel's bpf_snprintf_btf() format, whichever
 * side formatted them.
 */
#ifndef __KSNOOP_OUTPUT_H
#define __KSNOOP_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "ksnoop.h"
#include "ksyms.h"
#include "resolve.h"

/* Pending output written at once when not on a terminal (and at output_flush()). */
#define OUTPUT_BATCH (64 * 1024)

/*
 * strftime() of one second, cached: events come in bursts within the same
 * second, and gmtime/localtime + strftime cost more than the rest of a small
 * event.
 */
struct sec_text {
	bool valid;
	time_t sec;
	size_t len;
	char buf[64];
};

struct fmt_cache;

/*
 * json_put_string() of the strings that repeat from one event to the next
 * (comm, function name, item labels): the last encoding of each slot is
 * kept with the bytes it encoded, and reused when the bytes are the same.
 */
struct jstr_memo {
	bool valid;
	size_t len, elen;
	char raw[64];
	char esc[64 * 6 + 2];
};

/*
 * JSON: the members "pid" to "func" of the last call written and what they
 * were made of. Consecutive calls of one thread and function (most) copy the
 * text; a longer one (a long function name) is not kept.
 */
struct json_who {
	bool valid;
	__u32 tgid, tid;
	__u64 comm[2]; /* the record's 16 bytes, as they came */
	const struct kfunc *kf;
	size_t len;
	char text[192];
};

/*
 * One output stream. All its state is here (none at file level), so that two
 * outputs (text to the terminal, JSON to a file) can coexist.
 */
struct output {
	FILE *f;
	bool json;
	bool color;	  /* text with ANSI colours (a terminal, --color) */
	bool batch;	  /* not a terminal: calls collect in @sb up to OUTPUT_BATCH */
	const char *name; /* for messages: the -o FILE, or NULL for standard output */
	int err;	  /* the first write error (negative errno); nothing is written after it */
	__u64 boot_ns;	  /* CLOCK_REALTIME - CLOCK_MONOTONIC at start */
	__u64 format_mismatches; /* --format-check: kernel and userspace text differ */
	bool show_errno;	 /* --errors: name a failed call's errno */
	/*
	 * -s: the chain group (from 1) and level of the call being written, 0:
	 * not in a chain. Text indents the call by its level, JSON adds
	 * "chain" and "level".
	 */
	__u64 chain_group;
	int chain_level;
	/* --kstack=N: frames per stack, 0: off; stack_fd the "stacks" map; ksyms loaded at need */
	__u32 kstack;
	int stack_fd;
	/* --changes: memory items come at entry and again at return: show both if they differ */
	bool changes;
	struct ksyms *ksyms;
	struct strbuf sb;
	/*
	 * What the value formatters learnt about the BTF types seen so far: the
	 * BTF objects (kbtf) outlive every output, and output_free() drops it.
	 */
	struct fmt_cache *types;
	struct sec_text wall[2]; /* wall_time(): local, RFC 3339 */
	struct sec_text mono;	 /* JSON "time_ns": its seconds' digits (time_ns_at()) */
	/* JSON: comm, function name, item labels (by item index modulo 8) */
	struct jstr_memo memo_comm, memo_func, memo_label[8];
	struct json_who who;
};

void output_init(struct output *o, FILE *f, bool json);
void output_free(struct output *o);
/*
 * -o FILE: open @path and make it standard output, so that every writer
 * (records, info, the JSON summary) goes there. Called once the SPECs are
 * resolved, so that a mistake does not empty an existing file. Returns 0, or
 * -EBADF after printing why it cannot be opened.
 */
int output_open(const char *path);

/*
 * Whether text output is coloured: --color @mode 1 always, 0 never, -1 auto
 * (standard output, after output_open(), is a terminal and NO_COLOR is not
 * set to a non-empty value).
 */
bool output_want_color(int mode);

/* The column header (text only). Returns 0 or the write error (negative errno). */
int output_header(struct output *o);

/*
 * True when the reader of a pipe or socket output has gone away (| head), so
 * that ksnoop can stop without waiting for its next write to fail.
 */
bool output_gone(struct output *o);

/*
 * Report a write error @err on the output named @name (NULL: standard output)
 * as a one-line error with a hint. A reader that went away (-EPIPE) is a
 * normal end, not an error: nothing is printed. Returns @err.
 */
int output_write_error(const char *name, int err);

/* How a call shown without its return ended, as far as ksnoop knows. */
enum call_end {
	CALL_SEEN,	  /* as recorded: its return if traced, or --entry, or too deep */
	CALL_IN_FLIGHT,	  /* still running when tracing stopped */
	CALL_RETURN_LOST, /* it returned, but its return record was lost */
};

/*
 * One call of @tf: @entry (may be NULL if only the exit was seen), @exit (NULL
 * with --entry, or for a call in flight or whose return was lost, per @end),
 * each of which passed rec_check() (src/record.h). On a terminal it is written at once; otherwise
 * it may wait for output_flush(). Returns 0, or the negative errno of the first failed write
 * (-EPIPE when the reader went away, -ENOSPC for a full disk, ...), also kept
 * in @o->err: the output is then dead for good.
 */
int output_call(struct output *o, const struct tfunc *tf, const struct ksnoop_rec *entry,
		const struct ksnoop_rec *exit, enum call_end end);

/*
 * In-stream loss report: @n records lost since the last one, for @reason
 * ("ringbuf": ring buffer full, "nested": the run was nested in another on the
 * same CPU, "recursion": the kernel skipped the program), with per-function
 * counts when known (@nf entries of @names/@counts). Returns 0 or the write
 * error, as output_call().
 */
int output_lost(struct output *o, __u64 n, const char *reason, const char *const *names,
		const __u64 *counts, int nf);

/*
 * Write out every pending call and loss report: the trace loop calls it each
 * time it has drained the ring buffer (at least every 100 ms while records
 * flow), so a pipe reader sees each call as soon as a terminal would, give or
 * take that. Returns 0 or the first write error, as output_call().
 */
int output_flush(struct output *o);

#endif /* __KSNOOP_OUTPUT_H */
