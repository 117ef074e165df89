/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksnoop wire format: shared by bpf/ and src/.
 *
 * Only constants and fixed-layout records live here: no pointers, no userspace
 * state. Userspace writes one struct ksnoop_plan per traced function into the
 * "plans" array map (index = function id = attach cookie); the BPF program
 * streams struct ksnoop_rec records through the "events" ring buffer.
 */
#ifndef __KSNOOP_H
#define __KSNOOP_H

#include "bucket.h"

#define KSNOOP_MAX_ITEMS     8	   /* items per function spec */
#define KSNOOP_MAX_STEPS     8	   /* pointer dereferences per item */
#define KSNOOP_MAX_ARGS	     12	   /* register slots read by bpf_get_func_arg */
#define KSNOOP_MAX_VALUE     2048  /* bytes copied (or text formatted) per item */
#define KSNOOP_MAX_FUNCS     65536 /* entries in the plans map */
#define KSNOOP_MAX_DEPTH     64	   /* nested traced calls tracked per thread */
#define KSNOOP_TASK_COMM_LEN 16
#define KSNOOP_MAX_COMMS     8	/* -c/--comm names */
#define KSNOOP_MAX_PATTERN   63 /* bytes and wildcards of a string operand or glob */
/*
 * String predicates look at most at this many bytes of a string: the BPF
 * matcher is a bounded loop, verified once per iteration on kernels without
 * bpf_loop() (5.10), and every program load pays for that.
 */
#define KSNOOP_PRED_SCAN 256
#define KSNOOP_MAX_CHAIN 8 /* -s: functions in a call chain (a power of 2) */
/*
 * Slots of the fentry stub's pairing by trampoline frame (KSNOOP_SB_FRAME): a
 * power of 2, at most 4096 (the 12 bits of the address's hash).
 */
#define KSNOOP_FRAME_SLOTS 4096

/* A slot of that pairing, in .bss (bpf/fentry.bpf.c). */
struct ksnoop_frame {
	__u64 key; /* the context's address while a call holds the slot, else 0 */
	__u64 t0;  /* that call's entry time */
};
/*
 * The helper id the kprobe.session stub calls where it means the kfunc
 * bpf_session_is_return(); userspace patches the call before load
 * (bpf/kprobe_multi.bpf.c). No helper has it.
 */
#define KSNOOP_SESSION_IS_RETURN_CALL 0x7ffe
/* The same for the kfunc bpf_session_cookie() (the fsession stub). */
#define KSNOOP_SESSION_COOKIE_CALL 0x7ffd
/*
 * Attach cookie bit of a return link whose program also serves the entry
 * link (kprobe-multi): the function id is the cookie's low 32 bits.
 */
#define KSNOOP_COOKIE_EXIT (1ULL << 32)
#define KSNOOP_MAX_KSTACK  127 /* --kstack=N: frames kept per stack (PERF_MAX_STACK_DEPTH) */

/* Item base: an argument register slot 0..11, or the return value. */
#define KSNOOP_BASE_RET 0xff

enum ksnoop_item_flags {
	KSNOOP_I_MEM = 1 << 0,	  /* value lives in memory at ptr+off; else it is the base itself */
	KSNOOP_I_STR = 1 << 1,	  /* final value is a char *: copy the NUL-terminated string */
	KSNOOP_I_PRED = 1 << 2,	  /* item carries a predicate */
	KSNOOP_I_SIGNED = 1 << 3, /* predicate compares as signed */
	KSNOOP_I_HIDE = 1 << 4,	  /* predicate-only item: evaluate, do not emit */
	KSNOOP_I_KFMT = 1 << 5,	  /* --kernel-format: bpf_snprintf_btf() the value */
	KSNOOP_I_SPRED = 1 << 6,  /* string predicate: value is a "patterns" map index */
};

/* The one list of predicate operators: the parser's AST uses it too. */
enum ksnoop_pred_op {
	KSNOOP_OP_NONE = 0, /* no predicate */
	KSNOOP_OP_EQ,
	KSNOOP_OP_NE,
	KSNOOP_OP_LT,
	KSNOOP_OP_LE,
	KSNOOP_OP_GT,
	KSNOOP_OP_GE,
	KSNOOP_OP_GLOB, /* strings only: '~ "pat*"' */
};

/*
 * A string operand or glob, compiled to a bit-parallel NFA (shift-and): bit j
 * of the state is "the first j tokens matched". Each token is one byte, a set
 * of bytes ('?', '[a-z]') or '*' (no two '*' in a row). For each byte c of the
 * subject: state = ((state & bytes[c]) << 1) | (state & star), then
 * state |= (state & star) << 1 (a '*' may match nothing). The subject matches
 * when state & accept at its end. Without '*' it is an exact comparison.
 * Loops over the subject, never over the pattern: cheap to verify.
 */
struct ksnoop_pattern {
	__u64 start;  /* the state before the first byte */
	__u64 accept; /* the bit of "every token matched" */
	__u64 star;   /* tokens that are '*' */
	/*
	 * The first bytes every matching subject has (single-byte tokens up to
	 * the first wildcard, then a NUL if the pattern ends there), at most 8,
	 * as a little-endian word and the mask of the bytes known: the kernel
	 * rejects most subjects with one compare before it runs the NFA.
	 */
	__u64 prefix;
	__u64 prefix_mask;
	__u64 bytes[256]; /* tokens that byte c matches */
} __attribute__((aligned(8)));

/* One -c/--comm filter in the BPF program's read-only settings. */
struct ksnoop_comm {
	__u64 name[2]; /* exact: the 16-byte task comm, NUL padded */
	/* glob: the pattern's prefix and prefix_mask, tested before the pattern's lookup */
	__u64 prefix;
	__u64 prefix_mask;
	__u32 pattern; /* glob: its index in the "patterns" map + 1; 0 for an exact name */
	__u32 pad;
};

/* What a function's return value is, for --errors (struct ksnoop_plan ret_kind). */
enum ksnoop_ret_kind {
	KSNOOP_RET_OTHER = 0, /* void, unsigned, struct: never an error */
	KSNOOP_RET_SIGNED,    /* signed integer of ret_size bytes: an error if -4095..-1 */
	KSNOOP_RET_PTR,	      /* pointer: an error if NULL or an ERR_PTR (-4095..-1) */
};

#define KSNOOP_MAX_ERRNO 4095
#define KSNOOP_ERR_NULL	 (KSNOOP_MAX_ERRNO + 1)

/*
 * Zero the bytes after the first NUL of a comm @w, two little-endian words as
 * the BPF program reads it in place: kernels whose renames do not pad
 * (strlcpy) leave there what a longer name had, and --count-by comm keys must
 * not differ past the name. The lowest 0x80 bit of (w - 0x01..) & ~w & 0x80..
 * is the first zero byte's; (that bit >> 7) - 1 keeps the bytes before it, or
 * all of them when there is none.
 */
static inline void ksnoop_comm_clean(__u64 *w)
{
	const __u64 ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	__u64 z0 = (w[0] - ones) & ~w[0] & highs, z1 = (w[1] - ones) & ~w[1] & highs;

	w[0] &= ((z0 & -z0) >> 7) - 1;
	w[1] = z0 ? 0 : w[1] & (((z1 & -z1) >> 7) - 1);
}

/*
 * The return register @ret of a function returning a signed integer of @size
 * bytes, as that integer: the upper bytes of a narrower return are not defined.
 */
static inline __s64 ksnoop_ret_signed(__u8 size, __u64 ret)
{
	if (size == 4)
		return (__s32)ret;
	if (size == 2)
		return (__s16)ret;
	if (size == 1)
		return (__s8)ret;
	return ret;
}

/* Return value @ret of a function of @kind (@size bytes if signed), sign-extended. */
static inline __s64 ksnoop_ret_value(__u8 kind, __u8 size, __u64 ret)
{
	return kind == KSNOOP_RET_SIGNED ? ksnoop_ret_signed(size, ret) : (__s64)ret;
}

/*
 * Is return value @ret of a function of @kind (@size bytes if signed) a
 * failure, as --errors and --stats decide (shared by the BPF program and the
 * output)? A NULL pointer, or a value from -KSNOOP_MAX_ERRNO to -1: one
 * unsigned compare, which --stats pays at every return.
 */
static inline int ksnoop_ret_is_error(__u8 kind, __u8 size, __u64 ret)
{
	if (kind == KSNOOP_RET_PTR && !ret)
		return 1;
	if (kind == KSNOOP_RET_OTHER)
		return 0;
	return (__u64)ksnoop_ret_value(kind, size, ret) + KSNOOP_MAX_ERRNO < KSNOOP_MAX_ERRNO;
}

/* ksnoop_ret_is_error()'s errno (1..4095), KSNOOP_ERR_NULL for a NULL pointer, or 0. */
static inline int ksnoop_ret_errno(__u8 kind, __u8 size, __u64 ret)
{
	if (!ksnoop_ret_is_error(kind, size, ret))
		return 0;
	if (kind == KSNOOP_RET_PTR && !ret)
		return KSNOOP_ERR_NULL;
	return (int)-ksnoop_ret_value(kind, size, ret);
}

/* The matcher's one step, shared by the BPF program and userspace (unit tests). */
static inline __u64 ksnoop_pattern_step(const struct ksnoop_pattern *p, __u64 st, __u8 c)
{
	st = ((st & p->bytes[c]) << 1) | (st & p->star);
	return st | ((st & p->star) << 1);
}

/*
 * Does a subject whose first 8 bytes are @w (little-endian) surely not match
 * @p, the matcher looking at @n bytes of it at most? Its prefix is compared
 * where it lies within those @n bytes (shared by the BPF program and the
 * unit tests).
 */
static inline int ksnoop_pattern_prefix_fails(const struct ksnoop_pattern *p, __u64 w, __u32 n)
{
	__u64 mask = p->prefix_mask;

	if (n < sizeof(w))
		mask &= (1ULL << (8 * n)) - 1;
	return (w & mask) != (p->prefix & mask);
}

/*
 * How to reach one value. Start with v = base (argument or return value).
 * For each of nsteps steps: v = *(u64 *)(v + steps[i]) (a pointer load).
 * Then, for KSNOOP_I_MEM, the value is the size bytes at v + off (for a pointer
 * to a struct, the pointee: userspace shows the pointer as the address); for
 * KSNOOP_I_STR the NUL-terminated string at v + off; otherwise v itself
 * (size <= 8).
 * Predicates read the value as an integer of 1, 2, 4 or 8 bytes and, for
 * bitfields (bit_size != 0), shift right by bit_off and keep bit_size bits.
 */
struct ksnoop_item {
	__u8 base;
	__u8 nsteps;
	__u8 flags;
	__u8 op;       /* enum ksnoop_pred_op when KSNOOP_I_PRED */
	__u8 bit_off;  /* bitfield: bit offset within the bytes read */
	__u8 bit_size; /* bitfield: width in bits, 0 if not a bitfield */
	__u16 size;    /* bytes to copy, <= KSNOOP_MAX_VALUE */
	__u32 off;     /* final offset for KSNOOP_I_MEM */
	__u32 btf_id;  /* vmlinux BTF type id of the value (KSNOOP_I_KFMT) */
	__u32 pad;
	__u32 steps[KSNOOP_MAX_STEPS];
	__u64 value; /* predicate operand */
} __attribute__((aligned(8)));

/* Words of a string operand the typed entry predicate compares: the longest and its NUL. */
#define KSNOOP_TYPED_WORDS ((KSNOOP_MAX_PATTERN + 1) / 8)

/*
 * The fentry stub's typed entry predicate (bpf/fentry.bpf.c, "pred_typed"):
 * the first entry predicate of every traced function, when all have it alike
 * and the kernel's verifier types each of its loads (src/filter.c
 * filter_typed_pred()). @item: base slot, pointer steps, final offset, op,
 * KSNOOP_I_SIGNED and, for an integer, its size and the constant in value;
 * for == and != on a char[N] (KSNOOP_I_SPRED), size is the bytes compared in
 * whole words (at most N: the string, its NUL unless it fills the array),
 * @words the operand's bytes with the NUL, zero padded, and @masks the bytes
 * of each word that count.
 */
struct ksnoop_typed_pred {
	struct ksnoop_item item;
	__u64 words[KSNOOP_TYPED_WORDS];
	__u64 masks[KSNOOP_TYPED_WORDS];
} __attribute__((aligned(8)));

/* Entry items the fentry stub's lean record path reads (struct ksnoop_rec_lean). */
#define KSNOOP_LEAN_ITEMS 4

/*
 * The fentry stub's lean record path (KSNOOP_SB_REC_LEAN, bpf/fentry.bpf.c):
 * the plan every traced function has alike, when each of its @nitems items is
 * an argument, an integer of 1, 2, 4 or 8 bytes its arguments lead to, whose
 * every load the verifier types, or the return value itself (src/typed.c
 * typed_rec_fill()), and nothing asks for the record path's machinery
 * (predicates, -s, --changes, --kstack, --kernel-format, --slower-than,
 * --errors). The stub builds the records in the ring buffer itself: at entry
 * [0] and at the return [1], @size bytes, the header and @nvals values of a
 * value header and 8 bytes each; item i is value @slot[i] of its record.
 */
struct ksnoop_rec_lean {
	__u32 nitems;
	__u32 size[2];
	__u16 nvals[2];
	__u8 slot[KSNOOP_LEAN_ITEMS];
	struct ksnoop_item items[KSNOOP_LEAN_ITEMS];
} __attribute__((aligned(8)));

/* What the stubs read before anything else: one .rodata object, "stub" (bpf/capture.bpf.c). */
struct ksnoop_stub_conf {
	/* first: at the object's address, no add to the one clang loads */
	struct ksnoop_typed_pred pred; /* KSNOOP_SB_PRED_TYPED */
	__u32 bits;		       /* enum ksnoop_stub_bit */
	__u32 pad;
} __attribute__((aligned(8)));

/* Per-function facts the aggregation needs (struct ksnoop_plan.flags). */
enum ksnoop_plan_flags {
	/* capture the entry items: one has a predicate, or is the --hist/--count-by value */
	KSNOOP_P_ENTRY_PRED = 1 << 0,
	KSNOOP_P_EXIT_PRED = 1 << 1, /* the same for the return items */
};

struct ksnoop_plan {
	__u32 nitems;
	__u8 ret_kind;	 /* enum ksnoop_ret_kind */
	__u8 ret_size;	 /* KSNOOP_RET_SIGNED: bytes of the return type */
	__u16 chain;	 /* -s: the function's level in the call chain + 1; 0 otherwise */
	__u32 flags;	 /* enum ksnoop_plan_flags (read in aggregation modes only) */
	__u32 text_size; /* --count-by caller: bytes of the function's code from text_addr */
	__u64 text_addr; /* --count-by caller: the function's address (kallsyms), else 0 */
	/*
	 * 1 + the index of the entry item whose predicate the stub tests first,
	 * before the call takes a record or the scratch area (the first entry
	 * item with a predicate); 0: none.
	 */
	__u32 pre_item;
	/*
	 * 1 + the index of the last item captured at entry, and at the return
	 * (return-value items; with --changes every item): capture_phase() asks
	 * no item past its phase's end, and none at all for a phase without
	 * items. Set by userspace before load (plan_set_phase_ends()).
	 */
	__u8 entry_end;
	__u8 exit_end;
	__u16 pad;
	struct ksnoop_item items[KSNOOP_MAX_ITEMS];
} __attribute__((aligned(8)));

enum ksnoop_rec_type {
	KSNOOP_REC_ENTRY = 1, /* function entry, with the entry items */
	KSNOOP_REC_EXIT,      /* function return, with the return items */
};

enum ksnoop_rec_flags {
	KSNOOP_R_DROP = 1 << 0,	  /* exit: a return predicate failed, discard the call */
	KSNOOP_R_NOEXIT = 1 << 1, /* entry: no exit record will follow (--entry) */
	KSNOOP_R_TEXT = 1 << 2,	  /* values are bpf_snprintf_btf text, not bytes */
	KSNOOP_R_DEEP = 1 << 3,	  /* entry beyond KSNOOP_MAX_DEPTH: not paired */
	/*
	 * entry: the whole call, its exit record follows in the same sample, at
	 * rec->size (the fentry stub's one record per call, struct ksnoop_rec_frame)
	 */
	KSNOOP_R_CALL = 1 << 4,
	/*
	 * entry: a call whose entry was kept by its frame and whose thread
	 * exited in it (do_exit()): another thread's call, its stack reused,
	 * found the entry at its own frame. No exit record will follow.
	 */
	KSNOOP_R_GONE = 1 << 5,
};

enum ksnoop_val_flags {
	KSNOOP_V_UNREADABLE = 1 << 0, /* a read on the chain faulted (NULL, freed, ...) */
	KSNOOP_V_TRUNC = 1 << 1,      /* value longer than KSNOOP_MAX_VALUE */
	KSNOOP_V_TEXT = 1 << 2,	      /* data is NUL-terminated bpf_snprintf_btf text */
	KSNOOP_V_RAWALSO = 1 << 3,    /* text followed by raw bytes (format check mode) */
};

/* One value in a record; data is padded so that the next value is 8-aligned. */
struct ksnoop_val {
	__u8 item;     /* index in the plan */
	__u8 flags;    /* enum ksnoop_val_flags */
	__u16 len;     /* bytes of data (text: including the NUL) */
	__u16 raw_len; /* KSNOOP_V_RAWALSO: raw bytes following the text */
	__u16 pad;
	__u64 addr; /* address the bytes came from (0 for register values) */
	__u8 data[];
} __attribute__((aligned(8)));

struct ksnoop_rec {
	__u16 type;  /* enum ksnoop_rec_type */
	__u16 flags; /* enum ksnoop_rec_flags */
	__u16 nvals;
	__u16 depth; /* nesting depth of traced calls on this thread */
	__u32 size;  /* whole record, bytes */
	__u32 func;  /* function id (plans map index) */
	__u32 cpu;
	__u32 tgid;
	__u32 tid;
	__u32 stack_id; /* --kstack, entry: id in the "stacks" map + 1; 0: none */
	__u64 ts;	/* bpf_ktime_get_ns() */
	__u64 ip;	/* bpf_get_func_ip() without attach cookies, else 0 */
	__u64 ret;	/* exit: raw return value */
	char comm[KSNOOP_TASK_COMM_LEN];
	__u8 data[]; /* nvals struct ksnoop_val */
} __attribute__((aligned(8)));

#define KSNOOP_VAL_ALIGN(n) (((n) + 7) & ~7)

/* A value of the fentry stub's lean record path: its header and 8 bytes (struct ksnoop_rec_lean).
 */
#define KSNOOP_LEAN_VAL_SIZE (sizeof(struct ksnoop_val) + sizeof(__u64))
/* The largest entry record of that path. */
#define KSNOOP_LEAN_REC_MAX (sizeof(struct ksnoop_rec) + KSNOOP_LEAN_ITEMS * KSNOOP_LEAN_VAL_SIZE)

/*
 * Slots of the fentry stub's one record per call (KSNOOP_SB_REC_LEAN with
 * KSNOOP_SB_FRAME), a power of 2: a call in progress holds one (a collision
 * takes the two-record path), so a thousand is plenty; 180 KiB.
 */
#define KSNOOP_REC_FRAME_SLOTS 1024

/*
 * One of those slots, in .bss (bpf/fentry.bpf.c): the entry record of the
 * call whose trampoline frame holds it, kept until the return sends it with
 * its own record in one sample (KSNOOP_R_CALL). Userspace reads the slots
 * still held at the stop: those calls are in flight.
 */
struct ksnoop_rec_frame {
	__u64 key; /* the context's address while a call holds the slot, else 0 */
	__u8 rec[KSNOOP_LEAN_REC_MAX];
} __attribute__((aligned(8)));

/*
 * Value of the "threads" map (key: thread id). Userspace reads depth at the
 * stop: an entry it still holds at a depth below it is a call still running;
 * at or above it, the call returned and its return record was lost.
 */
struct ksnoop_thread_state {
	__u32 depth; /* traced calls in progress on this thread */
	__u32 pad;
	__u64 emitted;		       /* bit d: the call at depth d emitted an entry record */
	__u16 funcs[KSNOOP_MAX_DEPTH]; /* function id of the call at each depth */
	/*
	 * bpf_ktime_get_ns() at the entry of the call at each depth: what a
	 * return needs to know how long its call took (latency filters,
	 * aggregation) without an entry record.
	 */
	__u64 entry_ns[KSNOOP_MAX_DEPTH];
	/* -s: chain level + 1 of the call at each depth if it opened its level, else 0 */
	__u8 chain_lvl[KSNOOP_MAX_DEPTH];
	/* -s: calls in progress on this thread per chain level */
	__u8 chain_open[KSNOOP_MAX_CHAIN];
};

/* Per-CPU counters in the "stats" map. */
enum ksnoop_stat {
	KSNOOP_STAT_LOST,      /* ring buffer full: record dropped */
	KSNOOP_STAT_DEEP,      /* nesting deeper than KSNOOP_MAX_DEPTH */
	KSNOOP_STAT_NOPLAN,    /* fired for a function with no plan (should not happen) */
	KSNOOP_STAT_NESTED,    /* run nested in another on the same CPU: records dropped */
	KSNOOP_STAT_KEYS_FULL, /* --count-by: a call not counted, the key map was full */
	KSNOOP_STAT_MAX,
};

/*
 * Why the BPF program dropped records, the second index of the per-function
 * "lost" map (key = function id * KSNOOP_LOST_REASONS + reason). Kernel
 * recursion misses are not here: the kernel counts them per program.
 */
enum ksnoop_lost_reason {
	KSNOOP_LOST_RINGBUF, /* bpf_ringbuf_output() failed: the ring buffer is full */
	KSNOOP_LOST_NESTED,  /* this CPU's scratch record was in use by the run we interrupted */
	KSNOOP_LOST_REASONS,
};

/*
 * Aggregation: with agg_mode set (rodata), the BPF program counts each call
 * into per-CPU maps instead of sending records (no ring-buffer record per
 * call); userspace sums the CPUs (src/agg.c).
 */
enum ksnoop_agg_mode {
	KSNOOP_AGG_NONE = 0,  /* records through the ring buffer */
	KSNOOP_AGG_STATS = 1, /* --stats: struct ksnoop_agg per function in "aggs" */
	KSNOOP_AGG_HIST = 2,  /* --hist: a histogram per function in "hist" */
	KSNOOP_AGG_COUNT = 3, /* --count-by: a count per (function, key) in "counts" */
};

/*
 * The settings the stubs test on every run, one bit each of the .rodata word
 * stub.bits (set by src/attach.c stub_bits_of() before load; the ones named
 * below are settings the rest of the program reads too). The verifier knows
 * each bit and removes the branches a bit decides, but it keeps every read
 * of a setting: the stubs read this word once, where each setting was a
 * read of its own.
 */
enum ksnoop_stub_bit {
	KSNOOP_SB_CHAIN = 1 << 0,      /* chain_mode */
	KSNOOP_SB_TASK = 1 << 1,       /* a filter on the calling task (-p, --tid, -c, --cgroup) */
	KSNOOP_SB_GATE = 1 << 2,       /* thread_gate */
	KSNOOP_SB_ENTRY_ONLY = 1 << 3, /* entry_only */
	KSNOOP_SB_PRED_TYPED = 1 << 4, /* the fentry stub decides stub.pred by direct loads */
	KSNOOP_SB_PRED_STR = 1 << 5,   /* ... on a string (KSNOOP_I_SPRED) */
	KSNOOP_SB_PRED_NE = 1 << 6,    /* ... whose test is != */
	KSNOOP_SB_AGG_LEAN = 1 << 7,   /* agg_lean */
	/* how the function id is found (the fentry stubs ask only when they need it) */
	KSNOOP_SB_ONE_FUNC = 1 << 8, /* one function traced: its id is 0 */
	KSNOOP_SB_COOKIE = 1 << 9,   /* use_cookie, several functions */
	/*
	 * Refinements the fentry stub has cases for (the others ignore them):
	 * the task filter is one -c NAME (no glob, no other task filter) read
	 * in place (task_comm_off); the typed predicate's item is one pointer
	 * step from argument 0 (arg->ptr->member).
	 */
	KSNOOP_SB_COMM1 = 1 << 10,
	KSNOOP_SB_PRED_STEP1 = 1 << 11,
	/*
	 * With returns, no session cookie: the fentry stub pairs a call's entry
	 * and return by its trampoline frame (bpf/fentry.bpf.c): agg_lean's
	 * count, or KSNOOP_SB_REC_LEAN's one record per call.
	 */
	KSNOOP_SB_FRAME = 1 << 12,
	/* the fentry stub builds the records itself (struct ksnoop_rec_lean) */
	KSNOOP_SB_REC_LEAN = 1 << 13,
};

/*
 * The fentry stub's cases: a program of their own for each common value of
 * stub.bits (bpf/fentry.bpf.c), in which clang folds every test of a setting;
 * userspace loads the one of the bits it set (src/attach.c), the generic
 * program (ksnoop_entry, ...) where none is. One program of all the cases
 * behind a switch on stub.bits cost the same per run, but 7.x verifiers
 * analyse every case before they remove the ones the bits rule out: 0.3-0.6 s
 * per program under TCG, for a case of 500 instructions.
 *
 * X(NAME, BITS, ANY_ID): the programs ksnoop_entry_NAME, ksnoop_exit_NAME,
 * ksnoop_entry_multi_NAME and ksnoop_exit_multi_NAME, for stub.bits BITS. With
 * ANY_ID, BITS lack the bits of how the function id is found
 * (KSNOOP_SB_ID_BITS), which the program reads when it needs the id: one
 * case for each of the three ways, where the cases of the lean paths, which
 * ask for the id on every run, have a program per way.
 */
#define KSNOOP_SB_ID_BITS (KSNOOP_SB_ONE_FUNC | KSNOOP_SB_COOKIE)
#define KSNOOP_STUB_CASES_ID(X, name, bits)                                                        \
	X(name##_1, (bits) | KSNOOP_SB_ONE_FUNC, 0)                                                \
	X(name##_c, (bits) | KSNOOP_SB_COOKIE, 0)                                                  \
	X(name##_a, (bits), 0)
/* a typed predicate's case: any item, and one step from argument 0 */
#define KSNOOP_STUB_CASES_PRED(X, name, bits)                                                      \
	X(name, (bits), 1)                                                                         \
	X(name##_s1, (bits) | KSNOOP_SB_PRED_STEP1, 1)
#define KSNOOP_SB_STR (KSNOOP_SB_PRED_TYPED | KSNOOP_SB_PRED_STR)
#define KSNOOP_STUB_CASES(X)                                                                       \
	/* with returns, the lean counting path pairs by frame (not: KSNOOP_FRAME_SLOTS=0) */      \
	KSNOOP_STUB_CASES_ID(X, agg_fr, KSNOOP_SB_AGG_LEAN | KSNOOP_SB_FRAME)                      \
	KSNOOP_STUB_CASES_ID(X, agg_en, KSNOOP_SB_AGG_LEAN | KSNOOP_SB_ENTRY_ONLY)                 \
	/* a plain trace: one record per call by frame (not: KSNOOP_FRAME_SLOTS=0), or two */      \
	KSNOOP_STUB_CASES_ID(X, rec_fr, KSNOOP_SB_REC_LEAN | KSNOOP_SB_FRAME)                      \
	KSNOOP_STUB_CASES_ID(X, rec, KSNOOP_SB_REC_LEAN)                                           \
	KSNOOP_STUB_CASES_ID(X, rec_en, KSNOOP_SB_REC_LEAN | KSNOOP_SB_ENTRY_ONLY)                 \
	/* -c NAME (or another task filter) on a plain trace: the id read where needed */          \
	X(rec_comm_fr,                                                                             \
	  KSNOOP_SB_REC_LEAN | KSNOOP_SB_TASK | KSNOOP_SB_COMM1 | KSNOOP_SB_GATE |                 \
		  KSNOOP_SB_FRAME,                                                                 \
	  1)                                                                                       \
	X(rec_task_fr, KSNOOP_SB_REC_LEAN | KSNOOP_SB_TASK | KSNOOP_SB_GATE | KSNOOP_SB_FRAME, 1)  \
	X(rec_comm, KSNOOP_SB_REC_LEAN | KSNOOP_SB_TASK | KSNOOP_SB_COMM1 | KSNOOP_SB_GATE, 1)     \
	X(rec_comm_en,                                                                             \
	  KSNOOP_SB_REC_LEAN | KSNOOP_SB_TASK | KSNOOP_SB_COMM1 | KSNOOP_SB_ENTRY_ONLY, 1)         \
	X(rec_task, KSNOOP_SB_REC_LEAN | KSNOOP_SB_TASK | KSNOOP_SB_GATE, 1)                       \
	X(rec_task_en, KSNOOP_SB_REC_LEAN | KSNOOP_SB_TASK | KSNOOP_SB_ENTRY_ONLY, 1)              \
	X(plain, 0, 1)                                                                             \
	X(en, KSNOOP_SB_ENTRY_ONLY, 1)                                                             \
	X(task_gate, KSNOOP_SB_TASK | KSNOOP_SB_GATE, 1)                                           \
	X(task_en, KSNOOP_SB_TASK | KSNOOP_SB_ENTRY_ONLY, 1)                                       \
	X(task, KSNOOP_SB_TASK, 1)                                                                 \
	X(comm_gate, KSNOOP_SB_TASK | KSNOOP_SB_COMM1 | KSNOOP_SB_GATE, 1)                         \
	X(comm_en, KSNOOP_SB_TASK | KSNOOP_SB_COMM1 | KSNOOP_SB_ENTRY_ONLY, 1)                     \
	X(comm, KSNOOP_SB_TASK | KSNOOP_SB_COMM1, 1)                                               \
	X(chain_gate, KSNOOP_SB_CHAIN | KSNOOP_SB_GATE, 1)                                         \
	KSNOOP_STUB_CASES_PRED(X, pred_gate, KSNOOP_SB_PRED_TYPED | KSNOOP_SB_GATE)                \
	KSNOOP_STUB_CASES_PRED(X, pred_en, KSNOOP_SB_PRED_TYPED | KSNOOP_SB_ENTRY_ONLY)            \
	KSNOOP_STUB_CASES_PRED(X, str_gate, KSNOOP_SB_STR | KSNOOP_SB_GATE)                        \
	KSNOOP_STUB_CASES_PRED(X, str_en, KSNOOP_SB_STR | KSNOOP_SB_ENTRY_ONLY)                    \
	KSNOOP_STUB_CASES_PRED(X, strne_gate, KSNOOP_SB_STR | KSNOOP_SB_PRED_NE | KSNOOP_SB_GATE)  \
	KSNOOP_STUB_CASES_PRED(X, strne_en,                                                        \
			       KSNOOP_SB_STR | KSNOOP_SB_PRED_NE | KSNOOP_SB_ENTRY_ONLY)

/* Latency histogram layout of struct ksnoop_agg: log2-linear (include/bucket.h). */
#define KSNOOP_AGG_BUCKETS KSNOOP_LOG2LIN_BUCKETS

/*
 * Value of the per-CPU "aggs" array (key: function id). A call is counted
 * once: at its return, or at entry when no return is traced (--entry, nested
 * deeper than KSNOOP_MAX_DEPTH). Calls that predicates reject are not
 * counted. Counters are added atomically, so a run nested on the same CPU
 * (an interrupt) loses nothing.
 */
struct ksnoop_agg {
	__u64 calls;
	__u64 errors; /* returns that are errors per the plan's KSNOOP_P_ERR_* */
	/*
	 * Calls with a latency (returned calls): the buckets' sum, made by
	 * userspace (agg_sum_cpus()), which spares the program an add a call.
	 */
	__u64 lat_count;
	__u64 lat_sum; /* ns */
	__u64 lat_max; /* ns, over the whole run */
	/*
	 * Largest latency of the calls counted while the .bss agg_epoch was
	 * imax_epoch: the maximum of an interval (userspace bumps the epoch).
	 */
	__u64 imax;
	__u64 imax_epoch;
	__u64 buckets[KSNOOP_AGG_BUCKETS]; /* latency ns, ksnoop_bucket_log2lin() */
};

/*
 * --hist and --count-by count a value per call: the plan's item 0 (captured
 * in its phase: the plan's KSNOOP_P_ENTRY_PRED or KSNOOP_P_EXIT_PRED says to
 * capture it), the call's duration or the task's comm; the other items are
 * predicates. --hist counts into the "hist" per-CPU array (key = function id
 * * nslots + slot, the slots of include/ksnoop_hist.h), --count-by into the
 * "counts" per-CPU hash (struct ksnoop_count_key).
 */
enum ksnoop_agg_src {
	KSNOOP_SRC_ITEM,     /* the value of the plan's item 0 */
	KSNOOP_SRC_DURATION, /* the call's duration in ns (counted at the return) */
	KSNOOP_SRC_COMM,     /* the task's comm */
	/*
	 * The call site the traced function was called from: the kernel stack
	 * frame after the function's own (its plan's text_addr/text_size), as an
	 * 8-byte return address; KSNOOP_V_UNREADABLE if the stack's first
	 * KSNOOP_CALLER_FRAMES frames do not hold the function's.
	 */
	KSNOOP_SRC_CALLER,
};

/*
 * --count-by caller: frames of the stack read at entry. Backends put 0 to 9
 * frames of their own (BPF program, trampoline, kprobe handlers) above the
 * traced function's.
 */
#define KSNOOP_CALLER_FRAMES 16

/* The "agg_conf" of the BPF program's .bss, set before load. */
struct ksnoop_agg_conf {
	__u8 src;	/* enum ksnoop_agg_src */
	__u8 linear;	/* --hist: linear buckets of @step from @min, else log2 */
	__u16 key_len;	/* --count-by: bytes of data the "counts" keys hold (count_key_len()) */
	__u32 nslots;	/* --hist: slots per function, the last one for unreadable values */
	__s64 min;	/* linear: lower bound of the first bucket */
	__u64 step;	/* linear: bucket width (> 0) */
	__u64 nbuckets; /* linear: buckets between MIN and MAX */
};

#define KSNOOP_KEY_MAX 64 /* bytes of a --count-by key value */

/*
 * A --count-by key. The "counts" map's keys are its first
 * offsetof(data) + agg_conf.key_len bytes: the kernel hashes and compares no
 * more than the longest value can fill (24 bytes for a comm, not 72).
 */
struct ksnoop_count_key {
	__u32 func;
	__u16 len;  /* bytes of data used */
	__u8 flags; /* KSNOOP_V_UNREADABLE: the value could not be read */
	__u8 pad;
	__u8 data[KSNOOP_KEY_MAX];
} __attribute__((aligned(8)));

/* Scratch space per CPU where a record is built before ring buffer output. */
#define KSNOOP_SCRATCH (1 << 16)

#endif /* __KSNOOP_H */
