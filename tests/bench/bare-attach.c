// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for attaching to many functions, for `make bench`: a trivial tracing
 * program (r0 = 0; exit) attached to each BTF id read from FILE (one decimal id a line),
 * with nothing else going on: no BTF, no maps, no object parsing.
 *
 *   bare-attach fentry FILE        per function: load + link (BPF_TRACE_FENTRY)
 *   bare-attach both FILE          per function: fexit load + link, then fentry (what
 *                                  ksnoop does without --entry)
 *   bare-attach both-lat FILE      the lower bound of a latency-and-count tracer without
 *                                  sessions: per function an fexit and an fentry program
 *                                  sharing one per-CPU array slot; the entry stores
 *                                  bpf_ktime_get_ns() there, the return adds now - that
 *                                  and 1 to the slot's sum and count. One slot per CPU,
 *                                  not per call: wrong under nesting or preemption, so a
 *                                  bound below what a correct tool pays (its per-thread
 *                                  state lookup), not a tool
 *   bare-attach fsession FILE      per function: one empty BPF_TRACE_FSESSION program (Linux
 *                                  7.0+), run at entry and at return: the floor of the
 *                                  session trampoline
 *   bare-attach fsession-lat FILE  both-lat with one BPF_TRACE_FSESSION program per function
 *                                  (Linux 7.0+) run at entry and return: the entry's
 *                                  clock in the session cookie (exact under nesting), the
 *                                  sum and count in the per-CPU slot. The kfuncs' vmlinux
 *                                  BTF ids come from BARE_SESSION_KFUNCS="IS_RETURN COOKIE"
 *                                  (bpf_session_is_return, bpf_session_cookie)
 *   bare-attach multi FILE         one FENTRY_MULTI program, one link over every id
 *   bare-attach multi-both FILE    FEXIT_MULTI then FENTRY_MULTI links (ksnoop's default)
 *   MODE+cookies                   multi modes: pass a u64 cookie per id, as ksnoop does
 *   bare-attach kmulti FILE        one kprobe.multi link over the function NAMES in FILE
 *   bare-attach kmulti-both FILE   kretprobe.multi then kprobe.multi (ksnoop's kprobe-multi
 *                                  default); +cookies as above
 *   bare-attach kglob[-both] GLOB...
 *                                  the fair floor for ksnoop's kprobe-multi start-up: all
 *                                  of the work a tool must do for a glob and nothing else:
 *                                  read ftrace's available_filter_functions, keep the
 *                                  vmlinux names matching a GLOB (fnmatch, duplicates
 *                                  once), create an array map of one 8-byte value per
 *                                  function, load a program that looks its attach cookie
 *                                  up in that map, attach kretprobe.multi (with -both)
 *                                  and kprobe.multi links by name with one cookie per
 *                                  function (its index). Always +hold (below); no BTF.
 *   bare-attach stream FILE        the floor of a tool that shows each call with its
 *                                  return (ksnoop's default): per function one fexit
 *                                  program that reserves a 32-byte ring buffer record,
 *                                  writes the clock, pid_tgid, a member of an argument
 *                                  (BARE_STREAM_MEMBER="ARG OFF": the u32 at byte OFF of
 *                                  what argument ARG points to; without it, the first
 *                                  argument itself) and the return value, and submits
 *                                  it waking the reader only once a quarter of the ring
 *                                  is unread, as ksnoop does; and a reader that maps the
 *                                  ring, reads it when woken or every 100 ms, and
 *                                  writes a line a record ("time tgid member return")
 *                                  to stdout, once drained or 64 KiB are pending. No
 *                                  BTF, names, pairing or duration. The ring is
 *                                  BARE_RING_PAGES pages (4096). Always +hold
 *   bare-attach stream-e FILE      the same at entry (--entry): fentry, no return
 *   MODE+hold                      once attached, print "bare: attached N" on stderr and
 *                                  keep the links until SIGINT or SIGTERM: the floor of
 *                                  the all-in cost per call (an empty program, nothing
 *                                  reading), timed by tests/bench/vm-bench.sh
 *
 * Prints "bare MODE n=N failed=F load=S link=S total=S detach=S" (seconds; detach =
 * closing every fd). Raw bpf(2) syscalls so it links statically without libbpf; the
 * multi-link layout is the 7.x one (see docs/LAB.md).
 */
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#define FSESSION      58
#define FENTRY_MULTI  59
#define FEXIT_MULTI   60
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int prog_load_insns(int type, int attach_type, __u32 btf_id, const struct bpf_insn *insns,
			   int cnt)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insns = (unsigned long)insns;
	a.insn_cnt = cnt;
	a.license = (unsigned long)"GPL";
	a.expected_attach_type = attach_type;
	a.attach_btf_id = btf_id;
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0 && getenv("BARE_LOG")) {
		static char log[65536];
		int err = errno;

		/* Again with the verifier's log, for whoever debugs a new mode. */
		a.log_buf = (unsigned long)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
		fprintf(stderr, "%s\n", log);
		errno = err;
	}
	return fd;
}

static int prog_load_type(int type, int attach_type, __u32 btf_id)
{
	static const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};

	return prog_load_insns(type, attach_type, btf_id, insns, ARRAY_SIZE(insns));
}

static int prog_load(int attach_type, __u32 btf_id)
{
	return prog_load_type(BPF_PROG_TYPE_TRACING, attach_type, btf_id);
}

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define MOV_IMM(d, i)	 INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s)	 INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_IMM(d, i)	 INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ADD_REG(d, s)	 INSN(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0)
#define SUB_REG(d, s)	 INSN(BPF_ALU64 | BPF_SUB | BPF_X, d, s, 0, 0)
#define LDX_DW(d, s, o)	 INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define STX_DW(d, s, o)	 INSN(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define ST_W(d, o, i)	 INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
#define CALL(h)		 INSN(BPF_JMP | BPF_CALL, 0, 0, 0, h)
#define KFUNC(id)	 INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, id)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JLT_IMM(d, i, o) INSN(BPF_JMP | BPF_JLT | BPF_K, d, 0, o, i)
#define LDX_W(d, s, o)	 INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ST_DW(d, o, i)	 INSN(BPF_ST | BPF_MEM | BPF_DW, d, 0, o, i)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define EXIT()		 INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* Two instructions: the map whose fd is @fd into register @d. */
#define LD_MAP(d, fd)                                                                              \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
/* r0 = this CPU's slot of map @fd (key 0); if none, on to the exit, @o instructions on. */
#define SLOT(fd, o)                                                                                \
	ST_W(BPF_REG_10, -4, 0), LD_MAP(BPF_REG_1, fd), MOV_REG(BPF_REG_2, BPF_REG_10),            \
		ADD_IMM(BPF_REG_2, -4), CALL(BPF_FUNC_map_lookup_elem), JEQ_IMM(BPF_REG_0, 0, o)
/*
 * The return's count, 9 instructions: the slot in r0, the entry's time in
 * r6; the sum at offset 8, the count at 16 (plain adds: the slot is this CPU's).
 */
#define COUNT_LAT()                                                                                \
	MOV_REG(BPF_REG_7, BPF_REG_0), CALL(BPF_FUNC_ktime_get_ns), SUB_REG(BPF_REG_0, BPF_REG_6), \
		LDX_DW(BPF_REG_1, BPF_REG_7, 8), ADD_REG(BPF_REG_1, BPF_REG_0),                    \
		STX_DW(BPF_REG_7, BPF_REG_1, 8), LDX_DW(BPF_REG_1, BPF_REG_7, 16),                 \
		ADD_IMM(BPF_REG_1, 1), STX_DW(BPF_REG_7, BPF_REG_1, 16)

/* The per-CPU slot of the -lat modes: the entry's time, the sum, the count. */
static int lat_map(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_PERCPU_ARRAY;
	a.key_size = 4;
	a.value_size = 24;
	a.max_entries = 1;
	return syscall(__NR_bpf, BPF_MAP_CREATE, &a, sizeof(a));
}

/* both-lat: the fentry or fexit program (@attach_type) over the slot of map @fd. */
static int prog_load_lat(int attach_type, __u32 btf_id, int fd)
{
	const struct bpf_insn entry[] = {
		SLOT(fd, 3),
		MOV_REG(BPF_REG_6, BPF_REG_0),
		CALL(BPF_FUNC_ktime_get_ns),
		STX_DW(BPF_REG_6, BPF_REG_0, 0),
		MOV_IMM(BPF_REG_0, 0),
		EXIT(),
	};
	const struct bpf_insn ret[] = {
		SLOT(fd, 10), LDX_DW(BPF_REG_6, BPF_REG_0, 0), COUNT_LAT(), MOV_IMM(BPF_REG_0, 0),
		EXIT(),
	};

	if (attach_type == BPF_TRACE_FEXIT)
		return prog_load_insns(BPF_PROG_TYPE_TRACING, attach_type, btf_id, ret,
				       ARRAY_SIZE(ret));
	return prog_load_insns(BPF_PROG_TYPE_TRACING, attach_type, btf_id, entry,
			       ARRAY_SIZE(entry));
}

/*
 * fsession-lat: one program for both runs, the kfuncs' BTF ids in
 * @kf[0] (bpf_session_is_return) and @kf[1] (bpf_session_cookie).
 */
static int prog_load_fsession_lat(__u32 btf_id, int fd, const int *kf)
{
	const struct bpf_insn insns[] = {
		MOV_REG(BPF_REG_6, BPF_REG_1),
		KFUNC(kf[0]),
		MOV_REG(BPF_REG_7, BPF_REG_0),
		MOV_REG(BPF_REG_1, BPF_REG_6),
		KFUNC(kf[1]),
		JNE_IMM(BPF_REG_7, 0, 5),
		/* entry: the clock into the cookie (the verifier wants 0 returned) */
		MOV_REG(BPF_REG_6, BPF_REG_0),
		CALL(BPF_FUNC_ktime_get_ns),
		STX_DW(BPF_REG_6, BPF_REG_0, 0),
		MOV_IMM(BPF_REG_0, 0),
		EXIT(),
		/* return: the entry's time from the cookie, then the slot */
		LDX_DW(BPF_REG_6, BPF_REG_0, 0),
		SLOT(fd, 9),
		COUNT_LAT(),
		MOV_IMM(BPF_REG_0, 0),
		EXIT(),
	};

	return prog_load_insns(BPF_PROG_TYPE_TRACING, FSESSION, btf_id, insns, ARRAY_SIZE(insns));
}

/* The stream modes' record: what the reader prints of each call. */
#define STREAM_REC 32

static int ring_map(__u32 bytes)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_RINGBUF;
	a.max_entries = bytes;
	return syscall(__NR_bpf, BPF_MAP_CREATE, &a, sizeof(a));
}

/*
 * stream: the fexit (or, at entry, fentry) program that sends one record a call
 * to ring @fd: the clock, pid_tgid, the u32 at byte @off of what argument @arg
 * points to (@off < 0: the argument), the return value (0 at entry). It submits
 * with ksnoop's rule: wake the reader only once @wake bytes are unread.
 */
static int prog_load_stream(int attach_type, __u32 btf_id, int fd, int arg, int off, __u32 wake)
{
	struct bpf_insn member =
		off < 0 ? MOV_REG(BPF_REG_1, BPF_REG_1) : LDX_W(BPF_REG_1, BPF_REG_1, off);
	const struct bpf_insn head[] = {
		MOV_REG(BPF_REG_6, BPF_REG_1),
		LD_MAP(BPF_REG_1, fd),
		MOV_IMM(BPF_REG_2, STREAM_REC),
		MOV_IMM(BPF_REG_3, 0),
		CALL(BPF_FUNC_ringbuf_reserve),
		JNE_IMM(BPF_REG_0, 0, 2),
		MOV_IMM(BPF_REG_0, 0),
		EXIT(),
		MOV_REG(BPF_REG_7, BPF_REG_0),
		CALL(BPF_FUNC_ktime_get_ns),
		STX_DW(BPF_REG_7, BPF_REG_0, 0),
		CALL(BPF_FUNC_get_current_pid_tgid),
		STX_DW(BPF_REG_7, BPF_REG_0, 8),
		LDX_DW(BPF_REG_1, BPF_REG_6, 8 * arg),
		member,
		STX_DW(BPF_REG_7, BPF_REG_1, 16),
		ST_DW(BPF_REG_7, 24, 0),
	};
	/* At the return only: the return value into the record. */
	const struct bpf_insn ret[] = {
		ST_DW(BPF_REG_10, -8, 0),
		MOV_REG(BPF_REG_1, BPF_REG_6),
		MOV_REG(BPF_REG_2, BPF_REG_10),
		ADD_IMM(BPF_REG_2, -8),
		/* bpf_get_func_ret(ctx, r10 - 8) */
		CALL(BPF_FUNC_get_func_ret),
		LDX_DW(BPF_REG_1, BPF_REG_10, -8),
		STX_DW(BPF_REG_7, BPF_REG_1, 24),
	};
	const struct bpf_insn submit[] = {
		LD_MAP(BPF_REG_1, fd),
		MOV_IMM(BPF_REG_2, BPF_RB_AVAIL_DATA),
		CALL(BPF_FUNC_ringbuf_query),
		/* r2 = r0 < wake ? BPF_RB_NO_WAKEUP : BPF_RB_FORCE_WAKEUP */
		MOV_IMM(BPF_REG_2, BPF_RB_NO_WAKEUP),
		JLT_IMM(BPF_REG_0, wake, 1),
		MOV_IMM(BPF_REG_2, BPF_RB_FORCE_WAKEUP),
		MOV_REG(BPF_REG_1, BPF_REG_7),
		CALL(BPF_FUNC_ringbuf_submit),
		MOV_IMM(BPF_REG_0, 0),
		EXIT(),
	};
	struct bpf_insn prog[ARRAY_SIZE(head) + ARRAY_SIZE(ret) + ARRAY_SIZE(submit)];
	int n = ARRAY_SIZE(head);

	memcpy(prog, head, sizeof(head));
	if (attach_type == BPF_TRACE_FEXIT) {
		memcpy(prog + n, ret, sizeof(ret));
		n += ARRAY_SIZE(ret);
	}
	memcpy(prog + n, submit, sizeof(submit));
	n += ARRAY_SIZE(submit);
	return prog_load_insns(BPF_PROG_TYPE_TRACING, attach_type, btf_id, prog, n);
}

/* Appends @v in decimal and then @sep to @p; the end. */
static char *put_u64(char *p, unsigned long long v, char sep)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = '0' + v % 10;
	while (v /= 10);
	while (n)
		*p++ = tmp[--n];
	*p++ = sep;
	return p;
}

/*
 * stream's reader: the ring of map @fd (@bytes) mapped as libbpf maps it, read
 * when woken or every 100 ms until SIGINT or SIGTERM (blocked by the caller, in
 * @set), a line a record to stdout, written when the ring is drained or 64 KiB
 * are pending. 0, or 1 on an error.
 */
static int stream_read(int fd, __u32 bytes, const sigset_t *set)
{
	static char out[65536];
	long pg = sysconf(_SC_PAGESIZE);
	unsigned long *cons, *prod, cpos, ppos;
	struct epoll_event ev = {.events = EPOLLIN}, evs[2];
	int ep = epoll_create1(0), sfd = signalfd(-1, set, 0), n, i;
	bool stop = false;
	char *data, *p = out;

	cons = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	prod = mmap(NULL, pg + 2 * (size_t)bytes, PROT_READ, MAP_SHARED, fd, pg);
	if (ep < 0 || sfd < 0 || cons == MAP_FAILED || prod == MAP_FAILED) {
		fprintf(stderr, "bare: stream reader: %s\n", strerror(errno));
		return 1;
	}
	data = (char *)prod + pg;
	ev.data.fd = fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	while (!stop) {
		n = epoll_wait(ep, evs, 2, 100);
		for (i = 0; i < n; i++)
			stop |= evs[i].data.fd == sfd;
		/* The same loop as libbpf's ringbuf_process_ring(), without callbacks. */
		cpos = *cons;
		while (cpos < (ppos = __atomic_load_n(prod, __ATOMIC_ACQUIRE))) {
			while (cpos < ppos) {
				__u32 *hdr = (void *)(data + (cpos & (bytes - 1)));
				__u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
				const __u64 *r = (const void *)(hdr + 2);

				if (len & BPF_RINGBUF_BUSY_BIT)
					goto busy;
				cpos += ((len & ~BPF_RINGBUF_DISCARD_BIT) + BPF_RINGBUF_HDR_SZ +
					 7) &
					~7UL;
				if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
					p = put_u64(p, r[0], ' ');
					p = put_u64(p, r[1] >> 32, ' ');
					p = put_u64(p, r[2], ' ');
					p = put_u64(p, r[3], '\n');
					if (p - out > (long)sizeof(out) - 128) {
						if (write(1, out, p - out) < 0)
							return 1;
						p = out;
					}
				}
				__atomic_store_n(cons, cpos, __ATOMIC_RELEASE);
			}
		}
	busy:
		if (p > out && write(1, out, p - out) < 0)
			return 1;
		p = out;
	}
	return 0;
}

static int link_one(int prog_fd, int attach_type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = prog_fd;
	a.link_create.attach_type = attach_type;
	return syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
}

/* A kprobe.multi link by symbol name (the kernel sorts names and cookies together). */
static int link_kmulti(int prog_fd, bool ret, char **syms, __u64 *cookies, int n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = prog_fd;
	a.link_create.attach_type = BPF_TRACE_KPROBE_MULTI;
	a.link_create.kprobe_multi.flags = ret ? BPF_F_KPROBE_MULTI_RETURN : 0;
	a.link_create.kprobe_multi.cnt = n;
	a.link_create.kprobe_multi.syms = (unsigned long)syms;
	a.link_create.kprobe_multi.cookies = (unsigned long)cookies;
	return syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
}

static int link_multi(int prog_fd, int attach_type, __u32 *ids, __u64 *cookies, int n)
{
	struct {
		__u32 prog_fd, target_fd, attach_type, flags;
		__aligned_u64 ids, cookies;
		__u32 cnt;
	} * lc;
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	lc = (void *)&a.link_create;
	lc->prog_fd = prog_fd;
	lc->attach_type = attach_type;
	lc->ids = (unsigned long)ids;
	lc->cookies = (unsigned long)cookies;
	lc->cnt = n;
	return syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
}

/* A kprobe program that looks its attach cookie up in array map @map_fd: r0 = 0. */
static int prog_load_cookie_lookup(int map_fd)
{
	const struct bpf_insn insns[] = {
		/* r0 = bpf_get_attach_cookie(ctx); *(u32 *)(r10 - 4) = r0 */
		{.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_attach_cookie},
		{.code = BPF_STX | BPF_MEM | BPF_W,
		 .dst_reg = BPF_REG_10,
		 .src_reg = BPF_REG_0,
		 .off = -4},
		/* r0 = bpf_map_lookup_elem(map, r10 - 4) */
		{.code = BPF_LD | BPF_DW | BPF_IMM,
		 .dst_reg = BPF_REG_1,
		 .src_reg = BPF_PSEUDO_MAP_FD,
		 .imm = map_fd},
		{},
		{.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_10},
		{.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -4},
		{.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};

	return prog_load_insns(BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0, insns,
			       ARRAY_SIZE(insns));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The vmlinux functions in ftrace's list whose names match one of @globs, sorted,
 * each once, into *@out; their number, or -1.
 */
static int glob_names(char **globs, int nglobs, char ***out)
{
	static const char path[] = "/sys/kernel/tracing/available_filter_functions";
	int n = 0, cap = 1024, i, k;
	char line[512], **names = malloc(cap * sizeof(*names));
	FILE *f = fopen(path, "r");

	if (!f || !names) {
		fprintf(stderr, "bare: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		/* "name" (vmlinux) or "name [module]" (left out: ksnoop's globs are vmlinux) */
		line[strcspn(line, "\n")] = '\0';
		if (strchr(line, ' '))
			continue;
		for (i = 0; i < nglobs && fnmatch(globs[i], line, 0); i++)
			;
		if (i == nglobs)
			continue;
		if (n == cap)
			names = realloc(names, (cap *= 2) * sizeof(*names));
		names[n++] = strdup(line);
	}
	fclose(f);
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = k = 0; i < n; i++)
		if (!k || strcmp(names[k - 1], names[i]))
			names[k++] = names[i];
	*out = names;
	return k;
}

/* The kglob modes (see the top): prints the usual line; 0 or 1. */
static int kglob(const char *mode, char **globs, int nglobs)
{
	double t0 = now(), tl, tk, total;
	int n, k, map_fd, fd, lfd[2] = {-1, -1};
	char **syms;
	__u64 *cookies;
	sigset_t set;
	union bpf_attr a;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	n = glob_names(globs, nglobs, &syms);
	if (n <= 0) {
		fprintf(stderr, "bare: no traceable function matches\n");
		return 1;
	}
	cookies = malloc(n * sizeof(*cookies));
	for (k = 0; k < n; k++)
		cookies[k] = k;
	tl = now();
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = n;
	map_fd = syscall(__NR_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	fd = map_fd < 0 ? -1 : prog_load_cookie_lookup(map_fd);
	if (fd < 0) {
		fprintf(stderr, "bare: map or program: %s\n", strerror(errno));
		return 1;
	}
	tk = now();
	tl = tk - tl;
	/* Returns first, as ksnoop does: every traced entry gets its return. */
	for (k = strncmp(mode, "kglob-both", 10) ? 1 : 0; k < 2; k++) {
		lfd[k] = link_kmulti(fd, k == 0, syms, cookies, n);
		if (lfd[k] < 0) {
			fprintf(stderr, "bare: kprobe.multi link over %d functions: %s\n", n,
				strerror(errno));
			return 1;
		}
	}
	tk = now() - tk;
	total = now() - t0;
	fprintf(stderr, "bare: attached %d\n", n);
	sigwait(&set, &k);
	t0 = now();
	for (k = 1; k >= 0; k--)
		if (lfd[k] >= 0)
			close(lfd[k]);
	close(fd);
	close(map_fd);
	printf("bare %s n=%d failed=0 load=%.3f link=%.3f total=%.3f detach=%.3f\n", mode, n, tl,
	       tk, total, now() - t0);
	return 0;
}

/*
 * Long (about 145 lines) on purpose: the three attach modes share the timers
 * (load, link, total, detach) and the fd list that the detach times, and each
 * mode's loop times only its own syscalls; read straight through, what each
 * printed figure includes is visible in one place.
 */
int main(int argc, char **argv)
{
	double t0, tl = 0, tk = 0, t, total;
	int n = 0, cap = 1024, nfd = 0, failed = 0, i, k, fd, lfd, map_fd = -1;
	__u32 *ids = malloc(cap * sizeof(*ids));
	__u64 *cookies;
	bool with_cookies, hold, kmulti, stream;
	__u32 ring_bytes = (getenv("BARE_RING_PAGES") ? atoi(getenv("BARE_RING_PAGES")) : 4096) *
			   sysconf(_SC_PAGESIZE);
	char **syms = NULL;
	int *fds;
	struct rlimit rl;
	const char *mode;
	unsigned int id;
	FILE *f;

	if (argc >= 3 && !strncmp(argv[1], "kglob", 5))
		return kglob(argv[1], argv + 2, argc - 2);
	if (argc != 3 || !(f = fopen(argv[2], "r"))) {
		fprintf(stderr,
			"usage: bare-attach fentry|both[-lat]|fsession[-lat]|[k]multi[-both][+cookies][+hold] FILE\n"
			"       bare-attach stream[-e] FILE\n"
			"       bare-attach kglob[-both] GLOB...\n");
		return 2;
	}
	mode = argv[1];
	/* "+cookies": one u64 cookie per id (the function's index), as ksnoop passes. */
	with_cookies = strstr(mode, "+cookies") != NULL;
	stream = !strncmp(mode, "stream", 6);
	hold = strstr(mode, "+hold") != NULL || stream;
	kmulti = !strncmp(mode, "kmulti", 6);
	if (kmulti) {
		char name[256];

		syms = malloc(cap * sizeof(*syms));
		while (fscanf(f, "%255s", name) == 1) {
			if (n == cap)
				syms = realloc(syms, (cap *= 2) * sizeof(*syms));
			syms[n++] = strdup(name);
		}
	}
	while (!kmulti && fscanf(f, "%u", &id) == 1) {
		if (n == cap)
			ids = realloc(ids, (cap *= 2) * sizeof(*ids));
		ids[n++] = id;
	}
	cookies = malloc(sizeof(*cookies) * (n + 1));
	for (i = 0; i < n; i++)
		cookies[i] = i;
	fds = malloc(sizeof(int) * (4 * n + 4));
	rl.rlim_cur = rl.rlim_max = 4 * n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		perror("setrlimit");
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	setrlimit(RLIMIT_MEMLOCK, &rl);

	t0 = now();
	if (kmulti) {
		for (k = strncmp(mode, "kmulti-both", 11) ? 1 : 0; k < 2; k++) {
			t = now();
			fd = prog_load_type(BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0);
			tl += now() - t;
			if (fd < 0) {
				fprintf(stderr, "bare: load kprobe.multi: %s\n", strerror(errno));
				return 1;
			}
			fds[nfd++] = fd;
			t = now();
			lfd = link_kmulti(fd, k == 0, syms, with_cookies ? cookies : NULL, n);
			tk += now() - t;
			if (lfd < 0) {
				fprintf(stderr, "bare: kprobe.multi link over %d functions: %s\n",
					n, strerror(errno));
				return 1;
			}
			fds[nfd++] = lfd;
		}
	} else if (!strncmp(mode, "multi", 5)) {
		static const int types[] = {FEXIT_MULTI, FENTRY_MULTI};

		for (k = strncmp(mode, "multi-both", 10) ? 1 : 0; k < 2; k++) {
			t = now();
			fd = prog_load(types[k], 0);
			tl += now() - t;
			if (fd < 0) {
				fprintf(stderr, "bare: load multi %d: %s\n", types[k],
					strerror(errno));
				return 1;
			}
			fds[nfd++] = fd;
			t = now();
			lfd = link_multi(fd, types[k], ids, with_cookies ? cookies : NULL, n);
			tk += now() - t;
			if (lfd < 0) {
				fprintf(stderr, "bare: multi link over %d ids: %s\n", n,
					strerror(errno));
				return 1;
			}
			fds[nfd++] = lfd;
		}
	} else {
		static const int types[] = {BPF_TRACE_FEXIT, BPF_TRACE_FENTRY};
		bool lat = strstr(mode, "-lat") != NULL, fsess = !strncmp(mode, "fsession", 8);
		const char *kfs = getenv("BARE_SESSION_KFUNCS");
		/* "both...": the fexit first (not only "both": "both+hold" too); fsession: one */
		int first = strncmp(mode, "both", 4) || fsess ? 1 : 0, last = 2, kf[2], at;
		const char *mem = getenv("BARE_STREAM_MEMBER");
		int arg = 0, off = -1;

		if (mem && sscanf(mem, "%d %d", &arg, &off) != 2) {
			fprintf(stderr, "bare: BARE_STREAM_MEMBER=\"%s\": want \"ARG OFF\"\n", mem);
			return 2;
		}
		/* stream: the fexit alone (it sees the arguments too); stream-e: the fentry */
		if (stream) {
			first = strncmp(mode, "stream-e", 8) ? 0 : 1;
			last = first + 1;
		}
		map_fd = lat ? lat_map() : stream ? ring_map(ring_bytes) : -1;
		if ((lat || stream) && map_fd < 0) {
			fprintf(stderr, "bare: %s map: %s\n", lat ? "per-CPU array" : "ring buffer",
				strerror(errno));
			return 1;
		}
		if (fsess && lat && (!kfs || sscanf(kfs, "%d %d", &kf[0], &kf[1]) != 2)) {
			fprintf(stderr,
				"bare: %s needs BARE_SESSION_KFUNCS=\"IS_RETURN COOKIE\" (the kfuncs' vmlinux BTF ids)\n",
				mode);
			return 2;
		}
		for (i = 0; i < n; i++) {
			for (k = first; k < last; k++) {
				at = fsess ? FSESSION : types[k];
				t = now();
				if (stream)
					fd = prog_load_stream(at, ids[i], map_fd, arg, off,
							      ring_bytes / 4);
				else if (fsess && lat)
					fd = prog_load_fsession_lat(ids[i], map_fd, kf);
				else if (lat)
					fd = prog_load_lat(at, ids[i], map_fd);
				else
					fd = prog_load(at, ids[i]);
				tl += now() - t;
				if (fd < 0) {
					if (!failed++)
						fprintf(stderr, "bare: load %s on id %u: %s\n",
							mode, ids[i], strerror(errno));
					break;
				}
				t = now();
				lfd = link_one(fd, at);
				tk += now() - t;
				if (lfd < 0) {
					if (!failed++)
						fprintf(stderr, "bare: link %s on id %u: %s\n",
							mode, ids[i], strerror(errno));
					close(fd);
					break;
				}
				fds[nfd++] = fd;
				fds[nfd++] = lfd;
			}
		}
	}
	total = now() - t0;
	/* A floor with a program missing is no floor: no "attached" line, the bench skips it. */
	if (hold && (failed || !nfd)) {
		fprintf(stderr, "bare: %s: %d of %d functions failed\n", mode, failed, n);
		return 1;
	}
	if (hold) {
		sigset_t set;
		int sig;

		/* Blocked first, so a signal sent right after the line is not lost. */
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		fprintf(stderr, "bare: attached %d\n", nfd / 2);
		if (stream ? stream_read(map_fd, ring_bytes, &set) : sigwait(&set, &sig))
			return 1;
	}
	t = now();
	/* Links first (the last fd of each pair), then programs. */
	for (i = nfd - 1; i >= 0; i -= 2)
		close(fds[i]);
	for (i = nfd - 2; i >= 0; i -= 2)
		close(fds[i]);
	if (map_fd >= 0)
		close(map_fd);
	printf("bare %s n=%d failed=%d load=%.3f link=%.3f total=%.3f detach=%.3f\n", mode, n,
	       failed, tl, tk, total, now() - t);
	return 0;
}
