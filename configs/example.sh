#!/bin/sh
# `make example NAME=<config>` (as root): prepare what configs/<NAME>/config.json needs
# under build/examples/<NAME>/ (a busybox rootfs with its files, the config, its input),
# check it, run it and show what it does; then stop and delete the container. The bundle
# stays, to look at or to run again by hand. PORT: net-daemon's port (default 80);
# STATE_ROOT: ctr's --root (default: ctr's own, /run/ctr).
set -eu
NAME=${1:-}
TOP=$(cd "$(dirname "$0")/.." && pwd)
CTR=${CTR:-$TOP/ctr}
PORT=${PORT:-80}
ctr() { "$CTR" ${STATE_ROOT:+--root "$STATE_ROOT"} "$@"; }
names=$(cd "$TOP/configs" && for c in */config.json; do printf '%s ' "${c%/config.json}"; done)
case " $names " in
*" $NAME "*) [ -n "$NAME" ] ;;
*) echo "usage: make example NAME=<name>; configs/ has: $names" >&2; exit 2 ;;
esac
. "$TOP/configs/busybox.sh"
need_root example "make example NAME=$NAME"
need_busybox example

B=$TOP/build/examples/$NAME
ID=example-$NAME
rm -rf "$B"
mkdir -p "$B"
busybox_rootfs "$B/rootfs"
mkdir -p "$B/rootfs/www" "$B/rootfs/input" "$B/rootfs/var/log"
echo "ctr-example-page: served by $NAME" > "$B/rootfs/www/index.html"
sed "s/\"-p\", \"80\"/\"-p\", \"$PORT\"/" "$TOP/configs/$NAME/config.json" > "$B/config.json"
if [ "$NAME" = sandboxed-parser ]; then # its input, bind-mounted read-only at /input
	mkdir -p "$B/input"
	printf 't1,10\nt2,20\nt3,12\n' > "$B/input/readings.csv"
fi
cleanup() {
	ctr delete -f "$ID" > /dev/null 2>&1 || true
	if [ "$NAME" = netdev-service ]; then
		ip link del ctr-uplink0p > /dev/null 2>&1 || true
		ip link del ctr-uplink0 > /dev/null 2>&1 || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup
if [ "$NAME" = netdev-service ]; then # a veth pair stands in for the physical port
	echo "+ ip link add ctr-uplink0 type veth peer name ctr-uplink0p (192.168.77.1 on the host side)"
	ip link add ctr-uplink0 type veth peer name ctr-uplink0p
	ip addr add 192.168.77.1/24 dev ctr-uplink0p
	ip link set ctr-uplink0p up
fi

run() { echo "+ $*" | sed "s|$TOP/||g"; "$@"; }
# page URL: fetch it from the daemon (polls up to 10 s while it starts)
page() {
	i=0
	while [ $i -lt 100 ]; do
		out=$(timeout 5 "$BB" wget -q -O - "$1" 2> /dev/null) && { echo "GET $1: $out"; return 0; }
		sleep 0.1; i=$((i + 1))
	done
	echo "example: no answer from $1" >&2
	return 1
}
cd "$B"
run ctr check --bundle "$B"
case $NAME in
net-daemon)
	run ctr run -d --bundle "$B" "$ID" < /dev/null
	page "http://127.0.0.1:$PORT/"
	run ctr kill "$ID" KILL # httpd as PID 1 has no TERM handler
	;;
netdev-service)
	run ctr run -d --bundle "$B" "$ID" < /dev/null
	page "http://192.168.77.2:8080/"
	ip link show ctr-uplink0 > /dev/null 2>&1 || echo "ctr-uplink0 is inside the container now (eth0)"
	;;
limited-service)
	run ctr run -d --bundle "$B" "$ID" < /dev/null
	run ctr ps "$ID"
	ctr events --stats "$ID" | sed -n 's/.*"memory":{.*"usage":{[^}]*"limit":\([0-9]*\).*/memory limit: \1 bytes/p'
	;;
*)
	rc=0
	run ctr run --bundle "$B" "$ID" || rc=$?
	[ $rc = 0 ] || echo "the container exited with status $rc"
	;;
esac
echo "example $NAME: done (bundle: build/examples/$NAME)"
