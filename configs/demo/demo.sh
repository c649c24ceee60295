#!/bin/sh
# `make demo` (as root): build a busybox bundle in a temp dir, check it and run it with
# ./ctr, and show what the container sees of itself: its hostname, its PID 1 and its mounts.
set -eu
CTR=${CTR:-./ctr}
CTR=$(cd "$(dirname "$CTR")" && pwd)/$(basename "$CTR")
. "$(dirname "$0")/../busybox.sh"
need_root demo "make demo"
need_busybox demo
D=$(mktemp -d /tmp/ctr-demo.XXXXXX)
trap '"$CTR" --root "$D/state" delete -f demo >/dev/null 2>&1; rm -rf "$D"' EXIT INT TERM
busybox_rootfs "$D/rootfs"
(cd "$D" && "$CTR" spec)
# the default config runs an interactive sh on a terminal: run a script instead
cat > "$D/rootfs/demo.sh" <<'SCRIPT'
echo "hostname: $(hostname)"
echo "my pid:   $$"
echo "PID 1:    $(tr '\0' ' ' < /proc/1/cmdline)"
echo "processes:"; ps
echo "mounts:"; cat /proc/self/mounts
SCRIPT
sed -i -e 's/"terminal": true/"terminal": false/' \
	-e 's/"hostname": "[^"]*"/"hostname": "ctr-demo"/' \
	-e 's|^\([[:space:]]*\)"sh"$|\1"sh", "/demo.sh"|' "$D/config.json"
echo "--- $CTR check (bundle $D) ---"
"$CTR" check --bundle "$D" || { echo "demo: the bundle does not pass ctr check (is busybox static?)" >&2; exit 1; }
echo "--- $CTR run demo ---"
rc=0
"$CTR" --root "$D/state" run --bundle "$D" demo || rc=$?
echo "--- container exited with status $rc ---"
