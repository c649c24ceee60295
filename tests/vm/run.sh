#!/bin/sh
# `make test-vm`: the suite on a Debian 12 guest with systemd as PID 1 and pure cgroup v2.
#  1. build ./ctr (static) and tests/cgroup/cgtool (static: the guest has no compiler);
#  2. build or reuse the guest image (tests/vm/build.sh, cached in build/vm/);
#  3. share ctr, cgtool, tests/ and tests/vm/payload.sh with the guest over 9p and boot it
#     under qemu-system-x86_64 (TCG; KVM only where the CPU offers vmx/svm), hard timeout
#     VM_TIMEOUT (default 1500 s: a loaded 2-core machine needs that, a quiet one about a
#     third), console in build/vm/console.log;
#  4. write build/vm/results.txt (PASS/FAIL/SKIP per check, then the counts) and
#     build/vm/host.result (rendered into README's Hosts section by tests/vm/hosts.sh).
# Exits non-zero on a failed check, on a skipped v2_*/systemd_*/criu_*/rootless_*/podman_*
# check or on no result.
# VM_TESTS overrides the test files run in the guest (names as in tests/: t_lifecycle vm/v2).
set -u
cd "$(dirname "$0")/../.."
MAKE=${MAKE:-make}
v=build/vm
sh_=$v/share
mkdir -p "$v"
say() { echo "test-vm: $*" >&2; }
start=$(date +%s)
tests=${VM_TESTS-vm/v2 vm/systemd vm/criu vm/rootless t_cgroup_v2 t_lifecycle t_rootfs t_security}

finish() { # write results.txt from the raw lines, exit by the rules above
	raw=$1
	{
		cat "$raw"
		p=$(grep -c '^PASS ' "$raw"); f=$(grep -c '^FAIL ' "$raw"); s=$(grep -c '^SKIP ' "$raw")
		echo "$p passed, $f failed, $s skipped"
	} > "$v/results.txt"
	grep -E '^(FAIL|SKIP) ' "$v/results.txt" | sed 's/^/  /' >&2
	tail -n 1 "$v/results.txt" >&2
	! grep -qE '^FAIL |^SKIP (v2_|systemd_|criu_|rootless_|podman_)' "$v/results.txt"
}

# qemu-system-x86_64 (`make test-vm` installs tests/packages.txt's first); where it cannot
# run at all, SKIP
if ! qemu-system-x86_64 -version > /dev/null 2>&1; then
	echo "SKIP test-vm: qemu-system-x86_64 cannot run here" > "$v/raw.txt"
	say "SKIP: qemu-system-x86_64 cannot run here (apt-get install qemu-system-x86)"
	finish "$v/raw.txt"
	exit 0
fi

# 1. ctr and cgtool
$MAKE -s --no-print-directory ctr || exit 1
rm -rf "$sh_"
mkdir -p "$sh_/out"
musl-gcc -std=gnu11 -O1 -static -Wall -Wextra -Werror -Wno-unused-function \
	-isystem build/kheaders/native -o "$sh_/cgtool" tests/cgroup/cgtool.c || exit 1
cp ctr "$sh_/ctr"
cp -a tests "$sh_/tests"
cp tests/vm/payload.sh "$sh_/payload.sh"
echo "$tests" > "$sh_/tests.list"

# 2. the image
sh tests/vm/build.sh || exit 1

# 3. boot
accel="-accel tcg -cpu max"
if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
	accel="-accel kvm -cpu host"
fi
timeout_s=${VM_TIMEOUT:-1500}
say "boot: qemu-system-x86_64 $accel -m 2048 -smp 2 (timeout $timeout_s s), tests: $tests"
boot=$(date +%s)
# shellcheck disable=SC2086
timeout -k 10 "$timeout_s" qemu-system-x86_64 $accel -m 2048 -smp 2 -nodefaults -no-reboot \
	-display none -serial "file:$v/console.log" -monitor none -nic none \
	-kernel "$v/vmlinuz" -initrd "$v/initrd.img" \
	-append "console=ttyS0 quiet loglevel=4 systemd.show_status=false panic=-1" \
	-drive "file=$v/root.img,format=raw,if=virtio,snapshot=on" \
	-virtfs "local,path=$sh_,mount_tag=ctr,security_model=none" > "$v/qemu.log" 2>&1
rc=$?
guest_s=$(($(date +%s) - boot))
say "guest ran $guest_s s (qemu exit $rc)"
echo "boot+suite=$guest_s" >> "$v/times"

# 4. results
raw=$v/raw.txt
cp "$sh_/out/results.raw" "$raw" 2>/dev/null || : > "$raw"
if [ ! -f "$sh_/out/done" ]; then
	why="no result from the guest (qemu exit $rc$([ $rc = 124 ] && echo ", timeout ${timeout_s}s"))"
	echo "FAIL test-vm: $why; console: $(tail -n 5 "$v/console.log" | tr '\n' ' ' | cut -c1-300)" >> "$raw"
fi
finish "$raw"
ok=$?
payload_at=$(sed -n 's/.*ctr-vm: payload start (uptime \([0-9.]*\) s).*/\1/p' "$v/console.log" | head -n 1)
{
	echo "date=$(date -u +%Y-%m-%d)"
	echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "kernel=$(cut -d' ' -f1 "$v/kernel.txt" | sed 's/linux-image-//')"
	echo "accel=$(echo "$accel" | cut -d' ' -f2)"
	echo "userspace_at=${payload_at:-?}"
	tail -n 1 "$v/results.txt" | sed 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/passed=\1\nfailed=\2\nskipped=\3/'
	echo "v2=$(grep -c '^PASS v2_' "$v/results.txt")"
	echo "systemd=$(grep -c '^PASS systemd_' "$v/results.txt")"
	echo "total_s=$(($(date +%s) - start))"
} > "$v/host.result"
sed 's/^/  /' "$sh_/out/times" >&2 2>/dev/null
say "$(tail -n 1 "$v/results.txt"); $(($(date +%s) - start)) s in all"
[ $ok = 0 ]
