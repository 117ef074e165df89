/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stage 3a: the attach backends, one table. Each backend is one mechanism for
 * running the BPF program at the traced functions (fentry programs per
 * function, one fentry-multi link, one kprobe.multi link, ...), in one file
 * src/be_<name>.c with its entry stub in bpf/<name>.bpf.c. Everything that
 * depends on the mechanism goes through this table: whether the kernel has it
 * (a feature probe, never a version check), which functions it cannot trace
 * and why, attach, detach and the kernel's miss counters. main.c, the
 * selection in trace.c and `ksnoop features` only read the table.
 *
 * Adding a backend: a src/be_<name>.c defining a struct backend, an entry in
 * backends[] (src/backend.c), and its stub in bpf/<name>.bpf.c.
 */
#ifndef __KSNOOP_BACKEND_H
#define __KSNOOP_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "kfeatures.h"

struct kfunc;
struct tracer;
struct tracer_misses;

enum backend_flags {
	BK_FTRACE = 1 << 0,	/* attaches only at ftrace sites (available_filter_functions) */
	BK_NO_MODULES = 1 << 1, /* cannot trace module functions */
	BK_EXIT_ARGS = 1 << 2,	/* the return program sees the arguments (--changes) */
	/*
	 * Its attach refuses a function ftrace does not list (fentry: EBUSY,
	 * multi links: the function), where a kprobe may take an address
	 * kallsyms gives for another function of that name.
	 */
	BK_REFUSES_UNLISTED = 1 << 3,
};

/* Why a backend cannot run here. */
enum backend_why {
	BK_OK,
	BK_ABSENT,	  /* the kernel lacks it: too old, or configured without it */
	BK_NOT_PERMITTED, /* the kernel has it but refuses us: EPERM, lockdown, privilege */
};

struct backend_status {
	enum backend_why why;
	int err;	  /* negative errno of the failed probe */
	char reason[200]; /* "lacks BPF_TRACE_KPROBE_MULTI links (Linux 5.18+ ...): ..." */
};

struct backend {
	const char *name;    /* --backend NAME */
	const char *summary; /* one line for --help and features */
	unsigned int flags;  /* enum backend_flags */
	/*
	 * The auto choice (backend_choose()): lower goes first. call_rank orders
	 * by the cost each traced call pays (a few functions), attach_rank by the
	 * time to attach and detach many (globs). Both from tests/bench numbers.
	 */
	int call_rank, attach_rank;
	/*
	 * The kernel features it needs, probed by backend_status() through
	 * feature_require() (FEAT_FEXIT only with return probes).
	 */
	const enum feature *needs;
	size_t nneeds;
	/*
	 * The probe of task-local storage for its programs' type: where it
	 * says yes, the BPF program keeps per-thread state with the task.
	 */
	enum feature task_storage;
	/*
	 * Why the backend cannot trace @kf, or NULL. Checks the prototype only;
	 * ftrace's list is checked by the caller for BK_FTRACE backends.
	 */
	const char *(*untraceable)(const struct kfunc *kf, char *buf, size_t n);
	/* Before the BPF object is loaded: enable (autoload) and retype this backend's programs. */
	int (*prepare)(struct tracer *t);
	/* After load, the plans stored: anything the attach needs from the loaded programs. */
	int (*loaded)(struct tracer *t);
	/*
	 * Attach every function of t->funcs, exits before entries (each traced
	 * entry gets its exit). Functions the kernel refuses are skipped and
	 * counted in t->nskipped, the rest in t->nattached. Prints its error.
	 */
	int (*attach)(struct tracer *t);
	/* Remove the links, entries first (nothing new is recorded). Fork-safe: only closes. */
	void (*detach)(struct tracer *t);
	/* Free what detach left (per-function programs). May be NULL. */
	void (*close)(struct tracer *t);
	/*
	 * Times the kernel skipped our programs (recursion, bpf_prog_active), by
	 * the runs the programs serve: entries, returns, or both (one program
	 * for both, whose counter does not say which).
	 */
	void (*misses)(struct tracer *t, struct tracer_misses *m);
};

/* Every backend, in no particular order; NULL-terminated, at most BK_MAX. */
#define BK_MAX 16
extern const struct backend *const backends[];

/* The backend called @name, or NULL. */
const struct backend *backend_find(const char *name);
/*
 * Can this kernel run @be (with return probes if @need_exit)? Its features
 * probed, cached. 0 when available, else -errno with @st filled.
 */
int backend_status(const struct backend *be, bool need_exit, struct backend_status *st);

/* What the auto choice needs to know about the SPECs. */
struct backend_want {
	const char *name; /* --backend; NULL or "auto" chooses */
	bool many;	  /* a glob or many SPECs: attach time matters more than call cost */
	bool modules;	  /* some SPEC names a module function */
	bool need_exit;	  /* return probes too (not --entry) */
	bool exit_args;	  /* the arguments at return too (--changes): BK_EXIT_ARGS */
};

/*
 * The backend to trace with. On failure prints a one-line error with a hint
 * (what the named backend lacks, or that nothing here can trace) and returns
 * NULL with errno set (EOPNOTSUPP, EPERM). -v says why the choice was made.
 */
const struct backend *backend_choose(const struct backend_want *w);

/* backend_choose() without messages: NULL when nothing fits (for `ksnoop info`). */
const struct backend *backend_pick(const struct backend_want *w);

/*
 * Prototype limits shared by the backends: no struct or union return, no
 * varargs, no argument of 0 or over 16 bytes, at most KSNOOP_MAX_ARGS
 * argument registers. With @pt_regs, also refuse a 16-byte argument that
 * starts in the last argument register: the ABI passes it on the stack then,
 * and the slots after it would not be where the plan expects them.
 */
/*
 * Does @name never return? The verifier refuses fexit on such functions
 * (noreturn_deny in kernel/bpf/verifier.c, Linux 6.4+; the same names on 7.2).
 */
bool backend_noreturn(const char *name);
const char *backend_check_proto(const struct kfunc *kf, const char *who, bool pt_regs, char *buf,
				size_t n);

#endif /* __KSNOOP_BACKEND_H */
