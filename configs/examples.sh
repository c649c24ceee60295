#!/bin/sh
# Run every example bundle of configs/ as a real container and check what it is for.
# Shared by tests/t_configs.sh (this host) and the emulated boards' suite (boards/qemu/),
# so it needs nothing but busybox: no python, no jq, no iproute2 beyond `ip`.
# Environment: CTR (the ctr binary), BUSYBOX (a static busybox for the rootfs), WORK (an
# empty scratch directory), CONFIGS (this directory), PORT (net-daemon's port, default 80).
# Prints "PASS name", "FAIL name: why" or "SKIP name: why" per check; cleans up after itself.
: "${CTR:?}" "${BUSYBOX:?}" "${WORK:?}"
CONFIGS=${CONFIGS:-$(cd "$(dirname "$0")" && pwd)}
PORT=${PORT:-80}
ROOT=$WORK/state
ids=""

pass() { echo "PASS configs/$*"; }
fail() { echo "FAIL configs/$*"; }
skip() { echo "SKIP configs/$*"; }
cleanup() {
	for i in $ids; do "$CTR" --root "$ROOT" delete -f "$i" > /dev/null 2>&1; done
	ip link del ctr-uplink0p > /dev/null 2>&1
	ip link del ctr-uplink0 > /dev/null 2>&1
}
trap cleanup EXIT

# One busybox rootfs shared (read-only) by every example.
rootfs=$WORK/rootfs
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/etc" "$rootfs/tmp" \
	"$rootfs/var/log" "$rootfs/www" "$rootfs/input"
if [ -n "${ROOTFS_TEMPLATE:-}" ]; then # a ready busybox tree (faster under emulation)
	cp -a "$ROOTFS_TEMPLATE/." "$rootfs/"
else
	cp "$BUSYBOX" "$rootfs/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[ -e "$rootfs/bin/$a" ] || ln -s busybox "$rootfs/bin/$a"
	done
fi
printf 'root:x:0:0:root:/root:/bin/sh\nwww:x:1000:1000:www:/www:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nwww:x:1000:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
echo "ctr-example-page" > "$rootfs/www/index.html"

# bundle NAME [SED-EXPR]: a bundle dir for configs/NAME with its config (edited by SED-EXPR)
bundle() {
	b=$(mktemp -d "$WORK/b-$1.XXXXXX")
	ln -s "$rootfs" "$b/rootfs"
	sed -e "${2:-}" "$CONFIGS/$1/config.json" > "$b/config.json"
	echo "$b"
}
n=0
new_id() { n=$((n + 1)); i="ex$$-$n-$1"; ids="$ids $i"; echo "$i"; }
status() { "$CTR" --root "$ROOT" state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
# wait_for SECONDS COMMAND...: poll until COMMAND succeeds (for a daemon to come up)
wait_for() {
	t=$(($1 * 10)); shift
	while [ "$t" -gt 0 ]; do "$@" && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}
page() { timeout 5 wget -q -O - "$1" 2>/dev/null | grep -q ctr-example-page; }

# 0. every example is valid for `ctr check`
for c in "$CONFIGS"/*/config.json; do
	name=$(basename "$(dirname "$c")")
	[ "$name" = demo ] && continue
	b=$(bundle "$name")
	mkdir -p "$b/input"
	if out=$("$CTR" check --bundle "$b" 2>&1); then pass "$name: ctr check"; else fail "$name: ctr check: $out"; fi
done

# 1. net-daemon: read-only web UI in the host's network namespace, non-root, port 80
b=$(bundle net-daemon "s/\"-p\", \"80\"/\"-p\", \"$PORT\"/")
id=$(new_id web)
if "$CTR" --root "$ROOT" run -d --bundle "$b" "$id" < /dev/null > "$WORK/web.log" 2>&1 &&
	wait_for 10 page "http://127.0.0.1:$PORT/"; then
	pass "net-daemon: serves on the host network (port $PORT)"
else
	fail "net-daemon: no page on 127.0.0.1:$PORT: $(cat "$WORK/web.log") $("$CTR" --root "$ROOT" state "$id" 2>&1 | grep status) $(wget -O - "http://127.0.0.1:$PORT/" 2>&1 | tr '\n' ' ')"
fi
pid=$("$CTR" --root "$ROOT" state "$id" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/net")" = "$(readlink /proc/self/ns/net)" ] &&
	[ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]; then
	pass "net-daemon: shares the host netns only"
else
	fail "net-daemon: namespaces of pid '$pid' not as configured"
fi
if [ -n "$pid" ] && grep -q '^Uid:[[:space:]]*1000' "/proc/$pid/status" &&
	grep -q '^CapEff:[[:space:]]*0*400$' "/proc/$pid/status"; then
	pass "net-daemon: runs as uid 1000 with only CAP_NET_BIND_SERVICE"
else
	fail "net-daemon: identity: $(grep -E '^(Uid|CapEff)' "/proc/$pid/status" 2>&1 | tr '\n' ' ')"
fi
# httpd, PID 1 of its namespace, has no TERM handler: the kernel ignores TERM there
"$CTR" --root "$ROOT" kill "$id" KILL > /dev/null 2>&1
wait_for 10 sh -c "[ \"\$('$CTR' --root '$ROOT' state '$id' 2>/dev/null | grep -c '\"stopped\"')\" = 1 ]"
if "$CTR" --root "$ROOT" delete "$id" > "$WORK/del.log" 2>&1; then
	pass "net-daemon: stops on KILL and is deleted"
else
	fail "net-daemon: delete: $(cat "$WORK/del.log")"
fi

# 2. sandboxed-parser: allow-list seccomp, no network, nobody, read-only input
b=$(bundle sandboxed-parser)
mkdir -p "$b/input"
printf 't1,10\nt2,20\nt3,12\n' > "$b/input/readings.csv"
id=$(new_id parse)
out=$(cd "$b" && "$CTR" --root "$ROOT" run --bundle "$b" "$id" < /dev/null 2>&1)
rc=$?
if [ $rc = 0 ] && [ "$out" = "3 readings, sum 42" ]; then
	pass "sandboxed-parser: parses its input under the allow-list"
else
	fail "sandboxed-parser: exit $rc, output '$out'"
fi
b=$(bundle sandboxed-parser 's|"args": \[.*\],|"args": ["nc", "-w", "1", "127.0.0.1", "80"],|')
mkdir -p "$b/input"
id=$(new_id parse)
out=$(cd "$b" && "$CTR" --root "$ROOT" run --bundle "$b" "$id" < /dev/null 2>&1)
rc=$?
if [ $rc != 0 ] && echo "$out" | grep -qi 'not permitted'; then
	pass "sandboxed-parser: socket() is denied"
else
	fail "sandboxed-parser: nc: exit $rc, output '$out'"
fi
b2=$(bundle sandboxed-parser 's|"args": \[.*\],|"args": ["sh", "-c", "echo x > /input/readings.csv"],|')
mkdir -p "$b2/input"
printf 'a,1\n' > "$b2/input/readings.csv"
id=$(new_id parse)
out=$(cd "$b2" && "$CTR" --root "$ROOT" run --bundle "$b2" "$id" < /dev/null 2>&1)
rc=$?
if [ $rc != 0 ] && [ "$(cat "$b2/input/readings.csv")" = "a,1" ]; then
	pass "sandboxed-parser: input is read-only"
else
	fail "sandboxed-parser: wrote its input (exit $rc, '$out')"
fi

# 3. limited-service: memory and pids limits enforced
if [ ! -d /sys/fs/cgroup ] || [ -z "$(ls /sys/fs/cgroup 2>/dev/null)" ]; then
	skip "limited-service: no cgroup filesystem"
else
	b=$(bundle limited-service)
	id=$(new_id svc)
	if "$CTR" --root "$ROOT" run -d --bundle "$b" "$id" < /dev/null > "$WORK/svc.log" 2>&1 &&
		[ "$(status "$id")" = running ]; then
		pass "limited-service: runs detached"
	else
		fail "limited-service: $(cat "$WORK/svc.log")"
	fi
	"$CTR" --root "$ROOT" delete -f "$id" > /dev/null 2>&1
	b=$(bundle limited-service 's|"args": \[.*\],|"args": ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo rc=$?"],|')
	id=$(new_id svc)
	out=$(cd "$b" && "$CTR" --root "$ROOT" run --bundle "$b" "$id" < /dev/null 2>&1)
	if [ "$out" = rc=137 ]; then
		pass "limited-service: 64 MiB allocation is OOM-killed (limit 32 MiB)"
	else
		fail "limited-service: 64 MiB allocation: '$out'"
	fi
	b=$(bundle limited-service 's|"args": \[.*\],|"args": ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=8M count=1 2>/dev/null; echo rc=$?"],|')
	id=$(new_id svc)
	out=$(cd "$b" && "$CTR" --root "$ROOT" run --bundle "$b" "$id" < /dev/null 2>&1)
	if [ "$out" = rc=0 ]; then
		pass "limited-service: 8 MiB allocation fits"
	else
		fail "limited-service: 8 MiB allocation: '$out'"
	fi
	# ash exits when a fork fails: the last number printed is the fork that failed
	b=$(bundle limited-service 's|"args": \[.*\],|"args": ["sh", "-c", "for i in $(seq 40); do echo $i; sleep 30 \& done"],|')
	id=$(new_id svc)
	out=$(cd "$b" && "$CTR" --root "$ROOT" run --bundle "$b" "$id" < /dev/null 2>/dev/null | tail -n 1)
	if [ -n "$out" ] && [ "$out" -le 16 ] 2>/dev/null && [ "$out" -ge 8 ]; then
		pass "limited-service: pids limit 16 holds (fork $out of 40 refused)"
	else
		fail "limited-service: pids limit: '$out'"
	fi
fi

# 4. netdev-service: a veth (standing in for a physical port) moved in as eth0
ip link add ctr-uplink0 type veth peer name ctr-uplink0p > /dev/null 2>&1 ||
	ip link add ctr-uplink0 type veth > /dev/null 2>&1
if ! ip link show ctr-uplink0p > /dev/null 2>&1 && [ -e /sys/class/net/ctr-uplink0 ]; then
	# busybox ip cannot name the peer: find it by its ifindex, then rename it
	peer_idx=$(cat /sys/class/net/ctr-uplink0/iflink)
	for f in /sys/class/net/*/ifindex; do
		[ "$(cat "$f")" = "$peer_idx" ] && ip link set "$(basename "$(dirname "$f")")" name ctr-uplink0p
	done
fi
if ! ip link show ctr-uplink0p > /dev/null 2>&1; then
	skip "netdev-service: cannot create a veth pair here"
else
	ip addr add 192.168.77.1/24 dev ctr-uplink0p && ip link set ctr-uplink0p up
	b=$(bundle netdev-service)
	id=$(new_id uplink)
	if "$CTR" --root "$ROOT" run -d --bundle "$b" "$id" < /dev/null > "$WORK/up.log" 2>&1 &&
		wait_for 10 page "http://192.168.77.2:8080/"; then
		pass "netdev-service: serves through the moved interface"
	else
		fail "netdev-service: no page on 192.168.77.2:8080: $(cat "$WORK/up.log")"
	fi
	if ip link show ctr-uplink0 > /dev/null 2>&1; then
		fail "netdev-service: ctr-uplink0 is still in the host namespace"
	else
		pass "netdev-service: the interface left the host namespace"
	fi
	"$CTR" --root "$ROOT" delete -f "$id" > /dev/null 2>&1
fi

# 5. shell: `ctr spec`'s interactive shell, on a pseudo-terminal
b=$(bundle shell)
id=$(new_id sh)
out=$( (echo 'echo hi-$((6*7)); exit 3'; sleep 2) | "$CTR" --root "$ROOT" run --bundle "$b" "$id" 2>&1)
rc=$?
if [ $rc = 3 ] && echo "$out" | grep -q 'hi-42'; then
	pass "shell: interactive shell on a terminal"
else
	fail "shell: exit $rc, output '$(echo "$out" | tr -d '\r' | tr '\n' '|')'"
fi
true
