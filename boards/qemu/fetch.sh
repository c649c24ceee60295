#!/bin/sh
# Fetch what an emulated board boots: Debian's kernel and busybox-static for one Debian
# architecture, with `apt-get download` through a private apt configuration (the host's dpkg
# architectures and sources stay untouched) and `dpkg -x` (no install). Cached in DEST.
# Usage: fetch.sh DEBARCH KERNEL-PACKAGE DEST
# Result in DEST: vmlinuz, kernel.txt (package and version), modules/ (only the modules the
# suite needs, uncompressed: veth), busybox (static), busybox.txt.
set -eu
debarch=${1:?usage: fetch.sh DEBARCH KERNEL-PACKAGE DEST} kpkg=${2:?} dest=${3:?}
[ -f "$dest/.stamp" ] && exit 0
log() { echo "fetch[$debarch]: $*" >&2; }
mkdir -p "$dest"
work=$(cd "$dest" && pwd)/fetch.tmp
rm -rf "$work"
a=$work/apt
mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/parts"
mirror=$( (cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources) 2>/dev/null |
	grep -E '^[[:space:]]*(URIs:|deb[[:space:]])' | grep -v -- '-security' | grep -oE 'https?://[^ ]+/debian/?' | head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$a/sources.list"
aptopts="-o Dir::Etc::SourceList=$a/sources.list -o Dir::Etc::SourceParts=$a/parts
	-o Dir::State::Lists=$a/lists -o Dir::Cache=$a/cache -o APT::Architecture=$debarch
	-o APT::Architectures::=$debarch -o APT::Sandbox::User=root -o Debug::NoLocking=1"
# shellcheck disable=SC2086
apt-get -qq $aptopts update > /dev/null
# the meta package (linux-image-arm64) depends on the versioned image package
# shellcheck disable=SC2086
real=$(apt-cache $aptopts depends "$kpkg:$debarch" 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ :]*\).*/\1/p' | head -n 1)
[ -n "$real" ] || { log "cannot resolve $kpkg"; exit 1; }
log "downloading $real busybox-static"
# shellcheck disable=SC2086
(cd "$work" && apt-get -qq $aptopts download "$real:$debarch" "busybox-static:$debarch" > /dev/null)
dpkg -x "$work/${real}"_*.deb "$work/k"
dpkg -x "$work"/busybox-static_*.deb "$work/b"
k=$(ls "$work"/k/boot/vmlinu* | head -n 1)
cp "$k" "$dest/vmlinuz"
rm -rf "$dest/modules"
mkdir -p "$dest/modules"
for m in drivers/net/veth.ko; do
	f=$(ls "$work"/k/lib/modules/*/kernel/$m* 2>/dev/null | head -n 1) || true
	[ -n "$f" ] || continue
	case $f in
	*.xz) xz -dc "$f" > "$dest/modules/$(basename "$m")" ;;
	*) cp "$f" "$dest/modules/" ;;
	esac
done
cp "$work/b/bin/busybox" "$dest/busybox"
echo "$real $(basename "$work/${real}"_*.deb | cut -d_ -f2)" > "$dest/kernel.txt"
basename "$work"/busybox-static_*.deb | cut -d_ -f2 | sed "s/%3a/:/" > "$dest/busybox.txt"
rm -rf "$work"
touch "$dest/.stamp"
log "ready: $(cat "$dest/kernel.txt")"
