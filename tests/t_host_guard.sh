#!/bin/sh
# A config must not reach the host: each test tries it for real with `ctr create` and then
# checks the host (sysctl values, the host name, a victim process's cgroup, device access)
# and that a refused create left nothing behind (state dir, cgroup directories).
# Items of issue 12: 2 (sysctls, hostname), 3 (resources.unified), 4 (linux.devices and
# the device cgroup), 7 (namespace paths that are no namespaces), 13 (config errors).
. "$(dirname "$0")/lib.sh"
need_root host_guard
command -v python3 >/dev/null || { skip "host_guard: needs python3"; exit 0; }

C() { timeout -k 5 30 "$CTR" --root "$ROOT" "$@"; }
rfs_base host_guard

bundle() { rfs_bundle "$@"; } # NAME ARGS_JSON [PYTHON]
t() { n=$1; shift; if eval "$*"; then pass "$n"; else fail "$n"; return 1; fi; }

# left_behind ID: what a refused create left (state dir, cgroup dirs); empty if nothing
left_behind() {
	[ -e "$ROOT/$1" ] && echo "state:$ROOT/$1"
	for h in /sys/fs/cgroup/*/ctr/"$1" /sys/fs/cgroup/ctr/"$1"; do
		[ -d "$h" ] && echo "cgroup:$h"
	done
}

# refused NAME ID BUNDLE GREP: create must fail, say GREP, leave nothing behind
refused() {
	# output to a file: a wrongly created init would hold a pipe open
	C create --bundle "$3" "$2" >"$T_TMP/out" 2>&1 </dev/null; rc=$?
	out=$(cat "$T_TMP/out")
	lb=$(left_behind "$2")
	if [ "$rc" != 0 ] && [ "$rc" != 124 ] && echo "$out" | grep -q -- "$4" && [ -z "$lb" ]; then
		pass "$1"
	else
		fail "$1"
		echo "# rc=$rc out=$out left=$lb"
		C delete -f "$2" >/dev/null 2>&1
	fi
}

# sysctl_refused TEST NAME KEY VALUE [PYTHON]: a bundle NAME that sets KEY to VALUE (after
# PYTHON on its config) is refused, saying WHY ($SYSCTL_WHY)
sysctl_refused() {
	refused "$1" "$(new_id "$2")" \
		"$(bundle "$2" '["true"]' "${5:-}
c['linux']['sysctl'] = {'$3': '$4'}")" "$SYSCTL_WHY"
}

# ---------- item 2: sysctls and names reach the host ----------
LB=/proc/sys/fs/lease-break-time
lb0=$(cat $LB)
at_exit "echo $lb0 > $LB"
SYSCTL_WHY="not in a separate kernel namespace"
sysctl_refused "sysctl fs.lease-break-time (not namespaced) refused" lease fs.lease-break-time $((lb0 + 7))
t "sysctl fs.lease-break-time: the host value is unchanged" '[ "$(cat $LB)" = "$lb0" ]'

SM=/proc/sys/net/core/somaxconn
sm0=$(cat $SM)
at_exit "echo $sm0 > $SM"
SYSCTL_WHY="host's network namespace"
sysctl_refused "sysctl net.* without a network namespace refused" netnons net.core.somaxconn \
	$((sm0 + 3)) "drop_ns('network')"
t "sysctl net.* without a network namespace: the host value is unchanged" '[ "$(cat $SM)" = "$sm0" ]'
for who in self $$; do
	sysctl_refused "sysctl net.* in the host's network namespace joined by path (/proc/$who) refused" \
		nethost net/core/somaxconn $((sm0 + 5)) "ns_path('network', '/proc/$who/ns/net')"
done
t "sysctl net.* in the host's network namespace: the host value is unchanged" '[ "$(cat $SM)" = "$sm0" ]'

MM=/proc/sys/kernel/msgmax
mm0=$(cat $MM)
at_exit "echo $mm0 > $MM"
SYSCTL_WHY="host's ipc namespace"
sysctl_refused "sysctl kernel.msgmax without an ipc namespace refused" ipcnons kernel.msgmax \
	$((mm0 + 11)) "drop_ns('ipc')"
t "sysctl kernel.msgmax: the host value is unchanged" '[ "$(cat $MM)" = "$mm0" ]'

# the runtime's own names: hostname needs a private uts namespace; the kernel.hostname
# sysctl is refused for the config field, kernel.domainname works (as in runc)
hn0=$(hostname)
at_exit "hostname '$hn0'"
id=$(new_id utsnons)
refused "hostname without a uts namespace refused (runc's words)" "$id" \
	"$(bundle utsnons '["true"]' "drop_ns('uts'); c['hostname'] = 'pwned-$$'")" \
	"unable to set hostname without a private UTS namespace"
id=$(new_id utshost)
refused "hostname in the host's uts namespace joined by path refused" "$id" \
	"$(bundle utshost '["true"]' "ns_path('uts', '/proc/$$/ns/uts'); c['hostname'] = 'pwned-$$'")" \
	"unable to set hostname without a private UTS namespace"
t "hostname: the host name is unchanged" '[ "$(hostname)" = "$hn0" ]'
id=$(new_id khost)
refused "sysctl kernel.hostname refused in favour of the hostname field" "$id" \
	"$(bundle khost '["true"]' "c['linux']['sysctl'] = {'kernel.hostname': 'x'}")" \
	"conflicts with the OCI \"hostname\" field"
out=$(C run --bundle "$(bundle kdom '["cat", "/proc/sys/kernel/domainname"]' "c['linux']['sysctl'] = {'kernel.domainname': 'dom-$$'}")" "$(new_id kdom)" 2>&1)
t "sysctl kernel.domainname with a uts namespace works (runc)" '[ "$out" = "dom-$$" ]' || echo "# out: $out"
out=$(C run --bundle "$(bundle netok '["cat", "/proc/sys/net/core/somaxconn"]' "c['linux']['sysctl'] = {'net.core.somaxconn': '$((sm0 + 9))'}")" "$(new_id netok)" 2>&1)
t "sysctl net.* with a private network namespace works" '[ "$out" = "$((sm0 + 9))" ] && [ "$(cat $SM)" = "$sm0" ]' || echo "# out: $out"
b=$(bundle ckhost '["true"]' "drop_ns('uts'); drop_ns('ipc'); c['linux']['sysctl'] = {'kernel.sem': '1 2 3 4', 'fs.lease-break-time': '1'}")
out=$("$CTR" check --bundle "$b" 2>&1)
t "ctr check reports the same problems as create" 'echo "$out" | grep -q "unable to set hostname without a private UTS" && echo "$out" | grep -q "kernel.sem.*ipc namespace" && echo "$out" | grep -q "lease-break-time.*not in a separate"' || echo "# out: $out"

# ---------- item 3: resources.unified moves or kills host processes ----------
V2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
sleep 1000 </dev/null >/dev/null 2>&1 &
victim=$!
at_exit "kill $victim"
vcg=$(cat /proc/$victim/cgroup)
victim_ok() { kill -0 $victim 2>/dev/null && [ "$(cat /proc/$victim/cgroup 2>/dev/null)" = "$vcg" ]; }
if [ -z "$V2" ]; then
	skip "unified: this host has no cgroup2 mount"
else
	for key in cgroup.procs cgroup.threads cgroup.kill cgroup.freeze cgroup.subtree_control cgroup.type; do
		id=$(new_id uni)
		refused "unified $key refused" "$id" \
			"$(bundle uni '["true"]' "c['linux']['resources']['unified'] = {'$key': '$victim'}")" \
			"unified.*$key"
		t "unified $key: the victim is alive and still in its own cgroups" victim_ok ||
			echo "# $(cat /proc/$victim/cgroup 2>&1 | tr '\n' ' ')"
	done
	for key in ../cgroup.procs x/cgroup.procs nodot; do
		id=$(new_id unip)
		refused "unified \"$key\" (not CONTROLLER.PARAMETER) refused" "$id" \
			"$(bundle unip '["true"]' "c['linux']['resources']['unified'] = {'$key': '$victim'}")" \
			"unified"
	done
	# a controller that is not enabled in the container's cgroup (on v2-only hosts memory
	# is enabled: use one that no host has)
	id=$(new_id unic)
	refused "unified key of a controller not enabled refused" "$id" \
		"$(bundle unic '["true"]' "c['linux']['resources']['unified'] = {'nosuchctl.max': '1'}")" \
		"not enabled"
	id=$(new_id unid)
	C create --bundle "$(bundle unid '["sleep", "100"]' "c['linux']['resources']['unified'] = {'cgroup.max.depth': '3'}")" "$id" \
		>"$T_TMP/out" 2>&1 </dev/null
	t "unified cgroup.max.depth (a limit) is written" '[ "$(cat $V2/ctr/$id/cgroup.max.depth 2>&1)" = 3 ]' ||
		echo "# $(cat "$T_TMP/out")"
	echo "{\"unified\": {\"cgroup.procs\": \"$victim\"}}" > "$T_TMP/res.json"
	out=$(C update --resources "$T_TMP/res.json" "$id" 2>&1); rc=$?
	t "ctr update: unified cgroup.procs refused" '[ "$rc" != 0 ] && echo "$out" | grep -q "cgroup.procs"' || echo "# rc=$rc $out"
	t "ctr update: the victim is alive and still in its own cgroups" victim_ok
	C delete -f "$id"
	t "ctr update: the victim survives delete of the container" victim_ok
fi
b=$(bundle ckuni '["true"]' "c['linux']['resources']['unified'] = {'cgroup.kill': '1'}")
out=$("$CTR" check --bundle "$b" 2>&1)
t "ctr check reports unified cgroup.kill" 'echo "$out" | grep -q "unified.*cgroup.kill"' || echo "# $out"

# ---------- item 4: linux.devices get no device-cgroup rule of their own ----------
# /dev/fuse (10:229): opening it is harmless; the device cgroup answers before the driver
FUSE="{'path': '/dev/fuse', 'type': 'c', 'major': 10, 'minor': 229, 'fileMode': 0o666}"
OPEN_FUSE='["sh", "-c", "exec 3<>/dev/fuse && echo opened"]'
if [ -c /dev/fuse ]; then
	out=$(C run --bundle "$(bundle fusedeny "$OPEN_FUSE" "c['linux']['devices'] = [$FUSE]")" "$(new_id fusedeny)" 2>&1)
	t "linux.devices node under resources.devices deny-all: opening it fails with EPERM" \
		'echo "$out" | grep -q "Operation not permitted" && ! echo "$out" | grep -q opened' || echo "# $out"
	out=$(C run --bundle "$(bundle fuseallow "$OPEN_FUSE" "c['linux']['devices'] = [$FUSE]
c['linux']['resources']['devices'].append({'allow': True, 'type': 'c', 'major': 10, 'minor': 229, 'access': 'rw'})")" "$(new_id fuseallow)" 2>&1)
	t "linux.devices node with an allow rule in resources.devices: it opens" '[ "$out" = opened ]' || echo "# $out"
else
	skip "linux.devices: this host has no /dev/fuse"
fi

# ---------- item 7: namespace paths that are no namespace of the right type ----------
mkfifo "$T_TMP/fifo"
: > "$T_TMP/regular"
for kind in fifo regular wrongtype; do
	p=$T_TMP/$kind
	[ $kind = wrongtype ] && p=/proc/$$/ns/uts
	id=$(new_id "ns$kind")
	refused "namespace path that is a $kind: a bounded, clear error" "$id" \
		"$(bundle "ns$kind" '["true"]' "ns_path('network', '$p')")" \
		"not a net namespace"
done
# ...while a bind mount of a real one (ip netns add, podman's /run/netns/...) is joined
if command -v ip > /dev/null && ip netns add "ctr-hg-$$" 2> /dev/null; then
	at_exit "ip netns del ctr-hg-$$"
	want=$(ip netns exec "ctr-hg-$$" readlink /proc/self/ns/net)
	out=$(C run --bundle "$(bundle nsbind '["readlink", "/proc/self/ns/net"]' "ns_path('network', '/run/netns/ctr-hg-$$')")" "$(new_id nsbind)" 2>&1)
	t "namespace path that is a bind-mounted netns (ip netns add) is joined" '[ "$out" = "$want" ]' || echo "# $out / $want"
	ip netns del "ctr-hg-$$"
else
	skip "namespace path bind-mounted by ip netns: ip netns add is not possible here"
fi
b=$(bundle ckfifo '["true"]' "ns_path('network', '$T_TMP/fifo')")
out=$(timeout -k 5 30 "$CTR" check --bundle "$b" 2>&1)
t "ctr check reports a FIFO as namespace path" 'echo "$out" | grep -q "not a net namespace"' || echo "# $out"

# ---------- item 13: configs that used to half-work ----------
id=$(new_id notify)
refused "SCMP_ACT_NOTIFY without linux.seccomp.listenerPath refused at create" "$id" \
	"$(bundle notify '["true"]' "c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mkdir'], 'action': 'SCMP_ACT_NOTIFY'}]}")" \
	"listenerPath"
id=$(new_id uidmap)
refused "uid/gid mappings without a user namespace refused (runc)" "$id" \
	"$(bundle uidmap '["true"]' "c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 1000}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 1000}]")" \
	"user namespace"
id=$(new_id rdt)
refused "intelRdt refused (Intel RDT is not supported)" "$id" \
	"$(bundle rdt '["true"]' "c['linux']['intelRdt'] = {'closID': 'x', 'l3CacheSchema': 'L3:0=f'}")" \
	"intelRdt"
for dest in "" "/" "/." "/tmp/.."; do
	id=$(new_id mntroot)
	refused "a mount at \"$dest\" (the root) refused clearly" "$id" \
		"$(bundle mntroot '["true"]' "c['mounts'].append({'destination': '$dest', 'type': 'tmpfs', 'source': 'tmpfs'})")" \
		"destination.*root"
done
