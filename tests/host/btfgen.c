// SPDX-License-Identifier: GPL-2.0
/*
 * Writes a small raw BTF file for tests/host/20-btf-file.sh (ksnoop --btf):
 *
 *	struct bar { int b; short c; };				size 8
 *	struct foo {						size 56
 *		int a;				offset 0
 *		struct bar nested;		offset 4
 *		unsigned int flags: 3;		offset 12, bit 0
 *		unsigned int mode: 5;		offset 12, bit 3
 *		char *name;			offset 16
 *		long arr[4];			offset 24
 *	};
 *	typedef struct { long lo; long hi; } pair_t;		size 16
 *	int my_func(struct foo *f, int n);
 *	void my_void(void);
 *	int my_pair(pair_t p);
 *
 * Built with libbpf's BTF writer, so the test does not depend on a compiler
 * emitting BTF. Usage: btfgen FILE
 */
#include <stdio.h>
#include <bpf/btf.h>

static int build(struct btf *btf)
{
	int t_int, t_uint, t_short, t_char, t_long, t_cptr, t_larr, bar, foo, foo_ptr, proto,
		vproto;
	int pair, pair_t, pproto;

	t_int = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	t_uint = btf__add_int(btf, "unsigned int", 4, 0);
	t_short = btf__add_int(btf, "short", 2, BTF_INT_SIGNED);
	t_char = btf__add_int(btf, "char", 1, BTF_INT_SIGNED | BTF_INT_CHAR);
	t_long = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	t_cptr = btf__add_ptr(btf, t_char);
	t_larr = btf__add_array(btf, t_int, t_long, 4);
	if (t_int < 0 || t_uint < 0 || t_short < 0 || t_char < 0 || t_long < 0 || t_cptr < 0 ||
	    t_larr < 0)
		return -1;

	bar = btf__add_struct(btf, "bar", 8);
	if (bar < 0 || btf__add_field(btf, "b", t_int, 0, 0) ||
	    btf__add_field(btf, "c", t_short, 32, 0))
		return -1;

	foo = btf__add_struct(btf, "foo", 56);
	if (foo < 0 || btf__add_field(btf, "a", t_int, 0, 0) ||
	    btf__add_field(btf, "nested", bar, 32, 0) ||
	    btf__add_field(btf, "flags", t_uint, 96, 3) ||
	    btf__add_field(btf, "mode", t_uint, 99, 5) ||
	    btf__add_field(btf, "name", t_cptr, 128, 0) ||
	    btf__add_field(btf, "arr", t_larr, 192, 0))
		return -1;
	foo_ptr = btf__add_ptr(btf, foo);

	proto = btf__add_func_proto(btf, t_int);
	if (foo_ptr < 0 || proto < 0 || btf__add_func_param(btf, "f", foo_ptr) ||
	    btf__add_func_param(btf, "n", t_int))
		return -1;
	if (btf__add_func(btf, "my_func", BTF_FUNC_GLOBAL, proto) < 0)
		return -1;

	vproto = btf__add_func_proto(btf, 0);
	if (vproto < 0 || btf__add_func(btf, "my_void", BTF_FUNC_GLOBAL, vproto) < 0)
		return -1;

	/* an anonymous struct known only by its typedef, passed by value */
	pair = btf__add_struct(btf, NULL, 16);
	if (pair < 0 || btf__add_field(btf, "lo", t_long, 0, 0) ||
	    btf__add_field(btf, "hi", t_long, 64, 0))
		return -1;
	pair_t = btf__add_typedef(btf, "pair_t", pair);
	pproto = btf__add_func_proto(btf, t_int);
	if (pair_t < 0 || pproto < 0 || btf__add_func_param(btf, "p", pair_t) ||
	    btf__add_func(btf, "my_pair", BTF_FUNC_GLOBAL, pproto) < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct btf *btf;
	const void *data;
	__u32 size;
	FILE *f;
	int ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	btf = btf__new_empty();
	if (!btf || build(btf)) {
		fprintf(stderr, "btfgen: building BTF failed\n");
		goto out;
	}
	data = btf__raw_data(btf, &size);
	f = fopen(argv[1], "w");
	if (!data || !f || fwrite(data, 1, size, f) != size || fclose(f)) {
		perror(argv[1]);
		goto out;
	}
	ret = 0;
out:
	btf__free(btf);
	return ret;
}
