#!/bin/sh
# `make demo`: what runs inside the VM. Edit the lines below to demo something else.
SPEC='ip_send_skb(skb->len, return)'
WORKLOAD='udpsend 5 100 9999 200000'	# 5 datagrams of 100 bytes, 0.2 s apart
SECS=8					# then ksnoop gets Ctrl-C (SIGINT)

echo "\$ ksnoop trace '$SPEC'      # while: $WORKLOAD"
# The workload goes in the background, ksnoop in the foreground: a non-interactive shell
# starts background commands with SIGINT ignored, so a background ksnoop could not be
# stopped with it. ksnoop needs a moment to attach under TCG, hence the sleep.
(sleep 3; $WORKLOAD) &
timeout -s INT $SECS ksnoop trace "$SPEC"
rc=$?
wait
# 130 = ended by the SIGINT that stops this demo; a clean exit on SIGINT is 0.
[ $rc = 130 ] && rc=0
exit $rc
