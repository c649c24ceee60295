#!/bin/sh
# cgroup v2 for real, in a private mount namespace where every cgroup mount is hidden and
# only a cgroup2 mount is left (at a temp dir: ctr must find the root from mountinfo).
# On a hybrid host the v2 hierarchy has only the controllers v1 does not hold (here:
# hugetlb); memory, cpu, pids and io cannot move to v2 while v1 uses them, so their v2
# writes are tested against a fake tree in unit_cgroup instead (see the SKIPs below).
# On a pure v2 host (the Debian guest of `make test-vm`) the same checks run on the real
# hierarchy at /sys/fs/cgroup, with every controller.
. "$(dirname "$0")/lib.sh"
need_root cgroup_v2
PFX=ctrtest-v2

if [ -z "${CTR_T_INNER:-}" ]; then
	# outer: sweep cgroups of dead earlier runs, build cgtool, re-run inside unshare -m
	for m in $(awk '/ - cgroup2 /{print $5}' /proc/self/mountinfo); do
		for d in "$m"/$PFX-*; do
			[ -d "$d" ] || continue
			n=${d##*/$PFX-}; n=${n%%[!0-9]*}
			kill -0 "$n" 2>/dev/null && continue
			echo 1 > "$d/cgroup.kill" 2>/dev/null
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	done
	need_cgtool # a prebuilt CGT (make test-vm) is kept
	if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] &&
		! grep -q ' - cgroup ' /proc/self/mountinfo; then
		CTR_T_INNER=$$ CTR_T_REAL=1 # pure v2 host: the real hierarchy, in this shell
	else
		if ! command -v unshare >/dev/null; then skip "cgroup v2: no unshare"; exit 0; fi
		CTR_T_INNER=$$ CGT=$CGT unshare -m sh "$0"
		exit $?
	fi
fi

P=/$PFX-$CTR_T_INNER
if [ -n "${CTR_T_REAL:-}" ]; then
	M=/sys/fs/cgroup
	where="the host's own /sys/fs/cgroup"
else
	# inner: private mount namespace
	for m in $(awk '/ - cgroup2? /{print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
	M=$T_TMP/cg2
	where="a private mount point"
	mkdir -p "$M"
	if ! mount -t cgroup2 none "$M"; then
		skip "cgroup v2: the kernel refuses a cgroup2 mount"
		exit 0
	fi
	at_exit "umount -l $M"
fi
at_exit "echo 1 > $M$P/cgroup.kill; find $M$P -depth -type d -exec rmdir {} \\;"

rd() { cat "$1" 2>/dev/null; }
eq() { got=$(rd "$2"); if [ "$got" = "$3" ]; then pass "$1"; else fail "$1: $2 is \"$got\", want \"$3\""; fi; }
gone() { [ ! -e /proc/$1 ] || grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; }

check "layout: pure v2 found at $where" [ "$("$CGT" mode /x)" = v2 ]
ctls=$(rd "$M/cgroup.controllers")
echo "# v2 controllers available here: ${ctls:-none}"

# ---- hierarchy creation and files ----
args="unified.cgroup.max.descendants=5"
case " $ctls " in *" hugetlb "*) args="$args hugetlb.2MB=2M";; esac
out=$("$CGT" create $P/inner $args 2>&1)
check "create a nested v2 cgroup ($out)" [ "$out" = v2 ] && [ -d "$M$P/inner" ]
eq "unified key written as-is (cgroup.max.descendants)" "$M$P/inner/cgroup.max.descendants" 5
case " $ctls " in
*" hugetlb "*)
	eq "hugetlb.2MB.max" "$M$P/inner/hugetlb.2MB.max" 2097152
	case " $(rd "$M$P/cgroup.subtree_control") " in *" hugetlb "*) pass "parent's subtree_control enables hugetlb";;
		*) fail "parent subtree_control: $(rd "$M$P/cgroup.subtree_control")";; esac;;
*) skip "hugetlb on v2: not offered by this host's cgroup2 root";;
esac
check "cgroup_v2_fd gives a directory fd for clone3(CLONE_INTO_CGROUP)" [ "$("$CGT" v2fd $P/inner)" = fd ]

# ---- processes ----
out=$("$CGT" run $P/inner -- cat /proc/self/cgroup)
case $out in *"0::$P/inner"*) pass "process joins via cgroup.procs";; *) fail "procs: $out";; esac

# ---- freeze (cgroup.freeze, waiting for cgroup.events frozen 1) ----
C=$T_TMP/counter
pid=$("$CGT" spawn $P/inner -- sh -c "i=0; while :; do i=\$((i+1)); echo \$i > $C.tmp; mv $C.tmp $C; done")
i=0; while [ ! -s "$C" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
"$CGT" freeze $P/inner
check "freeze: cgroup.events says frozen 1" grep -qx 'frozen 1' "$M$P/inner/cgroup.events"
a=$(rd "$C"); sleep 0.5; b=$(rd "$C")
check "frozen process makes no progress ($a = $b)" [ -n "$a" ] && [ "$a" = "$b" ]
check "cgroup_pids lists it" sh -c "'$CGT' pids $P/inner | grep -qx $pid"
"$CGT" thaw $P/inner
check "thaw: frozen 0" grep -qx 'frozen 0' "$M$P/inner/cgroup.events"
i=0; while [ "$(rd "$C")" = "$b" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
check "thawed process makes progress" [ "$(rd "$C")" != "$b" ]

# ---- cgroup.kill via destroy --force ----
"$CGT" destroy $P/inner force
i=0; while ! gone $pid && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
check "destroy force kills the processes (cgroup.kill)" gone $pid
check "destroy removes the dir" [ ! -d "$M$P/inner" ]

# ---- device filter: our eBPF program, attached with bpf() ----
out=$("$CGT" create $P/dev dev=-a dev=+b:7:0:r 2>&1)
if [ "$out" != v2 ]; then
	fail "device filter: create: $out"
else
	N=$T_TMP/node
	out=$("$CGT" run $P/dev -- sh -c "mknod $N-sda b 8 0 && echo mknod-ok; head -c1 $N-sda; mknod $N-null c 1 3; echo x > $N-null && echo null-ok; mknod $N-loop b 7 0; head -c1 $N-loop >/dev/null && echo loop-read-ok; echo x > $N-loop" 2>&1)
	case $out in *mknod-ok*) pass "device filter: mknod allowed (runc's default 'b *:* m')";; *) fail "mknod: $out";; esac
	case $out in *"$N-sda"*"Operation not permitted"*) pass "device filter: a /dev/sda-class node is unusable";; *) fail "sda: $out";; esac
	case $out in *null-ok*) pass "device filter: /dev/null works";; *) fail "null: $out";; esac
	case $out in *loop-read-ok*) pass "device filter: 'b 7:0 r' allows reading";; *) fail "loop read: $out";; esac
	case $out in *"$N-loop: Operation not permitted"*) pass "device filter: 'b 7:0 r' denies writing";; *) fail "loop write: $out";; esac
	"$CGT" destroy $P/dev force
fi

# ---- what cannot be on v2 here, and errors ----
out=$("$CGT" create $P/mem memory.limit=16M 2>&1)
case $out in *"linux.resources.memory"*"not available"*) pass "memory limit without a v2 memory controller: clear error";;
	v2) pass "memory limit applied (memory is on v2 here)"; "$CGT" destroy $P/mem;; *) fail "memory on v2: $out";; esac
check "failed create leaves nothing behind" [ ! -d "$M$P/mem" ]
out=$("$CGT" create $P/rt cpu.rtRuntime=1000 2>&1)
case $out in *"cpu"*) pass "realtime cpu on v2: refused naming the field";; *) fail "rt: $out";; esac
out=$("$CGT" create $P/u unified.no.such.file=1 2>&1)
case $out in *"linux.resources.unified.no.such.file"*) pass "unknown unified key: clear error";; *) fail "unified: $out";; esac
for c in memory cpu pids io; do
	case " $ctls " in *" $c "*) ;; *) skip "v2 $c limits: the host binds $c to cgroup v1, it cannot move to v2; its v2 files are checked against a fake tree in unit_cgroup";; esac
done
case " $ctls " in *" memory "*) ;; # OOM on real containers: tests/vm/v2.sh (make test-vm)
*) skip "v2 OOM events: no memory controller on this host's cgroup2";; esac
find "$M$P" -depth -type d -exec rmdir {} \; 2>/dev/null
check "every test cgroup removed" [ ! -d "$M$P" ]

# ---- real containers on pure v2 (needs `ctr run` from the lifecycle) ----
B=$T_TMP/bundle
need_bundle "$B"
set_config "$B" 'c["process"]["args"]=["sh","-c","while :; do sleep 0.1; done"]; c["process"]["terminal"]=False; c["process"].get("capabilities",{}).pop("ambient",None); c["linux"]["cgroupsPath"]="'$P'/c1"'
ID=$(new_id v2)
if ! "$CTR" --root "$ROOT" run -d --bundle "$B" "$ID" >/dev/null 2>"$T_TMP/run.err" </dev/null; then
	fail "v2 container tests: ctr run -d fails ($(head -c 200 "$T_TMP/run.err"))"
	exit 1
fi
check "container: cgroupsPath honoured on v2" [ -d "$M$P/c1" ]
js=$("$CTR" --root "$ROOT" ps --format json "$ID")
case $js in '['[0-9]*']') pass "v2 ps --format json: $js";; *) fail "v2 ps json: $js";; esac
"$CTR" --root "$ROOT" pause "$ID"
case $("$CTR" --root "$ROOT" state "$ID") in *'"status": "paused"'*) pass "v2 pause: state paused";; *) fail "v2 pause: state";; esac
check "v2 pause: cgroup.events frozen 1" grep -qx 'frozen 1' "$M$P/c1/cgroup.events"
"$CTR" --root "$ROOT" resume "$ID"
case $("$CTR" --root "$ROOT" state "$ID") in *'"status": "running"'*) pass "v2 resume: state running";; *) fail "v2 resume: state";; esac
ev=$("$CTR" --root "$ROOT" events --stats "$ID")
if json_is "$ev" 'd["type"] == "stats" and d["id"] == "'"$ID"'" and d["data"]["cpu"]["usage"]["total"] > 0'; then
	pass "v2 events --stats (cpu.stat)"; else fail "v2 events: $ev"; fi
out=$("$CTR" --root "$ROOT" update --pids-limit 10 "$ID" 2>&1)
case $out in *"pids"*"not available"*) pass "v2 update of a controller v2 lacks: clear error";; "") pass "v2 update --pids-limit";; *) fail "v2 update: $out";; esac
pid=$("$CTR" --root "$ROOT" ps --format json "$ID" | tr -d '[]' | cut -d, -f1)
"$CTR" --root "$ROOT" delete -f "$ID"
i=0; while ! gone "$pid" && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
check "v2 delete -f kills the container" gone "$pid"
check "v2 delete removes its cgroup" [ ! -d "$M$P/c1" ]

# the device filter in a real container (CAP_MKNOD added so mknod itself works)
set_config "$B" 'c["process"]["args"]=["sh","-c","mknod /dev/xsda b 8 0 && echo mknod-ok; head -c1 /dev/xsda; echo x > /dev/null && echo null-ok"]; [c["process"]["capabilities"][k].append("CAP_MKNOD") for k in ("bounding","effective","permitted")]'
ID=$(new_id v2dev)
out=$("$CTR" --root "$ROOT" run --bundle "$B" "$ID" 2>&1 </dev/null)
case $out in *mknod-ok*"Operation not permitted"*null-ok*) pass "v2 container: a sda node it made is unusable, /dev/null works";;
	*) fail "v2 container devices: $out";; esac
"$CTR" --root "$ROOT" delete -f "$ID" 2>/dev/null
find "$M$P" -depth -type d -exec rmdir {} \; 2>/dev/null
true
