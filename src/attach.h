/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stage 3: load the one BPF program and attach it to every traced function
 * through a backend (src/backend.h: fentry per function, fentry-multi,
 * kprobe-multi, ...). The caller never branches on kernel versions. Also the
 * helpers the backends share: the multi-link bisection, fd bookkeeping.
 */
#ifndef __KSNOOP_ATTACH_H
#define __KSNOOP_ATTACH_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>

#include "backend.h"
#include "filter.h"
#include "resolve.h"

struct ksnoop_bpf;
struct bpf_link;
struct bpf_program;

struct tracer_opts {
	bool entry_only;	   /* --entry: no fexit */
	bool kernel_format;	   /* --kernel-format */
	bool format_check;	   /* --format-check: kernel text and bytes both */
	bool chain;		   /* -s: the plans' chain levels filter entries */
	__u32 kstack;		   /* --kstack=N: frames of each entry's kernel stack, 0: off */
	bool changes;		   /* --changes: memory items captured at entry and at return */
	__u32 tgid, tid;	   /* -p, --tid */
	__u32 pages;		   /* -P: ring buffer pages (power of 2) */
	struct filter_opts filter; /* -c, --cgroup, --slower-than, --errors */
	__u32 agg_mode;		   /* enum ksnoop_agg_mode: count in the kernel, no records */
	/* --hist, --count-by: what is counted, and the entries of the key map */
	struct ksnoop_agg_conf agg_conf;
	__u32 max_keys;
};

struct func_info {
	struct bpf_func_info recs[16];
	__u32 cnt;
};

/* How a backend loads a stub program (tracer_stub()), a BPF_PROG_TYPE_TRACING one. */
struct stub_conf {
	struct bpf_program *prog; /* the generic program; NULL: none for this side */
	enum bpf_attach_type attach_type;
	const char *target; /* the attach target's name, or NULL */
};

/* A function of the BPF object's .text (its ELF symbol), in instructions. */
struct text_func {
	__u32 off, cnt;
	__u32 type_id; /* its BTF FUNC */
};

/*
 * The fentry backend's func_info of a program whose subprograms the verifier
 * partly removed (dead code: a subprogram only .rodata settings leave unused):
 * the BTF type of each of the @nstarts subprograms starting at @starts in the
 * @n linked instructions @insn, into @types. The subprogram at 0 is the
 * kernel's first of the @nkept types @kept; each other one is the function of
 * @funcs (instructions in @text) of its length and instruction kinds. The
 * kernel's types must be among them, in order. 0, or -ESRCH (a subprogram
 * matches no function, or two of different types), -EINVAL (@kept disagrees).
 */
int func_info_types(const struct bpf_insn *insn, __u32 n, const __u32 *starts, __u32 nstarts,
		    const struct bpf_insn *text, const struct text_func *funcs, __u32 nfuncs,
		    const __u32 *kept, __u32 nkept, __u32 *types);

/* Per-function fds in t->fds (per-function backends). */
enum { FD_ENTRY_PROG, FD_EXIT_PROG, FD_ENTRY_LINK, FD_EXIT_LINK, FD_PER_FUNC };

struct tracer {
	struct ksnoop_bpf *skel;
	const struct backend *be;
	struct tfunc *funcs;
	int nfuncs;
	/* The function the object's programs are loaded against (per-function fentry). */
	int target;
	struct tracer_opts opts;
	bool use_cookie;
	/* The fentry stub decides the entry predicate stub.pred by direct loads (be_fentry.c). */
	bool pred_typed;
	/* Multi-link backends: one link runs the program at entry and return (kprobe.session). */
	bool session;
	/*
	 * The fentry stubs pair the lean paths' calls by trampoline frame
	 * (KSNOOP_SB_FRAME): a count, or one record per call with rec_lean.
	 */
	bool frame_pair;
	/* The fentry stub builds the records itself (KSNOOP_SB_REC_LEAN, be_fentry.c). */
	bool rec_lean;
	/* Per-thread state in task-local storage ("thread_tls"), not the "threads" hash. */
	bool task_storage;
	int *fds; /* per-function backends: FD_PER_FUNC fds per function */
	/* -vv: seconds spent creating each kind of fd (FD_*: verifier runs, trampolines) */
	double fd_secs[FD_PER_FUNC];
	int nattached; /* functions attached */
	int nskipped;  /* functions the kernel refused (skipped after bisection or per function) */
	int *mfds[2]; /* multi-link backends: entry links, exit links (several after a bisection) */
	int nmfds[2];
	struct func_info finfo[2]; /* entry, exit: for loading copies of the programs */
	/* The fentry stubs, entry and exit: as asked (tracer_stub()), and the ones loaded. */
	struct stub_conf stub_conf[2];
	struct bpf_program *stub[2];
	struct bpf_link **links; /* libbpf links (kprobe backend): KL_PER_FUNC per function */
};

/* Where function i's libbpf links live in t->links: [i * KL_PER_FUNC + KL_*]. */
enum { KL_ENTRY, KL_EXIT, KL_PER_FUNC };

/* Load the BPF object for @funcs, to attach with @be. Prints a one-line error; negative errno. */
int tracer_load(struct tracer *t, const struct backend *be, struct tfunc *funcs, int nfuncs,
		const struct tracer_opts *o);
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
 * -ENOENT when it has no state for the thread (never traced, or evicted) or
 * cannot name it: state kept with the task is found through a pidfd, which
 * needs @local_ids (the kernel's thread ids are ours: the initial PID
 * namespace) and, before Linux 6.9, a main thread.
 */
int tracer_thread_depth(struct tracer *t, __u32 tid, bool local_ids);
/*
 * Entries of the per-thread hash maps (the BPF program's "threads", the
 * kprobe backend's stacks): a few times the threads running now.
 */
__u32 tracer_threads_entries(void);

/* Runs of our programs the kernel skipped, by what the program serves (backend.h). */
struct tracer_misses {
	__u64 entry, exit, both;
};

/*
 * Times the kernel skipped our programs because one was already running on
 * the CPU; *@records (if not NULL): the records (counting modes: calls) that
 * cost.
 */
__u64 tracer_recursion_misses(struct tracer *t, __u64 *records);

/* ---- for the backends ---- */

/* Seconds on the monotonic clock. */
double mono_s(void);
/* Where function @i's fd @which (FD_*) lives in t->fds. */
int *tracer_fd(struct tracer *t, int i, int which);
/* Close t->fds of kinds @which[0..n), function by function, kind by kind. */
void tracer_close_fds(struct tracer *t, const int *which, int n);
/* Close the multi links, entry links first. */
void tracer_close_links(struct tracer *t);

/*
 * Create one link over the functions @funcs[0..n) (indices into t->funcs,
 * which are also the attach cookies). Returns the link fd or -errno.
 */
typedef int (*multi_create_fn)(struct tracer *t, const __u64 *funcs, int n, bool is_exit);

/*
 * Link all of @funcs[0..n) through @create, into t->mfds[is_exit]. A whole
 * link fails when the kernel cannot trace one of its functions (EINVAL,
 * ENOENT, ESRCH): halve the set to find and skip the offenders, marking them
 * in @bad (indexed by function) with a -v line. ENOMEM (kretprobe.multi on
 * 6.7-6.11 past a few hundred functions) retries in halves too, skipping
 * nothing. Other errors are returned.
 */
int tracer_multi_link(struct tracer *t, multi_create_fn create, __u64 *funcs, int n, bool is_exit,
		      bool *bad);
/*
 * Is function @i one the backend knows the kernel refuses: one that never
 * returns, with returns traced (it says so at -v)?
 */
typedef bool (*multi_skip_fn)(struct tracer *t, int i);
/*
 * The multi-link attach: an exit link over every function @skip (NULL: none)
 * leaves in, then an entry link over what the exit link took (or over all
 * with --entry). Sets nattached and nskipped; prints its error.
 */
int tracer_attach_multi(struct tracer *t, multi_create_fn create, multi_skip_fn skip);
/*
 * The per-function attach: @one attaches function @i (0, or -errno with
 * nothing of @i left attached), for every function, with a progress line on
 * a terminal. Functions the kernel refuses are skipped (-v names them) and
 * counted in t->nskipped; another error, or every function refused, stops
 * with a one-line error. Sets nattached.
 */
int tracer_attach_each(struct tracer *t, int (*one)(struct tracer *t, int i));
/*
 * From a backend's prepare(): load generic stub program @prog (ksnoop_entry,
 * ksnoop_exit, ksnoop_entry_multi, ksnoop_exit_multi) for side @is_exit as a
 * tracing program of @attach_type, against @target (a function's name) or none.
 * tracer_load() loads the program of the case of stub.bits instead, where
 * there is one (KSNOOP_STUB_CASES()), set up the same way; t->stub[@is_exit]
 * is then the program loaded.
 */
void tracer_stub(struct tracer *t, bool is_exit, struct bpf_program *prog,
		 enum bpf_attach_type attach_type, const char *target);
/* The stub programs' cases (include/ksnoop.h KSNOOP_STUB_CASES()), in its order. */
struct stub_case {
	const char *name;
	__u32 bits;
	bool any_id; /* @bits lack the id bits (KSNOOP_SB_ID_BITS): any of them */
};
extern const struct stub_case tracer_stub_cases[];
extern const size_t tracer_nstub_cases;
/* The name of the stub programs' case of stub bits @sb, or NULL. */
const char *tracer_stub_case(__u32 sb);
/* Is a test and benchmark switch, the environment variable's value @env, set and not 0? */
bool tracer_env_flag(const char *env);
/*
 * Turn @prog's calls of the placeholder helpers KSNOOP_SESSION_IS_RETURN_CALL
 * and KSNOOP_SESSION_COOKIE_CALL into calls of the kfuncs
 * bpf_session_is_return() and bpf_session_cookie() (see bpf/capture.h for
 * why not externs). Same length: libbpf's relocations keep their places.
 * Returns 0, or -errno (-ENOENT: no call of bpf_session_is_return()).
 */
int tracer_patch_session(struct bpf_program *prog);
/*
 * How the fentry backends pair the lean counting path's calls (no --entry,
 * no -s). Where the kernel has @feat (FEAT_FSESSION, FEAT_FSESSION_MULTI) and
 * not KSNOOP_NO_FSESSION=1, the session mode: one program,
 * ksnoop_session_multi, runs at each call's entry and return and pairs them
 * by the session cookie: sets t->session, and then that program patched
 * (tracer_patch_session()), typed for @attach_type and loaded. Else the
 * fentry and fexit stubs pair them by the trampoline's frame (t->frame_pair,
 * frame_mask set; KSNOOP_FRAME_SLOTS=N, a power of 2 up to 4096, or
 * 0: by thread only). Returns 0, or -errno.
 */
int tracer_fsession_prepare(struct tracer *t, enum feature feat, int attach_type);
/*
 * Pairing by the trampoline's frame without a session (t->frame_pair): the
 * lean counting path's, or with t->rec_lean set already, the lean record
 * path's one record per call (KSNOOP_SB_REC_LEAN). Sets frame_mask and
 * rec_frame_mask from KSNOOP_FRAME_SLOTS=N, a power of 2 up to 4096 (0: by
 * thread only; the record path takes at most KSNOOP_REC_FRAME_SLOTS).
 * Returns 0, or -EINVAL for a bad N.
 */
int tracer_frame_prepare(struct tracer *t);
/* An entry record of @size bytes at most, kept in the BPF program's .bss. */
typedef void (*tracer_held_fn)(void *ctx, const struct ksnoop_rec *rec, size_t size);
/*
 * Call @fn for each entry the record path keeps by its frame (one record per
 * call), in slot order, with a copy read whole: after tracer_stop(), the
 * calls in flight, or whose return the kernel skipped; while tracing, also
 * those in progress. Returns how many.
 */
int tracer_held_calls(struct tracer *t, tracer_held_fn fn, void *ctx);
/* Sum of the kernel's recursion/miss counts of @fd's program. */
__u64 tracer_prog_misses(int fd);
/* Fill the func_ids map (function address -> id) from /proc/kallsyms. */
int tracer_fill_func_ids(struct tracer *t);

#endif /* __KSNOOP_ATTACH_H */
