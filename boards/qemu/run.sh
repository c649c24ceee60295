#!/bin/sh
# `make test-qemu BOARD=<name>`: prove a board on emulated hardware.
#  1. build ctr for the board (make BOARD=<name>) and a tiny chroot-escape probe;
#  2. fetch Debian's kernel and busybox-static for its architecture (cached in build/qemu/);
#  3. pack an initramfs (cpio newc, gzip): /init (boards/qemu/init), busybox, ctr, the suite
#     (boards/qemu/suite.sh), the examples of configs/;
#  4. boot it under qemu-system-* with a hard timeout and read the result from the console.
# Writes build/qemu/<board>.log (the console) and build/qemu/<board>.result (key=value lines,
# rendered into the README by boards/qemu/table.sh). Exits non-zero on a failed check, a
# missing result line or the timeout (QEMU_TIMEOUT seconds, default 900).
set -eu
board=${1:?usage: run.sh BOARD}
cd "$(dirname "$0")/../.."
MAKE=${MAKE:-make}
TOOLCHAINS=${TOOLCHAINS:-$HOME/.cache/ctr-toolchains}
timeout_s=${QEMU_TIMEOUT:-900}
q=build/qemu
mkdir -p "$q"
log() { echo "test-qemu[$board]: $*" >&2; }
start=$(date +%s)

case $board in
aarch64) debarch=arm64 kpkg=linux-image-arm64 sys=qemu-system-aarch64 pkg=qemu-system-arm
	machine="-M virt -cpu cortex-a57 -m 512" console=ttyAMA0 scarch=SCMP_ARCH_AARCH64 ;;
armhf) debarch=armhf kpkg=linux-image-armmp sys=qemu-system-arm pkg=qemu-system-arm
	machine="-M virt -m 512" console=ttyAMA0 scarch=SCMP_ARCH_ARM ;;
mipsel) debarch=mipsel kpkg=linux-image-4kc-malta sys=qemu-system-mipsel pkg=qemu-system-mips
	machine="-M malta -m 256" console=ttyS0 scarch=SCMP_ARCH_MIPSEL ;;
mips) debarch="" kpkg=src sys=qemu-system-mips pkg=qemu-system-mips
	machine="-M malta -m 256" console=ttyS0 scarch=SCMP_ARCH_MIPS ;;
*) log "no emulated machine for board '$board' (have: aarch64 armhf mipsel mips)"; exit 2 ;;
esac

# qemu-system, cpio and the host's busybox (its applet list names the guest's links; root
# installs what is missing)
if ! command -v "$sys" > /dev/null || ! command -v cpio > /dev/null || ! command -v busybox > /dev/null; then
	[ "$(id -u)" = 0 ] || { log "needs $pkg, cpio and busybox (apt-get install $pkg cpio busybox-static)"; exit 1; }
	log "apt-get install $pkg cpio busybox-static"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" cpio busybox-static > /dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" cpio busybox-static > /dev/null; }
fi

# 1. ctr and the probe, with the board's toolchain
$MAKE -s --no-print-directory BOARD="$board" TOOLCHAINS="$TOOLCHAINS"
mk() { sed -n "s/^$1 *:= *//p" "boards/$board.mk"; }
triplet=$(mk BOARD_TRIPLET) cflags=$(mk BOARD_CFLAGS)
tc=$TOOLCHAINS/$board
# shellcheck disable=SC2086
"$triplet-gcc" -specs "$tc/musl-gcc.specs" -isystem "$tc/kinc" $cflags -std=gnu11 -Os -static -s \
	-o "$q/$board-escape" boards/qemu/escape.c

# 2. kernel, busybox
d=$q/$board
fetch_start=$(date +%s)
if [ "$kpkg" = src ]; then
	# Debian 12 has no big-endian MIPS port: a kernel built once from linux-source-6.1 and
	# busybox built from Debian's source with the board's musl toolchain
	sh boards/qemu/mips-kernel.sh "$d/vmlinux"
	kernel=$d/vmlinux
	kdesc=$(cat "$d/vmlinux.txt")
	sh boards/qemu/busybox-src.sh "$d" "$triplet" "$tc" "$cflags"
else
	sh boards/qemu/fetch.sh "$debarch" "$kpkg" "$d"
	kernel=$d/vmlinuz
	kdesc=$(cat "$d/kernel.txt")
fi
fetch_s=$(($(date +%s) - fetch_start))

# 3. initramfs
ir=$q/$board-initramfs
rm -rf "$ir"
mkdir -p "$ir/bin" "$ir/etc" "$ir/lib/modules" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/tmp" "$ir/run" "$ir/configs"
cp "$d/busybox" "$ir/bin/busybox"
for a in $(busybox --list); do
	[ -e "$ir/bin/$a" ] || ln -s busybox "$ir/bin/$a"
done
# the containers' rootfs: the same busybox (the suite copies it)
mkdir -p "$ir/rootfs/bin" "$ir/rootfs/proc" "$ir/rootfs/sys" "$ir/rootfs/dev" "$ir/rootfs/etc" "$ir/rootfs/tmp"
cp -a "$ir/bin/." "$ir/rootfs/bin/"
echo "root:x:0:0:root:/root:/bin/sh" > "$ir/rootfs/etc/passwd"
cp "build/$board/ctr" "$ir/bin/ctr"
cp "$q/$board-escape" "$ir/bin/ctr-escape"
cp boards/qemu/init "$ir/init"
cp boards/qemu/suite.sh "$ir/suite.sh"
chmod 755 "$ir/init"
cp configs/examples.sh "$ir/configs/"
for c in configs/*/config.json; do
	n=$(basename "$(dirname "$c")")
	mkdir -p "$ir/configs/$n" && cp "$c" "$ir/configs/$n/"
done
cp "$d"/modules/*.ko "$ir/lib/modules/" 2>/dev/null || true
printf 'BOARD=%s\nSECCOMP_ARCH=%s\n' "$board" "$scarch" > "$ir/etc/board.env"
echo "root:x:0:0:root:/:/bin/sh" > "$ir/etc/passwd"
mknod -m 600 "$ir/dev/console" c 5 1 2>/dev/null || true
(cd "$ir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$q/$board-initramfs.cpio.gz"
rm -rf "$ir"

# 4. boot
log "booting $kdesc under $sys ($(stat -c %s "$q/$board-initramfs.cpio.gz") bytes of initramfs, timeout ${timeout_s}s)"
boot_start=$(date +%s)
rc=0
# shellcheck disable=SC2086
timeout -k 5 "$timeout_s" "$sys" $machine -kernel "$kernel" -initrd "$q/$board-initramfs.cpio.gz" \
	-append "console=$console quiet loglevel=3 panic=-1" \
	-nographic -no-reboot -nic none -vga none < /dev/null > "$q/$board.log" 2>&1 &
qpid=$!
# a kernel without a power-off driver stays up after the result: stop it 10 s later
while kill -0 "$qpid" 2>/dev/null; do
	if grep -q '^CTR-QEMU-RESULT:' "$q/$board.log" 2>/dev/null; then
		t=10
		while [ "$t" -gt 0 ] && kill -0 "$qpid" 2>/dev/null; do sleep 1; t=$((t - 1)); done
		kill "$qpid" 2>/dev/null || true # it may have powered off (and been reaped) by now
		break
	fi
	sleep 1
done
wait "$qpid" || rc=$?
boot_s=$(($(date +%s) - boot_start))
tr -d '\r' < "$q/$board.log" > "$q/$board.log.tmp" && mv "$q/$board.log.tmp" "$q/$board.log"
grep -E '^(PASS|FAIL|SKIP|== |CTR-QEMU)' "$q/$board.log" | grep -v '^PASS' || true
result=$(sed -n 's/^CTR-QEMU-RESULT: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$q/$board.log" | tail -n 1)
init_s=$(sed -n 's/^CTR-QEMU-BOOT: phase=initramfs uptime=\([0-9.]*\).*/\1/p' "$q/$board.log" | head -n 1)
if [ -z "$result" ]; then
	[ "$rc" = 124 ] && log "TIMEOUT after ${timeout_s}s" || log "no result line (qemu exit $rc)"
	tail -n 30 "$q/$board.log" >&2
	# what ran before it stopped, plus the missing end as one failure
	set -- "$(grep -c '^PASS' "$q/$board.log")" $(($(grep -c '^FAIL' "$q/$board.log") + 1)) "$(grep -c '^SKIP' "$q/$board.log")"
	status=1
else
	# shellcheck disable=SC2086
	set -- $result
	status=0
	[ "$2" = 0 ] || status=1
fi
{
	echo "board=$board"
	echo "arch=$(mk BOARD_ARCH)"
	echo "toolchain=$(cat "$tc/toolchain.txt" 2>/dev/null || echo '?')"
	echo "bytes=$(stat -c %s "build/$board/ctr")"
	echo "kernel=$kdesc"
	echo "machine=$sys $machine"
	echo "init_reached_s=${init_s:-?}"
	echo "qemu_s=$boot_s"
	echo "fetch_s=$fetch_s"
	echo "total_s=$(($(date +%s) - start))"
	echo "passed=$1"
	echo "failed=$2"
	echo "skipped=$3"
	echo "date=$(date -u +%Y-%m-%d)"
	echo "commit=$(git rev-parse -q --short HEAD 2>/dev/null || echo '?')"
} > "$q/$board.result"
echo "$board: $1 passed, $2 failed, $3 skipped (kernel $kdesc, init after ${init_s:-?}s, qemu ${boot_s}s, total $(($(date +%s) - start))s)"
exit $status
