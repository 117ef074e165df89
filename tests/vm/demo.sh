#!/bin/sh
# `make demo`: what runs inside the VM. Edit the two lines below to demo something else.
# ksnoop runs in the background while the workload runs, then gets Ctrl-C (SIGINT), as a
# user at a terminal would stop it.
SPEC='ip_send_skb(skb->len, return)'
WORKLOAD='udpsend 5 100 9999 200000'	# 5 datagrams of 100 bytes, 0.2 s apart

echo "\$ ksnoop trace '$SPEC' &    # then: $WORKLOAD"
ksnoop trace "$SPEC" &
pid=$!
sleep 3			# attaching takes a moment under TCG
$WORKLOAD
sleep 1			# let the last records drain
kill -INT $pid
wait $pid
rc=$?
# 130 = stopped by SIGINT, which is how this demo ends it.
[ $rc = 130 ] && rc=0
exit $rc
