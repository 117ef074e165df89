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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "backend.h"
#include "complete.h"
#include "kfeatures.h"
#include "options.h"
#include "output.h"
#include "trace.h"
#include "log.h"

/* Exit codes, documented in man/ksnoop.8 and the usage text. */
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

struct command;
/* A command's handler: the words after it; @named: given, not the default. */
typedef int (*cmd_fn)(struct cli *cli, const struct command *c, int argc, char **argv, bool named);
static int do_trace(struct cli *cli, const struct command *c, int argc, char **argv, bool named);
static int do_info(struct cli *cli, const struct command *c, int argc, char **argv, bool named);
static int do_features(struct cli *cli, const struct command *c, int argc, char **argv, bool named);
static int do_help(struct cli *cli, const struct command *c, int argc, char **argv, bool named);

/*
 * The commands (bpftool's cmd_select() style): name, handler, and for
 * 'ksnoop help COMMAND' its usage, what it does and an example.
 */
static const struct command {
	const char *name;
	cmd_fn run;
	const char *usage, *what, *example;
} commands[] = {
	{"trace", do_trace, "ksnoop [OPTIONS] [trace] SPEC [SPEC...]",
	 "Trace calls of the functions the SPECs name, printing the items of each call\n"
	 "until Ctrl-C, -n N calls or --duration SECS (the default command).",
	 "ksnoop \"ip_send_skb(skb->len, return)\""},
	{"info", do_info, "ksnoop [-v] [-j] [--btf FILE] info SPEC [SPEC...]",
	 "Print the prototypes of the functions the SPECs name and check their items;\n"
	 "-v adds the layout of each struct they take or return (printed once), -vv the\n"
	 "plans, -j prints JSON Lines. Needs BTF only, no privileges.",
	 "ksnoop info ip_send_skb 'tcp_v4_*'"},
	{"features", do_features, "ksnoop [-j] features",
	 "Print which BPF features and attach backends this kernel has, and whether\n"
	 "ksnoop can trace here (exit 5 if not, 4 without privilege); -j prints JSON.",
	 "ksnoop features"},
	{"help", do_help, "ksnoop help [COMMAND]", "Print the usage, or a command's.",
	 "ksnoop help info"},
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

static int do_help(struct cli *cli, const struct command *c, int argc, char **argv, bool named)
{
	return cmd_help(argc, argv);
}

static int do_features(struct cli *cli, const struct command *c, int argc, char **argv, bool named)
{
	const struct trace_opts *o = &cli->o;

	if (o->output && output_open(o->output))
		return EXIT_FAIL;
	return finish_output(o->output, cmd_features(o->json) ?
						(have_bpf_caps() ? EXIT_NOSUP : EXIT_PRIV) :
						EXIT_OK);
}

/*
 * The SPECs @argv[0..argc) (at least one), parsed into *@specs (*@nspecs of
 * them, to free even on failure), checked as a chain with -s, and those of
 * one function merged. Returns 0 or an exit status (reported).
 */
static int parse_specs(const struct cli *cli, int argc, char **argv, struct spec **specs,
		       int *nspecs)
{
	struct parse_error perr;
	int i, err;

	*specs = calloc(argc, sizeof(**specs));
	if (!*specs)
		return EXIT_FAIL;
	for (i = 0; i < argc; i++) {
		err = spec_parse(argv[i], &(*specs)[i], &perr);
		if (err == -EINVAL) {
			report_syntax_error(argv[i], &perr);
			return EXIT_USAGE;
		} else if (err) {
			pr_error("cannot parse '%s': %s", argv[i], strerror(-err));
			return EXIT_FAIL;
		}
		(*nspecs)++;
	}
	if (cli->o.t.chain) {
		err = check_chain(*specs, *nspecs, &cli->o);
		if (err)
			return err;
	}
	err = merge_same(*specs, nspecs);
	if (err)
		return err;
	if (cli->o.t.agg_mode && agg_check_specs(*specs, *nspecs, "--stats"))
		return EXIT_USAGE;
	return 0;
}

/* The running kernel's BTF, or the --btf FILE's. Returns 0 or an exit status (reported). */
static int load_btf(struct kbtf *k, const char *btf_path)
{
	char why[128];
	int err;

	timing_mark("options, SPECs parsed");
	err = kbtf_load(k, btf_path);
	timing_mark("vmlinux BTF loaded and indexed");
	if (!err && !btf_path)
		feature_use_kbtf(k);
	if (!err)
		return 0;
	if (btf_path) {
		/* libbpf's own codes (e.g. not an ELF file) are beyond strerror() */
		libbpf_strerror(err, why, sizeof(why));
		pr_error_hint(
			"give a file with a .BTF section or raw BTF (e.g. /sys/kernel/btf/vmlinux)",
			"cannot read BTF from '%s': %s", btf_path, why);
		/* a bad --btf FILE is the user's input, not a kernel without BTF */
		return EXIT_USAGE;
	}
	pr_error_hint("ksnoop needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
		      "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s", strerror(-err));
	return EXIT_NOSUP;
}

/* "ksnoop infoo f": a misspelt command, unless a function has that name. Reported. */
static bool misspelt_command(const struct kbtf *k, const struct spec *spec)
{
	const struct command *near;
	char hint[128];

	if (spec->has_parens || spec->module || spec->is_glob)
		return false;
	near = near_command(spec->func);
	if (!near || kbtf_find_func(k, NULL, spec->func))
		return false;
	snprintf(hint, sizeof(hint), "did you mean 'ksnoop %s'? ('ksnoop help' lists commands)",
		 near->name);
	pr_error_hint(hint, "no command or kernel function '%s'", spec->func);
	return true;
}

/*
 * trace and info: the SPECs, then the BTF they are resolved against, then the
 * command @run. Returns an exit status.
 */
static int run_specs(struct cli *cli, const struct command *c, int argc, char **argv, bool named,
		     int (*run)(struct kbtf *k, struct spec *specs, int nspecs,
				const struct trace_opts *o))
{
	struct spec *specs = NULL;
	struct kbtf k = {};
	int i, nspecs = 0, err;

	if (!argc) {
		pr_error_hint(cli->o.info ?
				      "e.g. ksnoop info ip_send_skb, or ksnoop -v info 'tcp_v4_*'" :
				      "e.g. ksnoop \"ip_send_skb(skb->len)\"; see 'ksnoop --help'",
			      "no SPEC given: name a function to %s", c->name);
		return EXIT_USAGE;
	}
	err = parse_specs(cli, argc, argv, &specs, &nspecs);
	if (!err)
		err = load_btf(&k, cli->btf_path);
	if (!err && !named && misspelt_command(&k, &specs[0]))
		err = EXIT_USAGE;
	if (!err)
		err = exit_code(run(&k, specs, nspecs, &cli->o));
	for (i = 0; i < nspecs; i++)
		spec_free(&specs[i]);
	free(specs);
	feature_use_kbtf(NULL);
	kbtf_free(&k);
	return err;
}

static int do_info(struct cli *cli, const struct command *c, int argc, char **argv, bool named)
{
	cli->o.info = true;
	return finish_output(cli->o.output, run_specs(cli, c, argc, argv, named, cmd_info));
}

static int do_trace(struct cli *cli, const struct command *c, int argc, char **argv, bool named)
{
	/* A usage error, found before any BTF is read. */
	if (cli->btf_path) {
		pr_error_hint(
			"use --btf with 'info'; 'trace' reads the running kernel's BTF",
			"cannot trace with --btf: the BTF file need not describe this kernel");
		return EXIT_USAGE;
	}
	/* cmd_trace() reports its own write errors, as they end the run */
	return run_specs(cli, c, argc, argv, named, cmd_trace);
}

/* The shell completion's helper: hidden, its own small interface. */
static int complete(int argc, char **argv)
{
	const char *names[ARRAY_SIZE(commands) + 1] = {};
	size_t n;

	for (n = 0; n < ARRAY_SIZE(commands); n++)
		names[n] = commands[n].name;
	return cmd_complete(argc, argv, long_opts, short_opts, names);
}

static int run(int argc, char **argv)
{
	const struct command *c = &commands[0]; /* trace, the default */
	struct cli cli;
	int err, first;
	bool named;

	if (argc >= 2 && !strcmp(argv[1], "__complete"))
		return complete(argc - 2, argv + 2);
	timing_mark("exec, dynamic loader");
	libbpf_set_print(libbpf_print);
	/*
	 * A reader that goes away (ksnoop ... | head) is seen as EPIPE where the
	 * output is written, and ends ksnoop quietly with the kernel cleaned up.
	 */
	signal(SIGPIPE, SIG_IGN);
	err = options_parse(&cli, argc, argv);
	if (err) {
		options_free(&cli);
		return err == OPTS_DONE ? EXIT_OK : err == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	first = optind;
	named = first < argc && find_command(argv[first]);
	if (named)
		c = find_command(argv[first++]);
	err = c->run(&cli, c, argc - first, argv + first, named);
	options_free(&cli);
	return err;
}

int main(int argc, char **argv)
{
	int status = run(argc, argv);

	/* JSON errors carry the exit status */
	pr_errors_flush(status);
	return status;
}
