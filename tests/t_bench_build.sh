#!/bin/sh
# The benchmark programs of `make bench` (tests/bench/*.c) must keep compiling; CI builds
# them here but does not run the benchmarks.
cd "$(dirname "$0")/.." || exit 1
out=$(mktemp -d /tmp/ctr-bench-build.XXXXXX)
trap 'rm -rf "$out"' EXIT
KH=build/kheaders/native
for src in tests/bench/*.c; do
	name=$(basename "$src" .c)
	if [ "$name" = sclen ]; then
		# includes ../../ctr.c: the library's warning flags and the kernel headers for musl
		set -- -std=gnu11 -Wall -Wextra -Werror -Wno-unused-function -O1 -isystem "$KH"
	else
		set -- -static -O2 -Wall -Wextra -Werror
	fi
	if log=$(musl-gcc "$@" -o "$out/$name" "$src" 2>&1); then
		echo "PASS bench_build_$name"
	else
		echo "FAIL bench_build_$name: $(echo "$log" | head -3 | tr '\n' ' ')"
	fi
done
