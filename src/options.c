// SPDX-License-Identifier: GPL-2.0
/*
 * The command line's options: the usage text, getopt_long()'s tables, each
 * option's value checked as it is read, then the options that do not go
 * together. Commands and SPECs are main.c's.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "options.h"
#include "compiler.h"
#include "log.h"
#include "strbuf.h"

const char usage_text[] =
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
	"      --count-by [KEY]   count calls in the kernel per value of the SPEC's first\n"
	"                         item (integer, enum, string); KEY comm: per task name,\n"
	"                         caller: per call site the function was called from\n"
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
	"  ksnoop --count-by caller ip_send_skb\n"
	"  ksnoop -j \"ip_send_skb(skb)\" | jq 'select(.type == \"call\") | .args.skb.len'\n"
	"\n"
	"Exit status: 0 ok, 1 runtime failure, 2 usage or syntax error, 3 SPEC does not fit\n"
	"the kernel, 4 missing privilege, 5 kernel lacks a needed feature.\n";

/* --kstack without =N: frames shown. */
#define KSTACK_DEFAULT 32

const char short_opts[] = ":p:c:n:P:jo:qx:i:svdVh";

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

const struct option long_opts[] = {{"pid", required_argument, NULL, 'p'},
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

/* An option another group handles. */
#define NOT_MINE 2

/* -p, --tid, -c, --cgroup, --slower-than, --errors, -n, --duration, -P. */
static int opt_filter(struct cli *cli, int c, int argc, char **argv)
{
	struct trace_opts *o = &cli->o;
	unsigned long long v;
	int err;

	switch (c) {
	case 'p':
	case OPT_TID:
		if (parse_num(c == 'p' ? "--pid" : "--tid", optarg, 1, INT_MAX, &v))
			return -EINVAL;
		if (c == 'p')
			o->t.tgid = v;
		else
			o->t.tid = v;
		break;
	case 'c':
		if (filter_add_comm(&o->t.filter, optarg))
			return -EINVAL;
		break;
	case OPT_CGROUP:
		err = filter_set_cgroup(&o->t.filter, optarg);
		if (err)
			return err;
		break;
	case OPT_SLOWER:
		if (filter_parse_duration("--slower-than", optarg, &o->t.filter.slower_than_ns))
			return -EINVAL;
		break;
	case OPT_ERRORS:
		o->t.filter.errors = true;
		break;
	case 'n':
		if (parse_num("--count", optarg, 1, ULLONG_MAX, &v))
			return -EINVAL;
		o->max_events = v;
		break;
	case OPT_DURATION: {
		char *end;

		errno = 0;
		o->duration = strtod(optarg, &end);
		if (errno || end == optarg || *end || !(o->duration > 0) || o->duration > 1e9) {
			pr_error_hint("see 'ksnoop --help'",
				      "invalid value '%s' for --duration (expected seconds > 0)",
				      optarg);
			return -EINVAL;
		}
		break;
	}
	case 'P':
		if (parse_num("--pages", optarg, 1, 1 << 18, &v))
			return -EINVAL;
		if (v & (v - 1)) {
			pr_error_hint("e.g. -P 64 or -P 1024",
				      "invalid value '%s' for --pages: not a power of 2", optarg);
			return -EINVAL;
		}
		o->t.pages = v;
		break;
	default:
		return NOT_MINE;
	}
	return 0;
}

/* Output, formatting, -x, --btf and --backend. */
static int opt_output(struct cli *cli, int c, int argc, char **argv)
{
	struct trace_opts *o = &cli->o;
	unsigned long long v;
	int i;

	switch (c) {
	case 'j':
		o->json = true;
		json_errors = true;
		break;
	case 'o':
		if (!*optarg) {
			pr_error_hint("-o takes a file name, e.g. -o calls.txt",
				      "invalid value '' for --output");
			return -EINVAL;
		}
		o->output = optarg;
		break;
	case 'q':
		o->quiet = true;
		break;
	case OPT_COLOR:
		if (!strcmp(optarg, "auto")) {
			o->color = -1;
		} else if (!strcmp(optarg, "always") || !strcmp(optarg, "never")) {
			o->color = optarg[0] == 'a';
		} else {
			pr_error_hint("choose auto, always or never",
				      "invalid value '%s' for --color", optarg);
			return -EINVAL;
		}
		break;
	case 'x': {
		char **p;

		if (!*optarg) {
			pr_error_hint("-x takes a function name or glob, e.g. -x 'tcp_v6_*'",
				      "invalid value '' for --exclude");
			return -EINVAL;
		}
		p = realloc(o->excludes, (o->nexcludes + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		o->excludes = p;
		o->excludes[o->nexcludes++] = optarg;
		break;
	}
	case OPT_STRSIZE:
		if (parse_num("--string-size", optarg, 1, KSNOOP_MAX_VALUE, &v))
			return -EINVAL;
		o->string_size = v;
		break;
	case OPT_ENTRY:
		o->t.entry_only = true;
		break;
	case OPT_KFORMAT:
		o->t.kernel_format = true;
		break;
	case OPT_FCHECK:
		o->t.format_check = true;
		break;
	case OPT_BTF:
		cli->btf_path = optarg;
		break;
	case OPT_BACKEND:
		if (strcmp(optarg, "auto") && !backend_find(optarg)) {
			char names[256] = "choose auto";

			for (i = 0; backends[i]; i++)
				snprintf(names + strlen(names), sizeof(names) - strlen(names),
					 ", %s", backends[i]->name);
			pr_error_hint(names, "invalid value '%s' for --backend", optarg);
			return -EINVAL;
		}
		o->backend = optarg;
		break;
	default:
		return NOT_MINE;
	}
	return 0;
}

/* --stats, -s, --kstack, --changes, --hist, --count-by and theirs. */
static int opt_mode(struct cli *cli, int c, int argc, char **argv)
{
	struct trace_opts *o = &cli->o;
	unsigned long long v;

	switch (c) {
	case OPT_STATS:
		o->t.agg_mode = KSNOOP_AGG_STATS;
		break;
	case 'i': {
		char *end;

		errno = 0;
		o->agg.interval = strtod(optarg, &end);
		if (errno || end == optarg || *end || !(o->agg.interval >= 0.01) ||
		    o->agg.interval > 86400) {
			pr_error_hint(
				"e.g. -i 1 or -i 0.5",
				"invalid value '%s' for --interval (expected seconds, 0.01..86400)",
				optarg);
			return -EINVAL;
		}
		break;
	}
	case OPT_SORT:
		if (agg_sort_parse(optarg, &o->agg.sort)) {
			pr_error_hint("choose calls, time, errors or p99",
				      "invalid value '%s' for --sort", optarg);
			return -EINVAL;
		}
		cli->sort_given = true;
		break;
	case 's':
		o->t.chain = true;
		break;
	case OPT_KSTACK:
		v = KSTACK_DEFAULT;
		if (optarg && parse_num("--kstack", optarg, 1, KSNOOP_MAX_KSTACK, &v))
			return -EINVAL;
		o->t.kstack = v;
		break;
	case OPT_CHANGES:
		o->t.changes = true;
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
		if ((hist ? hist_parse_opt : count_parse_opt)(arg, &o->hist))
			return -EINVAL;
		break;
	}
	case OPT_TOP:
		if (parse_num("--top", optarg, 1, INT_MAX, &v))
			return -EINVAL;
		o->hist.top = v;
		break;
	case OPT_MAX_KEYS:
		if (parse_num("--max-keys", optarg, 1, HIST_MAX_KEYS, &v))
			return -EINVAL;
		o->hist.max_keys = v;
		break;
	default:
		return NOT_MINE;
	}
	return 0;
}

/* -v, -d, -V, -h, and what getopt_long() did not know. */
static int opt_misc(struct cli *cli, int c, int argc, char **argv)
{
	switch (c) {
	case 'v':
		verbosity++;
		break;
	case 'd':
		verbosity = 3;
		break;
	case 'V':
		printf("ksnoop %s (%s)\n", KSNOOP_VERSION, KSNOOP_GIT_REV);
		return OPTS_DONE;
	case 'h':
		fputs(usage_text, stdout);
		return OPTS_DONE;
	case ':': /* a missing value */
		if (!strncmp(argv[optind - 1], "--", 2))
			pr_error_hint("see 'ksnoop --help'", "option '%s' needs a value",
				      argv[optind - 1]);
		else
			pr_error_hint("see 'ksnoop --help'", "option '-%c' needs a value", optopt);
		return -EINVAL;
	default:
		/* a short option may sit in a cluster ("-vZ"): name the letter */
		if (!strncmp(argv[optind - 1], "--", 2))
			pr_error_hint("see 'ksnoop --help'", "invalid option '%s'",
				      argv[optind - 1]);
		else
			pr_error_hint("see 'ksnoop --help'", "invalid option '-%c'", optopt);
		return -EINVAL;
	}
	return 0;
}

/* The options that do not go together. Returns 0 or -EINVAL (reported). */
static int check_options(struct cli *cli)
{
	struct trace_opts *o = &cli->o;

	/*
	 * Kernel-formatted values arrive as bpf_snprintf_btf() text, which the
	 * JSON writer cannot type: it would decode the text bytes as the value.
	 */
	if (o->json && (o->t.kernel_format || o->t.format_check)) {
		pr_error_hint(
			"drop -j, or drop --kernel-format/--format-check (JSON is formatted by ksnoop)",
			"%s works with text output only",
			o->t.format_check ? "--format-check" : "--kernel-format");
		return -EINVAL;
	}
	/* The exit filters decide at the return, which --entry does not trace. */
	if (o->t.entry_only && (o->t.filter.errors || o->t.filter.slower_than_ns)) {
		pr_error_hint("drop --entry: these filters need each call's return",
			      "%s cannot be used with --entry",
			      o->t.filter.errors ? "--errors" : "--slower-than");
		return -EINVAL;
	}
	if (o->t.changes && (o->t.entry_only || o->t.kernel_format || o->t.format_check)) {
		pr_error_hint("--changes compares the bytes read at entry and at return",
			      "--changes cannot be used with %s",
			      o->t.entry_only	 ? "--entry" :
			      o->t.kernel_format ? "--kernel-format" :
						   "--format-check");
		return -EINVAL;
	}
	if (!o->t.agg_mode && (o->agg.interval > 0 || cli->sort_given)) {
		pr_error_hint("add --stats, e.g. ksnoop --stats -i 5 'tcp_*'",
			      "%s applies to --stats only",
			      cli->sort_given ? "--sort" : "--interval");
		return -EINVAL;
	}
	if (o->t.agg_mode && (o->max_events || o->t.kernel_format || o->t.format_check)) {
		pr_error_hint("--stats shows no calls: stop it with --duration SECS or Ctrl-C",
			      "--stats cannot be combined with %s",
			      o->max_events	 ? "-n/--count" :
			      o->t.kernel_format ? "--kernel-format" :
						   "--format-check");
		return -EINVAL;
	}
	return check_hist(o);
}

int options_parse(struct cli *cli, int argc, char **argv)
{
	static int (*const groups[])(struct cli *, int, int, char **) = {
		opt_filter,
		opt_output,
		opt_mode,
		opt_misc,
	};
	size_t g;
	int c, err;

	memset(cli, 0, sizeof(*cli));
	cli->o.color = -1;
	/* getopt's own messages would add a second, unprefixed line (not JSON with -j) */
	opterr = 0;
	/*
	 * Options may follow the command and SPECs ("ksnoop info -v f", "ksnoop
	 * 'tcp_*' -x 'tcp_v6_*'"): GNU getopt moves them first. A SPEC never
	 * starts with '-'.
	 */
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		err = NOT_MINE;
		for (g = 0; g < ARRAY_SIZE(groups) && err == NOT_MINE; g++)
			err = groups[g](cli, c, argc, argv);
		if (err)
			return err;
	}
	return check_options(cli);
}

void options_free(struct cli *cli)
{
	free(cli->o.excludes);
	cli->o.excludes = NULL;
	filter_close(&cli->o.t.filter);
}
