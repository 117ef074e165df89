// SPDX-License-Identifier: GPL-2.0
/*
 * The fentry stub's cases (include/ksnoop.h KSNOOP_STUB_CASES()): which one
 * src/attach.c tracer_stub_case() loads for stub bits, and that the BPF object
 * has the four programs of each (opened, not loaded: no privilege needed).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "ksnoop.h"
#include "ksnoop.skel.h"
#include "test.h"

/* Each case is the one of its bits, with each way of finding the id where it reads it. */
TEST(stub_case_of_its_bits)
{
	static const __u32 ids[] = {0, KSNOOP_SB_ONE_FUNC, KSNOOP_SB_COOKIE};
	size_t i, k;

	for (i = 0; i < tracer_nstub_cases; i++) {
		ASSERT_STREQ(tracer_stub_case(tracer_stub_cases[i].bits), tracer_stub_cases[i].name,
			     "its own bits");
		for (k = 0; tracer_stub_cases[i].any_id && k < 3; k++)
			ASSERT_STREQ(tracer_stub_case(tracer_stub_cases[i].bits | ids[k]),
				     tracer_stub_cases[i].name, "any id");
	}
}

/* No case for settings that have none: the generic programs run them. */
TEST(stub_case_none)
{
	ASSERT_TRUE(!tracer_stub_case(KSNOOP_SB_CHAIN), "-s without the gate");
	ASSERT_TRUE(!tracer_stub_case(KSNOOP_SB_AGG_LEAN | KSNOOP_SB_TASK), "counting by task");
	ASSERT_TRUE(!tracer_stub_case(KSNOOP_SB_REC_LEAN | KSNOOP_SB_CHAIN | KSNOOP_SB_ONE_FUNC),
		    "lean records, -s");
	ASSERT_TRUE(!tracer_stub_case(KSNOOP_SB_PRED_TYPED), "a typed predicate, no gate");
}

/* The lean paths' cases know the id's bits: a program per way. */
TEST(stub_case_exact_id)
{
	ASSERT_STREQ(tracer_stub_case(KSNOOP_SB_REC_LEAN | KSNOOP_SB_ONE_FUNC), "rec_1", "one");
	ASSERT_STREQ(tracer_stub_case(KSNOOP_SB_REC_LEAN | KSNOOP_SB_COOKIE), "rec_c", "cookie");
	ASSERT_STREQ(tracer_stub_case(KSNOOP_SB_REC_LEAN), "rec_a", "address");
	ASSERT_STREQ(tracer_stub_case(KSNOOP_SB_TASK | KSNOOP_SB_COOKIE), "task", "any id");
	ASSERT_STREQ(tracer_stub_case(KSNOOP_SB_REC_LEAN | KSNOOP_SB_TASK | KSNOOP_SB_COMM1 |
				      KSNOOP_SB_GATE | KSNOOP_SB_ONE_FUNC),
		     "rec_comm", "-c NAME, lean records");
	/* with returns paired by frame: one record per call */
	ASSERT_STREQ(tracer_stub_case(KSNOOP_SB_REC_LEAN | KSNOOP_SB_FRAME | KSNOOP_SB_COOKIE),
		     "rec_fr_c", "one record per call, cookie");
	ASSERT_STREQ(tracer_stub_case(KSNOOP_SB_REC_LEAN | KSNOOP_SB_TASK | KSNOOP_SB_COMM1 |
				      KSNOOP_SB_GATE | KSNOOP_SB_FRAME | KSNOOP_SB_COOKIE),
		     "rec_comm_fr", "-c NAME, one record per call");
	ASSERT_STREQ(tracer_stub_case(KSNOOP_SB_REC_LEAN | KSNOOP_SB_TASK | KSNOOP_SB_GATE |
				      KSNOOP_SB_FRAME),
		     "rec_task_fr", "a task filter, one record per call");
}

/* Every case has its programs in the object, under the names src/attach.c looks for. */
TEST(stub_case_programs)
{
	static const char *const generic[] = {"ksnoop_entry", "ksnoop_exit", "ksnoop_entry_multi",
					      "ksnoop_exit_multi"};
	struct ksnoop_bpf *skel = ksnoop_bpf__open();
	char name[64];
	size_t i, k;

	if (!ASSERT_TRUE(skel != NULL, "open the BPF object"))
		return;
	for (i = 0; i < tracer_nstub_cases; i++) {
		for (k = 0; k < 4; k++) {
			snprintf(name, sizeof(name), "%s_%s", generic[k],
				 tracer_stub_cases[i].name);
			if (!ASSERT_TRUE(bpf_object__find_program_by_name(skel->obj, name) != NULL,
					 name))
				break;
		}
	}
	ksnoop_bpf__destroy(skel);
}
