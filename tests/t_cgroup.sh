#!/bin/sh
# Cgroup integration tests on the host's own layout (this machine: hybrid, v1 controllers
# plus cgroup2 at /sys/fs/cgroup/unified), then v1-only and no-cgroup layouts made in
# private mount namespaces. tests/cgroup/cgtool.c drives the cgroup section directly;
# the container tests at the end use `ctr run` (skipped while it does not work).
. "$(dirname "$0")/lib.sh"
need_root cgroup
PFX=ctrtest-v1
P=/$PFX-$$

# Remove cgroups of earlier runs that died half-way (their pid is in the name), and ours.
sweep() { # [all]
	for d in /sys/fs/cgroup/*/$PFX-* /sys/fs/cgroup/$PFX-*; do
		[ -d "$d" ] || continue
		n=${d##*/$PFX-}; n=${n%%[!0-9]*}
		[ "${1:-}" = all ] || [ "$n" = $$ ] || ! kill -0 "$n" 2>/dev/null || continue
		find "$d" -depth -type d | while read -r c; do
			for p in $(cat "$c/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
			echo THAWED > "$c/freezer.state" 2>/dev/null
			i=0; while ! rmdir "$c" 2>/dev/null && [ -d "$c" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
		done
	done
}
sweep
at_exit sweep
rm -f /tmp/$PFX-*

CGT=
need_cgtool

# The layout, from mountinfo as the shell sees it.
want=none
grep -q ' - cgroup2 ' /proc/self/mountinfo && want=v2
if grep ' - cgroup ' /proc/self/mountinfo | grep -qE 'rw,.*(cpu|memory|pids|devices|freezer)'; then
	[ $want = v2 ] && want=hybrid || want=v1
fi
mode=$("$CGT" mode /x)
check "layout detected ($mode)" [ "$mode" = "$want" ]
if [ "$mode" != hybrid ] && [ "$mode" != v1 ]; then
	skip "v1 controller tests: host layout is $mode"
	exit 0
fi
V1=/sys/fs/cgroup
U=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)

rd() { cat "$1" 2>/dev/null; }
eq() { # NAME FILE WANT
	got=$(rd "$2")
	if [ "$got" = "$3" ]; then pass "$1"; else fail "$1: $2 is \"$got\", want \"$3\""; fi
}

# ---- create and read every file back from outside ----
out=$("$CGT" create $P memory.limit=32M memory.reservation=16M memory.swappiness=20 \
	memory.kernelTCP=8M cpu.shares=512 cpu.quota=20000 cpu.period=100000 cpu.cpus=0 cpu.mems=0 \
	pids.limit=50 hugetlb.2MB=4M 2>&1)
check "create with resources ($out)" [ "$out" = "$mode" ]
eq "memory.limit_in_bytes" $V1/memory$P/memory.limit_in_bytes 33554432
eq "memory.soft_limit_in_bytes (reservation)" $V1/memory$P/memory.soft_limit_in_bytes 16777216
eq "memory.swappiness" $V1/memory$P/memory.swappiness 20
eq "memory.kmem.tcp.limit_in_bytes" $V1/memory$P/memory.kmem.tcp.limit_in_bytes 8388608
eq "cpu.shares" $V1/cpu$P/cpu.shares 512
eq "cpu.cfs_quota_us" $V1/cpu$P/cpu.cfs_quota_us 20000
eq "cpu.cfs_period_us" $V1/cpu$P/cpu.cfs_period_us 100000
eq "cpuset.cpus" $V1/cpuset$P/cpuset.cpus 0
eq "cpuset.mems" $V1/cpuset$P/cpuset.mems 0
eq "pids.max" $V1/pids$P/pids.max 50
if [ -n "$U" ] && [ -e "$U$P/hugetlb.2MB.max" ]; then
	eq "hugetlb.2MB.max on the v2 side of a hybrid host" "$U$P/hugetlb.2MB.max" 4194304
elif [ -e $V1/hugetlb$P ]; then
	eq "hugetlb.2MB.limit_in_bytes" $V1/hugetlb$P/hugetlb.2MB.limit_in_bytes 4194304
else
	skip "hugetlb: no hugetlb controller"
fi
if [ "$mode" = hybrid ]; then
	check "hybrid: the unified hierarchy has the container's dir too" [ -d "$U$P" ]
fi
check "devices.list: runc's default list (deny all + 11 rules)" \
	[ "$(rd $V1/devices$P/devices.list | wc -l)" = 11 -a "$(rd $V1/devices$P/devices.list | head -1)" = "c *:* m" ]

# ---- a process inside: every hierarchy ----
out=$("$CGT" run $P -- cat /proc/self/cgroup)
n=$(echo "$out" | grep -c ":$P\$")
total=$(echo "$out" | grep -c '^[0-9]*:')
check "process is in the cgroup in every hierarchy ($n of $total)" [ "$n" = "$total" -a "$n" -gt 1 ]

# ---- memory hog is OOM-killed at its limit ----
"$CGT" update $P memory.limit=16M memory.swap=16M
out=$("$CGT" run $P -- sh -c 'head -c 200M /dev/zero | tail >/dev/null; echo "status $?"' 2>/dev/null)
check "memory hog is OOM-killed at 16M ($(echo $out))" [ "$(echo "$out" | head -1)" = "status 137" ]
check "memory.oom_control counts the kill" [ "$(rd $V1/memory$P/memory.oom_control | awk '/oom_kill /{print $2}')" -ge 1 ]
stats=$("$CGT" stats $P)
check "stats: oom_kill counter" json_is "$stats" 'd["memory"]["oom_kill"] > 0'
check "stats: memory usage limit" json_is "$stats" 'd["memory"]["usage"]["limit"] == 16777216'
check "stats: pids limit" json_is "$stats" 'd["pids"]["limit"] == 50'
check "stats: cpu usage" json_is "$stats" 'd["cpu"]["usage"]["total"] > 0'


# ---- update: raising memory and swap together needs memsw first ----
"$CGT" update $P memory.limit=64M memory.swap=128M
eq "update raises memory.limit_in_bytes" $V1/memory$P/memory.limit_in_bytes 67108864
eq "update raises memory.memsw.limit_in_bytes" $V1/memory$P/memory.memsw.limit_in_bytes 134217728
"$CGT" update $P cpu.quota=-1 cpu.shares=2048
eq "update cpu.cfs_quota_us -1" $V1/cpu$P/cpu.cfs_quota_us -1
eq "update cpu.shares" $V1/cpu$P/cpu.shares 2048

# ---- bounded fork bomb stops at pids.limit ----
"$CGT" update $P pids.limit=8
out=$("$CGT" run $P -- sh -c 'i=0; while [ $i -lt 40 ]; do sleep 3 & i=$((i+1)); done; wait' 2>&1)
cur=$(rd $V1/pids$P/pids.current)
case $out in *[Ff]ork*) pass "fork bomb: forks refused at the limit";; *) fail "fork bomb: no refused fork: $out";; esac
check "fork bomb stops at pids.limit 8 ($cur left running)" [ -n "$cur" ] && [ "$cur" -le 8 ] && [ "$cur" -ge 1 ]
check "pids.events counts refused forks" [ "$(rd $V1/pids$P/pids.events | awk '{print $2}')" -ge 1 ]
"$CGT" kill $P 9
"$CGT" update $P pids.limit=-1
eq "pids.limit -1 is max" $V1/pids$P/pids.max max

# ---- freezer: a frozen process makes no progress ----
C=/tmp/$PFX-$$-counter
pid=$("$CGT" spawn $P -- sh -c "i=0; while :; do i=\$((i+1)); echo \$i > $C.tmp; mv $C.tmp $C; done")
i=0; while [ ! -s $C ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
"$CGT" freeze $P
check "freeze: freezer.state FROZEN" [ "$(rd $V1/freezer$P/freezer.state)" = FROZEN ]
check "frozen reports true" [ "$("$CGT" frozen $P)" = true ]
a=$(rd $C); sleep 0.5; b=$(rd $C)
check "frozen process makes no progress ($a = $b)" [ -n "$a" ] && [ "$a" = "$b" ]
check "cgroup_pids lists the spawned process while frozen" sh -c "'$CGT' pids $P | grep -qx $pid"
"$CGT" thaw $P
check "thaw: freezer.state THAWED" [ "$(rd $V1/freezer$P/freezer.state)" = THAWED ]
i=0; while [ "$(rd $C)" = "$b" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
check "thawed process makes progress again" [ "$(rd $C)" != "$b" ]

# ---- devices: a block device node made inside is unusable ----
out=$("$CGT" run $P -- sh -c "mknod /tmp/$PFX-$$-sda b 8 0 && echo mknod-ok; head -c1 /tmp/$PFX-$$-sda; mknod /tmp/$PFX-$$-null c 1 3 && echo x > /tmp/$PFX-$$-null && echo null-ok" 2>&1)
rm -f /tmp/$PFX-$$-sda /tmp/$PFX-$$-null
case $out in *"Operation not permitted"*) pass "devices: open of a /dev/sda-class node is denied";;
	*) fail "devices: sda node was usable: $out";; esac
case $out in *null-ok*) pass "devices: /dev/null (default list) works";; *) fail "devices: null: $out";; esac

out=$("$CGT" create $P 2>&1)
case $out in *"already has processes"*) pass "create refuses a cgroup that already has processes";; *) fail "busy cgroup: $out";; esac

# ---- destroy with force kills what is left and removes every dir ----
"$CGT" destroy $P force
gone() { [ ! -e /proc/$1 ] || grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; }
i=0; while ! gone $pid && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
check "destroy force: the process is gone" gone $pid
left=$(ls -d /sys/fs/cgroup/*$P /sys/fs/cgroup$P 2>/dev/null | wc -l)
check "destroy removes the dir in every hierarchy ($left left)" [ "$left" = 0 ]
rm -f $C $C.tmp

# ---- bad paths and values ----
out=$("$CGT" create /$PFX-$$/../../etc 2>&1)
case $out in *'".."'*) pass "cgroupsPath with .. is refused";; *) fail "cgroupsPath ..: $out";; esac
out=$("$CGT" create system.slice:ctr:x 2>&1)
case $out in *systemd*) pass "systemd cgroupsPath form refused clearly";; *) fail "systemd form: $out";; esac
out=$("$CGT" create $P-bad cpu.cpus=4095 2>&1)
case $out in *"linux.resources.cpu.cpus"*) pass "bad cpuset names the field";; *) fail "bad cpuset: $out";; esac
left=$(ls -d /sys/fs/cgroup/*$P-bad 2>/dev/null | wc -l)
check "failed create leaves no cgroup behind ($left)" [ "$left" = 0 ]
out=$("$CGT" create $P-bad memory.swappiness=101 2>&1)
case $out in *"memory.swappiness"*) pass "swappiness 101 refused naming the field";; *) fail "swappiness: $out";; esac
"$CGT" destroy $P-bad 2>/dev/null

# ---- relative cgroupsPath: below the creator's own cgroup ----
"$CGT" create $P-parent >/dev/null
out=$("$CGT" run $P-parent -- "$CGT" create rel/child 2>&1)
check "relative path created below the caller's cgroup ($(echo $out))" [ -d $V1/memory$P-parent/rel/child ] && [ -d $V1/pids$P-parent/rel/child ]
"$CGT" destroy $P-parent force
check "destroy removes nested cgroups" [ ! -d $V1/memory$P-parent ]

# ---- v1 only: the same host without its cgroup2 mount ----
if [ -n "$U" ]; then
	out=$(unshare -m sh -c "for m in \$(awk '/ - cgroup2 /{print \$5}' /proc/self/mountinfo); do umount -l \$m; done
		'$CGT' mode /x && '$CGT' create $P-v1 pids.limit=9 && \
		[ ! -d $U$P-v1 ] && echo no-unified-dir; cat $V1/pids$P-v1/pids.max; \
		'$CGT' create $P-v1b unified.cgroup.max.depth=3 2>&1; '$CGT' destroy $P-v1; '$CGT' destroy $P-v1b" 2>&1)
	case $out in v1*) pass "v1-only layout detected";; *) fail "v1-only mode: $out";; esac
	case $out in *"
v1
no-unified-dir"*) pass "v1-only: created without a unified dir";; *) fail "v1-only create: $out";; esac
	case $out in *"linux.resources.unified"*"no cgroup v2"*) pass "v1-only: unified refused clearly";; *) fail "v1-only unified: $out";; esac
	case $out in *"no-unified-dir
9"*) pass "v1-only: pids.max written";; *) fail "v1-only pids.max: $out";; esac
else
	skip "v1-only layout: host has no cgroup2 mount to hide"
fi

# ---- no cgroups at all ----
out=$(unshare -m sh -c "for m in \$(awk '/ - cgroup2? /{print \$5}' /proc/self/mountinfo | sort -r); do umount -l \$m; done
	'$CGT' mode /x; '$CGT' create $P-none && echo created-none; '$CGT' create $P-none pids.limit=5 2>&1; '$CGT' freeze $P-none 2>&1" 2>&1)
case $out in none*) pass "no cgroup mounts: layout none";; *) fail "none layout: $out";; esac
case $out in *"none
created-none"*) pass "none: a container asking for no resources is created";; *) fail "none create: $out";; esac
case $out in *"linux.resources.pids"*"no cgroup"*) pass "none: a resource limit fails naming the field";; *) fail "none resources: $out";; esac
case $out in *"cannot pause"*"no cgroup"*) pass "none: pause says why it cannot work";; *) fail "none pause: $out";; esac

# ---- real containers (needs `ctr run` from the lifecycle) ----
B=$T_TMP/bundle
need_bundle "$B"
set_config "$B" 'c["process"]["args"]=["sh","-c","while :; do sleep 0.1; done"]; c["process"]["terminal"]=False; c["process"].get("capabilities",{}).pop("ambient",None); c["linux"].setdefault("resources",{})["memory"]={"limit":67108864}; c["linux"]["resources"]["pids"]={"limit":100}'
ID=$(new_id cg)
if ! "$CTR" --root "$ROOT" run -d --bundle "$B" "$ID" >/dev/null 2>"$T_TMP/run.err" </dev/null; then
	fail "container cgroup tests: ctr run -d fails ($(head -c 200 "$T_TMP/run.err"))"
	exit 1
fi
cpath=/ctr/$ID
eq "container: default cgroup path /ctr/<id>, memory limit" $V1/memory$cpath/memory.limit_in_bytes 67108864
js=$("$CTR" --root "$ROOT" ps --format json "$ID")
case $js in '['[0-9]*']') pass "ps --format json: $js";; *) fail "ps json: $js";; esac
tbl=$("$CTR" --root "$ROOT" ps "$ID")
check "ps table has the header and the init's row" sh -c "echo '$tbl' | head -1 | grep -q PID && [ \$(echo '$tbl' | wc -l) -ge 2 ]"
"$CTR" --root "$ROOT" pause "$ID"
st=$("$CTR" --root "$ROOT" state "$ID")
case $st in *'"status": "paused"'*) pass "pause: state shows paused";; *) fail "pause: state: $st";; esac
out=$("$CTR" --root "$ROOT" pause "$ID" 2>&1)
check "pause twice is an error" [ -n "$out" ]
"$CTR" --root "$ROOT" resume "$ID"
st=$("$CTR" --root "$ROOT" state "$ID")
case $st in *'"status": "running"'*) pass "resume: state shows running";; *) fail "resume: state: $st";; esac
out=$("$CTR" --root "$ROOT" resume "$ID" 2>&1)
case $out in *"not paused"*) pass "resume of a running container is refused";; *) fail "resume running: $out";; esac
"$CTR" --root "$ROOT" update --memory 96m --pids-limit 77 --cpu-shares 256 "$ID"
eq "update --memory 96m" $V1/memory$cpath/memory.limit_in_bytes 100663296
eq "update --pids-limit" $V1/pids$cpath/pids.max 77
eq "update --cpu-shares" $V1/cpu$cpath/cpu.shares 256
echo '{"memory":{"limit":134217728,"swap":268435456}}' | "$CTR" --root "$ROOT" update -r - "$ID"
eq "update -r - (stdin)" $V1/memory$cpath/memory.memsw.limit_in_bytes 268435456
grep -q 134217728 "$ROOT/$ID/state.json" && pass "update stored in state.json" || fail "update not in state.json"
ev=$("$CTR" --root "$ROOT" events --stats "$ID")
if json_is "$ev" 'd["type"] == "stats" and d["id"] == "'"$ID"'" and d["data"]["pids"]["current"] > 0'; then
	pass "events --stats"; else fail "events --stats: $ev"; fi
: > "$T_TMP/ev" # exists before the loop reads it (the background redirect may come later)
"$CTR" --root "$ROOT" events --interval 200ms "$ID" >> "$T_TMP/ev" 2>&1 &
evpid=$!
i=0; while [ "$(wc -l < "$T_TMP/ev")" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
"$CTR" --root "$ROOT" kill "$ID" KILL
i=0; while kill -0 $evpid 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
check "events streams one line per interval ($(wc -l < "$T_TMP/ev"))" [ "$(wc -l < "$T_TMP/ev")" -ge 2 ]
check "events stops when the container stops" sh -c "! kill -0 $evpid 2>/dev/null"
kill $evpid 2>/dev/null || true
"$CTR" --root "$ROOT" delete -f "$ID"
check "delete removes the container's cgroup" [ ! -d $V1/memory$cpath ] && [ ! -d $V1/pids$cpath ]
out=$("$CTR" --root "$ROOT" update --memory 64m "$ID" 2>&1)
check "update of a deleted container fails ($out)" [ -n "$out" ]

# ---- update below the current usage: v1 refuses (EBUSY), ctr says why ----
ID=$(new_id busy)
set_config "$B" 'c["process"]["args"]=["sh","-c","head -c 25165824 /dev/zero > /dev/shm/fill; sleep 100"]; c["linux"]["resources"]["memory"]={"limit":67108864}'
if "$CTR" --root "$ROOT" run -d --bundle "$B" "$ID" >/dev/null 2>&1 </dev/null; then
	# tmpfs pages stay charged and, without swap room, cannot be reclaimed
	i=0; while [ "$(cat $V1/memory/ctr/$ID/memory.usage_in_bytes 2>/dev/null || echo 0)" -lt 25165824 ] &&
		[ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
	for flags in "--memory 8m" "--memory 8m --memory-swap 8m"; do
		# shellcheck disable=SC2086
		out=$("$CTR" --root "$ROOT" update $flags "$ID" 2>&1); rc=$?
		case $rc:$out in
		1:*"memory.limit_in_bytes: the container uses "[0-9]*" bytes, more than the new limit 8388608")
			pass "update $flags below the usage says so ($out)" ;;
		*) fail "update $flags below the usage: rc $rc: $out" ;;
		esac
	done
	eq "update below the usage leaves the limit" $V1/memory/ctr/$ID/memory.limit_in_bytes 67108864
	"$CTR" --root "$ROOT" delete -f "$ID"
else
	fail "update below the usage: the container does not run"
fi

# ---- oom events from the stream ----
ID=$(new_id oom)
# The container allocates only once events has taken its baseline (its first stats line),
# so a slow start of events on a busy machine cannot miss the kill.
rm -f "$B/rootfs/tmp/oom-go"
set_config "$B" 'c["process"]["args"]=["sh","-c","i=0; while [ ! -e /tmp/oom-go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; head -c 209715200 /dev/zero | tail; sleep 100"]; c["linux"]["resources"]["memory"]={"limit":16777216,"swap":16777216}'
if "$CTR" --root "$ROOT" run -d --bundle "$B" "$ID" >/dev/null 2>&1 </dev/null; then
	"$CTR" --root "$ROOT" events --interval 1s "$ID" > "$T_TMP/ev2" 2>&1 &
	evpid=$!
	i=0; while ! grep -q '"type":"stats"' "$T_TMP/ev2" && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
	touch "$B/rootfs/tmp/oom-go"
	i=0; while ! grep -q '"type":"oom"' "$T_TMP/ev2" && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
	check "events reports the OOM kill as an oom event" grep -qx '{"type":"oom","id":"'"$ID"'"}' "$T_TMP/ev2"
	"$CTR" --root "$ROOT" delete -f "$ID"
	i=0; while kill -0 $evpid 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
	check "events ends when the container is deleted" sh -c "! kill -0 $evpid 2>/dev/null"
	kill $evpid 2>/dev/null || true
else
	fail "oom container: ctr run -d failed"
fi

# ---- the device cgroup in a real container (CAP_MKNOD added so mknod itself works) ----
set_config "$B" 'c["process"]["args"]=["sh","-c","mknod /dev/xsda b 8 0 && echo mknod-ok; head -c1 /dev/xsda; echo x > /dev/null && echo null-ok"]; c["linux"]["resources"].pop("memory",None); [c["process"]["capabilities"][k].append("CAP_MKNOD") for k in ("bounding","effective","permitted")]'
ID=$(new_id dev)
out=$("$CTR" --root "$ROOT" run --bundle "$B" "$ID" 2>&1 </dev/null)
case $out in *mknod-ok*"Operation not permitted"*null-ok*) pass "container: a sda node it made is unusable, /dev/null works";;
	*) fail "container devices: $out";; esac
"$CTR" --root "$ROOT" delete -f "$ID" 2>/dev/null
true
