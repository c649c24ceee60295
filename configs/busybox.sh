# Sourced by configs/demo/demo.sh and configs/example.sh (`make demo`, `make example`).

# need_busybox WHO: sets BB to the static busybox of Debian's busybox-static (the make
# targets install it first as root on Debian: tests/packages.sh), or says what to install.
need_busybox() {
	BB=$(command -v busybox) && return 0
	echo "$1: needs Debian's busybox-static; as root: apt-get install --no-install-recommends busybox-static" >&2
	exit 1
}

# busybox_rootfs DIR: a busybox tree (every applet a symlink) with root, www (1000) and nobody
busybox_rootfs() {
	mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/etc" "$1/tmp" "$1/root"
	cp "$BB" "$1/bin/busybox"
	for a in $("$BB" --list); do
		[ -e "$1/bin/$a" ] || ln -s busybox "$1/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nwww:x:1000:1000:www:/www:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$1/etc/passwd"
	printf 'root:x:0:\nwww:x:1000:\nnogroup:x:65534:\n' > "$1/etc/group"
}

# need_root WHO COMMAND: exit with how to run COMMAND as root unless we are root
need_root() {
	[ "$(id -u)" = 0 ] && return 0
	echo "$1: needs root: run \`$2\` as root, or \`sudo $2\`" >&2
	exit 1
}
