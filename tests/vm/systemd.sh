#!/bin/sh
# systemd_* checks for the guest of `make test-vm` (systemd as PID 1, pure cgroup v2):
# --systemd-cgroup makes a transient scope per container over D-Bus. Each check reads what
# systemd says (systemctl show) and what the kernel has (the scope's cgroup files).
# Elsewhere: one SKIP (no systemd as init here) and nothing else.
CTR=${CTR:-$(cd "$(dirname "$0")/../.." && pwd)/ctr}
. "$(dirname "$0")/../lib.sh"
need_root systemd
if [ ! -d /run/systemd/system ] || [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
	skip "systemd: no systemd as init with pure cgroup v2 here (make test-vm runs these)"
	exit 0
fi
CG=/sys/fs/cgroup
C() { "$CTR" --root "$ROOT" --systemd-cgroup "$@"; }
prop() { systemctl show -P "$2" "$1" 2>/dev/null; }
# units of this run, stopped again whatever happens
at_exit 'for u in $(systemctl list-units --all --plain --no-legend "ctrt$$-*" | cut -d" " -f1); do systemctl stop "$u"; systemctl reset-failed "$u"; done'

B=$T_TMP/bundle
make_bundle "$B" > /dev/null || { fail "systemd_bundle: cannot make a bundle"; exit 1; }
set_config "$B" 'c["process"]["args"]=["sleep","1000000"]; c["process"]["terminal"]=False; c["root"]["readonly"]=False; c["process"].get("capabilities",{}).pop("ambient",None)'
cp "$B/config.json" "$B/config.base"
# cfg PYTHON: the base config, then PYTHON on it (r = linux.resources)
cfg() { cp "$B/config.base" "$B/config.json"; set_config "$B" "c['linux']['resources']=c['linux'].get('resources') or {}; r=c['linux']['resources']; $1"; }

# ---- the scope, its limits in the unit and in the cgroup ----
ID=$(new_id lim)
U=ctrt$$-$ID.scope
D=$CG/system.slice/$U
cfg "c['linux']['cgroupsPath']='system.slice:ctrt$$:$ID'; r['memory']={'limit':67108864}; r['cpu']={'shares':1024,'quota':50000,'period':100000}; r['pids']={'limit':77}"
if C run -d --bundle "$B" "$ID" > /dev/null 2> "$T_TMP/err" < /dev/null; then
	PID=$(C state "$ID" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	st=$(prop "$U" ActiveState)
	check "systemd_scope_active: $U is active (ActiveState=$st)" [ "$st" = active ]
	systemctl status "$U" > "$T_TMP/status" 2>&1
	check "systemd_scope_status: systemctl status $U shows it active with the init" sh -c "grep -q 'Active: active' $T_TMP/status && grep -qw $PID $T_TMP/status"
	check "systemd_scope_delegate: Delegate=yes" [ "$(prop "$U" Delegate)" = yes ]
	got=$(cat /proc/"$PID"/cgroup)
	check "systemd_init_in_scope: the init is in $D ($got)" [ "$got" = "0::/system.slice/$U" ]
	lim() { # NAME PROPERTY WANT FILE WANT_FILE
		p=$(prop "$U" "$2") f=$(cat "$D/$4" 2>/dev/null)
		if [ "$p" = "$3" ] && [ "$f" = "$5" ]; then pass "$1"
		else fail "$1: $2=$p (want $3), $4=$f (want $5)"; fi
	}
	lim systemd_memory_max MemoryMax 67108864 memory.max 67108864
	lim systemd_tasks_max TasksMax 77 pids.max 77
	lim systemd_cpu_quota CPUQuotaPerSecUSec 500ms cpu.max "50000 100000"
	systemctl daemon-reload
	lim systemd_daemon_reload_keeps MemoryMax 67108864 memory.max 67108864
	lim systemd_daemon_reload_keeps_pids TasksMax 77 pids.max 77
	if C update --memory 134217728 --pids-limit 99 "$ID" 2> "$T_TMP/err"; then
		lim systemd_update_memory MemoryMax 134217728 memory.max 134217728
		lim systemd_update_pids TasksMax 99 pids.max 99
		systemctl daemon-reload
		lim systemd_update_survives_reload MemoryMax 134217728 memory.max 134217728
	else fail "systemd_update: $(cat "$T_TMP/err")"; fi
	check "systemd_ps: ps lists the init" sh -c "C() { \"$CTR\" --root \"$ROOT\" \"\$@\"; }; C ps \"$ID\" | grep -qw $PID"
	C pause "$ID" && f=$(grep frozen "$D/cgroup.events")
	check "systemd_pause: cgroup.events $f" [ "$f" = "frozen 1" ]
	C resume "$ID"
	C delete -f "$ID" 2> "$T_TMP/err"
	st=$(prop "$U" LoadState)
	check "systemd_delete_removes_scope: LoadState=$st, $D gone" sh -c "[ '$st' = not-found ] && [ ! -d '$D' ]"
else
	fail "systemd_run: $(cat "$T_TMP/err")"
fi

# ---- default path, nested slice ----
ID=$(new_id def)
cfg "c['linux'].pop('cgroupsPath',None)"
if C run -d --bundle "$B" "$ID" > /dev/null 2> "$T_TMP/err" < /dev/null; then
	PID=$(C state "$ID" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	check "systemd_default_path: no cgroupsPath is system.slice:ctr:<id>" [ "$(cat /proc/"$PID"/cgroup)" = "0::/system.slice/ctr-$ID.scope" ]
	C delete -f "$ID"
	check "systemd_default_path_removed" [ "$(prop "ctr-$ID.scope" LoadState)" = not-found ]
else fail "systemd_default_path: $(cat "$T_TMP/err")"; fi
ID=$(new_id nest)
cfg "c['linux']['cgroupsPath']='ctrt$$-a.slice:ctrt$$:$ID'"
if C run -d --bundle "$B" "$ID" > /dev/null 2> "$T_TMP/err" < /dev/null; then
	PID=$(C state "$ID" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	check "systemd_nested_slice: ctrt$$-a.slice is /ctrt$$.slice/ctrt$$-a.slice" [ "$(cat /proc/"$PID"/cgroup)" = "0::/ctrt$$.slice/ctrt$$-a.slice/ctrt$$-$ID.scope" ]
	C delete -f "$ID"
else fail "systemd_nested_slice: $(cat "$T_TMP/err")"; fi
systemctl stop "ctrt$$-a.slice" "ctrt$$.slice" 2>/dev/null

# ---- a failed create leaves no scope ----
ID=$(new_id bad)
cfg "c['linux']['cgroupsPath']='system.slice:ctrt$$:$ID'; c['process']['args']=['/nonexistent']"
C run -d --bundle "$B" "$ID" > /dev/null 2>&1 < /dev/null
st=$(prop "ctrt$$-$ID.scope" LoadState)
check "systemd_failed_create_no_scope: LoadState=$st" sh -c "[ '$st' = not-found ] && [ ! -d $CG/system.slice/ctrt$$-$ID.scope ] && [ ! -d $ROOT/$ID ]"
check "systemd_bad_path: cgroupsPath a/b is refused" sh -c "! { cp $B/config.base $B/config.json; sed -i 's|\"linux\": {|\"linux\": {\"cgroupsPath\": \"a/b\",|' $B/config.json; \"$CTR\" --root $ROOT --systemd-cgroup run -d --bundle $B $(new_id p) </dev/null >/dev/null 2>&1; }"

# ---- podman with --cgroup-manager=systemd and ctr as its runtime ----
if command -v podman > /dev/null; then
	PS=$T_TMP/podman
	P() { timeout 120 podman --root "$PS/root" --runroot "$PS/run" --tmpdir "$PS/tmp" \
		--cgroup-manager=systemd --runtime "$CTR" "$@"; }
	at_exit "timeout 60 podman --root $PS/root --runroot $PS/run rm -af -t 0 >/dev/null 2>&1"
	name=ctrt$$-pod
	if P run -d --network none --name "$name" --rootfs "$B/rootfs" sleep 1000 > "$T_TMP/pout" 2>&1; then
		cid=$(P inspect -f '{{.Id}}' "$name")
		check "systemd_podman_run: running, scope libpod-$cid.scope active" sh -c "[ \"\$(timeout 60 podman --root $PS/root --runroot $PS/run inspect -f '{{.State.Status}}' $name)\" = running ] && [ \"\$(systemctl show -P ActiveState libpod-$cid.scope)\" = active ]"
		P stop -t 1 "$name" > /dev/null 2>&1
		check "systemd_podman_stop: exited" [ "$(P inspect -f '{{.State.Status}}' "$name")" = exited ]
		P rm "$name" > /dev/null 2>&1
		check "systemd_podman_rm: gone, scope gone" sh -c "! timeout 60 podman --root $PS/root --runroot $PS/run inspect $name >/dev/null 2>&1 && [ \"\$(systemctl show -P LoadState libpod-$cid.scope)\" = not-found ]"
	else
		fail "systemd_podman_run: $(tail -n 3 "$T_TMP/pout" | tr '\n' ' ')"
	fi
else
	fail "systemd_podman: podman is not installed in the guest"
fi
