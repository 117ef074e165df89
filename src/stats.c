// SPDX-License-Identifier: GPL-2.0
/* --stats: the table and JSON of per-function call statistics (see stats.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "json.h"
#include "log.h"
#include "ksnoop.skel.h"
#include "output.h"
#include "stats.h"
#include "trace.h"

void stats_row_fill(struct stats_row *row, const char *name, const struct ksnoop_agg *s, __u64 max,
		    double secs)
{
	memset(row, 0, sizeof(*row));
	row->name = name;
	row->calls = s->calls;
	row->errors = s->errors;
	row->lat_count = s->lat_count;
	row->lat_sum = s->lat_sum;
	row->rate = secs > 0 ? s->calls / secs : 0;
	if (!s->lat_count)
		return;
	row->mean = s->lat_sum / s->lat_count;
	row->max = max;
	row->p50 = agg_percentile(s, 0.50, max);
	row->p90 = agg_percentile(s, 0.90, max);
	row->p99 = agg_percentile(s, 0.99, max);
}

static enum agg_sort sort_key;

/* Descending by the sort key, then by name. */
static int cmp_row(const void *pa, const void *pb)
{
	const struct stats_row *a = pa, *b = pb;
	__u64 ka, kb;

	switch (sort_key) {
	case AGG_SORT_TIME:
		ka = a->lat_sum, kb = b->lat_sum;
		break;
	case AGG_SORT_ERRORS:
		ka = a->errors, kb = b->errors;
		break;
	case AGG_SORT_P99:
		ka = a->p99, kb = b->p99;
		break;
	default:
		ka = a->calls, kb = b->calls;
		break;
	}
	if (ka != kb)
		return ka < kb ? 1 : -1;
	return strcmp(a->name, b->name);
}

void stats_sort(struct stats_row *rows, int n, enum agg_sort sort)
{
	sort_key = sort;
	qsort(rows, n, sizeof(*rows), cmp_row);
}

void stats_fmt_ns(char *buf, size_t size, __u64 ns)
{
	if (ns < 1000)
		snprintf(buf, size, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%.2fms", ns / 1e6);
	else
		snprintf(buf, size, "%.2fs", ns / 1e9);
}

void stats_table(struct strbuf *sb, const char *title, const struct stats_row *rows, int n,
		 int max_rows)
{
	static const char *const lat_cols[] = {"MEAN", "P50", "P90", "P99", "MAX"};
	int w = 8, i, j, shown = max_rows > 0 && max_rows < n ? max_rows : n;
	char cell[32];

	for (i = 0; i < shown; i++)
		if ((int)strlen(rows[i].name) > w)
			w = strlen(rows[i].name);
	sb_printf(sb, "%s\n%-*s %10s %10s %8s", title, w, "FUNCTION", "CALLS", "CALLS/S", "ERRORS");
	for (j = 0; j < (int)ARRAY_SIZE(lat_cols); j++)
		sb_printf(sb, " %9s", lat_cols[j]);
	sb_putc(sb, '\n');
	if (!n)
		sb_puts(sb, "(no calls)\n");
	for (i = 0; i < shown; i++) {
		const struct stats_row *r = &rows[i];
		__u64 lat[] = {r->mean, r->p50, r->p90, r->p99, r->max};

		sb_printf(sb, "%-*s %10llu %10.1f %8llu", w, r->name, (unsigned long long)r->calls,
			  r->rate, (unsigned long long)r->errors);
		for (j = 0; j < (int)ARRAY_SIZE(lat); j++) {
			if (r->lat_count)
				stats_fmt_ns(cell, sizeof(cell), lat[j]);
			else
				snprintf(cell, sizeof(cell), "-");
			sb_printf(sb, " %9s", cell);
		}
		sb_putc(sb, '\n');
	}
	if (shown < n)
		sb_printf(sb, "(%d more functions)\n", n - shown);
}

/* The members of a latency summary with a value: count, mean, percentiles, max. */
static void stats_latency(struct jw *w, const struct stats_row *r)
{
	const char *const names[] = {"mean", "p50", "p90", "p99", "max"};
	const __u64 v[] = {r->mean, r->p50, r->p90, r->p99, r->max};
	size_t k;

	JW_KEY(w, "count");
	jw_u64(w, r->lat_count);
	for (k = 0; r->lat_count && k < ARRAY_SIZE(names); k++) {
		jw_key(w, names[k], strlen(names[k]));
		jw_u64(w, v[k]);
	}
}

void stats_json(struct strbuf *sb, int interval, double secs, const struct stats_row *rows, int n,
		__u64 nested, __u64 misses)
{
	struct jw w;
	int i;

	jw_record(&w, sb, "stats");
	JW_KEY(&w, "final");
	jw_bool(&w, !interval);
	JW_KEY(&w, "interval");
	jw_s64(&w, interval);
	JW_KEY(&w, "seconds");
	jw_fixed(&w, secs, 3);
	JW_KEY(&w, "functions");
	jw_arr_begin(&w);
	for (i = 0; i < n; i++) {
		const struct stats_row *r = &rows[i];

		jw_obj_begin(&w);
		JW_KEY(&w, "func");
		jw_strz(&w, r->name);
		JW_KEY(&w, "calls");
		jw_u64(&w, r->calls);
		JW_KEY(&w, "calls_per_s");
		jw_fixed(&w, r->rate, 3);
		JW_KEY(&w, "errors");
		jw_u64(&w, r->errors);
		JW_KEY(&w, "latency_ns");
		jw_obj_begin(&w);
		stats_latency(&w, r);
		jw_obj_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	JW_KEY(&w, "not_counted");
	jw_obj_begin(&w);
	JW_KEY(&w, "nested");
	jw_u64(&w, nested);
	JW_KEY(&w, "recursion");
	jw_u64(&w, misses);
	jw_obj_end(&w);
	jw_record_end(&w);
}

/* ---- the loop ---- */

struct stats_ctx {
	struct tracer *t;
	const struct trace_opts *o;
	struct agg agg;
	char **names;
	struct stats_row *rows;
	struct ksnoop_agg *delta;
	bool tty; /* redraw in place */
	int werr; /* a write failed: reported once, at the end */
	struct strbuf sb;
};

/* Rows the terminal has room for below the title and header, with a "more" line. */
static int tty_rows(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || ws.ws_row < 6)
		return 20;
	return ws.ws_row - 4;
}

/*
 * Print one period: @interval's deltas (cur - prev), or the totals (cur)
 * when @interval is 0. Returns the write error, if any.
 */
static int stats_print(struct stats_ctx *c, int interval, double secs)
{
	__u64 st[KSNOOP_STAT_MAX] = {}, misses = 0, max;
	int i, n = 0, err = 0;
	char title[128];

	for (i = 0; i < c->agg.nfuncs; i++) {
		const struct ksnoop_agg *s = &c->agg.cur[i];

		if (interval) {
			agg_delta(&c->agg.cur[i], &c->agg.prev[i], &c->delta[i]);
			s = &c->delta[i];
		}
		if (!s->calls)
			continue;
		/* An interval's maximum is the epoch's; the totals' the run's. */
		max = interval ? s->imax : s->lat_max;
		stats_row_fill(&c->rows[n++], c->names[i], s, max, secs);
	}
	stats_sort(c->rows, n, c->o->agg.sort);
	tracer_stats(c->t, st, KSNOOP_STAT_MAX);
	misses = tracer_recursion_misses(c->t, NULL);
	sb_reset(&c->sb);
	if (c->o->json) {
		stats_json(&c->sb, interval, secs, c->rows, n, st[KSNOOP_STAT_NESTED], misses);
	} else {
		if (interval)
			snprintf(title, sizeof(title), "ksnoop --stats: interval %d, %.2f s",
				 interval, secs);
		else
			snprintf(title, sizeof(title), "ksnoop --stats: total, %.2f s", secs);
		/* On a terminal: redraw in place (home, clear), the rows that fit. */
		if (c->tty && interval)
			sb_puts(&c->sb, "\033[H\033[2J");
		stats_table(&c->sb, title, c->rows, n, c->tty && interval ? tty_rows() : 0);
		if (st[KSNOOP_STAT_NESTED] || misses)
			sb_printf(
				&c->sb,
				"not counted so far: %llu calls nested in another run on their CPU, %llu runs the kernel skipped (recursion)\n",
				(unsigned long long)st[KSNOOP_STAT_NESTED],
				(unsigned long long)misses);
		if (!c->tty)
			sb_putc(&c->sb, '\n');
	}
	if (fwrite(sb_str(&c->sb), 1, c->sb.len, stdout) != c->sb.len || fflush(stdout))
		c->werr = err = errno ? -errno : -EIO;
	return err;
}

/*
 * Sleep until @until (monotonic seconds) or a signal. With poll(), not
 * nanosleep(): ksnoop must not sit in a function users trace, such as
 * hrtimer_nanosleep() (a kretprobe instance held for the whole interval;
 * 5.10's kprobes have one per CPU, and other sleepers' returns would be missed).
 */
static void sleep_until(double until, volatile sig_atomic_t *stop)
{
	double left;

	while (!*stop && (left = until - mono_s()) > 0)
		poll(NULL, 0, left > 1000 ? 1000000 : (int)(left * 1000) + 1);
}

/* agg_read(), with the error reported. */
static int read_counters(struct stats_ctx *c)
{
	int err = agg_read(&c->agg);

	if (err)
		pr_error("reading the counters (map aggs) failed: %s", strerror(-err));
	return err;
}

int stats_run(struct tracer *t, const struct trace_opts *o, volatile sig_atomic_t *stop)
{
	double interval = o->agg.interval > 0 ? o->agg.interval : 1.0;
	double start = mono_s(), last = start, next = start + interval, end = 0, now;
	struct stats_ctx c = {.t = t, .o = o};
	int i, n = 0, err;

	if (o->duration > 0)
		end = start + o->duration;
	sb_init(&c.sb);
	c.tty = !o->json && !o->output && isatty(STDOUT_FILENO);
	c.names = calloc(t->nfuncs, sizeof(*c.names));
	c.rows = calloc(t->nfuncs, sizeof(*c.rows));
	c.delta = calloc(t->nfuncs, sizeof(*c.delta));
	err = c.names && c.rows && c.delta ? 0 : -ENOMEM;
	for (i = 0; !err && i < t->nfuncs; i++) {
		const struct kfunc *kf = t->funcs[i].kf;

		if (kf->module ? asprintf(&c.names[i], "%s:%s", kf->module, kf->name) < 0 :
				 !(c.names[i] = strdup(kf->name)))
			err = -ENOMEM;
	}
	if (!err)
		err = agg_init(&c.agg, bpf_map__fd(t->skel->maps.aggs), t->nfuncs,
			       &t->skel->bss->agg_epoch);
	while (!err && !*stop) {
		sleep_until(end && end < next ? end : next, stop);
		now = mono_s();
		if (*stop || now < next)
			break; /* a signal, or --duration ends before the interval does */
		err = read_counters(&c);
		if (!err)
			err = stats_print(&c, ++n, now - last);
		last = now;
		next += interval;
		/* A slow terminal or a suspended ksnoop: no burst of catch-up tables. */
		if (next < now)
			next = now + interval;
		if (end && now >= end)
			break;
	}
	/* The totals: nothing is counted after the stop. */
	tracer_stop(t);
	if (!err)
		err = read_counters(&c);
	if (!err)
		err = stats_print(&c, 0, mono_s() - start);
	/* A reader that went away (| head) ends the run quietly. */
	if (c.werr)
		err = output_write_error(o->output, c.werr) == -EPIPE ? 0 : c.werr;
	agg_free(&c.agg);
	for (i = 0; c.names && i < t->nfuncs; i++)
		free(c.names[i]);
	free(c.names);
	free(c.rows);
	free(c.delta);
	sb_free(&c.sb);
	return err;
}
