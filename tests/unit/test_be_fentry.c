// SPDX-License-Identifier: GPL-2.0
/*
 * The fentry backend's func_info for the copies of a program whose dead
 * subprograms the kernel removed (src/be_fentry.c func_info_types()): each
 * subprogram's type found from the object's functions, the kernel's list
 * checked against it.
 */
#include <errno.h>
#include <linux/bpf.h>

#include "attach.h"
#include "test.h"

#define MOV(dst, k)                                                                                \
	((struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = dst, .imm = k})
#define ADD(dst, src)                                                                              \
	((struct bpf_insn){.code = BPF_ALU64 | BPF_ADD | BPF_X, .dst_reg = dst, .src_reg = src})
#define CALL(rel)                                                                                  \
	((struct bpf_insn){.code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_CALL, .imm = rel})
#define EXIT() ((struct bpf_insn){.code = BPF_JMP | BPF_EXIT})

/*
 * .text: a (2 insns, type 11) at 0, b (3, type 12) at 2, c (2, type 13) at 5.
 * The linked program: main (type 10), then c, a, b as libbpf appended them,
 * their constants relocated (other immediates than in .text).
 */
static const struct bpf_insn text[] = {
	MOV(0, 1), EXIT(),	      /* a */
	MOV(0, 2), ADD(0, 1), EXIT(), /* b */
	ADD(0, 2), EXIT(),	      /* c */
};
static const struct text_func funcs[] = {{0, 2, 11}, {2, 3, 12}, {5, 2, 13}};
static const struct bpf_insn prog[] = {
	CALL(3),   CALL(4),   CALL(5), EXIT(), /* main: calls c, a, b */
	ADD(0, 2), EXIT(),		       /* c at 4 */
	MOV(0, 7), EXIT(),		       /* a at 6 */
	MOV(0, 8), ADD(0, 1), EXIT(),	       /* b at 8 */
};
static const __u32 starts[] = {0, 4, 6, 8};

/* The kernel removed a and c: the copies still need all four records. */
TEST(func_info_dead_subprograms)
{
	const __u32 kept[] = {10, 12};
	__u32 types[4] = {0};

	if (!ASSERT_OK(func_info_types(prog, 11, starts, 4, text, funcs, 3, kept, 2, types),
		       "types"))
		return;
	ASSERT_EQ(types[0], 10, "main, the kernel's first");
	ASSERT_EQ(types[1], 13, "c");
	ASSERT_EQ(types[2], 11, "a");
	ASSERT_EQ(types[3], 12, "b");
}

/* Nothing removed: the same list as the kernel's. */
TEST(func_info_all_kept)
{
	const __u32 kept[] = {10, 13, 11, 12};
	__u32 types[4] = {0};

	ASSERT_OK(func_info_types(prog, 11, starts, 4, text, funcs, 3, kept, 4, types), "types");
	ASSERT_EQ(types[1], 13, "c");
}

/* A kernel list that is not ours minus some records, or code no function has, fails. */
TEST(func_info_mismatch)
{
	const __u32 wrong_order[] = {10, 12, 13};
	const struct text_func other[] = {{0, 2, 11}, {2, 3, 12}};
	const struct text_func twins[] = {{0, 2, 11}, {0, 2, 14}, {2, 3, 12}, {5, 2, 13}};
	__u32 types[4];

	ASSERT_EQ(func_info_types(prog, 11, starts, 4, text, funcs, 3, wrong_order, 3, types),
		  -EINVAL, "kernel's records out of order");
	ASSERT_EQ(func_info_types(prog, 11, starts, 4, text, other, 2, wrong_order, 1, types),
		  -ESRCH, "c is no function of .text");
	ASSERT_EQ(func_info_types(prog, 11, starts, 4, text, twins, 4, wrong_order, 1, types),
		  -ESRCH, "a matches two functions of different types");
}
