/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Questions about BTF types that several stages ask: what a type is once its
 * modifiers are skipped, whether it is a C char, where a member is (through
 * anonymous members, as C sees them), which register slot an argument takes,
 * what an enum constant is worth. libbpf's btf.h answers one kind at a time;
 * these answer them as ksnoop's resolver, formatter, info and tests need.
 * None keeps state: any loaded BTF (vmlinux, a module, a test's own) will do.
 */
#ifndef __KSNOOP_BTFX_H
#define __KSNOOP_BTFX_H

#include <stdbool.h>
#include <linux/types.h>

struct btf;
struct btf_type;
struct btf_param;
struct strbuf;

/* More modifiers in a row than this is a loop in bad BTF, not a type. */
#define BTFX_MAX_MOD_CHAIN 32
/* Anonymous members nested deeper than this are not searched (bad BTF). */
#define BTFX_MAX_ANON_DEPTH 16

/*
 * @id with its modifiers (const, volatile, restrict, type tags) skipped, and
 * typedefs too with @typedefs. Returns the type reached, NULL on a bad id or a
 * chain longer than BTFX_MAX_MOD_CHAIN; *@res_id (if not NULL) gets the last id
 * reached either way.
 */
const struct btf_type *btfx_skip(const struct btf *btf, __u32 id, bool typedefs, __u32 *res_id);

/* The id btfx_skip() reaches: for callers that go on by id (0 stays void). */
__u32 btfx_skip_id(const struct btf *btf, __u32 id, bool typedefs);

/*
 * A C char: an 8-bit integer at bit 0 with BTF's CHAR encoding or named
 * "char" (pahole leaves the encoding out). @t is a type modifiers were skipped
 * from, or NULL (false).
 */
bool btfx_is_char(const struct btf *btf, const struct btf_type *t);

/* CO-RE name matching: "foo___v2" matches "foo" (what follows "___" is a flavor). */
bool btfx_names_match(const char *a, const char *b);

struct btfx_member {
	__u32 bit_off;	/* from the start of the searched struct or union */
	__u32 bit_size; /* 0: not a bitfield */
	__u32 type;	/* the member's type, modifiers kept */
};

/*
 * Find member @name (CO-RE matching, btfx_names_match()) of struct or union
 * @id (modifiers and typedefs skipped), searching anonymous struct and union
 * members as C does. true and *@m filled if found.
 */
bool btfx_find_member(const struct btf *btf, __u32 id, const char *name, struct btfx_member *m);

/*
 * Call @cb with each member name of struct or union @id (modifiers and
 * typedefs skipped), through anonymous members as C sees them, in declaration
 * order. Nothing for any other type.
 */
void btfx_for_each_member(const struct btf *btf, __u32 id, void (*cb)(const char *name, void *ctx),
			  void *ctx);

/* What btfx_load_at() finds: what the kernel's verifier makes of a load. */
enum btfx_load {
	BTFX_LOAD_NONE,	  /* refused, or a kind no ksnoop item loads */
	BTFX_LOAD_SCALAR, /* an integer or enum, or bytes inside an array of them */
	BTFX_LOAD_PTR,	  /* exactly a pointer member to a struct or union */
};

/*
 * A load of @size bytes at byte @off of struct or union @id, as the kernel's
 * verifier walks it for a BTF pointer (btf_struct_walk()): the first member in
 * declaration order that holds @off, through nested structs, unions and array
 * elements; bitfields are passed over. For BTFX_LOAD_PTR, *@next (if not NULL)
 * gets the pointee's id, modifiers and typedefs skipped.
 */
enum btfx_load btfx_load_at(const struct btf *btf, __u32 id, __u32 off, __u32 size, __u32 *next);

/* The FUNC_PROTO of FUNC @func_id; NULL if @func_id is no FUNC with one. */
const struct btf_type *btfx_func_proto(const struct btf *btf, __u32 func_id);

/*
 * Register slots parameter @p takes (x86-64): two for a struct of 9 to 16
 * bytes passed by value, else one (varargs count as one).
 */
int btfx_param_slots(const struct btf *btf, const struct btf_param *p);

/* The first register slot of parameter @i of FUNC_PROTO @proto. */
int btfx_arg_slot(const struct btf *btf, const struct btf_type *proto, int i);

/* "a, b, c": the parameter names of FUNC_PROTO @proto ("none" without any). */
void btfx_param_names(const struct btf *btf, const struct btf_type *proto, struct strbuf *out);

/*
 * Name and value of constant @i of enum or enum64 @t; a 32-bit enum's value is
 * sign-extended, as resolve and the kernel's printing read it.
 */
__u64 btfx_enum_const(const struct btf *btf, const struct btf_type *t, __u32 i, const char **name);

/*
 * Find enum constant @name in enum @id, or with @id 0 in every enum of @btf
 * in id order. true and *@val set if found.
 */
bool btfx_find_enum_const(const struct btf *btf, __u32 id, const char *name, __u64 *val);

#endif /* __KSNOOP_BTFX_H */
