# ctr - build, test, cross-build.
#   make                      ./ctr: static musl (musl-gcc), -Os, stripped
#   make CC=gcc STATIC=0      glibc, dynamic (also CC=clang; STATIC=1 links statically)
#   make LIBSECCOMP=1         against libseccomp (glibc gcc, dynamic unless STATIC=1)
#   make test                 unit + integration tests (what CI runs)
#   make BOARD=mipsel         build/mipsel/ctr with the toolchain of boards/mipsel.mk
#   make boards               every board, then a size table (also in build/boards.txt)
#   make test-cross           unit tests of every foreign board under qemu-user
#   make test-vm              integration tests on a Debian guest: systemd, pure cgroup v2
#   make fuzz                 libFuzzer on the JSON parser (FUZZ_SECONDS=300)
#   make bench                ctr vs crun vs runc (root; tests/bench/, about 5 min)
#   make bench-build          only build the benchmark programs (CI)
# A change of compiler or flags rebuilds by itself (build/*.flags record them).

ifeq ($(LIBSECCOMP),1)
ifeq ($(origin CC),default)
CC := gcc
endif
STATIC ?= 0
CPPFLAGS += -DCTR_LIBSECCOMP
LDLIBS += -lseccomp
endif
ifeq ($(origin CC),default)
CC := musl-gcc
endif
STATIC ?= 1
OPT ?= -Os
WARN := -std=gnu11 -Wall -Wextra -Werror
# Size (measured per board, see README): each function/object in its own section so that
# --gc-sections drops unused ones (-4..-10 KB); no unwind tables, C without exceptions needs
# none; no build-id note; -z noseparate-code packs code and read-only data into one segment
# instead of page-aligning each (-8 KB on x86). A static binary is not position-independent
# anyway, so its code need not be PIC either: -fno-pie (-0.1..-3.4 KB, most on mips).
# Identical constant arrays share storage (-fmerge-all-constants: -1.5 KB; ctr never compares
# the addresses of two constants), and ld packs sections by alignment (-0.1 KB).
SIZEFLAGS := -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fmerge-all-constants
LDSIZE := -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noseparate-code -Wl,--sort-section=alignment
NOPIE := -fno-pie
# Static musl never write-protects RELRO (only its dynamic loader does): without RELRO, and
# with a common page size below any real one, ld stops padding the data segment's start in
# the file to a page boundary (up to a page; on aarch64, where RELRO aligns to 64 KiB, -58 KB:
# checked in /proc/self/maps that static musl leaves RELRO writable). The segment's
# offset stays congruent to its address modulo max-page-size, so 16K/64K-page kernels load it.
LDMUSL := -Wl,-z,norelro -Wl,-z,common-page-size=64
ifeq ($(STATIC),1)
LDSTATIC := -static $(NOPIE) $(if $(findstring musl,$(CC)),$(LDMUSL))
endif

# The commit, for `ctr --version` (none outside a git checkout of ctr itself).
GIT_COMMIT := $(shell [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ] && \
	git rev-parse -q --verify --short HEAD 2>/dev/null)
COMMIT_DEF := $(if $(GIT_COMMIT),-DCTR_COMMIT='"$(GIT_COMMIT)"')

# musl-gcc uses -nostdinc: give it the kernel's uapi headers (and nothing of glibc's).
KHEADERS := build/kheaders/native
ifneq ($(findstring musl,$(CC)),)
KINC := -isystem $(KHEADERS)
KDEP := $(KHEADERS)/.stamp
endif

ALL_CFLAGS = $(WARN) $(OPT) $(SIZEFLAGS) $(KINC) $(CPPFLAGS) $(CFLAGS)

.PHONY: all clean test unit fuzz boards test-cross test-board toolchain demo example bench bench-build
all: $(if $(BOARD),build/$(BOARD)/ctr,ctr)

# remember FILE,TEXT: rewrite FILE only when TEXT differs from its content, so that FILE,
# as a prerequisite, rebuilds its targets when the text (a file list, flags) changes.
remember = $(if $(subst x$(strip $2),,x$(strip $(file <$1)))$(subst x$(strip $(file <$1)),,x$(strip $2)),\
	$(shell mkdir -p $(dir $1))$(file >$1,$(strip $2)))

$(KHEADERS)/.stamp:
	mkdir -p $(KHEADERS)
	ln -sfn /usr/include/linux $(KHEADERS)/linux
	ln -sfn /usr/include/asm-generic $(KHEADERS)/asm-generic
	ln -sfn /usr/include/$(shell gcc -dumpmachine)/asm $(KHEADERS)/asm
	touch $@

NATIVE_LINK = $(CC) $(ALL_CFLAGS) $(COMMIT_DEF) $(LDSTATIC) $(LDSIZE) -s -o $@ main.c ctr.c $(LDFLAGS) $(LDLIBS)
$(call remember,build/native.flags,$(CC) $(ALL_CFLAGS) $(COMMIT_DEF) $(LDSTATIC) $(LDSIZE) $(LDFLAGS) $(LDLIBS))
build/native.flags: ;
ctr: ctr.c ctr.h main.c $(KDEP) build/native.flags
	$(NATIVE_LINK)

# The Debian packages (tests/packages.txt) a target needs, installed first as root on
# Debian, or named: then ./ctr.
PACKAGES = @sh tests/packages.sh install $1 && \
	{ $(MAKE) -q --no-print-directory ctr || $(MAKE) --no-print-directory ctr; }

# Unit tests and integration tests; the runner prints "N passed, N failed, N skipped".
test:
	$(call PACKAGES,tests)
	CC="$(CC)" CFLAGS="$(WARN) -O1 -g $(KINC) $(CPPFLAGS)" LDLIBS="$(LDLIBS)" sh tests/run.sh

FUZZ_SECONDS ?= 300
fuzz: ctr.c
	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -o build/fuzz_json tests/fuzz_json.c
	mkdir -p build/fuzz-corpus
	./build/fuzz_json -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build/fuzz-corpus tests/json/valid

# Benchmarks (tests/bench/): helper programs, then the run; writes build/bench/results.*
# and the README block between the bench markers.
BENCH_PROGS := $(addprefix build/bench/,rtime floor sysloop bpflen sclen listfloor)
bench-build: $(BENCH_PROGS)
build/bench/%: tests/bench/%.c
	@mkdir -p build/bench
	musl-gcc -static -O2 -Wall -Wextra -Werror -o $@ $<
build/bench/sclen: tests/bench/sclen.c ctr.c ctr.h $(KHEADERS)/.stamp
	@mkdir -p build/bench
	musl-gcc $(WARN) -O1 -isystem $(KHEADERS) -o $@ tests/bench/sclen.c
bench: ctr bench-build
	python3 tests/bench/bench.py

# ---- Cross builds: boards/<name>.mk is a profile (toolchain, -march/-mtune, endianness) ----
# Toolchains (Debian cross gcc + a musl sysroot, see boards/toolchain.sh) are kept outside
# build/ so that `make clean` does not throw them away.
BOARDS := $(sort $(basename $(notdir $(wildcard boards/*.mk))))
TOOLCHAINS ?= $(HOME)/.cache/ctr-toolchains

boards:
	@MAKE='$(MAKE)' TOOLCHAINS='$(TOOLCHAINS)' sh boards/build-all.sh $(BOARDS)

test-cross:
	@MAKE='$(MAKE)' sh boards/test-cross.sh $(BOARDS)

ifneq ($(BOARD),)
ifeq ($(wildcard boards/$(BOARD).mk),)
$(error unknown BOARD '$(BOARD)'; boards/ has: $(BOARDS))
endif
include boards/$(BOARD).mk
TC := $(TOOLCHAINS)/$(BOARD)
BOARD_CC := $(BOARD_TRIPLET)-gcc -specs $(TC)/musl-gcc.specs
BOARD_ALL_CFLAGS = $(WARN) $(OPT) $(SIZEFLAGS) -isystem $(TC)/kinc $(BOARD_CFLAGS) $(CPPFLAGS) $(CFLAGS)
BOARD_LINK = $(BOARD_CC) $(BOARD_ALL_CFLAGS) $(COMMIT_DEF) -static $(NOPIE) $(LDMUSL) $(LDSIZE) $(BOARD_LDFLAGS) -s -o $@ main.c ctr.c $(LDFLAGS)
# The toolchain is rebuilt when its inputs change (content, not mtimes: a fresh clone reuses it)
BOARD_TC_KEY := $(BOARD_TRIPLET) $(BOARD_MUSL) $(BOARD_PKGS) $(BOARD_CFLAGS) $(shell cksum < boards/toolchain.sh)
$(call remember,$(TC).key,$(BOARD_TC_KEY))
$(call remember,build/$(BOARD)/ctr.flags,$(BOARD_CC) $(BOARD_ALL_CFLAGS) $(COMMIT_DEF) $(NOPIE) $(LDMUSL) $(LDSIZE) $(BOARD_LDFLAGS) $(LDFLAGS))
$(TC).key build/$(BOARD)/ctr.flags: ;

toolchain: $(TC)/.stamp
$(TC)/.stamp: $(TC).key
	BOARD='$(BOARD)' TC='$(TC)' BOARD_TRIPLET='$(BOARD_TRIPLET)' BOARD_MUSL='$(BOARD_MUSL)' \
	BOARD_PKGS='$(BOARD_PKGS)' BOARD_CFLAGS='$(BOARD_CFLAGS)' flock $(TC).lock sh boards/toolchain.sh

build/$(BOARD)/ctr: ctr.c ctr.h main.c $(TC)/.stamp build/$(BOARD)/ctr.flags
	$(BOARD_LINK)

# One board's unit tests (tests/unit_*.c) under qemu-user; part of `make test-cross`.
test-board: $(TC)/.stamp
	@BOARD='$(BOARD)' BOARD_QEMU='$(BOARD_QEMU)' BOARD_ENDIAN='$(BOARD_ENDIAN)' \
	BOARD_BITS='$(BOARD_BITS)' CC='$(BOARD_CC)' \
	CFLAGS='$(WARN) -O1 -g -isystem $(TC)/kinc $(BOARD_CFLAGS) $(CPPFLAGS) -static' \
	sh boards/run-units.sh
endif

# ---- Emulated boards (boards/qemu/, boards/emulation engineer) ----
# `make test-qemu BOARD=aarch64|armhf|mipsel|mips`: build ctr for the board, boot Debian's
# kernel for it under qemu-system with an initramfs holding ctr, busybox and the in-guest
# suite (boards/qemu/suite.sh), read "N passed, N failed" from the console (hard timeout
# QEMU_TIMEOUT, default 900 s), write build/qemu/<board>.result and render every result
# into README.md's board table (boards/qemu/table.sh). Fails on a failed check or timeout.
.PHONY: test-qemu
test-qemu:
	@[ -n "$(BOARD)" ] || { echo "usage: make test-qemu BOARD=<aarch64|armhf|mipsel|mips>" >&2; exit 2; }
	@MAKE='$(MAKE)' TOOLCHAINS='$(TOOLCHAINS)' sh boards/qemu/run.sh $(BOARD); rc=$$?; \
	sh boards/qemu/table.sh || true; exit $$rc

# ---- The Debian guest (tests/vm/): systemd as PID 1, pure cgroup v2 ----
# `make test-vm` (root): build or reuse build/vm/ (mmdebstrap rootfs, Debian kernel,
# initramfs), boot it under qemu-system-x86_64 with ctr and tests/ over 9p, write
# build/vm/results.txt and render README's Hosts table (tests/vm/hosts.sh).
.PHONY: test-vm
test-vm:
	$(call PACKAGES,test-vm)
	@MAKE='$(MAKE)' sh tests/vm/run.sh; rc=$$?; sh tests/vm/hosts.sh || true; exit $$rc

# `make demo` (as root, or sudo make demo): a busybox container showing its own hostname,
# PID 1 and mounts; installs busybox-static first when missing (root on Debian).
demo:
	$(call PACKAGES,demo)
	sh configs/demo/demo.sh

# `make example NAME=<config>` (as root): prepare and run one example of configs/ in
# build/examples/<config> (configs/README.md).
example:
	$(call PACKAGES,example)
	@CTR='$(CURDIR)/ctr' sh configs/example.sh '$(NAME)'

clean:
	rm -rf ctr build
