#!/bin/sh
# Debian 12 has no big-endian MIPS port, so no busybox-static for it: build Debian's busybox
# source package once, static, with the board's musl toolchain, and cache it.
# Usage: busybox-src.sh DEST TRIPLET TOOLCHAIN-DIR "CFLAGS"   -> DEST/busybox, DEST/busybox.txt
set -eu
dest=${1:?} triplet=${2:?} tc=${3:?} cflags=${4:-}
[ -s "$dest/busybox" ] && exit 0
log() { echo "busybox-src: $*" >&2; }
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
work=$(cd "$dest" && pwd)/busybox.build
rm -rf "$work"
a=$work/apt
mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/parts" "$work/src"
mirror=$( (cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources) 2>/dev/null |
	grep -E '^[[:space:]]*(URIs:|deb[[:space:]])' | grep -v -- '-security' | grep -oE 'https?://[^ ]+/debian/?' | head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$a/sources.list"
aptopts="-o Dir::Etc::SourceList=$a/sources.list -o Dir::Etc::SourceParts=$a/parts
	-o Dir::State::Lists=$a/lists -o Dir::Cache=$a/cache -o APT::Sandbox::User=root -o Debug::NoLocking=1"
# shellcheck disable=SC2086
apt-get -qq $aptopts update > /dev/null
log "apt-get source busybox"
# shellcheck disable=SC2086
(cd "$work/src" && apt-get -qq $aptopts source --download-only busybox > /dev/null)
dpkg-source -q -x "$work"/src/busybox_*.dsc "$work/bb" > /dev/null 2>&1
cd "$work/bb"
# musl's specs hide /usr/<triplet>/include: give back the kernel uapi headers busybox uses
mkdir -p "$work/inc"
for h in mtd scsi; do [ -d "/usr/$triplet/include/$h" ] && ln -s "/usr/$triplet/include/$h" "$work/inc/$h"; done
cc="$triplet-gcc -specs $tc/musl-gcc.specs -isystem $tc/kinc -isystem $work/inc"
mk() { make -s CROSS_COMPILE="$triplet-" CC="$cc" HOSTCC=gcc "$@"; }
mk defconfig > /dev/null
# static; drop applets that do not build against musl or newer kernel headers
sed -i -e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' \
	-e 's/^CONFIG_TC=y/# CONFIG_TC is not set/' \
	-e 's/^CONFIG_FEATURE_TC_INGRESS=y/# CONFIG_FEATURE_TC_INGRESS is not set/' \
	-e 's/^CONFIG_SHA1_HWACCEL=y/# CONFIG_SHA1_HWACCEL is not set/' \
	-e 's/^CONFIG_SHA256_HWACCEL=y/# CONFIG_SHA256_HWACCEL is not set/' \
	-e 's/^CONFIG_FEATURE_VI_REGEX_SEARCH=y/# CONFIG_FEATURE_VI_REGEX_SEARCH is not set/' .config
yes '' | mk oldconfig > /dev/null 2>&1 || true
log "building ($(nproc) jobs)"
mk -j"$(nproc)" EXTRA_CFLAGS="$cflags" busybox > "$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; exit 1; }
"$triplet-strip" -o "$dest/busybox" busybox
echo "$(basename "$work"/src/busybox_*.dsc .dsc | cut -d_ -f2) (source, musl, static)" > "$dest/busybox.txt"
cd /
rm -rf "$work"
log "ready: $dest/busybox"
