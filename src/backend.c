// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>

#include "backend.h"
#include "btfx.h"
#include "kbtf.h"
#include "kfeatures.h"
#include "ksnoop.h"
#include "log.h"

extern const struct backend backend_fentry, backend_fentry_multi, backend_kprobe_multi,
	backend_kprobe;

const struct backend *const backends[] = {
	&backend_fentry, &backend_fentry_multi, &backend_kprobe_multi, &backend_kprobe, NULL,
};

bool backend_noreturn(const char *name)
{
	static const char *const names[] = {
		"__ia32_sys_exit",
		"__ia32_sys_exit_group",
		"__x64_sys_exit",
		"__x64_sys_exit_group",
		"do_exit",
		"do_group_exit",
		"kthread_complete_and_exit",
		"kthread_exit",
		"make_task_dead",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

const struct backend *backend_find(const char *name)
{
	int i;

	for (i = 0; backends[i]; i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

int backend_status(const struct backend *be, bool need_exit, struct backend_status *st)
{
	return feature_require(be->needs, be->nneeds, need_exit, st);
}

static int rank(const struct backend_want *w, const struct backend *be)
{
	return w->many ? be->attach_rank : be->call_rank;
}

/*
 * The available backend with the lowest rank for @w, or NULL. Probes in rank
 * order into @sts (zeroed, one entry per backend) and stops at the first
 * available one: a probe may cost a link (kprobe.multi: a third of a second
 * under TCG), and what ranks after the pick does not matter. With no pick,
 * every backend has been probed, so @sts says why each is missing.
 */
static const struct backend *probe_best(const struct backend_want *w, struct backend_status *sts)
{
	bool probed[BK_MAX] = {};
	int i, next;

	for (;;) {
		next = -1;
		for (i = 0; backends[i]; i++) {
			if (probed[i] || (w->modules && (backends[i]->flags & BK_NO_MODULES)) ||
			    (w->exit_args && !(backends[i]->flags & BK_EXIT_ARGS)))
				continue;
			if (next < 0 || rank(w, backends[i]) < rank(w, backends[next]))
				next = i;
		}
		if (next < 0)
			break;
		probed[next] = true;
		if (!backend_status(backends[next], w->need_exit, &sts[next]))
			return backends[next];
	}
	for (i = 0; backends[i]; i++)
		if (!probed[i])
			backend_status(backends[i], w->need_exit, &sts[i]);
	return NULL;
}

const struct backend *backend_pick(const struct backend_want *w)
{
	struct backend_status sts[BK_MAX] = {};

	if (w->name && strcmp(w->name, "auto"))
		return backend_find(w->name);
	return probe_best(w, sts);
}

const struct backend *backend_choose(const struct backend_want *w)
{
	struct backend_status sts[BK_MAX] = {};
	const struct backend *be;
	bool permitted = false;
	char names[256] = "";
	int i;

	if (!have_bpf_caps()) {
		pr_error_hint(
			"run as root, or grant CAP_BPF and CAP_PERFMON (e.g. sudo ksnoop ...)",
			"tracing needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), which this process lacks");
		errno = EPERM;
		return NULL;
	}
	if (w->name && strcmp(w->name, "auto")) {
		be = backend_find(w->name);
		if (!be) {
			errno = EINVAL;
			return NULL;
		}
		if (backend_status(be, w->need_exit, &sts[0])) {
			pr_error_hint("'ksnoop features' lists the backends this kernel has",
				      "--backend %s: %s", be->name, sts[0].reason);
			errno = EOPNOTSUPP;
			return NULL;
		}
		if (w->exit_args && !(be->flags & BK_EXIT_ARGS)) {
			pr_error_hint(
				"use --backend fentry or fentry-multi, or drop --changes",
				"--backend %s: its return probes cannot read the arguments, which --changes needs",
				be->name);
			errno = EOPNOTSUPP;
			return NULL;
		}
		pr_info(1, "backend %s: chosen with --backend\n", be->name);
		return be;
	}
	be = probe_best(w, sts);
	/* Those ranked before the pick (or all, without one); the others were not probed. */
	for (i = 0; backends[i]; i++) {
		if (sts[i].why == BK_NOT_PERMITTED)
			permitted = true;
		if (sts[i].why != BK_OK)
			pr_info(1, "backend %s: not available (%s)\n", backends[i]->name,
				sts[i].reason);
	}
	if (be) {
		pr_info(1, "backend %s: %s, and the %s backend this kernel has%s\n", be->name,
			w->many ? "a glob or many functions: attach and detach time matter most" :
				  "a few functions: the cost of each traced call matters most",
			w->many ? "fastest to attach" : "cheapest per call",
			w->modules ? " that takes module functions" : "");
		return be;
	}
	if (w->exit_args) {
		/* Backends that run here, none of which --changes can use. */
		for (i = 0; backends[i]; i++)
			if (sts[i].why == BK_OK)
				snprintf(names + strlen(names), sizeof(names) - strlen(names),
					 "%s%s", names[0] ? ", " : "", backends[i]->name);
		if (names[0]) {
			pr_error_hint(
				"fentry reads them (Linux 5.17+, bpf_get_func_arg_cnt()); drop --changes here",
				"--changes needs return probes that read the arguments, and this kernel's backends (%s) cannot",
				names);
			errno = EOPNOTSUPP;
			return NULL;
		}
	}
	for (i = 0; backends[i]; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? ", " : "", backends[i]->name);
	/* One line for all: the first backend's reason says the most (fentry EPERM). */
	pr_error_hint(
		"ksnoop needs a kernel that allows fentry or kprobes (not locked down); 'ksnoop features' says why each backend is unavailable",
		"this kernel %s BPF function tracing: no backend is available (%s); %s: %s",
		permitted ? "does not permit" : "cannot do", names, backends[0]->name,
		sts[0].reason);
	errno = EOPNOTSUPP;
	return NULL;
}

const char *backend_check_proto(const struct kfunc *kf, const char *who, bool pt_regs, char *buf,
				size_t n)
{
	const struct btf *btf = kf->btf;
	const struct btf_type *proto = btfx_func_proto(btf, kf->id);
	const struct btf_type *rt;
	const struct btf_param *p = btf_params(proto);
	int i, slots = 0;

	rt = btfx_skip(btf, proto->type, true, NULL);
	if (proto->type && rt && btf_is_composite(rt))
		return "it returns a struct or union";
	for (i = 0; i < btf_vlen(proto); i++) {
		__s64 sz;

		if (!p[i].type)
			return "it takes variable arguments";
		sz = btf__resolve_size(btf, p[i].type);
		if (sz <= 0 || sz > 16) {
			snprintf(buf, n, "argument %d is %lld bytes (%s takes up to 16)", i + 1,
				 (long long)sz, who);
			return buf;
		}
		if (pt_regs && sz > 8 && slots == 5) {
			snprintf(
				buf, n,
				"argument %d (%lld bytes) would straddle the last argument register and the stack (%s reads registers in order)",
				i + 1, (long long)sz, who);
			return buf;
		}
		slots += btfx_param_slots(btf, &p[i]);
	}
	if (slots > KSNOOP_MAX_ARGS) {
		snprintf(buf, n, "its arguments take %d registers (%s reads up to %d)", slots, who,
			 KSNOOP_MAX_ARGS);
		return buf;
	}
	return NULL;
}
