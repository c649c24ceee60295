#!/bin/sh
# rootless_* checks for the guest of `make test-vm` (Debian 12, systemd, pure cgroup v2,
# user `tester` with subuid/subgid 100000:65536 and a lingering user@1000.service that
# delegates cpu memory pids). Run as root; every ctr call runs as tester (runuser), with
# the user's own state dir ($XDG_RUNTIME_DIR/ctr). Delegated cgroups: inside
# `systemd-run --user --scope -p Delegate=yes`; not delegated: straight from this service.
# Elsewhere (no tester, no user session): one SKIP per check, named.
CTR=${CTR:-$(cd "$(dirname "$0")/../.." && pwd)/ctr}
NAMES="rootless_spec_run rootless_uid_map rootless_root_file rootless_subid_ranges
rootless_cgroup_delegated rootless_cgroup_delegated_cleanup rootless_cgroup_not_delegated
rootless_systemd rootless_lifecycle podman_rootless podman_rootless_systemd"
. "$(dirname "$0")/../lib.sh"
need_root $NAMES
id tester > /dev/null 2>&1 || skip_all "no user tester (the guest of make test-vm has one)"
TU=$(id -u tester)
XDG=/run/user/$TU
[ -d "$XDG" ] || skip_all "no $XDG: tester has no systemd user session"

# U CMD...: as tester, with its session's environment; D CMD...: the same in a delegated
# scope of its user manager. Bounded: a hung call fails its check, not the file.
U() { timeout -k 5 120 runuser -u tester -- env XDG_RUNTIME_DIR="$XDG" \
	DBUS_SESSION_BUS_ADDRESS="unix:path=$XDG/bus" PATH="$PATH" HOME=/home/tester "$@"; }
D() { U systemd-run --user --scope -q -p Delegate=yes -- "$@"; }
W=/tmp/ctr-rootless-$$ # tester's bundles (T_TMP is root's 0700)
mkdir -p "$W"
at_exit "rm -rf '$W'"
B=$W/b
mkdir -p "$B"
make_rootfs "$B/rootfs" > /dev/null || fail_all "cannot make a rootfs"
chown -R tester: "$W"
st_of() { U "$CTR" state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
pid_of() { U "$CTR" state "$1" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p'; }
at_exit 'for d in "$XDG"/ctr/t$$-*/; do [ -d "$d" ] && U "$CTR" delete -f "$(basename "$d")"; done'
# cfg PYTHON: `ctr spec --rootless` as written, then PYTHON on it (c: the config)
cfg() {
	rm -f "$B/config.json"
	(cd "$B" && U "$CTR" spec --rootless) || return 1
	python3 - "$B/config.json" "$1" <<'PY'
import json, sys
p, expr = sys.argv[1], sys.argv[2]
c = json.load(open(p))
exec(expr)
json.dump(c, open(p, "w"), indent=2)
PY
}
ARGS="c['process']['terminal']=False; c['process']['args']"

# ---- spec --rootless runs as is (only its command changed: no terminal here) ----
cfg "$ARGS=['sh','-c','id -u; cat /proc/self/uid_map /proc/self/gid_map']"
out=$(U "$CTR" run --bundle "$B" "$(new_id spec)" 2>&1)
rc=$?
check "rootless_spec_run: ctr spec --rootless + run as tester (rc $rc: $(echo "$out" | head -n 1))" \
	sh -c "[ $rc = 0 ] && [ '$(echo "$out" | head -n 1)' = 0 ] && [ -d '$XDG/ctr' ]"
map=$(echo "$out" | sed -n 2p | tr -s ' ' | sed 's/^ //')
check "rootless_uid_map: uid 0 inside is tester ($TU) outside: uid_map '$map'" [ "$map" = "0 $TU 1" ]

# ---- a root-owned host file, bound in read-write: the write is refused ----
echo host > "$W/rootfile"
chown root:root "$W/rootfile"
chmod 644 "$W/rootfile"
cfg "c['mounts'].append({'destination':'/rootfile','type':'bind','source':'$W/rootfile','options':['rbind','rw']}); $ARGS=['sh','-c','echo pwned > /rootfile && echo wrote || echo refused']"
out=$(U "$CTR" run --bundle "$B" "$(new_id rf)" 2>&1 | tail -n 1)
check "rootless_root_file: a write to a host file owned by root is refused ($out, file: $(cat "$W/rootfile"))" \
	[ "$out:$(cat "$W/rootfile")" = refused:host ]

# ---- subordinate ranges through newuidmap/newgidmap ----
# a file of subordinate ids 100005:100006 on the host is 6:7 inside
echo sub > "$B/rootfs/subf"
chown 100005:100006 "$B/rootfs/subf"
cfg "c['linux']['uidMappings']=[{'containerID':0,'hostID':$TU,'size':1},{'containerID':1,'hostID':100000,'size':65536}]; c['linux']['gidMappings']=[{'containerID':0,'hostID':$(id -g tester),'size':1},{'containerID':1,'hostID':100000,'size':65536}]; $ARGS=['sh','-c','echo \$(stat -c %u:%g /subf) \$(wc -l < /proc/self/uid_map) \$(wc -l < /proc/self/gid_map)']"
out=$(U "$CTR" run --bundle "$B" "$(new_id sub)" 2>&1 | tail -n 1)
check "rootless_subid_ranges: ranges mapped by newuidmap/newgidmap: host 100005:100006 is 6:7 inside, 2 lines per map ($out)" \
	[ "$out" = "6:7 2 2" ]
rm -f "$B/rootfs/subf"

# ---- cgroups: limits in the delegated subtree; an error where none is delegated ----
cfg "c['linux']['resources']={'memory':{'limit':67108864},'pids':{'limit':32}}; $ARGS=['sleep','600']"
ID=$(new_id cg)
if D "$CTR" run -d --bundle "$B" "$ID" < /dev/null > "$T_TMP/out" 2>&1; then
	P=$(pid_of "$ID")
	cgp=$(sed -n 's/^0:://p' /proc/"$P"/cgroup 2>/dev/null)
	mem=$(cat "/sys/fs/cgroup$cgp/memory.max" 2>&1)
	pids=$(cat "/sys/fs/cgroup$cgp/pids.max" 2>&1)
	# the pids limit holds: 40 background sleeps in a cgroup of 32 tasks
	forks=$(D "$CTR" exec "$ID" sh -c 'n=0; while [ $n -lt 40 ]; do sleep 30 & n=$((n+1)); done 2>/dev/null; echo started' 2>&1 | tail -n 1)
	cur=$(cat "/sys/fs/cgroup$cgp/pids.current" 2>&1)
	check "rootless_cgroup_delegated: in $cgp: memory.max $mem, pids.max $pids, pids.current $cur after 40 forks ($forks)" \
		sh -c "case '$cgp' in */user@$TU.service/*) ;; *) false;; esac && [ '$mem' = 67108864 ] && [ '$pids' = 32 ] && [ '$cur' -le 32 ]"
	U "$CTR" delete -f "$ID" > /dev/null 2>&1
	check "rootless_cgroup_delegated_cleanup: delete removes $cgp" [ ! -d "/sys/fs/cgroup$cgp" ]
else
	fail "rootless_cgroup_delegated: run: $(cat "$T_TMP/out")"
fi
ID=$(new_id nd)
out=$(U "$CTR" run -d --bundle "$B" "$ID" < /dev/null 2>&1)
rc=$?
check "rootless_cgroup_not_delegated: limits without a delegated cgroup are an error (rc $rc: $out)" \
	sh -c "[ $rc != 0 ] && case \"\$1\" in *'no cgroup v2 is delegated'*) true;; *) false;; esac && [ ! -d '$XDG/ctr/$ID' ]" - "$out"

# ---- --systemd-cgroup as a user: a scope of the user manager, over the session bus ----
cfg "c['linux']['cgroupsPath']='user.slice:ctrt$$:sd'; c['linux']['resources']={'memory':{'limit':67108864},'pids':{'limit':40}}; $ARGS=['sleep','600']"
ID=$(new_id sd)
if U "$CTR" --systemd-cgroup run -d --bundle "$B" "$ID" < /dev/null > "$T_TMP/out" 2>&1; then
	P=$(pid_of "$ID")
	cgp=$(sed -n 's/^0:://p' /proc/"$P"/cgroup 2>/dev/null)
	mm=$(U systemctl --user show -P MemoryMax "ctrt$$-sd.scope" 2>&1)
	tm=$(U systemctl --user show -P TasksMax "ctrt$$-sd.scope" 2>&1)
	mem=$(cat "/sys/fs/cgroup$cgp/memory.max" 2>&1)
	U "$CTR" delete -f "$ID" >> "$T_TMP/out" 2>&1
	act=$(U systemctl --user is-active "ctrt$$-sd.scope" 2>&1)
	check "rootless_systemd: the user manager's scope ($cgp): MemoryMax $mm, TasksMax $tm, memory.max $mem; after delete: $act ($(cat "$T_TMP/out"))" \
		sh -c "[ '$cgp' = '/user.slice/user-$TU.slice/user@$TU.service/user.slice/ctrt$$-sd.scope' ] && [ '$mm' = 67108864 ] && [ '$tm' = 40 ] && [ '$mem' = 67108864 ] && [ '$act' != active ]"
else
	fail "rootless_systemd: run: $(cat "$T_TMP/out")"
fi

# ---- exec, kill, delete, list in the user's own state dir ----
cfg "$ARGS=['sleep','600']"
ID=$(new_id life)
U "$CTR" run -d --bundle "$B" "$ID" < /dev/null > "$T_TMP/out" 2>&1
l1=$(U "$CTR" list -q 2>&1)
ex=$(U "$CTR" exec "$ID" sh -c 'echo hi-$(id -u)' 2>&1)
U "$CTR" kill "$ID" KILL 2>> "$T_TMP/out"
i=0
while [ "$(st_of "$ID")" != stopped ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
s=$(st_of "$ID")
U "$CTR" delete "$ID" 2>> "$T_TMP/out"
l2=$(U "$CTR" list -q 2>&1)
check "rootless_lifecycle: list [$l1], exec '$ex', kill -> $s, delete, list [$l2] in $XDG/ctr ($(cat "$T_TMP/out"))" \
	sh -c "echo '$l1' | grep -qx '$ID' && [ '$ex' = hi-0 ] && [ '$s' = stopped ] && ! echo '$l2' | grep -qx '$ID' && [ -d '$XDG/ctr' ] && [ \"\$(stat -c %U '$XDG/ctr')\" = tester ]"

# ---- podman as tester with --runtime ctr ----
podman_rootless() {
	command -v podman > /dev/null || { skip "podman_rootless: podman is not installed"; return; }
	PS=$W/podman
	U mkdir -p "$PS/tmp"
	P() {
		U podman --root "$PS/root" --runroot "$PS/run" --tmpdir "$PS/tmp" \
			--storage-driver vfs --events-backend file --cgroup-manager cgroupfs \
			--runtime "$CTR" "$@"
	}
	at_exit "P rm -af -t 0 >/dev/null 2>&1; P rmi -af >/dev/null 2>&1"
	tar -C "$B/rootfs" -cf "$W/rootfs.tar" . 2>/dev/null
	chown tester "$W/rootfs.tar"
	P import -q "$W/rootfs.tar" localhost/ctrtest-bb > /dev/null 2> "$T_TMP/perr" ||
		{ fail "podman_rootless: podman import: $(tail -n 2 "$T_TMP/perr" | tr '\n' ' ')"; return; }
	out=$(P run --rm --network none localhost/ctrtest-bb sh -c 'echo ok-$(id -u); cat /proc/self/uid_map' 2> "$T_TMP/perr")
	first=$(echo "$out" | head -n 1)
	map=$(echo "$out" | sed -n 2p | tr -s ' ' | sed 's/^ //')
	if [ "$first" = ok-0 ] && [ "${map%% *}" = 0 ] && [ "$(echo "$map" | cut -d' ' -f2)" = "$TU" ]; then
		pass "podman_rootless: podman run --rm as tester through ctr (uid_map $map)"
	else
		fail "podman_rootless: out '$out': $(tail -n 3 "$T_TMP/perr" | tr '\n' ' ')"
	fi
}
podman_rootless

# ---- podman's default for a user session: its systemd cgroup manager (--systemd-cgroup) ----
podman_rootless_systemd() {
	command -v podman > /dev/null || { skip "podman_rootless_systemd: podman is not installed"; return; }
	out=$(U podman --root "$W/podman/root" --runroot "$W/podman/run" --tmpdir "$W/podman/tmp" \
		--storage-driver vfs --events-backend file --cgroup-manager systemd --runtime "$CTR" \
		run --rm --network none --memory 64m localhost/ctrtest-bb sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null || echo none; sed -n "s/^0:://p" /proc/self/cgroup' 2> "$T_TMP/perr")
	if [ "$(echo "$out" | head -n 1)" = 67108864 ]; then
		pass "podman_rootless_systemd: podman --cgroup-manager systemd as tester through ctr, --memory 64m applies"
	else
		fail "podman_rootless_systemd: out '$out': $(tail -n 3 "$T_TMP/perr" | tr '\n' ' ')"
	fi
}
podman_rootless_systemd
