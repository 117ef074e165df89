// SPDX-License-Identifier: GPL-2.0
/*
 * Stage 5 tests: what output_call() and output_lost() write, with and without
 * colour, and how a failing output behaves: the first write error is kept
 * and returned, and a record cut short in a file is taken back out.
 *
 * Records are built here as the BPF program lays them out, for
 * "ip_send_skb(skb->len, skb->sk)" resolved against the host kernel's BTF
 * (skipped without it): skb->len = 128, skb->sk NULL (unreadable at 0).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "format.h"
#include "kbtf.h"
#include "output.h"
#include "parse.h"
#include "resolve.h"
#include "test.h"
#include "tlib.h"

struct call {
	struct tfunc tf;
	__u64 entry[64], exit[16]; /* 8-aligned record buffers */
};

static size_t add_val(struct ksnoop_rec *r, size_t off, __u8 item, __u8 flags, const void *data,
		      __u16 len)
{
	struct ksnoop_val *v = (void *)((__u8 *)r + off);

	memset(v, 0, sizeof(*v) + KSNOOP_VAL_ALIGN(len));
	v->item = item;
	v->flags = flags;
	v->len = len;
	memcpy(v->data, data, len);
	r->nvals++;
	return off + sizeof(*v) + KSNOOP_VAL_ALIGN(len);
}

static void rec_init(struct ksnoop_rec *r, __u16 type, __u64 ts)
{
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->cpu = 1;
	r->tgid = r->tid = 215;
	r->ts = ts;
	strcpy(r->comm, "udpconn");
}

/* Resolve the SPEC and build its entry and exit records; false (skipped) without BTF. */
static bool call_init(struct call *c)
{
	struct resolve_opts ropts = {.string_size = 256};
	struct ksnoop_rec *e = (void *)c->entry, *x = (void *)c->exit;
	const struct kbtf *kb;
	struct resolve_err rerr;
	__u32 len = 128;
	size_t off;
	int err;

	memset(c, 0, sizeof(*c));
	err = tl_host_btf(&kb);
	if (err == -ENOENT) {
		test_skip("no readable /sys/kernel/btf/vmlinux");
		return false;
	}
	if (!ASSERT_OK(err, "kbtf_load") ||
	    !ASSERT_OK(tl_resolve(kb, "ip_send_skb(skb->len, skb->sk)", &ropts, &c->tf, &rerr),
		       rerr.msg))
		return false;
	rec_init(e, KSNOOP_REC_ENTRY, 5000000000ULL);
	off = add_val(e, sizeof(*e), 0, 0, &len, sizeof(len));
	off = add_val(e, off, 1, KSNOOP_V_UNREADABLE, "", 0);
	e->size = off;
	rec_init(x, KSNOOP_REC_EXIT, 5000001000ULL);
	x->size = sizeof(*x);
	return true;
}

static void call_free(struct call *c)
{
	tfunc_free(&c->tf);
}

/* Everything written to @f (a tmpfile()), NUL-terminated; free() it. */
static char *contents(FILE *f)
{
	struct stat st;
	char *s;

	fflush(f);
	if (fstat(fileno(f), &st))
		return NULL;
	s = calloc(1, st.st_size + 1);
	if (s && pread(fileno(f), s, st.st_size, 0) != st.st_size) {
		free(s);
		return NULL;
	}
	return s;
}

/* A JSON output into a tmpfile(), for a test's calls; NULL (asserted) if none. */
static FILE *json_open(struct output *o)
{
	FILE *f = tmpfile();

	if (!ASSERT_TRUE(f != NULL, "tmpfile"))
		return NULL;
	output_init(o, f, true);
	o->boot_ns = 0; /* a fixed clock: renders are compared byte for byte */
	return f;
}

/* Flush and free @o, opened by json_open(): what it wrote to @f, to free(). */
static char *json_close(struct output *o, FILE *f)
{
	char *s;

	ASSERT_OK(output_flush(o), "output_flush");
	output_free(o);
	s = contents(f);
	fclose(f);
	return s;
}

/* The line at *@pos, its newline cut in place, and *@pos moved past it; NULL (asserted) if none. */
static char *next_line(char **pos)
{
	char *line = *pos, *nl = line ? strchr(line, '\n') : NULL;

	if (!ASSERT_TRUE(nl != NULL, "one line per call"))
		return NULL;
	*nl = '\0';
	*pos = nl + 1;
	return line;
}

/* @s without its ANSI colour sequences (ESC [ ... m), in place. */
static char *uncolor(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '\033' && r[1] == '[') {
			r += strcspn(r, "m");
			r += !!*r;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
	return s;
}

/* One call and one lost line written with @color, @json, --@changes; the text, to free(). */
static char *render(struct call *c, bool json, bool color, bool changes)
{
	const char *names[] = {"ip_send_skb"};
	const __u64 counts[] = {3};
	struct output o;
	FILE *f = tmpfile();
	char *s;

	if (!ASSERT_TRUE(f != NULL, "tmpfile"))
		return NULL;
	output_init(&o, f, json);
	/* A fixed clock: two renders are compared byte for byte (the offset can move by 1 us). */
	o.boot_ns = 0;
	o.color = color;
	o.changes = changes;
	ASSERT_OK(output_header(&o), "output_header");
	ASSERT_OK(output_call(&o, &c->tf, (void *)c->entry, (void *)c->exit, CALL_SEEN),
		  "output_call");
	ASSERT_OK(output_lost(&o, 3, "ringbuf", names, counts, 1), "output_lost");
	ASSERT_OK(output_flush(&o), "output_flush"); /* not a terminal: batched until here */
	output_free(&o);
	s = contents(f);
	fclose(f);
	return s;
}

TEST(output_color_text)
{
	struct call c;
	char *plain, *col;

	if (!call_init(&c))
		goto out;
	plain = render(&c, false, false, false);
	col = render(&c, false, true, false);
	if (!ASSERT_TRUE(plain && col, "rendered")) {
		free(plain);
		free(col);
		goto out;
	}
	ASSERT_TRUE(!strchr(plain, '\033'), "no escape sequences with colour off");
	ASSERT_HAS(plain, "    skb->len = (unsigned int)128\n    skb->sk = NULL\n", "plain items");
	/* What colour marks, and nothing else: without the escapes the text is the same. */
	ASSERT_HAS(col, " udpconn          \033[1;36mip_send_skb\033[0m (1.000 us)\n",
		   "function name");
	ASSERT_HAS(col, "    \033[33mskb->len\033[0m = (unsigned int)128\n", "label");
	ASSERT_HAS(col, "    \033[33mskb->sk\033[0m = \033[1;31mNULL\033[0m\n", "NULL marker");
	ASSERT_HAS(
		col,
		"\033[1;35m--- lost 3 records (ring buffer full; raise -P): ip_send_skb 3\033[0m\n",
		"lost line");
	ASSERT_STREQ(uncolor(col), plain, "coloured text without its escapes");
	free(plain);
	free(col);
out:
	call_free(&c);
}

TEST(output_color_never_json)
{
	struct call c;
	char *col;

	if (!call_init(&c))
		goto out;
	col = render(&c, true, true, false);
	if (ASSERT_TRUE(col != NULL, "rendered")) {
		ASSERT_TRUE(!strchr(col, '\033'), "JSON has no escape sequences");
		ASSERT_HAS(col, "\"args\":{\"skb->len\":128,\"skb->sk\":null}", "JSON args");
	}
	free(col);
out:
	call_free(&c);
}

/* The first write error is returned, kept, and nothing is written after it. */
TEST(output_write_error_sticky)
{
	struct output o;
	struct call c;
	FILE *f;

	if (!call_init(&c))
		goto out;
	f = fopen("/dev/full", "w");
	if (!f) {
		test_skip("no /dev/full");
		goto out;
	}
	output_init(&o, f, false);
	ASSERT_EQ(output_header(&o), -ENOSPC, "header to /dev/full");
	ASSERT_EQ(o.err, -ENOSPC, "kept");
	ASSERT_EQ(output_call(&o, &c.tf, (void *)c.entry, (void *)c.exit, CALL_SEEN), -ENOSPC,
		  "a call after the error");
	ASSERT_TRUE(!output_gone(&o) || o.err == -ENOSPC, "output_gone keeps the first error");
	output_free(&o);
	fclose(f);
out:
	call_free(&c);
}

/* One call written out now (a file is batched; ksnoop flushes when the ring drains). */
/*
 * --changes: skb->len read again at return as 160 (changed), skb->sk unreadable
 * again (unchanged): text shows "old -> new" for the first only, JSON both
 * captures of each.
 */
TEST(output_changes)
{
	struct ksnoop_rec *x;
	__u32 len = 160;
	struct call c;
	char *text, *json;
	size_t off;

	if (!call_init(&c))
		goto out;
	x = (void *)c.exit;
	off = add_val(x, sizeof(*x), 0, 0, &len, sizeof(len));
	off = add_val(x, off, 1, KSNOOP_V_UNREADABLE, "", 0);
	x->size = off;
	text = render(&c, false, false, true);
	json = render(&c, true, false, true);
	if (ASSERT_TRUE(text && json, "rendered")) {
		ASSERT_HAS(text,
			   "    skb->len = (unsigned int)128 -> (unsigned int)160\n"
			   "    skb->sk = NULL\n",
			   "text: changed, then unchanged");
		ASSERT_HAS(json,
			   "\"args\":{\"skb->len\":{\"entry\":128,\"exit\":160},"
			   "\"skb->sk\":{\"entry\":null,\"exit\":null}}",
			   "JSON: entry and exit of each");
	}
	free(text);
	free(json);
	/* Without --changes nothing is compared. */
	text = render(&c, false, false, false);
	if (ASSERT_TRUE(text != NULL, "rendered"))
		ASSERT_TRUE(!strstr(text, " -> "), "no arrows without --changes");
	free(text);
out:
	call_free(&c);
}

static int call_flushed(struct output *o, struct call *c)
{
	int err = output_call(o, &c->tf, (void *)c->entry, (void *)c->exit, CALL_SEEN);

	return err ? err : output_flush(o);
}

/*
 * A file that cannot take a whole record (RLIMIT_FSIZE: a partial write, then
 * EFBIG) ends with the last complete record, never part of one.
 */
TEST(output_file_whole_records)
{
	struct rlimit old, lim;
	struct output o;
	struct call c;
	size_t one = 0;
	char *s = NULL;
	void (*oldsig)(int);
	FILE *f;
	int err = 0, n;

	if (!call_init(&c))
		goto out;
	f = tmpfile();
	if (!ASSERT_TRUE(f != NULL, "tmpfile"))
		goto out;
	output_init(&o, f, true);
	ASSERT_OK(call_flushed(&o, &c), "first call");
	one = ftell(f) > 0 ? (size_t)ftell(f) : (size_t)lseek(fileno(f), 0, SEEK_CUR);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = one * 5 + one / 2; /* the 6th record does not fit */
	oldsig = signal(SIGXFSZ, SIG_IGN);
	if (!ASSERT_OK(setrlimit(RLIMIT_FSIZE, &lim), "setrlimit"))
		goto restore;
	for (n = 1; n < 10 && !err; n++)
		err = call_flushed(&o, &c);
	setrlimit(RLIMIT_FSIZE, &old);
	ASSERT_EQ(err, -EFBIG, "the error past the limit");
	ASSERT_EQ(n, 6, "calls written until the error");
	s = contents(f);
	if (ASSERT_TRUE(s != NULL, "contents")) {
		ASSERT_EQ(strlen(s), one * 5, "bytes in the file: 5 whole records");
		ASSERT_EQ(lseek(fileno(f), 0, SEEK_CUR), (long long)(one * 5), "file offset");
	}
restore:
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, oldsig);
	free(s);
	output_free(&o);
	fclose(f);
out:
	call_free(&c);
}

/*
 * JSON: comm and the function name are remembered encoded from one call to
 * the next; a new comm (one to escape) is encoded again, and the one before
 * comes back right after it. A comm of the same length as the one before but
 * for one byte (at the start, in the middle, at the end: the comparison reads
 * short strings in words) is a new one.
 */
TEST(output_json_remembered_strings)
{
	/* The comms in turn, and their JSON when it is not just the comm quoted. */
	static const char *const comms[][2] = {
		{"udpconn"},
		{"a\"b\x01", "\"a\\\"b\\u0001\""},
		{"a\"b\x01", "\"a\\\"b\\u0001\""},
		{"udpconn"},
		{"abcde"},
		{"Xbcde"},
		{"XbcdY"},
		{"XbZdY"},
		{"abcdefghijkl"},
		{"abcdefgXijkl"},
		{"abcdefghijklmnop"},
		{"Xbcdefghijklmnop"},
		{"XbcdefghijklmnoY"},
		{"XbcdefgZijklmnoY"},
		{"XbcdefgZWjklmnoY"},
		{"ab"},
		{"aX"},
		{""},
		{""},
	};
	struct ksnoop_rec *e;
	struct output o;
	struct call c;
	FILE *f;
	char *s, *pos, *line;
	size_t i;

	if (!call_init(&c))
		return;
	f = json_open(&o);
	if (!f)
		goto out;
	e = (void *)c.entry;
	for (i = 0; i < ARRAY_SIZE(comms); i++) {
		/* Up to 16 bytes: a full comm has no NUL. */
		memset(e->comm, 0, sizeof(e->comm));
		memcpy(e->comm, comms[i][0], strlen(comms[i][0]));
		ASSERT_OK(output_call(&o, &c.tf, e, (void *)c.exit, CALL_SEEN), "output_call");
	}
	s = json_close(&o, f);
	pos = s;
	for (i = 0; s && i < ARRAY_SIZE(comms); i++) {
		char buf[64];

		line = next_line(&pos);
		if (!line)
			break;
		if (comms[i][1])
			snprintf(buf, sizeof(buf),
				 "\"comm\":%s,\"func\":\"ip_send_skb\",\"args\":{", comms[i][1]);
		else
			snprintf(buf, sizeof(buf),
				 "\"comm\":\"%s\",\"func\":\"ip_send_skb\",\"args\":{",
				 comms[i][0]);
		ASSERT_HAS(line, buf, "comm and func");
	}
	free(s);
out:
	call_free(&c);
}

/*
 * A struct item (skb->sk, struct sock) prints one line per member, each line
 * after the first indented by 4 under its label, and by 4 per level more in
 * a -s chain: what fmt_text() prints for the bytes, indented. Bytes all set
 * (more lines than indent_tail() keeps the places of) and one in 8 set.
 */
TEST(output_text_struct_indented)
{
	static __u64 rec[KSNOOP_SCRATCH / 8];
	static __u8 sk[KSNOOP_MAX_VALUE];
	struct ksnoop_rec *e = (void *)rec;
	struct ksnoop_val *v = (void *)(e + 1);
	struct strbuf val, want;
	int fill, level, lines;
	struct output o;
	struct call c;
	char *s, *p;
	__u16 len;
	long size;
	FILE *f;

	if (!call_init(&c))
		return;
	size = btf__resolve_size(c.tf.kf->btf, c.tf.items[1].type_id);
	len = size > 0 && size < (long)sizeof(sk) ? (__u16)size : (__u16)sizeof(sk);
	sb_init(&val);
	sb_init(&want);
	for (fill = 1; fill <= 8; fill *= 8) {
		for (size_t i = 0; i < len; i++)
			sk[i] = i % fill ? 0 : 0x11;
		rec_init(e, KSNOOP_REC_ENTRY, 5000000000ULL);
		e->size = add_val(e, sizeof(*e), 1, 0, sk, len);
		v->addr = 0xffff888003c2a000ULL;
		sb_reset(&val);
		if (!ASSERT_OK(fmt_text(c.tf.kf->btf, c.tf.items[1].type_id, sk, len, &val),
			       "fmt_text"))
			break;
		for (level = 0; level <= 2; level += 2) {
			/* The item's lines as they should come out. */
			sb_reset(&want);
			sb_printf(&want, "%*s    skb->sk = *(0xffff888003c2a000) ", 4 * level, "");
			for (p = val.buf, lines = 0; *p; p++, lines++) {
				size_t n = strcspn(p, "\n");

				if (lines)
					sb_printf(&want, "%*s    ", 4 * level, "");
				sb_put(&want, p, n + (p[n] == '\n'));
				p += n - (p[n] != '\n');
			}
			f = tmpfile();
			if (!ASSERT_TRUE(f != NULL, "tmpfile"))
				break;
			output_init(&o, f, false);
			o.chain_group = level ? 1 : 0;
			o.chain_level = level;
			ASSERT_OK(output_call(&o, &c.tf, e, (void *)c.exit, CALL_SEEN),
				  "output_call");
			ASSERT_OK(output_flush(&o), "output_flush");
			output_free(&o);
			s = contents(f);
			fclose(f);
			ASSERT_TRUE(fill > 1 || lines > 512, "more lines than indent_tail() keeps");
			ASSERT_HAS(s, sb_str(&want), "indented struct");
			free(s);
		}
	}
	sb_free(&val);
	sb_free(&want);
	call_free(&c);
}

/* @c's call for @kf, one output of its own (nothing remembered from earlier calls). */
static char *render_fresh(struct call *c, const struct kfunc *kf)
{
	const struct kfunc *was = c->tf.kf;
	struct output o;
	FILE *f = json_open(&o);

	if (!f)
		return NULL;
	c->tf.kf = kf;
	ASSERT_OK(output_call(&o, &c->tf, (void *)c->entry, (void *)c->exit, CALL_SEEN),
		  "output_call");
	c->tf.kf = was;
	return json_close(&o, f);
}

/*
 * JSON keeps the text "pid" to "func" of the last call for the next of the
 * same thread, comm and function: each change of one of them (a comm that
 * differs only after its NUL too), in one output, prints as a fresh output
 * prints that call.
 */
TEST(output_json_who_kept)
{
	static const struct {
		__u32 tgid, tid;
		const char *comm, *tail; /* tail: bytes after the comm's NUL */
		bool other_func;
	} calls[] = {
		{215, 215, "udpconn"},	    {215, 215, "udpconn"},
		{215, 216, "udpconn"},	    {216, 216, "udpconn"},
		{216, 216, "udpconn", "x"}, {216, 216, "udpconn", "x"},
		{216, 216, "udpconX", "x"}, {216, 216, "udpconX", "x", true},
		{216, 216, "udpconX"},	    {215, 215, "udpconn"},
	};
	struct kfunc other;
	struct ksnoop_rec *e;
	struct output o;
	struct call c;
	FILE *f;
	char *s, *pos, *line, *want, *wpos, *wline;
	size_t i;
	bool ok;

	if (!call_init(&c))
		return;
	other = *c.tf.kf;
	other.name = "a_function_with_a_longer_name";
	f = json_open(&o);
	if (!f)
		goto out;
	e = (void *)c.entry;
	for (i = 0; i < ARRAY_SIZE(calls); i++) {
		const struct kfunc *was = c.tf.kf;

		e->tgid = calls[i].tgid;
		e->tid = calls[i].tid;
		memset(e->comm, 0, sizeof(e->comm));
		strcpy(e->comm, calls[i].comm);
		if (calls[i].tail)
			strcpy(e->comm + strlen(calls[i].comm) + 1, calls[i].tail);
		if (calls[i].other_func)
			c.tf.kf = &other;
		ASSERT_OK(output_call(&o, &c.tf, e, (void *)c.exit, CALL_SEEN), "output_call");
		c.tf.kf = was;
	}
	s = json_close(&o, f);
	pos = s;
	for (i = 0; s && i < ARRAY_SIZE(calls); i++) {
		line = next_line(&pos);
		if (!line)
			break;
		e->tgid = calls[i].tgid;
		e->tid = calls[i].tid;
		memset(e->comm, 0, sizeof(e->comm));
		strcpy(e->comm, calls[i].comm);
		want = render_fresh(&c, calls[i].other_func ? &other : c.tf.kf);
		wpos = want;
		wline = next_line(&wpos);
		ok = wline && ASSERT_STREQ(line, wline, "as a fresh output");
		free(want);
		if (!ok)
			break;
	}
	free(s);
out:
	call_free(&c);
}

/* JSON "time_ns" keeps its seconds' digits: each time prints as "%llu" does. */
TEST(output_json_time_ns)
{
	static const __u64 times[] = {
		0,	    1,		999999999,  1000000000,	      1000000001,
		5000000000, 5000012345, 5999999999, 6000000000,	      5000000007,
		~0ULL,	    ~0ULL - 1,	1000000000, 12345678901234ULL};
	struct ksnoop_rec *e, *x;
	struct output o;
	struct call c;
	char *s, *pos, *line, want[64];
	FILE *f;
	size_t i;

	if (!call_init(&c))
		return;
	f = json_open(&o);
	if (!f)
		goto out;
	e = (void *)c.entry;
	x = (void *)c.exit;
	for (i = 0; i < ARRAY_SIZE(times); i++) {
		e->ts = times[i];
		x->ts = times[i] + (times[i] < ~0ULL - 10 ? 10 : 0);
		ASSERT_OK(output_call(&o, &c.tf, e, x, CALL_SEEN), "output_call");
	}
	s = json_close(&o, f);
	pos = s;
	for (i = 0; s && i < ARRAY_SIZE(times); i++) {
		line = next_line(&pos);
		if (!line)
			break;
		snprintf(want, sizeof(want), "\"time_ns\":%llu,", (unsigned long long)times[i]);
		ASSERT_HAS(line, want, "time_ns");
	}
	free(s);
out:
	call_free(&c);
}
