// SPDX-License-Identifier: GPL-2.0
/*
 * The "fentry" backend: an fentry and an fexit program per function. The
 * skeleton loads the program once (against the first function); every other
 * function gets a copy of the relocated instructions loaded with its own
 * attach_btf_id. Works on every kernel with fentry and bpf_get_func_arg_cnt()
 * (5.17+); the cheapest call of all backends, but attach and detach cost a
 * verifier run and a trampoline update per function.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gelf.h>
#include <libelf.h>

#include "agg.h"
#include "attach.h"
#include "filter.h"
#include "kfeatures.h"
#include "ksnoop.skel.h"
#include "log.h"
#include "typed.h"

/* bpf(BPF_LINK_CREATE) for a tracing program with an attach cookie. */
static int link_create(int prog_fd, int attach_type, __u64 cookie, bool with_cookie)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = prog_fd;
	attr.link_create.attach_type = attach_type;
	if (with_cookie)
		attr.link_create.tracing.cookie = cookie;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

/* The kernel's fd for a module's BTF object, found by name. */
static int module_btf_fd(const char *module)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		struct bpf_btf_info info = {};
		__u32 len = sizeof(info);
		char name[64] = "";
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		info.name = (unsigned long)name;
		info.name_len = sizeof(name);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(name, module))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/*
 * Do two instructions do the same? The operation and its registers; not
 * what libbpf relocates: constants, offsets (CO-RE), and a 64-bit load's or a
 * call's kind (its src_reg: a map, a map value, a kernel function).
 */
static bool insn_like(const struct bpf_insn *a, const struct bpf_insn *b)
{
	if (a->code != b->code)
		return false;
	if (a->code == (BPF_LD | BPF_IMM | BPF_DW) || a->code == (BPF_JMP | BPF_CALL))
		return a->dst_reg == b->dst_reg;
	return a->dst_reg == b->dst_reg && a->src_reg == b->src_reg;
}

int func_info_types(const struct bpf_insn *insn, __u32 n, const __u32 *starts, __u32 nstarts,
		    const struct bpf_insn *text, const struct text_func *funcs, __u32 nfuncs,
		    const __u32 *kept, __u32 nkept, __u32 *types)
{
	__u32 i, j, k, len, found;

	if (!nstarts || !nkept)
		return -EINVAL;
	types[0] = kept[0];
	for (i = 1; i < nstarts; i++) {
		len = (i + 1 < nstarts ? starts[i + 1] : n) - starts[i];
		found = 0;
		for (j = 0; j < nfuncs; j++) {
			if (funcs[j].cnt != len)
				continue;
			for (k = 0;
			     k < len && insn_like(&insn[starts[i] + k], &text[funcs[j].off + k]);
			     k++)
				;
			if (k < len)
				continue;
			if (found && found != funcs[j].type_id)
				return -ESRCH;
			found = funcs[j].type_id;
		}
		if (!found)
			return -ESRCH;
		types[i] = found;
	}
	/* The kernel dropped whole subprograms only: its list is ours, some left out. */
	for (i = 0, j = 0; i < nstarts && j < nkept; i++)
		if (types[i] == kept[j])
			j++;
	return j == nkept ? 0 : -EINVAL;
}

/*
 * The functions of the skeleton's .text with their BTF types, from its ELF
 * symbols (each subprogram libbpf appends to a program is one): into @funcs
 * (at most @max), their instructions at *@text. Returns how many, or -errno.
 */
static int text_funcs_get(struct bpf_object *obj, struct text_func *funcs, int max,
			  const struct bpf_insn **text)
{
	struct btf *btf = bpf_object__btf(obj);
	size_t sz, shstrndx, text_ndx = 0;
	const void *bytes = ksnoop_bpf__elf_bytes(&sz);
	Elf_Data *syms = NULL;
	Elf_Scn *scn = NULL;
	int nfuncs = 0, err = -ENOENT, id;
	__u32 strtab = 0;
	GElf_Shdr sh;
	GElf_Sym sym;
	size_t i;
	Elf *elf;

	if (!btf || elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	elf = elf_memory((char *)bytes, sz);
	if (!elf)
		return -EINVAL;
	if (elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			goto out;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_SYMTAB) {
			syms = elf_getdata(scn, NULL);
			strtab = sh.sh_link;
		} else if (name && !strcmp(name, ".text")) {
			Elf_Data *d = elf_getdata(scn, NULL);

			text_ndx = elf_ndxscn(scn);
			*text = d ? d->d_buf : NULL;
		}
	}
	if (!syms || !text_ndx || !*text)
		goto out;
	for (i = 0; gelf_getsym(syms, (int)i, &sym); i++) {
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx != text_ndx)
			continue;
		id = btf__find_by_name_kind(btf, elf_strptr(elf, strtab, sym.st_name),
					    BTF_KIND_FUNC);
		if (id <= 0)
			continue;
		if (nfuncs == max) {
			err = -E2BIG;
			goto out;
		}
		funcs[nfuncs++] = (struct text_func){
			.off = sym.st_value / sizeof(struct bpf_insn),
			.cnt = sym.st_size / sizeof(struct bpf_insn),
			.type_id = id,
		};
	}
	err = nfuncs;
out:
	/* *@text points into the skeleton's bytes, not into the Elf handle */
	elf_end(elf);
	return err;
}

/*
 * BTF func_info of a loaded program, re-based onto its original instructions.
 * The kernel insists on func_info for programs with callbacks (bpf_loop), and
 * libbpf 1.1 does not expose the records it built, so take the type ids from
 * the kernel (one per subprogram, in order) and find where each subprogram
 * starts in the instructions libbpf gave us: at 0 and at every BPF-to-BPF call
 * or callback target. A subprogram that .rodata settings leave unused (dead
 * code) the kernel removes with its record: the copies, loaded from the same
 * instructions, still have it, so then each one's type comes from the
 * object's ELF symbols (func_info_types()).
 */
static int func_info_get(struct bpf_object *obj, struct bpf_program *prog, struct func_info *fi)
{
	const struct bpf_insn *insn = bpf_program__insns(prog), *text = NULL;
	size_t n = bpf_program__insn_cnt(prog), i, j;
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), starts[16], nstarts = 1, kept[16], types[16];
	struct bpf_func_info recs[16];
	int fd = bpf_program__fd(prog), nfuncs, err;
	struct text_func funcs[64];

	starts[0] = 0;
	for (i = 0; i < n; i++) {
		bool call =
			insn[i].code == (BPF_JMP | BPF_CALL) && insn[i].src_reg == BPF_PSEUDO_CALL;
		bool func = insn[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    insn[i].src_reg == BPF_PSEUDO_FUNC;
		__u32 target;

		if (!call && !func)
			continue;
		target = i + insn[i].imm + 1;
		for (j = 0; j < nstarts && starts[j] != target; j++)
			;
		if (j == nstarts) {
			if (nstarts == ARRAY_SIZE(starts))
				return -E2BIG;
			starts[nstarts++] = target;
		}
	}
	/* sort the starts */
	for (i = 1; i < nstarts; i++)
		for (j = i; j > 0 && starts[j - 1] > starts[j]; j--) {
			__u32 tmp = starts[j];

			starts[j] = starts[j - 1];
			starts[j - 1] = tmp;
		}
	info.nr_func_info = ARRAY_SIZE(recs);
	info.func_info_rec_size = sizeof(recs[0]);
	info.func_info = (unsigned long)recs;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (!info.nr_func_info || info.nr_func_info > nstarts)
		return -EINVAL;
	for (i = 0; i < info.nr_func_info; i++)
		kept[i] = types[i] = recs[i].type_id;
	if (info.nr_func_info < nstarts) {
		nfuncs = text_funcs_get(obj, funcs, ARRAY_SIZE(funcs), &text);
		if (nfuncs < 0)
			return nfuncs;
		err = func_info_types(insn, n, starts, nstarts, text, funcs, nfuncs, kept,
				      info.nr_func_info, types);
		if (err)
			return err;
	}
	for (i = 0; i < nstarts; i++) {
		fi->recs[i].insn_off = starts[i];
		fi->recs[i].type_id = types[i];
	}
	fi->cnt = nstarts;
	return 0;
}

/* A copy of @prog for function @i: the relocated instructions, loaded against it. */
static int prog_for(struct tracer *t, struct bpf_program *prog, const struct func_info *fi, int i,
		    int attach_type, int *btf_fd)
{
	const struct tfunc *tf = &t->funcs[i];
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type,
		    .attach_btf_id = tf->kf->id);
	int fd;

	if (i == t->target)
		return dup(bpf_program__fd(prog));
	if (tf->kf->module) {
		if (*btf_fd < 0)
			*btf_fd = module_btf_fd(tf->kf->module);
		if (*btf_fd < 0)
			return *btf_fd;
		opts.attach_btf_obj_fd = *btf_fd;
	}
	opts.prog_btf_fd = btf__fd(bpf_object__btf(t->skel->obj));
	opts.func_info = fi->recs;
	opts.func_info_cnt = fi->cnt;
	opts.func_info_rec_size = sizeof(*fi->recs);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, bpf_program__name(prog), "GPL",
			   bpf_program__insns(prog), bpf_program__insn_cnt(prog), &opts);
	return fd < 0 ? -errno : fd;
}

/*
 * One side of function @i: a copy of @prog loaded for it, then its link, their
 * fds kept in slots @prog_slot and @link_slot, the time of each added up for
 * the -vv timing line. 0 or -errno.
 */
static int attach_side(struct tracer *t, int i, struct bpf_program *prog,
		       const struct func_info *fi, int attach_type, int prog_slot, int link_slot,
		       int *btf_fd)
{
	double t0 = mono_s(), t1;
	int fd;

	fd = prog_for(t, prog, fi, i, attach_type, btf_fd);
	t1 = mono_s();
	t->fd_secs[prog_slot] += t1 - t0;
	if (fd < 0)
		return fd;
	*tracer_fd(t, i, prog_slot) = fd;
	fd = link_create(fd, attach_type, i, t->use_cookie);
	t->fd_secs[link_slot] += mono_s() - t1;
	if (fd < 0)
		return fd;
	*tracer_fd(t, i, link_slot) = fd;
	return 0;
}

static int attach_one(struct tracer *t, int i)
{
	static const int order[] = {FD_ENTRY_LINK, FD_EXIT_LINK, FD_ENTRY_PROG, FD_EXIT_PROG};
	int err = 0, btf_fd = -1;
	size_t k;

	/*
	 * One fsession program runs at entry and return; else the exit first, so
	 * that no traced entry misses its exit.
	 */
	if (t->session)
		err = attach_side(t, i, t->skel->progs.ksnoop_session_multi, &t->finfo[0],
				  KSNOOP_TRACE_FSESSION, FD_ENTRY_PROG, FD_ENTRY_LINK, &btf_fd);
	else if (!t->opts.entry_only)
		err = attach_side(t, i, t->stub[1], &t->finfo[1], BPF_TRACE_FEXIT, FD_EXIT_PROG,
				  FD_EXIT_LINK, &btf_fd);
	if (!err && !t->session)
		err = attach_side(t, i, t->stub[0], &t->finfo[0], BPF_TRACE_FENTRY, FD_ENTRY_PROG,
				  FD_ENTRY_LINK, &btf_fd);
	if (btf_fd >= 0)
		close(btf_fd);
	if (!err)
		return 0;
	/* Undo this function's half-done attach (its exit link may exist). */
	for (k = 0; k < FD_PER_FUNC; k++) {
		int *p = tracer_fd(t, (int)i, order[k]);

		if (*p >= 0)
			close(*p);
		*p = -1;
	}
	return err;
}

static int fentry_attach(struct tracer *t)
{
	int err = tracer_attach_each(t, attach_one);

	if (err)
		return err;
	if (verbosity >= 2 && t->nattached) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int n = t->nattached;

		bpf_obj_get_info_by_fd(*tracer_fd(t, n - 1, FD_ENTRY_PROG), &info, &len);
		pr_info(2,
			"attach timing over %d functions, ms per function: exit load %.1f, exit link %.1f, entry load %.1f, entry link %.1f; verified insns per program %u (xlated %u bytes)\n",
			n, t->fd_secs[FD_EXIT_PROG] * 1e3 / n, t->fd_secs[FD_EXIT_LINK] * 1e3 / n,
			t->fd_secs[FD_ENTRY_PROG] * 1e3 / n, t->fd_secs[FD_ENTRY_LINK] * 1e3 / n,
			info.verified_insns, info.xlated_prog_len);
	}
	return 0;
}

static const enum feature fentry_needs[] = {FEAT_FENTRY, FEAT_FEXIT, FEAT_FUNC_ARG, FEAT_FUNC_IP,
					    FEAT_RINGBUF};

static const char *fentry_untraceable(const struct kfunc *kf, char *buf, size_t n)
{
	return backend_check_proto(kf, "fentry", false, buf, n);
}

static int fentry_prepare(struct tracer *t)
{
	struct bpf_program *sess = t->skel->progs.ksnoop_session_multi;
	/*
	 * Where the kernel has per-function fsession (7.0+), the lean counting
	 * path takes one program per function for entry and return, paired by
	 * the session cookie instead of per-thread state, as fentry-multi's
	 * fsession link does (tracer_fsession_prepare() says why only there).
	 */
	int err = tracer_fsession_prepare(t, FEAT_FSESSION, KSNOOP_TRACE_FSESSION);

	if (err)
		return err;
	/*
	 * Load against a function that returns: 6.4+ refuses fexit on one that
	 * does not, and that would fail the whole glob; each such function is
	 * then refused alone, and skipped.
	 */
	for (t->target = 0; !t->opts.entry_only && t->target < t->nfuncs - 1 &&
			    backend_noreturn(t->funcs[t->target].kf->name);
	     t->target++)
		;
	if (t->session) {
		/* After the attach type: libbpf finds the target's BTF id by it. */
		err = bpf_program__set_attach_target(sess, 0, t->funcs[t->target].kf->name);
		if (err)
			return err;
		pr_info(1,
			"fentry: entries and returns through one fsession program per function\n");
		return 0;
	}
	/* libbpf needs one target to load against; the others reuse its instructions. */
	tracer_stub(t, false, t->skel->progs.ksnoop_entry, BPF_TRACE_FENTRY,
		    t->funcs[t->target].kf->name);
	if (!t->opts.entry_only)
		tracer_stub(t, true, t->skel->progs.ksnoop_exit, BPF_TRACE_FEXIT,
			    t->funcs[t->target].kf->name);
	/*
	 * A program per function, typed by its target: item 0 by direct loads
	 * where the verifier types them (agg_typed_ok()); counted at entry.
	 */
	t->skel->rodata->agg_typed =
		t->skel->rodata->agg_item_same && t->opts.entry_only &&
		agg_typed_ok(t->funcs, t->nfuncs,
			     (const struct ksnoop_item *)&t->skel->rodata->agg_item,
			     t->opts.agg_mode == KSNOOP_AGG_COUNT);
	pr_info(2, "counting item 0 by %s loads\n",
		t->skel->rodata->agg_typed ? "direct (typed)" : "probe-read");
	/* The same for the first entry predicate, tested before anything else. */
	t->pred_typed = filter_typed_pred(t->funcs, t->nfuncs,
					  (struct ksnoop_typed_pred *)&t->skel->rodata->stub.pred);
	if (t->skel->rodata->early_preds)
		pr_info(2, "entry predicate by %s loads\n",
			t->pred_typed ? "direct (typed)" : "probe-read");
	/* And the records of a plain trace, built by the stub itself. */
	t->rec_lean = typed_rec_fill(t->funcs, t->nfuncs, &t->opts,
				     (struct ksnoop_rec_lean *)&t->skel->rodata->rec_lean);
	pr_info(2, "records built by %s\n",
		t->rec_lean ? "the stub, items by direct (typed) loads" : "the capture code");
	/* With returns, one record per call where the trampoline's frame finds a slot. */
	if (t->rec_lean && !t->opts.entry_only)
		return tracer_frame_prepare(t);
	return 0;
}

static int fentry_loaded(struct tracer *t)
{
	int err;

	if (t->session)
		err = func_info_get(t->skel->obj, t->skel->progs.ksnoop_session_multi,
				    &t->finfo[0]);
	else
		err = func_info_get(t->skel->obj, t->stub[0], &t->finfo[0]);
	if (!err && !t->opts.entry_only && !t->session)
		err = func_info_get(t->skel->obj, t->stub[1], &t->finfo[1]);
	if (err)
		pr_error("cannot read the BTF func_info of the loaded program: %s", strerror(-err));
	return err;
}

static void fentry_detach(struct tracer *t)
{
	/* Entry links go first, so no entry is recorded whose exit we would miss. */
	static const int links[] = {FD_ENTRY_LINK, FD_EXIT_LINK};

	tracer_close_fds(t, links, ARRAY_SIZE(links));
}

static void fentry_close(struct tracer *t)
{
	static const int progs[] = {FD_ENTRY_PROG, FD_EXIT_PROG};

	tracer_close_fds(t, progs, ARRAY_SIZE(progs));
}

static void fentry_misses(struct tracer *t, struct tracer_misses *m)
{
	int i;

	for (i = 0; i < t->nfuncs && t->fds; i++) {
		/* A session program's misses are of both runs (tracer_recursion_misses()). */
		if (t->session) {
			m->both += tracer_prog_misses(*tracer_fd(t, i, FD_ENTRY_PROG));
			continue;
		}
		m->entry += tracer_prog_misses(*tracer_fd(t, i, FD_ENTRY_PROG));
		m->exit += tracer_prog_misses(*tracer_fd(t, i, FD_EXIT_PROG));
	}
}

const struct backend backend_fentry = {
	.name = "fentry",
	.summary = "an fentry/fexit program per function (Linux 5.17+)",
	.flags = BK_FTRACE | BK_REFUSES_UNLISTED | BK_EXIT_ARGS,
	.call_rank = 0,
	.attach_rank = 20,
	.needs = fentry_needs,
	.nneeds = ARRAY_SIZE(fentry_needs),
	.task_storage = FEAT_TLS_FENTRY,
	.untraceable = fentry_untraceable,
	.prepare = fentry_prepare,
	.loaded = fentry_loaded,
	.attach = fentry_attach,
	.detach = fentry_detach,
	.close = fentry_close,
	.misses = fentry_misses,
};
