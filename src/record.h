/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ring buffer's records as the stages read them (include/ksnoop.h has the
 * layout). The kernel writes them, but a reader that trusted their lengths
 * would turn one bad record (a BPF bug, a wire format mismatch between builds)
 * into a crash of the tracer: every reader goes through these two, which never
 * look past the bytes the ring buffer handed over.
 */
#ifndef __KSNOOP_RECORD_H
#define __KSNOOP_RECORD_H

#include <stddef.h>
#include <linux/types.h>

#include "ksnoop.h"

/*
 * Can @rec, a sample of @size bytes, be read: a whole header, and its own
 * size (rec->size) no less than the header and within @size? Returns 0, or
 * -EBADMSG.
 */
int rec_check(const struct ksnoop_rec *rec, size_t size);

/* Bytes of data after @v's header: the value, and the raw bytes after a text. */
static inline __u32 rec_val_len(const struct ksnoop_val *v)
{
	return v->len + ((v->flags & KSNOOP_V_RAWALSO) ? v->raw_len : 0);
}

/*
 * The value after @v in @rec, the first one for @v NULL; NULL when no more
 * whole value (header and data, and with KSNOOP_V_RAWALSO the raw bytes after
 * the text) fits within rec->size. @rec must have passed rec_check().
 * Inline: every formatted call walks its records' values several times.
 */
static inline const struct ksnoop_val *rec_next_val(const struct ksnoop_rec *rec,
						    const struct ksnoop_val *v)
{
	/* Offsets, not pointers: a pointer past the record's end is not defined C. */
	size_t off = v ? (size_t)((const __u8 *)v - (const __u8 *)rec) + sizeof(*v) +
				     KSNOOP_VAL_ALIGN(rec_val_len(v)) :
			 offsetof(struct ksnoop_rec, data);

	if (off > rec->size || rec->size - off < sizeof(*v))
		return NULL;
	v = (const void *)((const __u8 *)rec + off);
	if (rec->size - off - sizeof(*v) < rec_val_len(v))
		return NULL;
	return v;
}

/* The first value of item @item in @rec (NULL: none), or NULL. */
const struct ksnoop_val *rec_val_of(const struct ksnoop_rec *rec, __u8 item);

#endif /* __KSNOOP_RECORD_H */
