#!/bin/sh
# Build the Debian 12 guest of `make test-vm` into build/vm/ (root; Debian's archive):
#   rootfs  mmdebstrap --variant=minbase with tests/vm/packages, a user `tester` (subuid/
#           subgid, lingering), the payload service (tests/vm/ctr-vm.service) and the kernel's
#           modules (depmod run inside the rootfs: the host needs no kmod)
#   kernel  linux-image-6.1.*-amd64 from the archive (apt-get download + dpkg -x)
#   initrd  busybox + the virtio/ext4 modules (tests/vm/init), `busybox cpio -o -H newc`
#   image   mke2fs -d rootfs (no loop mount)
# Everything is cached under build/vm/ and rebuilt when the package list or these scripts
# change (build/vm/image.key holds a hash of them). Prints one progress line per stage.
set -eu
cd "$(dirname "$0")/../.."
v=build/vm
mkdir -p "$v"
say() { echo "test-vm: $*" >&2; }
key=$(cat tests/vm/packages tests/vm/build.sh tests/vm/init tests/vm/ctr-vm.service \
	tests/vm/ctr-vm-payload | sha256sum | cut -c1-16)
if [ -f "$v/image.key" ] && [ "$(cat "$v/image.key")" = "$key" ] &&
	[ -f "$v/root.img" ] && [ -f "$v/vmlinuz" ] && [ -f "$v/initrd.img" ]; then
	say "image cached (key $key)"
	exit 0
fi
[ "$(id -u)" = 0 ] || { say "building the guest needs root (mmdebstrap, chroot)"; exit 1; }
for c in mmdebstrap mke2fs busybox; do
	command -v $c > /dev/null || { say "missing $c (apt-get install mmdebstrap e2fsprogs busybox-static)"; exit 1; }
done
rm -f "$v/image.key" "$v/times"
t0=$(date +%s)
stage() { # NAME: end of a stage, its time
	t1=$(date +%s)
	say "$1 done in $((t1 - t0)) s"
	echo "$1=$((t1 - t0))" >> "$v/times"
	t0=$t1
}

# ---- kernel: Debian's current 6.1 image ----
kdir=$v/kernel
rm -rf "$kdir"
mkdir -p "$kdir"
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-6\.1\.[^ ]*-amd64\)$/\1/p' | head -n 1)
[ -n "$kpkg" ] || { apt-get update -qq; kpkg=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-6\.1\.[^ ]*-amd64\)$/\1/p' | head -n 1); }
[ -n "$kpkg" ] || { say "no linux-image-6.1.*-amd64 in the apt sources"; exit 1; }
say "kernel: apt-get download $kpkg"
(cd "$kdir" && apt-get download -qq -o APT::Sandbox::User=root "$kpkg" > /dev/null)
dpkg -x "$kdir"/"$kpkg"_*.deb "$kdir/x"
kver=${kpkg#linux-image-}
cp "$kdir/x/boot/vmlinuz-$kver" "$v/vmlinuz.new"
echo "$kpkg $(dpkg-deb -f "$kdir"/"$kpkg"_*.deb Version)" > "$v/kernel.txt"
stage kernel

# ---- rootfs ----
r=$v/rootfs
rm -rf "$r"
pkgs=$(sed 's/#.*//' tests/vm/packages | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
# the host's own archive (same mirror, suites and components), else deb.debian.org
src=/etc/apt/sources.list.d/debian.sources
if [ -f "$src" ] && grep -q '^Suites:.*bookworm' "$src"; then
	set -- "$src"
else
	set -- "deb http://deb.debian.org/debian bookworm main" \
		"deb http://deb.debian.org/debian bookworm-updates main" \
		"deb http://deb.debian.org/debian-security bookworm-security main"
fi
say "rootfs: mmdebstrap bookworm ($(echo "$pkgs" | tr ',' ' ' | wc -w) packages)"
mmdebstrap --quiet --variant=minbase --include="$pkgs" bookworm "$r" "$@" > "$v/mmdebstrap.log" 2>&1 ||
	{ tail -n 30 "$v/mmdebstrap.log" >&2; exit 1; }
# the kernel's modules, without the hardware a virtio guest never has
mkdir -p "$r/lib/modules"
cp -a "$kdir/x/lib/modules/$kver" "$r/lib/modules/"
km=$r/lib/modules/$kver/kernel
rm -rf "$km/drivers/gpu" "$km/drivers/media" "$km/drivers/net/wireless" "$km/drivers/net/ethernet" \
	"$km/drivers/infiniband" "$km/drivers/staging" "$km/sound" "$km/drivers/bluetooth" \
	"$km/drivers/scsi" "$km/drivers/usb" "$km/drivers/hid" "$km/drivers/input" "$km/drivers/iio" \
	"$km/drivers/isdn" "$km/drivers/mtd" "$km/net/wireless" "$km/net/mac80211" "$km/net/bluetooth"
chroot "$r" depmod -a "$kver"
# the guest: hostname, no password for root (console debugging), volatile journal, no
# timers or gettys that would only cost boot time, the payload service, the user `tester`
echo ctr-vm > "$r/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 ctr-vm\n' > "$r/etc/hosts"
: > "$r/etc/fstab"
mkdir -p "$r/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' > "$r/etc/systemd/journald.conf.d/volatile.conf"
install -m 0755 tests/vm/ctr-vm-payload "$r/usr/local/sbin/ctr-vm-payload"
install -m 0644 tests/vm/ctr-vm.service "$r/etc/systemd/system/ctr-vm.service"
chroot "$r" sh -e -c '
	passwd -qd root
	systemctl -q set-default multi-user.target
	systemctl -q enable ctr-vm.service
	for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
		e2scrub_reap.service getty@tty1.service serial-getty@ttyS0.service podman.socket \
		podman-auto-update.timer podman-auto-update.service podman-restart.service \
		podman-clean-transient.service; do
		systemctl -q mask $u
	done
	useradd -m -s /bin/bash tester
	mkdir -p /var/lib/systemd/linger
	touch /var/lib/systemd/linger/tester
	grep -q "^tester:" /etc/subuid && grep -q "^tester:" /etc/subgid'
rm -rf "$r/var/cache/apt/archives"/*.deb "$r/var/lib/apt/lists"/*_Packages
stage rootfs

# ---- initramfs: busybox and the modules to reach /dev/vda ----
ir=$v/initramfs
rm -rf "$ir"
mkdir -p "$ir/bin" "$ir/lib/modules" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/newroot"
cp "$(command -v busybox)" "$ir/bin/busybox"
cp tests/vm/init "$ir/init"
chmod 0755 "$ir/init"
: > "$ir/modules.order"
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk \
	crc32c-intel crc32c_generic libcrc32c crc16 mbcache jbd2 ext4; do
	f=$(find "$r/lib/modules/$kver/kernel" -name "$m.ko*" | head -n 1)
	[ -n "$f" ] || continue # built in
	cp "$f" "$ir/lib/modules/"
	echo "${f##*/}" >> "$ir/modules.order"
done
(cd "$ir" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$v/initrd.img.new"
stage initramfs

# ---- disk image: the rootfs plus room for the suite (sparse file) ----
rm -f "$v/root.img"
mb=$(du -sm "$r" | cut -f1)
mke2fs -q -t ext4 -d "$r" -L root "$v/root.img" "$((mb + 2048))M" > /dev/null
rm -rf "$r"
mv "$v/vmlinuz.new" "$v/vmlinuz"
mv "$v/initrd.img.new" "$v/initrd.img"
echo "$key" > "$v/image.key"
stage image
say "image ready: $v/root.img ($(du -sm "$v/root.img" | cut -f1) MB used of $((mb + 2048)) MB), key $key"
