#!/bin/sh
# Container lifecycle, as a user of the runc-compatible CLI sees it: create, start, run,
# kill, delete, state, list; namespaces; failure cleanup; 200 containers in a row.
. "$(dirname "$0")/lib.sh"
need_root lifecycle
command -v python3 >/dev/null || { skip "lifecycle: needs python3"; exit 0; }

# our own copy: other engineers rebuild ./ctr while tests run
cp "$CTR" "$T_TMP/ctr" && CTR=$T_TMP/ctr
C() { "$CTR" --root "$ROOT" "$@"; }
rfs_base lifecycle
mkdir -p "$T_TMP/share"
chmod 755 "$T_TMP"   # a user-namespaced root must reach the rootfs

bundle() { # NAME ARGS_JSON [PYTHON]: hostname lc-test, /x is $T_TMP/share
	rfs_bundle "$1" "$2" "
c['hostname'] = 'lc-test'
share = {'destination': '/x', 'type': 'bind', 'source': '$T_TMP/share', 'options': ['rbind', 'rw']}
c['mounts'].append(share)
${3:-}"
}

# jq-lite: field of a JSON object read on stdin
jfield() { python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$1" 2>/dev/null; }
# t NAME SHELL-CONDITION: PASS if the condition (evaluated here) holds
t() { n=$1; shift; if eval "$*"; then pass "$n"; else fail "$n"; return 1; fi; }
has() { case $1 in *"$2"*) return 0;; esac; return 1; }
status_of() { C state "$1" 2>/dev/null | jfield status; }
pid_of() { C state "$1" 2>/dev/null | jfield pid; }
# wait_for COMMAND...: until it succeeds (bounded; not a timing assertion)
is_status() { [ "$(status_of "$1")" = "$2" ]; }
# alive PID: exists and is not a zombie (a created init's reaper may be slow)
alive() { [ -e /proc/$1/stat ] && ! grep -q ') Z' /proc/$1/stat 2>/dev/null; }

SLEEP='["sleep", "1000"]'
TRAP='["sh", "-c", "trap \"exit 7\" TERM; touch /x/ready.$$; sleep 1000 & wait"]'

# ---------- run in the foreground ----------
b=$(bundle fg '["sh", "-c", "echo host=$(hostname) pid=$$ ppid=$PPID; exit 3"]')
id=$(new_id fg)
out=$(C run --bundle "$b" "$id" 2>&1); rc=$?
check "run: exit code of the process (3)" [ "$rc" = 3 ]
case $out in *"host=lc-test pid=1 ppid=0"*) pass "run: own hostname, pid 1";;
	*) fail "run: own hostname, pid 1: got '$out'";; esac
check "run: container deleted afterwards" [ ! -e "$ROOT/$id" ]

b=$(bundle sig "$SLEEP")
id=$(new_id sig)
(exec "$CTR" --root "$ROOT" run --bundle "$b" "$id") & rp=$!
wait_for is_status "$id" running
C kill "$id" KILL
wait $rp; rc=$?
check "run: killed by SIGKILL exits 137" [ "$rc" = 137 ]

b=$(bundle fwd "$TRAP")
id=$(new_id fwd)
rm -f "$T_TMP/share"/ready.*
(exec "$CTR" --root "$ROOT" run --bundle "$b" "$id") & rp=$!
wait_for sh -c "ls $T_TMP/share/ready.* >/dev/null 2>&1"
kill -TERM $rp
wait $rp; rc=$?
check "run: forwards SIGTERM to the init (trap exits 7)" [ "$rc" = 7 ]
check "run: state gone after exit" [ ! -e "$ROOT/$id" ]

id=$(new_id keep)
b=$(bundle keep '["true"]')
C run --keep --bundle "$b" "$id"; rc=$?
t "run --keep: exit 0 and container kept as stopped" '[ "$rc" = 0 ] && is_status "$id" stopped'
C delete "$id"
check "delete of a stopped container" [ ! -e "$ROOT/$id" ]
# the relay reaped the init: its exit status is recorded for the library (ctr_state's
# exit_status); `ctr state` stays runc's JSON, without it
id=$(new_id keep3)
b=$(bundle keep3 '["sh", "-c", "exit 3"]')
C run --keep --bundle "$b" "$id"; rc=$?
t "run --keep: exit 3 recorded in the state" '[ "$rc" = 3 ] && grep -q "\"exitStatus\": *3\b" "$ROOT/$id/state.json"'
t "run --keep: state JSON has no exit status (runc's)" '! C state "$id" | grep -q exitStatus'
C delete "$id"

# ---------- run -d ----------
b=$(bundle det "$SLEEP")
id=$(new_id det)
C run -d --bundle "$b" "$id"; rc=$?
check "run -d: exits 0" [ "$rc" = 0 ]
check "run -d: running" is_status "$id" running
p=$(pid_of "$id")
nspid=$(awk '/^NSpid:/ {print $NF}' /proc/$p/status 2>/dev/null)
check "run -d: state pid is the init, pid 1 inside (NSpid $nspid)" [ "$nspid" = 1 ]
C kill "$id" KILL
wait_for is_status "$id" stopped
check "kill KILL: stopped" is_status "$id" stopped
check "state of stopped: pid 0" [ "$(pid_of "$id")" = 0 ]
C delete "$id"

# ---------- create, start, state ----------
b=$(bundle cs "$TRAP" "c['annotations'] = {'org.test': 'yes'}")
id=$(new_id cs)
rm -f "$T_TMP/share"/ready.*
C create --bundle "$b" --pid-file "$T_TMP/pidfile" "$id"; rc=$?
check "create: exit 0" [ "$rc" = 0 ]
check "create: status created" is_status "$id" created
p=$(pid_of "$id")
check "create: pid file holds the init pid" [ "$(cat "$T_TMP/pidfile")" = "$p" ]
check "create: the init lives on" [ -d /proc/$p ]
check "create: process not started (no ready file)" sh -c "! ls $T_TMP/share/ready.* 2>/dev/null"
C state "$id" > "$T_TMP/state.json"
python3 - "$T_TMP/state.json" "$id" "$b" "$RFS" "$p" <<'PY' && pass "state: runc's keys, order and values" || fail "state: runc's keys, order and values"
import json, sys, re
text = open(sys.argv[1]).read()
s = json.loads(text)
assert list(s) == ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "annotations", "owner"], list(s)
assert s["id"] == sys.argv[2] and s["bundle"] == sys.argv[3] and s["rootfs"] == sys.argv[4]
assert s["pid"] == int(sys.argv[5]) and s["status"] == "created" and s["owner"] == ""
assert s["annotations"] == {"org.test": "yes"}
assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$", s["created"]), s["created"]
assert text.startswith('{\n  "ociVersion": '), "2-space indent"
PY
C start "$id"; rc=$?
check "start: exit 0" [ "$rc" = 0 ]
check "start: running" is_status "$id" running
wait_for sh -c "ls $T_TMP/share/ready.* >/dev/null 2>&1"
check "start: the process ran" sh -c "ls $T_TMP/share/ready.* >/dev/null 2>&1"
err=$(C start "$id" 2>&1); rc=$?
t "start twice fails cleanly" '[ "$rc" = 1 ] && has "$err" "already running"'
err=$(C delete "$id" 2>&1); rc=$?
case $err in *"that is not stopped: running"*) r=0;; *) r=1;; esac
t "delete running without -f refused" '[ "$rc" = 1 ] && [ $r = 0 ]'
C kill "$id"   # default SIGTERM: the trap exits
wait_for is_status "$id" stopped
check "kill (default SIGTERM) reaches the process" is_status "$id" stopped
err=$(C kill "$id" KILL 2>&1); rc=$?
t "kill of a stopped container: 'container not running'" '[ "$rc" = 1 ] && has "$err" "not running"'
err=$(C start "$id" 2>&1); rc=$?
check "start of a stopped container fails" [ "$rc" = 1 ]
C delete "$id"
check "delete: state dir removed" [ ! -e "$ROOT/$id" ]

# created container: delete without -f kills it (as runc)
id=$(new_id cdel)
C create --bundle "$(bundle cdel "$SLEEP")" "$id"
p=$(pid_of "$id")
C delete "$id"; rc=$?
t "delete of a created container" '[ "$rc" = 0 ] && [ ! -e "$ROOT/$id" ] && ! alive $p'

# ---------- state/list of missing, list formats ----------
err=$(C state nope-$$ 2>&1); rc=$?
t "state of a missing container: exit 1, 'does not exist'" '[ "$rc" = 1 ] && has "$err" "does not exist"'
err=$(C delete nope-$$ 2>&1); rc=$?
check "delete of a missing container fails" [ "$rc" = 1 ]
C delete -f nope-$$; rc=$?
check "delete -f of a missing container succeeds" [ "$rc" = 0 ]
ROOT_MAIN=$ROOT; ROOT=$T_TMP/listroot
at_exit 'for d in "$T_TMP"/listroot/*/; do [ -d "$d" ] && "$CTR" --root "$T_TMP/listroot" delete -f "$(basename "$d")"; done'
check "list -f json of nothing is null" [ "$(C list -f json)" = null ]
hdr=$(printf '%-12s%-12s%-12s%-12s%-12s%s' ID PID STATUS BUNDLE CREATED OWNER)
check "list of nothing: header only" [ "$(C list)" = "$hdr" ]
b=$(bundle ls "$SLEEP")
id1=$(new_id ls-b); id2=$(new_id ls-a)
C create --bundle "$b" "$id1" && C create --bundle "$b" "$id2"
check "list -q: ids sorted" [ "$(C list -q | tr '\n' ' ')" = "$(printf '%s\n%s\n' "$id1" "$id2" | sort | tr '\n' ' ')" ]
C list --format=json > "$T_TMP/list.json"
python3 - "$T_TMP/list.json" "$id1" "$id2" "$b" <<'PY' && pass "list -f json: compact, both containers" || fail "list -f json: compact, both containers"
import json, sys
text = open(sys.argv[1]).read()
assert text.count("\n") == 1, "one line"
v = json.loads(text)
ids = sorted([sys.argv[2], sys.argv[3]])
assert [x["id"] for x in v] == ids, v
for x in v:
    assert list(x) == ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"]
    assert x["status"] == "created" and x["owner"] == "root" and x["bundle"] == sys.argv[4] and x["pid"] > 0
PY
C list > "$T_TMP/list.txt"
python3 - "$T_TMP/list.txt" <<'PY' && pass "list: table aligned like runc" || fail "list: table aligned like runc"
import sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 3, lines
h = lines[0]
cols = ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
starts = [h.index(c) for c in cols]
for l in lines[1:]:
    for k in range(1, 6):
        assert l[starts[k] - 1] == " " and l[starts[k]] != " ", (l, k)
    assert l.split()[2] == "created" and l.split()[5] == "root"
    assert starts[1] - starts[0] >= 12 and starts[1] - len(l.split()[0]) >= 3
PY
C delete -f "$id1"; C delete -f "$id2"
ROOT=$ROOT_MAIN

# ---------- kill variants ----------
b=$(bundle kill "$SLEEP")
for s in KILL SIGKILL 9 sigkill; do
	id=$(new_id k)
	C run -d --bundle "$b" "$id"
	C kill "$id" "$s"; rc=$?
	wait_for is_status "$id" stopped
	t "kill $s" '[ "$rc" = 0 ] && is_status "$id" stopped'
	C delete "$id"
done
id=$(new_id kbad)
C run -d --bundle "$b" "$id"
err=$(C kill "$id" NOSUCHSIG 2>&1); rc=$?
t "kill with an unknown signal fails, container untouched" '[ "$rc" = 1 ] && is_status "$id" running'
C delete -f "$id"
check "delete -f of a running container" [ ! -e "$ROOT/$id" ]

b=$(bundle kall '["sh", "-c", "sleep 1000 & sleep 1000 & touch /x/kall.$$; wait"]')
id=$(new_id kall)
rm -f "$T_TMP"/share/kall.*
C run -d --bundle "$b" "$id"
wait_for sh -c "ls $T_TMP/share/kall.* >/dev/null 2>&1"
p=$(pid_of "$id")
ns=$(readlink /proc/$p/ns/pid)
C kill --all "$id" KILL; rc=$?
# a process of that pid ns still alive (zombies wait for a reaper we do not control)
left() { for d in /proc/[0-9]*; do [ "$(readlink $d/ns/pid 2>/dev/null)" = "$ns" ] && alive "${d#/proc/}" && return 0; done; return 1; }
n=0; while left && [ $n -lt 400 ]; do n=$((n + 1)); sleep 0.025; done
t "kill --all: every process of the container is gone" '[ "$rc" = 0 ] && ! left'
C delete "$id"

# ---------- paused containers (ctr pause: cgroup freezer) ----------
id=$(new_id pause)
C run -d --bundle "$(bundle pause "$SLEEP")" "$id"
if C pause "$id" 2>/dev/null; then
	t "pause: state and list show paused" 'is_status "$id" paused && C list | grep -q " paused "'
	C kill "$id" KILL
	wait_for is_status "$id" stopped
	t "kill KILL of a paused container stops it (thawed)" 'is_status "$id" stopped'
	C delete "$id"
	id=$(new_id pause2)
	C run -d --bundle "$(bundle pause "$SLEEP")" "$id"
	p=$(pid_of "$id")
	C pause "$id"
	C delete -f "$id"; rc=$?
	t "delete -f of a paused container" '[ "$rc" = 0 ] && [ ! -e "$ROOT/$id" ] && ! alive $p'
else
	if have_freezer; then fail "pause: ctr pause fails"; else skip "pause: no cgroup freezer on this host"; fi
	C delete -f "$id"
fi

# ---------- pid reuse ----------
b=$(bundle reuse "$SLEEP")
id=$(new_id reuse)
C run -d --bundle "$b" "$id"
C kill "$id" KILL
wait_for is_status "$id" stopped
sleep 1000 & decoy=$!
python3 - "$ROOT/$id/state.json" "$decoy" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s["pid"] = int(sys.argv[2])
json.dump(s, open(sys.argv[1], "w"))
PY
check "pid reuse: a recycled pid is not the container (stopped)" is_status "$id" stopped
C kill "$id" KILL 2>/dev/null
C delete -f "$id"
check "pid reuse: kill/delete leave the unrelated process alone" kill -0 $decoy
kill $decoy; wait $decoy 2>/dev/null

# ---------- ids ----------
for bad in ../x . .. a/b ".hid"; do
	C create --bundle "$b" "$bad" > "$T_TMP/fail.out" 2>&1; rc=$?; err=$(cat "$T_TMP/fail.out")
	t "create refuses id '$bad'" '[ "$rc" = 1 ] && has "$err" "invalid"'
done

# ---------- concurrency ----------
id=$(new_id same)
for i in 1 2 3 4 5 6; do (C create --bundle "$b" "$id" >/dev/null 2>&1 && echo ok > "$T_TMP/same.$i") & done
wait
check "6 concurrent creates of one id: exactly one wins" [ "$(ls "$T_TMP"/same.* 2>/dev/null | wc -l)" = 1 ]
for i in 1 2 3 4 5 6; do C create --bundle "$b" "$id-$i" & done
wait
check "6 concurrent creates of different ids all succeed" [ "$(C list -q | grep -c "^$id")" = 7 ]
for i in 1 2 3 4 5 6; do C delete -f "$id-$i" & done
C delete -f "$id"
wait
check "concurrent deletes leave nothing" [ -z "$(ls "$ROOT")" ]

# ---------- namespaces ----------
b=$(bundle ns '["sh", "-c", "for n in net ipc uts mnt pid cgroup; do readlink /proc/self/ns/$n; done; cat /proc/net/dev | wc -l; cat /proc/self/cgroup"]' \
	"c['linux']['namespaces'] = [{'type': t} for t in ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']]")
out=$(C run --bundle "$b" "$(new_id ns)" 2>&1)
same=0
for n in net ipc uts mnt pid cgroup; do
	echo "$out" | grep -qx "$(readlink /proc/self/ns/$n)" && same=1
done
t "namespaces: net ipc uts mnt pid cgroup all new" '[ $same = 0 ] && [ -n "$out" ]'
check "network namespace: only lo" [ "$(echo "$out" | sed -n 7p)" = 3 ]
cg=$(echo "$out" | sed -n '8,$p')
t "cgroup namespace: the container sees its cgroups as /" '[ -n "$cg" ] && ! echo "$cg" | grep -qv ":/\$"' 

b=$(bundle user '["sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/gid_map"]' "
c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]")
out=$(C run --bundle "$b" "$(new_id user)" 2>&1); rc=$?
norm=$(echo "$out" | tr -s ' \t' ' ' | sed 's/^ //')
t "user namespace: root inside, maps written by ctr" '[ "$rc" = 0 ] && [ "$(echo "$norm" | tr '\''\n'\'' '\''|'\'')" = "0|0 100000 65536|0 100000 65536|" ]' || echo "# user ns output: $out"

ida=$(new_id join-a)
C run -d --bundle "$(bundle join-a "$SLEEP")" "$ida"
pa=$(pid_of "$ida")
b=$(bundle join-b '["sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/uts; hostname; ps -o comm | grep -cx sleep"]' "
for ns in c['linux']['namespaces']:
    if ns['type'] in ('network', 'uts', 'pid'):
        ns['path'] = '/proc/$pa/ns/' + {'network': 'net', 'uts': 'uts', 'pid': 'pid'}[ns['type']]
c.pop('hostname')")
out=$(C run --bundle "$b" "$(new_id join-b)" 2>&1); rc=$?
exp=$(printf '%s\n%s\nlc-test\n1' "$(readlink /proc/$pa/ns/net)" "$(readlink /proc/$pa/ns/uts)")
t "join namespaces by path (net, uts, pid of another container)" '[ "$rc" = 0 ] && [ "$out" = "$exp" ]' || echo "# join output: $out"
C delete -f "$ida"

b=$(bundle time '["cat", "/proc/uptime"]' "
c['linux']['namespaces'].append({'type': 'time'})
c['linux']['timeOffsets'] = {'boottime': {'secs': 864000000}}")
out=$(C run --bundle "$b" "$(new_id time)" 2>&1); rc=$?
t "time namespace: boottime offset applied" '[ "$rc" = 0 ] && [ "${out%%.*}" -ge 864000000 ] 2>/dev/null' || echo "# time output: $out"

# ---------- preserve-fds ----------
echo three > "$T_TMP/f3"; echo four > "$T_TMP/f4"
b=$(bundle pfd '["sh", "-c", "cat <&3; cat <&4; exec sleep 1000"]')
id=$(new_id pfd)
C run -d --preserve-fds 2 --bundle "$b" "$id" 3<"$T_TMP/f3" 4<"$T_TMP/f4" 5<"$T_TMP/f4" > "$T_TMP/pfd.out"
p=$(pid_of "$id")
wait_for grep -q four "$T_TMP/pfd.out"
fds=$(ls /proc/$p/fd | sort -n | tr '\n' ' ')
t "--preserve-fds 2: fds 3 and 4 passed and readable, nothing else" '[ "$fds" = "0 1 2 3 4 " ] && [ "$(cat "$T_TMP/pfd.out" | tr "\n" "|")" = "three|four|" ]' || echo "# fds $fds, output $(cat "$T_TMP/pfd.out")"
C delete -f "$id"

# ---------- hooks: all six kinds, with the state on stdin ----------
H=$T_TMP/share
b=$(bundle hooks '["sh", "-c", "echo $$ > /x/hook-pid"]' "
def hk(kind, inside=False):
    out = ('/x/' if inside else '$H/') + kind + '.json'
    return [{'path': '/bin/sh', 'args': ['sh', '-c', 'cat > ' + out]}]
c['hooks'] = {k: hk(k, k == 'startContainer') for k in
    ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']}")
id=$(new_id hooks)
C run --bundle "$b" "$id"; rc=$?
python3 - "$H" "$id" <<'PY' && pass "hooks: prestart createRuntime createContainer startContainer poststart poststop ran with the state" || fail "hooks: all six kinds"
import json, sys
d, cid = sys.argv[1], sys.argv[2]
want = {"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
        "startContainer": "created", "poststart": "running", "poststop": "stopped"}
for k, st in want.items():
    s = json.load(open("%s/%s.json" % (d, k)))
    assert s["id"] == cid and s["status"] == st, (k, s)
    assert (s["pid"] > 0) == (k != "poststop"), (k, s)
PY
b=$(bundle hookfail "$SLEEP" "c['hooks'] = {'createRuntime': [{'path': '/bin/sh', 'args': ['sh', '-c', 'echo boom >&2; exit 4']}]}")
id=$(new_id hookfail)
C create --bundle "$b" "$id" > "$T_TMP/fail.out" 2>&1; rc=$?; err=$(cat "$T_TMP/fail.out")
t "a failing createRuntime hook fails create with its output, nothing left" '[ "$rc" = 1 ] && has "$err" boom && [ ! -e "$ROOT/$id" ]' || echo "# $err"

# ---------- terminal ----------
b=$(bundle tty '["sh", "-c", "tty; echo hello-tty; exit 5"]' "c['process']['terminal'] = True")
out=$(C run --bundle "$b" "$(new_id tty)" < /dev/null 2>&1); rc=$?
t "terminal, foreground run: a pty from the container's devpts, output relayed, exit code" '[ "$rc" = 5 ] && has "$out" "/dev/pts/0" && has "$out" hello-tty' || echo "# $out"
C create --bundle "$b" "$(new_id tty)" > "$T_TMP/fail.out" 2>&1; rc=$?; err=$(cat "$T_TMP/fail.out")
t "terminal, create without --console-socket refused" '[ "$rc" = 1 ] && has "$err" "console socket"' || echo "# $err"
console_recv "$T_TMP/console.sock" "$T_TMP/console.out"; rp=$!
id=$(new_id ttysock)
C create --console-socket "$T_TMP/console.sock" --bundle "$b" "$id" && C start "$id"
wait $rp
t "terminal, --console-socket: the pty master reaches the socket" 'grep -q hello-tty "$T_TMP/console.out"'
C delete -f "$id"

# ---------- failures leave nothing behind ----------
snapshot() {
	echo "mounts $(wc -l < /proc/self/mountinfo)"
	echo "state $(ls "$ROOT" 2>/dev/null | wc -l)"
	echo "cgroups $(find /sys/fs/cgroup -maxdepth 4 -type d -name "*t$$-*" 2>/dev/null | wc -l)"
	echo "procs $(grep -l -s -- "$ROOT" /proc/[0-9]*/cmdline 2>/dev/null | grep -v "/proc/$$/" | wc -l)"
}
# pids of zombie processes of a ctr binary (the host's or its sealed copy)
ctr_zombies() { ps -eo pid=,stat=,args= | awk '$2 ~ /^Z/ && /ctr/ {print $1}'; }
before=$(snapshot)
failcase() { # NAME EXPECTED-TEXT ARGS_JSON PYTHON
	b=$(bundle "$1" "$3" "${4:-}")
	id=$(new_id "$1")
	# to a file, not $(...): a create that wrongly succeeds leaves an init holding stdout
	C create --bundle "$b" "$id" > "$T_TMP/fail.out" 2>&1; rc=$?
	err=$(cat "$T_TMP/fail.out")
	[ "$rc" = 0 ] && C delete -f "$id"
	after=$(snapshot)
	case $err in *"$2"*) m=0;; *) m=1;; esac
	if [ "$rc" = 1 ] && [ $m = 0 ] && [ "$after" = "$before" ] && [ ! -e "$ROOT/$id" ]; then
		pass "failed create ($1) reports '$2' and leaves nothing"
	else
		fail "failed create ($1): rc=$rc err='$err' before='$before' after='$after'"
	fi
}
failcase badmount /nonexistent-src "$SLEEP" \
	"c['mounts'].append({'destination': '/mnt', 'type': 'bind', 'source': '/nonexistent-src', 'options': ['bind']})"
failcase badmap uidMappings "$SLEEP" "
c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 4294967000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]"
failcase nobinary /no/such/binary '["/no/such/binary"]'
failcase nopath nosuchcmd '["nosuchcmd"]'
failcase badcwd /etc/passwd "$SLEEP" "c['process']['cwd'] = '/etc/passwd'"
failcase badns /proc/self/ns/nope "$SLEEP" "[ns.update(path='/proc/self/ns/nope') for ns in c['linux']['namespaces'] if ns['type'] == 'ipc']"
b=$(bundle runfail '["/no/such/binary"]')
err=$(C run --bundle "$b" "$(new_id runfail)" 2>&1); rc=$?
t "run of a missing binary: exit 1, nothing left" '[ "$rc" = 1 ] && [ "$(snapshot)" = "$before" ]'

# ---------- 200 in a row ----------
N=${LC_LOOP:-200}
b=$(bundle loop "$SLEEP")
bt=$(bundle looptrue '["true"]')
fds_before=$(ls /proc/$$/fd | wc -l)
zombies_before=$(ctr_zombies)
before=$(snapshot)
t0=$(date +%s.%N)
ok=0
i=0
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	id=c$i-$$
	C create --bundle "$b" "$id" && C start "$id" && C kill "$id" KILL && C delete -f "$id" && ok=$((ok + 1))
done
t1=$(date +%s.%N)
i=0
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	C run --bundle "$bt" r$i-$$ && ok=$((ok + 1))
done
t2=$(date +%s.%N)
after=$(snapshot)
fds_after=$(ls /proc/$$/fd | wc -l)
echo "# $N create/start/kill/delete cycles: $(awk "BEGIN{print $t1 - $t0}") s; $N runs of true: $(awk "BEGIN{print $t2 - $t1}") s"
check "$N create/start/kill/delete cycles and $N runs all succeed" [ "$ok" = $((2 * N)) ]
t "$N cycles leak no mounts, state, cgroups or processes" '[ "$after" = "$before" ]' || echo "# before: $before / after: $after"
check "$N cycles leak no fds" [ "$fds_after" = "$fds_before" ]
# killed inits are orphans reaped by the system's init: give it a moment. Only zombies
# that appeared during the cycles count (other processes on the machine may have theirs).
for _ in $(seq 50); do
	zombies=$(ctr_zombies | grep -vxF -e "$zombies_before" | grep -c .)
	[ "$zombies" = 0 ] && break
	sleep 0.1
done
check "no zombies left" [ "$zombies" = 0 ]
