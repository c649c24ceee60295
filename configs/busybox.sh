# Sourced by configs/demo/demo.sh and configs/example.sh (`make demo`, `make example`).
# need_busybox WHO: sets BB to a static busybox. Debian's busybox-static is installed when
# missing if we run as root on Debian (saying so); otherwise says exactly what to install
# and exits.
need_busybox() {
	if command -v dpkg-query > /dev/null &&
		! dpkg-query -W -f='${Status}\n' busybox-static 2>/dev/null | grep -q '^install ok installed'; then
		if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
			echo "$1: installing Debian's busybox-static (apt-get install --no-install-recommends busybox-static)"
			{ apt-get update -qq &&
				DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends busybox-static
			} < /dev/null > /tmp/ctr-apt-busybox.log 2>&1 ||
				{ tail -n 5 /tmp/ctr-apt-busybox.log >&2; echo "$1: could not install busybox-static" >&2; exit 1; }
		else
			echo "$1: needs Debian's busybox-static; as root: apt-get install --no-install-recommends busybox-static" >&2
			exit 1
		fi
	fi
	BB=$(command -v busybox) || {
		echo "$1: needs a static busybox in PATH (Debian: apt-get install busybox-static)" >&2
		exit 1
	}
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
