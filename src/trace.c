// SPDX-License-Identifier: GPL-2.0
/*
 * `ksnoop trace`: load and attach for the functions select.c chose, then the
 * ring buffer loop (records to the pairer, calls to the output), the stop,
 * and the summary.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "chain.h"
#include "detach.h"
#include "json.h"
#include "kfeatures.h"
#include "log.h"
#include "ksnoop.skel.h"
#include "output.h"
#include "pair.h"
#include "record.h"
#include "select.h"
#include "stats.h"
#include "trace.h"

struct run {
	struct tracer t;
	struct output out;
	const struct trace_opts *o;
	struct tracer_opts topts; /* o->t, as --hist adjusts it */
	struct selected sel;
	const struct backend *be;
	struct ring_buffer *rb;
	struct pairer pair;
	__u64 shown, misses_reported, runs_missed;
	__u64 lost_reported[KSNOOP_LOST_REASONS]; /* per enum ksnoop_lost_reason */
	__u64 *lost_per_func;			  /* reported so far, per function and reason */
	__u64 deep;				  /* calls nested deeper than KSNOOP_MAX_DEPTH */
	__u64 not_counted; /* --count-by: calls the full key map could not count */
	double deadline;   /* stop consuming then, to report losses and check limits */
	unsigned int nrec;
	__u64 unread;	       /* records still queued when we stopped reading: counted only */
	bool counting;	       /* on_record() only counts (the final drain after detaching) */
	struct chains *chains; /* -s: calls go through the chain grouper */
	int init_pid_ns;       /* in the initial PID namespace: 1 yes, 0 no, -1 not known yet */
	__u64 reap_before;     /* the reap's bound: entries begun before, ns (pairer_reap()) */
	bool done;
};

/* Set by the signal handler, hence file-level: the one way a handler can tell the loop. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/*
 * A write to stdout failed (the reader went away, e.g. | head; ENOSPC): stop
 * tracing. output.c keeps the error, so whichever write saw it first, every
 * later one reports it here.
 */
static bool out_ok(struct run *r, int err)
{
	if (err)
		r->done = true;
	return !err;
}

static int show_call(struct run *r, const struct ksnoop_rec *entry, const struct ksnoop_rec *exit,
		     enum call_end end)
{
	const struct ksnoop_rec *rec = entry ? entry : exit;
	int err;

	if (r->done || rec->func >= (__u32)r->t.nfuncs)
		return 0;
	err = output_call(&r->out, &r->t.funcs[rec->func], entry, exit, end);
	if (!out_ok(r, err))
		return 0;
	r->shown++;
	if (r->o->max_events && r->shown >= r->o->max_events)
		r->done = true;
	return 0;
}

/* -s: a call on a complete chain, from the grouper. */
static int show_chained(void *ctx, __u64 group, const struct chain_call *c)
{
	struct run *r = ctx;
	int err;

	r->out.chain_group = group;
	r->out.chain_level = c->level;
	err = show_call(r, c->entry, c->exit, c->end);
	r->out.chain_group = 0;
	return err;
}

/*
 * The pairer's callback, a call ended: show it, or with -s hand it to the
 * grouper (function id = chain level).
 */
static void show(void *ctx, const struct ksnoop_rec *entry, const struct ksnoop_rec *exit,
		 enum call_end end)
{
	const struct ksnoop_rec *rec = entry ? entry : exit;
	struct run *r = ctx;

	/* A grouper that cannot keep the call (ENOMEM) stops the trace, as output errors do. */
	if (r->chains && !r->done && entry)
		out_ok(r, chains_add(r->chains, rec->func, entry, exit, end));
	else
		show_call(r, entry, exit, end);
}

static int on_record(void *ctx, void *data, size_t size)
{
	const struct ksnoop_rec *rec = data;
	struct run *r = ctx;

	if (rec_check(rec, size))
		return 0;
	if (r->counting) {
		/* a whole call (one record per call) is its two records */
		r->unread += rec->type == KSNOOP_REC_ENTRY && (rec->flags & KSNOOP_R_CALL) ? 2 : 1;
		return 0;
	}
	/* Under a flood the ring never empties: stop now and then (the record is consumed). */
	if (r->deadline && (++r->nrec & 255) == 0 && mono_s() > r->deadline) {
		int err = pairer_feed(&r->pair, rec, size);

		return err < 0 ? err : -EAGAIN;
	}
	return pairer_feed(&r->pair, rec, size);
}

/*
 * Is ksnoop in the initial PID namespace, where /proc names threads by the
 * ids the BPF program records? "NSpid:\t<pid>" alone: no outer namespace.
 */
static bool in_init_pid_ns(void)
{
	char line[256];
	bool init = false;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "NSpid:", 6))
			init = !strchr(line + 7, '\t');
	if (f)
		fclose(f);
	return init;
}

/*
 * Has the thread of @rec exited? Then none of its calls is running. A check
 * apart from the BPF program's depth, which a return the kernel skipped (a
 * recursion miss) leaves too high. Only in the initial PID namespace. @ctx:
 * the run (a pair_gone_fn).
 */
static bool thread_gone(void *ctx, const struct ksnoop_rec *rec)
{
	struct run *r = ctx;
	char path[64];

	if (r->init_pid_ns < 0)
		r->init_pid_ns = in_init_pid_ns();
	if (!r->init_pid_ns)
		return false;
	snprintf(path, sizeof(path), "/proc/%u/task/%u", rec->tgid, rec->tid);
	return access(path, F_OK) != 0 && errno == ENOENT;
}

/* While tracing: an entry the BPF program keeps for its call's one record. */
static void reap_held(void *ctx, const struct ksnoop_rec *rec, size_t size)
{
	struct run *r = ctx;

	pairer_reap_held(&r->pair, rec, size, r->reap_before, thread_gone, r);
}

/* The pairer's view of a thread at the stop: the BPF program's depth, 0 if it exited. */
static int stop_depth(void *ctx, const struct ksnoop_rec *oldest)
{
	struct run *r = ctx;

	return thread_gone(r, oldest) ? 0 :
					tracer_thread_depth(&r->t, oldest->tid, r->init_pid_ns > 0);
}

/*
 * An entry the BPF program kept for its call's one record at the stop: in
 * flight, unless its thread exited: then the call never returned (do_exit),
 * or the kernel skipped its return run.
 */
static void stop_held(void *ctx, const struct ksnoop_rec *rec, size_t size)
{
	struct run *r = ctx;

	pairer_held(&r->pair, rec, size, thread_gone(r, rec));
}

/* The "lost" map's reasons as output_lost() names them, by enum ksnoop_lost_reason. */
static const char *const lost_reason_names[KSNOOP_LOST_REASONS] = {
	[KSNOOP_LOST_RINGBUF] = "ringbuf",
	[KSNOOP_LOST_NESTED] = "nested",
};

/* The "stats" counter that sums each reason over functions. */
static const int lost_reason_stat[KSNOOP_LOST_REASONS] = {
	[KSNOOP_LOST_RINGBUF] = KSNOOP_STAT_LOST,
	[KSNOOP_LOST_NESTED] = KSNOOP_STAT_NESTED,
};

/* In-stream reports of what was lost since the last report, per reason and function. */
static void report_lost(struct run *r)
{
	__u64 st[KSNOOP_STAT_MAX], misses;
	const char **names = NULL;
	__u64 *counts = NULL;
	int i, reason;

	if (tracer_stats(&r->t, st, KSNOOP_STAT_MAX))
		return;
	for (reason = 0; reason < KSNOOP_LOST_REASONS; reason++) {
		__u64 total = 0, *seen;
		int nf = 0;

		if (st[lost_reason_stat[reason]] <= r->lost_reported[reason])
			continue;
		/*
		 * Count from the per-function map only, so that a report's
		 * total is the sum of its per-function counts even while the
		 * program goes on dropping (both maps grow together).
		 */
		if (!names)
			names = calloc(r->t.nfuncs, sizeof(*names));
		if (!counts)
			counts = calloc(r->t.nfuncs, sizeof(*counts));
		for (i = 0; names && counts && r->lost_per_func && i < r->t.nfuncs; i++) {
			__u64 l = tracer_lost(&r->t, i, reason);

			seen = &r->lost_per_func[i * KSNOOP_LOST_REASONS + reason];
			if (l <= *seen)
				continue;
			names[nf] = r->t.funcs[i].kf->name;
			counts[nf] = l - *seen;
			total += counts[nf++];
			*seen = l;
		}
		if (total)
			output_lost(&r->out, total, lost_reason_names[reason], names, counts, nf);
		r->lost_reported[reason] += total;
	}
	free(names);
	free(counts);
	r->runs_missed = tracer_recursion_misses(&r->t, &misses);
	if (misses > r->misses_reported) {
		output_lost(&r->out, misses - r->misses_reported, "recursion", NULL, NULL, 0);
		r->misses_reported = misses;
	}
}

/*
 * -s: the SPECs, one function each, selected in order, are the chain's
 * levels: function id i is level i, which its plan tells the BPF program.
 */
static int chain_setup(struct run *r, int nspecs)
{
	struct selected *s = &r->sel;
	int i;

	if (s->n != nspecs) {
		pr_error_hint("give each chain level its own function",
			      "-s/--stack: %d SPECs name %d distinct functions", nspecs, s->n);
		return -EINVAL;
	}
	for (i = 0; i < s->n; i++)
		s->funcs[i].plan.chain = i + 1;
	r->chains = chains_new(s->n, show_chained, r);
	return r->chains ? 0 : -errno;
}

/* The -vv plans: what each function's BPF plan reads. */
static void dump_plans(const struct selected *s)
{
	struct strbuf sb;
	int i;

	for (i = 0; i < s->n; i++) {
		sb_init(&sb);
		tfunc_dump(&s->funcs[i], &sb);
		fputs(sb_str(&sb), stderr);
		sb_free(&sb);
	}
}

/* Select and resolve the functions, and choose the backend: nothing is loaded yet. */
static int trace_prepare(struct run *r, struct kbtf *k, struct spec *specs, int nspecs)
{
	const struct trace_opts *o = r->o;
	struct backend_want w;
	int err, ferr;

	select_want(specs, nspecs, o, &w);
	r->be = select_backend(k, &w);
	timing_mark("backends probed");
	err = select_funcs(k, specs, nspecs, o, r->be, &r->sel);
	if (!err && o->hist.mode) {
		err = hist_setup(&o->hist, r->sel.funcs, r->sel.n, &r->topts);
		w.need_exit = !r->topts.entry_only;
	}
	if (!err && o->t.chain)
		err = chain_setup(r, nspecs);
	if (err)
		return err;
	/* The same backend (the probes are cached), now with the error if there is none. */
	r->be = backend_choose(&w);
	if (!r->be)
		return -errno;
	if (verbosity >= 2)
		dump_plans(&r->sel);
	if ((o->t.kernel_format || o->t.format_check) && !feature_probe(FEAT_SNPRINTF_BTF, &ferr)) {
		pr_error("--kernel-format needs bpf_snprintf_btf() (Linux 5.10+): %s",
			 strerror(-ferr));
		return -EOPNOTSUPP;
	}
	return 0;
}

/* "ksnoop: attached N functions in S s (backend), skipped ...; Ctrl-C to stop" */
static void say_attached(const struct run *r, double secs)
{
	const struct selected *s = &r->sel;
	int skipped = s->untraceable + s->no_arg + s->other + r->t.nskipped;

	fprintf(stderr, "ksnoop: attached %d function%s in %.2f s (%s)", r->t.nattached,
		r->t.nattached == 1 ? "" : "s", secs, r->be->name);
	if (skipped)
		fprintf(stderr,
			", skipped %d (%d untraceable, %d no such argument, %d other, %d refused by the kernel)",
			skipped, s->untraceable, s->no_arg, s->other, r->t.nskipped);
	fprintf(stderr, "; Ctrl-C to stop\n");
}

/* Load the BPF program with the plans, attach it, open the ring buffer. */
static int trace_start(struct run *r)
{
	const struct trace_opts *o = r->o;
	struct selected *s = &r->sel;
	double start;
	int err = 0;

	if (o->t.agg_mode || o->hist.mode)
		agg_prepare_funcs(s->funcs, s->n);
	if (o->hist.mode)
		err = hist_plans(&o->hist, s->funcs, s->n);
	start = mono_s();
	if (!err)
		err = tracer_load(&r->t, r->be, s->funcs, s->n, &r->topts);
	if (!err)
		err = tracer_attach(&r->t);
	/* -s: a level the kernel refused would hide every chain. */
	if (!err && r->chains && r->t.nattached < s->n) {
		pr_error_hint("run with -v to see which, and pick another function for that level",
			      "-s/--stack: the kernel refused %d of the chain's functions",
			      s->n - r->t.nattached);
		err = -EOPNOTSUPP;
	}
	if (err)
		return err;
	r->lost_per_func = calloc(s->n * KSNOOP_LOST_REASONS, sizeof(*r->lost_per_func));
	r->rb = ring_buffer__new(bpf_map__fd(r->t.skel->maps.events), on_record, r, NULL);
	if (!r->rb) {
		err = -errno;
		pr_error("cannot open the ring buffer: %s", strerror(-err));
		return err;
	}
	timing_mark("ring buffer opened");
	if (!o->quiet)
		say_attached(r, mono_s() - start);
	return 0;
}

/*
 * Read the ring buffer until a signal, -n, --duration or an output error.
 * Returns 0, or the error reading the ring buffer failed with.
 */
static int trace_loop(struct run *r)
{
	const struct trace_opts *o = r->o;
	double start, last_lost, last_reap;
	int err;

	output_init(&r->out, stdout, o->json);
	r->out.name = o->output;
	r->out.color = !o->json && output_want_color(o->color);
	r->out.show_errno = o->t.filter.errors;
	r->out.kstack = o->t.kstack;
	r->out.changes = o->t.changes;
	r->out.stack_fd = bpf_map__fd(r->t.skel->maps.stacks);
	if (!o->hist.mode && output_header(&r->out))
		r->done = true;
	start = last_lost = last_reap = mono_s();
	while (!stop_signal && !r->done && !output_gone(&r->out)) {
		/* on_record() hands control back after 100 ms of records (-EAGAIN). */
		r->deadline = mono_s() + 0.1;
		err = ring_buffer__poll(r->rb, 100);
		/* The program wakes us only when the ring fills up: read it anyway. */
		if (err == 0) {
			r->deadline = mono_s() + 0.1;
			err = ring_buffer__consume(r->rb);
		}
		if (err < 0 && err != -EINTR && err != -EAGAIN) {
			pr_error("reading the ring buffer failed: %s", strerror(-err));
			return err;
		}
		/* The ring is drained (or 100 ms of records were read): write them out. */
		out_ok(r, output_flush(&r->out));
		if (mono_s() - last_lost >= 1.0) {
			report_lost(r);
			last_lost = mono_s();
		}
		/* only with the ring read to its end: see pairer_reap() */
		if (err != -EAGAIN && mono_s() - last_reap >= 1.0) {
			last_reap = mono_s();
			r->reap_before = (__u64)((last_reap - 1.0) * 1e9);
			pairer_reap(&r->pair, r->reap_before, thread_gone, r);
			tracer_held_calls(&r->t, reap_held, r);
			out_ok(r, output_flush(&r->out));
		}
		if (o->duration > 0 && mono_s() - start >= o->duration)
			break;
	}
	return 0;
}

/*
 * The programs record nothing from here on (links stay until the end): what
 * is in the ring buffer is all there will be. Drain it for at most 0.3 s (a
 * full ring under --kernel-format takes longer to format), then count what is
 * left, so that every record is shown, reported lost, or counted here, and
 * say so. Then the entries still waiting: those the BPF program keeps for a
 * call's one record, and those here, for which the BPF program's depth for
 * the thread says whether the call is still running (in flight) or returned
 * with its return record lost. Neither is dropped silently.
 */
static void trace_drain(struct run *r)
{
	__u64 st[KSNOOP_STAT_MAX];

	tracer_stop(&r->t);
	r->deadline = mono_s() + 0.3;
	if (!r->done && ring_buffer__consume(r->rb) == -EAGAIN) {
		r->counting = true;
		r->deadline = 0;
		ring_buffer__consume(r->rb);
		fprintf(stderr,
			"ksnoop: stopped reading the ring buffer 0.3 s after the stop; %llu records still queued were not shown\n",
			(unsigned long long)r->unread);
	}
	report_lost(r);
	if (r->o->hist.mode)
		out_ok(r, hist_report(&r->t, &r->o->hist, &r->out, &r->shown, &r->not_counted));
	if (!tracer_stats(&r->t, st, KSNOOP_STAT_MAX))
		r->deep = st[KSNOOP_STAT_DEEP];
	tracer_held_calls(&r->t, stop_held, r);
	pairer_stop(&r->pair, stop_depth, r);
	out_ok(r, output_flush(&r->out));
}

/* Records lost, over every reason. */
static __u64 lost_total(const struct run *r)
{
	return r->lost_reported[KSNOOP_LOST_RINGBUF] + r->lost_reported[KSNOOP_LOST_NESTED] +
	       r->misses_reported;
}

/* -j: the {"type":"summary"} line at the end of a trace, @lost records lost in all. */
static void summary_json(const struct run *r)
{
	__u64 lost = lost_total(r);
	const struct {
		const char *key;
		__u64 v;
	} by_reason[] =
		{
			{"ringbuf", r->lost_reported[KSNOOP_LOST_RINGBUF]},
			{"nested", r->lost_reported[KSNOOP_LOST_NESTED]},
			{"recursion", r->misses_reported},
		},
	  after[] = {
		  {"recursion_misses", r->runs_missed},
		  {"in_flight", r->pair.in_flight},
		  {"return_lost", r->pair.return_lost},
		  {"unpaired", r->pair.unpaired},
		  {"too_deep", r->deep},
		  {"unread", r->unread},
		  {"format_mismatches", r->out.format_mismatches},
	  };
	struct strbuf sb;
	struct jw w;
	size_t i;

	sb_init(&sb);
	jw_record(&w, &sb, "summary");
	JW_KEY(&w, "calls");
	jw_u64(&w, r->shown);
	JW_KEY(&w, "lost");
	jw_u64(&w, lost);
	JW_KEY(&w, "lost_by_reason");
	jw_obj_begin(&w);
	for (i = 0; i < ARRAY_SIZE(by_reason); i++) {
		jw_key(&w, by_reason[i].key, strlen(by_reason[i].key));
		jw_u64(&w, by_reason[i].v);
	}
	jw_obj_end(&w);
	for (i = 0; i < ARRAY_SIZE(after); i++) {
		jw_key(&w, after[i].key, strlen(after[i].key));
		jw_u64(&w, after[i].v);
	}
	jw_record_end(&w);
	fputs(sb_str(&sb), stdout);
	sb_free(&sb);
}

/* The summary line on stderr: calls, losses, what could not be paired or shown. */
static void summary_text(const struct run *r)
{
	const struct trace_opts *o = r->o;
	__u64 lost = lost_total(r);

	fprintf(stderr, "ksnoop: %llu calls %s, %llu records lost", (unsigned long long)r->shown,
		o->hist.mode ? "counted" : "shown", (unsigned long long)lost);
	if (lost)
		fprintf(stderr, " (%llu ring buffer full, %llu nested, %llu recursion)",
			(unsigned long long)r->lost_reported[KSNOOP_LOST_RINGBUF],
			(unsigned long long)r->lost_reported[KSNOOP_LOST_NESTED],
			(unsigned long long)r->misses_reported);
	fprintf(stderr, ", %llu in flight at exit", (unsigned long long)r->pair.in_flight);
	if (r->pair.return_lost)
		fprintf(stderr, ", %llu return lost", (unsigned long long)r->pair.return_lost);
	if (r->pair.unpaired)
		fprintf(stderr, ", %llu unpaired", (unsigned long long)r->pair.unpaired);
	if (r->deep)
		fprintf(stderr, ", %llu nested too deep to pair", (unsigned long long)r->deep);
	if (r->chains)
		fprintf(stderr, ", %llu chains (%llu calls on incomplete chains not shown)",
			(unsigned long long)chains_shown(r->chains),
			(unsigned long long)chains_dropped(r->chains));
	if (r->not_counted)
		fprintf(stderr, ", %llu not counted (key map full)",
			(unsigned long long)r->not_counted);
	if (r->unread)
		fprintf(stderr, ", %llu records queued at the stop not shown",
			(unsigned long long)r->unread);
	if (o->t.format_check)
		fprintf(stderr, ", %llu format mismatches",
			(unsigned long long)r->out.format_mismatches);
	fputc('\n', stderr);
}

/*
 * The summaries, and the run's result: a write error ends it (said, or
 * nothing if the reader left, | head), then format mismatches, else @err.
 */
static int trace_finish(struct run *r, int err)
{
	if (r->o->json && !r->out.err)
		summary_json(r);
	if (fflush(stdout) && !r->out.err)
		r->out.err = errno ? -errno : -EIO;
	if (r->out.err)
		return output_write_error(r->o->output, r->out.err) == -EPIPE ? 0 : r->out.err;
	if (!r->o->quiet)
		summary_text(r);
	return r->out.format_mismatches ? -EBADMSG : err;
}

static int trace_run(struct run *r)
{
	struct sigaction sa = {};
	int err;

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = trace_start(r);
	if (!err && r->o->output)
		err = output_open(r->o->output);
	if (err)
		return err;
	/* Aggregation: no records, its own loop of tables. */
	if (r->o->t.agg_mode == KSNOOP_AGG_STATS)
		return stats_run(&r->t, r->o, &stop_signal);
	err = trace_loop(r);
	trace_drain(r);
	return trace_finish(r, err);
}

int cmd_trace(struct kbtf *k, struct spec *specs, int nspecs, const struct trace_opts *o)
{
	struct run *r;
	int err;

	if (k->from_file) {
		pr_error_hint(
			"use --btf with 'info'; 'trace' reads the running kernel's BTF",
			"cannot trace with --btf: the BTF file need not describe this kernel");
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->o = o;
	r->topts = o->t;
	r->init_pid_ns = -1;
	pairer_init(&r->pair, show, r);
	err = trace_prepare(r, k, specs, nspecs);
	if (!err) {
		err = trace_run(r);
		ring_buffer__free(r->rb);
		/* Many links take long to remove: a child may do it, the user has the summary. */
		detach_in_background(&r->t);
		tracer_close(&r->t);
		free(r->lost_per_func);
		output_free(&r->out);
	}
	chains_free(r->chains);
	pairer_free(&r->pair);
	selected_free(&r->sel);
	free(r);
	return err;
}
