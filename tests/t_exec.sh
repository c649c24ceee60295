#!/bin/sh
# Integration tests of `ctr exec`: a process joins a running container (namespaces,
# cgroup, seccomp, capabilities, no_new_privs, env/user/cwd overrides, process.json),
# exit codes, detach + pid file, refusal for stopped/paused containers, no leaked fds or
# host cwd, and no access to the ctr binary through /proc/PID/exe (CVE-2019-5736).
. "$(dirname "$0")/lib.sh"

NAMES="exec_output exec_exit_code exec_signal_code exec_namespaces exec_cgroup exec_in_ps exec_seccomp exec_caps exec_cap_add exec_nnp exec_env exec_user exec_cwd exec_process_json exec_detach_pidfile exec_stdin exec_fds exec_preserve_fds exec_host_cwd exec_cwd_fd_escape exec_not_found exec_paused exec_stopped exec_exe_protected exec_userns_cgroupns exec_seccomp_notify exec_lsm_flags"
need_root $NAMES

B=$T_TMP/b
need_bundle "$B"
# A long-running init with a seccomp filter that denies mkdir (EPERM), default caps.
set_config "$B" '
c["process"]["terminal"] = False
c["process"]["args"] = ["sleep", "100000"]
c["process"]["env"] = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "FROMCONFIG=yes", "TERM=xterm"]
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
'
ID=$(new_id exec)
if ! timeout 60 "$CTR" --root "$ROOT" run -d --bundle "$B" "$ID" </dev/null >"$T_TMP/run.out" 2>&1; then
	fail_all "cannot run a container: $(head -c 200 "$T_TMP/run.out")"
fi
INIT=$("$CTR" --root "$ROOT" state "$ID" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')

# ex ARGS...: ctr exec with output in $out, exit status in $rc (bounded in time)
ex() {
	timeout 60 "$CTR" --root "$ROOT" exec "$@" <"${EX_STDIN:-/dev/null}" >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
	out=$(cat "$T_TMP/out")
}
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: want '$2', got '$3' ($(head -c 300 "$T_TMP/err"))"; fi; }

ex "$ID" sh -c 'echo hello from exec'
expect exec_output "hello from exec" "$out"
ex "$ID" sh -c 'exit 42'
expect exec_exit_code 42 "$rc"
ex "$ID" sh -c 'kill -9 $$'
expect exec_signal_code 137 "$rc"

# namespaces: every one of the init's (read on the host) is the exec'd process's own
want=""; for n in mnt pid net uts ipc cgroup user; do want="$want $n=$(readlink /proc/$INIT/ns/$n)"; done
ex "$ID" sh -c 'for n in mnt pid net uts ipc cgroup user; do printf " %s=%s" $n $(readlink /proc/self/ns/$n); done'
expect exec_namespaces "$want" "$out"

# cgroup: the same as the init's, on every hierarchy (host view of the exec'd pid)
ex "$ID" sh -c 'cat /proc/self/cgroup'
ex -d --pid-file "$T_TMP/cg.pid" "$ID" sleep 1000
XPID=$(cat "$T_TMP/cg.pid" 2>/dev/null)
if [ -n "$XPID" ] && [ "$(cat /proc/$XPID/cgroup)" = "$(cat /proc/$INIT/cgroup)" ]; then
	pass exec_cgroup
else
	fail "exec_cgroup: exec'd pid '$XPID' is in $(cat /proc/$XPID/cgroup 2>&1 | tr '\n' ' '), init in $(tr '\n' ' ' < /proc/$INIT/cgroup)"
fi
[ -n "$XPID" ] && kill -9 "$XPID" 2>/dev/null

# the process is in the container's pid namespace: it sees the init as pid 1, and itself
ex "$ID" sh -c 'echo $(cat /proc/1/cmdline | tr "\0" " ") / $$ / $(ls -d /proc/[0-9]* | wc -l)'
case $out in "sleep 100000 / "[0-9]*) pass exec_in_ps;; *) fail "exec_in_ps: got '$out'";; esac

ex "$ID" mkdir /tmp/seccomp-test
case $(cat "$T_TMP/err") in *"Operation not permitted"*) pass exec_seccomp;;
	*) fail "exec_seccomp: mkdir was not denied by the container's filter (rc $rc: $(cat "$T_TMP/err"))";; esac

capeff() { sed -n 's/^CapEff:[[:space:]]*//p' "$1"; }
ex "$ID" cat /proc/self/status
expect exec_caps "$(capeff /proc/$INIT/status)" "$(printf '%s\n' "$out" | sed -n 's/^CapEff:[[:space:]]*//p')"
ex --cap CAP_NET_ADMIN "$ID" cat /proc/self/status
eff=$(printf '%s\n' "$out" | sed -n 's/^CapEff:[[:space:]]*//p')
if [ -n "$eff" ] && [ $(( (0x$eff >> 12) & 1 )) = 1 ] && [ $(( 0x$eff & ~(0x$(capeff /proc/$INIT/status) | 0x1000) )) = 0 ]; then
	pass exec_cap_add
else
	fail "exec_cap_add: CapEff $eff"
fi
want_nnp=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/$INIT/status)
ex "$ID" sh -c 'grep NoNewPrivs /proc/self/status | tr -d "\t "'
expect exec_nnp "NoNewPrivs:$want_nnp" "$out"

ex -e FOO=bar -e TERM=dumb "$ID" sh -c 'echo $FOO $TERM $FROMCONFIG'
expect exec_env "bar dumb yes" "$out"
ex -u 1000:1001 --additional-gids 5,6 -g 7 "$ID" id
expect exec_user "uid=1000 gid=1001 groups=5,6,7" "$out"
ex --cwd /proc "$ID" pwd
expect exec_cwd "/proc" "$out"

cat > "$T_TMP/process.json" <<'EOF'
{"terminal": false, "user": {"uid": 7, "gid": 8}, "args": ["sh", "-c", "echo $ONLY $(id -u):$(id -g) $(pwd)"],
 "env": ["ONLY=json", "PATH=/bin"], "cwd": "/etc"}
EOF
ex --process "$T_TMP/process.json" "$ID"
expect exec_process_json "json 7:8 /etc" "$out"

ex -d --pid-file "$T_TMP/d.pid" "$ID" sleep 1000
DPID=$(cat "$T_TMP/d.pid" 2>/dev/null)
if [ "$rc" = 0 ] && [ -z "$out" ] && [ -n "$DPID" ] && grep -q "^NSpid:.*[[:space:]]" /proc/$DPID/status &&
	[ "$(tr '\0' ' ' < /proc/$DPID/cmdline)" = "sleep 1000 " ]; then
	pass exec_detach_pidfile
else
	fail "exec_detach_pidfile: rc $rc, out '$out', pid '$DPID'"
fi
[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null

printf 'line one\nline two\n' > "$T_TMP/in"
EX_STDIN=$T_TMP/in ex "$ID" sh -c 'cat; echo to-stderr >&2'
expect exec_stdin "line one
line two/to-stderr" "$out/$(cat "$T_TMP/err")"

# no host fd reaches the process (fd 7 open here), except with --preserve-fds
exec 7<"$T_TMP/in"
ex "$ID" sh -c 'ls /proc/$$/fd; true' # two commands: sh forks ls, $$ stays the shell
expect exec_fds "0 1 2" "$(echo $out)"
ex --preserve-fds 5 "$ID" sh -c 'cat /proc/$$/fd/7'
expect exec_preserve_fds "line one
line two" "$out"

# CVE-2024-21626: neither our cwd nor a leaked directory fd becomes the process's cwd
exec 8<"$T_TMP"
(cd "$T_TMP" && timeout 60 "$CTR" --root "$ROOT" exec "$ID" sh -c 'pwd; ls /proc/self/cwd/' >"$T_TMP/out" 2>&1)
if [ "$(head -1 "$T_TMP/out")" = "/" ] && ! grep -q "process.json" "$T_TMP/out"; then
	pass exec_host_cwd
else
	fail "exec_host_cwd: $(head -c 300 "$T_TMP/out")"
fi
ex --cwd /proc/self/fd/8 "$ID" sh -c 'ls; pwd'
if [ "$rc" != 0 ] || ! printf '%s' "$out" | grep -q "process.json"; then pass exec_cwd_fd_escape
else fail "exec_cwd_fd_escape: the host dir is reachable: $out"; fi
exec 7<&- 8<&-

# --apparmor / --process-label reach the process setup (here: a clear error when the LSM
# is missing; with the LSM present the profile must exist)
if [ -d /sys/module/apparmor ] || grep -q selinux /sys/kernel/security/lsm 2>/dev/null; then
	skip "exec_lsm_flags: an LSM is active here; only the missing-LSM errors are checked"
else
	ex --apparmor ctr-test-profile "$ID" true
	e1=$(cat "$T_TMP/err")
	ex --process-label system_u:system_r:container_t:s0 "$ID" true
	e2=$(cat "$T_TMP/err")
	case "$e1|$rc|$e2" in *"ctr-test-profile"*"AppArmor is not enabled"*"|255|"*"SELinux is not enabled"*) pass exec_lsm_flags;;
		*) fail "exec_lsm_flags: $e1 / $e2";; esac
fi

ex "$ID" /no/such/binary
if [ "$rc" = 255 ] && grep -q "/no/such/binary" "$T_TMP/err"; then pass exec_not_found
else fail "exec_not_found: rc $rc, $(cat "$T_TMP/err")"; fi

# CVE-2019-5736: a process of the container looks for ctr processes that are joining
# it (their cmdline is ctr's) and tries to open their /proc/PID/exe. A long PATH keeps
# the joining process busy before its exec, so that the watcher sees it.
cat > "$T_TMP/watch.c" <<'EOF'
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(void)
{
	int seen = 0, opened = 0;
	for (long round = 0; round < 2000000 && seen < 20 && access("/tmp/stop-watch", F_OK); round++) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] < '1' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
				continue;
			char p[64], cmd[4096];
			snprintf(p, sizeof(p), "/proc/%s/cmdline", e->d_name);
			int fd = open(p, O_RDONLY);
			ssize_t n = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
			if (fd >= 0)
				close(fd);
			if (n <= 0)
				continue;
			cmd[n] = 0;
			for (ssize_t i = 0; i < n; i++)
				if (!cmd[i])
					cmd[i] = ' ';
			if (!strstr(cmd, " exec ") || !strstr(cmd, "--root"))
				continue;
			snprintf(p, sizeof(p), "/proc/%s/exe", e->d_name);
			fd = open(p, O_RDONLY);
			if (fd >= 0) {
				opened++;
				close(fd);
			} else if (errno == ENOENT || errno == ESRCH) {
				continue; /* it exec'd meanwhile */
			}
			seen++;
		}
		if (d)
			closedir(d);
	}
	printf("seen=%d opened=%d\n", seen, opened);
	return 0;
}
EOF
if musl-gcc -static -O1 -o "$B/rootfs/watch" "$T_TMP/watch.c" 2>"$T_TMP/cc.err"; then
	timeout 300 "$CTR" --root "$ROOT" exec "$ID" /watch >"$T_TMP/watch.out" 2>&1 &
	wpid=$!
	longpath=$(python3 -c 'print(":".join(["/nonexistent/d%d" % i for i in range(6000)]) + ":/bin")')
	i=0
	while [ $i -lt 40 ] && kill -0 $wpid 2>/dev/null; do
		timeout 60 "$CTR" --root "$ROOT" exec -e "PATH=$longpath" "$ID" true >/dev/null 2>&1
		i=$((i + 1))
	done
	: > "$B/rootfs/tmp/stop-watch" 2>/dev/null || "$CTR" --root "$ROOT" exec "$ID" touch /tmp/stop-watch 2>/dev/null
	wait $wpid
	res=$(cat "$T_TMP/watch.out")
	case $res in
	*"opened=0"*) case $res in "seen=0 "*) skip "exec_exe_protected: the watcher never caught a joining process ($res)";;
		*) pass "exec_exe_protected";; esac;;
	*) fail "exec_exe_protected: a container process opened /proc/PID/exe of a joining ctr ($res)";;
	esac
else
	skip "exec_exe_protected: cannot build the watcher ($(head -c 200 "$T_TMP/cc.err"))"
fi

if "$CTR" --root "$ROOT" pause "$ID" >"$T_TMP/p.out" 2>&1; then
	ex "$ID" true
	if [ "$rc" != 0 ] && grep -q "paused" "$T_TMP/err"; then pass exec_paused
	else fail "exec_paused: rc $rc, $(cat "$T_TMP/err")"; fi
	"$CTR" --root "$ROOT" resume "$ID" >/dev/null 2>&1
else
	if have_freezer; then fail "exec_paused: ctr pause fails: $(head -c 200 "$T_TMP/p.out")"
	else skip "exec_paused: no cgroup freezer on this host"; fi
fi

"$CTR" --root "$ROOT" kill "$ID" KILL >/dev/null 2>&1
n=0; while [ $n -lt 100 ] && [ -d /proc/$INIT ] && ! grep -q '^State:.*Z' /proc/$INIT/status 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
ex "$ID" true
if [ "$rc" = 255 ] && grep -q "stopped container" "$T_TMP/err"; then pass exec_stopped
else fail "exec_stopped: rc $rc, $(cat "$T_TMP/err")"; fi
"$CTR" --root "$ROOT" delete -f "$ID" >/dev/null 2>&1

# a container with user and cgroup namespaces: the process joins them too (user first),
# as root of the user namespace, and sees its cgroup as the root of the cgroup namespace
chmod 755 "$T_TMP" # the user namespace's root must reach the bundle
cp -r "$B" "$T_TMP/bu"
set_config "$T_TMP/bu" '
c.pop("hooks", None)
c["linux"].pop("seccomp", None)
c["linux"]["namespaces"] += [{"type": "user"}, {"type": "cgroup"}]
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
'
UID2=$(new_id userns)
if timeout 60 "$CTR" --root "$ROOT" run -d --bundle "$T_TMP/bu" "$UID2" </dev/null >"$T_TMP/u.out" 2>&1; then
	UINIT=$("$CTR" --root "$ROOT" state "$UID2" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	want=""; for n in user cgroup mnt pid; do want="$want $n=$(readlink /proc/$UINIT/ns/$n)"; done
	ex "$UID2" sh -c 'for n in user cgroup mnt pid; do printf " %s=%s" $n $(readlink /proc/self/ns/$n); done; echo " $(id -u) $(sed -n "s/^[0-9]*:pids://p" /proc/self/cgroup) $(cat /proc/self/uid_map | tr -s " ")"'
	expect exec_userns_cgroupns "$(echo $want 0 / 0 100000 65536)" "$(echo $out)"
	"$CTR" --root "$ROOT" delete -f "$UID2" >/dev/null 2>&1
else
	if have_userns; then fail "exec_userns_cgroupns: cannot run a container with a user namespace: $(head -c 200 "$T_TMP/u.out")"
	else skip "exec_userns_cgroupns: this host forbids user namespaces"; fi
fi

# SCMP_ACT_NOTIFY: the exec'd process's own notify fd reaches linux.seccomp.listenerPath
# (tests/seccomp_agent.c answers mkdir with a fake success)
AGENT=$T_TMP/seccomp_agent
if gcc -o "$AGENT" "$TOP/tests/seccomp_agent.c" 2>"$T_TMP/agent.cc"; then
	cp -r "$B" "$T_TMP/bn"
	set_config "$T_TMP/bn" "
c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '$T_TMP/agent.sock',
    'listenerMetadata': 't_exec', 'syscalls': [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_NOTIFY'}]}
"
	start_agent() { # STATE_FILE
		rm -f "$T_TMP/agent.sock"
		"$AGENT" "$T_TMP/agent.sock" "$1" 0 2>>"$T_TMP/agent.log" &
		agents="$agents $!"
		n=0; while [ $n -lt 100 ] && [ ! -S "$T_TMP/agent.sock" ]; do sleep 0.1; n=$((n + 1)); done
	}
	agents=""
	start_agent "$T_TMP/agent1.state"
	NID=$(new_id notify)
	if timeout 60 "$CTR" --root "$ROOT" run -d --bundle "$T_TMP/bn" "$NID" </dev/null >"$T_TMP/n.out" 2>&1; then
		start_agent "$T_TMP/agent2.state"
		ex "$NID" sh -c 'mkdir /tmp/faked && echo rc=$? && test ! -d /tmp/faked && echo not-created'
		if [ "$(echo $out)" = "rc=0 not-created" ] && grep -q '"metadata":"t_exec"' "$T_TMP/agent2.state" 2>/dev/null; then
			pass exec_seccomp_notify
		else
			fail "exec_seccomp_notify: $out / $(cat "$T_TMP/err" "$T_TMP/agent2.state" 2>&1 | head -c 300)"
		fi
		"$CTR" --root "$ROOT" delete -f "$NID" >/dev/null 2>&1
	else
		fail "exec_seccomp_notify: cannot run a container with a notify profile: $(head -c 200 "$T_TMP/n.out")"
	fi
	for a in $agents; do kill $a 2>/dev/null || true; done
else
	skip "exec_seccomp_notify: cannot build tests/seccomp_agent.c"
fi
exit 0
