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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "backend.h"
#include "complete.h"
#include "kfeatures.h"
#include "output.h"
#include "trace.h"
#include "util.h"

static const char usage_text[] =
	"Usage: ksnoop [OPTIONS] [trace] SPEC [SPEC...]\n"
	"       ksnoop [OPTIONS] info SPEC [SPEC...]\n"
	"       ksnoop features\n"
	"       ksnoop help [COMMAND]\n"
	"\n"
	"Trace kernel function calls: arguments, struct members and return values,\n"
	"formatted from the kernel's BTF.\n"
	"\n"
	"SPEC:   FUNC | FUNC(ITEM[, ITEM...])     FUNC may be a glob ('tcp_*') or MODULE:FUNC\n"
	"ITEM:   EXPR [OP VALUE] | EXPR:str       OP: == != < <= > >=   VALUE: integer, enum name, NULL\n"
	"        (:str shows an unsigned char * or u8 * as the string it points to)\n"
	"EXPR:   arg | return | EXPR->member | EXPR.member | EXPR[index] | *EXPR\n"
	"\n"
	"Commands:\n"
	"  trace         trace calls (the default)\n"
	"  info          print the prototypes of the functions a SPEC names\n"
	"  features      print which features and backends this kernel has (-j: JSON)\n"
	"  help          this help, or a command's ('ksnoop help info')\n"
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
	"  -o, --output FILE      write the output to FILE, whole records per write\n"
	"                         (default: standard output)\n"
	"  -q, --quiet            no attach and summary lines on stderr (errors still shown)\n"
	"      --color WHEN       colour text output: auto (on a terminal, unless NO_COLOR\n"
	"                         is set; the default), always or never\n"
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
	"  ksnoop -j \"ip_send_skb(skb)\" | jq 'select(.type == \"call\") | .args.skb.len'\n"
	"\n"
	"Exit status: 0 ok, 1 runtime failure, 2 usage or syntax error, 3 SPEC does not fit\n"
	"the kernel, 4 missing privilege, 5 kernel lacks a needed feature.\n";

static const char short_opts[] = ":p:n:P:jo:qx:svdVh";

enum {
	OPT_TID = 256,
	OPT_DURATION,
	OPT_ENTRY,
	OPT_KFORMAT,
	OPT_FCHECK,
	OPT_BTF,
	OPT_STRSIZE,
	OPT_BACKEND,
	OPT_COLOR,
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
					  {"output", required_argument, NULL, 'o'},
					  {"quiet", no_argument, NULL, 'q'},
					  {"color", required_argument, NULL, OPT_COLOR},
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

/* The commands: name, usage, what it does, an example (ksnoop help COMMAND). */
static const struct command {
	const char *name, *usage, *what, *example;
} commands[] = {
	{"trace", "ksnoop [OPTIONS] [trace] SPEC [SPEC...]",
	 "Trace calls of the functions the SPECs name, printing the items of each call\n"
	 "until Ctrl-C, -n N calls or --duration SECS (the default command).",
	 "ksnoop \"ip_send_skb(skb->len, return)\""},
	{"info", "ksnoop [-v] [-j] [--btf FILE] info SPEC [SPEC...]",
	 "Print the prototypes of the functions the SPECs name and check their items;\n"
	 "-v adds the layout of each struct they take or return (printed once), -vv the\n"
	 "plans, -j prints JSON Lines. Needs BTF only, no privileges.",
	 "ksnoop info ip_send_skb 'tcp_v4_*'"},
	{"features", "ksnoop [-j] features",
	 "Print which BPF features and attach backends this kernel has, and whether\n"
	 "ksnoop can trace here (exit 5 if not, 4 without privilege); -j prints JSON.",
	 "ksnoop features"},
	{"help", "ksnoop help [COMMAND]", "Print the usage, or a command's.", "ksnoop help info"},
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/*
 * A word that is one or two edits from a command ("infoo", "featurs"), for
 * the hint that a SPEC naming no function was meant as a command.
 */
static const struct command *near_command(const char *word)
{
	size_t i;

	if (strlen(word) < 3 || strpbrk(word, "(:*?["))
		return NULL;
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (kbtf_edit_distance(word, commands[i].name, 2) <= 2)
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc > 1) {
		pr_error_hint("e.g. ksnoop help info", "help takes one command name");
		return EXIT_USAGE;
	}
	if (!argc) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	c = find_command(argv[0]);
	if (!c) {
		char hint[64];

		c = near_command(argv[0]);
		if (c)
			snprintf(hint, sizeof(hint), "did you mean 'ksnoop help %s'?", c->name);
		pr_error_hint(c ? hint : "the commands: trace, info, features, help",
			      "no command '%s'", argv[0]);
		return EXIT_USAGE;
	}
	printf("Usage: %s\n\n%s\n\nExample:\n  %s\n\nOptions and the SPEC grammar: ksnoop --help\n",
	       c->usage, c->what, c->example);
	return EXIT_OK;
}

/* What is still buffered for standard output, and any write that failed before. */
static int finish_output(const char *path, int code)
{
	int err = fflush(stdout) ? -errno : 0;

	if (!err && ferror(stdout))
		err = -EIO;
	if (!err || output_write_error(path, err) == -EPIPE)
		return code;
	/* the output is lost: that is the failure to report, whatever else happened */
	return EXIT_FAIL;
}

/* A SPEC's syntax error: the message, the SPEC with a caret under the place, a hint. */
static void report_syntax_error(const char *str, const struct parse_error *perr)
{
	char buf[1024];

	parse_error_str(str, perr, buf, sizeof(buf));
	if (json_errors) {
		pr_error_at(str, perr->pos, "see 'ksnoop --help' for the SPEC grammar", "%s",
			    strtok(buf, "\n"));
	} else {
		fprintf(stderr, "ksnoop: %s", buf);
		fprintf(stderr, "  hint: see 'ksnoop --help' for the SPEC grammar\n");
	}
}

/*
 * SPECs naming the same function (by the same name, not a glob) become one,
 * the first, with the items of each in order; an item given twice is a syntax
 * error, as within one SPEC. Returns 0 or an exit code.
 */
static int merge_same(struct spec *specs, int *nspecs)
{
	struct parse_error perr;
	struct spec merged;
	int i, j, err;

	for (i = 1; i < *nspecs; i++) {
		const struct spec *b = &specs[i];

		for (j = 0; j < i; j++) {
			const struct spec *a = &specs[j];

			if (a->is_glob || b->is_glob || strcmp(a->func, b->func) ||
			    !a->module != !b->module || (a->module && strcmp(a->module, b->module)))
				continue;
			err = spec_merge(a, b, a->module, a->func, false, &merged, &perr);
			if (err == -EINVAL) {
				report_syntax_error(b->text, &perr);
				return EXIT_USAGE;
			} else if (err) {
				pr_error("cannot merge '%s': %s", b->text, strerror(-err));
				return EXIT_FAIL;
			}
			spec_free(&specs[j]);
			specs[j] = merged;
			spec_free(&specs[i]);
			memmove(&specs[i], &specs[i + 1], (*nspecs - i - 1) * sizeof(*specs));
			(*nspecs)--;
			i--;
			break;
		}
	}
	return 0;
}

static int run(int argc, char **argv)
{
	struct trace_opts o = {.color = -1};
	const char *btf_path = NULL, *cmd = "trace";
	unsigned long long v;
	struct spec *specs = NULL;
	int c, i, nspecs = 0, err = 0, first;
	struct kbtf k = {};

	/* The shell completion's helper: hidden, its own small interface. */
	if (argc >= 2 && !strcmp(argv[1], "__complete")) {
		const char *names[ARRAY_SIZE(commands) + 1] = {};
		size_t n;

		for (n = 0; n < ARRAY_SIZE(commands); n++)
			names[n] = commands[n].name;
		return cmd_complete(argc - 2, argv + 2, long_opts, short_opts, names);
	}
	timing_mark("exec, dynamic loader");
	libbpf_set_print(libbpf_print);
	/*
	 * A reader that goes away (ksnoop ... | head) is seen as EPIPE where the
	 * output is written, and ends ksnoop quietly with the kernel cleaned up.
	 */
	signal(SIGPIPE, SIG_IGN);
	/* getopt's own messages would add a second, unprefixed line (not JSON with -j) */
	opterr = 0;
	/*
	 * Options may follow the command and SPECs ("ksnoop info -v f", "ksnoop
	 * 'tcp_*' -x 'tcp_v6_*'"): GNU getopt moves them first. A SPEC never
	 * starts with '-'.
	 */
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
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
		case 'o':
			if (!*optarg) {
				pr_error_hint("-o takes a file name, e.g. -o calls.txt",
					      "invalid value '' for --output");
				return EXIT_USAGE;
			}
			o.output = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case OPT_COLOR:
			if (!strcmp(optarg, "auto")) {
				o.color = -1;
			} else if (!strcmp(optarg, "always") || !strcmp(optarg, "never")) {
				o.color = optarg[0] == 'a';
			} else {
				pr_error_hint("choose auto, always or never",
					      "invalid value '%s' for --color", optarg);
				return EXIT_USAGE;
			}
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
	if (first < argc && find_command(argv[first]))
		cmd = argv[first++];
	if (!strcmp(cmd, "features")) {
		if (o.output && output_open(o.output))
			return EXIT_FAIL;
		return finish_output(o.output, cmd_features(o.json) ?
						       (have_bpf_caps() ? EXIT_NOSUP : EXIT_PRIV) :
						       EXIT_OK);
	}
	if (!strcmp(cmd, "help"))
		return cmd_help(argc - first, argv + first);
	/* A usage error, found before any BTF is read. */
	if (btf_path && strcmp(cmd, "info")) {
		pr_error_hint(
			"use --btf with 'info'; 'trace' reads the running kernel's BTF",
			"cannot trace with --btf: the BTF file need not describe this kernel");
		return EXIT_USAGE;
	}
	if (first >= argc) {
		pr_error_hint(!strcmp(cmd, "info") ?
				      "e.g. ksnoop info ip_send_skb, or ksnoop -v info 'tcp_v4_*'" :
				      "e.g. ksnoop \"ip_send_skb(skb->len)\"; see 'ksnoop --help'",
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
			report_syntax_error(argv[i], &perr);
			err = EXIT_USAGE;
			goto out;
		} else if (err) {
			pr_error("cannot parse '%s': %s", argv[i], strerror(-err));
			err = EXIT_FAIL;
			goto out;
		}
		nspecs++;
	}
	err = merge_same(specs, &nspecs);
	if (err)
		goto out;

	timing_mark("options, SPECs parsed");
	err = kbtf_load(&k, btf_path);
	timing_mark("vmlinux BTF loaded and indexed");
	if (!err && !btf_path)
		feature_use_kbtf(&k);
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
	/* "ksnoop infoo f": a misspelt command, unless a function has that name */
	if (first == optind && !specs[0].has_parens && !specs[0].module && !specs[0].is_glob &&
	    near_command(specs[0].func) && !kbtf_find_func(&k, NULL, specs[0].func)) {
		char hint[128];

		snprintf(hint, sizeof(hint),
			 "did you mean 'ksnoop %s'? ('ksnoop help' lists commands)",
			 near_command(specs[0].func)->name);
		pr_error_hint(hint, "no command or kernel function '%s'", specs[0].func);
		err = EXIT_USAGE;
		goto out;
	}
	o.info = !strcmp(cmd, "info");
	if (o.info) {
		err = exit_code(cmd_info(&k, specs, nspecs, &o));
		err = finish_output(o.output, err);
	} else {
		/* cmd_trace() reports its own write errors, as they end the run */
		err = exit_code(cmd_trace(&k, specs, nspecs, &o));
	}
out:
	for (i = 0; i < nspecs; i++)
		spec_free(&specs[i]);
	free(specs);
	free(o.excludes);
	feature_use_kbtf(NULL);
	kbtf_free(&k);
	return err;
}

int main(int argc, char **argv)
{
	int status = run(argc, argv);

	/* JSON errors carry the exit status */
	pr_errors_flush(status);
	return status;
}
