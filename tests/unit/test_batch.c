// SPDX-License-Identifier: GPL-2.0
/*
 * The output stage's writing: batched when stdout is not a terminal (written
 * at output_flush() or once OUTPUT_BATCH bytes are pending), line by line on a
 * terminal, the same bytes either way, and a write error that sticks.
 * Records without values keep these tests free of BTF: the call's header
 * line is all there is to write.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "test.h"

static const struct kfunc fake_kf = {.name = "ip_send_skb"};

/* A call of fake_kf at 5 s + @i us, returning after 12.345 us; no values. */
static void fake_call(struct tfunc *tf, struct ksnoop_rec *entry, struct ksnoop_rec *exit, int i)
{
	memset(tf, 0, sizeof(*tf));
	tf->kf = &fake_kf;
	memset(entry, 0, sizeof(*entry));
	entry->type = KSNOOP_REC_ENTRY;
	entry->size = sizeof(*entry);
	entry->cpu = 1;
	entry->tgid = entry->tid = 215;
	entry->ts = 5000000000ULL + i * 1000ULL;
	strcpy(entry->comm, "udpsend");
	*exit = *entry;
	exit->type = KSNOOP_REC_EXIT;
	exit->ts = entry->ts + 12345;
}

static off_t file_size(FILE *f)
{
	struct stat st;

	return fstat(fileno(f), &st) ? -1 : st.st_size;
}

/* The whole content of @f. The caller frees it. */
static char *file_text(FILE *f)
{
	off_t n = file_size(f);
	char *buf = calloc(1, n > 0 ? n + 1 : 1);

	if (buf && n > 0 && pread(fileno(f), buf, n, 0) != n)
		buf[0] = '\0';
	return buf;
}

/* An output to a fresh temporary file, with wall time = boot time (UTC). */
static FILE *open_out(struct output *o, bool json)
{
	FILE *f = tmpfile();

	if (f) {
		output_init(o, f, json);
		o->boot_ns = 0;
	}
	return f;
}

/* Bytes of one call's line in the golden below. */
#define LINE_LEN 77

TEST(output_batched_until_flush)
{
	struct ksnoop_rec entry, exit;
	struct output o, line;
	FILE *f, *g;
	struct tfunc tf;
	char *a = NULL, *b = NULL;
	int i;

	setenv("TZ", "UTC", 1);
	f = open_out(&o, false);
	g = open_out(&line, false);
	if (!ASSERT_TRUE(f && g, "tmpfile"))
		goto out;
	ASSERT_TRUE(o.batch, "a file is batched");
	line.batch = false; /* what a terminal gets */
	for (i = 0; i < 3; i++) {
		fake_call(&tf, &entry, &exit, i);
		ASSERT_OK(output_call(&o, &tf, &entry, &exit, CALL_SEEN), "batched call");
		ASSERT_OK(output_call(&line, &tf, &entry, &exit, CALL_SEEN), "line call");
		/* Line by line: each call is in the file as soon as output_call() returns. */
		ASSERT_EQ(file_size(g), (i + 1) * LINE_LEN, "line-mode bytes after each call");
	}
	ASSERT_EQ(file_size(f), 0, "batched bytes before output_flush()");
	ASSERT_OK(output_flush(&o), "flush");
	a = file_text(f);
	b = file_text(g);
	ASSERT_STREQ(a, b, "batched vs line-by-line bytes");
	ASSERT_STREQ(
		a,
		"00:00:05.000000   1 215     215     udpsend          ip_send_skb (12.345 us)\n"
		"00:00:05.000001   1 215     215     udpsend          ip_send_skb (12.345 us)\n"
		"00:00:05.000002   1 215     215     udpsend          ip_send_skb (12.345 us)\n",
		"golden text");
	ASSERT_OK(output_flush(&o), "flush with nothing pending");
	ASSERT_EQ(file_size(f), 3 * LINE_LEN, "an empty flush writes nothing");
out:
	free(a);
	free(b);
	if (f) {
		output_free(&o);
		fclose(f);
	}
	if (g) {
		output_free(&line);
		fclose(g);
	}
}

TEST(output_batch_writes_when_full)
{
	struct ksnoop_rec entry, exit;
	struct tfunc tf;
	struct output o;
	long n = 0;
	FILE *f;

	f = open_out(&o, true);
	if (!ASSERT_TRUE(f, "tmpfile"))
		return;
	fake_call(&tf, &entry, &exit, 0);
	/* Nothing is written until OUTPUT_BATCH bytes are pending, then all of them. */
	while (file_size(f) == 0 && n < OUTPUT_BATCH) {
		if (!ASSERT_OK(output_call(&o, &tf, &entry, &exit, CALL_SEEN), "call"))
			break;
		n++;
	}
	ASSERT_TRUE(file_size(f) >= OUTPUT_BATCH, "a full batch is written without a flush");
	ASSERT_EQ(o.sb.len, 0, "nothing left pending after the batch write");
	ASSERT_TRUE(n > 1 && n < OUTPUT_BATCH, "calls until the first write");
	output_free(&o);
	fclose(f);
}

TEST(output_write_error_sticks)
{
	struct ksnoop_rec entry, exit;
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	struct tfunc tf;
	struct output o;
	int fds[2];
	FILE *f;

	if (!ASSERT_OK(pipe(fds), "pipe"))
		return;
	f = fdopen(fds[1], "w");
	if (!ASSERT_TRUE(f, "fdopen"))
		return;
	output_init(&o, f, false);
	ASSERT_TRUE(o.batch, "a pipe is batched");
	fake_call(&tf, &entry, &exit, 0);
	/* The reader goes away (| head): the batched call stays pending until the flush. */
	close(fds[0]);
	ASSERT_OK(output_call(&o, &tf, &entry, &exit, CALL_SEEN), "call before the flush");
	ASSERT_EQ(output_flush(&o), -EPIPE, "flush to a pipe without reader");
	ASSERT_EQ(output_call(&o, &tf, &entry, &exit, CALL_SEEN), -EPIPE, "the next call");
	ASSERT_EQ(output_lost(&o, 1, "ringbuf", NULL, NULL, 0), -EPIPE, "a loss report");
	ASSERT_EQ(output_flush(&o), -EPIPE, "the next flush");
	output_free(&o);
	fclose(f);
	signal(SIGPIPE, old);
}
