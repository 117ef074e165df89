// SPDX-License-Identifier: GPL-2.0
/*
 * The record reader (src/record.c): which samples rec_check() lets through,
 * and that rec_next_val() walks the values of a record and never hands out one
 * that reaches past rec->size, however the lengths inside lie.
 */
#include <errno.h>
#include <string.h>

#include "record.h"
#include "test.h"

/* An 8-aligned buffer a record is built in. */
struct recbuf {
	__u64 words[64];
};

static struct ksnoop_rec *rec_new(struct recbuf *b)
{
	struct ksnoop_rec *r = (void *)b->words;

	memset(b, 0, sizeof(*b));
	r->type = KSNOOP_REC_ENTRY;
	r->size = sizeof(*r);
	return r;
}

/* Append a value of @len bytes of @fill (and @raw raw bytes after a text), as the BPF side. */
static struct ksnoop_val *add(struct ksnoop_rec *r, __u8 item, __u16 len, __u16 raw, __u8 fill)
{
	struct ksnoop_val *v = (void *)((__u8 *)r + r->size);

	v->item = item;
	v->len = len;
	if (raw) {
		v->flags = KSNOOP_V_TEXT | KSNOOP_V_RAWALSO;
		v->raw_len = raw;
	}
	memset(v->data, fill, len + raw);
	r->size += sizeof(*v) + KSNOOP_VAL_ALIGN(len + raw);
	r->nvals++;
	return v;
}

TEST(record_check)
{
	struct recbuf b;
	struct ksnoop_rec *r = rec_new(&b);

	ASSERT_OK(rec_check(r, sizeof(*r)), "a bare header");
	ASSERT_EQ(rec_check(r, sizeof(*r) - 1), -EBADMSG, "a sample shorter than a header");
	ASSERT_EQ(rec_check(r, 0), -EBADMSG, "an empty sample");
	add(r, 0, 4, 0, 0xaa);
	ASSERT_OK(rec_check(r, r->size), "a header and a value");
	ASSERT_OK(rec_check(r, r->size + 8), "a sample longer than the record (ring padding)");
	ASSERT_EQ(rec_check(r, r->size - 1), -EBADMSG, "rec->size past the sample");
	r->size = sizeof(*r) - 8;
	ASSERT_EQ(rec_check(r, sizeof(b)), -EBADMSG, "rec->size shorter than a header");
	r->size = 0;
	ASSERT_EQ(rec_check(r, sizeof(b)), -EBADMSG, "rec->size 0");
}

TEST(record_values_in_order)
{
	struct recbuf b;
	struct ksnoop_rec *r = rec_new(&b);
	const struct ksnoop_val *v, *a0, *a1, *a2;

	ASSERT_TRUE(!rec_next_val(r, NULL), "no value in a bare header");
	a0 = add(r, 0, 8, 0, 1);
	a1 = add(r, 3, 3, 0, 2);  /* padded to 8 */
	a2 = add(r, 5, 5, 11, 3); /* text and raw bytes: 16 of data */
	v = rec_next_val(r, NULL);
	ASSERT_TRUE(v == a0, "first value");
	v = rec_next_val(r, v);
	ASSERT_TRUE(v == a1, "second value, after 8 bytes of data");
	v = rec_next_val(r, v);
	ASSERT_TRUE(v == a2, "third value, after 3 bytes padded to 8");
	ASSERT_TRUE(!rec_next_val(r, v), "no value after the text with its raw bytes");
	ASSERT_TRUE(rec_val_of(r, 5) == a2, "item 5");
	ASSERT_TRUE(rec_val_of(r, 3) == a1, "item 3");
	ASSERT_TRUE(!rec_val_of(r, 4), "no item 4");
	ASSERT_TRUE(!rec_val_of(NULL, 0), "no record");
}

TEST(record_values_cut_short)
{
	struct recbuf b;
	struct ksnoop_rec *r = rec_new(&b);
	struct ksnoop_val *v;
	__u32 whole;

	add(r, 0, 8, 0, 1);
	v = add(r, 1, 16, 0, 2);
	whole = r->size;
	/* The record ends inside the second value's data: only the first is whole. */
	r->size = whole - 1;
	ASSERT_TRUE(rec_next_val(r, NULL) != NULL, "the first value, whole");
	ASSERT_TRUE(!rec_next_val(r, rec_next_val(r, NULL)), "the second, cut in its data");
	/* ... or inside its header. */
	r->size = (__u8 *)v - (__u8 *)r + sizeof(*v) - 1;
	ASSERT_TRUE(!rec_next_val(r, rec_next_val(r, NULL)), "the second, cut in its header");
	/* A length that lies: far past the record. */
	r->size = whole;
	v->len = 0xffff;
	ASSERT_TRUE(!rec_next_val(r, rec_next_val(r, NULL)), "a length past the record");
	/* Raw bytes that lie, on a value whose text fits. */
	v->len = 16;
	v->flags = KSNOOP_V_RAWALSO;
	v->raw_len = 1;
	ASSERT_TRUE(!rec_next_val(r, rec_next_val(r, NULL)), "raw bytes past the record");
}

/*
 * The last value's data ends inside the record but its padding does not: the
 * walk stops there and does not read a "next value" out of bounds.
 */
TEST(record_values_unpadded_end)
{
	struct recbuf b;
	struct ksnoop_rec *r = rec_new(&b);
	const struct ksnoop_val *v;

	add(r, 0, 3, 0, 1);
	r->size -= 5; /* the record ends right after the 3 bytes, before the padding */
	v = rec_next_val(r, NULL);
	ASSERT_TRUE(v != NULL, "the value fits without its padding");
	ASSERT_TRUE(!rec_next_val(r, v), "nothing after it");
	/* Values too many for a record of this size: no wrap of the offset. */
	r->size = sizeof(*r) + sizeof(*v) + 2;
	ASSERT_TRUE(!rec_next_val(r, NULL), "a value whose data does not fit");
}
