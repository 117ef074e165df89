// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the output stage on arbitrary ring buffer records, and
 * the BTF value formatter on arbitrary bytes of arbitrary vmlinux types.
 *
 * The kernel writes the records, but a decoder that trusts their lengths and
 * item indices turns one bad record (a BPF bug, a wire format mismatch between
 * builds) into a crash of the tracer. Real plans are resolved once against
 * the host kernel's BTF (see specs[]); each input is then, by its byte 0:
 *   bits 0-1  which plan                bit 2  JSON (else text)
 *   bit 3     the rest is an entry record followed by an exit record
 *   bit 4     in flight                 bit 5  formatter mode (below)
 * Record mode: the rest is checked with rec_check(), as trace.c on_record()
 * checks what the ring buffer hands it, rec->func is set to 0 (trace.c
 * show_call() bounds it) and output_call() writes to /dev/null. Formatter mode: 4 bytes pick a type
 * id (modulo the type count), the rest is the value for fmt_text() and fmt_json().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "format.h"
#include "ksnoop.h"
#include "output.h"
#include "record.h"
#include "tlib.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Plans with every value kind: scalars, pointees, strings, bitfields, return. */
static const char *const specs[4] = {
	"ip_send_skb(skb, skb->len, skb->sk, return)",
	"do_sys_openat2(dfd, filename, how, return)",
	"ip_send_skb(skb->pkt_type, skb->cloned, skb->dev->name, net)",
	"tcp_v4_rcv(skb->sk->__sk_common, skb->cb, return)",
};

static const struct btf *vmlinux;
static struct tfunc tfs[4];
static FILE *devnull;

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_decode: %s: %s\n", what, detail);
	exit(1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct resolve_opts opts = {.string_size = 64};
	struct resolve_err rerr;
	const struct kbtf *kb;
	int i;

	if (tl_host_btf(&kb))
		die("cannot load the host's BTF", "/sys/kernel/btf/vmlinux");
	vmlinux = kb->vmlinux;
	for (i = 0; i < 4; i++)
		if (tl_resolve(kb, specs[i], &opts, &tfs[i], &rerr))
			die(specs[i], rerr.msg);
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		die("/dev/null", "cannot open");
	return 0;
}

/*
 * NULL unless rec_check() passes it, as the ring buffer handler would. Larger
 * than a record the BPF program can build is not tried. An exact-size heap copy (malloc aligns it
 * as the ring buffer does), so that ASan reports any read past the bytes the kernel handed over.
 */
static struct ksnoop_rec *record(const uint8_t *data, size_t size)
{
	struct ksnoop_rec *rec;

	if (size > KSNOOP_SCRATCH)
		return NULL;
	rec = malloc(size);
	if (!rec)
		return NULL;
	memcpy(rec, data, size);
	if (rec_check(rec, size)) {
		free(rec);
		return NULL;
	}
	rec->func = 0;
	return rec;
}

static void fuzz_format(const uint8_t *data, size_t size)
{
	const struct btf *btf = vmlinux;
	struct strbuf sb;
	__u32 id;
	__u8 *val;

	if (size < 4)
		return;
	memcpy(&id, data, 4);
	id %= btf__type_cnt(btf);
	size -= 4;
	/* An exact-size heap copy: ASan catches any read past the captured bytes. */
	val = malloc(size ? size : 1);
	if (!val)
		return;
	memcpy(val, data + 4, size);
	sb_init(&sb);
	fmt_text(btf, id, val, size, &sb);
	sb_reset(&sb);
	fmt_json(btf, id, val, size, &sb);
	sb_reset(&sb);
	fmt_type_name(btf, id, &sb);
	sb_free(&sb);
	free(val);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksnoop_rec *a, *b = NULL;
	struct output o;
	__u8 sel;

	if (!size)
		return 0;
	sel = data[0];
	data++, size--;
	if (sel & 0x20) {
		fuzz_format(data, size);
		return 0;
	}
	if (sel & 8) {
		/* Entry then exit: the exit record starts where the entry says it ends. */
		__u32 n;

		if (size < sizeof(*a))
			return 0;
		memcpy(&n, data + offsetof(struct ksnoop_rec, size), sizeof(n));
		n = KSNOOP_VAL_ALIGN(n);
		if (n < sizeof(*a) || n > size)
			return 0;
		b = record(data + n, size - n);
		if (!b)
			return 0;
		size = n;
	}
	a = record(data, size);
	if (a) {
		output_init(&o, devnull, sel & 4);
		output_call(&o, &tfs[sel & 3], a, b, (enum call_end)((sel >> 4) % 3));
		output_flush(&o);
		output_free(&o);
	}
	free(a);
	free(b);
	return 0;
}
