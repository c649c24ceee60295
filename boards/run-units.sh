#!/bin/sh
# One board's unit tests under qemu-user (called by `make BOARD=x test-board`): CC, CFLAGS,
# BOARD, BOARD_QEMU, BOARD_ENDIAN, BOARD_BITS come from the board profile. Prints the tests'
# PASS/FAIL/SKIP lines (prefixed with the board) and one summary line per program. A board
# without BOARD_QEMU is the host's own architecture, tested by `make test`: nothing to do.
# The tests see CTR_QEMU_USER=<qemu binary> in their environment: a test of a system call
# qemu-user lacks (ENOSYS: bpf, keyctl, mount_setattr, seccomp ...) should SKIP there.
cd "$(dirname "$0")/.." || exit 1
[ -n "$BOARD_QEMU" ] || exit 0
command -v "$BOARD_QEMU" > /dev/null || { echo "FAIL $BOARD: $BOARD_QEMU not found (qemu-user-static)"; exit 1; }
dir=build/tests-$BOARD # two levels below the top, like build/tests, for relative test data
mkdir -p "$dir"

run() { # name: run $dir/name under qemu, prefix its result lines with the board
	out=$dir/$1.log
	(cd "$dir" && CTR_QEMU_USER=$BOARD_QEMU timeout 600 "$BOARD_QEMU" "./$1") > "$out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && ! grep -q '^FAIL' "$out"; then echo "FAIL $1: exited with status $rc" >> "$out"; fi
	sed -n "s/^\(PASS\|FAIL\|SKIP\) /\1 $BOARD: /p" "$out"
	printf '%-28s %4d passed %4d failed %4d skipped\n' "$BOARD/$1" \
		"$(grep -c '^PASS' "$out")" "$(grep -c '^FAIL' "$out")" "$(grep -c '^SKIP' "$out")"
}

# The target's ABI as the tests see it: byte order and width of long.
cat > "$dir/abi_check.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	unsigned int one = 1;
	unsigned char first;
	memcpy(&first, &one, 1);
	const char *endian = first ? "little" : "big";
	int bits = (int)sizeof(long) * 8;
	int ok = argc == 3 && !strcmp(endian, argv[1]) && bits == atoi(argv[2]);
	printf("%s abi: %s-endian, %d-bit long%s\n", ok ? "PASS" : "FAIL", endian, bits,
	       ok ? "" : " (profile says otherwise)");
	return !ok;
}
C
# shellcheck disable=SC2086
if $CC $CFLAGS -o "$dir/abi_check" "$dir/abi_check.c" > "$dir/abi_check.log" 2>&1; then
	(cd "$dir" && "$BOARD_QEMU" ./abi_check "$BOARD_ENDIAN" "$BOARD_BITS") > "$dir/abi.log" 2>&1
	sed -n "s/^\(PASS\|FAIL\|SKIP\) /\1 $BOARD: /p" "$dir/abi.log"
else
	echo "FAIL $BOARD: abi_check does not compile"; cat "$dir/abi_check.log"
fi

# Compile every test first, nproc at a time (cross compiling is the slow half), then run them
# one after another (they create real namespaces, mounts and cgroups).
jobs=0
for src in tests/unit_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	rm -f "$dir/$name"
	# shellcheck disable=SC2086
	$CC $CFLAGS -o "$dir/$name" "$src" > "$dir/$name.build.log" 2>&1 &
	jobs=$((jobs + 1))
	[ "$jobs" -lt "$(nproc)" ] || { wait; jobs=0; }
done
wait
for src in tests/unit_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	if [ ! -x "$dir/$name" ]; then
		echo "FAIL $BOARD: $name does not compile"; sed 's/^/  /' "$dir/$name.build.log" | head -n 20
		continue
	fi
	run "$name"
done
