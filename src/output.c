// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio_ext.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "filter.h"
#include "format.h"
#include "json.h"
#include "output.h"
#include "record.h"

/*
 * Colours of the text output on a terminal (--color): what a reader scans
 * for. Never in JSON. Each colour is one literal, so adding one costs a copy.
 */
#define COL_FUNC  "\033[1;36m" /* function names */
#define COL_LABEL "\033[33m"   /* item labels: "skb->len" of "skb->len = ..." */
#define COL_BAD	  "\033[1;31m" /* NULL, unreadable: a value that is not there */
#define COL_LOST  "\033[1;35m" /* "--- lost ..." lines */
#define COL_OFF	  "\033[0m"

static inline void sb_color(struct strbuf *sb, bool on, const char *col)
{
	if (on)
		sb_adds(sb, col);
}

static __u64 clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* fmt_text() or fmt_json() through the output's long-lived type cache. */
static int fmt_value(struct output *o, const struct btf *btf, __u32 id, const void *data,
		     size_t len, bool json, struct strbuf *sb)
{
	if (!o->types)
		o->types = fmt_cache_new();
	if (!o->types)
		return json ? fmt_json(btf, id, data, len, sb) : fmt_text(btf, id, data, len, sb);
	return json ? fmt_json_c(o->types, btf, id, data, len, sb) :
		      fmt_text_c(o->types, btf, id, data, len, sb);
}

void output_init(struct output *o, FILE *f, bool json)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
	/* A terminal shows each call as it comes; pipes and files get fewer, larger writes. */
	o->batch = fileno(f) < 0 || !isatty(fileno(f));
	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC: derive wall time from one offset. */
	o->boot_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	sb_init(&o->sb);
}

void output_free(struct output *o)
{
	sb_free(&o->sb);
	ksyms_free(o->ksyms);
	fmt_cache_free(o->types);
	o->types = NULL;
}

static int flush(struct output *o);

int output_header(struct output *o)
{
	if (o->json)
		return 0;
	sb_reset(&o->sb);
	sb_printf(&o->sb, "%-15s %3s %-7s %-7s %-16s %s\n", "TIME", "CPU", "PID", "TID", "COMM",
		  "FUNCTION");
	return flush(o);
}

/*
 * Write the wall-clock time of @ts at @p: "HH:MM:SS.uuuuuu" local time, or
 * RFC 3339 UTC; at most WALL_TIME_MAX bytes. Returns the end.
 */
#define WALL_TIME_MAX (sizeof(((struct sec_text *)0)->buf) + 11)

static char *wall_time(struct output *o, __u64 ts, char *p, bool rfc3339)
{
	__u64 ns = o->boot_ns + ts;
	time_t sec = ns / 1000000000ULL;
	struct sec_text *c = &o->wall[rfc3339];
	struct tm tm;

	if (!c->valid || c->sec != sec) {
		if (rfc3339) {
			gmtime_r(&sec, &tm);
			c->len = strftime(c->buf, sizeof(c->buf), "%Y-%m-%dT%H:%M:%S", &tm);
		} else {
			localtime_r(&sec, &tm);
			c->len = strftime(c->buf, sizeof(c->buf), "%H:%M:%S", &tm);
		}
		c->sec = sec;
		c->valid = true;
	}
	memcpy(p, c->buf, c->len);
	p += c->len;
	*p++ = '.';
	if (rfc3339) {
		p = str_udec(p, ns % 1000000000ULL, 9);
		*p++ = 'Z';
	} else {
		p = str_udec(p, ns % 1000000000ULL / 1000, 6);
	}
	return p;
}

/*
 * Space padding to @width (at most 16) from @from to @p. Writes 16 spaces
 * whatever the padding: the caller reserved room for them.
 */
static char *pad_to(char *from, char *p, size_t width)
{
	size_t n = p - from;

	memcpy(p, "                ", 16);
	return n < width ? from + width : p;
}

/* " (%.3f us)" of @ns / 1000.0. */
static void put_duration(struct strbuf *sb, __u64 ns)
{
	/*
	 * Below 2^40 us the double nearest ns / 1000 is within 2^-14 of it, so
	 * %.3f rounds back to the exact 3-decimal value: print that directly.
	 */
	if (ns >= 1000000000000000ULL) {
		sb_printf(sb, " (%.3f us)", ns / 1000.0);
		return;
	}
	sb_add(sb, " (", 2);
	sb_put_u64(sb, ns / 1000);
	sb_addc(sb, '.');
	sb_put_udec(sb, ns % 1000, 3);
	sb_add(sb, " us)", 4);
}

/* The bits of a bitfield, as an integer of the member's type. */
static void bitfield_bytes(const struct ksnoop_item *it, const struct ksnoop_val *v, bool sign,
			   __u8 out[8])
{
	__u64 x = 0;

	memcpy(&x, v->data, v->len < 8 ? v->len : 8);
	x >>= it->bit_off;
	if (it->bit_size < 64)
		x &= (1ULL << it->bit_size) - 1;
	if (sign && it->bit_size < 64 && (x >> (it->bit_size - 1)) & 1)
		x |= ~0ULL << it->bit_size;
	memcpy(out, &x, 8);
}

/* "*(0x%llx) " of @addr: the address a dereferenced value was read at. */
static void put_deref(struct strbuf *sb, __u64 addr)
{
	sb_add(sb, "*(0x", 4);
	sb_put_hex(sb, addr, 0);
	sb_add(sb, ") ", 2);
}

/* Userspace rendering of one captured value (text or JSON). */
static void render_value(struct output *o, const struct tfunc *tf, const struct ksnoop_val *v,
			 bool json, struct strbuf *sb)
{
	const struct ksnoop_item *it = &tf->plan.items[v->item];
	const struct titem *ti = &tf->items[v->item];
	const struct btf *btf = tf->kf->btf;
	int err = 0;

	if (v->flags & KSNOOP_V_UNREADABLE) {
		bool color = o->color && !json;

		sb_color(sb, color, COL_BAD);
		if (ti->kind == VAL_PTR_DEREF && !v->addr)
			sb_puts(sb, json ? "null" : "NULL");
		else if (json)
			sb_printf(sb, "{\"unreadable\":true,\"addr\":\"0x%llx\"}",
				  (unsigned long long)v->addr);
		else
			sb_printf(sb, "<unreadable at 0x%llx>", (unsigned long long)v->addr);
		sb_color(sb, color, COL_OFF);
		return;
	}
	switch (ti->kind) {
	case VAL_STR:
		if (json)
			fmt_cstring_json(sb, v->data, v->len);
		else
			fmt_cstring_text(sb, v->data, v->len);
		return;
	case VAL_BITFIELD: {
		__u8 bytes[8];

		bitfield_bytes(it, v, it->flags & KSNOOP_I_SIGNED, bytes);
		err = fmt_value(o, btf, ti->type_id, bytes, 8, json, sb);
		break;
	}
	case VAL_PTR_DEREF:
		if (!json)
			put_deref(sb, v->addr);
		/* fall through */
	default:
		err = fmt_value(o, btf, ti->type_id, v->data, v->len, json, sb);
	}
	if (err)
		sb_printf(sb, json ? "null" : "<cannot format: %s>", strerror(-err));
}

/* Text of a value: the kernel's text when it formatted it, else ours. */
static void value_text(struct output *o, const struct tfunc *tf, const struct ksnoop_val *v,
		       struct strbuf *sb)
{
	const struct titem *ti = &tf->items[v->item];

	if (!(v->flags & KSNOOP_V_TEXT)) {
		render_value(o, tf, v, false, sb);
	} else {
		size_t tlen = strnlen((const char *)v->data, v->len);

		if (ti->kind == VAL_PTR_DEREF)
			put_deref(sb, v->addr);
		sb_put(sb, v->data, tlen);
		if (v->flags & KSNOOP_V_RAWALSO) {
			/* --format-check: our rendering of the same bytes must agree. */
			struct strbuf mine;
			int err;

			sb_init(&mine);
			/*
			 * The raw bytes follow the v->len bytes of text (the BPF program
			 * makes that KSNOOP_MAX_VALUE): only that much is known to be in
			 * the record, and the text need not be NUL-terminated within it.
			 */
			err = fmt_value(o, tf->kf->btf, ti->type_id, v->data + v->len, v->raw_len,
					false, &mine);
			/* The kernel's text stops at its buffer; compare what both have. */
			if (err || (tlen < KSNOOP_MAX_VALUE - 1 ?
					    strlen(sb_str(&mine)) != tlen ||
						    memcmp(sb_str(&mine), v->data, tlen) :
					    strncmp(sb_str(&mine), (char *)v->data, tlen))) {
				o->format_mismatches++;
				fprintf(stderr,
					"ksnoop: format mismatch for '%s' of %s:\n--- kernel\n%.*s\n--- ksnoop\n%s\n---\n",
					ti->label, tf->kf->name, (int)tlen, (char *)v->data,
					sb_str(&mine));
			}
			sb_free(&mine);
		}
	}
	if (v->flags & KSNOOP_V_TRUNC)
		sb_puts(sb, " <truncated>");
}

/*
 * Indent, in place, the text appended to @sb since @start: each of its lines
 * (up to a NUL) gets @ind spaces in front and ends with a '\n'.
 */
static void indent_tail(struct strbuf *sb, size_t start, int ind)
{
	size_t len, lines = 0, newlen, pos, dst, lstart;
	bool trailing;
	const char *nl;
	char *s;

	if (sb->oom || !sb->buf || start >= sb->len)
		return;
	s = sb->buf + start;
	len = strnlen(s, sb->len - start);
	for (nl = s; (nl = memchr(nl, '\n', s + len - nl)); nl++)
		lines++;
	trailing = len && s[len - 1] != '\n';
	lines += trailing;
	newlen = len + lines * ind + trailing;
	sb->len = start + len;
	if (newlen > len && !sb_reserve(sb, newlen - len))
		return;
	s = sb->buf + start;
	/* Back to front: every byte moves right by the indents before it. */
	pos = len;
	dst = newlen;
	if (trailing)
		s[--dst] = '\n';
	while (pos > 0) {
		size_t lend = pos;

		if (s[lend - 1] == '\n' && !(trailing && pos == len)) {
			s[--dst] = '\n';
			lend--;
		}
		nl = lend ? memrchr(s, '\n', lend) : NULL;
		lstart = nl ? (size_t)(nl - s) + 1 : 0;
		dst -= lend - lstart;
		memmove(s + dst, s + lstart, lend - lstart);
		dst -= ind;
		memset(s + dst, ' ', ind);
		pos = lstart;
	}
	sb_commit(sb, s + newlen);
}

/*
 * --errors: how return value @ret failed, strace-like in text (" = -2 ENOENT",
 * " = NULL"), as ',"errno":"ENOENT"' in JSON (a NULL pointer adds nothing:
 * "ret" is 0).
 */
static void put_failure(struct strbuf *sb, const struct tfunc *tf, __u64 ret, bool json)
{
	int e = ksnoop_ret_errno(tf->plan.ret_kind, tf->plan.ret_size, ret);
	const char *name = e && e != KSNOOP_ERR_NULL ? errno_name(e) : NULL;

	if (!e || (json && e == KSNOOP_ERR_NULL))
		return;
	if (json) {
		sb_adds(sb, ",\"errno\":");
		if (name)
			json_put_string(sb, name, strlen(name));
		else
			sb_printf(sb, "%d", e);
	} else if (e == KSNOOP_ERR_NULL) {
		sb_adds(sb, " = NULL");
	} else {
		sb_printf(sb, " = -%d %s", e, name ? name : "(unknown errno)");
	}
}

/*
 * --changes: the return's value of the entry item @v, when there is one: an
 * item read at entry and again at return is shown once, with its entry
 * value. Sets *@shown_at_entry for a return value that is such an item.
 */
static const struct ksnoop_val *changed_val(const struct output *o, const struct ksnoop_rec *entry,
					    const struct ksnoop_rec *exit,
					    const struct ksnoop_val *v, bool *shown_at_entry)
{
	*shown_at_entry = false;
	if (!o->changes || !entry || !exit)
		return NULL;
	if (v == rec_val_of(entry, v->item))
		return rec_val_of(exit, v->item);
	*shown_at_entry = rec_val_of(entry, v->item) != NULL;
	return NULL;
}

/* Do two captures of one item differ: readable or not, length, bytes? */
static bool val_differs(const struct ksnoop_val *a, const struct ksnoop_val *b)
{
	return a->flags != b->flags || a->len != b->len || memcmp(a->data, b->data, a->len);
}

static void text_call(struct output *o, const struct tfunc *tf, const struct ksnoop_rec *entry,
		      const struct ksnoop_rec *exit, enum call_end end)
{
	const struct ksnoop_rec *first = entry ? entry : exit;
	const struct ksnoop_rec *recs[2] = {entry, exit};
	struct strbuf *sb = &o->sb;
	size_t n, name_len = strlen(tf->kf->name);
	char *p, *from;
	int r;

	/* "%-15s %3u %-7u %-7u %-16.16s %s" of time, cpu, tgid, tid, comm, name */
	p = sb_reserve(sb,
		       WALL_TIME_MAX + 3 * 11 + 16 + 5 + name_len + 32 + sizeof(COL_FUNC COL_OFF));
	if (!p)
		return;
	from = p;
	p = pad_to(from, wall_time(o, first->ts, p, false), 15);
	*p++ = ' ';
	n = str_dec_len(first->cpu);
	from = p;
	p = pad_to(from, p, n < 3 ? 3 - n : 0);
	p = str_u64(p, first->cpu);
	*p++ = ' ';
	from = p;
	p = pad_to(from, str_u64(p, first->tgid), 7);
	*p++ = ' ';
	from = p;
	p = pad_to(from, str_u64(p, first->tid), 7);
	*p++ = ' ';
	n = strnlen(first->comm, 16 < sizeof(first->comm) ? 16 : sizeof(first->comm));
	memcpy(p, first->comm, n);
	p = pad_to(p, p + n, 16);
	*p++ = ' ';
	if (o->color) {
		memcpy(p, COL_FUNC, sizeof(COL_FUNC) - 1);
		p += sizeof(COL_FUNC) - 1;
	}
	memcpy(p, tf->kf->name, name_len);
	p += name_len;
	if (o->color) {
		memcpy(p, COL_OFF, sizeof(COL_OFF) - 1);
		p += sizeof(COL_OFF) - 1;
	}
	sb_commit(sb, p);
	if (entry && exit)
		put_duration(sb, exit->ts - entry->ts);
	if (end == CALL_IN_FLIGHT)
		sb_adds(sb, " (in flight: tracing stopped before it returned)");
	else if (end == CALL_RETURN_LOST)
		sb_adds(sb, " (return lost)");
	if (entry && (entry->flags & KSNOOP_R_DEEP))
		sb_adds(sb, " (nested too deep to pair with its return)");
	if (o->show_errno && exit)
		put_failure(sb, tf, exit->ret, false);
	sb_addc(sb, '\n');
	for (r = 0; r < 2; r++) {
		const struct ksnoop_val *v = NULL;

		if (!recs[r])
			continue;
		while ((v = rec_next_val(recs[r], v))) {
			size_t start = sb->len, len;
			const struct ksnoop_val *nv;
			const char *tail, *nl;
			bool dup;

			if (v->item >= tf->nitems)
				continue;
			nv = changed_val(o, entry, exit, v, &dup);
			if (dup)
				continue;
			/* "label = value", each of its lines indented by 4. */
			sb_add(sb, "    ", 4);
			sb_color(sb, o->color, COL_LABEL);
			sb_adds(sb, tf->items[v->item].label);
			sb_color(sb, o->color, COL_OFF);
			sb_add(sb, " = ", 3);
			value_text(o, tf, v, sb);
			/* --changes: "old -> new" where the call changed it. */
			if (nv && val_differs(v, nv)) {
				/* After the old value's last line, if it ended one. */
				if (sb->len > start && !sb->oom && sb->buf[sb->len - 1] == '\n')
					sb->len--;
				sb_add(sb, " -> ", 4);
				value_text(o, tf, nv, sb);
			}
			if (sb->oom)
				continue;
			tail = sb->buf + start + 4;
			len = sb->len - start - 4;
			nl = memchr(tail, '\n', len);
			if ((!nl || nl == tail + len - 1) && strnlen(tail, len) == len) {
				/* One line (a scalar): already indented. */
				if (!nl)
					sb_addc(sb, '\n');
				continue;
			}
			memmove(sb->buf + start, tail, len);
			sb_commit(sb, sb->buf + start + len);
			indent_tail(sb, start, 4);
		}
	}
}

static void json_put_memo(struct strbuf *sb, struct jstr_memo *m, const char *s, size_t len)
{
	size_t start = sb->len;

	if (m->valid && m->len == len && !memcmp(m->raw, s, len)) {
		sb_add(sb, m->esc, m->elen);
		return;
	}
	json_put_string(sb, s, len);
	if (len > sizeof(m->raw) || sb->oom || sb->len - start > sizeof(m->esc))
		return;
	memcpy(m->raw, s, len);
	m->len = len;
	m->elen = sb->len - start;
	memcpy(m->esc, sb->buf + start, m->elen);
	m->valid = true;
}

/* !strcmp(@label, "return"), inline: checked for every value of every event. */
static inline bool is_return(const char *l)
{
	return l[0] == 'r' && l[1] == 'e' && l[2] == 't' && l[3] == 'u' && l[4] == 'r' &&
	       l[5] == 'n' && !l[6];
}

static void json_call(struct output *o, const struct tfunc *tf, const struct ksnoop_rec *entry,
		      const struct ksnoop_rec *exit, enum call_end end)
{
	const struct ksnoop_rec *first = entry ? entry : exit;
	const struct ksnoop_rec *recs[2] = {entry, exit};
	struct strbuf *sb = &o->sb;
	bool any = false;
	char *p;
	int r;

#define PUT(p, lit) (memcpy(p, lit, sizeof(lit) - 1), (p) + sizeof(lit) - 1)
	p = sb_reserve(sb, 128 + WALL_TIME_MAX);
	if (!p)
		return;
	p = PUT(p, "{\"type\":\"call\",\"time_ns\":");
	p = str_u64(p, first->ts);
	p = PUT(p, ",\"time\":\"");
	p = wall_time(o, first->ts, p, true);
	p = PUT(p, "\",\"cpu\":");
	p = str_u64(p, first->cpu);
	p = PUT(p, ",\"pid\":");
	p = str_u64(p, first->tgid);
	p = PUT(p, ",\"tid\":");
	p = str_u64(p, first->tid);
	p = PUT(p, ",\"comm\":");
#undef PUT
	sb_commit(sb, p);
	json_put_memo(sb, &o->memo_comm, first->comm, strnlen(first->comm, sizeof(first->comm)));
	sb_adds(sb, ",\"func\":");
	json_put_memo(sb, &o->memo_func, tf->kf->name, strlen(tf->kf->name));
	sb_adds(sb, ",\"args\":{");
	for (r = 0; r < 2; r++) {
		const struct ksnoop_val *v = NULL;

		if (!recs[r])
			continue;
		while ((v = rec_next_val(recs[r], v))) {
			const struct ksnoop_val *nv;
			const struct titem *ti;
			bool dup;

			if (v->item >= tf->nitems)
				continue;
			ti = &tf->items[v->item];
			if (ti->is_ret && is_return(ti->label))
				continue; /* the top-level "ret" */
			nv = changed_val(o, entry, exit, v, &dup);
			if (dup)
				continue;
			if (any)
				sb_addc(sb, ',');
			any = true;
			json_put_memo(sb, &o->memo_label[v->item % ARRAY_SIZE(o->memo_label)],
				      ti->label, strlen(ti->label));
			sb_addc(sb, ':');
			/* --changes: both captures, changed or not, so that jq sees one shape. */
			if (nv) {
				sb_adds(sb, "{\"entry\":");
				render_value(o, tf, v, true, sb);
				sb_adds(sb, ",\"exit\":");
				render_value(o, tf, nv, true, sb);
				sb_addc(sb, '}');
				continue;
			}
			render_value(o, tf, v, true, sb);
		}
	}
	sb_addc(sb, '}');
	if (exit) {
		const struct ksnoop_val *v = NULL;
		bool done = false;

		while ((v = rec_next_val(exit, v))) {
			const struct titem *ti = v->item < tf->nitems ? &tf->items[v->item] : NULL;

			if (ti && ti->is_ret && is_return(ti->label)) {
				sb_adds(sb, ",\"ret\":");
				render_value(o, tf, v, true, sb);
				done = true;
			}
		}
		if (!done && !tf->returns_void) {
			sb_adds(sb, ",\"ret\":");
			/* The ABI leaves the bytes above a narrower int undefined (-2 read as
			 * 4294967294). */
			json_put_s64(sb, tf->plan.ret_kind == KSNOOP_RET_SIGNED ?
						 ksnoop_ret_signed(tf->plan.ret_size, exit->ret) :
						 (__s64)exit->ret);
		}
		if (o->show_errno)
			put_failure(sb, tf, exit->ret, true);
		if (entry) {
			sb_adds(sb, ",\"duration_ns\":");
			sb_put_u64(sb, exit->ts - entry->ts);
		}
	}
	if (end == CALL_IN_FLIGHT)
		sb_adds(sb, ",\"in_flight\":true");
	else if (end == CALL_RETURN_LOST)
		sb_adds(sb, ",\"return_lost\":true");
	sb_adds(sb, "}\n");
}

/*
 * A write cut short by an error (a full disk) is taken back out of a regular
 * file, so that the file holds complete records only: ksnoop's own failure
 * leaves no half line, as a crash cannot (a batch of whole records is one
 * write()).
 */
static void unwrite(int fd, size_t written)
{
	off_t end;

	if (!written)
		return;
	end = lseek(fd, 0, SEEK_CUR);
	if (end >= (off_t)written && ftruncate(fd, end - written) == 0)
		lseek(fd, end - written, SEEK_SET);
}

/*
 * Write out what @o->sb holds: the one place output reaches the file, so the
 * first write error (EPIPE: the reader went away, ENOSPC, ...) is kept in
 * @o->err and every later call returns it without writing.
 */
static int flush(struct output *o)
{
	size_t len = o->sb.len, n, done = 0;
	const char *p = sb_str(&o->sb);
	int fd = fileno(o->f), err = 0;

	if (o->err || !len) {
		sb_reset(&o->sb);
		return o->err;
	}
	/*
	 * What @o->sb holds (one event on a terminal, a batch of whole events
	 * otherwise) goes out in one write(2) when the kernel takes it whole
	 * (always for a regular file): a crash leaves complete records. When
	 * stdio holds nothing for the stream, write(2) it directly: the same
	 * bytes in the same order, without stdio copying them into its buffer.
	 */
	if (fd >= 0 && !__fpending(o->f)) {
		while (done < len) {
			ssize_t w = write(fd, p + done, len - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				err = w < 0 ? -errno : -EIO;
				unwrite(fd, done);
				break;
			}
			done += w;
		}
	} else {
		errno = 0;
		n = fwrite(p, 1, len, o->f);
		if (n != len || fflush(o->f))
			err = errno ? -errno : -EIO;
	}
	sb_reset(&o->sb);
	o->err = err;
	return err;
}

bool output_want_color(int mode)
{
	const char *no = getenv("NO_COLOR");

	/* NO_COLOR (no-color.org): set and not empty turns auto off, not "always". */
	if (mode >= 0)
		return mode;
	return isatty(STDOUT_FILENO) && !(no && *no);
}

int output_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		pr_error_hint("check the path and the permissions of its directory",
			      "cannot open output file '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EBADF;
	}
	close(fd);
	return 0;
}

int output_flush(struct output *o)
{
	return flush(o);
}

/* Batched: write once a buffer's worth is pending, else at output_flush(). */
static int written(struct output *o)
{
	if (o->batch && o->sb.len < OUTPUT_BATCH)
		return o->err;
	return flush(o);
}

bool output_gone(struct output *o)
{
	struct pollfd pfd = {.fd = fileno(o->f)};

	/* POLLERR on the write end of a pipe whose reader closed it */
	if (o->err || pfd.fd < 0 || poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLERR))
		return o->err != 0;
	o->err = -EPIPE;
	return true;
}

int output_write_error(const char *name, int err)
{
	char buf[PATH_MAX + 32] = "standard output";
	char link[PATH_MAX];
	ssize_t n;

	if (!err || err == -EPIPE)
		return err;
	if (!name) {
		/* "standard output (/dev/full)": what the shell redirected it to */
		n = readlink("/proc/self/fd/1", link, sizeof(link) - 1);
		if (n > 0 && link[0] == '/') {
			link[n] = '\0';
			snprintf(buf, sizeof(buf), "standard output (%s)", link);
		}
		name = buf;
	}
	pr_error_hint(err == -ENOSPC || err == -EDQUOT ?
			      "free some space, or write elsewhere with -o FILE" :
			      "check the output file or device, or write elsewhere with -o FILE",
		      "cannot write to %s: %s", name, strerror(-err));
	return err;
}

/*
 * --kstack: the kernel stack of @entry, symbolized, added to the call written
 * to o->sb since @start: text lines "    kstack:" then a frame a line,
 * innermost first; JSON a "kstack" array (null when it was not captured).
 */
static void kstack_put(struct output *o, const struct ksnoop_rec *entry, size_t start)
{
	struct strbuf *sb = &o->sb, frame;
	__u64 *ips = NULL;
	__u32 id, i;

	if (sb->oom || sb->len < start + 2)
		return;
	if (entry->stack_id) {
		ips = calloc(o->kstack, sizeof(*ips));
		id = entry->stack_id - 1;
		if (ips && bpf_map_lookup_elem(o->stack_fd, &id, ips)) {
			free(ips);
			ips = NULL;
		}
	}
	if (ips && !o->ksyms)
		o->ksyms = ksyms_load(); /* NULL: addresses shown as numbers */
	if (o->json) {
		/* Before the closing "}\n" of the call's object. */
		sb->len -= 2;
		sb_adds(sb, ",\"kstack\":");
		if (!ips) {
			sb_adds(sb, "null}\n");
			return;
		}
		sb_init(&frame);
		sb_addc(sb, '[');
		for (i = 0; i < o->kstack && ips[i]; i++) {
			sb_reset(&frame);
			ksyms_put(o->ksyms, ips[i], &frame);
			if (i)
				sb_addc(sb, ',');
			json_put_string(sb, sb_str(&frame), frame.len);
		}
		sb_adds(sb, "]}\n");
		sb_free(&frame);
	} else if (!ips) {
		sb_adds(sb, "    kstack: <not captured: the stack map is full>\n");
	} else {
		sb_adds(sb, "    kstack:\n");
		for (i = 0; i < o->kstack && ips[i]; i++) {
			sb_adds(sb, "        ");
			ksyms_put(o->ksyms, ips[i], sb);
			sb_addc(sb, '\n');
		}
	}
	free(ips);
}

/*
 * -s: mark the call written to o->sb since @start with its chain: indented
 * by 4 per level in text, "chain" and "level" members in JSON.
 */
static void chain_mark(struct output *o, size_t start)
{
	struct strbuf *sb = &o->sb;

	if (sb->oom || sb->len < start + 2)
		return;
	if (!o->json) {
		if (o->chain_level)
			indent_tail(sb, start, 4 * o->chain_level);
		return;
	}
	/* Before the closing "}\n" of the call's object. */
	sb->len -= 2;
	sb_adds(sb, ",\"chain\":");
	sb_put_u64(sb, o->chain_group);
	sb_adds(sb, ",\"level\":");
	sb_put_u64(sb, o->chain_level);
	sb_adds(sb, "}\n");
}

int output_call(struct output *o, const struct tfunc *tf, const struct ksnoop_rec *entry,
		const struct ksnoop_rec *exit, enum call_end end)
{
	size_t start = o->sb.len;

	if (o->err)
		return o->err;
	if (o->json)
		json_call(o, tf, entry, exit, end);
	else
		text_call(o, tf, entry, exit, end);
	if (o->kstack && entry)
		kstack_put(o, entry, start);
	if (o->chain_group)
		chain_mark(o, start);
	return written(o);
}

int output_lost(struct output *o, __u64 n, const char *reason, const char *const *names,
		const __u64 *counts, int nf)
{
	/* What the text line says for each reason, with the hint that fits it. */
	static const struct {
		const char *reason, *text;
	} why[] = {
		{"ringbuf", "ring buffer full; raise -P"},
		{"nested", "nested in a traced run on the same CPU, e.g. from an interrupt; "
			   "-P cannot help"},
		{"recursion", "the kernel skipped the program: recursion; -P cannot help"},
	};
	const char *text = reason;
	size_t w;
	int i;

	if (o->err)
		return o->err;
	for (w = 0; w < ARRAY_SIZE(why); w++)
		if (!strcmp(reason, why[w].reason))
			text = why[w].text;
	if (o->json) {
		sb_printf(&o->sb, "{\"type\":\"lost\",\"count\":%llu,\"reason\":\"%s\"",
			  (unsigned long long)n, reason);
		if (nf) {
			sb_puts(&o->sb, ",\"funcs\":{");
			for (i = 0; i < nf; i++) {
				if (i)
					sb_putc(&o->sb, ',');
				json_put_string(&o->sb, names[i], strlen(names[i]));
				sb_printf(&o->sb, ":%llu", (unsigned long long)counts[i]);
			}
			sb_putc(&o->sb, '}');
		}
		sb_puts(&o->sb, "}\n");
	} else {
		sb_color(&o->sb, o->color, COL_LOST);
		sb_printf(&o->sb, "--- lost %llu records (%s)", (unsigned long long)n, text);
		for (i = 0; i < nf && i < 10; i++)
			sb_printf(&o->sb, "%s %s %llu", i ? "," : ":", names[i],
				  (unsigned long long)counts[i]);
		if (nf > 10)
			sb_printf(&o->sb, ", ... (%d functions)", nf);
		sb_color(&o->sb, o->color, COL_OFF);
		sb_putc(&o->sb, '\n');
	}
	return written(o);
}
