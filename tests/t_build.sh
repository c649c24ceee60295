#!/bin/sh
# The build itself: ./ctr is static and answers --version; the tree builds warning-free
# as shipped (ctr.c + main.c) with musl, glibc gcc and clang; make's
# dependencies rebuild when a source or the flags change, and only then.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
# nested makes must not inherit `make test`'s variables (CC, CFLAGS, command-line overrides)
unset MAKEFLAGS MFLAGS MAKELEVEL CC CFLAGS CPPFLAGS LDFLAGS LDLIBS STATIC LIBSECCOMP BOARD

# static_elf FILE: an ELF without a program interpreter (PT_INTERP).
static_elf() {
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] || return 1
	! LC_ALL=C readelf -lW "$1" 2>/dev/null | grep -q 'INTERP'
}

check build_static static_elf ./ctr
# The size budget is tracked by `make bench` (README), not asserted here.
if ./ctr --version | grep -q '^ctr version'; then pass build_version
else fail "build_version: ctr --version says: $(./ctr --version 2>&1 | head -n 1)"; fi

# The shipped layout: ctr.c, main.c, ctr.h, Makefile.
ship=$T_TMP/ship
mkdir -p "$ship"
cp ctr.c main.c ctr.h Makefile "$ship/"
# build NAME MAKE-ARGS...: make in $ship must succeed and print no warning
build() {
	n=$1; shift
	if ! command -v "${CCNAME:-musl-gcc}" > /dev/null; then skip "$n: ${CCNAME:-musl-gcc} not installed"; return; fi
	if make -C "$ship" -s "$@" > "$T_TMP/$n.log" 2>&1 && [ ! -s "$T_TMP/$n.log" ] && [ -x "$ship/ctr" ]; then
		pass "$n"
	else
		fail "$n: $(grep -m 3 -E 'error|warning' "$T_TMP/$n.log" | tr '\n' ' ')"
		sed 's/^/  /' "$T_TMP/$n.log" | head -n 20
	fi
}
build build_musl
# Size: what ctr replaced by its own stays out of the static link (printf's core and double
# printing, the number scanner, stdio, realpath, strstr): a new printf-family call or
# strtol in ctr.c or main.c would bring ~25 KB back (ctr_snprintf, str_tol... instead).
if command -v musl-gcc > /dev/null && make -C "$ship" -s LDFLAGS="-Wl,-Map=$T_TMP/ctr.map" > /dev/null 2>&1; then
	back=$(grep -oE 'libc\.a\((vfprintf|intscan|__stdio_write|fwrite|realpath|strstr|strtol|vfscanf)\.lo\)' "$T_TMP/ctr.map" | sort -u | tr '\n' ' ')
	if [ -z "$back" ]; then pass "build_no_libc_printf: no printf core, strto*, stdio, realpath, strstr linked"
	else fail "build_no_libc_printf: linked again: $back"; fi
else
	skip "build_no_libc_printf: no musl-gcc build with a link map"
fi
CCNAME=gcc build build_gcc CC=gcc STATIC=0
CCNAME=clang build build_clang CC=clang STATIC=0
if [ -e /usr/include/seccomp.h ]; then
	CCNAME=gcc build build_libseccomp CC=gcc LIBSECCOMP=1
else
	skip "build_libseccomp: libseccomp-dev not installed"
fi

# Dependencies: a second make does nothing; touching a source rebuilds; a change of
# compiler rebuilds without `make clean`.
if make -C "$ship" -s > /dev/null 2>&1; then # back to the default flags after the builds above
	if make --no-print-directory -C "$ship" -q ctr; then pass build_deps_uptodate
	else fail "build_deps_uptodate: a second make would rebuild"; fi
	sleep 1
	touch "$ship/main.c"
	if ! make --no-print-directory -C "$ship" -q ctr; then pass build_deps_source_changed
	else fail "build_deps_source_changed: touching main.c does not rebuild"; fi
	make -C "$ship" -s > /dev/null 2>&1
	if ! make --no-print-directory -C "$ship" -q ctr CC=musl-gcc OPT=-O2; then pass build_deps_flags_changed
	else fail "build_deps_flags_changed: OPT=-O2 would not rebuild"; fi
else
	fail "build_deps: make in the shipped tree failed"
fi

# Small functions (the house rule): no function body in ctr.c or main.c over 100 lines,
# a body being the lines between a "{" and the next "}" alone at column 0.
long=$(awk '/^[A-Za-z_].*\(/ { sig = $0 }
	/^\{$/ { start = FNR; name = sig; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name) }
	/^\}$/ && start { n = FNR - start - 1; if (n > 100) printf "%s:%s %d lines; ", FILENAME, name, n; start = 0 }' ctr.c main.c)
nfn=$(grep -c '^{$' ctr.c main.c | awk -F: '{ s += $2 } END { print s }')
if [ -z "$long" ] && [ "$nfn" -gt 500 ]; then pass "build_function_length: $nfn functions, none over 100 lines"
else fail "build_function_length: over 100 lines: $long (of $nfn functions)"; fi
