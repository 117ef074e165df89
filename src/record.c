// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>

#include "record.h"

int rec_check(const struct ksnoop_rec *rec, size_t size)
{
	if (size < sizeof(*rec) || rec->size < sizeof(*rec) || rec->size > size)
		return -EBADMSG;
	return 0;
}

/* Bytes of data after @v's header: the value, and the raw bytes after a text. */
static __u32 val_len(const struct ksnoop_val *v)
{
	return v->len + ((v->flags & KSNOOP_V_RAWALSO) ? v->raw_len : 0);
}

const struct ksnoop_val *rec_next_val(const struct ksnoop_rec *rec, const struct ksnoop_val *v)
{
	/* Offsets, not pointers: a pointer past the record's end is not defined C. */
	size_t off = v ? (size_t)((const __u8 *)v - (const __u8 *)rec) + sizeof(*v) +
				     KSNOOP_VAL_ALIGN(val_len(v)) :
			 offsetof(struct ksnoop_rec, data);

	if (off > rec->size || rec->size - off < sizeof(*v))
		return NULL;
	v = (const void *)((const __u8 *)rec + off);
	if (rec->size - off - sizeof(*v) < val_len(v))
		return NULL;
	return v;
}

const struct ksnoop_val *rec_val_of(const struct ksnoop_rec *rec, __u8 item)
{
	const struct ksnoop_val *v = NULL;

	while (rec && (v = rec_next_val(rec, v)))
		if (v->item == item)
			return v;
	return NULL;
}
