// SPDX-License-Identifier: GPL-2.0
/* JSON encoding helpers: strings from arbitrary kernel bytes, exact integers. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

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

TEST(json_writer_commas_and_nesting)
{
	struct strbuf sb;
	struct jw w;

	sb_init(&sb);
	jw_init(&w, &sb);
	jw_obj_begin(&w);
	JW_KEY(&w, "a");
	jw_u64(&w, 1);
	jw_key(&w, "b\"", 2);
	jw_arr_begin(&w);
	jw_s64(&w, -2);
	jw_hex(&w, 0xff);
	jw_obj_begin(&w);
	jw_obj_end(&w);
	jw_arr_begin(&w);
	jw_arr_end(&w);
	jw_null(&w);
	jw_bool(&w, false);
	jw_strz(&w, "s\n");
	jw_fixed(&w, 1.5, 3);
	jw_arr_end(&w);
	JW_KEY(&w, "c");
	JW_RAW(&w, "{\"x\":0}");
	jw_obj_end(&w);
	ASSERT_OK(jw_check(&w), "balanced");
	jw_line_end(&w);
	ASSERT_STREQ(
		sb_str(&sb),
		"{\"a\":1,\"b\\\"\":[-2,\"0xff\",{},[],null,false,\"s\\n\",1.500],\"c\":{\"x\":0}}\n",
		"document");
	/* In place: the writer still places the ','. */
	sb_reset(&sb);
	jw_obj_begin(&w);
	{
		char *p = sb_reserve(&sb, 64);

		p = JW_MEMBER_AT(&w, p, "x");
		*p++ = '1';
		p = JW_MEMBER_AT(&w, p, "y");
		*p++ = '2';
		sb_commit(&sb, p);
	}
	jw_obj_end(&w);
	ASSERT_OK(jw_check(&w), "balanced in place");
	ASSERT_STREQ(sb_str(&sb), "{\"x\":1,\"y\":2}", "in place");
	sb_free(&sb);
}

/* Each misuse is caught by jw_check(), whatever was written. */
TEST(json_writer_catches_misuse)
{
	struct strbuf sb;
	struct jw w;
	int i;

	sb_init(&sb);
	for (i = 0; i < 8; i++) {
		jw_init(&w, &sb);
		switch (i) {
		case 0: /* an object left open */
			jw_obj_begin(&w);
			break;
		case 1: /* an array closed as an object */
			jw_arr_begin(&w);
			jw_obj_end(&w);
			break;
		case 2: /* a value in an object without its key */
			jw_obj_begin(&w);
			jw_u64(&w, 1);
			jw_obj_end(&w);
			break;
		case 3: /* a key in an array */
			jw_arr_begin(&w);
			JW_KEY(&w, "k");
			jw_u64(&w, 1);
			jw_arr_end(&w);
			break;
		case 4: /* a key without its value */
			jw_obj_begin(&w);
			JW_KEY(&w, "k");
			jw_obj_end(&w);
			break;
		case 5: /* an end with nothing open */
			jw_obj_end(&w);
			break;
		case 6: /* a member written in place outside an object */
			jw_member_first(&w);
			break;
		case 7: /* nesting past JW_MAX_DEPTH */
			while (w.depth < JW_MAX_DEPTH)
				jw_arr_begin(&w);
			jw_arr_begin(&w);
			break;
		}
		ASSERT_EQ(jw_check(&w), i == 7 ? -E2BIG : -EINVAL, "misuse");
	}
	sb_free(&sb);
}

/* jw_line_end() asserts: an unbalanced line stops the program (where assert() is on). */
TEST(json_writer_line_end_asserts)
{
#ifdef NDEBUG
	test_skip("built with NDEBUG");
#else
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		struct strbuf sb;
		struct jw w;

		/* No core file, no assert message in the test output. */
		setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
		if (!freopen("/dev/null", "w", stderr))
			_exit(2);
		sb_init(&sb);
		jw_init(&w, &sb);
		jw_obj_begin(&w);
		jw_line_end(&w);
		_exit(0);
	}
	ASSERT_TRUE(pid > 0, "fork");
	ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid");
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "aborted");
#endif
}
