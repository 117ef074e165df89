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
	"        | EXPR OP \"STRING\"             OP: == != ~ (glob: * ? [...]) on char * or char[N]\n"
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
	"  -c, --comm NAME        trace only tasks whose comm is NAME, or matches NAME if\n"
	"                         it is a glob (* ? [...]); repeatable, up to 8\n"
	"      --cgroup PATH      trace only tasks in the cgroup v2 directory PATH or below\n"
	"      --slower-than DURATION  show only calls that took at least DURATION\n"
	"                         (e.g. 500us, 2ms; units ns, us, ms, s)\n"
	"      --errors           show only calls that failed: a negative errno, or a NULL\n"
	"                         or error pointer; the errno is shown by name\n"
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
	"  -s, --stack            call chains: the SPECs name 2 to 8 functions, each called\n"
	"                         (directly or not) from the one before; show the calls\n"
	"                         of each complete chain as a group\n"
	"      --kstack[=N]       show the kernel stack of each call at entry, N frames\n"
	"                         (default 32, max 127), symbolized from /proc/kallsyms\n"
	"      --changes          read member items again at return and show OLD -> NEW\n"
	"                         where the bytes changed (fentry backends)\n"
	"      --stats            count calls in the kernel instead of printing them: per\n"
	"                         function calls, calls/s, errors and latency (mean, p50,\n"
	"                         p90, p99, max), a table every interval and at exit\n"
	"  -i, --interval SECS    seconds between --stats tables (default 1)\n"
	"      --sort KEY         --stats row order: calls (default), time, errors or p99\n"
	"      --hist [MODE]      count calls in the kernel into a histogram per function of\n"
	"                         the SPEC's first item (an integer), printed at the end;\n"
	"                         MODE: log2 (default), linear:MIN:MAX:STEP, duration (the\n"
	"                         call's duration in ns), comma-separated\n"
	"      --count-by [comm]  count calls in the kernel per value of the SPEC's first\n"
	"                         item (integer, enum, string), or per comm\n"
	"      --top N            --count-by: show the N biggest counts, sum the rest\n"
	"      --max-keys N       --count-by: keys the kernel map holds (default 10240);\n"
	"                         calls past it are reported as not counted\n"
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
	"  ksnoop 'do_sys_openat2(filename ~ \"/etc/*\", return)'\n"
	"  ksnoop -c nginx --errors --slower-than 2ms 'vfs_*'\n"
	"  ksnoop 'tcp_*' -x 'tcp_v6_*'\n"
	"  ksnoop --stats 'tcp_*'\n"
	"  ksnoop --hist \"ip_send_skb(skb->len)\"\n"
	"  ksnoop --count-by comm 'vfs_*'\n"
	"  ksnoop -j \"ip_send_skb(skb)\" | jq 'select(.type == \"call\") | .args.skb.len'\n"
	"\n"
	"Exit status: 0 ok, 1 runtime failure, 2 usage or syntax error, 3 SPEC does not fit\n"
	"the kernel, 4 missing privilege, 5 kernel lacks a needed feature.\n";

/* Exit codes, documented in man/ksnoop.8 and the usage above. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	  /* runtime failure: load, attach, kernel refused */
	EXIT_USAGE = 2,	  /* bad command line or SPEC syntax */
	EXIT_RESOLVE = 3, /* SPEC does not fit the kernel: no such function, argument, member */
	EXIT_PRIV = 4,	  /* missing privilege */
	EXIT_NOSUP = 5,	  /* kernel lacks a needed feature */
};

/* A command's negative errno to the exit status. */
static int exit_code(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case -ENOENT:
	case -ESRCH:
	case -ERANGE:
	case -E2BIG:
	case -EINVAL:
		return EXIT_RESOLVE;
	case -EPERM:
	case -EACCES:
		return EXIT_PRIV;
	case -EOPNOTSUPP:
		return EXIT_NOSUP;
	default:
		return EXIT_FAIL;
	}
}

/* --kstack without =N: frames shown. */
#define KSTACK_DEFAULT 32

static const char short_opts[] = ":p:c:n:P:jo:qx:i:svdVh";

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
	OPT_CGROUP,
	OPT_SLOWER,
	OPT_ERRORS,
	OPT_KSTACK,
	OPT_CHANGES,
	OPT_STATS,
	OPT_SORT,
	OPT_HIST,
	OPT_COUNT_BY,
	OPT_TOP,
	OPT_MAX_KEYS,
};

static const struct option long_opts[] = {{"pid", required_argument, NULL, 'p'},
					  {"tid", required_argument, NULL, OPT_TID},
					  {"comm", required_argument, NULL, 'c'},
					  {"cgroup", required_argument, NULL, OPT_CGROUP},
					  {"slower-than", required_argument, NULL, OPT_SLOWER},
					  {"errors", no_argument, NULL, OPT_ERRORS},
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
					  {"stats", no_argument, NULL, OPT_STATS},
					  {"interval", required_argument, NULL, 'i'},
					  {"sort", required_argument, NULL, OPT_SORT},
					  {"stack", no_argument, NULL, 's'},
					  {"kstack", optional_argument, NULL, OPT_KSTACK},
					  {"changes", no_argument, NULL, OPT_CHANGES},
					  {"hist", optional_argument, NULL, OPT_HIST},
					  {"count-by", optional_argument, NULL, OPT_COUNT_BY},
					  {"top", required_argument, NULL, OPT_TOP},
					  {"max-keys", required_argument, NULL, OPT_MAX_KEYS},
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
/*
 * -s: the SPECs are the levels of one call chain, in order. Checked before
 * SPECs of the same function merge, which would lose a level.
 */
static int check_chain(const struct spec *specs, int nspecs, const struct trace_opts *o)
{
	int i, j;

	if (o->info) {
		pr_error_hint("drop -s for 'info'", "-s/--stack applies to tracing, not to 'info'");
		return EXIT_USAGE;
	}
	if (o->t.entry_only) {
		pr_error_hint("drop --entry: a chain is known only when its calls return",
			      "-s/--stack cannot be used with --entry");
		return EXIT_USAGE;
	}
	if (nspecs < 2 || nspecs > KSNOOP_MAX_CHAIN) {
		pr_error_hint("e.g. ksnoop -s udp_sendmsg ip_send_skb",
			      "-s/--stack needs 2 to %d functions, one per chain level; got %d",
			      KSNOOP_MAX_CHAIN, nspecs);
		return EXIT_USAGE;
	}
	for (i = 0; i < nspecs; i++) {
		if (specs[i].is_glob) {
			pr_error_hint("name one function per chain level",
				      "-s/--stack: '%s' is a glob", specs[i].text);
			return EXIT_USAGE;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(specs[i].func, specs[j].func)) {
				pr_error_hint("give each chain level its own function",
					      "-s/--stack: '%s' is named twice", specs[i].func);
				return EXIT_USAGE;
			}
	}
	return 0;
}

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

/* --hist, --count-by and what they do not go with. Returns 0 or -EINVAL (reported). */
static int check_hist(struct trace_opts *o)
{
	struct hist_opts *a = &o->hist;
	const char *mode = a->mode == KSNOOP_AGG_HIST ? "--hist" : "--count-by", *bad = NULL;

	if (!a->mode) {
		if (a->top || a->max_keys) {
			pr_error_hint("e.g. ksnoop --count-by comm --top 5 'vfs_*'",
				      "%s counts keys: it needs --count-by",
				      a->top ? "--top" : "--max-keys");
			return -EINVAL;
		}
		return 0;
	}
	if (a->mode == KSNOOP_AGG_HIST && (a->top || a->max_keys)) {
		pr_error_hint("drop it, or count with --count-by",
			      "%s goes with --count-by, not --hist",
			      a->top ? "--top" : "--max-keys");
		return -EINVAL;
	}
	if (o->t.agg_mode)
		bad = "--stats";
	else if (o->max_events)
		bad = "-n/--count (no call is shown; stop with --duration or Ctrl-C)";
	else if (o->t.kernel_format || o->t.format_check)
		bad = o->t.format_check ? "--format-check" : "--kernel-format";
	if (bad) {
		pr_error_hint("drop one of them", "%s does not go with %s", mode, bad);
		return -EINVAL;
	}
	if (a->mode == KSNOOP_AGG_COUNT) {
		/* a string key is read up to the key's size */
		if (o->string_size > KSNOOP_KEY_MAX) {
			pr_error_hint("--count-by keys a string by its first bytes",
				      "--string-size %u is over %d, the size of a --count-by key",
				      o->string_size, KSNOOP_KEY_MAX);
			return -EINVAL;
		}
		if (!o->string_size)
			o->string_size = KSNOOP_KEY_MAX;
		if (!a->max_keys)
			a->max_keys = HIST_DEFAULT_MAX_KEYS;
	}
	return 0;
}

static int run(int argc, char **argv)
{
	struct trace_opts o = {.color = -1};
	bool sort_given = false;
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
		case 'c':
			if (filter_add_comm(&o.t.filter, optarg))
				return EXIT_USAGE;
			break;
		case OPT_CGROUP:
			err = filter_set_cgroup(&o.t.filter, optarg);
			if (err)
				return err == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
			break;
		case OPT_SLOWER:
			if (filter_parse_duration("--slower-than", optarg,
						  &o.t.filter.slower_than_ns))
				return EXIT_USAGE;
			break;
		case OPT_ERRORS:
			o.t.filter.errors = true;
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
		case OPT_STATS:
			o.t.agg_mode = KSNOOP_AGG_STATS;
			break;
		case 'i': {
			char *end;

			errno = 0;
			o.agg.interval = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o.agg.interval >= 0.01) ||
			    o.agg.interval > 86400) {
				pr_error_hint(
					"e.g. -i 1 or -i 0.5",
					"invalid value '%s' for --interval (expected seconds, 0.01..86400)",
					optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case OPT_SORT:
			if (agg_sort_parse(optarg, &o.agg.sort)) {
				pr_error_hint("choose calls, time, errors or p99",
					      "invalid value '%s' for --sort", optarg);
				return EXIT_USAGE;
			}
			sort_given = true;
			break;
		case 's':
			o.t.chain = true;
			break;
		case OPT_KSTACK:
			v = KSTACK_DEFAULT;
			if (optarg && parse_num("--kstack", optarg, 1, KSNOOP_MAX_KSTACK, &v))
				return EXIT_USAGE;
			o.t.kstack = v;
			break;
		case OPT_CHANGES:
			o.t.changes = true;
			break;
		case OPT_HIST:
		case OPT_COUNT_BY: {
			bool hist = c == OPT_HIST;
			const char *arg = optarg;

			/*
			 * "--hist duration", "--count-by comm": a value in the next
			 * word when it is one of the option's words, else that word
			 * is a SPEC ("--hist 'tcp_sendmsg(size)'").
			 */
			if (!arg && optind < argc &&
			    (hist ? hist_opt_word(argv[optind]) : count_opt_word(argv[optind])))
				arg = argv[optind++];
			if ((hist ? hist_parse_opt : count_parse_opt)(arg, &o.hist))
				return EXIT_USAGE;
			break;
		}
		case OPT_TOP:
			if (parse_num("--top", optarg, 1, INT_MAX, &v))
				return EXIT_USAGE;
			o.hist.top = v;
			break;
		case OPT_MAX_KEYS:
			if (parse_num("--max-keys", optarg, 1, HIST_MAX_KEYS, &v))
				return EXIT_USAGE;
			o.hist.max_keys = v;
			break;
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
	/* The exit filters decide at the return, which --entry does not trace. */
	if (o.t.entry_only && (o.t.filter.errors || o.t.filter.slower_than_ns)) {
		pr_error_hint("drop --entry: these filters need each call's return",
			      "%s cannot be used with --entry",
			      o.t.filter.errors ? "--errors" : "--slower-than");
		return EXIT_USAGE;
	}
	if (o.t.changes && (o.t.entry_only || o.t.kernel_format || o.t.format_check)) {
		pr_error_hint("--changes compares the bytes read at entry and at return",
			      "--changes cannot be used with %s",
			      o.t.entry_only	? "--entry" :
			      o.t.kernel_format ? "--kernel-format" :
						  "--format-check");
		return EXIT_USAGE;
	}
	if (!o.t.agg_mode && (o.agg.interval > 0 || sort_given)) {
		pr_error_hint("add --stats, e.g. ksnoop --stats -i 5 'tcp_*'",
			      "%s applies to --stats only", sort_given ? "--sort" : "--interval");
		return EXIT_USAGE;
	}
	if (o.t.agg_mode && (o.max_events || o.t.kernel_format || o.t.format_check)) {
		pr_error_hint("--stats shows no calls: stop it with --duration SECS or Ctrl-C",
			      "--stats cannot be combined with %s",
			      o.max_events	? "-n/--count" :
			      o.t.kernel_format ? "--kernel-format" :
						  "--format-check");
		return EXIT_USAGE;
	}
	if (check_hist(&o))
		return EXIT_USAGE;
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
	o.info = !strcmp(cmd, "info");
	if (o.t.chain) {
		err = check_chain(specs, nspecs, &o);
		if (err)
			goto out;
	}
	err = merge_same(specs, &nspecs);
	if (err)
		goto out;
	if (o.t.agg_mode && agg_check_specs(specs, nspecs, "--stats")) {
		err = EXIT_USAGE;
		goto out;
	}

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
	filter_close(&o.t.filter);
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
