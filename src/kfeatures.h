/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel feature probes: each loads a tiny program (or creates a map) and
 * records whether the kernel accepted it and, if not, the errno it gave.
 */
#ifndef __KSNOOP_KFEATURES_H
#define __KSNOOP_KFEATURES_H

#include <stdbool.h>
#include <stddef.h>

struct backend_status;

enum feature {
	FEAT_FENTRY,
	FEAT_FEXIT,
	FEAT_FUNC_ARG, /* bpf_get_func_arg(_cnt), bpf_get_func_ret */
	FEAT_FUNC_IP,  /* bpf_get_func_ip in fentry */
	FEAT_COOKIE,   /* bpf_get_attach_cookie in fentry */
	FEAT_RINGBUF,
	FEAT_SNPRINTF_BTF,
	FEAT_FENTRY_MULTI,   /* BPF_TRACE_FENTRY_MULTI */
	FEAT_KPROBE_MULTI,   /* a BPF_TRACE_KPROBE_MULTI link (needs CONFIG_FPROBE) */
	FEAT_KPROBE,	     /* perf kprobes (the kprobe PMU) and kprobe programs */
	FEAT_KPROBE_COOKIE,  /* bpf_get_attach_cookie in kprobes (with perf BPF links) */
	FEAT_TASK_BTF,	     /* bpf_get_current_task_btf(): records and -c read the comm in place */
	FEAT_KPROBE_SESSION, /* a BPF_TRACE_KPROBE_SESSION link: entry and return in one */
	FEAT_TLS_FENTRY,     /* bpf_task_storage_get() in fentry: per-thread state, no hash */
	FEAT_TLS_KPROBE,     /* the same in kprobe programs */
	FEAT_FSESSION_MULTI, /* a BPF_TRACE_FSESSION_MULTI program: fentry-multi's session mode */
	FEAT_FSESSION,	     /* a BPF_TRACE_FSESSION program: the fentry backend's session mode */
	FEAT_CNT,
};

struct feature_info {
	const char *name;
	const char *what;  /* for messages: "bpf_get_func_arg_cnt()" */
	const char *since; /* first mainline kernel that has it */
};

extern const struct feature_info feature_info[FEAT_CNT];

struct kbtf;

/*
 * The running kernel's BTF, already loaded by the caller, for the probes:
 * spares them parsing it again, and a kprobe.multi link (see
 * probe_kprobe_multi()). Must outlive the probes; NULL: none.
 */
void feature_use_kbtf(const struct kbtf *k);
/* 1: present, 0: absent; *err gets the negative errno of the failed probe. */
int feature_probe(enum feature f, int *err);
/*
 * The vmlinux BTF id of the session kfunc @name (bpf_session_is_return,
 * bpf_session_cookie), or -errno. Cached.
 */
int feature_kfunc_id(const char *name);
struct bpf_insn;
/* Make *@insn a call of the vmlinux kfunc with BTF id @btf_id. */
void feature_kfunc_call(struct bpf_insn *insn, int btf_id);
/* Whether we hold what loading tracing programs needs (CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN). */
bool have_bpf_caps(void);
/* The BPF attach type value of BPF_TRACE_FENTRY_MULTI (Linux 7.x UAPI). */
#define KSNOOP_TRACE_FSESSION	    58
#define KSNOOP_TRACE_FENTRY_MULTI   59
#define KSNOOP_TRACE_FEXIT_MULTI    60
#define KSNOOP_TRACE_FSESSION_MULTI 61
/* BPF_TRACE_KPROBE_SESSION (Linux 6.10 UAPI; libbpf 1.1's headers lack it). */
#define KSNOOP_TRACE_KPROBE_SESSION 56

/*
 * Probe @needed[0..n) (FEAT_FEXIT only if @need_exit) and the privilege to
 * load tracing programs: 0, or the first failure's -errno with @st saying
 * whether the feature is absent or not permitted, and why. For backends.
 */
int feature_require(const enum feature *needed, size_t n, bool need_exit,
		    struct backend_status *st);

/*
 * `ksnoop features`: each probe, each backend (available, or absent or not
 * permitted and why), the privileges, and a verdict line "can trace: yes
 * (NAMES)" or "can trace: no (...)". With @json one object. Returns 0 when
 * some backend can trace, -EOPNOTSUPP when none can.
 */
int cmd_features(bool json);

#endif /* __KSNOOP_KFEATURES_H */
