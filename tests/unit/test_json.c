// SPDX-License-Identifier: GPL-2.0
/* JSON encoding helpers: strings from arbitrary kernel bytes, exact integers. */
#include <stdint.h>

#include "json.h"
#include "test.h"

static const char *jstr(struct strbuf *sb, const char *s, size_t len)
{
	sb_reset(sb);
	json_put_string(sb, s, len);
	return sb_str(sb);
}

TEST(json_string_escapes)
{
	struct strbuf sb;

	sb_init(&sb);
	ASSERT_STREQ(jstr(&sb, "", 0), "\"\"", "empty");
	ASSERT_STREQ(jstr(&sb, "a\"b\\c", 5), "\"a\\\"b\\\\c\"", "quote, backslash");
	ASSERT_STREQ(jstr(&sb, "\n\t\r\b\f", 5), "\"\\n\\t\\r\\b\\f\"", "short escapes");
	ASSERT_STREQ(jstr(&sb, "\x01\x1f\x7f", 3), "\"\\u0001\\u001f\\u007f\"", "controls");
	ASSERT_STREQ(jstr(&sb, "a\0b", 3), "\"a\\u0000b\"", "embedded NUL");
	ASSERT_STREQ(jstr(&sb, "/<>'", 4), "\"/<>'\"", "plain ASCII");
	sb_free(&sb);
}

TEST(json_string_utf8)
{
	struct strbuf sb;

	sb_init(&sb);
	/* Valid sequences of 2, 3 and 4 bytes pass through. */
	ASSERT_STREQ(jstr(&sb, "caf\xc3\xa9", 5), "\"caf\xc3\xa9\"", "2-byte");
	ASSERT_STREQ(jstr(&sb, "\xe2\x82\xac", 3), "\"\xe2\x82\xac\"", "3-byte");
	ASSERT_STREQ(jstr(&sb, "\xf0\x9f\x98\x80", 4), "\"\xf0\x9f\x98\x80\"", "4-byte");
	ASSERT_STREQ(jstr(&sb, "\xf4\x8f\xbf\xbf", 4), "\"\xf4\x8f\xbf\xbf\"", "U+10FFFF");
	/* Invalid bytes become \u00XX, each byte on its own. */
	ASSERT_STREQ(jstr(&sb, "\xff", 1), "\"\\u00ff\"", "0xff");
	ASSERT_STREQ(jstr(&sb, "a\xc3", 2), "\"a\\u00c3\"", "truncated at end");
	ASSERT_STREQ(jstr(&sb, "\xc3(", 2), "\"\\u00c3(\"", "bad continuation");
	ASSERT_STREQ(jstr(&sb, "\xc0\xaf", 2), "\"\\u00c0\\u00af\"", "overlong 2-byte");
	ASSERT_STREQ(jstr(&sb, "\xe0\x80\xaf", 3), "\"\\u00e0\\u0080\\u00af\"", "overlong 3");
	ASSERT_STREQ(jstr(&sb, "\xed\xa0\x80", 3), "\"\\u00ed\\u00a0\\u0080\"", "surrogate");
	ASSERT_STREQ(jstr(&sb, "\xf4\x90\x80\x80", 4), "\"\\u00f4\\u0090\\u0080\\u0080\"",
		     "above U+10FFFF");
	ASSERT_STREQ(jstr(&sb, "\x80", 1), "\"\\u0080\"", "lone continuation");
	ASSERT_STREQ(jstr(&sb, "\xe9t\xc3\xa9", 4), "\"\\u00e9t\xc3\xa9\"", "latin-1 then utf-8");
	sb_free(&sb);
}

TEST(json_integers)
{
	struct strbuf sb;

	sb_init(&sb);
	json_put_u64(&sb, 0);
	sb_putc(&sb, ' ');
	json_put_u64(&sb, 1ULL << 53);
	sb_putc(&sb, ' ');
	json_put_u64(&sb, (1ULL << 53) + 1);
	sb_putc(&sb, ' ');
	json_put_u64(&sb, UINT64_MAX);
	ASSERT_STREQ(sb_str(&sb),
		     "0 9007199254740992 \"9007199254740993\" \"18446744073709551615\"", "u64");

	sb_reset(&sb);
	json_put_s64(&sb, -1);
	sb_putc(&sb, ' ');
	json_put_s64(&sb, -(1LL << 53));
	sb_putc(&sb, ' ');
	json_put_s64(&sb, -(1LL << 53) - 1);
	sb_putc(&sb, ' ');
	json_put_s64(&sb, INT64_MIN);
	sb_putc(&sb, ' ');
	json_put_s64(&sb, INT64_MAX);
	ASSERT_STREQ(sb_str(&sb),
		     "-1 -9007199254740992 \"-9007199254740993\" \"-9223372036854775808\" "
		     "\"9223372036854775807\"",
		     "s64");
	sb_free(&sb);
}
