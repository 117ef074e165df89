/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stage 3: load the one BPF program and attach it to every traced function.
 * Backends hide how: "fentry" loads a copy of the program per function (all
 * kernels with fentry); the caller never branches on kernel versions.
 */
#ifndef __KSNOOP_ATTACH_H
#define __KSNOOP_ATTACH_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>

#include "resolve.h"

struct ksnoop_bpf;

struct tracer_opts {
	bool entry_only;     /* --entry: no fexit */
	bool kernel_format;  /* --kernel-format */
	bool format_check;   /* --format-check: kernel text and bytes both */
	__u32 tgid, tid;     /* -p, --tid */
	__u32 pages;	     /* -P: ring buffer pages (power of 2) */
	const char *backend; /* --backend: NULL/"auto", "fentry", "fentry-multi" */
};

struct func_info {
	struct bpf_func_info recs[16];
	__u32 cnt;
};

struct tracer {
	struct ksnoop_bpf *skel;
	struct tfunc *funcs;
	int nfuncs;
	struct tracer_opts opts;
	bool use_cookie;
	int *fds;      /* per function: entry prog, exit prog, entry link, exit link */
	int nattached; /* functions attached */
	int nskipped;  /* functions the kernel refused (multi link bisection) */
	bool multi;    /* fentry-multi backend */
	int *mfds[2];  /* multi links: entry, exit (several after a bisection) */
	int nmfds[2];
	const char *backend;
	struct func_info finfo[2]; /* entry, exit: for loading copies of the programs */
};

/* Load the BPF object for @funcs. Prints a one-line error; negative errno. */
int tracer_load(struct tracer *t, struct tfunc *funcs, int nfuncs, const struct tracer_opts *o);
/* Attach every function (fexit before fentry, so each traced entry gets its exit). */
int tracer_attach(struct tracer *t);
/*
 * Stop recording at once (a flag the BPF program reads), links still in place;
 * when it returns, no record will be added to the ring buffer.
 */
void tracer_stop(struct tracer *t);
/* Links the tracer holds: each costs the kernel a trampoline update to remove. */
int tracer_links(struct tracer *t);
/* Remove the links, fentry first (nothing new is recorded); the rest stays readable. */
void tracer_detach(struct tracer *t);
/* Detach and free everything. Safe on a partly set up tracer. */
void tracer_close(struct tracer *t);

/* Per-CPU sums of the stats map (enum ksnoop_stat). */
int tracer_stats(struct tracer *t, __u64 *out, int n);
/* Records lost for function @i for @reason (enum ksnoop_lost_reason), summed over CPUs. */
__u64 tracer_lost(struct tracer *t, int i, int reason);
/*
 * Traced calls in progress on thread @tid as the BPF program counts them, or
 * -ENOENT when it has no state for the thread (never traced, or evicted).
 */
int tracer_thread_depth(struct tracer *t, __u32 tid);

/* Times the kernel skipped our programs because one was already running on the CPU. */
__u64 tracer_recursion_misses(struct tracer *t);

#endif /* __KSNOOP_ATTACH_H */
