#!/bin/sh
# The in-guest test suite of an emulated board (busybox sh; run by boards/qemu/init).
# Usage: suite.sh PHASE   where PHASE names the situation the init set up:
#   initramfs  / is the initramfs (pivot_root cannot work: ctr must fall back safely)
#   nocgroup   / is the initramfs and no cgroup filesystem is mounted at all
#   switched   after switch_root into a tmpfs (pivot_root works)
# Prints "PASS|FAIL|SKIP PHASE/name[: why]" per check. Environment: SECCOMP_ARCH (the
# guest's SCMP_ARCH_* name), HOST_MARKER (a file on the guest's / that no container may see).
PHASE=${1:?usage: suite.sh PHASE}
CTR=/bin/ctr
BB=/bin/busybox
W=/tmp/suite-$PHASE
ROOT=$W/state
rm -rf "$W"
mkdir -p "$W"
ids=""
# no cgroup filesystem: do not ask for one inside the containers either
[ "$PHASE" = nocgroup ] && MNT_CG=0 && export MNT_CG

pass() { echo "PASS $PHASE/$*"; }
fail() { echo "FAIL $PHASE/$*"; }
skip() { echo "SKIP $PHASE/$*"; }
oneline() { tr -d '\r' | tr '\n' '|' | cut -c1-300; }
cleanup() { for i in $ids; do "$CTR" --root "$ROOT" delete -f "$i" > /dev/null 2>&1; done; }
trap cleanup EXIT
status() { "$CTR" --root "$ROOT" state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
wait_status() { # ID STATUS: up to 10 s
	t=100
	while [ "$t" -gt 0 ]; do [ "$(status "$1")" = "$2" ] && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}

# The container rootfs: the guest's own busybox.
# (a copy of /rootfs, which run.sh packed: linking 400 applets here is slow under TCG)
RFS=$W/rootfs
mkdir -p "$RFS"
cp -a /rootfs/. "$RFS/"

# cfg DIR ARGS-JSON: write DIR/config.json from these variables (unset: defaults)
#   NS      namespaces (default: pid mount uts ipc network cgroup)
#   RO      root.readonly (default true)   CAPS   extra capability names, JSON strings
#   RES     linux.resources members        SECCOMP  linux.seccomp object
#   EXTRA   more linux members (each followed by a comma)   MNT_CG  mount /sys/fs/cgroup (1)
cfg() {
	d=$1 args=$2
	mkdir -p "$d"
	ln -sfn "$RFS" "$d/rootfs"
	nsj="" sep=""
	for t in ${NS-pid mount uts ipc network cgroup}; do nsj="$nsj$sep{\"type\": \"$t\"}"; sep=", "; done
	caps="\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"${CAPS:+, $CAPS}"
	res="" sec="" cgm=""
	[ -n "${RES-}" ] && res="\"resources\": {$RES},"
	[ -n "${SECCOMP-}" ] && sec="\"seccomp\": $SECCOMP,"
	[ "${MNT_CG-1}" = 1 ] && cgm=',
		{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "ro"]}'
	cat > "$d/config.json" <<EOF
{
	"ociVersion": "1.3.0",
	"process": {
		"terminal": false,
		"user": {"uid": 0, "gid": 0},
		"args": $args,
		"env": ["PATH=/bin", "HOME=/"],
		"cwd": "/",
		"capabilities": {"bounding": [$caps], "effective": [$caps], "permitted": [$caps]},
		"noNewPrivileges": true
	},
	"root": {"path": "rootfs", "readonly": ${RO-true}},
	"hostname": "guestctr",
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755", "size=64k"]},
		{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "size=1m"]},
		{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}$cgm
	],
	"linux": {
		${EXTRA-}
		$res
		$sec
		"namespaces": [$nsj],
		"maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list"],
		"readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]
	}
}
EOF
}
# run ID BUNDLE [ctr run flags]: foreground run; sets $out (stdout+stderr) and $rc
run() {
	id=$1 b=$2; shift 2
	ids="$ids $id"
	out=$(cd "$b" && "$CTR" --root "$ROOT" run "$@" --bundle "$b" "$id" < /dev/null 2>&1)
	rc=$?
}

# ---- the situation under test: pivot_root is impossible on the initramfs, fine after switch_root ----
mkdir -p "$W/pr/old"
pr=$(unshare -m sh -c "mount --make-rprivate / 2>/dev/null; mount --bind $W/pr $W/pr && cd $W/pr && pivot_root . old && echo pivoted" 2>&1)
case $PHASE/$pr in
initramfs/*pivoted* | nocgroup/*pivoted*) fail "setup: pivot_root works on this initramfs root?! ($pr)" ;;
initramfs/* | nocgroup/*) pass "setup: / is $(stat -f -c %T /), pivot_root fails there ($(echo "$pr" | tail -n 1))" ;;
*/*pivoted*) pass "setup: / is $(stat -f -c %T /) after switch_root, pivot_root works" ;;
*) fail "setup: pivot_root fails after switch_root: $pr" ;;
esac

# ---- basics ----
if v=$("$CTR" --version 2>&1); then pass "ctr --version: $(echo "$v" | head -n 1)"; else fail "ctr --version: $v"; fi
mkdir -p "$W/spec/rootfs" && cp -a "$RFS/." "$W/spec/rootfs/"
if (cd "$W/spec" && "$CTR" spec) && o=$("$CTR" check --bundle "$W/spec" 2>&1); then
	pass "ctr spec + ctr check"
else
	fail "ctr spec + ctr check: $o"
fi

cfg "$W/b-run" '["sh", "-c", "echo out-$(hostname)-$$; exit 7"]'
run r1 "$W/b-run"
if [ "$rc" = 7 ] && [ "$out" = "out-guestctr-1" ]; then pass "ctr run (exit status, hostname, pid 1)"; else fail "ctr run: exit $rc, '$(echo "$out" | oneline)'"; fi

# ---- namespaces: every one differs from the guest's ----
cfg "$W/b-ns" '["sh", "-c", "for n in pid mnt uts ipc net cgroup; do readlink /proc/self/ns/$n; done"]'
run ns "$W/b-ns"
same=""
for l in $out; do
	t=${l%%:*}
	[ "$t" = mnt ] || [ "$t" = pid ] || [ "$t" = uts ] || [ "$t" = ipc ] || [ "$t" = net ] || [ "$t" = cgroup ] || continue
	[ "$(readlink "/proc/self/ns/$t")" = "$l" ] && same="$same $t"
done
if [ "$rc" = 0 ] && [ -z "$same" ] && [ "$(echo "$out" | grep -c ':\[')" -ge 5 ]; then
	pass "namespaces $(echo "$out" | sed 's/:.*//' | tr '\n' ' ')are new"
else
	fail "namespaces: shared with the guest:$same (exit $rc, '$(echo "$out" | oneline)')"
fi

# ---- the root: the guest's /, /proc, /sys stay out of reach ----
cat > "$RFS/t-root.sh" <<EOF
ls /$HOST_MARKER /../$HOST_MARKER /../../$HOST_MARKER 2>/dev/null && echo SEEN-ROOT
cd /..; cd ..; ls $HOST_MARKER 2>/dev/null && echo SEEN-DOTDOT
[ "\$(cat /proc/1/comm)" = sh ] || echo SEEN-PROC
ls /sys/class/net | grep -q ctrhostdev && echo SEEN-SYS
ctr-escape /$HOST_MARKER | grep -v no-chroot
echo checked
EOF
cp /bin/ctr-escape "$RFS/bin/"
for mode in "" --no-pivot; do
	[ "$PHASE" = nocgroup ] && [ -n "$mode" ] && continue
	cfg "$W/b-root" '["sh", "/t-root.sh"]'
	run "root$mode" "$W/b-root" $mode
	if [ "$rc" = 0 ] && [ "$out" = checked ]; then
		pass "root${mode:- (pivot or fallback)}: no way to the guest's /, /proc, /sys"
	else
		fail "root${mode:- (pivot or fallback)}: exit $rc, '$(echo "$out" | oneline)'"
	fi
	# the classic chroot escape, tried with CAP_SYS_CHROOT: the guest's / must stay out of reach
	CAPS='"CAP_SYS_CHROOT"' cfg "$W/b-esc" "[\"ctr-escape\", \"/$HOST_MARKER\"]"
	run "esc$mode" "$W/b-esc" $mode
	if [ "$rc" = 0 ] && [ "$out" = contained ]; then
		pass "root${mode:- (pivot or fallback)}: chroot escape with CAP_SYS_CHROOT fails"
	else
		fail "root${mode:- (pivot or fallback)}: chroot escape with CAP_SYS_CHROOT: exit $rc, '$(echo "$out" | oneline)'"
	fi
done

# ---- lifecycle: create, state, start, kill, delete ----
if [ "$PHASE" != nocgroup ]; then
cfg "$W/b-life" '["sleep", "300"]'
id=life
ids="$ids $id"
# (stdio to a file: the container keeps it open, a $(...) pipe would never see EOF)
if (cd "$W/b-life" && "$CTR" --root "$ROOT" create --bundle "$W/b-life" "$id" < /dev/null > "$W/create.log" 2>&1) &&
	[ "$(status $id)" = created ]; then
	pass "create -> created"
	if "$CTR" --root "$ROOT" start "$id" > /dev/null 2>&1 && [ "$(status $id)" = running ]; then
		pass "start -> running"
	else
		fail "start: status $(status $id)"
	fi
	if [ "$PHASE" = nocgroup ]; then
		skip "pause/resume: no cgroup filesystem"
	elif "$CTR" --root "$ROOT" pause "$id" > "$W/o" 2>&1 && [ "$(status $id)" = paused ] &&
		"$CTR" --root "$ROOT" resume "$id" >> "$W/o" 2>&1 && [ "$(status $id)" = running ]; then
		pass "pause -> paused, resume -> running"
	else
		fail "pause/resume: $(oneline < "$W/o") status $(status $id)"
	fi
	if o=$("$CTR" --root "$ROOT" exec "$id" sh -c 'echo exec-$(hostname)-$$' 2>&1) &&
		case $o in exec-guestctr-1) false ;; exec-guestctr-*) true ;; *) false ;; esac; then
		pass "exec in the running container"
	else
		fail "exec: '$(echo "$o" | oneline)'"
	fi
	if "$CTR" --root "$ROOT" kill "$id" KILL > "$W/o" 2>&1 && wait_status "$id" stopped; then
		pass "kill -> stopped"
	else
		fail "kill: $(oneline < "$W/o") status $(status $id)"
	fi
	if "$CTR" --root "$ROOT" delete "$id" > "$W/o" 2>&1 && ! "$CTR" --root "$ROOT" state "$id" > /dev/null 2>&1; then
		pass "delete -> gone"
	else
		fail "delete: $(oneline < "$W/o")"
	fi
else
	fail "create: '$(oneline < "$W/create.log")' status $(status $id)"
fi

fi

# ---- seccomp with the guest's own architecture ----
if [ "$PHASE" != nocgroup ]; then
SECCOMP="{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"$SECCOMP_ARCH\"], \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}, {\"names\": [\"sethostname\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}]}" \
	cfg "$W/b-sc" '["sh", "-c", "mkdir /tmp/d 2>&1; touch /tmp/f && echo touched; exec hostname seccomp-test"]'
run sc "$W/b-sc"
sys=$(kill -l SYS)
# (sethostname without CAP_SYS_ADMIN would fail with EPERM and a message: killed, it says nothing)
if [ "$rc" = $((128 + sys)) ] && echo "$out" | grep -q 'Operation not permitted' && echo "$out" | grep -q touched &&
	! echo "$out" | grep -q sethostname; then
	pass "seccomp ($SECCOMP_ARCH): mkdir denied with EPERM, sethostname kills (status $rc)"
else
	fail "seccomp ($SECCOMP_ARCH): exit $rc (want $((128 + sys))), '$(echo "$out" | oneline)'"
fi
fi

# ---- cgroup v2 limits ----
if [ "$PHASE" = nocgroup ]; then
	cfg "$W/b-nocg" '["echo", "no-cgroup-ok"]'
	run nocg "$W/b-nocg"
	if [ "$rc" = 0 ] && [ "$out" = no-cgroup-ok ]; then pass "no cgroupfs: a container without linux.resources runs"; else fail "no cgroupfs: plain container: exit $rc, '$(echo "$out" | oneline)'"; fi
	RES='"memory": {"limit": 16777216}' cfg "$W/b-nocg2" '["echo", "should-not-run"]'
	run nocg2 "$W/b-nocg2"
	if [ "$rc" != 0 ] && ! echo "$out" | grep -q should-not-run && echo "$out" | grep -qi cgroup; then
		pass "no cgroupfs: linux.resources is refused: $(echo "$out" | head -n 1)"
	else
		fail "no cgroupfs: linux.resources: exit $rc, '$(echo "$out" | oneline)'"
	fi
else
	RES='"memory": {"limit": 16777216, "swap": 16777216}' cfg "$W/b-mem" '["sh", "-c", "cat /sys/fs/cgroup/memory.max; dd if=/dev/zero of=/dev/null bs=4M count=1 2>/dev/null; echo small=$?; dd if=/dev/zero of=/dev/null bs=48M count=1 2>/dev/null; echo big=$?"]'
	run mem "$W/b-mem"
	if [ "$rc" = 0 ] && [ "$(echo "$out" | tr '\n' ' ')" = "16777216 small=0 big=137 " ]; then
		pass "cgroup v2 memory.max 16 MiB: 4 MiB fits, 48 MiB is OOM-killed"
	else
		fail "cgroup v2 memory: exit $rc, '$(echo "$out" | oneline)'"
	fi
	RES='"pids": {"limit": 8}' cfg "$W/b-pids" '["sh", "-c", "cat /sys/fs/cgroup/pids.max; for i in $(seq 30); do echo $i; sleep 20 & done"]'
	run pids "$W/b-pids"
	max=$(echo "$out" | head -n 1) last=$(echo "$out" | sed 1d | grep '^[0-9]*$' | tail -n 1)
	if [ "$max" = 8 ] && [ "$last" -le 8 ] 2>/dev/null && [ "$last" -ge 4 ]; then
		pass "cgroup v2 pids.max 8: fork $last of 30 refused"
	else
		fail "cgroup v2 pids: exit $rc, '$(echo "$out" | oneline)'"
	fi
fi

if [ "$PHASE" != nocgroup ]; then
# ---- read-only rootfs ----
cfg "$W/b-ro" '["sh", "-c", "touch /x 2>&1; touch /tmp/x && echo tmp-ok"]'
run ro "$W/b-ro"
if echo "$out" | grep -q 'Read-only file system' && echo "$out" | grep -q tmp-ok && [ ! -e "$RFS/x" ]; then
	pass "read-only rootfs (tmpfs /tmp writable)"
else
	fail "read-only rootfs: exit $rc, '$(echo "$out" | oneline)'"
fi

# ---- user namespace ----
NS="user pid mount uts ipc network cgroup" MNT_CG=0 \
	EXTRA='"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}], "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],' \
	cfg "$W/b-user" '["sh", "-c", "id -u; cat /proc/self/uid_map; touch /tmp/u && echo tmp-ok"]'
run user "$W/b-user"
if [ "$rc" = 0 ] && echo "$out" | head -n 1 | grep -qx 0 && echo "$out" | grep -Eq '^ *0 +100000 +65536$' &&
	echo "$out" | grep -q tmp-ok; then
	pass "user namespace: root inside is 100000 outside"
else
	fail "user namespace: exit $rc, '$(echo "$out" | oneline)'"
fi

fi

# ---- the examples of configs/ (once: on the initramfs, the device case) ----
[ "$PHASE" = initramfs ] && mkdir -p "$W/configs" &&
CTR=$CTR BUSYBOX=$BB ROOTFS_TEMPLATE=/rootfs WORK=$W/configs CONFIGS=/configs PORT=80 sh /configs/examples.sh 2>&1 |
	sed -n "s#^\(PASS\|FAIL\|SKIP\) #\1 $PHASE/#p"
cleanup
rm -rf "$W"
