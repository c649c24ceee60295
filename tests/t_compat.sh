#!/bin/sh
# Compatibility: the OCI runtime-spec 1.3 lifecycle and state as a conformance suite would
# check them, then ctr driven unchanged by real clients: podman (conmon) and containerd's
# runc v2 shim. A client that is not installed or cannot start is SKIPped with the reason.
# Everything the clients make lives under this test's temp dir (podman storage, containerd
# root/state/socket, a private containerd namespace) and is removed on exit.
. "$(dirname "$0")/lib.sh"

need_root compat_oci compat_podman compat_containerd
[ -x "$CTR" ] || { fail "compat: $CTR not built"; exit 0; }
command -v python3 >/dev/null || { skip "compat: needs python3"; exit 0; }

X() { "$CTR" --root "$ROOT" "$@"; }
# jget FILE EXPR: evaluate a python expression on the JSON object s read from FILE.
jget() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# wait_status ID STATUS: poll `state` until STATUS (bounded: 5 s).
wait_status() {
	w=0
	while [ $w -lt 100 ]; do
		X state "$1" 2>/dev/null | grep -q "\"status\": \"$2\"" && return 0
		sleep 0.05
		w=$((w + 1))
	done
	return 1
}

# ---------------------------------------------------------------- OCI lifecycle and state
B=$T_TMP/bundle
make_bundle "$B" || { fail "compat: cannot build a bundle"; exit 0; }
HK=$T_TMP/hooks
mkdir -p "$HK"
set_config "$B" "
c['process']['terminal'] = False
c['process']['args'] = ['sleep', '300']
c['root']['readonly'] = False
c['annotations'] = {'org.example.k': 'v'}
def h(n, where): return [{'path': '/bin/sh', 'args': ['sh', '-c', 'cat > ' + where + '/' + n + '.json']}]
c['hooks'] = {n: h(n, '$HK') for n in ('createRuntime', 'prestart', 'poststart', 'poststop')}
c['hooks']['startContainer'] = h('startContainer', '/tmp')
" || { fail "compat: cannot edit config.json"; exit 0; }

id=$(new_id oci)
X create --bundle "$B" "$id" </dev/null >/dev/null 2>"$T_TMP/err"
check compat_oci_create test $? = 0
X state "$id" > "$T_TMP/s1.json" 2>/dev/null
# state: required fields and their types (runtime-spec "State").
check compat_oci_state_fields test "$(jget "$T_TMP/s1.json" "' '.join([type(s[k]).__name__ for k in ('ociVersion', 'id', 'status', 'pid', 'bundle')] + [s['id']])" 2>/dev/null)" = "str str str int str $id"
check compat_oci_state_created test "$(jget "$T_TMP/s1.json" "s['status'] == 'created' and s['pid'] > 0 and s['bundle'] == '$B' and s['ociVersion'].startswith('1.')" 2>/dev/null)" = True
check compat_oci_state_annotations test "$(jget "$T_TMP/s1.json" "s['annotations']['org.example.k']" 2>/dev/null)" = v
pid=$(jget "$T_TMP/s1.json" "s['pid']" 2>/dev/null)
# (an empty pid must fail, not become `kill -0 0`, our own process group)
case $pid in [1-9]*) ;; *) pid=none ;; esac
check compat_oci_pid_alive kill -0 "$pid"
# The user process must not run before start: the created init lives and has not exec'd sleep.
check compat_oci_not_started_before_start sh -c "comm=\$(cat /proc/$pid/comm) && [ \"\$comm\" != sleep ]"
X start "$id" 2>/dev/null
check compat_oci_start test $? = 0
check compat_oci_status_running wait_status "$id" running
check compat_oci_start_running_fails sh -c "! '$CTR' --root '$ROOT' start '$id' 2>/dev/null"
check compat_oci_delete_running_fails sh -c "! '$CTR' --root '$ROOT' delete '$id' 2>/dev/null"
check compat_oci_delete_running_kept wait_status "$id" running
X kill "$id" KILL 2>/dev/null
check compat_oci_kill_running test $? = 0
check compat_oci_status_stopped wait_status "$id" stopped
X state "$id" > "$T_TMP/s2.json" 2>/dev/null
check compat_oci_stopped_pid test "$(jget "$T_TMP/s2.json" "s['pid']" 2>/dev/null)" = 0
check compat_oci_kill_stopped_fails sh -c "! '$CTR' --root '$ROOT' kill '$id' KILL 2>/dev/null"
check compat_oci_start_stopped_fails sh -c "! '$CTR' --root '$ROOT' start '$id' 2>/dev/null"
X delete "$id" 2>/dev/null
check compat_oci_delete_stopped test $? = 0
X state "$id" >/dev/null 2>"$T_TMP/err"
rc=$?
check compat_oci_state_after_delete sh -c "[ $rc != 0 ] && grep -q 'does not exist' '$T_TMP/err'"
check compat_oci_state_unknown sh -c "! '$CTR' --root '$ROOT' state no-such-$$ 2>/dev/null"

# Hooks receive the state on stdin, with the status the spec gives each stage.
hook_ok() { # NAME STATUS FILE
	[ -s "$3" ] && test "$(jget "$3" "(s['id'], s['status'], s['bundle'], s['annotations']['org.example.k'], type(s['pid']).__name__)" 2>/dev/null)" = "('$id', '$2', '$B', 'v', 'int')"
}
check compat_oci_hook_createRuntime hook_ok createRuntime creating "$HK/createRuntime.json"
check compat_oci_hook_prestart hook_ok prestart creating "$HK/prestart.json"
check compat_oci_hook_startContainer hook_ok startContainer created "$B/rootfs/tmp/startContainer.json"
check compat_oci_hook_poststart hook_ok poststart running "$HK/poststart.json"
check compat_oci_hook_poststop hook_ok poststop stopped "$HK/poststop.json"

# A created container can be killed and deleted; a duplicate id is refused.
id2=$(new_id oci2)
X create --bundle "$B" "$id2" </dev/null >/dev/null 2>&1
p2=$(X state "$id2" 2>/dev/null | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
check compat_oci_create_duplicate_fails sh -c "! '$CTR' --root '$ROOT' create --bundle '$B' '$id2' </dev/null >/dev/null 2>&1"
X kill "$id2" KILL 2>/dev/null
check compat_oci_kill_created wait_status "$id2" stopped
X delete "$id2" 2>/dev/null
check compat_oci_delete_created sh -c "! '$CTR' --root '$ROOT' state '$id2' 2>/dev/null"
# delete of a created container without kill (runc removes it).
id3=$(new_id oci3)
X create --bundle "$B" "$id3" </dev/null >/dev/null 2>&1
p3=$(X state "$id3" 2>/dev/null | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
X delete "$id3" 2>/dev/null
# gone: no state, and the init dead (or a zombie waiting for its reaper).
gone() { ! grep -qs '^State:[[:space:]]*[A-Y]' "/proc/$1/status"; }
deleted_gone() { ! X state "$1" >/dev/null 2>&1 && gone "$2"; }
check compat_oci_delete_created_nokill deleted_gone "$id3" "${p3:-1}"
check compat_oci_invalid_id sh -c "! '$CTR' --root '$ROOT' create --bundle '$B' '../x' </dev/null >/dev/null 2>&1"
check compat_oci_delete_unknown_fails sh -c "! '$CTR' --root '$ROOT' delete no-such-$$ 2>/dev/null"
# paused is a state of its own; signals by name and number.
id4=$(new_id oci4)
X run -d --bundle "$B" "$id4" </dev/null >/dev/null 2>&1
X pause "$id4" 2>/dev/null
check compat_oci_status_paused wait_status "$id4" paused
X resume "$id4" 2>/dev/null
check compat_oci_status_resumed wait_status "$id4" running
X kill "$id4" SIGCONT 2>/dev/null && X kill "$id4" 18 2>/dev/null
check compat_oci_kill_signal_forms test $? = 0
X delete -f "$id4" 2>/dev/null
check compat_oci_delete_force sh -c "! '$CTR' --root '$ROOT' state '$id4' 2>/dev/null"
# A bad config is refused at create and leaves no container behind.
BB=$T_TMP/badbundle
mkdir -p "$BB" && ln -s "$B/rootfs" "$BB/rootfs" && echo '{"ociVersion": "1.3.0", "process": 5}' > "$BB/config.json"
id5=$(new_id oci5)
X create --bundle "$BB" "$id5" </dev/null >/dev/null 2>&1
rc=$?
check compat_oci_bad_config sh -c "[ $rc != 0 ] && ! '$CTR' --root '$ROOT' state '$id5' 2>/dev/null"
rm -f "$B/rootfs/tmp/startContainer.json"
# Killed created inits are zombies until the host's init reaps them; give it a moment
# so that later tests counting zombies do not see ours (bounded, no assertion).
w=0
while [ $w -lt 50 ] && grep -qs '^State:[[:space:]]*Z' "/proc/${p2:-0}/status" "/proc/${p3:-0}/status"; do
	sleep 0.1
	w=$((w + 1))
done

# Bind mounts keep their propagation option (podman's bind-propagation=rshared volumes),
# and the container process leads its own session and process group, as with runc
# (conmon's --timeout kills the container's process group).
B2=$T_TMP/bundle2
mkdir -p "$B2" "$T_TMP/src" && cp "$B/config.json" "$B2/config.json"
set_config "$B2" "
c['root']['path'] = '$B/rootfs'
c.pop('hooks', None)
c['linux'].pop('rootfsPropagation', None)
c['process']['args'] = ['sh', '-c', 'grep \" /m[0-9] \" /proc/self/mountinfo | cut -d\" \" -f5,7; echo pg=\$(cut -d\" \" -f5,6 /proc/self/stat)']
c['mounts'] += [{'destination': '/m1', 'type': 'bind', 'source': '$T_TMP/src', 'options': ['rbind', 'rshared']},
                {'destination': '/m2', 'type': 'bind', 'source': '$T_TMP/src', 'options': ['rbind', 'rprivate']}]
"
out=$(X run --bundle "$B2" "$(new_id prop)" </dev/null 2>&1)
echo "$out" | grep -q '^/m1 shared:'
check compat_oci_bind_rshared test $? = 0
echo "$out" | grep -q '^/m2 -$'
check compat_oci_bind_rprivate test $? = 0
# /proc/self/stat fields 5 and 6 (pgrp, session) are the pid (1) of the container's init
check compat_process_own_session test "$(echo "$out" | sed -n 's/^pg=//p')" = "1 1"

# ---------------------------------------------------------------- podman
# A busybox image tarball for both clients.
tar -C "$B/rootfs" -cf "$T_TMP/rootfs.tar" . 2>/dev/null

podman_tests() {
	if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
		skip "compat_podman: podman/conmon not installed (apt-get install podman)"
		return
	fi
	PS=$T_TMP/podman
	mkdir -p "$PS/tmp"
	P() {
		timeout 60 podman --root "$PS/root" --runroot "$PS/run" --tmpdir "$PS/tmp" \
			--storage-driver vfs --events-backend file --cgroup-manager cgroupfs \
			--runtime "$CTR" "$@"
	}
	at_exit "P rm -af -t 0 >/dev/null 2>&1; P rmi -af >/dev/null 2>&1"
	# podman's cgroupfs parent (and conmon's group in it): removed again if we made it
	if ! ls -d /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent >/dev/null 2>&1; then
		at_exit 'for d in /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent; do rmdir "$d/conmon" "$d"; done'
	fi
	if ! P import -q "$T_TMP/rootfs.tar" localhost/ctrtest-bb >/dev/null 2>"$T_TMP/perr"; then
		skip "compat_podman: podman cannot import an image: $(tail -n1 "$T_TMP/perr")"
		return
	fi
	PR="run --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
	out=$(P $PR --rm localhost/ctrtest-bb sh -c 'echo out-$((6*7)); exit 7' 2>"$T_TMP/perr")
	rc=$?
	# A podman that cannot run runc either is an environment problem, not ours.
	if [ "$out" != out-42 ] && command -v runc >/dev/null &&
		! timeout 60 podman --root "$PS/root" --runroot "$PS/run" --tmpdir "$PS/tmp" \
			--storage-driver vfs --events-backend file --cgroup-manager cgroupfs \
			--runtime "$(command -v runc)" $PR --rm localhost/ctrtest-bb true >/dev/null 2>&1; then
		skip "compat_podman: podman cannot run containers here (not with runc either): $(tail -n1 "$T_TMP/perr")"
		return
	fi
	check compat_podman_run_output test "$out" = out-42
	check compat_podman_run_exit_code test $rc = 7
	out=$(P $PR --rm localhost/ctrtest-bb /nonexistent 2>&1)
	rc=$?
	check compat_podman_run_missing_cmd sh -c "[ $rc = 127 ] && echo '$out' | grep -q nonexistent"
	name=ctrtest-$$
	P $PR -d --name "$name" localhost/ctrtest-bb sleep 300 >/dev/null 2>&1
	check compat_podman_run_detached test "$(P inspect -f '{{.State.Status}}' "$name" 2>/dev/null)" = running
	P ps --format '{{.Names}}' 2>/dev/null | grep -qx "$name"
	check compat_podman_ps test $? = 0
	out=$(P exec "$name" sh -c 'echo ex-$((6*7)); exit 3' 2>/dev/null)
	rc=$?
	check compat_podman_exec test "$out" = ex-42
	check compat_podman_exec_exit_code test $rc = 3
	P top "$name" 2>/dev/null | grep -q 'sleep 300'
	check compat_podman_top test $? = 0
	P pause "$name" >/dev/null 2>&1
	check compat_podman_pause test "$(P inspect -f '{{.State.Status}}' "$name" 2>/dev/null)" = paused
	P unpause "$name" >/dev/null 2>&1
	check compat_podman_unpause test "$(P inspect -f '{{.State.Status}}' "$name" 2>/dev/null)" = running
	if P update --help >/dev/null 2>&1; then
		P update --memory 64m "$name" >/dev/null 2>&1
		cid=$(P inspect -f '{{.Id}}' "$name" 2>/dev/null)
		lim=$(cat /sys/fs/cgroup/memory/libpod_parent/libpod-"$cid"/memory.limit_in_bytes 2>/dev/null ||
			cat /sys/fs/cgroup/libpod_parent/libpod-"$cid"/memory.max 2>/dev/null)
		check compat_podman_update test "$lim" = 67108864
	else
		skip "compat_podman_update: this podman has no update command"
	fi
	P stop -t 0 "$name" >/dev/null 2>&1
	check compat_podman_stop test "$(P inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$name" 2>/dev/null)" = "exited 137"
	P rm "$name" >/dev/null 2>&1
	check compat_podman_rm sh -c "! timeout 60 podman --root '$PS/root' --runroot '$PS/run' --storage-driver vfs container exists '$name'"
	if command -v script >/dev/null; then
		out=$(timeout 60 script -qec "podman --root '$PS/root' --runroot '$PS/run' --tmpdir '$PS/tmp' --storage-driver vfs --events-backend file --cgroup-manager cgroupfs --runtime '$CTR' $PR --rm -t localhost/ctrtest-bb sh -c 'tty; exit 5'" /dev/null 2>/dev/null)
		rc=$?
		check compat_podman_run_tty sh -c "[ $rc = 5 ] && echo '$out' | grep -q /dev/pts/"
	else
		skip "compat_podman_run_tty: no script(1) for a terminal"
	fi
}
podman_tests

# ---------------------------------------------------------------- containerd
# An OCI image layout of the busybox rootfs, built by hand (no registry, no podman needed).
make_oci_archive() { # OUT.tar
	python3 - "$T_TMP/rootfs.tar" "$1" <<'PY'
import hashlib, io, json, sys, tarfile
layer = open(sys.argv[1], 'rb').read()
blobs = {}
def blob(data):
    d = hashlib.sha256(data).hexdigest(); blobs[d] = data; return 'sha256:' + d, len(data)
ld, ls = blob(layer)
cfg = json.dumps({'architecture': 'amd64', 'os': 'linux',
                  'config': {'Cmd': ['sh'], 'Env': ['PATH=/usr/sbin:/usr/bin:/sbin:/bin']},
                  'rootfs': {'type': 'layers', 'diff_ids': [ld]}}).encode()
cd, cs = blob(cfg)
man = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                  'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': cd, 'size': cs},
                  'layers': [{'mediaType': 'application/vnd.oci.image.layer.v1.tar', 'digest': ld, 'size': ls}]}).encode()
md, ms = blob(man)
index = json.dumps({'schemaVersion': 2, 'manifests': [{'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                    'digest': md, 'size': ms, 'platform': {'architecture': 'amd64', 'os': 'linux'},
                    'annotations': {'org.opencontainers.image.ref.name': 'latest'}}]}).encode()
with tarfile.open(sys.argv[2], 'w') as t:
    def add(name, data):
        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    add('oci-layout', b'{"imageLayoutVersion":"1.0.0"}')
    add('index.json', index)
    for d, data in blobs.items():
        add('blobs/sha256/' + d, data)
PY
}

containerd_tests() {
	if ! command -v containerd >/dev/null || [ ! -x /usr/bin/ctr ] ||
		! command -v containerd-shim-runc-v2 >/dev/null; then
		skip "compat_containerd: containerd not installed (apt-get install containerd)"
		return
	fi
	[ "$(uname -m)" = x86_64 ] || { skip "compat_containerd: image built for amd64 only"; return; }
	CD=$T_TMP/containerd
	mkdir -p "$CD"
	cat > "$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$CD/c.sock"
[ttrpc]
  address = "$CD/c.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
EOF
	containerd --config "$CD/config.toml" >"$CD/log" 2>&1 &
	cdpid=$!
	NS=ctrtest$$
	C() { timeout 30 /usr/bin/ctr -a "$CD/c.sock" -n "$NS" "$@"; }
	cd_cleanup() {
		for t in $(C task ls -q 2>/dev/null); do C task kill -s KILL "$t"; done
		sleep 0.3
		for t in $(C task ls -q 2>/dev/null); do C task delete -f "$t"; done
		for c in $(C container ls -q 2>/dev/null); do C container rm "$c"; done
		C image rm localhost/ctrtest-bb:latest
		C namespace rm "$NS"
		kill "$cdpid"
		n=0; while kill -0 "$cdpid" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
		kill -9 "$cdpid"
		rm -rf "/run/containerd/runc/$NS"
		# containerd's per-namespace parent cgroups (the runtime removes the container's own).
		for d in /sys/fs/cgroup/*/"$NS" /sys/fs/cgroup/unified/"$NS"; do rmdir "$d"; done
	}
	at_exit "cd_cleanup >/dev/null 2>&1"
	w=0
	while ! C version >/dev/null 2>&1; do
		w=$((w + 1))
		if [ $n -ge 50 ] || ! kill -0 "$cdpid" 2>/dev/null; then
			skip "compat_containerd: containerd did not start: $(tail -n1 "$CD/log")"
			return
		fi
		sleep 0.1
	done
	make_oci_archive "$T_TMP/bb-oci.tar" &&
		C image import --base-name localhost/ctrtest-bb "$T_TMP/bb-oci.tar" >/dev/null 2>"$T_TMP/cerr"
	if ! C image ls -q 2>/dev/null | grep -q ctrtest-bb; then
		skip "compat_containerd: cannot import an image: $(tail -n1 "$T_TMP/cerr")"
		return
	fi
	img=localhost/ctrtest-bb:latest
	out=$(C run --rm --runc-binary "$CTR" "$img" c1-$$ sh -c 'echo out-$((6*7)); exit 6' 2>"$T_TMP/cerr")
	rc=$?
	# A containerd that cannot run runc either is an environment problem, not ours.
	if [ "$out" != out-42 ] && command -v runc >/dev/null &&
		! C run --rm --runc-binary "$(command -v runc)" "$img" c0-$$ true >/dev/null 2>&1; then
		skip "compat_containerd: containerd cannot run containers here (not with runc either): $(tail -n1 "$T_TMP/cerr")"
		return
	fi
	check compat_containerd_run_output test "$out" = out-42
	check compat_containerd_run_exit_code test $rc = 6
	c=c2-$$
	C run -d --runc-binary "$CTR" "$img" "$c" sleep 300 >/dev/null 2>&1
	check compat_containerd_run_detached sh -c "timeout 30 /usr/bin/ctr -a '$CD/c.sock' -n '$NS' task ls | grep -q '^$c .*RUNNING'"
	out=$(C task exec --exec-id e1 "$c" sh -c 'echo ex; exit 2' 2>/dev/null)
	rc=$?
	check compat_containerd_exec sh -c "[ '$out' = ex ] && [ $rc = 2 ]"
	C task ps "$c" 2>/dev/null | grep -q '^[0-9]'
	check compat_containerd_task_ps test $? = 0
	C task metrics "$c" 2>/dev/null | grep -q 'pids.current\|memory'
	check compat_containerd_metrics test $? = 0
	C task pause "$c" >/dev/null 2>&1
	check compat_containerd_pause sh -c "timeout 30 /usr/bin/ctr -a '$CD/c.sock' -n '$NS' task ls | grep -q '^$c .*PAUSED'"
	C task resume "$c" >/dev/null 2>&1
	check compat_containerd_resume sh -c "timeout 30 /usr/bin/ctr -a '$CD/c.sock' -n '$NS' task ls | grep -q '^$c .*RUNNING'"
	C task kill -s KILL "$c" >/dev/null 2>&1
	w=0
	while ! C task ls 2>/dev/null | grep -q "^$c .*STOPPED" && [ $w -lt 50 ]; do sleep 0.1; w=$((w + 1)); done
	check compat_containerd_kill sh -c "timeout 30 /usr/bin/ctr -a '$CD/c.sock' -n '$NS' task ls | grep -q '^$c .*STOPPED'"
	C task delete "$c" >/dev/null 2>&1
	check compat_containerd_task_delete test $? = 0
	C container rm "$c" >/dev/null 2>&1
	check compat_containerd_container_rm sh -c "! timeout 30 /usr/bin/ctr -a '$CD/c.sock' -n '$NS' container ls -q | grep -qx '$c'"
	# The runtime's error reaches the client (through the shim's log.json).
	C run --rm --runc-binary "$CTR" "$img" c3-$$ /nonexistent >/dev/null 2>"$T_TMP/cerr"
	check compat_containerd_create_error sh -c "grep -q 'OCI runtime create failed.*nonexistent' '$T_TMP/cerr'"
	C container rm c3-$$ >/dev/null 2>&1
	if command -v script >/dev/null; then
		out=$(timeout 30 script -qec "/usr/bin/ctr -a '$CD/c.sock' -n '$NS' run -t --rm --runc-binary '$CTR' '$img' c4-$$ sh -c 'tty; exit 3'" /dev/null 2>/dev/null)
		rc=$?
		check compat_containerd_run_tty sh -c "[ $rc = 3 ] && echo '$out' | grep -q /dev/pts/"
	else
		skip "compat_containerd_run_tty: no script(1) for a terminal"
	fi
}
containerd_tests
exit 0
