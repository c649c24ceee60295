#!/bin/sh
# Integration tests of the rootfs section: real busybox containers, checked from inside
# (mountinfo, read-only-ness, masked and read-only paths, devices, --no-pivot,
# root.readonly, propagation, idmap, cgroup mounts).
. "$(dirname "$0")/lib.sh"

NAMES="rootfs_mountinfo rootfs_masked rootfs_readonly_paths rootfs_ro_bind rootfs_rw_bind
rootfs_file_bind rootfs_tmpfs_size rootfs_tmpfs_mode rootfs_tmpcopyup rootfs_devices rootfs_linux_devices
rootfs_dev_symlinks rootfs_root_readonly rootfs_no_pivot rootfs_propagation rootfs_rro
rootfs_idmap rootfs_cgroup rootfs_no_dev_mount rootfs_bad_mount_error"
need_root $NAMES

B=$T_TMP/bundle
H=$T_TMP/host
OUT=$T_TMP/out

need_bundle "$B"
mkdir -p "$H/data" "$H/rec/sub"
echo hello > "$H/data/hello"
echo file > "$H/file"
# (ambient capabilities are left out: they are not what these tests are about)
set_config "$B" "c['process']['terminal']=False; c['root']['readonly']=False; c['process']['args']=['/bin/sh','/t.sh']; c['process']['capabilities'].pop('ambient', None)"
cp "$B/config.json" "$B/config.base"

# cfg [PYTHON]: the base config plus the given changes (python on `c`)
cfg() { cp "$B/config.base" "$B/config.json"; [ -z "${1:-}" ] || set_config "$B" "$1"; }
# run NAME [RUN FLAGS]: run /t.sh (from stdin) in a fresh container; output in $OUT
run() {
	n=$1; shift
	cat > "$B/rootfs/t.sh"
	timeout 60 "$CTR" --root "$ROOT" run -b "$B" "$@" "$(new_id "$n")" > "$OUT" 2>&1 < /dev/null
}
has() { grep -q -- "$1" "$OUT"; }
# mnt POINT: the mountinfo line(s) of a mount point, from the output of `cat mountinfo`
mnt() { awk -v p="$1" '$5 == p' "$OUT"; }

cfg
echo 'echo ok' | run probe
if ! has '^ok$'; then
	fail_all "ctr run fails: $(head -c 300 "$OUT" | tr '\n' ' ')"
fi

# ---- the default config's mounts, as mountinfo shows them inside ----
cfg
echo 'cat /proc/self/mountinfo' | run mi
if mnt /dev | grep -q ' - tmpfs ' && mnt /dev | grep -q 'nosuid' && mnt /dev | grep -q 'size=65536k' &&
	mnt /dev | grep -q 'mode=755' && mnt /dev/pts | grep -q ' - devpts .*ptmxmode=666' &&
	mnt /dev/shm | grep -q 'nodev,noexec' && mnt /sys | grep -q '^[^ ]* [^ ]* [^ ]* [^ ]* /sys ro,' &&
	mnt /proc | grep -q ' - proc ' && mnt /sys/fs/cgroup | grep -q ' ro,' && mnt /dev/mqueue | grep -q mqueue; then
	pass rootfs_mountinfo
else
	fail "rootfs_mountinfo: $(head -c 2000 "$OUT")"
fi

# ---- maskedPaths (default list) ----
cfg
run masked <<'EOF'
[ -e /proc/timer_list ] && { [ -s /proc/timer_list ] && echo timer_list-readable || echo timer_list-masked; }
[ -e /proc/keys ] && { [ -s /proc/keys ] && echo keys-readable || echo keys-masked; }
echo firmware=$(ls -A /sys/firmware | wc -l)
touch /sys/firmware/x 2>/dev/null && echo firmware-writable
grep -q ' /sys/firmware ro,.* - tmpfs ' /proc/self/mountinfo && echo firmware-tmpfs-ro
EOF
if has firmware=0 && has firmware-tmpfs-ro && ! has readable && ! has firmware-writable; then
	pass rootfs_masked
else
	fail "rootfs_masked: $(cat "$OUT")"
fi

# ---- readonlyPaths ----
cfg
run ro_paths <<'EOF'
echo x > /proc/sys/kernel/hostname 2>/dev/null && echo sys-writable
grep -q ' /proc/sys ro,' /proc/self/mountinfo && echo sys-ro
cat /proc/sys/kernel/ostype
EOF
if has sys-ro && has Linux && ! has sys-writable; then pass rootfs_readonly_paths
else fail "rootfs_readonly_paths: $(cat "$OUT")"; fi

# ---- bind mounts ----
cfg "c['mounts'].append({'destination':'/mnt/ro','type':'bind','source':'$H/data','options':['rbind','ro','nosuid']})"
run ro_bind <<'EOF'
cat /mnt/ro/hello
touch /mnt/ro/new 2>&1 | grep -qi 'read-only' && echo erofs
grep ' /mnt/ro ' /proc/self/mountinfo
EOF
if has '^hello$' && has erofs && mnt /mnt/ro | grep -q ' ro,nosuid' && [ ! -e "$H/data/new" ]; then
	pass rootfs_ro_bind
else
	fail "rootfs_ro_bind: $(cat "$OUT")"
fi

cfg "c['mounts'].append({'destination':'/mnt/rw','type':'bind','source':'$H/data','options':['bind','noexec']})"
echo 'echo made > /mnt/rw/made && grep " /mnt/rw " /proc/self/mountinfo' | run rw_bind
if [ "$(cat "$H/data/made" 2>/dev/null)" = made ] && mnt /mnt/rw | grep -q ' rw,noexec'; then
	pass rootfs_rw_bind
else
	fail "rootfs_rw_bind: $(cat "$OUT")"
fi
rm -f "$H/data/made"

cfg "c['mounts'].append({'destination':'/etc/created/file','type':'bind','source':'$H/file','options':['bind','ro']})"
echo 'cat /etc/created/file; echo x >> /etc/created/file 2>/dev/null || echo erofs' | run file_bind
if has '^file$' && has erofs && [ "$(cat "$H/file")" = file ]; then pass rootfs_file_bind
else fail "rootfs_file_bind: $(cat "$OUT")"; fi

# ---- tmpfs with data options ----
cfg "c['mounts'].append({'destination':'/mnt/t','type':'tmpfs','source':'tmpfs','options':['nosuid','nodev','noexec','size=2m','mode=1777']})"
run tmpfs <<'EOF'
df -k /mnt/t | tail -1
stat -c 'mode=%a' /mnt/t
cat /proc/self/mountinfo
EOF
if grep -q ' 2048 ' "$OUT" && mnt /mnt/t | grep -q 'size=2048k'; then pass rootfs_tmpfs_size
else fail "rootfs_tmpfs_size: $(head -c 600 "$OUT")"; fi
if has 'mode=1777' && mnt /mnt/t | grep -q 'nosuid,nodev,noexec'; then pass rootfs_tmpfs_mode
else fail "rootfs_tmpfs_mode: $(head -c 600 "$OUT")"; fi

# tmpcopyup (runc's extension, podman's default for tmpfs): the tmpfs starts with the
# files it covers, and writes stay in it
cfg "c['mounts'].append({'destination':'/etc','type':'tmpfs','source':'tmpfs','options':['tmpcopyup','mode=755']})"
echo 'head -1 /etc/passwd; echo new > /etc/newfile && echo written' | run copyup
if has '^root:x:0:0' && has written && [ ! -e "$B/rootfs/etc/newfile" ]; then pass rootfs_tmpcopyup
else fail "rootfs_tmpcopyup: $(cat "$OUT")"; fi

# ---- devices ----
cfg
run devices <<'EOF'
for d in null zero full random urandom tty; do stat -c "$d %F %t:%T %a" /dev/$d; done
echo x > /dev/null && echo null-ok
head -c 4 /dev/zero | od -An -tx1
EOF
if has 'null character special file 1:3 666' && has 'zero character special file 1:5 666' &&
	has 'full character special file 1:7' && has 'random character special file 1:8' &&
	has 'urandom character special file 1:9' && has 'tty character special file 5:0' &&
	has null-ok && has '00 00 00 00'; then
	pass rootfs_devices
else
	fail "rootfs_devices: $(cat "$OUT")"
fi

cfg "c['linux']['devices']=[{'path':'/dev/mydev','type':'c','major':1,'minor':5,'fileMode':0o600,'uid':1,'gid':2},{'path':'/dev/sub/dir/fifo','type':'p','fileMode':0o644}]"
echo 'stat -c "%n %F %t:%T %a %u:%g" /dev/mydev /dev/sub/dir/fifo' | run linux_devices
if has '/dev/mydev character special file 1:5 600 1:2' && has '/dev/sub/dir/fifo fifo 0:0 644 0:0'; then
	pass rootfs_linux_devices
else
	fail "rootfs_linux_devices: $(cat "$OUT")"
fi

cfg
echo 'for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done' | run dev_symlinks
if has 'fd -> /proc/self/fd' && has 'stdin -> /proc/self/fd/0' && has 'stdout -> /proc/self/fd/1' &&
	has 'stderr -> /proc/self/fd/2' && has 'ptmx -> pts/ptmx'; then
	pass rootfs_dev_symlinks
else
	fail "rootfs_dev_symlinks: $(cat "$OUT")"
fi

# ---- root.readonly ----
cfg "c['root']['readonly']=True; c['mounts'].append({'destination':'/tmp','type':'tmpfs','source':'tmpfs','options':['size=1m']})"
run root_ro <<'EOF'
touch /x 2>/dev/null && echo root-writable
touch /tmp/x && echo tmp-ok
grep -q '^[^ ]* [^ ]* [^ ]* [^ ]* / ro,' /proc/self/mountinfo && echo root-ro
EOF
if has root-ro && has tmp-ok && ! has root-writable && [ ! -e "$B/rootfs/x" ]; then pass rootfs_root_readonly
else fail "rootfs_root_readonly: $(cat "$OUT")"; fi

# ---- --no-pivot ----
cfg
run no_pivot --no-pivot <<'EOF'
head -1 /etc/passwd
ls /proc/self/fd >/dev/null && echo proc-ok
# the host's proc and sysfs are gone: no proc/sysfs mounts but the container's own
grep -E ' - (proc|sysfs) ' /proc/self/mountinfo | awk '$5 !~ /^\/(proc|sys)(\/|$)/ {print "stray", $5}'
EOF
if has '^root:x:0:0' && has proc-ok && ! has stray; then
	pass rootfs_no_pivot
else
	fail "rootfs_no_pivot: $(cat "$OUT")"
fi

# ---- linux.rootfsPropagation ----
cfg "c['linux']['rootfsPropagation']='shared'"
echo 'grep "^[^ ]* [^ ]* [^ ]* [^ ]* / " /proc/self/mountinfo' | run propagation
if has ' shared:'; then pass rootfs_propagation
else fail "rootfs_propagation: $(cat "$OUT")"; fi

# ---- rro: recursively read-only bind (mount_setattr) ----
if mount -t tmpfs -o size=1m tmpfs "$H/rec/sub" 2>/dev/null; then
	cfg "c['mounts'].append({'destination':'/mnt/rec','type':'bind','source':'$H/rec','options':['rbind','rro']})"
	echo 'touch /mnt/rec/sub/x 2>/dev/null && echo sub-writable; touch /mnt/rec/y 2>/dev/null && echo top-writable; echo done' | run rro
	if has done && ! has writable; then pass rootfs_rro
	elif grep -q 'mount_setattr' "$OUT"; then skip "rootfs_rro: no mount_setattr here"
	else fail "rootfs_rro: $(cat "$OUT")"; fi
	umount "$H/rec/sub"
else
	skip "rootfs_rro: cannot mount a tmpfs"
fi

# ---- idmap ----
cfg "c['mounts'].append({'destination':'/mnt/idm','type':'bind','source':'$H/data','options':['bind','idmap'],
  'uidMappings':[{'containerID':0,'hostID':1000,'size':1}],'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]})"
echo 'stat -c "owner=%u:%g" /mnt/idm/hello' | run idmap
if has 'owner=1000:1000'; then pass rootfs_idmap
elif grep -q 'idmap' "$OUT"; then skip "rootfs_idmap: $(head -c 200 "$OUT")"
else fail "rootfs_idmap: $(cat "$OUT")"; fi

# ---- cgroup mount ----
cfg
echo 'ls /sys/fs/cgroup; touch /sys/fs/cgroup/x 2>/dev/null && echo cg-writable' | run cgroup
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	if has cgroup.controllers && ! has cg-writable; then pass rootfs_cgroup
	else fail "rootfs_cgroup: $(cat "$OUT")"; fi
else
	want=$(ls /sys/fs/cgroup | grep -v , | head -1)
	if has "^$want\$" && ! has cg-writable; then pass rootfs_cgroup
	else fail "rootfs_cgroup: expected $want: $(cat "$OUT")"; fi
fi

# ---- no /dev mount: the rootfs' /dev is left as it is ----
cfg "c['mounts']=[m for m in c['mounts'] if not m['destination'].startswith('/dev')]"
echo 'ls -A /dev | wc -l' | run no_dev
if [ "$(cat "$OUT")" = 0 ] && [ -z "$(ls -A "$B/rootfs/dev")" ]; then pass rootfs_no_dev_mount
else fail "rootfs_no_dev_mount: $(cat "$OUT")"; fi

# ---- a failing mount: clear error, nothing left behind ----
cfg "c['mounts'].append({'destination':'/mnt/bad','type':'bind','source':'$H/does-not-exist','options':['bind']})"
before=$(grep -c "$B" /proc/self/mountinfo)
echo 'echo should-not-run' | run bad_mount
after=$(grep -c "$B" /proc/self/mountinfo)
if ! has should-not-run && has 'does-not-exist' && [ "$before" = "$after" ] &&
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]; then
	pass rootfs_bad_mount_error
else
	fail "rootfs_bad_mount_error: $(cat "$OUT"); state: $(ls -A "$ROOT" 2>/dev/null)"
fi
exit 0
