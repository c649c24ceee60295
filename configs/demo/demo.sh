#!/bin/sh
# `sudo make demo`: build a busybox bundle in a temp dir, run it with ./ctr, and show
# what the container sees of itself: its hostname, its PID 1 and its mounts.
set -eu
CTR=${CTR:-./ctr}
CTR=$(cd "$(dirname "$CTR")" && pwd)/$(basename "$CTR")
[ "$(id -u)" = 0 ] || { echo "demo: needs root (sudo make demo)" >&2; exit 1; }
BB=$(command -v busybox) || { echo "demo: needs busybox-static (apt-get install busybox-static)" >&2; exit 1; }
D=$(mktemp -d /tmp/ctr-demo.XXXXXX)
trap '"$CTR" --root "$D/state" delete -f demo >/dev/null 2>&1; rm -rf "$D"' EXIT INT TERM
mkdir -p "$D/rootfs/bin" "$D/rootfs/proc" "$D/rootfs/sys" "$D/rootfs/dev" "$D/rootfs/etc" \
	"$D/rootfs/tmp"
cp "$BB" "$D/rootfs/bin/busybox"
for a in $("$BB" --list); do
	[ -e "$D/rootfs/bin/$a" ] || ln -s busybox "$D/rootfs/bin/$a"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$D/rootfs/etc/passwd"
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
echo "--- $CTR run demo (bundle $D) ---"
rc=0
"$CTR" --root "$D/state" run --bundle "$D" demo || rc=$?
echo "--- container exited with status $rc ---"
