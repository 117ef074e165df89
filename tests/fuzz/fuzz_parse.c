// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the SPEC parser on arbitrary bytes.
 *
 * The input (cut at the first NUL, as a command-line argument would be) goes
 * through spec_parse(); on an error the caret message is rendered with
 * parse_error_str(), which indexes the spec by the error position, so a wrong
 * position is an out-of-bounds read here. Built by `make fuzz` with ASan and
 * UBSan; any report, leak or abort is a failure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_error perr;
	struct spec spec;
	char buf[1024], *str;
	int i;

	/* An exact-size heap copy: ASan sees any read past the terminating NUL. */
	str = malloc(size + 1);
	if (!str)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	if (spec_parse(str, &spec, &perr)) {
		parse_error_str(str, &perr, buf, sizeof(buf));
		/* A tiny buffer too: truncation must stay in bounds. */
		parse_error_str(str, &perr, buf, 8);
	} else {
		for (i = 0; i < spec.nitems; i++)
			pred_op_str(spec.items[i].op);
		spec_free(&spec);
	}
	free(str);
	return 0;
}
