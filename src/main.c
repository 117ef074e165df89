// SPDX-License-Identifier: GPL-2.0
/*
 * ksnoop: trace kernel function arguments, members and return values,
 * formatted from the kernel's BTF.
 *
 * The pipeline: CLI (this file) -> parse.c (SPEC -> AST) -> kbtf.c + resolve.c
 * (AST -> capture plan, against kernel BTF) -> attach.c (load the one BPF
 * program, attach) -> trace.c (ring buffer, pairing) -> output.c (text, JSON)
 * with format.c rendering values from BTF.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "backend.h"
#include "kfeatures.h"
#include "trace.h"
#include "util.h"

static const char usage_text[] =
	"Usage: ksnoop [OPTIONS] [trace] SPEC [SPEC...]\n"
	"       ksnoop [OPTIONS] info SPEC [SPEC...]\n"
	"       ksnoop features\n"
	"\n"
	"Trace kernel function calls: arguments, struct members and return values,\n"
	"formatted from the kernel's BTF.\n"
	"\n"
	"SPEC:   FUNC | FUNC(ITEM[, ITEM...])     FUNC may be a glob ('tcp_*') or MODULE:FUNC\n"
	"ITEM:   EXPR [OP VALUE]                  OP: == != < <= > >=   VALUE: integer, enum name, NULL\n"
	"EXPR:   arg | return | EXPR->member | EXPR.member | EXPR[index] | *EXPR\n"
	"\n"
	"Commands:\n"
	"  trace         trace calls (the default)\n"
	"  info          print the prototypes of the functions a SPEC names\n"
	"  features      print which features and backends this kernel has (-j: JSON)\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID          trace only process PID (thread group id)\n"
	"      --tid TID          trace only thread TID\n"
	"  -n, --count N          exit after N calls have been shown\n"
	"      --duration SECS    exit after SECS seconds\n"
	"  -P, --pages N          ring buffer size in pages, a power of 2 (default 256)\n"
	"      --entry            show calls at entry only, no return values (cheapest)\n"
	"      --kernel-format    let the kernel format values (bpf_snprintf_btf); slower\n"
	"      --format-check     format in the kernel and in ksnoop, report differences\n"
	"  -j, --json             JSON Lines output, one object per call\n"
	"  -x, --exclude GLOB     leave out functions matching GLOB (repeatable)\n"
	"      --string-size N    bytes read for char * strings (default 256, max 2048)\n"
	"      --btf FILE         resolve against the BTF in FILE (info only)\n"
	"      --backend NAME     how to attach: auto (default), fentry (a program per\n"
	"                         function), fentry-multi (one link; Linux 7.0+),\n"
	"                         kprobe-multi (one kprobe.multi link; 5.18+, FPROBE) or\n"
	"                         kprobe (a perf kprobe per function; any kernel)\n"
	"  -s, --stack            reserved for the call-chain mode (not available yet)\n"
	"  -v, --verbose          more detail (-v skipped functions, types; -vv resolved plans)\n"
	"  -d, --debug            libbpf and verifier logs\n"
	"  -V, --version          print the version\n"
	"  -h, --help             this help\n"
	"\n"
	"Examples:\n"
	"  ksnoop info ip_send_skb\n"
	"  ksnoop \"ip_send_skb(skb->len, skb->sk, return)\"\n"
	"  ksnoop -n 10 \"ip_send_skb(skb->len > 100)\"\n"
	"  ksnoop -p 1234 --entry \"tcp_sendmsg(size)\"\n"
	"  ksnoop 'tcp_*' -x 'tcp_v6_*'\n"
	"  ksnoop -j \"ip_send_skb(skb)\" | jq .args.skb.len\n"
	"\n"
	"Exit status: 0 ok, 1 runtime failure, 2 usage or syntax error, 3 SPEC does not fit\n"
	"the kernel, 4 missing privilege, 5 kernel lacks a needed feature.\n";

enum {
	OPT_TID = 256,
	OPT_DURATION,
	OPT_ENTRY,
	OPT_KFORMAT,
	OPT_FCHECK,
	OPT_BTF,
	OPT_STRSIZE,
	OPT_BACKEND,
};

static const struct option long_opts[] = {{"pid", required_argument, NULL, 'p'},
					  {"tid", required_argument, NULL, OPT_TID},
					  {"count", required_argument, NULL, 'n'},
					  {"duration", required_argument, NULL, OPT_DURATION},
					  {"pages", required_argument, NULL, 'P'},
					  {"entry", no_argument, NULL, OPT_ENTRY},
					  {"kernel-format", no_argument, NULL, OPT_KFORMAT},
					  {"format-check", no_argument, NULL, OPT_FCHECK},
					  {"json", no_argument, NULL, 'j'},
					  {"exclude", required_argument, NULL, 'x'},
					  {"string-size", required_argument, NULL, OPT_STRSIZE},
					  {"btf", required_argument, NULL, OPT_BTF},
					  {"backend", required_argument, NULL, OPT_BACKEND},
					  {"stack", no_argument, NULL, 's'},
					  {"verbose", no_argument, NULL, 'v'},
					  {"debug", no_argument, NULL, 'd'},
					  {"version", no_argument, NULL, 'V'},
					  {"help", no_argument, NULL, 'h'},
					  {}};

/* Range-checked unsigned number; prints the error naming the option. */
static int parse_num(const char *opt, const char *s, unsigned long long min, unsigned long long max,
		     unsigned long long *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		pr_error_hint("see 'ksnoop --help'",
			      "invalid value '%s' for %s (expected %llu..%llu)", s, opt, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/*
 * libbpf's own messages: warnings with -v, everything with -d. Set before any
 * libbpf call (BTF loading, probes), so that a failure is reported once, by us.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (verbosity >= 3 || (verbosity >= 1 && level == LIBBPF_WARN))
		return vfprintf(stderr, fmt, args);
	return 0;
}

int main(int argc, char **argv)
{
	struct trace_opts o = {};
	const char *btf_path = NULL, *cmd = "trace";
	unsigned long long v;
	struct spec *specs = NULL;
	int c, i, nspecs = 0, err = 0, first;
	struct kbtf k = {};

	libbpf_set_print(libbpf_print);
	/* getopt's own messages would add a second, unprefixed line (not JSON with -j) */
	opterr = 0;
	/*
	 * Options may follow the command and SPECs ("ksnoop info -v f", "ksnoop
	 * 'tcp_*' -x 'tcp_v6_*'"): GNU getopt moves them first. A SPEC never
	 * starts with '-'.
	 */
	while ((c = getopt_long(argc, argv, ":p:n:P:jx:svdVh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
		case OPT_TID:
			if (parse_num(c == 'p' ? "--pid" : "--tid", optarg, 1, INT_MAX, &v))
				return EXIT_USAGE;
			if (c == 'p')
				o.t.tgid = v;
			else
				o.t.tid = v;
			break;
		case 'n':
			if (parse_num("--count", optarg, 1, ULLONG_MAX, &v))
				return EXIT_USAGE;
			o.max_events = v;
			break;
		case OPT_DURATION: {
			char *end;

			errno = 0;
			o.duration = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o.duration > 0) ||
			    o.duration > 1e9) {
				pr_error_hint(
					"see 'ksnoop --help'",
					"invalid value '%s' for --duration (expected seconds > 0)",
					optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'P':
			if (parse_num("--pages", optarg, 1, 1 << 18, &v))
				return EXIT_USAGE;
			if (v & (v - 1)) {
				pr_error_hint("e.g. -P 64 or -P 1024",
					      "invalid value '%s' for --pages: not a power of 2",
					      optarg);
				return EXIT_USAGE;
			}
			o.t.pages = v;
			break;
		case 'j':
			o.json = true;
			json_errors = true;
			break;
		case 'x': {
			char **p;

			if (!*optarg) {
				pr_error_hint(
					"-x takes a function name or glob, e.g. -x 'tcp_v6_*'",
					"invalid value '' for --exclude");
				return EXIT_USAGE;
			}
			p = realloc(o.excludes, (o.nexcludes + 1) * sizeof(*p));
			if (!p)
				return EXIT_FAIL;
			o.excludes = p;
			o.excludes[o.nexcludes++] = optarg;
			break;
		}
		case OPT_STRSIZE:
			if (parse_num("--string-size", optarg, 1, KSNOOP_MAX_VALUE, &v))
				return EXIT_USAGE;
			o.string_size = v;
			break;
		case OPT_ENTRY:
			o.t.entry_only = true;
			break;
		case OPT_KFORMAT:
			o.t.kernel_format = true;
			break;
		case OPT_FCHECK:
			o.t.format_check = true;
			break;
		case OPT_BTF:
			btf_path = optarg;
			break;
		case OPT_BACKEND:
			if (strcmp(optarg, "auto") && !backend_find(optarg)) {
				char names[256] = "choose auto";

				for (i = 0; backends[i]; i++)
					snprintf(names + strlen(names),
						 sizeof(names) - strlen(names), ", %s",
						 backends[i]->name);
				pr_error_hint(names, "invalid value '%s' for --backend", optarg);
				return EXIT_USAGE;
			}
			o.backend = optarg;
			break;
		case 's':
			pr_error_hint(
				"trace without -s; the call-chain mode is planned",
				"-s/--stack is reserved for the call-chain mode, which is not available yet");
			return EXIT_USAGE;
		case 'v':
			verbosity++;
			break;
		case 'd':
			verbosity = 3;
			break;
		case 'V':
			printf("ksnoop %s (%s)\n", KSNOOP_VERSION, KSNOOP_GIT_REV);
			return EXIT_OK;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case ':': /* a missing value */
			if (!strncmp(argv[optind - 1], "--", 2))
				pr_error_hint("see 'ksnoop --help'", "option '%s' needs a value",
					      argv[optind - 1]);
			else
				pr_error_hint("see 'ksnoop --help'", "option '-%c' needs a value",
					      optopt);
			return EXIT_USAGE;
		default:
			/* a short option may sit in a cluster ("-vZ"): name the letter */
			if (!strncmp(argv[optind - 1], "--", 2))
				pr_error_hint("see 'ksnoop --help'", "invalid option '%s'",
					      argv[optind - 1]);
			else
				pr_error_hint("see 'ksnoop --help'", "invalid option '-%c'",
					      optopt);
			return EXIT_USAGE;
		}
	}
	/*
	 * Kernel-formatted values arrive as bpf_snprintf_btf() text, which the
	 * JSON writer cannot type: it would decode the text bytes as the value.
	 */
	if (o.json && (o.t.kernel_format || o.t.format_check)) {
		pr_error_hint(
			"drop -j, or drop --kernel-format/--format-check (JSON is formatted by ksnoop)",
			"%s works with text output only",
			o.t.format_check ? "--format-check" : "--kernel-format");
		return EXIT_USAGE;
	}
	first = optind;
	if (first < argc && (!strcmp(argv[first], "trace") || !strcmp(argv[first], "info") ||
			     !strcmp(argv[first], "features")))
		cmd = argv[first++];
	if (!strcmp(cmd, "features"))
		return cmd_features(o.json) ? (have_bpf_caps() ? EXIT_NOSUP : EXIT_PRIV) : EXIT_OK;
	/* A usage error, found before any BTF is read. */
	if (btf_path && strcmp(cmd, "info")) {
		pr_error_hint(
			"use --btf with 'info'; 'trace' reads the running kernel's BTF",
			"cannot trace with --btf: the BTF file need not describe this kernel");
		return EXIT_USAGE;
	}
	if (first >= argc) {
		pr_error_hint("e.g. ksnoop \"ip_send_skb(skb->len)\"; see 'ksnoop --help'",
			      "no SPEC given: name a function to %s", cmd);
		return EXIT_USAGE;
	}
	specs = calloc(argc - first, sizeof(*specs));
	if (!specs)
		return EXIT_FAIL;
	for (i = first; i < argc; i++) {
		struct parse_error perr;

		err = spec_parse(argv[i], &specs[nspecs], &perr);
		if (err == -EINVAL) {
			char buf[1024];

			parse_error_str(argv[i], &perr, buf, sizeof(buf));
			if (json_errors) {
				pr_error_hint("see 'ksnoop --help' for the SPEC grammar", "%s",
					      strtok(buf, "\n"));
			} else {
				fprintf(stderr, "ksnoop: %s", buf);
				fprintf(stderr,
					"  hint: see 'ksnoop --help' for the SPEC grammar\n");
			}
			err = EXIT_USAGE;
			goto out;
		} else if (err) {
			pr_error("cannot parse '%s': %s", argv[i], strerror(-err));
			err = EXIT_FAIL;
			goto out;
		}
		nspecs++;
	}

	err = kbtf_load(&k, btf_path);
	if (err) {
		if (btf_path) {
			char why[128];

			/* libbpf's own codes (e.g. not an ELF file) are beyond strerror() */
			libbpf_strerror(err, why, sizeof(why));
			pr_error_hint(
				"give a file with a .BTF section or raw BTF (e.g. /sys/kernel/btf/vmlinux)",
				"cannot read BTF from '%s': %s", btf_path, why);
			/* a bad --btf FILE is the user's input, not a kernel without BTF */
			err = EXIT_USAGE;
			goto out;
		}
		pr_error_hint("ksnoop needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
			      "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s",
			      strerror(-err));
		err = EXIT_NOSUP;
		goto out;
	}
	o.info = !strcmp(cmd, "info");
	if (o.info)
		err = cmd_info(&k, specs, nspecs, &o);
	else
		err = cmd_trace(&k, specs, nspecs, &o);
	err = exit_code(err);
out:
	for (i = 0; i < nspecs; i++)
		spec_free(&specs[i]);
	free(specs);
	free(o.excludes);
	kbtf_free(&k);
	return err;
}
