/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel feature probes: each loads a tiny program (or creates a map) and
 * records whether the kernel accepted it and, if not, the errno it gave.
 */
#ifndef __KSNOOP_KFEATURES_H
#define __KSNOOP_KFEATURES_H

#include <stdbool.h>

enum feature {
	FEAT_FENTRY,
	FEAT_FEXIT,
	FEAT_FUNC_ARG, /* bpf_get_func_arg(_cnt), bpf_get_func_ret */
	FEAT_FUNC_IP,  /* bpf_get_func_ip in fentry */
	FEAT_COOKIE,   /* bpf_get_attach_cookie in fentry */
	FEAT_RINGBUF,
	FEAT_SNPRINTF_BTF,
	FEAT_FENTRY_MULTI, /* BPF_TRACE_FENTRY_MULTI */
	FEAT_CNT,
};

struct feature_info {
	const char *name;
	const char *what;  /* for messages: "bpf_get_func_arg_cnt()" */
	const char *since; /* first mainline kernel that has it */
};

extern const struct feature_info feature_info[FEAT_CNT];

/* 1: present, 0: absent; *err gets the negative errno of the failed probe. */
int feature_probe(enum feature f, int *err);
/* Whether we hold what loading tracing programs needs (CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN). */
bool have_bpf_caps(void);
/* The BPF attach type value of BPF_TRACE_FENTRY_MULTI (Linux 7.x UAPI). */
#define KSNOOP_TRACE_FENTRY_MULTI 59
#define KSNOOP_TRACE_FEXIT_MULTI  60

/*
 * Check what tracing needs; on failure print a one-line error with a hint and
 * return a negative errno.
 */
int require_tracing(bool need_fexit);

#endif /* __KSNOOP_KFEATURES_H */
