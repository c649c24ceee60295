#!/bin/sh
# Integration tests of the process section: real containers from a busybox bundle that
# report, from inside, what the runtime set up (identity, caps, rlimits, umask, cwd,
# hostname, sysctl, no_new_privs, oom_score_adj, personality, fds, exec errors).
. "$(dirname "$0")/lib.sh"

NAMES="process_run_works identity caps rlimits umask cwd hostname sysctl nnp oom lo personality preserve_fds exec_not_found default_caps"
need_root $NAMES

B=$T_TMP/b
need_bundle "$B"

# run ARG...: run a container from $B with process.args = ARG..., print its stdout.
run() {
	id=$(new_id proc)
	set_config "$B" "c['process']['terminal'] = False; c['process']['args'] = $(args_py "$@")"
	ctr_run --bundle "$B" "$id"
}
# ctr_run ARG...: `ctr run` with output to files (a stray container process holding the
# pipe must not hang the test), bounded in time; prints the container's stdout.
ctr_run() {
	timeout 120 "$CTR" --root "$ROOT" run "$@" </dev/null >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
	cat "$T_TMP/out"
	return $rc
}
args_py() { # a python list literal of the arguments
	printf '['; sep=''
	for a in "$@"; do printf '%s%s' "$sep" "$(printf '%s' "$a" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')"; sep=', '; done
	printf ']'
}

out=$(run /bin/true); rc=$?
if [ $rc != 0 ]; then
	fail_all "ctr run fails: $(head -c 200 "$T_TMP/err")"
fi
pass "process_run_works"

# expect NAME WANT GOT
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: want '$2', got '$3'"; fi; }
# field KEY: the value of "KEY=value" in $out
field() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | head -1; }

# One container with every attribute set, reporting KEY=value lines.
cp "$B/config.json" "$T_TMP/config.orig"
set_config "$B" '
pr = c["process"]
pr["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 63}
pr["cwd"] = "/tmp"
pr["noNewPrivileges"] = True
pr["oomScoreAdj"] = 100
pr["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 512},
                {"type": "RLIMIT_CPU", "hard": 18446744073709551615, "soft": 18446744073709551615}]
caps = ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"]
pr["capabilities"] = {"bounding": caps + ["CAP_NET_RAW"], "effective": caps, "permitted": caps,
                     "inheritable": ["CAP_NET_BIND_SERVICE"], "ambient": ["CAP_NET_BIND_SERVICE"]}
c["hostname"] = "ctr-proc-test"
'
out=$(run /bin/sh -c '
st() { sed -n "s/^$1:[[:space:]]*//p" /proc/self/status; }
echo "uid=$(st Uid)"; echo "gid=$(st Gid)"; echo "groups=$(st Groups)"
echo "id=$(id -u):$(id -g):$(id -G)"
for k in CapEff CapPrm CapInh CapBnd CapAmb NoNewPrivs; do echo "$k=$(st $k)"; done
echo "nofile=$(ulimit -n)"
echo "limits=$(grep "Max open files" /proc/self/limits | tr -s " ")"
echo "cpu=$(grep "Max cpu time" /proc/self/limits | tr -s " ")"
echo "umask=$(umask)"; echo "cwd=$(pwd)"; echo "hostname=$(hostname)"
echo "oom=$(cat /proc/self/oom_score_adj)"
echo "lo=$(ip -o link show lo 2>&1)"
'); rc=$?
expect "identity: run exits 0" 0 "$rc"
[ $rc = 0 ] || echo "stderr: $(cat "$T_TMP/err")"
tab=$(printf '\t')
expect "identity: uid" "1000${tab}1000${tab}1000${tab}1000" "$(field uid)"
expect "identity: gid" "1000${tab}1000${tab}1000${tab}1000" "$(field gid)"
expect "identity: groups" "10 20" "$(field groups | sed 's/ *$//')"
expect "identity: id -u:-g:-G" "1000:1000:1000 10 20" "$(field id)"
# a non-root exec keeps only the ambient caps in its permitted and effective sets
expect "caps: effective" 0000000000000400 "$(field CapEff)"
expect "caps: permitted" 0000000000000400 "$(field CapPrm)"
expect "caps: inheritable" 0000000000000400 "$(field CapInh)"
expect "caps: bounding" 0000000000002401 "$(field CapBnd)"
expect "caps: ambient" 0000000000000400 "$(field CapAmb)"
expect "nnp: NoNewPrivs" 1 "$(field NoNewPrivs)"
expect "rlimits: ulimit -n" 512 "$(field nofile)"
expect "rlimits: /proc/self/limits nofile" "Max open files 512 1024 files" "$(field limits | sed 's/ *$//')"
expect "rlimits: cpu unlimited" "Max cpu time unlimited unlimited seconds" "$(field cpu | sed 's/ *$//')"
expect "umask" 0077 "$(field umask)"
expect "cwd: entered" /tmp "$(field cwd)"
expect "hostname" ctr-proc-test "$(field hostname)"
expect "oom: oom_score_adj" 100 "$(field oom)"
case $(field lo) in *"<LOOPBACK,UP"*) pass "lo: loopback is up";; *) fail "lo: loopback is up: $(field lo)";; esac

# linux.sysctl (the default config has /proc/sys in readonlyPaths: written before that).
cp "$T_TMP/config.orig" "$B/config.json"
set_config "$B" 'c["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "12345"}'
out=$(run /bin/sh -c 'echo "fwd=$(cat /proc/sys/net/ipv4/ip_forward)"; echo "msgmax=$(cat /proc/sys/kernel/msgmax)"')
expect "sysctl: run exits 0" "" "$(cat "$T_TMP/err")"
expect "sysctl: net.ipv4.ip_forward" 1 "$(field fwd)"
expect "sysctl: kernel.msgmax" 12345 "$(field msgmax)"

# A missing cwd is created, also with root.readonly (the default config), as runc does.
cp "$T_TMP/config.orig" "$B/config.json"
set_config "$B" 'c["process"]["cwd"] = "/work/dir"'
out=$(run /bin/pwd)
expect "cwd: missing cwd created (read-only root)" /work/dir "$out"
[ "$out" = /work/dir ] || echo "stderr: $(cat "$T_TMP/err")"

# The default config (root, runc's default capability set).
cp "$T_TMP/config.orig" "$B/config.json"
want=$(python3 -c '
import json, sys
names = ["CHOWN","DAC_OVERRIDE","DAC_READ_SEARCH","FOWNER","FSETID","KILL","SETGID","SETUID","SETPCAP",
 "LINUX_IMMUTABLE","NET_BIND_SERVICE","NET_BROADCAST","NET_ADMIN","NET_RAW","IPC_LOCK","IPC_OWNER",
 "SYS_MODULE","SYS_RAWIO","SYS_CHROOT","SYS_PTRACE","SYS_PACCT","SYS_ADMIN","SYS_BOOT","SYS_NICE",
 "SYS_RESOURCE","SYS_TIME","SYS_TTY_CONFIG","MKNOD","LEASE","AUDIT_WRITE","AUDIT_CONTROL","SETFCAP",
 "MAC_OVERRIDE","MAC_ADMIN","SYSLOG","WAKE_ALARM","BLOCK_SUSPEND","AUDIT_READ","PERFMON","BPF",
 "CHECKPOINT_RESTORE"]
c = json.load(open(sys.argv[1]))
m = 0
for n in c["process"]["capabilities"]["bounding"]:
    m |= 1 << names.index(n[4:])
print("%016x" % m)' "$B/config.json")
out=$(run /bin/sh -c 'sed -n "s/^CapBnd:[[:space:]]*/bnd=/p; s/^CapEff:[[:space:]]*/eff=/p; s/^Uid:[[:space:]]*/uid=/p" /proc/self/status')
expect "default_caps: bounding as in config.json" "$want" "$(field bnd)"
expect "default_caps: effective as in config.json" "$want" "$(field eff)"

# Personality LINUX32: uname -m says i686 on x86_64.
if [ "$(uname -m)" = x86_64 ]; then
	set_config "$B" 'c["linux"]["personality"] = {"domain": "LINUX32"}'
	out=$(run /bin/uname -m)
	expect "personality: LINUX32 uname -m" i686 "$out"
	cp "$T_TMP/config.orig" "$B/config.json"
else
	skip "personality: LINUX32 test needs x86_64"
fi

# --preserve-fds 1: fd 3 reaches the container, fd 4 does not.
id=$(new_id fds)
set_config "$B" "c['process']['terminal'] = False; c['process']['args'] = ['/bin/sh', '-c', 'for f in 3 4; do [ -e /proc/\$\$/fd/\$f ] && echo fd\$f=\$(readlink /proc/\$\$/fd/\$f); done; true']"
out=$(ctr_run --preserve-fds 1 --bundle "$B" "$id" 3</dev/null 4</dev/null)
expect "preserve_fds: fd 3 is passed" /dev/null "$(field fd3)"
expect "preserve_fds: fd 4 is not" "" "$(field fd4)"
cp "$T_TMP/config.orig" "$B/config.json"

# A missing command: runc's error text, non-zero exit.
out=$(run ctr-no-such-command); rc=$?
if [ $rc != 0 ] && grep -q 'ctr-no-such-command.*executable file not found in \$PATH' "$T_TMP/err"; then
	pass "exec_not_found: runc's error"
else
	fail "exec_not_found: rc=$rc err=$(cat "$T_TMP/err")"
fi
