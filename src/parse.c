// SPDX-License-Identifier: GPL-2.0
/*
 * Stage 1: SPEC string -> struct spec. See parse.h for the grammar.
 *
 * A hand-written scanner (lex.c) and recursive descent over bytes: no recursion in
 * practice (every repetition is a loop), no globals. Everything allocated is
 * hung off @spec as soon as it exists, so any error path is spec_free().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "ksnoop.h"
#include "lex.h"
#include "parse.h"
#include "pattern.h"

/* Longest spec accepted; keeps every offset well inside an int. */
#define PARSE_MAX_SPEC	65536
#define PARSE_MAX_STARS 8
#define PARSE_MAX_STEPS 32
/* parse_error_str() shows a window of the spec around the error past this. */
#define ERR_WIDE   200
#define ERR_BEFORE 80
#define ERR_WINDOW 160

static int parse_func(struct parser *p, struct spec *spec)
{
	int start = p->i, fstart, j, err;
	char buf[16];

	for (j = start; j < p->len && is_module_char((unsigned char)p->s[j]); j++)
		;
	/* "*:NAME": the kernel and every module (a module glob is not supported) */
	if (j == start && p->len - start >= 2 && !strncmp(p->s + start, "*:", 2))
		j++;
	if (j < p->len && p->s[j] == ':') {
		if (j == start)
			return lex_fail(p, start, "expected module name before ':'");
		err = lex_check_name_len(p, start, j);
		if (err)
			return err;
		spec->module = strndup(p->s + start, j - start);
		if (!spec->module)
			return lex_fail_nomem(p);
		p->i = j + 1;
	}

	fstart = p->i;
	for (;;) {
		int c = lex_peek(p);

		if (is_func_char(c)) {
			if (c == '*' || c == '?')
				spec->is_glob = true;
			p->i++;
		} else if (c == '[') {
			/* A glob class like [0-9] or [!ab], not an index. */
			j = p->i + 1;
			if (j < p->len && (p->s[j] == '!' || p->s[j] == '^'))
				j++;
			while (j < p->len && is_class_char((unsigned char)p->s[j]))
				j++;
			if (j >= p->len || p->s[j] != ']')
				return lex_fail(p, j, "expected ']' to close '[' in function name");
			if (j == p->i + 1)
				return lex_fail(p, p->i, "empty '[]' in function name");
			spec->is_glob = true;
			p->i = j + 1;
		} else {
			break;
		}
	}
	if (p->i == fstart) {
		if (spec->module)
			return lex_fail(p, p->i, "expected function name after '%s:'",
					spec->module);
		return lex_fail(p, p->i, "expected function name, got %s",
				lex_describe(p, p->i, buf, sizeof(buf)));
	}
	err = lex_check_name_len(p, fstart, p->i);
	if (err)
		return err;
	spec->func = strndup(p->s + fstart, p->i - fstart);
	if (!spec->func)
		return lex_fail_nomem(p);

	/* "my.mod:f": the module part stopped short of ':'; name the bad byte. */
	if (!spec->module && lex_peek(p) == ':') {
		for (j = fstart; j < p->i && is_module_char((unsigned char)p->s[j]); j++)
			;
		if (j < p->i)
			return lex_fail(p, j, "unexpected %s in module name",
					lex_describe(p, j, buf, sizeof(buf)));
	}
	return 0;
}

static int add_step(struct parser *p, struct expr *e, enum step_kind kind, int pos, char *name,
		    int64_t index)
{
	struct step *steps;

	/* Grows 4, 8, 16, 32: nsteps never exceeds PARSE_MAX_STEPS. */
	if (e->nsteps == 0 || (e->nsteps >= 4 && !(e->nsteps & (e->nsteps - 1)))) {
		int cap = e->nsteps ? e->nsteps * 2 : 4;

		steps = realloc(e->steps, cap * sizeof(*steps));
		if (!steps) {
			free(name);
			return lex_fail_nomem(p);
		}
		e->steps = steps;
	}
	e->steps[e->nsteps++] = (struct step){
		.kind = kind,
		.name = name,
		.index = index,
		.pos = pos,
	};
	return 0;
}

static int parse_expr(struct parser *p, struct expr *e)
{
	char buf[16];
	int err;

	for (;;) {
		lex_skip_ws(p);
		if (lex_peek(p) != '*')
			break;
		if (e->nstars == PARSE_MAX_STARS)
			return lex_fail(p, p->i, "too many '*' (limit %d)", PARSE_MAX_STARS);
		e->nstars++;
		p->i++;
	}
	if (!is_ident_start(lex_peek(p)))
		return lex_fail(p, p->i, "expected argument name or 'return', got %s",
				lex_describe(p, p->i, buf, sizeof(buf)));
	e->base_pos = p->i;
	err = lex_ident(p, &e->base);
	if (err)
		return err;
	e->is_ret = strcmp(e->base, "return") == 0;

	for (;;) {
		int save = p->i, pos, c;
		enum step_kind kind;
		uint64_t index = 0;
		char *name = NULL;

		lex_skip_ws(p);
		pos = p->i;
		c = lex_peek(p);
		if (c == '-' && lex_peek_at(p, 1) == '>')
			kind = STEP_ARROW;
		else if (c == '.')
			kind = STEP_DOT;
		else if (c == '[')
			kind = STEP_INDEX;
		else {
			p->i = save;
			return 0;
		}
		if (e->nsteps == PARSE_MAX_STEPS)
			return lex_fail(p, pos, "too many member/index steps (limit %d)",
					PARSE_MAX_STEPS);

		if (kind == STEP_INDEX) {
			p->i++;
			lex_skip_ws(p);
			if (lex_peek(p) == '-')
				return lex_fail(p, p->i, "array index must be non-negative");
			if (!is_digit(lex_peek(p)))
				return lex_fail(p, p->i, "expected array index after '['");
			err = lex_uint(p, INT64_MAX, "array index", p->i, &index);
			if (err)
				return err;
			lex_skip_ws(p);
			if (lex_peek(p) != ']')
				return lex_fail(p, p->i, "expected ']'");
			p->i++;
		} else {
			p->i += kind == STEP_ARROW ? 2 : 1;
			lex_skip_ws(p);
			if (!is_ident_start(lex_peek(p)))
				return lex_fail(p, p->i, "expected member name after '%s'",
						kind == STEP_ARROW ? "->" : ".");
			err = lex_ident(p, &name);
			if (err)
				return err;
		}
		err = add_step(p, e, kind, pos, name, (int64_t)index);
		if (err)
			return err;
	}
}

/* OP at the cursor: its length, 0 if none, or -EINVAL for '=' and '!'. */
static int parse_op(struct parser *p, enum ksnoop_pred_op *op)
{
	int c0 = lex_peek(p), c1 = lex_peek_at(p, 1);

	*op = KSNOOP_OP_NONE;
	switch (c0) {
	case '=':
		if (c1 == '=') {
			*op = KSNOOP_OP_EQ;
			return 2;
		}
		if (c1 == '<' || c1 == '>' || c1 == '!')
			return lex_fail(p, p->i, "invalid operator '=%c': did you mean '%c='?", c1,
					c1);
		return lex_fail(p, p->i, "invalid operator '=': did you mean '=='?");
	case '!':
		if (c1 == '=') {
			*op = KSNOOP_OP_NE;
			return 2;
		}
		return lex_fail(p, p->i, "invalid operator '!': did you mean '!='?");
	case '<':
		*op = c1 == '=' ? KSNOOP_OP_LE : KSNOOP_OP_LT;
		return c1 == '=' ? 2 : 1;
	case '>':
		*op = c1 == '=' ? KSNOOP_OP_GE : KSNOOP_OP_GT;
		return c1 == '=' ? 2 : 1;
	case '~':
		*op = KSNOOP_OP_GLOB;
		return 1;
	default:
		return 0;
	}
}

static int parse_value(struct parser *p, struct pred_value *v, enum ksnoop_pred_op op)
{
	uint64_t max = UINT64_MAX;
	int err;

	v->pos = p->i;
	if (lex_peek(p) == '"') {
		struct ksnoop_pattern pat;
		char why[160];
		size_t at = 0;

		if (op != KSNOOP_OP_EQ && op != KSNOOP_OP_NE && op != KSNOOP_OP_GLOB)
			return lex_fail(p, p->i,
					"strings compare with ==, != or ~ (glob), not '%s'",
					pred_op_str(op));
		err = lex_string(p, v);
		if (err)
			return err;
		if (pattern_compile(v->str, v->len, op, &pat, why, sizeof(why), &at))
			return lex_fail(p, v->pos + 1 + (int)at, "%s", why);
		return 0;
	}
	if (op == KSNOOP_OP_GLOB)
		return lex_fail(p, p->i, "'~' takes a double-quoted glob, e.g. ~ \"/etc/*\"");
	if (lex_peek(p) == '-') {
		v->neg = true;
		max = (uint64_t)INT64_MAX + 1; /* -max is INT64_MIN */
		p->i++;
		lex_skip_ws(p);
		if (!is_digit(lex_peek(p)))
			return lex_fail(p, p->i, "expected integer after '-'");
	}
	if (is_digit(lex_peek(p))) {
		v->kind = PVAL_INT;
		return lex_uint(p, max, "integer literal", v->pos, &v->u);
	}
	if (!is_ident_start(lex_peek(p)))
		return lex_fail(p, p->i, "expected value after '%s'", pred_op_str(op));
	err = lex_ident(p, &v->name);
	if (err)
		return err;
	v->kind = PVAL_ENUM;
	if (strcmp(v->name, "NULL") == 0) {
		free(v->name);
		v->name = NULL;
		v->kind = PVAL_NULL;
	}
	return 0;
}

static int parse_item(struct parser *p, struct item *item)
{
	int expr_end, end, oplen, err;

	item->pos = p->i;
	err = parse_expr(p, &item->expr);
	if (err)
		return err;
	end = expr_end = p->i;

	lex_skip_ws(p);
	if (lex_peek(p) == ':') {
		int pos = p->i;
		char *suffix = NULL;

		p->i++;
		lex_skip_ws(p);
		if (!is_ident_start(lex_peek(p)))
			return lex_fail(p, p->i, "expected 'str' after ':'");
		err = lex_ident(p, &suffix);
		if (err)
			return err;
		item->as_str = !strcmp(suffix, "str");
		free(suffix);
		if (!item->as_str)
			return lex_fail(p, pos,
					"unknown suffix after '%.*s' (the only one is ':str')",
					expr_end - item->pos, p->s + item->pos);
		end = p->i;
		lex_skip_ws(p);
	}
	oplen = parse_op(p, &item->op);
	if (oplen < 0)
		return oplen;
	if (oplen > 0) {
		int oppos = p->i;

		p->i += oplen;
		lex_skip_ws(p);
		err = parse_value(p, &item->val, item->op);
		if (err)
			return err;
		if (item->as_str && item->val.kind != PVAL_STR)
			return lex_fail(
				p, oppos,
				"a ':str' item compares as a string: give a double-quoted string");
		end = p->i;
	}

	item->expr_text = lex_dup_nows(p->s, item->pos, expr_end);
	item->text = lex_dup_nows(p->s, item->pos, end);
	if (!item->expr_text || !item->text)
		return lex_fail_nomem(p);
	return 0;
}

/*
 * The same item twice would show the same value twice, under the same JSON key.
 * The same expression with different predicates is a range (len > 5, len < 100):
 * allowed; the resolver shows its value once.
 */
static int check_repeat(struct parser *p, const struct spec *spec)
{
	const struct item *last = &spec->items[spec->nitems - 1];
	int i;

	for (i = 0; i < spec->nitems - 1; i++)
		if (!strcmp(spec->items[i].text, last->text))
			return lex_fail(p, last->pos, "item '%s' is given twice", last->text);
	return 0;
}

/* After FUNC, at '(': items up to the matching ')'. */
static int parse_items(struct parser *p, struct spec *spec)
{
	int open = p->i, err;
	char buf[16];

	spec->has_parens = true;
	p->i++;
	lex_skip_ws(p);
	if (lex_peek(p) == ')') {
		p->i++;
		return 0;
	}
	spec->items = calloc(KSNOOP_MAX_ITEMS, sizeof(*spec->items));
	if (!spec->items)
		return lex_fail_nomem(p);

	for (;;) {
		lex_skip_ws(p);
		if (lex_at_end(p))
			return lex_fail(p, open, "unbalanced parenthesis");
		if (lex_peek(p) == ',' || lex_peek(p) == ')')
			return lex_fail(p, p->i, "empty item");
		if (spec->nitems == KSNOOP_MAX_ITEMS)
			return lex_fail(p, p->i, "too many items (limit %d)", KSNOOP_MAX_ITEMS);
		/* Counted before it is filled, so spec_free() sees partial items. */
		err = parse_item(p, &spec->items[spec->nitems++]);
		if (err)
			return err;
		err = check_repeat(p, spec);
		if (err)
			return err;

		lex_skip_ws(p);
		if (lex_at_end(p))
			return lex_fail(p, open, "unbalanced parenthesis");
		if (lex_peek(p) == ')') {
			p->i++;
			return 0;
		}
		/* C's logical operators: say how a SPEC combines predicates instead */
		if (p->i + 1 < p->len && !strncmp(p->s + p->i, "&&", 2))
			return lex_fail(
				p, p->i,
				"'&&' is not supported: items are ANDed; separate them with ','");
		if (p->i + 1 < p->len && !strncmp(p->s + p->i, "||", 2))
			return lex_fail(
				p, p->i,
				"'||' is not supported: a call is shown when every predicate holds");
		if (lex_peek(p) != ',')
			return lex_fail(p, p->i, "unexpected %s after item",
					lex_describe(p, p->i, buf, sizeof(buf)));
		p->i++;
	}
}

int spec_parse(const char *str, struct spec *spec, struct parse_error *err)
{
	struct parse_error dummy;
	struct parser p = {};
	char buf[16];
	size_t len;
	int ret;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	p.err = err;
	if (!spec)
		return lex_fail(&p, 0, "no spec");
	memset(spec, 0, sizeof(*spec));
	if (!str)
		return lex_fail(&p, 0, "empty spec");

	len = strnlen(str, PARSE_MAX_SPEC + 1);
	if (len > PARSE_MAX_SPEC)
		return lex_fail(&p, PARSE_MAX_SPEC, "spec too long (limit %d bytes)",
				PARSE_MAX_SPEC);
	p.s = str;
	p.len = (int)len;

	/* No valid token holds such bytes: report them first, by value. */
	for (p.i = 0; p.i < p.len; p.i++) {
		if (!is_valid_byte((unsigned char)str[p.i]))
			return lex_fail(&p, p.i, "unexpected byte 0x%02x", (unsigned char)str[p.i]);
	}
	p.i = 0;
	lex_skip_ws(&p);
	if (lex_at_end(&p))
		return lex_fail(&p, 0, "empty spec");

	spec->text = strdup(str);
	if (!spec->text) {
		ret = lex_fail_nomem(&p);
		goto cleanup;
	}
	ret = parse_func(&p, spec);
	if (ret)
		goto cleanup;

	lex_skip_ws(&p);
	if (lex_peek(&p) == '(') {
		ret = parse_items(&p, spec);
		if (ret)
			goto cleanup;
		lex_skip_ws(&p);
		if (lex_peek(&p) == ')') {
			ret = lex_fail(&p, p.i, "unbalanced parenthesis");
			goto cleanup;
		}
		if (!lex_at_end(&p)) {
			ret = lex_fail(&p, p.i, "trailing characters after ')'");
			goto cleanup;
		}
	} else if (lex_peek(&p) == ')') {
		ret = lex_fail(&p, p.i, "unbalanced parenthesis");
		goto cleanup;
	} else if (!lex_at_end(&p)) {
		ret = lex_fail(&p, p.i, "unexpected %s after function name",
			       lex_describe(&p, p.i, buf, sizeof(buf)));
		goto cleanup;
	}
	return 0;

cleanup:
	spec_free(spec);
	return ret;
}

static bool has_item(const struct spec *spec, const char *text)
{
	int i;

	for (i = 0; i < spec->nitems; i++)
		if (!strcmp(spec->items[i].text, text))
			return true;
	return false;
}

int spec_merge(const struct spec *a, const struct spec *b, const char *module, const char *func,
	       bool dedup, struct spec *out, struct parse_error *err)
{
	struct parse_error dummy;
	int i, n = a->nitems, ret;
	size_t len, cap;
	char *text;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	memset(out, 0, sizeof(*out));
	/* "[module:]func(item,...)": item texts are whitespace-free and re-parse the same */
	cap = (module ? strlen(module) + 1 : 0) + strlen(func) + 3;
	for (i = 0; i < a->nitems; i++)
		cap += strlen(a->items[i].text) + 1;
	for (i = 0; i < b->nitems; i++)
		cap += strlen(b->items[i].text) + 1;
	text = malloc(cap);
	if (!text)
		return -ENOMEM;
	len = snprintf(text, cap, "%s%s%s", module ? module : "", module ? ":" : "", func);
	for (i = 0; i < a->nitems; i++)
		len += snprintf(text + len, cap - len, "%c%s", i ? ',' : '(', a->items[i].text);
	for (i = 0; i < b->nitems; i++) {
		const struct item *it = &b->items[i];

		if (has_item(a, it->text)) {
			if (dedup)
				continue;
			free(text);
			err->pos = it->pos;
			snprintf(err->msg, sizeof(err->msg),
				 "item '%s' is given twice: an earlier SPEC for '%s' has it",
				 it->text, func);
			return -EINVAL;
		}
		if (n == KSNOOP_MAX_ITEMS) {
			free(text);
			err->pos = it->pos;
			snprintf(err->msg, sizeof(err->msg),
				 "too many items for '%s' with the earlier SPEC's (limit %d)", func,
				 KSNOOP_MAX_ITEMS);
			return -EINVAL;
		}
		len += snprintf(text + len, cap - len, "%c%s", n++ ? ',' : '(', it->text);
	}
	if (n)
		snprintf(text + len, cap - len, ")");
	ret = spec_parse(text, out, err);
	free(text);
	return ret;
}

void spec_free(struct spec *spec)
{
	int i, j;

	if (!spec)
		return;
	for (i = 0; i < spec->nitems; i++) {
		struct item *item = &spec->items[i];

		for (j = 0; j < item->expr.nsteps; j++)
			free(item->expr.steps[j].name);
		free(item->expr.steps);
		free(item->expr.base);
		free(item->val.name);
		free(item->val.str);
		free(item->text);
		free(item->expr_text);
	}
	free(spec->items);
	free(spec->module);
	free(spec->func);
	free(spec->text);
	memset(spec, 0, sizeof(*spec));
}

/* snprintf-like appender: counts everything, stores what fits. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_putc(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_puts(struct out *o, const char *s)
{
	while (*s)
		out_putc(o, *s++);
}

/* Spec bytes, one column each: whitespace as ' ', other unprintables as '?'. */
static void out_spec(struct out *o, const char *s, size_t start, size_t end, bool pre, bool post)
{
	size_t i;

	if (pre)
		out_puts(o, "...");
	for (i = start; i < end; i++) {
		unsigned char c = s[i];

		if (is_ws(c))
			c = ' ';
		else if (c < 0x20 || c >= 0x7f)
			c = '?';
		out_putc(o, c);
	}
	if (post)
		out_puts(o, "...");
}

int parse_error_str(const char *str, const struct parse_error *err, char *buf, size_t size)
{
	struct out o = {.buf = buf, .size = buf ? size : 0};
	size_t len, pos, start = 0, end, i;
	bool pre, post;

	if (!str)
		str = "";
	len = strnlen(str, PARSE_MAX_SPEC);
	pos = err && err->pos > 0 ? (size_t)err->pos : 0;
	if (pos > len)
		pos = len;
	end = len;
	if (len > ERR_WIDE) {
		start = pos > ERR_BEFORE ? pos - ERR_BEFORE : 0;
		end = start + ERR_WINDOW < len ? start + ERR_WINDOW : len;
		if (end - start < ERR_WINDOW)
			start = end - ERR_WINDOW;
	}
	pre = start > 0;
	post = end < len;

	out_puts(&o, "syntax error in '");
	out_spec(&o, str, start, end, pre, post);
	out_puts(&o, "': ");
	if (err)
		out_spec(&o, err->msg, 0, strnlen(err->msg, sizeof(err->msg)), false, false);
	out_puts(&o, "\n  ");
	out_spec(&o, str, start, end, pre, post);
	out_puts(&o, "\n  ");
	for (i = (pre ? 3 : 0) + (pos - start); i > 0; i--)
		out_putc(&o, ' ');
	out_puts(&o, "^\n");
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
	return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

const char *pred_op_str(enum ksnoop_pred_op op)
{
	switch (op) {
	case KSNOOP_OP_NONE:
		return "";
	case KSNOOP_OP_EQ:
		return "==";
	case KSNOOP_OP_NE:
		return "!=";
	case KSNOOP_OP_LT:
		return "<";
	case KSNOOP_OP_LE:
		return "<=";
	case KSNOOP_OP_GT:
		return ">";
	case KSNOOP_OP_GE:
		return ">=";
	case KSNOOP_OP_GLOB:
		return "~";
	}
	return "?";
}
