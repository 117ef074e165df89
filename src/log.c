// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "log.h"

int verbosity;
bool json_errors;

/*
 * JSON errors wait for the exit status (pr_errors_flush()): each is one
 * object on stderr, {"type":"error","error":MSG[,"hint":H][,"spec":S,
 * "position":N],"exit":STATUS}.
 */
struct pending_error {
	char *msg, *hint, *input; /* hint and input may be NULL */
	int pos;
};
static struct pending_error *pending;
static int npending;

/* One error as a line of JSON on stderr; @status < 0: unknown, no "exit". */
static void error_json(const char *msg, const char *hint, const char *input, int pos, int status)
{
	struct strbuf out;
	struct jw w;

	sb_init(&out);
	jw_record(&w, &out, "error");
	JW_KEY(&w, "error");
	jw_strz(&w, msg);
	if (hint) {
		JW_KEY(&w, "hint");
		jw_strz(&w, hint);
	}
	if (input) {
		JW_KEY(&w, "spec");
		jw_strz(&w, input);
		JW_KEY(&w, "position");
		jw_s64(&w, pos);
	}
	if (status >= 0) {
		JW_KEY(&w, "exit");
		jw_s64(&w, status);
	}
	jw_record_end(&w);
	fputs(sb_str(&out), stderr);
	sb_free(&out);
}

static void pr_error_v(const char *input, int pos, const char *hint, const char *fmt, va_list ap)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_vprintf(&sb, fmt, ap);
	/* Messages are one line: drop a trailing newline a caller may have added. */
	if (sb.len && sb.buf[sb.len - 1] == '\n')
		sb.buf[--sb.len] = '\0';
	if (json_errors) {
		struct pending_error *p = realloc(pending, (npending + 1) * sizeof(*p));
		struct pending_error e = {
			.msg = strdup(sb_str(&sb)),
			.hint = hint ? strdup(hint) : NULL,
			.input = input ? strdup(input) : NULL,
			.pos = pos,
		};

		if (p)
			pending = p;
		if (p && e.msg && (!hint || e.hint) && (!input || e.input)) {
			pending[npending++] = e;
		} else {
			/* out of memory: the message still goes out, without the status */
			error_json(sb_str(&sb), hint, input, pos, -1);
			free(e.msg);
			free(e.hint);
			free(e.input);
		}
	} else {
		fprintf(stderr, "ksnoop: %s\n", sb_str(&sb));
		if (hint)
			fprintf(stderr, "  hint: %s\n", hint);
	}
	sb_free(&sb);
}

void pr_error_hint(const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pr_error_v(NULL, 0, hint, fmt, ap);
	va_end(ap);
}

void pr_error_at(const char *input, int pos, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pr_error_v(input, pos, hint, fmt, ap);
	va_end(ap);
}

void pr_errors_flush(int status)
{
	int i;

	for (i = 0; i < npending; i++) {
		error_json(pending[i].msg, pending[i].hint, pending[i].input, pending[i].pos,
			   status);
		free(pending[i].msg);
		free(pending[i].hint);
		free(pending[i].input);
	}
	free(pending);
	pending = NULL;
	npending = 0;
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("ksnoop: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void pr_info(int level, const char *fmt, ...)
{
	va_list ap;

	if (verbosity < level)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/*
 * The clock of /proc/self/stat's starttime (boot time, in clock ticks), so the
 * first mark can say how long exec and the dynamic loader took.
 */
static double boottime_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* When this process was started, on boottime_s()'s clock; 0 if unknown. */
static double exec_time_s(void)
{
	unsigned long long start;
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	int i;

	if (f)
		fclose(f);
	buf[n] = '\0';
	/* Field 22; the command name (field 2) may hold spaces, so count after its ')'. */
	p = strrchr(buf, ')');
	for (i = 2; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &start) != 1)
		return 0;
	return (double)start / sysconf(_SC_CLK_TCK);
}

void timing_mark(const char *phase)
{
	static int on = -1;
	static double last;
	double now;

	if (on < 0) {
		on = getenv("KSNOOP_TIMINGS") && *getenv("KSNOOP_TIMINGS") != '0';
		if (!on)
			return;
		last = exec_time_s();
	}
	if (!on)
		return;
	now = boottime_s();
	if (last > 0)
		fprintf(stderr, "ksnoop: timing: %-36s %7.3f s\n", phase, now - last);
	last = now;
}
