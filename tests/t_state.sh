#!/bin/sh
# The state is not trusted blindly (issue 12 item 6): a state.json replaced by a symlink
# or a FIFO, a recorded cgroup that is another cgroup, a config path out of the state
# dir: each gives a clear error in bounded time and harms nothing. Nested cgroupsPaths
# (item 10): deleting or killing the outer container leaves the inner one alone. A
# --root that is empty or not a ctr state dir (item 13).
. "$(dirname "$0")/lib.sh"
need_root state
command -v python3 >/dev/null || { skip "state: needs python3"; exit 0; }

cp "$CTR" "$T_TMP/ctr" && CTR=$T_TMP/ctr
C() { "$CTR" --root "$ROOT" "$@"; }
# Cb: bounded (a hang is a failure: exit status 124)
Cb() { timeout -k 2 20 "$CTR" --root "$ROOT" "$@"; }
PFX=ctrstate$$
at_exit 'for h in /sys/fs/cgroup/*/; do find "$h$PFX" -depth -type d -exec rmdir {} + 2>/dev/null; done'
rfs_base state
bundle() { # NAME CGROUP: a bundle sleeping in /$PFX/CGROUP
	rfs_bundle "$1" '["sleep", "1000"]' "c['linux']['cgroupsPath'] = '/$PFX/$2'"
}
has() { case $1 in *"$2"*) return 0;; esac; return 1; }
alive() { [ -e /proc/$1/stat ] && ! grep -q ') [ZX]' /proc/$1/stat 2>/dev/null; }
# expect_error NAME RC OUTPUT: failed, not by the timeout, and said why
expect_error() {
	if [ "$2" = 0 ]; then fail "$1: succeeded"
	elif [ "$2" = 124 ] || [ "$2" = 137 ]; then fail "$1: hung"
	elif [ -z "$3" ]; then fail "$1: no error message"
	else pass "$1"; fi
}
pid_of() { C state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'; }
edit_state() { # ID PYTHON-ON-s
	python3 - "$ROOT/$1/state.json" "$2" <<'PY'
import json, sys
p, expr = sys.argv[1], sys.argv[2]
s = json.load(open(p))
exec(expr)
json.dump(s, open(p + ".new", "w"))
PY
	mv "$ROOT/$1/state.json.new" "$ROOT/$1/state.json"
}

B=$(bundle a a) || { fail "state: bundle"; exit 1; }
# fresh N: a running container to tamper with, unless the last one is still there (each
# tamper gets a live one, also when an old ctr let the previous tamper destroy it)
id=none
fresh() {
	[ -e "$ROOT/$id/state.json" ] && return 0
	C delete -f "$id" >/dev/null 2>&1
	id=$(new_id "a$1")
	C create --bundle "$B" "$id" && C start "$id" || { fail "state: create"; exit 1; }
	ipid=$(pid_of "$id")
	cp "$ROOT/$id/state.json" "$T_TMP/good.json"
}
restore() {
	rm -f "$ROOT/$id/state.json"
	cp "$T_TMP/good.json" "$ROOT/$id/state.json.new" 2>/dev/null &&
		mv "$ROOT/$id/state.json.new" "$ROOT/$id/state.json"
}
fresh 1

# ---------- state.json replaced by a symlink ----------
cp "$T_TMP/good.json" "$T_TMP/elsewhere.json"
rm "$ROOT/$id/state.json" && ln -s "$T_TMP/elsewhere.json" "$ROOT/$id/state.json"
out=$(Cb state "$id" 2>&1); expect_error "symlinked state.json: state refuses" $? "$out"
out=$(Cb delete -f "$id" 2>&1); expect_error "symlinked state.json: delete -f refuses" $? "$out"
check "symlinked state.json: the container was not killed" alive "$ipid"
restore

# ---------- state.json replaced by a FIFO ----------
fresh 2
rm "$ROOT/$id/state.json" && mkfifo "$ROOT/$id/state.json"
out=$(Cb state "$id" 2>&1); rc=$?
expect_error "FIFO state.json: state fails, does not hang" $rc "$out"
check "FIFO state.json: the error names the file" has "$out" "state.json"
out=$(Cb list 2>&1); rc=$?
check "FIFO state.json: list does not hang" [ $rc != 124 ]
out=$(Cb delete -f "$id" 2>&1); expect_error "FIFO state.json: delete -f fails, does not hang" $? "$out"
out=$(Cb kill "$id" KILL 2>&1); expect_error "FIFO state.json: kill fails, does not hang" $? "$out"
check "FIFO state.json: the container was not killed" alive "$ipid"
restore

# ---------- the recorded cgroup is another cgroup, with a victim in it ----------
sleep 1000 & victim=$!
for h in /sys/fs/cgroup/*/; do
	[ -d "$h$PFX" ] || continue
	mkdir -p "$h$PFX/victim"
	for f in cpuset.cpus cpuset.mems; do
		[ -e "$h$PFX/$f" ] && cat "$h$PFX/$f" > "$h$PFX/victim/$f"
	done
	echo $victim > "$h$PFX/victim/cgroup.procs"
done
at_exit "kill -9 $victim"
for how in "path and dirs:s['cgroup']['path'] = '/$PFX/victim'
for d in s['cgroup']['dirs']: d['dir'] = d['dir'].replace('/$PFX/a', '/$PFX/victim')" \
	   "dirs only:for d in s['cgroup']['dirs']: d['dir'] = d['dir'].replace('/$PFX/a', '/$PFX/victim')" \
	   "dirs with ..:for d in s['cgroup']['dirs']: d['dir'] = d['dir'].replace('/$PFX/a', '/$PFX/a/../victim')"; do
	name=${how%%:*}
	fresh "3${name%% *}"
	edit_state "$id" "${how#*:}"
	out=$(Cb kill --all "$id" KILL 2>&1); expect_error "cgroup tampered ($name): kill --all refuses" $? "$out"
	out=$(Cb delete -f "$id" 2>&1); expect_error "cgroup tampered ($name): delete -f refuses" $? "$out"
	out=$(Cb pause "$id" 2>&1); expect_error "cgroup tampered ($name): pause refuses" $? "$out"
	check "cgroup tampered ($name): the victim lives" alive "$victim"
	restore
done
C resume "$id" >/dev/null 2>&1
# the recorded pid is the victim's (with its start time, so it passes as alive)
fresh 4
alive "$victim" || { sleep 1000 & victim=$!; at_exit "kill -9 $victim"; }
vstart=$(cut -d' ' -f22 /proc/$victim/stat)
edit_state "$id" "s['pid'] = $victim; s['pidStartTime'] = $vstart"
out=$(Cb kill "$id" KILL 2>&1); expect_error "pid tampered: kill refuses" $? "$out"
out=$(Cb delete -f "$id" 2>&1); expect_error "pid tampered: delete -f refuses" $? "$out"
out=$(Cb exec "$id" true 2>&1); expect_error "pid tampered: exec refuses" $? "$out"
check "pid tampered: the victim lives" alive "$victim"
restore

# ---------- exec: config out of the state dir, no cgroup record ----------
fresh 5
sed 's/"sleep"/"evil"/' "$ROOT/$id/config.json" > "$T_TMP/evil.json"
for cfg in "$T_TMP/evil.json" "../../evil.json"; do
	edit_state "$id" "s['config'] = '$cfg'"
	out=$(Cb exec "$id" true 2>&1); expect_error "config \"$cfg\": exec refuses" $? "$out"
	restore
done
edit_state "$id" "del s['cgroup']"
out=$(Cb exec "$id" true 2>&1); expect_error "no cgroup record: exec refuses to run outside every cgroup" $? "$out"
restore
check "tampering done: the container still runs" alive "$ipid"
C delete -f "$id"
check "tampering done: delete -f of the restored state works" [ ! -e "$ROOT/$id" ]
kill -9 $victim 2>/dev/null

# ---------- nested cgroupsPaths: /p and /p/c ----------
for round in "kill --all" "delete -f"; do
	r=${round%% *}
	bp=$(bundle "p-$r" "p-$r") && bc=$(bundle "c-$r" "p-$r/c") || exit 1
	p=$(new_id "p-$r") && c=$(new_id "c-$r")
	{ C create --bundle "$bp" "$p" && C start "$p" && C create --bundle "$bc" "$c" &&
	  C start "$c"; } || { fail "nested: create"; continue; }
	pp=$(pid_of "$p") cp=$(pid_of "$c")
	if [ "$round" = "kill --all" ]; then
		check "nested: ps of the outer lists only its own" [ "$(C ps --format json "$p" | tr -d '[] \n')" = "$pp" ]
		C kill --all "$p" KILL
		n=0; while alive "$pp" && [ $n -lt 400 ]; do n=$((n + 1)); sleep 0.01; done
		check "nested: kill --all of the outer kills it" eval '! alive "$pp"'
	fi
	C delete -f "$p"
	check "nested ($round): the inner container lives" alive "$cp"
	check "nested ($round): and is running" [ "$(C state "$c" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = running ]
	C delete -f "$c"
	check "nested ($round): inner deleted" [ ! -e "$ROOT/$c" ]
done

# ---------- --root "" and a root that is not ctr's ----------
out=$("$CTR" --root "" list 2>&1); rc=$?
check "--root \"\": list fails" [ $rc != 0 ]
check "--root \"\": a clear message ($out)" eval 'has "$out" "empty" && ! has "$out" "too long"'
out=$("$CTR" --root "" create --bundle "$B" x 2>&1)
check "--root \"\": create says why ($out)" has "$out" "empty"
NR=$T_TMP/notroot
mkdir -p "$NR/foo" "$NR/bar"
echo keep > "$NR/foo/data"
out=$("$CTR" --root "$NR" list 2>&1)
check "foreign root: list shows no containers" eval '! has "$out" foo && ! has "$out" bar'
out=$("$CTR" --root "$NR" delete foo 2>&1); expect_error "foreign root: delete refuses" $? "$out"
out=$("$CTR" --root "$NR" delete -f foo 2>&1); expect_error "foreign root: delete -f refuses" $? "$out"
check "foreign root: its files are untouched" [ "$(cat "$NR/foo/data")" = keep ]

# ---------- list: what state says, for every status (list has its own cheaper way) ----------
LR=$T_TMP/listroot
L() { timeout -k 2 20 "$CTR" --root "$LR" "$@"; }
at_exit 'for d in "$T_TMP"/listroot/*/; do [ -d "$d" ] && "$CTR" --root "$T_TMP/listroot" delete -f "$(basename "$d")"; done'
ok=1
for s in created running paused stopped big; do
	b=$(bundle "l$s" "l$s") || ok=0
	# a state.json over 8 KB (list's buffer): the careful way must give the same
	[ $s != big ] || set_config "$b" "c['annotations'] = {'k%d' % i: 'v' * 100 for i in range(120)}" || ok=0
	L create --bundle "$b" "l-$s" || ok=0
	case $s in created|big) ;; *) L start "l-$s" || ok=0;; esac
done
L pause l-paused || ok=0
L kill l-stopped KILL || ok=0
n=0; while [ "$(L state l-stopped | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" != stopped ] && [ $n -lt 400 ]; do n=$((n + 1)); sleep 0.05; done
check "list: containers in every status made" [ $ok = 1 ]
check "list: the big state.json is over 8 KB" [ "$(wc -c < "$LR/l-big/state.json")" -gt 8192 ]
ln -s "$LR/l-running" "$LR/l-link"
mkdir "$LR/l-notone"
for id in l-big l-created l-paused l-running l-stopped; do L state "$id"; echo; done > "$T_TMP/states.json"
L list --format json > "$T_TMP/list.json" 2> "$T_TMP/list.err"
check "list -f json: every container, each as state shows it" python3 - "$T_TMP/states.json" "$T_TMP/list.json" <<'PY'
import json, sys
text, dec, states, i = open(sys.argv[1]).read(), json.JSONDecoder(), [], 0
while text[i:].strip():
    i += len(text[i:]) - len(text[i:].lstrip())
    s, i = dec.raw_decode(text, i)
    states.append(s)
listed = json.load(open(sys.argv[2]))
assert [s["status"] for s in states] == ["created", "created", "paused", "running", "stopped"]
# runc's state leaves owner empty, its list names the user
for x in states + listed:
    x.pop("owner")
for a, b in zip(listed, states):
    assert a == b, (a["id"], sorted(k for k in a if a.get(k) != b.get(k)))
assert len(listed) == len(states)
PY
check "list: a symlinked container dir is not listed, and said so" eval \
	'! L list -q 2>/dev/null | grep -q l-link && has "$(cat "$T_TMP/list.err")" l-link'
check "list: a dir without state.json is not listed, silently" eval \
	'! L list -q | grep -q l-notone && ! has "$(cat "$T_TMP/list.err")" l-notone'
check "list: the table agrees" eval '[ "$(L list | awk "NR > 1 { print \$1, \$3 }" | tr "\n" " ")" = "l-big created l-created created l-paused paused l-running running l-stopped stopped " ]'
L resume l-paused
# a workload that takes the name the waiting init had (list's cheap sign of an exec) still
# runs: its image tells
b=$(rfs_bundle lname '["sh", "-c", "read n < /l-name.comm; printf %s \"$n\" > /proc/self/comm; sleep 1000; :"]' \
	"c['linux']['cgroupsPath'] = '/$PFX/lname'") && L create --bundle "$b" l-name
comm=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("initComm", ""))' \
	"$LR/l-name/state.json" 2>/dev/null)
printf %s "$comm" > "$RFS/l-name.comm"
L start l-name
pid=$(L state l-name | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
n=0; while [ "$(cat /proc/$pid/comm 2>/dev/null)" != "$comm" ] && [ $n -lt 400 ]; do n=$((n + 1)); sleep 0.05; done
check "list: a workload named as the waiting init ($comm) is running" eval \
	'[ -n "$comm" ] && [ "$(cat /proc/$pid/comm)" = "$comm" ] && L list | grep -q "^l-name .* running " && [ "$(L state l-name | python3 -c "import json,sys; print(json.load(sys.stdin)[\"status\"])")" = running ]'
rm -f "$RFS/l-name.comm"
L delete -f l-name
