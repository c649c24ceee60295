#!/bin/sh
# Test runner: builds and runs every tests/unit_*.c (C unit tests, which #include ../ctr.c)
# and runs every tests/t_*.sh (integration tests). Each prints lines starting with
# PASS, FAIL or SKIP; a program that exits non-zero without printing FAIL counts as one
# failure. Ends with "N passed, N failed, N skipped"; exits 1 on any failure.
# TESTS="unit_json t_lifecycle" limits the run to those names.
# First the Debian packages the selected tests need (tests/packages.txt): installed when
# missing as root on Debian (NO_INSTALL=1: never), else named; a test whose package is
# still missing is skipped, naming it. Prints a line as each test file starts and ends.
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
total=$(echo $names | wc -w)

# pkgs_for NAME: the packages of tests/packages.txt that test NAME needs
pkgs_for() {
	set -f
	sed 's/#.*//' tests/packages.txt | while read -r pkg pats; do
		for p in $pats; do
			case $1 in $p) echo "$pkg"; break ;; esac
		done
	done
	set +f
}
installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed'; }
# missing_of PKG...: those not installed
missing_of() { for p in "$@"; do installed "$p" || echo "$p"; done; }

# The packages of the selected tests: install the missing ones (root on Debian) or name
# them. Sets $missing to what is still missing.
missing=""
if command -v dpkg-query > /dev/null; then
	# shellcheck disable=SC2046
	want=$(for n in $names; do pkgs_for "$n"; done | sort -u)
	# shellcheck disable=SC2086
	missing=$(missing_of $want | tr '\n' ' ')
	missing=${missing% }
fi
if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && [ -z "$NO_INSTALL" ] && command -v apt-get > /dev/null; then
	echo "installing Debian packages the tests need: $missing (apt-get, log in build/tests/apt.log)"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing ||
		for p in $missing; do apt-get install -y -qq --no-install-recommends "$p"; done
	} < /dev/null > build/tests/apt.log 2>&1
	# shellcheck disable=SC2086
	missing=$(missing_of $missing | tr '\n' ' ')
	missing=${missing% }
	[ -z "$missing" ] || echo "could not install: $missing (see build/tests/apt.log); the tests that need them are skipped"
elif [ -n "$missing" ]; then
	echo "missing Debian packages: $missing"
	echo "  install them as root: apt-get install --no-install-recommends $missing"
	echo "  (or run \`make test\` as root, which installs them); the tests that need them are skipped"
elif ! command -v dpkg-query > /dev/null; then
	echo "not Debian: install the equivalents of the packages in tests/packages.txt"
fi

# needs_missing NAME: the missing packages test NAME needs (empty: none)
needs_missing() {
	for p in $(pkgs_for "$1"); do
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
