// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: SPEC parsing and resolution against the host kernel's BTF.
 *
 * Input: byte 0 picks the resolve options and a fallback function; the rest is
 * the SPEC (cut at the first NUL). A SPEC naming a vmlinux function is resolved
 * against it; one naming an unknown function, a module function or a glob is
 * resolved against the fallback, so that item expressions are exercised either
 * way. Successful plans are also dumped (tfunc_dump, as -vv does) and the
 * prototype printed. BTF is loaded once; without a readable
 * /sys/kernel/btf/vmlinux the harness exits with an error (nothing to fuzz).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf.h"
#include "parse.h"
#include "resolve.h"
#include "tlib.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct kbtf *kb;

/* Common functions with pointer, scalar, string and struct arguments. */
static const char *const fallback[] = {
	"ip_send_skb", "tcp_sendmsg",	   "do_sys_openat2", "vfs_read", "__netif_receive_skb_core",
	"tcp_v4_rcv",  "kfree_skb_reason", "do_nanosleep",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int err = tl_host_btf(&kb);

	if (err) {
		fprintf(stderr, "fuzz_resolve: cannot load the host's BTF: %d\n", err);
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resolve_opts opts = {};
	struct parse_error perr;
	struct resolve_err rerr;
	const struct kfunc *kf;
	struct strbuf sb;
	struct tfunc tf;
	struct spec spec;
	char *str;
	__u8 sel;

	if (!size)
		return 0;
	sel = data[0];
	opts.kernel_format = sel & 1;
	opts.entry_only = sel & 2;
	opts.string_size = (sel & 4) ? 1 + (sel >> 5) * 37 : 256;
	str = malloc(size);
	if (!str)
		return 0;
	memcpy(str, data + 1, size - 1);
	str[size - 1] = '\0';
	if (spec_parse(str, &spec, &perr)) {
		free(str);
		return 0;
	}
	kf = spec.is_glob || spec.module ? NULL : kbtf_find_func(kb, NULL, spec.func);
	if (!kf)
		kf = kbtf_find_func(kb, NULL, fallback[(sel >> 3) % 8]);
	if (kf && !resolve_func(kb, kf, &spec, &opts, &tf, &rerr)) {
		sb_init(&sb);
		tfunc_dump(&tf, &sb);
		sb_reset(&sb);
		func_prototype(kf->btf, kf->id, &sb);
		sb_free(&sb);
		tfunc_free(&tf);
	} else if (kf) {
		tfunc_free(&tf);
	}
	spec_free(&spec);
	free(str);
	return 0;
}
