#!/bin/sh
# `make demo`: what runs inside the VM. Edit the lines below to demo something else.
SPEC='ip_send_skb(skb->len, return)'
WORKLOAD='udpsend 5 100 9999 200000'	# 5 datagrams of 100 bytes, 0.2 s apart
SECS=120				# at most; ksnoop gets Ctrl-C (SIGINT) after the workload

echo "\$ ksnoop trace '$SPEC'      # while: $WORKLOAD"
# The workload goes in the background, ksnoop in the foreground: a non-interactive shell
# starts background commands with SIGINT ignored, so a background ksnoop could not be
# stopped with it. Attaching takes seconds under TCG (more on a busy host): the workload
# starts once ksnoop says "attached", and ksnoop is stopped a second after it.
# ksnoop's output goes through tee, which shows it and keeps it to look for that line.
rm -f /tmp/demo.out /tmp/demo.pid /tmp/demo.rc
(
	until grep -q attached /tmp/demo.out 2>/dev/null; do
		[ -s /tmp/demo.rc ] && exit 0	# ksnoop ended without attaching
		sleep 0.1
	done
	$WORKLOAD
	sleep 1
	kill -INT "$(cat /tmp/demo.pid)"
) &
# busybox timeout execs ksnoop: the pid this sh writes is ksnoop's.
{ sh -c 'echo $$ >/tmp/demo.pid; exec timeout -s INT "$@"' sh $SECS ksnoop trace "$SPEC"
  echo $? >/tmp/demo.rc; } 2>&1 | tee /tmp/demo.out
wait
rc=$(cat /tmp/demo.rc)
# 130 = ended by a SIGINT before ksnoop's handler was in place; a clean exit on SIGINT is 0.
[ "$rc" = 130 ] && rc=0
exit "$rc"
