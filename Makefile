# ctr - build, test, cross-build.  `make` gives a static, stripped musl binary ./ctr.
# While parts/ exists (development), ctr.c and main.c are assembled from it.

ifeq ($(origin CC),default)
CC := musl-gcc
endif
STATIC ?= 1
OPT ?= -Os
WARN := -std=gnu11 -Wall -Wextra -Werror
SIZEFLAGS := -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables
LDSIZE := -Wl,--gc-sections
ifeq ($(STATIC),1)
LDSTATIC := -static
endif
ifeq ($(LIBSECCOMP),1)
CPPFLAGS += -DCTR_LIBSECCOMP
LDLIBS += -lseccomp
endif

# musl-gcc uses -nostdinc: give it the kernel's uapi headers (and nothing of glibc's).
KHEADERS := build/kheaders/native
ifneq ($(findstring musl,$(CC)),)
KINC := -isystem $(KHEADERS)
KDEP := $(KHEADERS)/.stamp
endif

ALL_CFLAGS = $(WARN) $(OPT) $(SIZEFLAGS) $(KINC) $(CPPFLAGS) $(CFLAGS)

.PHONY: all clean test unit fuzz
all: ctr

PARTS := $(sort $(wildcard parts/[0-9]*.c))
MAIN_PARTS := $(sort $(wildcard parts/main/[0-9]*.c))
ifneq ($(PARTS),)
# parts are written in parallel: unfinished interfaces are allowed to be unused meanwhile
WARN += -Wno-unused-function
ctr.c: $(PARTS)
	cat $(PARTS) > $@.tmp.$$$$ && mv $@.tmp.$$$$ $@
main.c: $(MAIN_PARTS)
	cat $(MAIN_PARTS) > $@.tmp.$$$$ && mv $@.tmp.$$$$ $@
endif

$(KHEADERS)/.stamp:
	mkdir -p $(KHEADERS)
	ln -sfn /usr/include/linux $(KHEADERS)/linux
	ln -sfn /usr/include/asm-generic $(KHEADERS)/asm-generic
	ln -sfn /usr/include/$(shell gcc -dumpmachine)/asm $(KHEADERS)/asm
	touch $@

ctr: ctr.c ctr.h main.c $(KDEP)
	$(CC) $(ALL_CFLAGS) $(LDSTATIC) $(LDSIZE) -s -o $@ main.c ctr.c $(LDFLAGS) $(LDLIBS)

# Unit tests and integration tests; the runner prints "N passed, N failed, N skipped".
test: ctr
	CC="$(CC)" CFLAGS="$(WARN) -O1 -g $(KINC) $(CPPFLAGS)" LDLIBS="$(LDLIBS)" sh tests/run.sh

FUZZ_SECONDS ?= 300
fuzz: ctr.c
	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -o build/fuzz_json tests/fuzz_json.c
	mkdir -p build/fuzz-corpus
	./build/fuzz_json -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build/fuzz-corpus tests/json/valid

clean:
	rm -rf ctr build
