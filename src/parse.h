/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stage 1: parse a SPEC string into an AST. No BTF knowledge here.
 *
 *   SPEC  := FUNC | FUNC '(' [ITEM {',' ITEM}] ')'
 *   FUNC  := [MODULE ':'] NAME-OR-GLOB       (glob: * ? [...])
 *   ITEM  := EXPR [OP VALUE]
 *   EXPR  := {'*'} POSTFIX
 *   POSTFIX := IDENT | 'return' | POSTFIX '->' IDENT | POSTFIX '.' IDENT
 *            | POSTFIX '[' INTEGER ']'
 *   OP    := == | != | < | <= | > | >= | ~
 *   VALUE := INTEGER (dec, 0x hex, 0 octal, optional '-') | IDENT (enum constant) | NULL
 *          | STRING ('"' bytes '"', escapes \" \\ \n \t \xHH; with '~' a glob: * ? [...])
 * Whitespace is allowed between tokens.
 */
#ifndef __KSNOOP_PARSE_H
#define __KSNOOP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "ksnoop.h" /* enum ksnoop_pred_op: the predicate operators */

enum step_kind {
	STEP_ARROW, /* ->name */
	STEP_DOT,   /* .name */
	STEP_INDEX, /* [index] */
};

struct step {
	enum step_kind kind;
	char *name;    /* ARROW, DOT */
	int64_t index; /* INDEX (>= 0) */
	int pos;       /* byte offset of the step's token in the spec string */
};

enum pred_value_kind {
	PVAL_INT,  /* integer literal; see neg */
	PVAL_ENUM, /* enum constant name, resolved against BTF later */
	PVAL_NULL, /* NULL */
	PVAL_STR,  /* double-quoted string: str, len (escapes decoded) */
};

struct pred_value {
	enum pred_value_kind kind;
	uint64_t u; /* magnitude for PVAL_INT */
	bool neg;   /* literal had a leading '-' (value is -u) */
	char *name; /* PVAL_ENUM */
	char *str;  /* PVAL_STR: the bytes, NUL-terminated (len excludes it) */
	size_t len;
	int pos;
};

struct expr {
	bool is_ret; /* base is 'return' */
	char *base;  /* argument name, or "return" */
	int base_pos;
	int nstars; /* leading '*' count: dereference after the postfix chain */
	struct step *steps;
	int nsteps;
};

struct item {
	struct expr expr;
	enum ksnoop_pred_op op; /* KSNOOP_OP_NONE: no predicate */
	bool as_str;		/* ":str" suffix: show a pointer to bytes as the string there */
	struct pred_value val;
	char *text;	 /* the item as written, whitespace removed, e.g. "skb->len" */
	char *expr_text; /* the expression part only, e.g. "skb->len" for "skb->len > 5" */
	int pos;	 /* byte offset of the item in the spec string */
};

struct spec {
	char *text;	 /* the whole spec as given */
	char *module;	 /* "mod" for "mod:func", else NULL */
	char *func;	 /* function name or glob */
	bool is_glob;	 /* func has glob metacharacters */
	bool has_parens; /* "f()" or "f(...)" was written */
	struct item *items;
	int nitems;
};

struct parse_error {
	int pos;       /* byte offset in the spec where the error was found */
	char msg[256]; /* what is wrong, e.g. "expected ')' after item" */
};

/*
 * Parse @str into @spec. Returns 0, or -EINVAL with @err filled in (and @spec
 * left empty), or -ENOMEM. Limits: names up to 255 bytes (KSNOOP_MAX_NAME),
 * at most KSNOOP_MAX_ITEMS items.
 */
int spec_parse(const char *str, struct spec *spec, struct parse_error *err);
void spec_free(struct spec *spec);

/*
 * SPECs naming the same function merge: into @out, a SPEC for function
 * [@module:]@func with the items of @a, then those of @b (a SPEC without
 * items adds none). An item of @b that @a has (the same text) is left out
 * with @dedup, else it is the error "given twice", as within one SPEC.
 * Returns 0, -EINVAL with @err (its pos is in @b's text), or -ENOMEM.
 */
int spec_merge(const struct spec *a, const struct spec *b, const char *module, const char *func,
	       bool dedup, struct spec *out, struct parse_error *err);

/*
 * Write a user-facing message for a parse error:
 *   "syntax error in 'f(a->)': expected member name after '->'\n  f(a->)\n       ^\n"
 * Returns the number of bytes it would write, like snprintf.
 */
int parse_error_str(const char *str, const struct parse_error *err, char *buf, size_t size);

const char *pred_op_str(enum ksnoop_pred_op op);

#define KSNOOP_MAX_NAME 255

#endif /* __KSNOOP_PARSE_H */
