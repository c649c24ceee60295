#!/bin/sh
# linux.netDevices: a veth made by the test is moved into the container's network
# namespace and renamed; checked with `ip link` inside. Without a working `ctr run`
# the same is checked against a network namespace made by `unshare -n`, through a small
# program that calls net_devices_move() from ctr.c.
. "$(dirname "$0")/lib.sh"

need_root netdev
command -v ip >/dev/null || { skip "netdev: iproute2 is not installed"; exit 0; }

n=$$
A=ctn${n}a; P=ctn${n}p; K=ctn${n}k; KP=ctn${n}q
at_exit "ip link del $P; ip link del $KP; ip link del $A; ip link del $K"
if ! ip link add "$A" type veth peer name "$P" || ! ip link add "$K" type veth peer name "$KP"; then
	skip "netdev: cannot create veth pairs"; exit 0
fi

B=$T_TMP/b
ready=0
if make_bundle "$B" >/dev/null 2>&1 &&
	set_config "$B" "c['process']['terminal'] = False; c['process']['args'] = ['/bin/true']" &&
	timeout 120 "$CTR" --root "$ROOT" run --bundle "$B" "$(new_id probe)" </dev/null >/dev/null 2>&1; then
	ready=1
fi

if [ $ready = 1 ]; then
	set_config "$B" "
c['process']['args'] = ['/bin/sh', '-c', 'ip -o link show']
c['linux']['netDevices'] = {'$A': {'name': 'ctreth1'}, '$K': {}}
"
	timeout 120 "$CTR" --root "$ROOT" run --bundle "$B" "$(new_id netdev)" </dev/null >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?; out=$(cat "$T_TMP/out")
	check "netdev: run with netDevices exits 0" [ $rc = 0 ]
	[ $rc = 0 ] || echo "stderr: $(cat "$T_TMP/err")"
	# a missing host device: the error names linux.netDevices once
	set_config "$B" "c['linux']['netDevices'] = {'ctrnosuch0': {}}"
	timeout 120 "$CTR" --root "$ROOT" run --bundle "$B" "$(new_id nodev)" </dev/null >/dev/null 2>"$T_TMP/err"
	rc=$?; err=$(cat "$T_TMP/err")
	check "netdev: run with a missing host device fails" [ $rc != 0 ]
	case $err in *'linux.netDevices: linux.netDevices'*) fail "netdev: error without a doubled prefix: $err";;
		*'linux.netDevices: host network device "ctrnosuch0" not found'*)
			pass "netdev: error without a doubled prefix";;
		*) fail "netdev: error without a doubled prefix: $err";; esac
else
	# no lifecycle yet: a netns made by unshare, and net_devices_move() from ctr.c
	CC=${CC:-musl-gcc}
	KINC=""; [ -d "$TOP/build/kheaders/native" ] && KINC="-isystem $TOP/build/kheaders/native"
	cat > "$T_TMP/mv.c" <<CEOF
#include "$TOP/ctr.c"
int main(int argc, char **argv)
{
	struct spec_net_device d[] = {{argv[2], argv[3][0] ? argv[3] : NULL}, {argv[4], NULL}};
	struct spec s = {.has_linux = true};
	s.lx.net_devices = d;
	s.lx.n_net_devices = argc > 4 ? 2 : 1;
	struct ctr_error err = {0};
	if (net_devices_move(&s, atoi(argv[1]), &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	return 0;
}
CEOF
	# shellcheck disable=SC2086
	if ! $CC -std=gnu11 -O1 $KINC -o "$T_TMP/mv" "$T_TMP/mv.c" 2>"$T_TMP/cc.log"; then
		fail "netdev: helper does not compile: $(head -3 "$T_TMP/cc.log")"; exit 1
	fi
	unshare -n sleep 600 & NSPID=$!
	at_exit "kill $NSPID"
	# wait until the child has its own netns (unshare has run)
	i=0
	while [ "$(readlink /proc/$NSPID/ns/net)" = "$(readlink /proc/self/ns/net)" ] && [ $i -lt 500 ]; do
		i=$((i + 1)); sleep 0.01
	done
	"$T_TMP/mv" "$NSPID" "$A" ctreth1 "$K" 2>"$T_TMP/err"; rc=$?
	check "netdev: net_devices_move into an unshared netns" [ $rc = 0 ]
	[ $rc = 0 ] || echo "stderr: $(cat "$T_TMP/err")"
	out=$(nsenter -t "$NSPID" -n ip -o link show)
	err=$("$T_TMP/mv" "$NSPID" ctrnosuch0 "" 2>&1)
	case $err in *'"ctrnosuch0" not found'*) pass "netdev: a missing host device is named";;
		*) fail "netdev: a missing host device is named: $err";; esac
fi

case $out in *" ctreth1@"*|*" ctreth1:"*) pass "netdev: renamed device inside";;
	*) fail "netdev: renamed device inside: $out";; esac
if printf '%s\n' "$out" | grep ' ctreth1[@:]' | grep -q '[<,]UP[,>]'; then
	pass "netdev: renamed device is up"
else
	fail "netdev: renamed device is up: $out"
fi
case $out in *" $K@"*|*" $K:"*) pass "netdev: device without a name keeps its host name";;
	*) fail "netdev: device without a name keeps its host name: $out";; esac
if ip link show "$A" >/dev/null 2>&1; then fail "netdev: moved device left the host"
else pass "netdev: moved device left the host"; fi
