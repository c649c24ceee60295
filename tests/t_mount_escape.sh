#!/bin/sh
# Integration tests: a container's rootfs must never send a mount, mkdir or mknod outside
# itself (symlinks, "..", /proc and /sys symlinks), and a chroot escape from inside a
# container (with pivot_root and with --no-pivot) must not reach the host.
. "$(dirname "$0")/lib.sh"

NAMES="escape_symlink_mount escape_symlink_bind escape_dotdot_dest escape_device
escape_proc_symlink escape_sys_symlink escape_proc_leftovers escape_chroot_pivot
escape_chroot_no_pivot escape_no_mounts_left"
need_root $NAMES

B=$T_TMP/bundle
H=$T_TMP/host
OUT=$T_TMP/out
TAG=ctr-esc-$$
# what a failed test could have left on the host
at_exit "rmdir /tmp/$TAG-m /etc/$TAG-b /tmp/$TAG-dd 2>/dev/null; rm -f /tmp/$TAG-dev"

need_bundle "$B"
mkdir -p "$H/data"
echo hello > "$H/data/hello"
echo marker > "$H/marker"
ln -s / "$B/rootfs/evil"
ln -s /etc "$B/rootfs/hostetc"
# (ambient capabilities are left out: they are not what these tests are about)
set_config "$B" "c['process']['terminal']=False; c['root']['readonly']=False; c['process']['args']=['/bin/sh','/t.sh']; c['process']['capabilities'].pop('ambient', None)"
cp "$B/config.json" "$B/config.base"

cfg() { cp "$B/config.base" "$B/config.json"; [ -z "${1:-}" ] || set_config "$B" "$1"; }
run() {
	n=$1; shift
	cat > "$B/rootfs/t.sh"
	timeout 60 "$CTR" --root "$ROOT" run -b "$B" "$@" "$(new_id "$n")" > "$OUT" 2>&1 < /dev/null
}
has() { grep -q -- "$1" "$OUT"; }

cfg
echo 'echo ok' | run probe
has '^ok$' || fail_all "ctr run fails: $(head -c 300 "$OUT" | tr '\n' ' ')"
mounts_before=$(grep -c "$T_TMP" /proc/self/mountinfo)

# a tmpfs whose destination goes through evil -> /
cfg "c['mounts'].append({'destination':'/evil/tmp/$TAG-m','type':'tmpfs','source':'tmpfs','options':['size=16k']})"
echo "grep -c ' /tmp/$TAG-m ' /proc/self/mountinfo" | run symlink_mount
if [ "$(cat "$OUT")" = 1 ] && [ ! -e "/tmp/$TAG-m" ] && [ -d "$B/rootfs/tmp/$TAG-m" ]; then
	pass escape_symlink_mount
else
	fail "escape_symlink_mount: $(cat "$OUT"); host: $(ls -d /tmp/$TAG-m 2>&1)"
fi

# a bind whose destination goes through hostetc -> /etc
cfg "c['mounts'].append({'destination':'/hostetc/$TAG-b','type':'bind','source':'$H/data','options':['bind']})"
echo "ls /etc/$TAG-b" | run symlink_bind
if has '^hello$' && [ ! -e "/etc/$TAG-b" ] && [ -d "$B/rootfs/etc/$TAG-b" ]; then
	pass escape_symlink_bind
else
	fail "escape_symlink_bind: $(cat "$OUT"); host: $(ls -d /etc/$TAG-b 2>&1)"
fi

# ".." in a destination stops at the container's root
cfg "c['mounts'].append({'destination':'/../../../../../tmp/$TAG-dd','type':'tmpfs','source':'tmpfs'})"
echo "grep -c ' /tmp/$TAG-dd ' /proc/self/mountinfo" | run dotdot
if [ "$(cat "$OUT")" = 1 ] && [ ! -e "/tmp/$TAG-dd" ]; then pass escape_dotdot_dest
else fail "escape_dotdot_dest: $(cat "$OUT")"; fi

# a device node through evil -> / lands in the rootfs' own /tmp
cfg "c['linux']['devices']=[{'path':'/evil/tmp/$TAG-dev','type':'c','major':1,'minor':3}]"
echo "stat -c '%F %t:%T' /tmp/$TAG-dev" | run device
if has 'character special file 1:3' && [ ! -e "/tmp/$TAG-dev" ]; then pass escape_device
else fail "escape_device: $(cat "$OUT")"; fi

# /proc (and /sys) as a symlink in the rootfs: refused with a clear error
host_tmp_mounts=$(grep -c ' /tmp ' /proc/self/mountinfo)
mv "$B/rootfs/proc" "$B/rootfs/proc.real"
ln -s /tmp "$B/rootfs/proc"
cfg
echo 'echo should-not-run' | run proc_symlink
if ! has should-not-run && has 'symlink' && has '/proc'; then pass escape_proc_symlink
else fail "escape_proc_symlink: $(cat "$OUT")"; fi
if [ "$(grep -c ' /tmp ' /proc/self/mountinfo)" = "$host_tmp_mounts" ] &&
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ] && [ "$(grep -c "$T_TMP" /proc/self/mountinfo)" = "$mounts_before" ]; then
	pass escape_proc_leftovers
else
	fail "escape_proc_leftovers: state: $(ls -A "$ROOT" 2>/dev/null); mounts: $(grep "$T_TMP" /proc/self/mountinfo)"
fi
rm "$B/rootfs/proc"
mv "$B/rootfs/proc.real" "$B/rootfs/proc"

mv "$B/rootfs/sys" "$B/rootfs/sys.real"
ln -s /tmp "$B/rootfs/sys"
cfg
echo 'echo should-not-run' | run sys_symlink
if ! has should-not-run && has 'symlink' && has '/sys'; then pass escape_sys_symlink
else fail "escape_sys_symlink: $(cat "$OUT")"; fi
rm "$B/rootfs/sys"
mv "$B/rootfs/sys.real" "$B/rootfs/sys"

# the chroot escape (needs CAP_SYS_CHROOT in the container)
if { command -v musl-gcc >/dev/null && musl-gcc -static -Os -o "$B/rootfs/escape" "$TOP/tests/rootfs/escape.c"; } 2>/dev/null ||
	gcc -static -Os -o "$B/rootfs/escape" "$TOP/tests/rootfs/escape.c" 2>/dev/null; then
	caps="for k in ['bounding','effective','permitted']: c['process']['capabilities'][k].append('CAP_SYS_CHROOT')"
	cfg "$caps; c['mounts'].append({'destination':'/tmp','type':'tmpfs','source':'tmpfs'})"
	echo "/escape $H/marker /tmp" | run chroot_pivot
	if has '^CONTAINED$'; then pass escape_chroot_pivot
	else fail "escape_chroot_pivot: $(cat "$OUT")"; fi
	echo "/escape $H/marker /tmp" | run chroot_no_pivot --no-pivot
	if has '^CONTAINED$'; then pass escape_chroot_no_pivot
	else fail "escape_chroot_no_pivot: $(cat "$OUT")"; fi
else
	skip "escape_chroot_pivot: cannot build a static helper"
	skip "escape_chroot_no_pivot: cannot build a static helper"
fi

if [ "$(grep -c "$T_TMP" /proc/self/mountinfo)" = "$mounts_before" ] && [ -z "$(ls -A "$ROOT" 2>/dev/null)" ]; then
	pass escape_no_mounts_left
else
	fail "escape_no_mounts_left: $(grep "$T_TMP" /proc/self/mountinfo); state: $(ls -A "$ROOT" 2>/dev/null)"
fi
exit 0
