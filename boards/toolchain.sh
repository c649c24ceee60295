#!/bin/sh
# Prepare one board's toolchain: Debian's cross gcc + a musl sysroot + kernel uapi headers.
# Called by make (target $TC/.stamp) with the board profile's variables in the environment:
#   BOARD, TC (destination dir), BOARD_TRIPLET, BOARD_MUSL (deb:<debian-arch> | src),
#   BOARD_PKGS (Debian packages: cross gcc, linux-libc-dev-*-cross), BOARD_CFLAGS.
# Result in $TC:
#   musl-gcc.specs   pass as `$(BOARD_TRIPLET)-gcc -specs $TC/musl-gcc.specs`
#   kinc/            only linux/ asm/ asm-generic/ (musl's specs use -nostdinc; glibc stays out)
# musl comes from Debian's musl-dev:<arch> (fetched with a private apt configuration, so the
# host's dpkg architectures and sources stay untouched), or, for architectures Debian 12 does
# not ship (mips big-endian, riscv64), is built from Debian's musl source package (~30 s).
# Idempotent: installs and downloads only what is missing. Missing packages need root.
set -eu
: "${BOARD:?}" "${TC:?}" "${BOARD_TRIPLET:?}" "${BOARD_MUSL:?}" "${BOARD_PKGS:=}" "${BOARD_CFLAGS:=}"
log() { echo "toolchain[$BOARD]: $*" >&2; }
die() { log "$*"; exit 1; }

# 1. Debian packages (cross compiler, kernel headers).
missing=""
for p in $BOARD_PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root, or apt-get install them)"
	log "apt-get install$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y -qq --no-install-recommends $missing > "${TMPDIR:-/tmp}/ctr-apt-$BOARD.log" 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } ||
		die "apt-get install$missing failed"
fi
command -v "$BOARD_TRIPLET-gcc" > /dev/null || die "$BOARD_TRIPLET-gcc not found"

rm -rf "$TC.tmp"
mkdir -p "$TC.tmp"
work=$(cd "$TC.tmp" && pwd)
dest=$(cd "$(dirname "$TC")" && pwd)/$(basename "$TC")

# 2. A private apt configuration: the host's Debian mirror; binary packages of one (foreign)
# architecture, or source packages.
mirror=$( (cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources) 2>/dev/null |
	grep -E '^[[:space:]]*(URIs:|deb[[:space:]])' | grep -v -- '-security' | grep -oE 'https?://[^ ]+/debian/?' | head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
apt_private() { # deb|deb-src, arch, then apt-get arguments
	a=$work/apt type=$1 arch=$2; shift 2
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/parts"
	echo "$type [signed-by=$keyring] $mirror $suite main" > "$a/sources.list"
	apt-get -qq -o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts="$a/parts" \
		-o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache" \
		-o APT::Architecture="$arch" -o APT::Architectures::="$arch" \
		-o APT::Sandbox::User=root -o Debug::NoLocking=1 "$@"
}

# 3. musl.
case $BOARD_MUSL in
deb:*)
	arch=${BOARD_MUSL#deb:}
	log "musl-dev:$arch from Debian"
	apt_private deb "$arch" update > /dev/null
	(cd "$work" && apt_private deb "$arch" download "musl-dev:$arch" > /dev/null)
	dpkg -x "$work"/musl-dev_*_"$arch".deb "$work/root"
	inc=$(echo "$work"/root/usr/include/*-musl*)
	lib=$(echo "$work"/root/usr/lib/*-musl*)
	{ [ -f "$lib/libc.a" ] && [ -f "$inc/stdio.h" ]; } || die "musl-dev:$arch has no libc.a/stdio.h"
	mkdir -p "$work/musl"
	mv "$inc" "$work/musl/include"
	mv "$lib" "$work/musl/lib"
	musl_version=$(basename "$work"/musl-dev_*_"$arch".deb | cut -d_ -f2)
	;;
src)
	log "musl from Debian's source package, built with $BOARD_TRIPLET-gcc"
	apt_private deb-src "$(dpkg --print-architecture)" update > /dev/null
	mkdir -p "$work/src"
	(cd "$work/src" && apt_private deb-src "$(dpkg --print-architecture)" source --download-only musl > /dev/null)
	dpkg-source -q -x "$work"/src/musl_*.dsc "$work/src/musl" > /dev/null 2>&1 ||
		die "dpkg-source -x musl failed (is dpkg-dev installed?)"
	mkdir -p "$work/src/build"
	(cd "$work/src/build" && ../musl/configure -q --prefix="$dest/musl" --target="$BOARD_TRIPLET" \
		--disable-shared CROSS_COMPILE="$BOARD_TRIPLET-" CFLAGS="$BOARD_CFLAGS" > /dev/null &&
		make -s -j"$(nproc)" > "$work/src/build.log" 2>&1 &&
		make -s install DESTDIR="$work/staging" > /dev/null 2>&1) || {
		tail -n 20 "$work/src/build.log" >&2; die "musl build failed"; }
	mv "$work/staging$dest/musl" "$work/musl"
	musl_version="$(cat "$work/src/musl/VERSION") (source)"
	;;
*) die "BOARD_MUSL must be deb:<arch> or src, not '$BOARD_MUSL'" ;;
esac
rm -rf "$work/apt" "$work/root" "$work/src" "$work/staging" "$work"/*.deb

# 4. Kernel uapi headers: only linux/, asm/, asm-generic/ of the cross toolchain (glibc-free).
k=/usr/$BOARD_TRIPLET/include
[ -d "$k/asm" ] || k=/usr/include # the host's own architecture
mkdir -p "$work/kinc"
for d in linux asm asm-generic; do
	src=$k/$d
	[ "$d" = asm ] && [ ! -d "$src" ] && src=/usr/include/$BOARD_TRIPLET/asm
	[ -d "$src" ] || die "kernel headers $src missing (linux-libc-dev-*-cross?)"
	ln -sfn "$src" "$work/kinc/$d"
done

# 5. gcc specs pointing at this sysroot (the format of musl's own musl-gcc.specs).
cat > "$work/musl-gcc.specs" <<EOF
%rename cpp_options old_cpp_options

*cpp_options:
-nostdinc -isystem $dest/musl/include -isystem include%s %(old_cpp_options)

*cc1:
%(cc1_cpu) -nostdinc -isystem $dest/musl/include -isystem include%s

*link_libgcc:
-L$dest/musl/lib -L .%s

*libgcc:
libgcc.a%s %:if-exists(libgcc_eh.a%s)

*startfile:
%{!shared: $dest/musl/lib/Scrt1.o} $dest/musl/lib/crti.o crtbeginS.o%s

*endfile:
crtendS.o%s $dest/musl/lib/crtn.o

*link:
-nostdlib %{shared:-shared} %{static:-static} %{rdynamic:-export-dynamic}

EOF

# 6. Check: a static hello world must link.
printf '#include <stdio.h>\n#include <linux/seccomp.h>\nint main(void){return printf("%%d\\n", SECCOMP_RET_ALLOW != 0) < 0;}\n' > "$work/hello.c"
sed "s|$dest|$work|g" "$work/musl-gcc.specs" > "$work/check.specs"
# shellcheck disable=SC2086 # one word per flag
"$BOARD_TRIPLET-gcc" -specs "$work/check.specs" -isystem "$work/kinc" $BOARD_CFLAGS -static -Os \
	-o "$work/hello" "$work/hello.c" || die "the new toolchain cannot link a static program"
rm -f "$work/hello" "$work/hello.c" "$work/check.specs"

rm -rf "$dest"
mv "$work" "$dest"
echo "$BOARD_TRIPLET-gcc $("$BOARD_TRIPLET-gcc" -dumpfullversion), musl $musl_version" > "$dest/toolchain.txt"
touch "$dest/.stamp"
log "ready: $(cat "$dest/toolchain.txt")"
