#!/bin/sh
# configs/: every example bundle runs as a real container on this host (configs/examples.sh,
# also run inside the emulated boards by boards/qemu/suite.sh).
. "$(dirname "$0")/lib.sh"
need_root configs
BB=$(command -v busybox) || { skip "configs: busybox-static is not installed"; exit 0; }
command -v ip > /dev/null || { skip "configs: no ip command"; exit 0; }
# port 80 may be taken on a developer machine: any free one proves the same
port=80
while [ -n "$(netstat -ltn 2>/dev/null | awk -v p=":$port" '$4 ~ p"$"')" ] ||
	[ -n "$(ss -ltn 2>/dev/null | awk -v p=":$port" '$4 ~ p"$"')" ]; do port=$((port + 1)); done
mkdir -p "$T_TMP/work"
CTR=$CTR BUSYBOX=$BB WORK=$T_TMP/work CONFIGS=$TOP/configs PORT=$port sh "$TOP/configs/examples.sh"

# Each example through its one command, `make example NAME=<name>`, as a newcomer runs it:
# it prepares the bundle under build/examples/, checks it, runs it and cleans up, leaving
# nothing for git to see.
before=$(cd "$TOP" && git status --porcelain 2>/dev/null)
example() { # NAME [STDIN]: run the example, output into $out, exit status into $rc
	out=$(printf '%s' "${2:-}" | PORT=$port STATE_ROOT=$T_TMP/examples \
		make -s --no-print-directory -C "$TOP" example NAME="$1" 2>&1)
	rc=$?
}
# expect NAME TEXT...: PASS if the example succeeded, passed check, showed every TEXT
expect() {
	n=$1; shift
	ok=$([ $rc = 0 ] && echo yes)
	case $out in *"config.json: ok ("*) ;; *) ok="" ;; esac
	for t in "$@"; do case $out in *"$t"*) ;; *) ok="" ;; esac; done
	if [ -n "$ok" ] && ! "$CTR" --root "$T_TMP/examples" list 2>/dev/null | grep -q "^example-$n "; then
		pass "configs/$n: make example NAME=$n"
	else
		fail "configs/$n: make example NAME=$n: exit $rc: $(echo "$out" | tr '\n' '|')"
	fi
}
example sandboxed-parser
expect sandboxed-parser "3 readings, sum 42"
example net-daemon
expect net-daemon "GET http://127.0.0.1:$port/: ctr-example-page"
example limited-service
expect limited-service "memory limit: 33554432 bytes"
if ip link add ctr-t-probe type veth peer name ctr-t-probe2 > /dev/null 2>&1; then
	ip link del ctr-t-probe
	example netdev-service
	expect netdev-service "GET http://192.168.77.2:8080/: ctr-example-page" "inside the container now"
else
	skip "configs/netdev-service: make example: cannot create a veth pair here"
fi
example shell 'echo hi-$((6*7)); exit 3
'
expect shell "hi-42" "exited with status 3"
example no-such-example
case $rc:$out in
2:*"configs/ has: limited-service net-daemon"*) pass "configs: make example with an unknown NAME lists the names" ;;
*) fail "configs: make example NAME=no-such-example: exit $rc: $out" ;;
esac
after=$(cd "$TOP" && git status --porcelain 2>/dev/null)
check "configs: git status unchanged after every example" [ "$before" = "$after" ]
