#!/bin/sh
# `make boards`: build every board given (names of boards/*.mk), then print the size table
# (board, arch, toolchain, bytes) and write it to build/boards.txt (and as Markdown to
# build/boards.md). Fails if any board fails.
cd "$(dirname "$0")/.." || exit 1
MAKE=${MAKE:-make}
mkdir -p build
failed=""
for b in "$@"; do
	echo "== $b"
	$MAKE --no-print-directory BOARD="$b" || failed="$failed $b"
done
toolchains=${TOOLCHAINS:?set by make}
{
	printf '%-8s  %-13s  %-50s  %8s\n' board arch toolchain bytes
	for b in "$@"; do
		arch=$(sed -n 's/^BOARD_ARCH *:= *//p' "boards/$b.mk")
		tc=$(cat "$toolchains/$b/toolchain.txt" 2>/dev/null || echo '?')
		if [ -f "build/$b/ctr" ] && ! echo "$failed" | grep -qw "$b"; then
			bytes=$(stat -c %s "build/$b/ctr")
		else
			bytes=FAILED
		fi
		printf '%-8s  %-13s  %-50s  %8s\n' "$b" "$arch" "$tc" "$bytes"
	done
} > build/boards.txt
cat build/boards.txt
# The same as a Markdown table, for README.md's board table.
awk 'NR == 1 { print "| board | arch | toolchain | bytes |"; print "|---|---|---|---:|"; next }
	{ n = split($0, f, /  +/); printf "| %s | %s | %s | %s |\n", f[1], f[2], f[3], f[4] }' \
	build/boards.txt > build/boards.md
# ... and rendered into README.md between its board-table markers (never typed by hand).
if [ -z "$failed" ] && grep -q '^<!-- board table: from build/boards.md -->$' README.md; then
	awk -v table=build/boards.md '
		/^<!-- board table: from build\/boards.md -->$/ { print; while ((getline l < table) > 0) print l; skip = 1; next }
		/^<!-- end of board table -->$/ { skip = 0 }
		!skip' README.md > README.md.tmp && mv README.md.tmp README.md
fi
[ -z "$failed" ] || { echo "boards that failed:$failed" >&2; exit 1; }
