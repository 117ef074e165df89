/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hidden helper behind shell completion (completion/ksnoop.bash):
 *
 *   ksnoop __complete [WORD...] CUR
 *
 * WORDs are the command line's words before the one being completed (after
 * "ksnoop"), CUR the word under the cursor, up to it (may be empty). Prints,
 * one per line, every word CUR can become:
 *   - long options when CUR starts with '-';
 *   - the value of the option before (--color, --backend; "--color=al" too),
 *     or the single line "@file" when that value is a file name (-o, --btf);
 *   - the command words when no command or SPEC came before, and function
 *     names from the running kernel's BTF ("tcp_se" -> "tcp_sendmsg", ...;
 *     "MODULE:tcp_" through that module's BTF);
 *   - inside "FUNC(", CUR ending in an argument name, "return" or a member
 *     ("ip_send_skb(skb->l" -> "ip_send_skb(skb->len", ...).
 * Nothing when nothing fits. Exit status 0, or 1 if the BTF cannot be read.
 */
#ifndef __KSNOOP_COMPLETE_H
#define __KSNOOP_COMPLETE_H

#include <getopt.h>

/*
 * @opts: the long options, @shortopts: getopt's option string (which short
 * options take a value), @commands: NULL-terminated command words.
 */
int cmd_complete(int argc, char **argv, const struct option *opts, const char *shortopts,
		 const char *const *commands);

#endif /* __KSNOOP_COMPLETE_H */
