#!/bin/sh
# Debian 12 ships no big-endian MIPS kernel: build a small Malta (qemu -M malta) kernel once
# from Debian's linux-source-6.1 and cache it. tinyconfig plus exactly what a container
# device needs (namespaces, cgroup v2 memory/pids, seccomp, veth, initramfs, serial console).
# Usage: mips-kernel.sh OUT   (OUT: the vmlinux to write; the build tree is kept next to it
# only until the build succeeds). Needs root for apt-get when linux-source-6.1 or the build
# tools are missing. Takes ~7 minutes on 2 cores.
set -eu
out=${1:?usage: mips-kernel.sh OUT}
[ -s "$out" ] && exit 0
log() { echo "mips-kernel: $*" >&2; }
need=""
for p in linux-source-6.1 gcc-mips-linux-gnu flex bison bc; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || need="$need $p"
done
if [ -n "$need" ]; then
	log "apt-get install$need"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need > /tmp/ctr-mips-kernel-apt.log 2>&1 ||
		{ tail -n 20 /tmp/ctr-mips-kernel-apt.log >&2; exit 1; }
fi
work=$(dirname "$out")/mips-kernel.build
rm -rf "$work"
mkdir -p "$work"
log "unpacking linux-source-6.1"
tar -C "$work" -xaf /usr/src/linux-source-6.1.tar.xz
src=$(echo "$work"/linux-source-6.1)
mk() { make -s -C "$src" ARCH=mips CROSS_COMPILE=mips-linux-gnu- "$@"; }
mk tinyconfig > /dev/null
cat >> "$src/.config" <<'EOF'
CONFIG_MIPS_MALTA=y
CONFIG_CPU_BIG_ENDIAN=y
CONFIG_CPU_MIPS32_R2=y
CONFIG_32BIT=y
CONFIG_MIPS_FP_SUPPORT=y
CONFIG_HZ_100=y
CONFIG_PRINTK=y
CONFIG_BUG=y
CONFIG_TTY=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_PCI=y
CONFIG_POWER_RESET=y
CONFIG_POWER_RESET_PIIX4_POWEROFF=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_RD_GZIP=y
CONFIG_BINFMT_ELF=y
CONFIG_BINFMT_SCRIPT=y
CONFIG_MULTIUSER=y
CONFIG_FUTEX=y
CONFIG_EPOLL=y
CONFIG_SIGNALFD=y
CONFIG_TIMERFD=y
CONFIG_EVENTFD=y
CONFIG_SHMEM=y
CONFIG_AIO=y
CONFIG_FILE_LOCKING=y
CONFIG_POSIX_TIMERS=y
CONFIG_SYSVIPC=y
CONFIG_POSIX_MQUEUE=y
CONFIG_PROC_FS=y
CONFIG_PROC_SYSCTL=y
CONFIG_SYSFS=y
CONFIG_DEVTMPFS=y
CONFIG_DEVTMPFS_MOUNT=y
CONFIG_TMPFS=y
CONFIG_UNIX98_PTYS=y
CONFIG_NET=y
CONFIG_UNIX=y
CONFIG_INET=y
CONFIG_NETDEVICES=y
CONFIG_NET_CORE=y
CONFIG_VETH=y
CONFIG_DUMMY=y
CONFIG_NAMESPACES=y
CONFIG_UTS_NS=y
CONFIG_IPC_NS=y
CONFIG_PID_NS=y
CONFIG_NET_NS=y
CONFIG_USER_NS=y
CONFIG_TIME_NS=y
CONFIG_CGROUPS=y
CONFIG_MEMCG=y
CONFIG_CGROUP_PIDS=y
CONFIG_CGROUP_FREEZER=y
CONFIG_CGROUP_SCHED=y
CONFIG_FAIR_GROUP_SCHED=y
CONFIG_CGROUP_CPUACCT=y
CONFIG_CGROUP_DEVICE=y
CONFIG_CPUSETS=y
CONFIG_BLK_CGROUP=y
CONFIG_BLOCK=y
CONFIG_SECCOMP=y
CONFIG_SECCOMP_FILTER=y
CONFIG_BPF_SYSCALL=y
CONFIG_CGROUP_BPF=y
CONFIG_COMPAT_32BIT_TIME=y
CONFIG_FHANDLE=y
CONFIG_INOTIFY_USER=y
CONFIG_KEYS=y
CONFIG_MMU=y
EOF
mk olddefconfig > /dev/null
for o in MIPS_MALTA CPU_BIG_ENDIAN USER_NS MEMCG CGROUP_PIDS SECCOMP_FILTER CGROUP_BPF COMPAT_32BIT_TIME VETH BLK_DEV_INITRD SERIAL_8250_CONSOLE; do
	grep -q "^CONFIG_$o=y" "$src/.config" || { log "CONFIG_$o did not stick"; exit 1; }
done
log "building (make -j$(nproc) vmlinux)"
start=$(date +%s)
mk -j"$(nproc)" vmlinux > "$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; exit 1; }
cp "$src/vmlinux" "$out.tmp"
mips-linux-gnu-strip "$out.tmp" 2>/dev/null || true
mv "$out.tmp" "$out"
echo "linux-source-$(dpkg-query -W -f='${Version}' linux-source-6.1) tinyconfig+containers (built $(($(date +%s) - start))s)" > "$out.txt"
rm -rf "$work"
log "ready: $out ($(cat "$out.txt"))"
