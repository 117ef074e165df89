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

#include "ksnoop.h"
#include "resolve.h"

struct output {
	FILE *f;
	bool json;
	__u64 boot_ns;		 /* CLOCK_REALTIME - CLOCK_MONOTONIC at start */
	__u64 format_mismatches; /* --format-check: kernel and userspace text differ */
	struct strbuf sb;
};

void output_init(struct output *o, FILE *f, bool json);
void output_free(struct output *o);
void output_header(struct output *o);

/* How a call shown without its return ended, as far as ksnoop knows. */
enum call_end {
	CALL_SEEN,	  /* as recorded: its return if traced, or --entry, or too deep */
	CALL_IN_FLIGHT,	  /* still running when tracing stopped */
	CALL_RETURN_LOST, /* it returned, but its return record was lost */
};

/*
 * One call of @tf: @entry (may be NULL if only the exit was seen), @exit (NULL
 * with --entry, or for a call in flight or whose return was lost, per @end).
 * Returns 0, or -EPIPE when the output went away.
 */
int output_call(struct output *o, const struct tfunc *tf, const struct ksnoop_rec *entry,
		const struct ksnoop_rec *exit, enum call_end end);

/*
 * In-stream loss report: @n records lost since the last one, for @reason
 * ("ringbuf": ring buffer full, "nested": the run was nested in another on the
 * same CPU, "recursion": the kernel skipped the program), with per-function
 * counts when known (@nf entries of @names/@counts).
 */
int output_lost(struct output *o, __u64 n, const char *reason, const char *const *names,
		const __u64 *counts, int nf);

#endif /* __KSNOOP_OUTPUT_H */
