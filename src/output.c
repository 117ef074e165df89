// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "filter.h"
#include "format.h"
#include "json.h"
#include "log.h"
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

/*
 * The value as text into @sb, or as JSON through @w when not NULL, with the
 * output's long-lived type cache.
 */
static inline int fmt_value(struct output *o, const struct btf *btf, __u32 id, const void *data,
			    size_t len, struct jw *w, struct strbuf *sb)
{
	if (!o->types && !(o->types = fmt_cache_new()))
		return -ENOMEM;
	return w ? fmt_json_w(o->types, w, btf, id, data, len) :
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

int output_header(struct output *o)
{
	if (o->json)
		return 0;
	sb_reset(&o->sb);
	sb_printf(&o->sb, "%-15s %3s %-7s %-7s %-16s %s\n", "TIME", "CPU", "PID", "TID", "COMM",
		  "FUNCTION");
	return output_flush(o);
}

/*
 * Write the wall-clock time of @ts at @p: "HH:MM:SS.uuuuuu" local time, or
 * RFC 3339 UTC; it writes at most WALL_TIME_MAX bytes (the whole cached text,
 * '.', str_udec()'s 24, 'Z'). Returns the end.
 */
#define WALL_TIME_MAX (sizeof(((struct sec_text *)0)->buf) + 26)

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
	/* All of buf, a fixed-size copy (WALL_TIME_MAX has room): cheaper than c->len bytes. */
	__builtin_memcpy(p, c->buf, sizeof(c->buf));
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
 * @ts as "%llu" at @p: the digits of its seconds change once a second, and
 * are kept, as wall_time() keeps its text; the nanoseconds follow, 9 digits.
 */
static char *time_ns_at(struct output *o, __u64 ts, char *p)
{
	__u64 sec = ts / 1000000000ULL;
	struct sec_text *c = &o->mono;

	if (!sec)
		return str_u64(p, ts);
	if (!c->valid || (__u64)c->sec != sec) {
		c->len = str_u64(c->buf, sec) - c->buf;
		c->sec = sec;
		c->valid = true;
	}
	/* a fixed-size copy, as wall_time()'s: the room reserved for the number is enough */
	__builtin_memcpy(p, c->buf, 24);
	return str_udec(p + c->len, ts % 1000000000ULL, 9);
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
	char *p;

	/*
	 * Below 2^40 us the double nearest ns / 1000 is within 2^-14 of it, so
	 * %.3f rounds back to the exact 3-decimal value: print that directly.
	 */
	if (ns >= 1000000000000000ULL) {
		sb_printf(sb, " (%.3f us)", ns / 1000.0);
		return;
	}
	p = sb_reserve(sb, 2 + 24 + 1 + 24 + 4); /* str_udec() may write 24 bytes */
	if (!p)
		return;
	p = mempcpy(p, " (", 2);
	p = str_u64(p, ns / 1000);
	*p++ = '.';
	p = str_udec(p, ns % 1000, 3);
	sb_commit(sb, mempcpy(p, " us)", 4));
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

/* An unreadable value: NULL for a NULL pointer, else where it failed. */
static void render_unreadable(struct output *o, const struct titem *ti, const struct ksnoop_val *v,
			      struct jw *w, struct strbuf *sb)
{
	bool null = ti->kind == VAL_PTR_DEREF && !v->addr;

	if (w && null) {
		jw_null(w);
	} else if (w) {
		jw_obj_begin(w);
		JW_KEY(w, "unreadable");
		jw_bool(w, true);
		JW_KEY(w, "addr");
		jw_hex(w, v->addr);
		jw_obj_end(w);
	} else {
		sb_color(sb, o->color, COL_BAD);
		if (null)
			sb_puts(sb, "NULL");
		else
			sb_printf(sb, "<unreadable at 0x%llx>", (unsigned long long)v->addr);
		sb_color(sb, o->color, COL_OFF);
	}
}

/* Userspace rendering of one captured value: JSON through @w, or text into @sb (@w NULL). */
static void render_value(struct output *o, const struct tfunc *tf, const struct ksnoop_val *v,
			 struct jw *w, struct strbuf *sb)
{
	const struct ksnoop_item *it = &tf->plan.items[v->item];
	const struct titem *ti = &tf->items[v->item];
	const struct btf *btf = tf->kf->btf;
	int err = 0;

	if (v->flags & KSNOOP_V_UNREADABLE) {
		render_unreadable(o, ti, v, w, sb);
		return;
	}
	switch (ti->kind) {
	case VAL_STR:
		if (w)
			fmt_cstring_json(w, v->data, v->len);
		else
			fmt_cstring_text(sb, v->data, v->len);
		return;
	case VAL_BITFIELD: {
		__u8 bytes[8];

		bitfield_bytes(it, v, it->flags & KSNOOP_I_SIGNED, bytes);
		err = fmt_value(o, btf, ti->type_id, bytes, 8, w, sb);
		break;
	}
	case VAL_PTR_DEREF:
		if (!w)
			put_deref(sb, v->addr);
		/* fall through */
	default:
		err = fmt_value(o, btf, ti->type_id, v->data, v->len, w, sb);
	}
	if (err && w)
		jw_null(w);
	else if (err)
		sb_printf(sb, "<cannot format: %s>", strerror(-err));
}

/* Text of a value: the kernel's text when it formatted it, else ours. */
static void value_text(struct output *o, const struct tfunc *tf, const struct ksnoop_val *v,
		       struct strbuf *sb)
{
	const struct titem *ti = &tf->items[v->item];

	if (!(v->flags & KSNOOP_V_TEXT)) {
		render_value(o, tf, v, NULL, sb);
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
					NULL, &mine);
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
 * --errors: how return value @ret failed, strace-like in text (" = -2 ENOENT",
 * " = NULL"), as a member "errno":"ENOENT" in JSON through @w (a NULL
 * pointer adds nothing: "ret" is 0).
 */
static void put_failure(struct strbuf *sb, const struct tfunc *tf, __u64 ret, struct jw *w)
{
	int e = ksnoop_ret_errno(tf->plan.ret_kind, tf->plan.ret_size, ret);
	const char *name = e && e != KSNOOP_ERR_NULL ? errno_name(e) : NULL;

	if (!e || (w && e == KSNOOP_ERR_NULL))
		return;
	if (w) {
		JW_KEY(w, "errno");
		if (name)
			jw_strz(w, name);
		else
			jw_s64(w, e);
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
static inline __attribute__((always_inline)) const struct ksnoop_val *
changed_val(const struct output *o, const struct ksnoop_rec *entry, const struct ksnoop_rec *exit,
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
	/* 16 bytes at once, a fixed copy: what follows the name is overwritten by pad_to(). */
	_Static_assert(sizeof(first->comm) >= 16, "comm is at least 16 bytes");
	__builtin_memcpy(p, first->comm, 16);
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
		put_failure(sb, tf, exit->ret, NULL);
	sb_addc(sb, '\n');
	for (r = 0; r < 2; r++) {
		const struct ksnoop_val *v = NULL;

		if (!recs[r])
			continue;
		while ((v = rec_next_val(recs[r], v))) {
			size_t start = sb->len, len;
			const struct ksnoop_val *nv;
			const struct titem *ti;
			const char *tail, *nl;
			bool dup;

			if (v->item >= tf->nitems)
				continue;
			ti = &tf->items[v->item];
			nv = changed_val(o, entry, exit, v, &dup);
			if (dup)
				continue;
			/* "label = value", each of its lines indented by 4. */
			sb_add(sb, "    ", 4);
			sb_color(sb, o->color, COL_LABEL);
			sb_add(sb, ti->label, ti->label_len);
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
			/* Ours, one line: ended by the formatter's newline or not at all. */
			if (ti->one_line && !(v->flags & KSNOOP_V_TEXT) && !nv) {
				if (sb->buf[sb->len - 1] != '\n')
					sb_addc(sb, '\n');
				continue;
			}
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
			sb_indent_tail(sb, start, 4);
		}
	}
}

/*
 * A string that repeats from one event to the next (comm, function name, item
 * labels), appended to @sb as a JSON string: the last encoding of @m is
 * reused when the bytes are the same.
 */
static inline bool memo_hit(const struct jstr_memo *m, const char *s, size_t len)
{
	__u64 a, b, c, d;
	__u32 e, f, g, h;

	if (!m->valid || m->len != len)
		return false;
	/* Comm, function names, labels: mostly 4 to 16 bytes, compared without a call. */
	if (len >= 8 && len <= 16) {
		memcpy(&a, m->raw, 8);
		memcpy(&b, s, 8);
		memcpy(&c, m->raw + len - 8, 8);
		memcpy(&d, s + len - 8, 8);
		return !((a ^ b) | (c ^ d));
	}
	if (len >= 4 && len < 8) {
		memcpy(&e, m->raw, 4);
		memcpy(&f, s, 4);
		memcpy(&g, m->raw + len - 4, 4);
		memcpy(&h, s + len - 4, 4);
		return !((e ^ f) | (g ^ h));
	}
	return !memcmp(m->raw, s, len);
}

/*
 * The remembered encoding of @m at @p, which has room for sizeof(m->esc)
 * bytes: a short one (most) in two fixed 16-byte copies. Returns the end.
 */
static inline char *memo_put(char *p, const struct jstr_memo *m)
{
	if (m->elen <= 32) {
		__builtin_memcpy(p, m->esc, 16);
		__builtin_memcpy(p + 16, m->esc + 16, 16);
		return p + m->elen;
	}
	return mempcpy(p, m->esc, m->elen);
}

static void json_memo(struct strbuf *sb, struct jstr_memo *m, const char *s, size_t len)
{
	size_t start = sb->len;

	if (memo_hit(m, s, len)) {
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

/*
 * json_memo() in place at @p, in room reserved for the longest encoding: the
 * end, with @room bytes still free after it (a miss may move the buffer), or
 * NULL when out of memory.
 */
static char *memo_at(struct strbuf *sb, char *p, struct jstr_memo *m, const char *s, size_t len,
		     size_t room)
{
	if (memo_hit(m, s, len))
		return memo_put(p, m);
	sb_commit(sb, p);
	json_memo(sb, m, s, len);
	return sb_reserve(sb, room);
}

/* json_memo() as a key of the object @w has open. */
static void jw_memo_key(struct jw *w, struct jstr_memo *m, const char *s, size_t len)
{
	size_t first = jw_key_first(w);
	char *p;

	/* The common case in one stretch: the key seen last time. */
	if (memo_hit(m, s, len)) {
		p = sb_reserve(w->sb, sizeof(m->esc) + 2);
		if (!p)
			return;
		if (!first)
			*p++ = ',';
		p = memo_put(p, m);
		*p++ = ':';
		sb_commit(w->sb, p);
		return;
	}
	if (!first)
		sb_addc(w->sb, ',');
	json_memo(w->sb, m, s, len);
	sb_addc(w->sb, ':');
}

/* !strcmp(@label, "return"), inline: checked for every value of every event. */
static inline bool is_return(const char *l)
{
	return l[0] == 'r' && l[1] == 'e' && l[2] == 't' && l[3] == 'u' && l[4] == 'r' &&
	       l[5] == 'n' && !l[6];
}

/* "args": every item but the top-level "return", in record order. */
static void json_args(struct output *o, struct jw *w, const struct tfunc *tf,
		      const struct ksnoop_rec *entry, const struct ksnoop_rec *exit)
{
	const struct ksnoop_rec *recs[2] = {entry, exit};
	char *p = sb_reserve(w->sb, 16);
	int r;

	if (!p)
		return;
	p = JW_KEY_AT(w, p, "args");
	sb_commit(w->sb, jw_begin_at(w, p, JW_OBJ));
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
			jw_memo_key(w, &o->memo_label[v->item % ARRAY_SIZE(o->memo_label)],
				    ti->label, ti->label_len);
			/* --changes: both captures, changed or not, so that jq sees one shape. */
			if (nv) {
				jw_obj_begin(w);
				JW_KEY(w, "entry");
				render_value(o, tf, v, w, NULL);
				JW_KEY(w, "exit");
				render_value(o, tf, nv, w, NULL);
				jw_obj_end(w);
				continue;
			}
			render_value(o, tf, v, w, NULL);
		}
	}
	jw_obj_end(w);
}

/* "ret", "errno", "duration_ns" of a call that returned. */
static void json_return(struct output *o, struct jw *w, const struct tfunc *tf,
			const struct ksnoop_rec *entry, const struct ksnoop_rec *exit)
{
	const struct ksnoop_val *v = NULL;
	bool done = false;

	while ((v = rec_next_val(exit, v))) {
		const struct titem *ti = v->item < tf->nitems ? &tf->items[v->item] : NULL;

		if (ti && ti->is_ret && is_return(ti->label)) {
			JW_KEY(w, "ret");
			render_value(o, tf, v, w, NULL);
			done = true;
		}
	}
	if (!done && !tf->returns_void) {
		JW_KEY(w, "ret");
		/* The ABI leaves the bytes above a narrower int undefined (-2: 4294967294). */
		jw_s64(w, tf->plan.ret_kind == KSNOOP_RET_SIGNED ?
				  ksnoop_ret_signed(tf->plan.ret_size, exit->ret) :
				  (__s64)exit->ret);
	}
	if (o->show_errno)
		put_failure(NULL, tf, exit->ret, w);
	if (entry) {
		char *p = sb_reserve(w->sb, 16 + JSON_NUM_MAX);

		if (!p)
			return;
		p = JW_MEMBER_AT(w, p, "duration_ns");
		sb_commit(w->sb, json_str_u64(p, exit->ts - entry->ts));
	}
}

/* Is the writer's text "pid" to "func" (o->who) that of @rec, a call of @kf? */
static inline bool who_hit(const struct json_who *who, const struct ksnoop_rec *rec,
			   const struct kfunc *kf)
{
	__u64 comm[2];

	_Static_assert(sizeof(rec->comm) >= sizeof(comm), "comm is at least 16 bytes");
	memcpy(comm, rec->comm, sizeof(comm));
	return who->valid && who->kf == kf && who->tid == rec->tid && who->tgid == rec->tgid &&
	       !((who->comm[0] ^ comm[0]) | (who->comm[1] ^ comm[1]));
}

/*
 * The members "pid" to "func" of @rec, a call of @kf, at @p (in reserved
 * room), committed, and kept in @o->who. Returns 0, or -ENOMEM.
 */
static int json_who_put(struct output *o, struct strbuf *sb, char *p, const struct ksnoop_rec *rec,
			const struct kfunc *kf)
{
	struct json_who *who = &o->who;
	size_t from = p - sb->buf, len;

	p = JW_NEXT_MEMBER_AT(p, "pid");
	p = str_u64(p, rec->tgid);
	p = JW_NEXT_MEMBER_AT(p, "tid");
	p = str_u64(p, rec->tid);
	p = JW_NEXT_MEMBER_AT(p, "comm");
	p = memo_at(sb, p, &o->memo_comm, rec->comm, strnlen(rec->comm, sizeof(rec->comm)),
		    16 + sizeof(o->memo_func.esc));
	if (!p)
		return -ENOMEM;
	p = JW_NEXT_MEMBER_AT(p, "func");
	p = memo_at(sb, p, &o->memo_func, kf->name, strlen(kf->name), 0);
	if (!p)
		return -ENOMEM;
	sb_commit(sb, p);
	/* memo_at() may have moved the buffer: the text is found by its offset */
	len = sb->len - from;
	who->valid = len <= sizeof(who->text);
	if (!who->valid)
		return 0;
	memcpy(who->text, sb->buf + from, len);
	who->len = len;
	who->tgid = rec->tgid;
	who->tid = rec->tid;
	memcpy(who->comm, rec->comm, sizeof(who->comm));
	who->kf = kf;
	return 0;
}

/* One call as a JSON object, left open for output_call()'s members. */
static void json_call(struct output *o, struct jw *w, const struct tfunc *tf,
		      const struct ksnoop_rec *entry, const struct ksnoop_rec *exit,
		      enum call_end end)
{
	const struct ksnoop_rec *first = entry ? entry : exit;
	struct strbuf *sb = w->sb;
	char *p;

	/* The members every call has, in one reserved stretch. */
	/* Up to "comm", then both remembered strings and the "func" key. */
	p = sb_reserve(sb, 128 + WALL_TIME_MAX + 16 + 2 * sizeof(o->memo_comm.esc));
	if (!p)
		return;
	p = jw_begin_at(w, p, JW_OBJ);
	p = JW_MEMBER_AT(w, p, "type");
	p = mempcpy(p, "\"call\"", 6);
	p = JW_NEXT_MEMBER_AT(p, "time_ns");
	p = time_ns_at(o, first->ts, p);
	p = JW_NEXT_MEMBER_AT(p, "time");
	*p++ = '"';
	p = wall_time(o, first->ts, p, true);
	*p++ = '"';
	p = JW_NEXT_MEMBER_AT(p, "cpu");
	p = str_u64(p, first->cpu);
	if (who_hit(&o->who, first, tf->kf)) {
		_Static_assert(sizeof(o->who.text) <= 16 + 2 * sizeof(o->memo_comm.esc),
			       "the kept text fits the room reserved above");
		p = mempcpy(p, o->who.text, o->who.len);
		sb_commit(sb, p);
	} else if (json_who_put(o, sb, p, first, tf->kf)) {
		return;
	}
	json_args(o, w, tf, entry, exit);
	if (exit)
		json_return(o, w, tf, entry, exit);
	if (end == CALL_IN_FLIGHT) {
		JW_KEY(w, "in_flight");
		jw_bool(w, true);
	} else if (end == CALL_RETURN_LOST) {
		JW_KEY(w, "return_lost");
		jw_bool(w, true);
	}
}

/* Batched: write once a buffer's worth is pending, else at output_flush(). */
static int written(struct output *o)
{
	if (o->batch && o->sb.len < OUTPUT_BATCH)
		return o->err;
	return output_flush(o);
}

/*
 * --kstack: the kernel stack of @entry, symbolized, added to the call being
 * written: text lines "    kstack:" then a frame a line, innermost first,
 * into @o->sb; JSON a "kstack" array through @w (null when it was not
 * captured).
 */
static void kstack_put(struct output *o, const struct ksnoop_rec *entry, struct jw *w)
{
	struct strbuf *sb = &o->sb, frame;
	__u64 *ips = NULL;
	__u32 id, i;

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
	if (w) {
		JW_KEY(w, "kstack");
		if (!ips) {
			jw_null(w);
			return;
		}
		sb_init(&frame);
		jw_arr_begin(w);
		for (i = 0; i < o->kstack && ips[i]; i++) {
			sb_reset(&frame);
			ksyms_put(o->ksyms, ips[i], &frame);
			jw_str(w, sb_str(&frame), frame.len);
		}
		jw_arr_end(w);
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
 * One call: a JSON Lines object, with "kstack" (--kstack) and -s's "chain"
 * and "level" members.
 */
static void json_call_line(struct output *o, const struct tfunc *tf, const struct ksnoop_rec *entry,
			   const struct ksnoop_rec *exit, enum call_end end)
{
	struct jw w;

	jw_init(&w, &o->sb);
	json_call(o, &w, tf, entry, exit, end);
	if (o->kstack && entry)
		kstack_put(o, entry, &w);
	if (o->chain_group) {
		JW_KEY(&w, "chain");
		jw_u64(&w, o->chain_group);
		JW_KEY(&w, "level");
		jw_u64(&w, o->chain_level);
	}
	/* jw_record_end(), inline: once per event */
	jw_obj_end(&w);
	jw_line_end(&w);
}

int output_call(struct output *o, const struct tfunc *tf, const struct ksnoop_rec *entry,
		const struct ksnoop_rec *exit, enum call_end end)
{
	size_t start = o->sb.len;

	if (o->err)
		return o->err;
	if (o->json) {
		json_call_line(o, tf, entry, exit, end);
		return written(o);
	}
	text_call(o, tf, entry, exit, end);
	if (o->kstack && entry)
		kstack_put(o, entry, NULL);
	/* -s: the call indented by 4 per level of its chain. */
	if (o->chain_group && o->chain_level)
		sb_indent_tail(&o->sb, start, 4 * o->chain_level);
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
	size_t k;
	int i;

	if (o->err)
		return o->err;
	for (k = 0; k < ARRAY_SIZE(why); k++)
		if (!strcmp(reason, why[k].reason))
			text = why[k].text;
	if (o->json) {
		struct jw w;

		jw_record(&w, &o->sb, "lost");
		JW_KEY(&w, "count");
		jw_u64(&w, n);
		JW_KEY(&w, "reason");
		jw_strz(&w, reason);
		if (nf) {
			JW_KEY(&w, "funcs");
			jw_obj_begin(&w);
			for (i = 0; i < nf; i++) {
				jw_key(&w, names[i], strlen(names[i]));
				jw_u64(&w, counts[i]);
			}
			jw_obj_end(&w);
		}
		jw_record_end(&w);
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
