/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hidden helper behind shell completion (completion/ksnoop.bash):
 *
 *   ksnoop __complete [--commands] WORD
 *
 * prints, one per line, every word WORD can be completed to: long options
 * when WORD starts with '-', else function names from the running kernel's
 * BTF ("tcp_se" -> "tcp_sendmsg", ...; "MODULE:FUNC" through that module's
 * BTF) and with --commands the command words too; inside "FUNC(" the same
 * WORD ending in an argument, "return" or a member ("ip_send_skb(skb->l" ->
 * "ip_send_skb(skb->len", ...). Nothing when nothing fits; exit 0 unless the
 * kernel's BTF cannot be read.
 */
#ifndef __KSNOOP_COMPLETE_H
#define __KSNOOP_COMPLETE_H

#include <getopt.h>

/* @opts: the long options, @commands: NULL-terminated command words. */
int cmd_complete(int argc, char **argv, const struct option *opts, const char *const *commands);

#endif /* __KSNOOP_COMPLETE_H */
