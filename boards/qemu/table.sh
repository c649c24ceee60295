#!/bin/sh
# Render build/qemu/*.result (written by `make test-qemu BOARD=...`) as a Markdown table
# between <!-- boards:begin --> and <!-- boards:end --> in README.md (or FILE).
# Usage: table.sh [FILE]. The table is the build's output: never edit it by hand.
set -eu
cd "$(dirname "$0")/../.."
readme=${1:-README.md}
grep -q '^<!-- boards:begin -->$' "$readme" && grep -q '^<!-- boards:end -->$' "$readme" || {
	echo "table.sh: $readme has no <!-- boards:begin --> / <!-- boards:end --> markers" >&2; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
	echo "| board | arch | toolchain | static size | emulated kernel (qemu machine) | init after | tests in the guest | date, commit |"
	echo "|---|---|---|---|---|---|---|---|"
	{
		for r in build/qemu/*.result; do
			[ -f "$r" ] || continue
			v() { sed -n "s/^$1=//p" "$r" | head -n 1; }
			m=$(v machine | sed 's/^qemu-system-//; s/ -m [0-9]*//')
			tests="$(v passed) passed, $(v failed) failed, $(v skipped) skipped"
			printf '| %s | %s | %s | %s bytes | %s (`%s`) | %s s | %s | %s, %s |\n' \
				"$(v board)" "$(v arch)" "$(v toolchain)" "$(v bytes)" "$(v kernel)" "$m" \
				"$(v init_reached_s)" "$tests" "$(v date)" "$(v commit)"
		done
		# a board tested earlier but not in this build keeps its README row
		sed -n '/^<!-- boards:begin -->$/,/^<!-- boards:end -->$/p' "$readme" |
			grep '^| [a-z0-9]* |' | grep -v '^| board |' | while IFS= read -r row; do
				b=$(echo "$row" | cut -d'|' -f2 | tr -d ' ')
				[ -f "build/qemu/$b.result" ] || echo "$row"
			done
	} | LC_ALL=C sort > "$tmp.rows"
	if [ -s "$tmp.rows" ]; then cat "$tmp.rows"; else echo "| (no board tested yet: run \`make test-qemu BOARD=<name>\`) |||||||"; fi
	rm -f "$tmp.rows"
} > "$tmp"
awk -v table="$tmp" '
	/^<!-- boards:end -->$/ { while ((getline l < table) > 0) print l; skip = 0 }
	!skip { print }
	/^<!-- boards:begin -->$/ { skip = 1 }
' "$readme" > "$readme.tmp"
mv "$readme.tmp" "$readme"
