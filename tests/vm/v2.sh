#!/bin/sh
# v2_* checks for the guest of `make test-vm` (systemd as PID 1, pure cgroup v2 at
# /sys/fs/cgroup): every resource of the OCI config on real containers, read back from the
# cgroup files and, where it can be seen, its effect (OOM kill, refused forks, frozen
# progress, device filter, cpuset), then update, events --stats, pause/resume and delete.
# On another layout: one SKIP (this host capability is missing) and nothing else.
CTR=${CTR:-$(cd "$(dirname "$0")/../.." && pwd)/ctr}
. "$(dirname "$0")/../lib.sh"
need_root v2
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] || grep -q ' - cgroup ' /proc/self/mountinfo; then
	skip "v2: /sys/fs/cgroup is not a pure cgroup v2 hierarchy here (make test-vm runs these)"
	exit 0
fi
CG=/sys/fs/cgroup
P=/ctrvm-$$
sweep() {
	[ -d $CG$P ] || return 0
	find $CG$P -depth -type d | while read -r d; do
		echo 1 > "$d/cgroup.kill"
		i=0; while ! rmdir "$d" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
	done
}
at_exit sweep

rd() { cat "$1" 2>/dev/null; }
eq() { got=$(rd "$2"); if [ "$got" = "$3" ]; then pass "$1"; else fail "$1: $2 is \"$got\", want \"$3\""; fi; }
has() { case "$3" in *"$2"*) pass "$1";; *) fail "$1: want \"$2\" in \"$(echo "$3" | head -c 300)\"";; esac; }
gone() { [ ! -e /proc/$1 ] || grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; }
waitfor() { i=0; while ! eval "$1" && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; }

B=$T_TMP/bundle
make_bundle "$B" > /dev/null || { fail "v2_bundle: cannot make a bundle"; exit 1; }
set_config "$B" 'c["process"]["args"]=["sleep","1000000"]; c["process"]["terminal"]=False; c["root"]["readonly"]=False; c["process"].get("capabilities",{}).pop("ambient",None); c["linux"]["resources"]={"devices":[{"allow":False,"access":"rwm"}]}'
cp "$B/config.json" "$B/config.base"
# cfg PYTHON: the base config, then PYTHON on it (r = linux.resources)
cfg() { cp "$B/config.base" "$B/config.json"; set_config "$B" "r=c['linux']['resources']; $1"; }
# start NAME [PYTHON]: run -d a container with cgroupsPath $P/NAME; ID, D (its cgroup), PID
start() {
	cfg "c['linux']['cgroupsPath']='$P/$1'; ${2:-pass}"
	ID=$(new_id "$1") D=$CG$P/$1
	"$CTR" --root "$ROOT" run -d --bundle "$B" "$ID" > /dev/null 2> "$T_TMP/err" < /dev/null || {
		echo "run -d $1: $(cat "$T_TMP/err")"; return 1; }
	PID=$("$CTR" --root "$ROOT" state "$ID" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
}
stop() { "$CTR" --root "$ROOT" delete -f "$ID" > /dev/null 2>&1; }
# fg NAME PYTHON: run a container in the foreground, print its output
fg() { cfg "c['linux']['cgroupsPath']='$P/$1'; $2"; ID=$(new_id "$1"); D=$CG$P/$1
	"$CTR" --root "$ROOT" run --bundle "$B" "$ID" 2>&1 < /dev/null; "$CTR" --root "$ROOT" delete -f "$ID" > /dev/null 2>&1; }

# ---- where a container goes ----
cfg "c['linux'].pop('cgroupsPath',None)"
ID=$(new_id def)
if "$CTR" --root "$ROOT" run -d --bundle "$B" "$ID" > /dev/null 2>&1 < /dev/null; then
	PID=$("$CTR" --root "$ROOT" state "$ID" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	eq "v2_default_path: no cgroupsPath puts the init in /ctr/<id>" /proc/$PID/cgroup "0::/ctr/$ID"
	stop
	check "v2_default_path_removed: delete removes /ctr/<id>" [ ! -d $CG/ctr/$ID ]
else
	fail "v2_default_path: run -d failed"
fi

# ---- memory: max, swap, low; the OOM kill and its event ----
if start mem "r['memory']={'limit':67108864,'swap':100663296,'reservation':33554432}"; then
	eq "v2_memory_max (memory.limit 64M)" "$D/memory.max" 67108864
	eq "v2_memory_swap_max (memory.swap 96M is memory+swap: 32M of swap)" "$D/memory.swap.max" 33554432
	eq "v2_memory_low (memory.reservation)" "$D/memory.low" 33554432
	eq "v2_cgroup_procs: the init is in its cgroup" /proc/$PID/cgroup "0::$P/mem"
	stop
else fail "v2_memory: $(cat "$T_TMP/err")"; fi
out=$(fg oom "c['process']['args']=['sh','-c','head -c 209715200 /dev/zero | tail > /dev/null; echo status \$?']; r['memory']={'limit':16777216,'swap':16777216}")
has "v2_memory_oom_kill: a 200M hog dies at memory.max 16M" "status 137" "$out"
if start oomev "c['process']['args']=['sh','-c','sleep 1; head -c 209715200 /dev/zero | tail; sleep 100']; r['memory']={'limit':16777216,'swap':16777216}"; then
	"$CTR" --root "$ROOT" events --interval 1s "$ID" > "$T_TMP/ev" 2>&1 &
	evpid=$!
	waitfor "grep -q '\"type\":\"oom\"' $T_TMP/ev"
	check "v2_memory_oom_event: events reports the OOM kill" grep -qx '{"type":"oom","id":"'"$ID"'"}' "$T_TMP/ev"
	n=$(sed -n 's/^oom_kill //p' "$D/memory.events")
	check "v2_memory_events: memory.events oom_kill $n" [ "${n:-0}" -ge 1 ]
	stop
	waitfor "! kill -0 $evpid 2>/dev/null"
	kill $evpid 2>/dev/null
else fail "v2_memory_oom_event: $(cat "$T_TMP/err")"; fi

# ---- cpu: weight, max, burst, idle; cpuset ----
if start cpu "r['cpu']={'shares':1024,'quota':50000,'period':100000,'burst':20000,'cpus':'1','mems':'0'}"; then
	eq "v2_cpu_weight (shares 1024 -> weight 39, runc's conversion)" "$D/cpu.weight" 39
	eq "v2_cpu_max (quota 50000, period 100000)" "$D/cpu.max" "50000 100000"
	eq "v2_cpu_max_burst (burst 20000)" "$D/cpu.max.burst" 20000
	eq "v2_cpuset_cpus" "$D/cpuset.cpus" 1
	eq "v2_cpuset_mems" "$D/cpuset.mems" 0
	check "v2_cpuset_effect: the init may run on cpu 1 only" grep -qx 'Cpus_allowed_list:	1' /proc/$PID/status
	stop
else fail "v2_cpu: $(cat "$T_TMP/err")"; fi
if start idle "r['cpu']={'idle':1}"; then
	eq "v2_cpu_idle (cpu.idle 1)" "$D/cpu.idle" 1
	stop
else fail "v2_cpu_idle: $(cat "$T_TMP/err")"; fi
out=$(cfg "c['linux']['cgroupsPath']='$P/rt'; r['cpu']={'realtimeRuntime':1000}"; "$CTR" --root "$ROOT" run --bundle "$B" "$(new_id rt)" 2>&1 < /dev/null)
has "v2_cpu_rt_refused: realtime limits are an error naming the field" "realtimeRuntime" "$out"

# ---- pids: pids.max and a bounded fork bomb ----
out=$(fg pids "c['process']['args']=['sh','-c','i=0; while [ \$i -lt 40 ]; do sleep 3 & i=\$((i+1)); done; cat /sys/fs/cgroup/pids.max 2>/dev/null; wait']; r['pids']={'limit':8}")
has "v2_pids_fork_refused: forks fail at pids.limit 8" "fork" "$out"
if start pids2 "r['pids']={'limit':50}"; then
	eq "v2_pids_max" "$D/pids.max" 50
	stop
else fail "v2_pids_max: $(cat "$T_TMP/err")"; fi

# ---- io: weight and max on the guest's disk ----
dev=$(cat /sys/block/vda/dev 2>/dev/null || cat /sys/block/"$(ls /sys/block | head -n 1)"/dev)
maj=${dev%:*} min=${dev#*:}
if start io "r['blockIO']={'weight':500,'throttleReadBpsDevice':[{'major':$maj,'minor':$min,'rate':1048576}],'throttleWriteIOPSDevice':[{'major':$maj,'minor':$min,'rate':100}]}"; then
	if [ -e "$D/io.bfq.weight" ]; then
		eq "v2_io_weight (io.bfq.weight, blkio scale)" "$D/io.bfq.weight" "default 500"
	else
		eq "v2_io_weight (blkio 500 -> io.weight 4950)" "$D/io.weight" "default 4950"
	fi
	eq "v2_io_max ($dev rbps, wiops)" "$D/io.max" "$dev rbps=1048576 wbps=max riops=max wiops=100"
	stop
else fail "v2_io: $(cat "$T_TMP/err")"; fi

# ---- hugetlb and unified keys ----
if start huge "r['hugepageLimits']=[{'pageSize':'2MB','limit':4194304}]; r['unified']={'memory.high':'50331648','cgroup.max.descendants':'3'}"; then
	eq "v2_hugetlb (hugetlb.2MB.max)" "$D/hugetlb.2MB.max" 4194304
	eq "v2_unified_memory_high" "$D/memory.high" 50331648
	eq "v2_unified_max_descendants" "$D/cgroup.max.descendants" 3
	stop
else fail "v2_hugetlb: $(cat "$T_TMP/err")"; fi
out=$(cfg "r['unified']={'no.such.file':'1'}"; "$CTR" --root "$ROOT" run --bundle "$B" "$(new_id unk)" 2>&1 < /dev/null)
has "v2_unified_unknown: an unknown key is a clear error" "linux.resources.unified.no.such.file" "$out"

# ---- devices: the eBPF filter ----
out=$(fg dev "c['process']['args']=['sh','-c','mknod /dev/xsda b 8 0 && echo mknod-ok; head -c1 /dev/xsda; echo x > /dev/null && echo null-ok']; [c['process']['capabilities'][k].append('CAP_MKNOD') for k in ('bounding','effective','permitted')]")
has "v2_devices_ebpf_deny: a block node made inside is unusable" "Operation not permitted" "$out"
has "v2_devices_ebpf_allow: /dev/null works" "null-ok" "$out"

# ---- freeze, stats, update, exec, ps, delete on one container ----
if start life "c['process']['args']=['sh','-c','i=0; while :; do i=\$((i+1)); echo \$i > /tmp/n.tmp; mv /tmp/n.tmp /tmp/n; sleep 0.05; done']; r['memory']={'limit':67108864}; r['pids']={'limit':100}; r['cpu']={'shares':512}"; then
	waitfor "[ -s $B/rootfs/tmp/n ]"
	"$CTR" --root "$ROOT" pause "$ID"
	has "v2_freeze_state: pause shows paused" '"status": "paused"' "$("$CTR" --root "$ROOT" state "$ID")"
	check "v2_freeze_events: cgroup.events frozen 1" grep -qx 'frozen 1' "$D/cgroup.events"
	a=$(rd "$B/rootfs/tmp/n"); sleep 0.5; b=$(rd "$B/rootfs/tmp/n")
	check "v2_freeze_effect: no progress while frozen ($a = $b)" [ -n "$a" ] && [ "$a" = "$b" ]
	"$CTR" --root "$ROOT" resume "$ID"
	check "v2_thaw_events: cgroup.events frozen 0" grep -qx 'frozen 0' "$D/cgroup.events"
	waitfor "[ \"\$(rd $B/rootfs/tmp/n)\" != '$b' ]"
	check "v2_thaw_effect: progress after resume" [ "$(rd "$B/rootfs/tmp/n")" != "$b" ]
	ev=$("$CTR" --root "$ROOT" events --stats "$ID")
	echo "$ev" > "$T_TMP/stats"
	check "v2_events_stats: cpu, memory and pids figures from cgroup v2 ($(echo "$ev" | head -c 160))" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["data"]
assert d["cpu"]["usage"]["total"] > 0, "cpu"
assert d["memory"]["usage"]["usage"] > 0 and d["memory"]["usage"]["limit"] == 67108864, "memory"
assert d["pids"]["current"] >= 1 and d["pids"]["limit"] == 100, "pids"' "$T_TMP/stats"
	"$CTR" --root "$ROOT" update --memory 96m --memory-swap 128m --pids-limit 77 --cpu-shares 2048 \
		--cpu-quota 30000 --cpu-period 100000 --cpuset-cpus 0 "$ID"
	eq "v2_update_memory (--memory 96m)" "$D/memory.max" 100663296
	eq "v2_update_swap (--memory-swap 128m)" "$D/memory.swap.max" 33554432
	eq "v2_update_pids (--pids-limit 77)" "$D/pids.max" 77
	eq "v2_update_cpu_weight (--cpu-shares 2048)" "$D/cpu.weight" 79
	eq "v2_update_cpu_max (--cpu-quota/--cpu-period)" "$D/cpu.max" "30000 100000"
	eq "v2_update_cpuset (--cpuset-cpus 0)" "$D/cpuset.cpus" 0
	echo '{"cpu":{"idle":1,"burst":1000},"unified":{"memory.high":"83886080"}}' | "$CTR" --root "$ROOT" update -r - "$ID"
	eq "v2_update_resources_idle (-r -)" "$D/cpu.idle" 1
	eq "v2_update_resources_unified (-r -)" "$D/memory.high" 83886080
	out=$("$CTR" --root "$ROOT" exec "$ID" cat /proc/self/cgroup 2>&1)
	has "v2_exec_joins: exec runs in the container's cgroup" "0::$P/life" "$out"
	js=$("$CTR" --root "$ROOT" ps --format json "$ID")
	check "v2_ps: ps lists the init from cgroup.procs ($js)" grep -qx "$PID" "$D/cgroup.procs"
	case $js in *"$PID"*) ;; *) fail "v2_ps: $js lacks $PID";; esac
	"$CTR" --root "$ROOT" delete -f "$ID"
	waitfor "gone $PID"
	check "v2_delete_kills: delete -f kills the init" gone "$PID"
	check "v2_delete_removes: its cgroup is gone" [ ! -d "$D" ]
else fail "v2_lifecycle: $(cat "$T_TMP/err")"; fi
sweep
check "v2_cleanup: no test cgroup left" [ ! -d $CG$P ]
