# SPDX-License-Identifier: GPL-2.0
# ksnoop: build, test and kernel lab.
#   make                 build build/ksnoop
#   make check           deps, build, host tests, VM tests on all lab kernels
#   make demo            boot the 7.2 kernel under qemu and trace a live workload
#   make vm-shell KERNEL=6.12   interactive shell in a lab VM with ksnoop inside
#   make bench           benchmarks (VM and host), printed as tables
#   make bench-host      decode cost per event (callgrind instructions), 'info' over big
#                        globs (seconds), completion latency; host only
#   make fuzz            libFuzzer harnesses (tests/fuzz), FUZZ_SECONDS (default 60) each
#   make check SANITIZE=1  everything built with ASan+UBSan, in build-asan/
#   make STATIC=1        static binary;  make V=1  show commands
#   make install PREFIX=/usr/local DESTDIR=
#   make deb             Debian package (dpkg-buildpackage), in $(OUT)/deb/

# Sanitized objects must not mix with the normal ones: their own build directory.
ifeq ($(SANITIZE),1)
OUT ?= build-asan
else
OUT ?= build
endif
PREFIX ?= /usr/local
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VMLINUX_H ?= $(OUT)/vmlinux.h
KERNELS ?= 7.2 6.12 6.1 5.10
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
MAKEFLAGS += --no-print-directory
endif

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	    -Wwrite-strings -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS ?= -g -O2
ALL_CFLAGS := $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -I$(OUT) \
	      -DKSNOOP_VERSION='"$(VERSION)"' -DKSNOOP_GIT_REV='"$(GIT_REV)"' -MMD -MP
LIBS := -lbpf -lelf -lz
ifeq ($(STATIC),1)
LDFLAGS += -static
LIBS += -lzstd
endif
ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

BPF_CFLAGS := -g -O2 --target=bpf -D__TARGET_ARCH_x86 -Iinclude -I$(OUT) -Wall -Wno-unused-function \
	      -MMD -MP

SRCS := $(wildcard src/*.c)
LIB_OBJS := $(patsubst src/%.c,$(OUT)/%.o,$(filter-out src/main.c,$(SRCS)))
TEST_SRCS := $(wildcard tests/unit/*.c)
TEST_OBJS := $(patsubst tests/unit/%.c,$(OUT)/tests/%.o,$(TEST_SRCS))
# Setup shared by the unit tests, the decode bench and the fuzzers (tests/lib/tlib.h).
TLIB_SRCS := $(wildcard tests/lib/*.c)
TLIB_OBJS := $(patsubst tests/lib/%.c,$(OUT)/tests/lib/%.o,$(TLIB_SRCS))
WORKLOAD_SRCS := $(wildcard tests/workload/*.c)
WORKLOADS := $(patsubst tests/workload/%.c,$(OUT)/workload/%,$(WORKLOAD_SRCS))

.DELETE_ON_ERROR:
.PHONY: all clean deb check unit vm-check vm-shell demo bench bench-host install deps kernels workloads format fuzz fuzz-build

all: $(OUT)/ksnoop

# Tools and libraries come from Debian; install the missing ones on first build.
$(OUT)/.deps: scripts/deps.sh
	$(Q)mkdir -p $(OUT)
	$(Q)scripts/deps.sh
	$(Q)touch $@
deps:
	scripts/deps.sh

$(VMLINUX_H): | $(OUT)/.deps
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

# The BPF program: the shared capture code (bpf/capture.bpf.c) and one entry-stub file
# per backend, compiled apart and linked into one object (extern maps and functions).
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX_H) | $(OUT)/.deps
	$(Q)mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/ksnoop.bpf.o: $(BPF_OBJS)
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUT)/ksnoop.skel.h: $(OUT)/ksnoop.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name ksnoop_bpf > $@

$(OUT)/%.o: src/%.c | $(OUT)/ksnoop.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUT)/libksnoop.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/ksnoop: $(OUT)/main.o $(OUT)/libksnoop.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Host tests: every tests/unit/*.c adds tests to one runner.
$(OUT)/tests/%.o: tests/unit/%.c | $(OUT)/ksnoop.skel.h
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -Itests/lib -c $< -o $@

$(OUT)/tests/lib/%.o: tests/lib/%.c | $(OUT)/ksnoop.skel.h
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/lib -c $< -o $@

$(OUT)/tests/unit: $(TEST_OBJS) $(TLIB_OBJS) $(OUT)/libksnoop.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Every flavour compiles each source once into its own object directory, with -MMD
# dependencies: the normal build ($(OUT)/*.o), the ASan+UBSan ksnoop for the VM tests
# ($(OUT)/asan/), the library for the fuzzers ($(OUT)/fuzz/obj/).
#
# The ASan+UBSan ksnoop (tests/vm/tests/60-asan.sh): gcc links libasan/libubsan
# dynamically, vm.sh packs what ldd names.
ASAN_CFLAGS := -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_OBJS := $(patsubst src/%.c,$(OUT)/asan/%.o,$(SRCS))
$(OUT)/asan/%.o: src/%.c | $(OUT)/ksnoop.skel.h
	$(Q)mkdir -p $(@D)
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ASAN_CFLAGS) -c $< -o $@
$(OUT)/ksnoop-asan: $(ASAN_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LIBS)

# libFuzzer harnesses: each tests/fuzz/fuzz_*.c linked with the library built once for
# fuzzing (coverage and sanitizers, no libFuzzer main: -fsanitize=fuzzer-no-link).
# make fuzz runs each for FUZZ_SECONDS on a copy of its seed corpus (tests/fuzz/corpus/
# NAME, never written to); a crash, leak or sanitizer report fails and leaves the input in
# $(OUT)/fuzz/. Needs clang and libclang-rt-14-dev.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 $(FUZZ_SAN) -fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE \
	       -Iinclude -Isrc -I$(OUT) -DKSNOOP_VERSION='"$(VERSION)"' \
	       -DKSNOOP_GIT_REV='"$(GIT_REV)"' -MMD -MP
FUZZERS := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJS := $(patsubst src/%.c,$(OUT)/fuzz/obj/%.o,$(filter-out src/main.c,$(SRCS)))
$(OUT)/fuzz/obj/%.o: src/%.c | $(OUT)/ksnoop.skel.h
	$(Q)mkdir -p $(@D)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
FUZZ_TLIB_OBJS := $(patsubst tests/lib/%.c,$(OUT)/fuzz/tlib/%.o,$(TLIB_SRCS))
$(OUT)/fuzz/tlib/%.o: tests/lib/%.c | $(OUT)/ksnoop.skel.h
	$(Q)mkdir -p $(@D)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/lib -fsanitize=fuzzer-no-link -c $< -o $@
$(OUT)/fuzz/libksnoop.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
$(OUT)/fuzz/%: tests/fuzz/%.c $(FUZZ_TLIB_OBJS) $(OUT)/fuzz/libksnoop.a
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/lib -fsanitize=fuzzer -o $@ $< $(FUZZ_TLIB_OBJS) \
		$(OUT)/fuzz/libksnoop.a $(LIBS)
fuzz-build: $(FUZZERS)
fuzz: $(FUZZERS)
	$(Q)tests/fuzz/run.sh $(OUT) $(FUZZ_SECONDS) $(FUZZERS)

# Host decode benchmark: output_call() on records built like the BPF program's.
$(OUT)/decode-bench: tests/bench/decode-bench.c $(TLIB_OBJS) $(OUT)/libksnoop.a | $(OUT)/ksnoop.skel.h
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/lib $(LDFLAGS) -o $@ $< $(TLIB_OBJS) $(OUT)/libksnoop.a $(LIBS)

bench-host: $(OUT)/decode-bench $(OUT)/ksnoop
	$(Q)tests/bench/info-bench.sh $(OUT)/ksnoop
	$(Q)echo; tests/bench/decode-bench.sh $(OUT)/decode-bench
	$(Q)echo; tests/bench/complete-bench.sh $(OUT)/ksnoop

# Static workload programs run inside the VMs.
define static_prog
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -static -o $@ $<
endef
$(OUT)/workload/%: tests/workload/%.c tests/workload/wl.h
	$(static_prog)
$(OUT)/workload/udpconn: tests/workload/udpsend.c
workloads: $(WORKLOADS)
# The benchmarks' bare-attach (tests/bench) goes with the workloads: vm.sh packs that
# directory into the VM.
$(OUT)/workload/bare-attach: tests/bench/bare-attach.c
	$(static_prog)

unit: $(OUT)/tests/unit $(OUT)/ksnoop
	$(Q)KSNOOP=$(OUT)/ksnoop tests/run-host.sh $(OUT)

kernels: | $(OUT)/.deps
	$(Q)tests/vm/fetch-kernels.sh $(KERNELS)

vm-check: $(OUT)/ksnoop $(OUT)/ksnoop-asan workloads kernels
	$(Q)OUT=$(OUT) tests/vm/run-tests.sh $(KERNELS)

vm-shell: $(OUT)/ksnoop workloads
	$(Q)tests/vm/fetch-kernels.sh $(or $(KERNEL),7.2)
	$(Q)OUT=$(OUT) tests/vm/vm.sh --shell $(or $(KERNEL),7.2)

demo: $(OUT)/ksnoop workloads
	$(Q)tests/vm/fetch-kernels.sh 7.2
	$(Q)OUT=$(OUT) tests/vm/vm.sh --demo 7.2

bench: $(OUT)/ksnoop workloads $(OUT)/workload/bare-attach
	$(Q)OUT=$(OUT) tests/bench/run.sh

# One test command: everything, with one closing tally.
check:
	$(Q)OUT=$(OUT) tests/check.sh

install: $(OUT)/ksnoop
	install -D -m 0755 $(OUT)/ksnoop $(DESTDIR)$(PREFIX)/sbin/ksnoop
	install -D -m 0644 man/ksnoop.8 $(DESTDIR)$(PREFIX)/share/man/man8/ksnoop.8
	install -D -m 0644 completion/ksnoop.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/ksnoop

# A Debian package with the standard tools, from debian/. Built in a copy of the sources
# under $(OUT)/deb/, where dpkg-buildpackage leaves the .deb (ksnoop_VERSION_amd64.deb)
# and its residue: the tree stays clean, and make clean removes it all. Built as a
# package build would be, without this make's variables (OUT, SANITIZE, ...).
DEB_DIR := $(OUT)/deb
DEB_SRC := $(DEB_DIR)/ksnoop-$(VERSION)
deb: | $(OUT)/.deps
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	$(Q)cp -r Makefile VERSION README.md bpf include src man completion scripts debian $(DEB_SRC)/
	$(call msg,DEB,$(DEB_DIR)/ksnoop_$(VERSION)_amd64.deb)
	$(Q)cd $(DEB_SRC) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u OUT -u SANITIZE -u STATIC -u V \
		KSNOOP_GIT_REV=$(GIT_REV) \
		dpkg-buildpackage -us -uc -b \
		$(if $(filter 1,$(V)),,>../build.log 2>&1) || \
		{ echo "make deb: dpkg-buildpackage failed; see $(DEB_DIR)/build.log" >&2; exit 1; }
	$(Q)test -f $(DEB_DIR)/ksnoop_$(VERSION)_amd64.deb

format:
	clang-format -i src/*.c src/*.h include/*.h bpf/*.c bpf/*.h tests/unit/*.c tests/lib/*.[ch] tests/workload/*.c tests/bench/*.c tests/fuzz/*.c

clean:
	rm -rf $(OUT)

-include $(wildcard $(OUT)/*.d $(OUT)/tests/*.d $(OUT)/tests/lib/*.d $(OUT)/asan/*.d $(OUT)/fuzz/*.d \
			$(OUT)/fuzz/obj/*.d $(OUT)/fuzz/tlib/*.d \
			$(OUT)/bpf/*.d)
