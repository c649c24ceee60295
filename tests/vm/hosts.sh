#!/bin/sh
# Render README's Hosts table (between <!-- hosts:begin --> and <!-- hosts:end -->): which
# cgroup layouts are tested where, with the date and commit of the last run. Sources:
#   this host  build/tests/NAME.log of every test file (its last `make test` run; the
#              commit ctr was built from, as build/native.flags records it), mountinfo
#   guest      build/vm/host.result (written by `make test-vm`)
#   boards     build/qemu/*.result (`make test-qemu`), else the board table in README
# A row without a new result keeps what the README had. Usage: hosts.sh [FILE].
set -eu
cd "$(dirname "$0")/../.."
readme=${1:-README.md}
grep -q '^<!-- hosts:begin -->$' "$readme" && grep -q '^<!-- hosts:end -->$' "$readme" || {
	echo "hosts.sh: $readme has no <!-- hosts:begin --> / <!-- hosts:end --> markers" >&2; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.old"' EXIT
sed -n '/^<!-- hosts:begin -->$/,/^<!-- hosts:end -->$/p' "$readme" > "$tmp.old"
old() { grep "^| $1 |" "$tmp.old" | head -n 1; } # the README's row for host $1
kv() { sed -n "s/^$2=//p" "$1" | head -n 1; }
{
	echo "| host | cgroups | PID 1 | run by | last result | date, commit |"
	echo "|---|---|---|---|---|---|"
	# this host (CI machine): hybrid, no systemd
	l=$(for f in tests/unit_*.c tests/t_*.sh; do n=${f#tests/}; n=${n%.*}
		if [ -f "build/tests/$n.log" ]; then echo "build/tests/$n.log"; fi; done)
	if [ -n "$l" ]; then
		lay=none
		grep -q ' - cgroup2 ' /proc/self/mountinfo && lay="pure v2"
		if grep -q ' - cgroup ' /proc/self/mountinfo; then
			[ "$lay" = none ] && lay=v1 || lay="hybrid (v1 controllers + cgroup2)"
		fi
		p1=$(cat /proc/1/comm)
		[ "$p1" = systemd ] || p1="$p1 (no systemd)"
		c=$(sed -n "s/.*-DCTR_COMMIT='\"\([0-9a-f]*\)\"'.*/\1/p" build/native.flags 2>/dev/null)
		# shellcheck disable=SC2086
		printf '| this host | %s | %s | `make test` | %s passed, %s failed, %s skipped (%s of %s files) | %s, %s |\n' \
			"$lay" "$p1" "$(cat $l | grep -c '^PASS')" "$(cat $l | grep -c '^FAIL')" \
			"$(cat $l | grep -c '^SKIP')" "$(echo "$l" | wc -l)" "$(ls tests/unit_*.c tests/t_*.sh | wc -l)" \
			"$(date -u -r "$(ls -t $l | head -n 1)" +%Y-%m-%d)" "${c:-unknown}"
	else
		old "this host" || echo "| this host | hybrid | no systemd | \`make test\` | (not run yet) | |"
	fi
	# the Debian guest
	r=build/vm/host.result
	if [ -f "$r" ]; then
		printf '| Debian 12 guest (kernel %s, qemu %s) | pure v2 | systemd | `make test-vm` | %s passed (%s v2_*, %s systemd_*), %s failed, %s skipped | %s, %s |\n' \
			"$(kv $r kernel)" "$(kv $r accel)" "$(kv $r passed)" "$(kv $r v2)" "$(kv $r systemd)" \
			"$(kv $r failed)" "$(kv $r skipped)" "$(kv $r date)" "$(kv $r commit)"
	else
		old "Debian 12 guest[^|]*" || echo "| Debian 12 guest | pure v2 | systemd | \`make test-vm\` | (not run yet) | |"
	fi
	# the emulated boards: newest date among their results
	b=$(sed -n '/^<!-- boards:begin -->$/,/^<!-- boards:end -->$/p' "$readme" |
		awk -F'|' 'NF > 8 && $2 !~ /board|---/ {gsub(/^ +| +$/, "", $2); gsub(/^ +| +$/, "", $9); print $9 "|" $2}' | sort -r)
	if [ -n "$b" ]; then
		printf '| emulated boards (%s) | v2, none, initramfs root | tiny init | `make test-qemu BOARD=...` | see Emulated boards | %s |\n' \
			"$(echo "$b" | cut -d'|' -f2 | sort | tr '\n' ' ' | sed 's/ $//; s/ /, /g')" "$(echo "$b" | head -n 1 | cut -d'|' -f1)"
	else
		old "emulated boards[^|]*" || echo "| emulated boards | v2, none, initramfs root | tiny init | \`make test-qemu BOARD=...\` | (not run yet) | |"
	fi
} > "$tmp"
awk -v table="$tmp" '
	/^<!-- hosts:end -->$/ { while ((getline l < table) > 0) print l; skip = 0 }
	!skip { print }
	/^<!-- hosts:begin -->$/ { skip = 1 }
' "$readme" > "$readme.tmp"
mv "$readme.tmp" "$readme"
