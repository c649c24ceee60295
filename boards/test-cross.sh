#!/bin/sh
# `make test-cross`: the unit tests (tests/unit_*.c) of every foreign board given, built with
# that board's static musl toolchain and run under qemu-user (integration tests are not run).
# Ends with "N passed, N failed, N skipped"; exits 1 on any failure.
cd "$(dirname "$0")/.." || exit 1
MAKE=${MAKE:-make}
mkdir -p build
log=build/test-cross.log
: > "$log"
for b in "$@"; do
	$MAKE -s --no-print-directory BOARD="$b" test-board > "build/test-cross-$b.log" 2>&1 ||
		echo "FAIL $b: test-board exited with status $?" >> "build/test-cross-$b.log"
	grep -E '^(FAIL|SKIP)|^  |^[a-z0-9_]+/' "build/test-cross-$b.log"
	cat "build/test-cross-$b.log" >> "$log"
done
pass=$(grep -c '^PASS' "$log"); fail=$(grep -c '^FAIL' "$log"); skip=$(grep -c '^SKIP' "$log")
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
