/* SPDX-License-Identifier: GPL-2.0 */
/* The command line's options (options.c); commands and SPECs are main.c's. */
#ifndef __KSNOOP_OPTIONS_H
#define __KSNOOP_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>

#include "trace.h"

/* What the options set. */
struct cli {
	struct trace_opts o;
	const char *btf_path; /* --btf FILE */
	bool sort_given;      /* --sort, which needs --stats */
};

/* The usage text (--help, ksnoop help), and getopt_long()'s tables (the completion's too). */
extern const char usage_text[];
extern const char short_opts[];
extern const struct option long_opts[];

/* options_parse(): --help or --version was printed, nothing more to do. */
#define OPTS_DONE 1

/*
 * Read the options of @argv into @cli (free with options_free(), whatever
 * the result), leaving optind at the first word that is not one, and check
 * those that do not go together. Returns 0, OPTS_DONE, -EINVAL for a usage
 * error, or another negative errno (reported).
 */
int options_parse(struct cli *cli, int argc, char **argv);
void options_free(struct cli *cli);

#endif /* __KSNOOP_OPTIONS_H */
