/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of stage 3's teardown: removing hundreds of per-function links takes the
 * kernel a trampoline update each (79-90 s for 372 tcp_* functions under TCG on
 * 6.12), which the user should not wait for once the summary is printed.
 */
#ifndef __KSNOOP_DETACH_H
#define __KSNOOP_DETACH_H

#include <stdbool.h>

#include "attach.h"

/*
 * Links from which detaching goes to a background process: at about 0.1 s a
 * link under TCG, fewer take under a second, and a multi link closes at once.
 */
#define DETACH_BG_LINKS 8

/*
 * If @t holds at least DETACH_BG_LINKS links, fork a child that holds them,
 * leaves the session, shows "ksnoop: detaching N functions" in ps, waits for
 * this process to exit, then closes links and programs (tracer_close()) and
 * exits. Returns true in the parent when the child took over: closing the
 * parent's copies is then quick. Call it with everything printed: stdout and
 * stderr are flushed first. False (detach here, as usual) if not worth it or
 * the fork failed.
 */
bool detach_in_background(struct tracer *t);

#endif /* __KSNOOP_DETACH_H */
