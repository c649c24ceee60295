#!/bin/sh
# Faults: kill -9 of `ctr create`, `start`, `exec` and `delete` at random points. After
# each kill the status `state` reports must be what /proc shows, and `delete -f` must
# leave 0 processes, 0 mounts, 0 cgroup directories and 0 state dirs. Then the
# deterministic cases: a start killed after the exec (issue 12 item 8) and a create
# killed while a hook runs (item 9).
. "$(dirname "$0")/lib.sh"
need_root faults

# our own copy: other engineers rebuild ./ctr while tests run
cp "$CTR" "$T_TMP/ctr" && CTR=$T_TMP/ctr
C() { "$CTR" --root "$ROOT" "$@"; }
N=${FAULT_ITERATIONS:-100}     # kills of each command (issue 12): 60-120 s, with the load
PFX=ctrfault$$                 # every cgroup of this run is below /$PFX
SLEEPN=$((100000 + $$))        # the workload's argument: finds it wherever it runs
R=$(( $$ * 7919 + $(date +%s) % 100000 ))
echo "seed $R, $N iterations per loop"
at_exit 'for h in /sys/fs/cgroup/*/; do find "$h$PFX" -depth -type d -exec rmdir {} + 2>/dev/null; done'

rfs_base faults
# bundle NAME CGROUP HOOKS: sleeps $SLEEPN in /$PFX/CGROUP; HOOKS 1 adds a prestart hook
bundle() {
	rfs_bundle "$1" "[\"sleep\", \"$SLEEPN\"]" "
c['linux']['cgroupsPath'] = '/$PFX/$2'
if $3:
    c['hooks'] = {'prestart': [{'path': '/bin/sh', 'args': ['sh', '-c', 'sleep 0.03', '$T_TMP-hook']}]}
"
}

# ---------- counting what is left (shell builtins: this runs after every kill) ----------
# cgroup dirs of the run (containers use /$PFX/NAME; nested ones may go two deeper)
CGGLOB="/sys/fs/cgroup/*/$PFX/*/ /sys/fs/cgroup/*/$PFX/*/*/ /sys/fs/cgroup/*/$PFX/*/*/*/"
cg_dirs() { n=0; for d in $CGGLOB; do [ -d "$d" ] && n=$((n + 1)); done; echo $n; }
# ctr processes and hooks (their command lines name $T_TMP), the workload, and
# whatever else sits in the run's cgroups
procs() {
	n=$(pgrep -f -- "$T_TMP|sleep $SLEEPN" | grep -c .)
	for d in $CGGLOB; do
		[ -e "${d}cgroup.procs" ] || continue
		while read -r p; do n=$((n + 1)); done < "${d}cgroup.procs"
	done
	echo $n
}
mounts() { n=0; while read -r l; do case $l in *"$T_TMP"*) n=$((n + 1));; esac; done < /proc/self/mountinfo; echo $n; }
states() { n=0; for d in "$ROOT"/* "$ROOT"/.[!.]*; do [ -e "$d" ] && n=$((n + 1)); done; echo $n; }
leftovers() { echo "procs=$(procs) mounts=$(mounts) cgroups=$(cg_dirs) states=$(states)"; }
clean() { [ "$(leftovers)" = "procs=0 mounts=0 cgroups=0 states=0" ]; }
# bounded: a SIGKILLed process may take a moment to be gone (not a timing assertion)
settled() { sn=0; while ! clean; do sn=$((sn + 1)); [ $sn -gt 100 ] && return 1; sleep 0.01; done; }
# after a failure: remove what was left (all of it this run's own), so that the next
# iteration is counted on its own
scrub() {
	for p in $(pgrep -f -- "$T_TMP|sleep $SLEEPN"); do kill -9 "$p"; done
	for d in $CGGLOB; do
		[ -e "${d}cgroup.procs" ] && while read -r p; do kill -9 "$p"; done < "${d}cgroup.procs"
	done
	sleep 0.1
	for g in "/sys/fs/cgroup/*/$PFX/*/*/*/" "/sys/fs/cgroup/*/$PFX/*/*/" "/sys/fs/cgroup/*/$PFX/*/"; do
		for d in $g; do [ -d "$d" ] && rmdir "$d"; done
	done 2>/dev/null
	rm -rf "$ROOT"/* "$ROOT"/.[!.]*
}

# ---------- truthful status ----------
rnd() { R=$(( (R * 1103515245 + 12345) % 2147483648 )); RV=$(( (R / 65536) % $1 )); }
# msleep MS: a shell spin, not sleep(1): spawning it would take longer than a `ctr start`
spin() { s=0; while [ $s -lt $1 ]; do s=$((s + 1)); done; }
t0=$(date +%s%N); spin 20000; SPIN_MS=$(( 20000 * 1000000 / ($(date +%s%N) - t0 + 1) + 1 ))
msleep() { spin $(($1 * SPIN_MS)); }
# field NAME: a string or number member of the state JSON on stdin
field() {
	v=""; while IFS= read -r l; do v="$v$l
"; done
	v=${v#*\"$1\": }; v=${v%%[,
]*}; v=${v#\"}; echo "${v%\"}"
}
alive() { read -r l < /proc/$1/stat 2>/dev/null || return 1; case $l in *") "[ZX]*) return 1;; esac; }
# what /proc says the pid is: dead, ctr (an init waiting for start: the binary, a sealed
# copy or the binary through a private overlay: the same bytes), user (exec'd), exiting
# (killed, its memory gone but not a zombie yet: no image tells which it was; the
# overlay's teardown there takes an RCU grace period)
kind() {
	if [ "${1:-0}" = 0 ] || ! alive "$1"; then echo dead
	elif cmp -s /proc/$1/exe "$CTR"; then echo ctr
	elif ! readlink /proc/$1/exe > /dev/null 2>&1 && alive "$1"; then echo exiting
	else echo user; fi
}
# truthful ID: the status `state` gives matches /proc, sampled before and after it
WHY=""
truthful() {
	out=$(C state "$1" 2>&1) || {
		[ ! -e "$ROOT/$1" ] && return 0
		WHY="state of an existing container failed: $out"; return 1; }
	pid=$(echo "$out" | field pid)
	case $out in *'"pid"'*) ;; *) pid=0;; esac
	k1=$(kind "$pid")
	st=$(C state "$1" 2>/dev/null | field status)
	k2=$(kind "$pid")
	case $st in
	creating) want=none;; created) want=ctr;; running|paused) want=user;; stopped) want=dead;;
	*) WHY="status '$st'"; return 1;;
	esac
	if [ $want = none ]; then
		[ -z "$(pgrep -f "sleep $SLEEPN")" ] && return 0
		WHY="creating, but the workload runs"; return 1
	fi
	[ "$k1" = $want ] || [ "$k2" = $want ] && return 0
	[ $want != dead ] && { [ "$k1" = exiting ] || [ "$k2" = exiting ]; } && return 0
	WHY="state says $st, /proc says $k1/$k2 (pid $pid)"
	return 1
}

# loop NAME: account one failure (the first one's reason is printed)
FAILS=0 FIRST="" LANDED=0
bad() { FAILS=$((FAILS + 1)); [ -z "$FIRST" ] && FIRST="iteration $i: $*"; }
LT=$(date +%s)
report() {
	now=$(date +%s); echo "  ($1: $((now - LT)) s)"; LT=$now
	if [ $FAILS = 0 ]; then pass "$1 ($N kills, $LANDED mid-way)"
	else fail "$1: $FAILS of $N iterations wrong ($LANDED kills mid-way); first: $FIRST"; fi
	FAILS=0 FIRST="" LANDED=0
}
# after a kill: the status is true, delete -f works, nothing is left
after_kill() {
	truthful "$1" || bad "$WHY"
	C delete -f "$1" >/dev/null 2>&1 || bad "delete -f $1: $(C delete -f "$1" 2>&1)"
	settled || { bad "after delete -f: $(leftovers)"; scrub; }
}
# killat MAXMS CMD...: run CMD, kill -9 it at a random point in [0, MAXMS) ms
killat() {
	max=$1; shift
	( exec "$@" >/dev/null 2>&1 ) & kp=$!
	rnd "$max"; msleep $RV
	kill -9 $kp 2>/dev/null; wait $kp 2>/dev/null
	[ $? = 137 ] && LANDED=$((LANDED + 1))
}

settled || { fail "faults: leftovers before the test: $(leftovers)"; exit 1; }
T0=$(date +%s) LT=$(date +%s)

# ---------- kill -9 of create (a prestart hook widens the window) ----------
B=$(bundle create c 1) || { fail "faults: bundle"; exit 1; }
i=0
while [ $i -lt $N ]; do
	i=$((i + 1)); id=c$i
	killat 100 "$CTR" --root "$ROOT" create --bundle "$B" "$id"
	after_kill "$id"
done
report "kill -9 create: status true, delete -f leaves nothing"

# ---------- kill -9 of start ----------
B=$(bundle start s 0) || exit 1
i=0
while [ $i -lt $N ]; do
	i=$((i + 1)); id=s$i
	C create --bundle "$B" "$id" >/dev/null 2>&1 || { bad "create: $(C create --bundle "$B" "$id" 2>&1)"; continue; }
	killat 8 "$CTR" --root "$ROOT" start "$id"
	truthful "$id" || bad "$WHY"
	st=$(C state "$id" 2>/dev/null | field status)
	if [ "$st" = running ]; then
		out=$(C start "$id" 2>&1) && bad "start of a running container succeeded"
		case $out in *running*) ;; *) bad "start again: '$out'";; esac
		C delete "$id" >/dev/null 2>&1 && bad "plain delete of a running container succeeded"
	elif [ "$st" = created ] && C start "$id" >/dev/null 2>&1; then
		truthful "$id" || bad "after a second start: $WHY"
	fi
	after_kill "$id"
done
report "kill -9 start: status true, start/delete as runc, delete -f leaves nothing"

# ---------- kill -9 of exec ----------
B=$(bundle exec e 0) || exit 1
id=e0
C create --bundle "$B" "$id" >/dev/null 2>&1
C start "$id" >/dev/null 2>&1
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	killat 25 "$CTR" --root "$ROOT" exec "$id" sh -c "sleep 0.0$i"
	truthful "$id" || bad "$WHY"
	[ "$st" = running ] || bad "container not running ($st)"
done
after_kill "$id"
report "kill -9 exec: container stays running, delete -f leaves nothing"

# ---------- kill -9 of delete -f ----------
B=$(bundle delete d 0) || exit 1
i=0
while [ $i -lt $N ]; do
	i=$((i + 1)); id=d$i
	{ C create --bundle "$B" "$id" && C start "$id"; } >/dev/null 2>&1 || bad "create: $(leftovers)"
	killat 25 "$CTR" --root "$ROOT" delete -f "$id"
	after_kill "$id"
done
report "kill -9 delete -f: status true, delete -f again leaves nothing"
echo "fault loops: $((4 * N)) kills in $(( $(date +%s) - T0 )) s"

# ---------- item 8: start killed after the exec, before it cleaned up ----------
# Connecting to start.sock and going away is all a killed `ctr start` did.
B=$(bundle start8 s8 0) || exit 1
id=$(new_id s8)
C create --bundle "$B" "$id" >/dev/null 2>&1
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.recv(1)' \
	"$ROOT/$id/start.sock" 2>/dev/null
pid=$(C state "$id" | field pid)
wait_exec() { n=0; while [ "$(kind "$pid")" = ctr ]; do n=$((n + 1)); [ $n -gt 400 ] && return 1; sleep 0.01; done; }
wait_exec
check "killed start: the workload runs" [ "$(kind "$pid")" = user ]
check "killed start: state says running" [ "$(C state "$id" | field status)" = running ]
out=$(C start "$id" 2>&1)
case $out in *"already running"*) pass "killed start: start again is refused";;
	*) fail "killed start: start again: '$out'";; esac
C delete "$id" >/dev/null 2>&1
check "killed start: plain delete refuses, the workload lives" alive "$pid"
C delete -f "$id" >/dev/null 2>&1
check "killed start: delete -f removes everything" settled

# ---------- item 9: create killed while its hook runs ----------
B=$(bundle create9 c9 0) || exit 1
set_config "$B" "c['hooks'] = {'createRuntime': [{'path': '/bin/sh', 'args': ['sh', '-c',
 'echo \$\$ > $T_TMP/hook.pid; exec sleep $SLEEPN', '$T_TMP-hook']}]}"
id=$(new_id c9)
rm -f "$T_TMP/hook.pid"
( exec "$CTR" --root "$ROOT" create --bundle "$B" "$id" >/dev/null 2>&1 ) & kp=$!
n=0; while [ ! -s "$T_TMP/hook.pid" ] && [ $n -lt 400 ]; do n=$((n + 1)); sleep 0.01; done
kill -9 $kp; wait $kp 2>/dev/null
check "killed create: state says creating" [ "$(C state "$id" 2>/dev/null | field status)" = creating ]
check "killed create: cgroup directories exist" [ "$(cg_dirs)" -gt 0 ]
C delete -f "$id" >/dev/null 2>&1
check "killed create: delete -f leaves nothing ($(leftovers))" settled
