#!/bin/sh
# The CLI as runc's users drive it: the usage generated from the flag tables (ctr --help
# lists every command, ctr CMD --help every flag, each one the parser takes), flags after
# the container id (all commands but exec and ps), `--`, kill 0, exec --ignore-paused /
# --cgroup / an unknown --cap, the text log layout, --debug steps, and runc 1.1.5's exit codes and key phrases for the common
# failures (compared with a real runc on the same bundle when one is installed).
. "$(dirname "$0")/lib.sh"

NAMES="cli_systemd_cgroup_no_systemd cli_features_systemd cli_help_lists_commands cli_command_help_flags cli_help_flags_accepted cli_update_after_id cli_kill_all_after_id cli_delete_force_after_id cli_double_dash cli_exec_words cli_kill0_alive cli_kill0_dead cli_exec_paused_refused cli_exec_ignore_paused cli_exec_cgroup cli_v2_exec_ignore_paused cli_v2_exec_cgroup cli_exec_cap_unknown cli_log_text cli_debug_steps cli_runc_codes"
need_root $NAMES
command -v python3 >/dev/null || skip_all "python3 is not installed"

# our own copy: other engineers rebuild ./ctr while tests run
cp "$CTR" "$T_TMP/ctr" && CTR=$T_TMP/ctr
C() { "$CTR" --root "$ROOT" "$@"; }
B=$T_TMP/b
need_bundle "$B"
chmod 755 "$T_TMP"
set_config "$B" '
c["process"]["terminal"] = False
c["process"]["args"] = ["sleep", "100000"]
' || fail_all "set_config failed"

has() { case $1 in *"$2"*) return 0;; esac; return 1; }
jfield() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1" 2>/dev/null; }
pid_of() { C state "$1" 2>/dev/null | jfield pid; }
status_of() { C state "$1" 2>/dev/null | jfield status; }
alive() { [ -e /proc/$1/stat ] && ! grep -q ') Z' /proc/$1/stat 2>/dev/null; }
dead() { ! alive "$1"; }
# run_c ID [BUNDLE]: a detached container
run_c() { timeout 60 "$CTR" --root "$ROOT" run -d --bundle "${2:-$B}" "$1" </dev/null >/dev/null 2>"$T_TMP/run.err"; }
# cgdir PID CTL: PID's cgroup directory in the v1 hierarchy of CTL ("" = cgroup2)
cgdir() {
	if [ -z "$2" ]; then
		mnt=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
		p=$(sed -n 's/^0:://p' /proc/$1/cgroup)
	else
		mnt=$(awk -v c="$2" '$0 ~ / - cgroup / { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo)
		p=$(awk -F: -v c="$2" '{ n = split($2, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) print $3 }' /proc/$1/cgroup)
	fi
	[ -n "$mnt" ] && [ -n "$p" ] && echo "$mnt$p"
}

# ---------- usage generated from the flag tables ----------
CMDS="spec check create start run exec kill delete state list ps pause resume update events features"
out=$("$CTR" --help); rc=$?; missing=""
for c in $CMDS; do printf '%s\n' "$out" | grep -Eq "^  $c +[A-Z][a-z]+ " || missing="$missing $c"; done
if [ "$rc" = 0 ] && [ -z "$missing" ]; then pass cli_help_lists_commands
else fail "cli_help_lists_commands: rc $rc, no one-line description for:$missing"; fi

# every flag runc's callers pass, on its own line of `ctr CMD --help` with its help text
FLAGS='create bundle pid-file console-socket no-pivot no-new-keyring preserve-fds
run bundle pid-file console-socket no-pivot no-new-keyring preserve-fds detach keep no-subreaper
exec process tty detach pid-file console-socket env cwd user additional-gids cap no-new-privs apparmor process-label preserve-fds ignore-paused cgroup
kill all
delete force
list format quiet
ps format
spec bundle rootless
check bundle arch quiet
update resources memory memory-swap memory-reservation kernel-memory kernel-memory-tcp cpu-shares cpu-quota cpu-period cpu-rt-period cpu-rt-runtime cpuset-cpus cpuset-mems pids-limit blkio-weight
events stats interval'
bad=$(printf '%s\n' "$FLAGS" | while read -r c flags; do
	out=$("$CTR" "$c" --help 2>&1) || echo "[$c --help: rc $?]"
	case $out in "usage: ctr $c "*) ;; *) echo "[$c: no usage line]";; esac
	for f in $flags; do
		printf '%s\n' "$out" | grep -Eq -- "^ +(-[a-z], )?--$f( [^ ]+)?  +[^ ]" || echo "[$c --$f]"
	done
done | tr '\n' ' ')
if [ -z "$bad" ]; then pass cli_command_help_flags; else fail "cli_command_help_flags: no help line for $bad"; fi

# every flag a usage lists is one the parser takes (run where nothing can be created)
E=$T_TMP/empty-bundle
mkdir -p "$E" && echo '{}' > "$E/config.json"
bad=$(cd "$E" && for c in "" $CMDS; do
	"$CTR" $c --help 2>/dev/null | grep -Eo -- '^ +(-[a-z], )?--[a-z-]+( [^ ]+)?' |
	while read -r line; do
		f=$(printf '%s\n' "$line" | grep -Eo -- '--[a-z-]+'); v=""
		case $line in *"$f "*) v=1;; esac
		case $c in exec|ps) set -- $c $f $v cli-nosuch true;; "") set -- $f $v list;; *) set -- $c $f $v cli-nosuch;; esac
		# shellcheck disable=SC2086
		err=$(timeout 30 "$CTR" --root "$T_TMP/empty-root" "$@" </dev/null 2>&1 >/dev/null)
		case $err in *"not defined"*|*"needs an argument"*) echo "[$c $f: $err]";; esac
	done
done | tr '\n' ' ')
if [ -z "$bad" ]; then pass cli_help_flags_accepted; else fail "cli_help_flags_accepted: $bad"; fi

# ---------- flags after the id ----------
ID=$(new_id upd)
if run_c "$ID"; then
	INIT=$(pid_of "$ID")
	C update "$ID" --memory 64m 2>"$T_TMP/err"; rc=$?
	if d=$(cgdir "$INIT" memory); then f=$d/memory.limit_in_bytes; else f=$(cgdir "$INIT" "")/memory.max; fi
	got=$(cat "$f" 2>/dev/null)
	if [ "$rc" = 0 ] && [ "$got" = 67108864 ]; then pass cli_update_after_id
	else fail "cli_update_after_id: rc $rc, $f = '$got' ($(cat "$T_TMP/err"))"; fi

	C delete "$ID" --force 2>"$T_TMP/err"; rc=$?
	if [ "$rc" = 0 ] && [ ! -e "$ROOT/$ID" ] && wait_for dead "$INIT"; then pass cli_delete_force_after_id
	else fail "cli_delete_force_after_id: rc $rc, state dir $(ls -d "$ROOT/$ID" 2>&1) ($(cat "$T_TMP/err"))"; fi
else
	fail "cli_update_after_id: run: $(cat "$T_TMP/run.err")"
	fail "cli_delete_force_after_id: run failed"
fi

# kill ID USR1 --all: the init traps USR1 and lives on; its child dies of it only when
# --all reached every process
KB=$T_TMP/kb
mkdir -p "$KB" && cp "$B/config.json" "$KB/" && set_config "$KB" "
c['root']['path'] = '$B/rootfs'
c['process']['args'] = ['sh', '-c', 'trap \"touch /dev/shm/got\" USR1; sleep 1000 & while [ ! -e /dev/shm/got ]; do wait; done; exec sleep 1000']
"
ID=$(new_id kall)
if run_c "$ID" "$KB"; then
	INIT=$(pid_of "$ID")
	child=""
	wait_for sh -c "'$CTR' --root '$ROOT' ps --format json '$ID' | grep -q ," &&
		child=$(C ps --format json "$ID" | tr -d '[]' | tr ',' '\n' | grep -vx "$INIT" | head -1)
	C kill "$ID" USR1 --all 2>"$T_TMP/err"; rc=$?
	if [ "$rc" = 0 ] && [ -n "$child" ] && wait_for dead "$child" && alive "$INIT"; then
		pass cli_kill_all_after_id
	else
		fail "cli_kill_all_after_id: rc $rc, child '$child' $(alive "$child" && echo alive), init $(alive "$INIT" && echo alive || echo dead) ($(cat "$T_TMP/err"))"
	fi
	# -- ends the flags: "--all" after it is the signal, an unknown one
	C kill "$ID" -- --all 2>"$T_TMP/err"; rc=$?
	C delete -- "$ID" 2>"$T_TMP/err2"; rc2=$?
	if [ "$rc" = 1 ] && has "$(cat "$T_TMP/err")" '"--all"' && [ "$rc2" = 1 ] && has "$(cat "$T_TMP/err2")" "not stopped" && alive "$INIT"; then
		pass cli_double_dash
	else
		fail "cli_double_dash: kill rc $rc ($(cat "$T_TMP/err")), delete -- ID rc $rc2 ($(cat "$T_TMP/err2"))"
	fi
	# exec: the words after the id are the command's, flags included
	out=$(timeout 60 "$CTR" --root "$ROOT" exec "$ID" echo --all -t --help 2>&1)
	if [ "$out" = "--all -t --help" ]; then pass cli_exec_words; else fail "cli_exec_words: got '$out'"; fi
	# kill 0: alive -> 0; stopped -> 1, "container not running"
	C kill "$ID" 0 2>"$T_TMP/err"; rc=$?
	if [ "$rc" = 0 ] && alive "$INIT"; then pass cli_kill0_alive; else fail "cli_kill0_alive: rc $rc ($(cat "$T_TMP/err"))"; fi
	C kill "$ID" KILL
	wait_for dead "$INIT"
	C kill "$ID" 0 2>"$T_TMP/err"; rc=$?
	if [ "$rc" = 1 ] && has "$(cat "$T_TMP/err")" "container not running"; then pass cli_kill0_dead
	else fail "cli_kill0_dead: rc $rc ($(cat "$T_TMP/err"))"; fi
	C delete -f "$ID"
else
	for n in cli_kill_all_after_id cli_double_dash cli_exec_words cli_kill0_alive cli_kill0_dead; do
		fail "$n: run: $(cat "$T_TMP/run.err")"
	done
fi

# ---------- exec into a paused container ----------
ID=$(new_id paused)
if ! have_freezer; then
	skip "cli_exec_paused_refused: no cgroup freezer on this host"
	skip "cli_exec_ignore_paused: no cgroup freezer on this host"
elif run_c "$ID" && C pause "$ID"; then
	INIT=$(pid_of "$ID")
	timeout 30 "$CTR" --root "$ROOT" exec "$ID" true 2>"$T_TMP/err"; rc=$?
	if [ "$rc" = 255 ] && has "$(cat "$T_TMP/err")" "paused"; then pass cli_exec_paused_refused
	else fail "cli_exec_paused_refused: rc $rc ($(cat "$T_TMP/err"))"; fi
	timeout 30 "$CTR" --root "$ROOT" exec -d --ignore-paused --pid-file "$T_TMP/ip.pid" "$ID" \
		sh -c 'echo ran > /dev/shm/ip' 2>"$T_TMP/err"; rc=$?
	XP=$(cat "$T_TMP/ip.pid" 2>/dev/null)
	# while paused: the process exists, is in the container's frozen cgroup, has not run
	fz=$(cgdir "$INIT" freezer || cgdir "$INIT" "")
	in_cg=no; grep -qx "$XP" "$fz/cgroup.procs" 2>/dev/null && in_cg=yes
	before=$(cat /proc/$INIT/root/dev/shm/ip 2>/dev/null)
	C resume "$ID"
	wait_for test -s /proc/$INIT/root/dev/shm/ip
	after=$(cat /proc/$INIT/root/dev/shm/ip 2>/dev/null)
	if [ "$rc" = 0 ] && [ -n "$XP" ] && [ "$in_cg" = yes ] && [ -z "$before" ] && [ "$after" = ran ]; then
		pass cli_exec_ignore_paused
	else
		fail "cli_exec_ignore_paused: rc $rc, pid '$XP', in frozen cgroup: $in_cg, before resume '$before', after '$after' ($(cat "$T_TMP/err"))"
	fi
	C delete -f "$ID"
else
	fail "cli_exec_paused_refused: run/pause: $(cat "$T_TMP/run.err")"
	fail "cli_exec_ignore_paused: run/pause failed"
fi

# ---------- exec --cgroup: an existing sub-cgroup of the container's ----------
# mk_sub PID NAME: NAME below PID's cgroup in every hierarchy (cpuset v1: cpus/mems set)
mk_sub() {
	while IFS=: read -r _ ctls _; do
		d=$(cgdir "$1" "${ctls%%,*}") || continue
		mkdir -p "$d/$2" || return 1
		if [ -f "$d/cpuset.cpus" ] && [ -z "$(cat "$d/$2/cpuset.cpus")" ]; then
			cat "$d/cpuset.cpus" > "$d/$2/cpuset.cpus" && cat "$d/cpuset.mems" > "$d/$2/cpuset.mems" || return 1
		fi
	done < /proc/$1/cgroup
}
ID=$(new_id cg)
if run_c "$ID"; then
	INIT=$(pid_of "$ID")
	mk_sub "$INIT" sub; mk_sub "$INIT" s2
	X() { timeout 60 "$CTR" --root "$ROOT" exec "$@" </dev/null 2>"$T_TMP/err"; }
	ok=yes why=""
	out=$(X --cgroup sub "$ID" cat /proc/self/cgroup); rc=$?
	# every hierarchy's line ends in /sub
	[ "$rc" = 0 ] && [ -n "$out" ] && ! printf '%s\n' "$out" | grep -qv '/sub$' || { ok=no; why="$why; --cgroup sub: rc $rc: $out $(cat "$T_TMP/err")"; }
	if grep -q '^[1-9][0-9]*:.*memory' /proc/$INIT/cgroup; then
		out=$(X --cgroup memory,pids:s2 "$ID" cat /proc/self/cgroup); rc=$?
		mem=$(printf '%s\n' "$out" | grep ':memory:'); pids=$(printf '%s\n' "$out" | grep ':pids:')
		cpu=$(printf '%s\n' "$out" | grep -E ':(cpu|cpu,cpuacct|cpuacct,cpu):')
		case "$rc|$mem|$pids|$cpu" in
		0\|*/s2\|*/s2\|*/s2) ok=no; why="$why; memory,pids:s2 moved cpu too: $cpu";;
		0\|*/s2\|*/s2\|*) ;;
		*) ok=no; why="$why; memory,pids:s2: rc $rc: $out $(cat "$T_TMP/err")";;
		esac
	fi
	X --cgroup nosuchsub "$ID" true; rc=$?
	[ "$rc" = 255 ] || { ok=no; why="$why; a missing sub-cgroup: rc $rc"; }
	if [ $ok = yes ]; then pass cli_exec_cgroup; else fail "cli_exec_cgroup:$why"; fi

	out=$(X --cap CAP_NO_SUCH_CAP "$ID" echo ran); rc=$?
	if [ "$rc" = 0 ] && [ "$out" = ran ] && has "$(cat "$T_TMP/err")" CAP_NO_SUCH_CAP; then pass cli_exec_cap_unknown
	else fail "cli_exec_cap_unknown: rc $rc, out '$out' ($(cat "$T_TMP/err"))"; fi
	C delete -f "$ID"
else
	fail "cli_exec_cgroup: run: $(cat "$T_TMP/run.err")"
	fail "cli_exec_cap_unknown: run failed"
fi

# ---------- the same on cgroup v2: created where the v1 hierarchies are hidden ----------
V2M=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
ID=$(new_id v2)
if [ -z "$V2M" ] || ! command -v unshare >/dev/null; then
	skip "cli_v2_exec_ignore_paused: no cgroup2 mount (or no unshare) on this host"
	skip "cli_v2_exec_cgroup: no cgroup2 mount (or no unshare) on this host"
elif ! unshare -m sh -c "for m in \$(awk '/ - cgroup /{print \$5}' /proc/self/mountinfo | sort -r); do umount -l \$m; done
	'$CTR' --root '$ROOT' run -d --bundle '$B' '$ID'" </dev/null >/dev/null 2>"$T_TMP/run.err" ||
	! grep -q '"mode":"v2"' "$ROOT/$ID/state.json"; then
	fail "cli_v2_exec_ignore_paused: run on v2: $(cat "$T_TMP/run.err") $(grep -o '"mode":"[a-z0-9]*"' "$ROOT/$ID/state.json" 2>&1)"
	fail "cli_v2_exec_cgroup: run on v2 failed"
else
	INIT=$(pid_of "$ID")
	D=$(cgdir "$INIT" "")
	C pause "$ID"
	timeout 30 "$CTR" --root "$ROOT" exec -d --ignore-paused --pid-file "$T_TMP/v2.pid" "$ID" \
		sh -c 'echo ran > /dev/shm/v2' 2>"$T_TMP/err"; rc=$?
	XP=$(cat "$T_TMP/v2.pid" 2>/dev/null)
	in_cg=no; grep -qx "$XP" "$D/cgroup.procs" 2>/dev/null && grep -qx 'frozen 1' "$D/cgroup.events" && in_cg=yes
	before=$(cat /proc/$INIT/root/dev/shm/v2 2>/dev/null)
	C resume "$ID"
	wait_for test -s /proc/$INIT/root/dev/shm/v2
	after=$(cat /proc/$INIT/root/dev/shm/v2 2>/dev/null)
	if [ "$rc" = 0 ] && [ -n "$XP" ] && [ "$in_cg" = yes ] && [ -z "$before" ] && [ "$after" = ran ]; then
		pass cli_v2_exec_ignore_paused
	else
		fail "cli_v2_exec_ignore_paused: rc $rc, pid '$XP', in frozen $D: $in_cg, before resume '$before', after '$after' ($(cat "$T_TMP/err"))"
	fi
	mkdir -p "$D/sub"
	out=$(timeout 60 "$CTR" --root "$ROOT" exec --cgroup sub "$ID" grep '^0::' /proc/self/cgroup 2>"$T_TMP/err"); rc=$?
	timeout 60 "$CTR" --root "$ROOT" exec --cgroup memory:sub "$ID" true 2>"$T_TMP/err2"; rc2=$?
	case "$rc|$out|$rc2" in
	"0|0::"*/sub"|255") pass cli_v2_exec_cgroup;;
	*) fail "cli_v2_exec_cgroup: --cgroup sub: rc $rc, '$out' ($(cat "$T_TMP/err")); memory:sub: rc $rc2 (want 255)";;
	esac
	C delete -f "$ID"
fi

# ---------- logs: logrus text layout, --debug steps ----------
SB=$T_TMP/sb
mkdir -p "$SB" && cp "$B/config.json" "$SB/" && set_config "$SB" "
c['root']['path'] = '$B/rootfs'
c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mkdir'], 'action': 'SCMP_ACT_ERRNO'}]}
"
LOG=$T_TMP/text.log
ID=$(new_id log)
L() { timeout 60 "$CTR" --root "$ROOT" --log "$LOG" --log-format text "$@" </dev/null >/dev/null 2>&1; }
L state "$ID-missing"
L --debug run -d --bundle "$SB" "$ID"
L --debug exec --cap 'CAP_"ODD
NAME' "$ID" true
L --debug delete -f "$ID"
bad=$(python3 - "$LOG" <<'PY'
import re, sys
line_re = re.compile(r'time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)" '
                     r'level=(debug|info|warning|error|fatal|panic) '
                     r'msg=("(?:[^"\\]|\\.)*"|[A-Za-z0-9._/@^+-]*)$')
lines = open(sys.argv[1]).read().split("\n")[:-1]
bad = [l for l in lines if not line_re.match(l)]
if not lines: bad = ["(empty log)"]
# the odd capability: one line, quote and newline escaped as Go's %q does
if not any('CAP_\\"ODD\\nNAME' in l and "level=warning" in l for l in lines): bad.append("(no escaped warning line)")
if not any("level=error" in l and "does not exist" in l for l in lines): bad.append("(no error line)")
print(" | ".join(bad))
PY
)
if [ -z "$bad" ]; then pass cli_log_text; else fail "cli_log_text: lines not in logrus's layout: $bad"; fi
missing=""
for step in namespaces cgroup seccomp mounts exec; do
	grep 'level=debug' "$LOG" | grep -q "$step" || missing="$missing $step"
done
if [ -z "$missing" ]; then pass cli_debug_steps
else fail "cli_debug_steps: no debug line for:$missing ($(grep -c 'level=debug' "$LOG") debug lines)"; fi

# ---------- runc's exit codes and key phrases ----------
# Reference: runc 1.1.5 on this host. Each case: exit code, phrase, args (X = id).
CASES='1|already exists|create --bundle B RUN
1|does not exist|state MISSING
1|does not exist|kill MISSING
1|does not exist|delete MISSING
255|does not exist|exec MISSING true
1|already running|start RUN
1|not stopped|delete RUN
0||kill RUN 0
255|cannot exec in a paused container|exec PAU true
255|cannot exec in a stopped container|exec STP true
1|container not running|kill STP
1|container not running|kill STP 0
1|cannot start a container that has stopped|start STP
1|container not running|pause STP
1|container not paused|resume RUN'
# setup RUNTIME...: RUN running, PAU paused, STP stopped, on bundle B
RUN=$(new_id run) PAU=$(new_id pau) STP=$(new_id stp) MISSING=$(new_id missing)
setup() {
	for i in "$RUN" "$PAU" "$STP"; do timeout 60 "$@" run -d --bundle "$B" "$i" </dev/null >/dev/null 2>&1 || return 1; done
	"$@" pause "$PAU" && "$@" kill "$STP" KILL || return 1
	wait_for sh -c "\"\$@\" state '$STP' | grep -q '\"stopped\"'" sh "$@"
}
# codes RUNTIME...: "rc|stderr" of every case, one per line
codes() {
	printf '%s\n' "$CASES" | while IFS='|' read -r _ _ args; do
		a=$(printf '%s' "$args" | sed "s|\bB\b|$B|; s|\bRUN\b|$RUN|; s|\bPAU\b|$PAU|; s|\bSTP\b|$STP|; s|\bMISSING\b|$MISSING|")
		# shellcheck disable=SC2086
		err=$(timeout 30 "$@" $a </dev/null 2>&1 >/dev/null); echo "$?|$(printf '%s' "$err" | tr '\n' ' ')"
	done
}
# check_codes NAME OUT: every case's rc and phrase as runc 1.1.5's
check_codes() {
	printf '%s\n' "$CASES" > "$T_TMP/cases"
	printf '%s\n' "$2" | paste -d '#' "$T_TMP/cases" - | while IFS='#' read -r want got; do
		wrc=${want%%|*}; rest=${want#*|}; phrase=${rest%%|*}; args=${rest#*|}
		grc=${got%%|*}; gerr=${got#*|}
		[ "$grc" = "$wrc" ] && has "$gerr" "$phrase" || echo "[$1 $args: rc $grc (want $wrc), '$gerr' (want '$phrase')]"
	done
}
have_freezer || { skip "cli_runc_codes: no cgroup freezer on this host (pause)"; exit 0; }
out=""
if setup "$CTR" --root "$ROOT"; then
	out=$(check_codes ctr "$(codes "$CTR" --root "$ROOT")")
else
	out="(ctr setup failed)"
fi
for i in "$RUN" "$PAU" "$STP"; do C delete -f "$i" >/dev/null 2>&1; done
if RUNC=$(command -v runc); then
	RROOT=$T_TMP/runc-root
	at_exit "for i in $RUN $PAU $STP; do '$RUNC' --root '$RROOT' delete -f \$i; done"
	if setup "$RUNC" --root "$RROOT"; then
		out="$out$(check_codes runc "$(codes "$RUNC" --root "$RROOT")")"
	else
		skip "cli_runc_codes: runc cannot run the test bundle on this host (compared with runc 1.1.5's recorded codes only)"
	fi
	for i in "$RUN" "$PAU" "$STP"; do "$RUNC" --root "$RROOT" delete -f "$i" >/dev/null 2>&1; done
else
	skip "cli_runc_codes: runc is not installed (compared with runc 1.1.5's recorded codes only)"
fi
if [ -z "$out" ]; then pass cli_runc_codes; else fail "cli_runc_codes: $out"; fi

# --systemd-cgroup without systemd as init: a clear error before anything is made (no
# state, no cgroup, no process left); the systemd form of cgroupsPath gets the same.
if [ -d /run/systemd/system ]; then
	skip "cli_systemd_cgroup_no_systemd: systemd runs as init here (tests/vm/systemd.sh covers the driver)"
else
	SD=$(new_id sd)
	set_config "$B" 'c["linux"]["cgroupsPath"] = "system.slice:ctrt:'"$SD"'"'
	out=$(timeout 60 "$CTR" --root "$ROOT" --systemd-cgroup run -d --bundle "$B" "$SD" </dev/null 2>&1)
	rc=$?
	set_config "$B" 'c["linux"].pop("cgroupsPath", None)'
	left=$(ls "$ROOT" 2>/dev/null | grep -x "$SD"; find /sys/fs/cgroup -maxdepth 4 -name "*$SD*" 2>/dev/null; pgrep -f "$SD")
	if [ $rc != 0 ] && has "$out" "systemd is not running as init" && [ -z "$left" ]; then
		pass cli_systemd_cgroup_no_systemd
	else
		fail "cli_systemd_cgroup_no_systemd: rc $rc, \"$out\", left behind: $left"
	fi
fi

# features: the cgroup managers ctr has (runc's meaning: support, not this host's state)
if "$CTR" features | python3 -c 'import json, sys
c = json.load(sys.stdin)["linux"]["cgroup"]
sys.exit(0 if c["systemd"] and c["v1"] and c["v2"] and not c["systemdUser"] else 1)'; then
	pass cli_features_systemd
else
	fail "cli_features_systemd: $("$CTR" features | tr -d '\n' | head -c 300)"
fi
