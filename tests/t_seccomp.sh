#!/bin/sh
# Integration: seccomp profiles inside real containers (`ctr run`): a denied syscall
# gets its errno, a killed one kills, an allowed one works, LOG reaches the kernel log,
# TRAP sends SIGSYS, NOTIFY reaches a test agent, Docker's profile runs a shell.
. "$(dirname "$0")/lib.sh"
NAMES="seccomp_errno seccomp_kill seccomp_allow seccomp_log seccomp_trap seccomp_notify seccomp_notify_nnp_false seccomp_listener_no_notify seccomp_notify_empty_listener seccomp_docker seccomp_enosys"
need_root $NAMES
if [ -n "${QEMU_LD_PREFIX:-}" ] || ! grep -q '^Seccomp:' /proc/self/status; then
	for n in $NAMES; do skip "$n: seccomp is not available here"; done
	exit 0
fi

B=$T_TMP/bundle
need_bundle "$B"
# does `ctr run` work at all yet?
set_config "$B" 'c["process"]["args"] = ["/bin/echo", "hello"]; c["process"]["terminal"] = False'
out=$("$CTR" --root "$ROOT" run -b "$B" "$(new_id probe)" 2>&1)
if [ "$out" != "hello" ]; then
	fail_all "ctr run fails ($(echo "$out" | head -1))"
fi

# run_sc NAME PROFILE-PYTHON-EXPR SHELL-COMMAND: run sh -c COMMAND under the profile;
# prints the container's output, returns ctr's exit status.
run_sc() {
	set_config "$B" "c['process']['args'] = ['/bin/sh', '-c', '''$3''']; c['process']['terminal'] = False; c['linux']['seccomp'] = $2"
	"$CTR" --root "$ROOT" run -b "$B" "$(new_id "$1")" 2>&1
}

ALLOW_DEF='{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": [%s]}'
prof() { printf "$ALLOW_DEF" "$1"; }

out=$(run_sc errno "$(prof '{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}')" \
	'mkdir /tmp/x; echo rc=$?')
if echo "$out" | grep -q "No space left on device" && echo "$out" | grep -q rc=1; then
	pass seccomp_errno
else
	fail "seccomp_errno: mkdir should fail with ENOSPC (errnoRet 28): $out"
fi

# busybox runs some applets inside the shell process: call them from a child shell
out=$(run_sc kill "$(prof '{"names": ["sethostname"], "action": "SCMP_ACT_KILL_PROCESS"}')" \
	'sh -c "hostname foo"; echo rc=$?')
case $out in
*rc=159*) pass seccomp_kill ;;
*) fail "seccomp_kill: sethostname should be killed by SIGSYS (status 159): $out" ;;
esac

out=$(run_sc allow "$(prof '{"names": ["sethostname"], "action": "SCMP_ACT_KILL_PROCESS"}')" \
	'echo allowed; cat /proc/self/status | grep ^Seccomp:')
case $out in
*allowed*"Seccomp:"*2*) pass seccomp_allow ;;
*) fail "seccomp_allow: echo should work under a filter (Seccomp: 2): $out" ;;
esac

out=$(run_sc trap "$(prof '{"names": ["sync"], "action": "SCMP_ACT_TRAP"}')" \
	'sh -c sync; echo rc=$?')
case $out in
*rc=159*) pass seccomp_trap ;;
*) fail "seccomp_trap: sync should raise SIGSYS (status 159): $out" ;;
esac

if dmesg >/dev/null 2>&1; then
	before=$(dmesg | grep -c 'type=1326.*code=0x7ffc0000')
	out=$(run_sc log "$(prof '{"names": ["uname"], "action": "SCMP_ACT_LOG"}')" 'uname; echo rc=$?')
	after=$(dmesg | grep -c 'type=1326.*code=0x7ffc0000')
	if echo "$out" | grep -q 'Linux' && echo "$out" | grep -q rc=0 && [ "$after" -gt "$before" ]; then
		pass seccomp_log
	else
		fail "seccomp_log: uname should run and be logged (audit type=1326 code=0x7ffc0000): $out"
	fi
else
	skip "seccomp_log: the kernel log (dmesg) is not readable here"
fi

# NOTIFY: the agent answers mkdir with a fake success
AGENT=$T_TMP/seccomp_agent
if gcc -o "$AGENT" "$TOP/tests/seccomp_agent.c" 2>/dev/null; then
	"$AGENT" "$T_TMP/agent.sock" "$T_TMP/agent.state" 0 2>"$T_TMP/agent.log" &
	agent=$!
	at_exit "kill $agent"
	wait_for test -S "$T_TMP/agent.sock"
	out=$(run_sc notify "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$T_TMP/agent.sock\", \"listenerMetadata\": \"t_seccomp\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}" \
		'mkdir /tmp/faked && echo rc=$? && test ! -d /tmp/faked && echo not-created')
	if [ ! -s "$T_TMP/agent.state" ]; then
		kill $agent 2>/dev/null
		wait $agent 2>/dev/null
		fail "seccomp_notify: the runtime did not connect to listenerPath: $out"
	else
		wait $agent
		if echo "$out" | grep -q rc=0 && echo "$out" | grep -q not-created &&
			grep -q '"seccompFd"' "$T_TMP/agent.state" && grep -q '"metadata":"t_seccomp"' "$T_TMP/agent.state"; then
			pass seccomp_notify
		else
			fail "seccomp_notify: mkdir should be answered by the agent: $out / $(cat "$T_TMP/agent.state" "$T_TMP/agent.log" 2>/dev/null)"
		fi
	fi

	# Docker's and Kubernetes' default, noNewPrivileges false: the filter is installed
	# before the identity change and the listener reaches the agent during create
	rm -f "$T_TMP/agent.state"
	"$AGENT" "$T_TMP/agent.sock" "$T_TMP/agent.state" 0 2>"$T_TMP/agent.log" &
	agent=$!
	at_exit "kill $agent"
	n=0; while [ ! -S "$T_TMP/agent.sock" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	set_config "$B" "c['process']['noNewPrivileges'] = False"
	out=$(run_sc notify "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$T_TMP/agent.sock\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}" \
		'mkdir /tmp/faked && echo rc=$? && test ! -d /tmp/faked && echo not-created'); rc=$?
	kill $agent 2>/dev/null; wait $agent 2>/dev/null
	if [ $rc = 0 ] && echo "$out" | grep -q rc=0 && echo "$out" | grep -q not-created && grep -q seccompFd "$T_TMP/agent.state"; then
		pass seccomp_notify_nnp_false
	else
		fail "seccomp_notify_nnp_false: noNewPrivileges false: the agent should answer mkdir: rc=$rc $out"
	fi
	set_config "$B" "c['process']['noNewPrivileges'] = True"
else
	skip "seccomp_notify: cannot build the test agent (gcc)"
	skip "seccomp_notify_nnp_false: cannot build the test agent (gcc)"
fi

# a listenerPath but no SCMP_ACT_NOTIFY rule: nothing to listen to, the container runs (runc)
for nnp in True False; do
	set_config "$B" "c['process']['noNewPrivileges'] = $nnp"
	out=$(run_sc nolisten "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$T_TMP/nobody.sock\", \"syscalls\": [{\"names\": [\"sync\"], \"action\": \"SCMP_ACT_ERRNO\"}]}" \
		'echo ran'); rc=$?
	if [ $rc = 0 ] && [ "$out" = ran ]; then
		pass "seccomp_listener_no_notify (noNewPrivileges $nnp)"
	else
		fail "seccomp_listener_no_notify: a listenerPath without NOTIFY rules should run (noNewPrivileges $nnp): rc=$rc $out"
	fi
done
set_config "$B" "c['process']['noNewPrivileges'] = True"

# NOTIFY rules with an empty listenerPath: a clear error at create, nothing created
id=$(new_id emptylisten)
set_config "$B" "c['process']['args'] = ['true']; c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '', 'syscalls': [{'names': ['mkdir'], 'action': 'SCMP_ACT_NOTIFY'}]}"
"$CTR" --root "$ROOT" create -b "$B" "$id" >"$T_TMP/out" 2>&1 </dev/null; rc=$?
if [ $rc != 0 ] && grep -q listenerPath "$T_TMP/out" && [ ! -e "$ROOT/$id" ]; then
	pass seccomp_notify_empty_listener
else
	fail "seccomp_notify_empty_listener: create should fail naming listenerPath: rc=$rc $(cat "$T_TMP/out")"
	"$CTR" --root "$ROOT" delete -f "$id" >/dev/null 2>&1
fi

DOCKER=$(cat "$TOP/tests/seccomp/docker.json")
out=$(run_sc docker "$DOCKER" 'echo a && ls / >/dev/null && sleep 0 & wait; echo done')
case $out in
a*done) pass seccomp_docker ;;
*) fail "seccomp_docker: a shell should work under Docker's profile: $out" ;;
esac

# a syscall newer than the profile gets ENOSYS, a known denied one EPERM (a static probe
# calls raw syscall numbers: 1000 is beyond every table, 169 is reboot on x86_64)
cat > "$T_TMP/probe.c" <<'EOF2'
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		errno = 0;
		long r = syscall(atol(argv[i]), 0, 0, 0, 0);
		printf("%s:%ld:%d ", argv[i], r, errno);
	}
	printf("\n");
	return 0;
}
EOF2
if [ "$(uname -m)" = x86_64 ] && { musl-gcc -static -o "$B/rootfs/probe" "$T_TMP/probe.c" 2>/dev/null ||
	gcc -static -o "$B/rootfs/probe" "$T_TMP/probe.c" 2>/dev/null; }; then
	out=$(run_sc enosys "$DOCKER" '/probe 1000 169 2>&1')
	case $out in
	*"1000:-1:38 169:-1:1"*) pass seccomp_enosys ;;
	*) fail "seccomp_enosys: syscall 1000 should get ENOSYS and reboot EPERM: $out" ;;
	esac
else
	skip "seccomp_enosys: cannot build the static probe (x86_64 only)"
fi
