// SPDX-License-Identifier: GPL-2.0
/* The filters' settings for the BPF program (src/filter.c). */
#include "attach.h"
#include "filter.h"
#include "test.h"

/* task_filters: set by each filter on the calling task, and only by those. */
TEST(filter_task_any)
{
	struct tracer_opts o = {0};

	ASSERT_TRUE(!filter_task_any(&o), "no filter");
	o.filter.slower_than_ns = 1000;
	o.filter.errors = true;
	ASSERT_TRUE(!filter_task_any(&o), "--slower-than, --errors: decided at the return");
	o.tgid = 1;
	ASSERT_TRUE(filter_task_any(&o), "-p");
	o.tgid = 0;
	o.tid = 2;
	ASSERT_TRUE(filter_task_any(&o), "--tid");
	o.tid = 0;
	o.filter.ncomms = 1;
	ASSERT_TRUE(filter_task_any(&o), "-c");
	o.filter.ncomms = 0;
	o.filter.cgroup_fd = 3;
	ASSERT_TRUE(filter_task_any(&o), "--cgroup");
}
