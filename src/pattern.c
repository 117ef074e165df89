// SPDX-License-Identifier: GPL-2.0
/*
 * String operands and globs -> struct ksnoop_pattern (include/ksnoop.h), the
 * shift-and NFA the BPF program runs over a string's bytes. Compiling here
 * keeps the kernel's side a loop over the subject with no backtracking, so
 * that it verifies in a bounded number of steps on every kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pattern.h"

/* Set the token bit @bit for every byte in [@lo, @hi] (never NUL: it ends a string). */
static void add_range(struct ksnoop_pattern *p, __u64 bit, unsigned int lo, unsigned int hi)
{
	unsigned int c;

	for (c = lo ? lo : 1; c <= hi && c < 256; c++)
		p->bytes[c] |= bit;
}

/*
 * A '[...]' class starting at @s[@i] (the '['): its bytes into token @bit.
 * Returns the index just past the ']', or -EINVAL.
 */
static long parse_class(struct ksnoop_pattern *p, __u64 bit, const char *s, size_t len, size_t i)
{
	struct ksnoop_pattern set = {};
	bool neg = false;
	size_t j = i + 1;
	unsigned int c;

	if (j < len && (s[j] == '!' || s[j] == '^')) {
		neg = true;
		j++;
	}
	/* A ']' first is a member, as in fnmatch(3). */
	if (j < len && s[j] == ']') {
		add_range(&set, 1, ']', ']');
		j++;
	}
	for (; j < len && s[j] != ']'; j++) {
		unsigned int lo = (unsigned char)s[j];

		if (j + 2 < len && s[j + 1] == '-' && s[j + 2] != ']') {
			unsigned int hi = (unsigned char)s[j + 2];

			if (hi < lo)
				return -EINVAL;
			add_range(&set, 1, lo, hi);
			j += 2;
		} else {
			add_range(&set, 1, lo, lo);
		}
	}
	if (j >= len)
		return -EINVAL;
	for (c = 1; c < 256; c++)
		if (!!(set.bytes[c] & 1) != neg)
			p->bytes[c] |= bit;
	return j + 1;
}

/* The one byte token @j of @p matches; -1 for a '*' or a set of bytes. */
static int token_byte(const struct ksnoop_pattern *p, unsigned int j)
{
	__u64 bit = 1ULL << j;
	unsigned int c, n = 0;
	int byte = -1;

	if (p->star & bit)
		return -1;
	for (c = 1; c < 256; c++)
		if (p->bytes[c] & bit) {
			byte = c;
			n++;
		}
	return n == 1 ? byte : -1;
}

/*
 * The bytes every subject @p matches starts with, for the kernel's first test
 * (struct ksnoop_pattern's prefix): the tokens that match one byte, up to the
 * first '*' or set, and the NUL after them when they are the whole pattern.
 */
static void set_prefix(struct ksnoop_pattern *p)
{
	unsigned int j;
	int byte;

	p->prefix = p->prefix_mask = 0;
	for (j = 0; j < sizeof(p->prefix); j++) {
		if (p->accept == 1ULL << j) {
			/* The subject ends here: its NUL is known too (prefix byte 0). */
			p->prefix_mask |= 0xffULL << (8 * j);
			return;
		}
		byte = token_byte(p, j);
		if (byte < 0)
			return;
		p->prefix |= (__u64)byte << (8 * j);
		p->prefix_mask |= 0xffULL << (8 * j);
	}
}

/*
 * The tokens of @p that match one byte, up to its end or its first '*' or
 * set, into @out (@size bytes): their number, or -EINVAL past @size.
 */
static int leading_bytes(const struct ksnoop_pattern *p, char *out, size_t size)
{
	unsigned int j;
	int byte;

	for (j = 0; j < KSNOOP_MAX_PATTERN && p->accept != 1ULL << j; j++) {
		byte = token_byte(p, j);
		if (byte < 0)
			break;
		if (j >= size)
			return -EINVAL;
		out[j] = (char)byte;
	}
	return (int)j;
}

int pattern_literal(const struct ksnoop_pattern *p, char *out, size_t size)
{
	int n = leading_bytes(p, out, size);

	return n >= 0 && p->accept == 1ULL << n ? n : -EINVAL;
}

int pattern_prefix(const struct ksnoop_pattern *p, char *out, size_t size)
{
	int n = leading_bytes(p, out, size);

	if (n <= 0 || n >= KSNOOP_MAX_PATTERN - 1)
		return -EINVAL;
	return (p->star & 1ULL << n) && p->accept == 1ULL << (n + 1) ? n : -EINVAL;
}

int pattern_compile(const char *s, size_t len, enum ksnoop_pred_op op, struct ksnoop_pattern *out,
		    char *why, size_t why_size, size_t *pos)
{
	bool glob = op == KSNOOP_OP_GLOB;
	unsigned int ntok = 0;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		__u64 bit;

		if (glob && s[i] == '*') {
			/* "**" is "*": the NFA's one-step closure needs no two in a row. */
			if (!ntok || !(out->star & (1ULL << (ntok - 1)))) {
				if (ntok == KSNOOP_MAX_PATTERN)
					goto too_long;
				out->star |= 1ULL << ntok++;
			}
			i++;
			continue;
		}
		if (!s[i]) {
			*pos = i;
			snprintf(why, why_size, "a string operand cannot hold a NUL byte");
			return -EINVAL;
		}
		if (ntok == KSNOOP_MAX_PATTERN)
			goto too_long;
		bit = 1ULL << ntok++;
		if (glob && s[i] == '?') {
			add_range(out, bit, 1, 255);
			i++;
		} else if (glob && s[i] == '[') {
			long next = parse_class(out, bit, s, len, i);

			if (next < 0) {
				*pos = i;
				snprintf(
					why, why_size,
					"bad '[...]' class in the glob (unterminated or a reversed range); "
					"'[*]' matches a literal '*'");
				return -EINVAL;
			}
			i = next;
		} else {
			add_range(out, bit, (unsigned char)s[i], (unsigned char)s[i]);
			i++;
		}
	}
	out->accept = 1ULL << ntok;
	out->start = 1;
	out->start |= (out->start & out->star) << 1;
	set_prefix(out);
	return 0;
too_long:
	*pos = i;
	snprintf(why, why_size, "string operand too long (limit %d bytes and wildcards)",
		 KSNOOP_MAX_PATTERN);
	return -EINVAL;
}

bool pattern_match(const struct ksnoop_pattern *p, const char *s, size_t n)
{
	__u64 st = p->start;
	size_t i;

	for (i = 0; i < n && s[i] && st; i++)
		st = ksnoop_pattern_step(p, st, (unsigned char)s[i]);
	return st & p->accept;
}

bool pattern_is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}
