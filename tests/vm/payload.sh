#!/bin/sh
# In the guest (started by ctr-vm.service from the 9p share, as root under systemd): check
# the host layout, then run the test files named in tests.list (tests/t_*.sh or tests/vm/*.sh)
# against the ctr the host built. Each file's PASS/FAIL/SKIP lines go to out/results.raw,
# named by area: tests/vm/*.sh name their checks (v2_*, systemd_*), the others are prefixed
# with the file name. out/times has each file's seconds; out/done marks a finished run.
# The share is 9p without a page cache: ctr, busybox and the scripts run from a local copy.
O=$(cd "$(dirname "$0")" && pwd)/out
S=/var/tmp/ctr-vm
rm -rf "$S"
mkdir -p "$S"
cp -a "$(dirname "$0")/ctr" "$(dirname "$0")/cgtool" "$(dirname "$0")/tests" "$(dirname "$0")/tests.list" "$S/"
cd "$S" || exit 1
mkdir -p "$O"
: > "$O/results.raw"
: > "$O/times"
# LC_LOOP: t_lifecycle's containers-in-a-row loop, 20 instead of 200 under emulation
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin CTR=$S/ctr CGT=$S/cgtool LC_LOOP=${LC_LOOP:-20}
r() { echo "$1" >> "$O/results.raw"; }
ck() { s0=$(date +%s); if eval "$2"; then r "PASS $1"; else r "FAIL $1: $3"; fi; echo "ctr-vm: $1 $(($(date +%s) - s0)) s"; }

echo "ctr-vm: kernel $(uname -r), PID 1 $(cat /proc/1/comm), $($CTR --version | head -n 1)"
systemd-analyze 2>/dev/null | head -n 1
systemd-analyze blame 2>/dev/null | head -n 8
ck guest_pid1_systemd '[ "$(cat /proc/1/comm)" = systemd ]' "PID 1 is $(cat /proc/1/comm)"
ck guest_cgroup2_pure '[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && ! grep -q " - cgroup " /proc/self/mountinfo' \
	"/sys/fs/cgroup is $(stat -f -c %T /sys/fs/cgroup)"
ctls=$(cat /sys/fs/cgroup/cgroup.controllers)
ck guest_cgroup2_controllers 'for c in cpuset cpu io memory hugetlb pids; do case " $ctls " in *" $c "*) ;; *) false;; esac; done' \
	"controllers: $ctls"
ck guest_system_running 'st=$(systemctl is-system-running --wait 2>/dev/null); [ "$st" = running ] || [ "$st" = degraded ]' \
	"systemctl is-system-running: $(systemctl is-system-running 2>&1; systemctl --failed --no-legend 2>&1 | head -n 3)"
# what later work needs of this guest (checkpoint/restore, rootless): user tester with
# subordinate ids and a lingering systemd user session that delegates controllers, criu
ck guest_tester_subids 'grep -q "^tester:100000:65536$" /etc/subuid && grep -q "^tester:100000:65536$" /etc/subgid' \
	"subuid: $(grep tester /etc/subuid), subgid: $(grep tester /etc/subgid)"
ck guest_tester_session 'systemctl is-active -q user@1000.service' "user@1000.service: $(systemctl is-active user@1000.service 2>&1)"
ck guest_tester_delegation 'd=" $(cat /sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/cgroup.controllers 2>/dev/null) "; case $d in *" memory "*) case $d in *" pids "*) true;; *) false;; esac;; *) false;; esac' \
	"user@1000.service controllers: $(cat /sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/cgroup.controllers 2>&1)"
ck guest_criu_check 'criu check > /dev/null 2>&1' "criu check: $(criu check 2>&1 | tail -n 2)"
ck guest_podman 'podman --version > /dev/null 2>&1' "podman: $(podman --version 2>&1)"

for t in $(cat "$S/tests.list" 2>/dev/null); do
	f=tests/$t.sh
	[ -f "$f" ] || { r "FAIL $t: no such test file"; continue; }
	case $t in vm/*) pfx="" ;; t_cgroup_v2) pfx="v2_cgroup: " ;; *) pfx="$t: " ;; esac
	start=$(date +%s)
	timeout -k 10 600 sh "$f" > "$O/$(basename "$t").log" 2>&1
	rc=$?
	echo "$t $(($(date +%s) - start))" >> "$O/times"
	grep -E '^(PASS|FAIL|SKIP) ' "$O/$(basename "$t").log" | sed "s/^\(PASS\|FAIL\|SKIP\) /\1 $pfx/" >> "$O/results.raw"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$O/$(basename "$t").log"; then
		r "FAIL $pfx${pfx:+}exit: $t exited with status $rc"
	fi
	echo "ctr-vm: $t: $(grep -c '^PASS' "$O/$(basename "$t").log") passed, $(grep -c '^FAIL' "$O/$(basename "$t").log") failed, $(($(date +%s) - start)) s"
done
sync
touch "$O/done"
