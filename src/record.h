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

/*
 * The value after @v in @rec, the first one for @v NULL; NULL when no more
 * whole value (header and data, and with KSNOOP_V_RAWALSO the raw bytes after
 * the text) fits within rec->size. @rec must have passed rec_check().
 */
const struct ksnoop_val *rec_next_val(const struct ksnoop_rec *rec, const struct ksnoop_val *v);

/* The first value of item @item in @rec (NULL: none), or NULL. */
const struct ksnoop_val *rec_val_of(const struct ksnoop_rec *rec, __u8 item);

#endif /* __KSNOOP_RECORD_H */
