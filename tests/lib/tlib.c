// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "tlib.h"

#define VMLINUX "/sys/kernel/btf/vmlinux"

static struct kbtf host;
static int host_err = 1; /* 1: not tried yet */

__attribute__((destructor)) static void host_free(void)
{
	if (!host_err)
		kbtf_free(&host);
}

int tl_host_btf(const struct kbtf **k)
{
	if (host_err == 1)
		host_err = access(VMLINUX, R_OK) ? -ENOENT : kbtf_load(&host, NULL);
	*k = host_err ? NULL : &host;
	return host_err;
}

int tl_resolve(const struct kbtf *k, const char *str, const struct resolve_opts *opts,
	       struct tfunc *tf, struct resolve_err *err)
{
	static const struct resolve_opts defaults = {};
	struct parse_error perr;
	const struct kfunc *kf;
	struct spec spec;
	int ret;

	memset(tf, 0, sizeof(*tf));
	memset(err, 0, sizeof(*err));
	if (spec_parse(str, &spec, &perr)) {
		snprintf(err->msg, sizeof(err->msg), "spec_parse(\"%s\"): %s", str, perr.msg);
		return TL_UNRESOLVED;
	}
	kf = kbtf_find_func(k, NULL, spec.func);
	if (!kf) {
		snprintf(err->msg, sizeof(err->msg), "no function '%s' in the host's BTF",
			 spec.func);
		spec_free(&spec);
		return TL_UNRESOLVED;
	}
	ret = resolve_func(k, kf, &spec, opts ? opts : &defaults, tf, err);
	spec_free(&spec);
	return ret;
}

const char *tl_fmt(struct strbuf *sb, tl_fmt_fn fn, const struct btf *btf, int id, const void *data,
		   size_t len)
{
	int err;

	sb_reset(sb);
	err = fn(btf, id, data, len, sb);
	if (err) {
		sb_reset(sb);
		sb_printf(sb, "ERR %d", err);
	}
	return sb_str(sb);
}
