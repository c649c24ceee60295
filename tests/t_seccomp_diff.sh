#!/bin/sh
# Differential test: our seccomp BPF generator against libseccomp (tests/seccomp_diff.c)
# on Docker's default profile and the hand-made profiles in tests/seccomp/, for every
# arch table, and against a plain model on random profiles. Also prints the BPF
# instruction counts and compile times (ours vs libseccomp).
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
if [ ! -e /usr/include/seccomp.h ]; then
	skip "seccomp_diff: libseccomp-dev is not installed"
	exit 0
fi
command -v python3 >/dev/null || { skip "seccomp_diff: python3 is needed to read the profiles"; exit 0; }
out=$T_TMP/diff
mkdir -p "$out"
for j in tests/seccomp/*.json; do
	python3 tests/seccomp/to-prof.py "$j" > "$out/$(basename "$j" .json).prof" ||
		fail "seccomp_diff: cannot convert $j"
done
if ! gcc -std=gnu11 -O1 -w -o "$out/seccomp_diff" tests/seccomp_diff.c -lseccomp 2> "$out/cc.log"; then
	cat "$out/cc.log"
	fail "seccomp_diff: does not compile"
	exit 0
fi
# plus random profiles (fixed seed) checked against a plain model of the semantics
SECCOMP_DIFF_RANDOM=${SECCOMP_DIFF_RANDOM:-40} "$out/seccomp_diff" "$out"/*.prof
