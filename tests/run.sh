#!/bin/sh
# Test runner: builds and runs every tests/unit_*.c (C unit tests, which #include ../ctr.c)
# and runs every tests/t_*.sh (integration tests). Each prints lines starting with
# PASS, FAIL or SKIP; a program that exits non-zero without printing FAIL counts as one
# failure. Ends with "N passed, N failed, N skipped"; exits 1 on any failure.
# TESTS="unit_json t_lifecycle" limits the run to those names.
cd "$(dirname "$0")/.." || exit 1
CC=${CC:-musl-gcc}
mkdir -p build/tests
out=build/tests/log
: > "$out.all"
pass=0 fail=0 skip=0

selected() {
	[ -z "$TESTS" ] && return 0
	for t in $TESTS; do [ "$t" = "$1" ] && return 0; done
	return 1
}

count() { # name, log file, exit code
	p=$(grep -c '^PASS' "$2"); f=$(grep -c '^FAIL' "$2"); s=$(grep -c '^SKIP' "$2")
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $1: exited with status $3" >> "$2"; f=1
	fi
	grep -E '^(FAIL|SKIP)' "$2" | sed "s|^|  $1: |"
	printf '%-28s %4d passed %4d failed %4d skipped\n' "$1" "$p" "$f" "$s"
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	cat "$2" >> "$out.all"
}

for src in tests/unit_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	selected "$name" || continue
	log=build/tests/$name.log
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS -o "build/tests/$name" "$src" $LDLIBS > "$log" 2>&1; then
		echo "FAIL $name: does not compile" >> "$log"; count "$name" "$log" 1; continue
	fi
	(cd build/tests && timeout -k 10 600 "./$name") >> "$log" 2>&1
	count "$name" "$log" $?
done

for script in tests/t_*.sh; do
	[ -e "$script" ] || continue
	name=$(basename "$script" .sh)
	selected "$name" || continue
	log=build/tests/$name.log
	timeout -k 10 900 sh "$script" > "$log" 2>&1
	count "$name" "$log" $?
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
