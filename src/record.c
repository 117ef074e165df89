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

const struct ksnoop_val *rec_val_of(const struct ksnoop_rec *rec, __u8 item)
{
	const struct ksnoop_val *v = NULL;

	while (rec && (v = rec_next_val(rec, v)))
		if (v->item == item)
			return v;
	return NULL;
}
