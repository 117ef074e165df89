// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "backend.h"
#include "json.h"
#include "kbtf.h"
#include "kfeatures.h"

const struct feature_info feature_info[FEAT_CNT] = {
	[FEAT_FENTRY] = {"fentry", "fentry programs", "5.5"},
	[FEAT_FEXIT] = {"fexit", "fexit programs", "5.5"},
	[FEAT_FUNC_ARG] = {"func_arg", "bpf_get_func_arg_cnt()", "5.17"},
	[FEAT_FUNC_IP] = {"func_ip", "bpf_get_func_ip() in fentry", "5.15"},
	[FEAT_COOKIE] = {"attach_cookie", "fentry attach cookies", "5.19"},
	[FEAT_RINGBUF] = {"ringbuf", "the BPF ring buffer", "5.8"},
	[FEAT_SNPRINTF_BTF] = {"snprintf_btf", "bpf_snprintf_btf()", "5.10"},
	[FEAT_FENTRY_MULTI] = {"fentry_multi", "BPF_TRACE_FENTRY_MULTI links", "7.0"},
	[FEAT_KPROBE_MULTI] = {"kprobe_multi", "kprobe.multi links", "5.18 with CONFIG_FPROBE"},
	[FEAT_KPROBE] = {"kprobe", "perf kprobes (CONFIG_KPROBES)", "4.17"},
	[FEAT_KPROBE_COOKIE] = {"kprobe_cookie", "kprobe attach cookies", "5.15"},
	[FEAT_TASK_BTF] = {"task_btf", "bpf_get_current_task_btf()", "5.11"},
	[FEAT_KPROBE_SESSION] = {"kprobe_session", "kprobe.session links", "6.10"},
	[FEAT_FSESSION_MULTI] = {"fsession_multi", "BPF_TRACE_FSESSION_MULTI links", "7.0"},
	[FEAT_FSESSION] = {"fsession", "BPF_TRACE_FSESSION programs", "7.0"},
	[FEAT_TLS_FENTRY] = {"task_storage", "task-local storage in fentry programs", "5.11"},
	[FEAT_TLS_KPROBE] = {"kprobe_task_storage", "task-local storage in kprobe programs",
			     "5.11"},
};

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define MOV64_IMM(d, i)	 INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV64_REG(d, s)	 INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD64_IMM(d, i)	 INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ST_DW(d, o, i)	 INSN(BPF_ST | BPF_MEM | BPF_DW, d, 0, o, i)
#define CALL(h)		 INSN(BPF_JMP | BPF_CALL, 0, 0, 0, h)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
/* Two instructions: the map whose fd is @fd into register @d. */
#define LD_MAP_FD(d, fd)                                                                           \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static const struct kbtf *kernel_btf;

void feature_use_kbtf(const struct kbtf *k)
{
	kernel_btf = k;
}

/* A function every x86-64 kernel has, to attach probe programs to. */
static int probe_target(void)
{
	static const char *const names[] = {"bpf_fentry_test1", "vfs_read"};
	static int id = -1;
	const struct kfunc *kf;
	struct btf *btf;
	size_t i;

	if (id >= 0)
		return id;
	/* Parsing vmlinux BTF takes a tenth of a second or more under TCG: once is enough. */
	for (i = 0; kernel_btf && i < ARRAY_SIZE(names) && id < 0; i++) {
		kf = kbtf_find_func(kernel_btf, NULL, names[i]);
		id = kf ? (int)kf->id : -ENOENT;
	}
	if (kernel_btf)
		return id;
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return -errno;
	for (i = 0; i < ARRAY_SIZE(names) && id < 0; i++)
		id = btf__find_by_name_kind(btf, names[i], BTF_KIND_FUNC);
	btf__free(btf);
	return id;
}

/* Load a probe program; with @keep_fd return its fd instead of closing it. */
static int load_prog(enum bpf_prog_type type, int attach_type, bool need_target,
		     const struct bpf_insn *insns, size_t cnt, bool keep_fd)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type);
	int fd;

	if (need_target) {
		int id = probe_target();

		if (id < 0)
			return id;
		opts.attach_btf_id = id;
	}
	fd = bpf_prog_load(type, "ksnoop_probe", "GPL", insns, cnt, &opts);
	if (fd < 0)
		return -errno;
	if (keep_fd)
		return fd;
	close(fd);
	return 0;
}

static int load(enum bpf_prog_type type, int attach_type, bool need_target,
		const struct bpf_insn *insns, size_t cnt)
{
	return load_prog(type, attach_type, need_target, insns, cnt, false);
}

/*
 * kprobe.multi: the program type loads on 5.18+ whatever the configuration,
 * but only a link tells whether the kernel has CONFIG_FPROBE (EOPNOTSUPP
 * without). The link goes on the probe target for an instant: a walk of
 * kallsyms and an ftrace update, a third of a second under TCG. When the
 * caller gave the kernel's BTF, it says the same for free: fprobe's
 * register_fprobe_ips() is only built with CONFIG_FPROBE (without, an inline
 * stub, absent from BTF; bpf_kprobe_multi_link_attach() exists either way).
 * Then the program load alone is probed. Without it in BTF, the link decides.
 */
static int probe_kprobe_multi(const struct bpf_insn *insns, size_t cnt)
{
	static const char *syms[] = {"bpf_fentry_test1", "vfs_read"};
	int fd, lfd = -ENOENT;
	size_t i;

	fd = load_prog(BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, false, insns, cnt, true);
	if (fd < 0)
		return fd;
	if (kernel_btf && kbtf_find_func(kernel_btf, NULL, "register_fprobe_ips")) {
		close(fd);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(syms) && lfd < 0; i++) {
		LIBBPF_OPTS(bpf_link_create_opts, lo);

		lo.kprobe_multi.syms = &syms[i];
		lo.kprobe_multi.cnt = 1;
		lfd = bpf_link_create(fd, 0, BPF_TRACE_KPROBE_MULTI, &lo);
		lfd = lfd < 0 ? -errno : lfd;
		/* A missing or untraceable symbol says nothing about the kernel: try the next. */
		if (lfd != -ENOENT && lfd != -ESRCH && lfd != -EINVAL)
			break;
	}
	close(fd);
	if (lfd < 0)
		return lfd;
	close(lfd);
	return 0;
}

/* Load a program that calls helper @func_id: it loads where @type has the helper. */
static int load_call(enum bpf_prog_type type, int attach_type, bool need_target, int func_id)
{
	struct bpf_insn insns[] = {CALL(func_id), MOV64_IMM(BPF_REG_0, 0), EXIT()};

	return load(type, attach_type, need_target, insns, ARRAY_SIZE(insns));
}

int feature_kfunc_id(const char *name)
{
	static const char *const names[] = {"bpf_session_is_return", "bpf_session_cookie"};
	static int ids[ARRAY_SIZE(names)];
	struct btf *btf;
	size_t i;
	int id;

	for (i = 0; i < ARRAY_SIZE(names) && strcmp(names[i], name); i++)
		;
	if (i == ARRAY_SIZE(names))
		return -EINVAL;
	if (ids[i])
		return ids[i];
	btf = kernel_btf ? kernel_btf->vmlinux : btf__load_vmlinux_btf();
	if (!btf)
		return ids[i] = -errno;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (!kernel_btf)
		btf__free(btf);
	return ids[i] = id > 0 ? id : -ENOENT;
}

void feature_kfunc_call(struct bpf_insn *insn, int btf_id)
{
	insn->code = BPF_JMP | BPF_CALL;
	insn->src_reg = BPF_PSEUDO_KFUNC_CALL;
	insn->dst_reg = 0;
	insn->off = 0; /* vmlinux */
	insn->imm = btf_id;
}

/*
 * A session program of @type for @attach_type that calls
 * bpf_session_is_return(), against the probe target with @need_target.
 */
static int load_session(enum bpf_prog_type type, int attach_type, bool need_target)
{
	struct bpf_insn insns[] = {CALL(0), MOV64_IMM(BPF_REG_0, 0), EXIT()};
	int id = feature_kfunc_id("bpf_session_is_return");

	if (id < 0)
		return id;
	feature_kfunc_call(&insns[0], id);
	return load(type, attach_type, need_target, insns, ARRAY_SIZE(insns));
}

/*
 * kprobe.session: kprobe.multi links (the same fprobe machinery), and a
 * session program that asks bpf_session_is_return(), the kfunc the kernel
 * allows only in programs loaded for BPF_TRACE_KPROBE_SESSION. A kernel
 * without sessions has no such kfunc in its BTF, or refuses the attach type.
 */
static int probe_kprobe_session(void)
{
	int err;

	if (!feature_probe(FEAT_KPROBE_MULTI, &err))
		return err;
	return load_session(BPF_PROG_TYPE_KPROBE, KSNOOP_TRACE_KPROBE_SESSION, false);
}

/*
 * Does task storage give a tracing program its state? A raw_tp program (the
 * helper's recursion-safe variant, as fentry and kprobe programs get) run by
 * BPF_PROG_TEST_RUN asks for the current task's storage with
 * BPF_LOCAL_STORAGE_GET_F_CREATE and returns whether it got it: a kernel may
 * load the call and still refuse to create storage from such programs (the
 * lab's 7.2 does), where every call would be counted lost.
 */
static int task_storage_creates(int map_fd)
{
	struct bpf_insn insns[] = {
		CALL(BPF_FUNC_get_current_task_btf),
		MOV64_REG(BPF_REG_2, BPF_REG_0),
		LD_MAP_FD(BPF_REG_1, map_fd),
		MOV64_IMM(BPF_REG_3, 0),
		MOV64_IMM(BPF_REG_4, 1 /* BPF_LOCAL_STORAGE_GET_F_CREATE */),
		CALL(BPF_FUNC_task_storage_get),
		JEQ_IMM(BPF_REG_0, 0, 2),
		MOV64_IMM(BPF_REG_0, 1),
		EXIT(),
		MOV64_IMM(BPF_REG_0, 0),
		EXIT(),
	};
	LIBBPF_OPTS(bpf_test_run_opts, ro);
	int fd, r;

	fd = load_prog(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, false, insns, ARRAY_SIZE(insns), true);
	if (fd < 0)
		return fd;
	r = bpf_prog_test_run_opts(fd, &ro) ? -errno : ro.retval ? 0 : -ENOMEM;
	close(fd);
	return r;
}

/*
 * Task-local storage from a program of @type (@attach_type, on the probe
 * target if @need_target): a task storage map, which needs BTF for its int
 * key, and a program that asks it for the current task's storage (both
 * Linux 5.11), then task_storage_creates(). Probed per program type: the
 * helper's list is the type's.
 */
static int probe_task_storage(enum bpf_prog_type type, int attach_type, bool need_target)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_NO_PREALLOC);
	struct btf *btf = btf__new_empty();
	int id, fd, r;

	if (!btf)
		return -errno;
	id = btf__add_int(btf, "int", sizeof(int), BTF_INT_SIGNED);
	r = id < 0 ? id : btf__load_into_kernel(btf);
	if (r)
		goto out;
	mo.btf_fd = btf__fd(btf);
	mo.btf_key_type_id = mo.btf_value_type_id = id;
	fd = bpf_map_create(BPF_MAP_TYPE_TASK_STORAGE, "ksnoop_probe", sizeof(int), sizeof(int), 0,
			    &mo);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	{
		struct bpf_insn insns[] = {
			CALL(BPF_FUNC_get_current_task_btf),
			MOV64_REG(BPF_REG_2, BPF_REG_0),
			LD_MAP_FD(BPF_REG_1, fd),
			MOV64_IMM(BPF_REG_3, 0),
			MOV64_IMM(BPF_REG_4, 0),
			CALL(BPF_FUNC_task_storage_get),
			MOV64_IMM(BPF_REG_0, 0),
			EXIT(),
		};

		r = load(type, attach_type, need_target, insns, ARRAY_SIZE(insns));
	}
	if (!r)
		r = task_storage_creates(fd);
	close(fd);
out:
	btf__free(btf);
	return r;
}

int feature_probe(enum feature f, int *err)
{
	static int cache[FEAT_CNT], cache_err[FEAT_CNT];
	struct bpf_insn ret0[] = {MOV64_IMM(BPF_REG_0, 0), EXIT()};
	struct bpf_insn snp[] = {
		ST_DW(BPF_REG_10, -16, 0),	  ST_DW(BPF_REG_10, -8, 0),
		ST_DW(BPF_REG_10, -32, 0),	  ST_DW(BPF_REG_10, -24, 0),
		MOV64_REG(BPF_REG_1, BPF_REG_10), ADD64_IMM(BPF_REG_1, -32),
		MOV64_IMM(BPF_REG_2, 16),	  MOV64_REG(BPF_REG_3, BPF_REG_10),
		ADD64_IMM(BPF_REG_3, -16),	  MOV64_IMM(BPF_REG_4, 16),
		MOV64_IMM(BPF_REG_5, 0),	  CALL(BPF_FUNC_snprintf_btf),
		MOV64_IMM(BPF_REG_0, 0),	  EXIT(),
	};
	int r = 0, fd;

	if (cache[f]) {
		*err = cache_err[f];
		return cache[f] > 0;
	}
	switch (f) {
	case FEAT_FENTRY:
		r = load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, true, ret0, 2);
		break;
	case FEAT_FEXIT:
		r = load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, true, ret0, 2);
		break;
	case FEAT_FUNC_ARG:
		r = load_call(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, true,
			      BPF_FUNC_get_func_arg_cnt);
		break;
	case FEAT_FUNC_IP:
		r = load_call(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, true, BPF_FUNC_get_func_ip);
		break;
	case FEAT_COOKIE:
		r = load_call(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, true,
			      BPF_FUNC_get_attach_cookie);
		break;
	case FEAT_RINGBUF:
		fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ksnoop_probe", 0, 0, 4096, NULL);
		r = fd < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
		break;
	case FEAT_SNPRINTF_BTF:
		/* raw_tp shares the tracing helpers and loads where fentry may not. */
		r = load(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, false, snp, ARRAY_SIZE(snp));
		break;
	case FEAT_FENTRY_MULTI:
		r = load(BPF_PROG_TYPE_TRACING, KSNOOP_TRACE_FENTRY_MULTI, false, ret0, 2);
		break;
	case FEAT_FSESSION_MULTI:
		/* The program load decides: the link is made as fentry-multi's. */
		r = load_session(BPF_PROG_TYPE_TRACING, KSNOOP_TRACE_FSESSION_MULTI, false);
		break;
	case FEAT_FSESSION:
		/* Per function: the load names its target, as fentry's probe does. */
		r = load_session(BPF_PROG_TYPE_TRACING, KSNOOP_TRACE_FSESSION, true);
		break;
	case FEAT_KPROBE_MULTI:
		r = probe_kprobe_multi(ret0, 2);
		break;
	case FEAT_KPROBE:
		/* libbpf creates perf kprobes through the kprobe PMU: it must exist. */
		r = access("/sys/bus/event_source/devices/kprobe/type", R_OK) ? -errno : 0;
		if (!r)
			r = load(BPF_PROG_TYPE_KPROBE, 0, false, ret0, 2);
		break;
	case FEAT_KPROBE_COOKIE:
		/* The helper and BPF links for perf events came together (5.15). */
		r = load_call(BPF_PROG_TYPE_KPROBE, 0, false, BPF_FUNC_get_attach_cookie);
		break;
	case FEAT_TASK_BTF:
		/* Every backend's program type has it where it exists: kprobe loads fastest. */
		r = load_call(BPF_PROG_TYPE_KPROBE, 0, false, BPF_FUNC_get_current_task_btf);
		break;
	case FEAT_KPROBE_SESSION:
		r = probe_kprobe_session();
		break;
	case FEAT_TLS_FENTRY:
		r = probe_task_storage(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, true);
		break;
	case FEAT_TLS_KPROBE:
		r = probe_task_storage(BPF_PROG_TYPE_KPROBE, 0, false);
		break;
	default:
		r = -EINVAL;
	}
	cache[f] = r ? -1 : 1;
	cache_err[f] = r;
	*err = r;
	return !r;
}

bool have_bpf_caps(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {};
	__u64 eff;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	eff = data[0].effective | ((__u64)data[1].effective << 32);
#define HAS(c) (eff & (1ULL << (c)))
	/* CAP_BPF (39) and CAP_PERFMON (38) since 5.8; CAP_SYS_ADMIN before. */
	return HAS(CAP_SYS_ADMIN) || (HAS(39) && HAS(38));
#undef HAS
}

int feature_require(const enum feature *needed, size_t n, bool need_exit, struct backend_status *st)
{
	size_t i;
	int err;

	if (!have_bpf_caps()) {
		st->why = BK_NOT_PERMITTED;
		st->err = -EPERM;
		snprintf(st->reason, sizeof(st->reason),
			 "not permitted: needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)");
		return st->err;
	}
	for (i = 0; i < n; i++) {
		enum feature f = needed[i];

		if (f == FEAT_FEXIT && !need_exit)
			continue;
		if (feature_probe(f, &err))
			continue;
		st->err = err;
		if (err == -EPERM || err == -EACCES) {
			/* The kernel has it (else EINVAL): lockdown, or a policy. */
			st->why = BK_NOT_PERMITTED;
			snprintf(st->reason, sizeof(st->reason),
				 "not permitted: the kernel refused %s (%s)", feature_info[f].what,
				 strerror(-err));
		} else {
			st->why = BK_ABSENT;
			snprintf(st->reason, sizeof(st->reason),
				 "kernel too old or built without it: lacks %s (Linux %s+; %s)",
				 feature_info[f].what, feature_info[f].since, strerror(-err));
		}
		return err;
	}
	st->why = BK_OK;
	st->err = 0;
	st->reason[0] = '\0';
	return 0;
}

int cmd_features(bool json)
{
	struct backend_status st;
	struct strbuf sb, names;
	bool caps = have_bpf_caps();
	int f, i, err, n = 0;
	struct jw w;

	sb_init(&sb);
	sb_init(&names);
	jw_init(&w, &sb);
	if (json) {
		jw_obj_begin(&w);
		JW_KEY(&w, "features");
		jw_obj_begin(&w);
	}
	for (f = 0; f < FEAT_CNT; f++) {
		int ok = feature_probe(f, &err);

		if (json) {
			jw_key(&w, feature_info[f].name, strlen(feature_info[f].name));
			jw_bool(&w, ok);
			continue;
		}
		sb_printf(&sb, "%s: %s", feature_info[f].name, ok ? "yes" : "no");
		if (!ok)
			sb_printf(&sb, " (%s; %s, Linux %s+)", strerror(-err), feature_info[f].what,
				  feature_info[f].since);
		sb_putc(&sb, '\n');
	}
	if (json) {
		jw_obj_end(&w);
		JW_KEY(&w, "backends");
		jw_arr_begin(&w);
	}
	for (i = 0; backends[i]; i++) {
		const struct backend *be = backends[i];
		bool ok = !backend_status(be, true, &st);

		if (ok)
			sb_printf(&names, "%s%s", n++ ? ", " : "", be->name);
		if (json) {
			jw_obj_begin(&w);
			JW_KEY(&w, "name");
			jw_strz(&w, be->name);
			JW_KEY(&w, "available");
			jw_bool(&w, ok);
			if (!ok) {
				JW_KEY(&w, "why");
				jw_strz(&w,
					st.why == BK_NOT_PERMITTED ? "not permitted" : "absent");
				JW_KEY(&w, "reason");
				jw_strz(&w, st.reason);
			}
			jw_obj_end(&w);
			continue;
		}
		sb_printf(&sb, "backend %s: %s", be->name, ok ? "yes" : "no");
		if (!ok)
			sb_printf(&sb, " (%s)", st.reason);
		sb_putc(&sb, '\n');
	}
	if (json) {
		jw_arr_end(&w);
		JW_KEY(&w, "privileges");
		jw_bool(&w, caps);
		JW_KEY(&w, "can_trace");
		jw_bool(&w, n);
		jw_obj_end(&w);
		jw_line_end(&w);
	} else {
		sb_printf(&sb, "privileges: %s\n",
			  caps ? "yes" : "no (need CAP_BPF and CAP_PERFMON)");
		if (n)
			sb_printf(&sb, "can trace: yes (%s)\n", sb_str(&names));
		else
			sb_printf(&sb, "can trace: no (%s)\n",
				  caps ? "no backend is available: see the reasons above" :
					 "missing privileges");
	}
	fputs(sb_str(&sb), stdout);
	sb_free(&sb);
	sb_free(&names);
	return n ? 0 : -EOPNOTSUPP;
}
