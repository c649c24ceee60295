#!/bin/sh
# Test runner: builds and runs every tests/unit_*.c (C unit tests, which #include ../ctr.c)
# and runs every tests/t_*.sh (integration tests). Each prints lines starting with
# PASS, FAIL or SKIP; a program that exits non-zero without printing FAIL counts as one
# failure. Ends with "N passed, N failed, N skipped"; exits 1 on any failure.
# TESTS="unit_json t_lifecycle" limits the run to those names.
# A test that needs a Debian package of tests/packages.txt that is not installed is
# skipped, naming it (`make test` first installs them: tests/packages.sh). Prints a line
# as each test file starts and ends (counts, time), and the total.
cd "$(dirname "$0")/.." || exit 1
CC=${CC:-musl-gcc}
mkdir -p build/tests
out=build/tests/log
: > "$out.all"
pass=0 fail=0 skip=0 files=0 started=$(date +%s)

selected() {
	[ -z "$TESTS" ] && return 0
	for t in $TESTS; do [ "$t" = "$1" ] && return 0; done
	return 1
}

names=""
for f in tests/unit_*.c tests/t_*.sh; do
	[ -e "$f" ] || continue
	n=$(basename "$f"); n=${n%.c}; n=${n%.sh}
	selected "$n" && names="$names $n"
done
# shellcheck disable=SC2086
total=$(echo $names | wc -w)

# The packages the selected tests need and lack (`make test` installed what it could
# before): a test that needs one is skipped, naming it.
# shellcheck disable=SC2086
missing=$(sh tests/packages.sh missing $names)
[ -z "$missing" ] || echo "missing Debian packages (tests/packages.txt): $missing"
# needs_missing NAME: the missing packages test NAME needs (empty: none)
needs_missing() {
	[ -n "$missing" ] || return 0
	for p in $(sh tests/packages.sh needs "$1"); do
		case " $missing " in *" $p "*) printf '%s ' "$p" ;; esac
	done
}

count() { # name, log file, exit code, seconds
	p=$(grep -c '^PASS' "$2"); f=$(grep -c '^FAIL' "$2"); s=$(grep -c '^SKIP' "$2")
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $1: exited with status $3" >> "$2"; f=1
	fi
	grep -E '^(FAIL|SKIP)' "$2" | sed "s|^|  $1: |"
	printf '%-28s %4d passed %4d failed %4d skipped %5ss\n' "$1" "$p" "$f" "$s" "$4"
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	cat "$2" >> "$out.all"
}

# run_one NAME: compile (unit tests) and run one test file into build/tests/NAME.log
run_one() {
	log=build/tests/$1.log t0=$(date +%s) rc=0
	files=$((files + 1))
	echo "[$files/$total] $1 ..."
	lack=$(needs_missing "$1")
	if [ -n "$lack" ]; then
		echo "SKIP $1: needs the Debian package(s) ${lack% }, not installed" > "$log"
	elif [ -e "tests/$1.c" ]; then
		# shellcheck disable=SC2086
		if ! $CC $CFLAGS -o "build/tests/$1" "tests/$1.c" $LDLIBS > "$log" 2>&1; then
			echo "FAIL $1: does not compile" >> "$log"; rc=1
		else
			(cd build/tests && timeout -k 10 600 "./$1") >> "$log" 2>&1; rc=$?
		fi
	else
		timeout -k 10 900 sh "tests/$1.sh" > "$log" 2>&1; rc=$?
	fi
	count "$1" "$log" $rc $(($(date +%s) - t0))
}

for n in $names; do run_one "$n"; done

echo "$files test files in $(($(date +%s) - started))s; PASS/FAIL/SKIP lines in build/tests/<name>.log"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
