#!/bin/sh
# Rootless on this host: ctr run by an unused uid (setpriv, no account made), with the
# config `ctr spec --rootless` writes: the user namespace maps uid 0 to the caller, the
# state is under $XDG_RUNTIME_DIR/ctr, cgroups only where delegated (a cgroup2 directory
# chowned to the uid, as systemd's Delegate=yes does) and linux.resources an error where
# none is. The guest runs the full set as a real user: tests/vm/rootless.sh.
. "$(dirname "$0")/lib.sh"
NAMES="rootless_host_run rootless_host_state_dir rootless_host_resources_error
rootless_host_delegated rootless_host_ranges"
need_root $NAMES
command -v setpriv > /dev/null || skip_all "setpriv (util-linux) is not installed"
X=54321
while getent passwd "$X" > /dev/null || [ -e "/proc/$X" ] && [ $X -lt 54400 ]; do X=$((X + 1)); done
setpriv --reuid $X --regid $X --clear-groups unshare -U true 2> /dev/null ||
	skip_all "unprivileged user namespaces are not allowed here"
W=/tmp/ctr-rootless-$$ # the uid's own bundle and XDG_RUNTIME_DIR (T_TMP is root's 0700)
mkdir -p "$W/b" "$W/xdg"
at_exit "rm -rf '$W'"
make_rootfs "$W/b/rootfs" > /dev/null || fail_all "cannot make a rootfs"
chown -R $X:$X "$W"
chmod 700 "$W/xdg"
# U CMD...: as uid X with its XDG_RUNTIME_DIR; bounded
U() { timeout -k 5 60 setpriv --reuid $X --regid $X --clear-groups env XDG_RUNTIME_DIR="$W/xdg" "$@"; }
at_exit 'for d in "$W"/xdg/ctr/*/; do [ -d "$d" ] && U "$CTR" delete -f "$(basename "$d")"; done'
cfg() { # PYTHON: the rootless config with PYTHON applied (c: the config)
	rm -f "$W/b/config.json"
	(cd "$W/b" && U "$CTR" spec --rootless) || return 1
	set_config "$W/b" "c['process']['terminal']=False; $1"
	chown $X "$W/b/config.json"
}

cfg "c['process']['args']=['sh','-c','id -u; cat /proc/self/uid_map']"
out=$(U "$CTR" run --bundle "$W/b" "$(new_id run)" 2>&1)
map=$(echo "$out" | sed -n 2p | tr -s ' ' | sed 's/^ //')
check "rootless_host_run: uid $X runs spec --rootless: uid 0 inside, uid_map '$map' ($(echo "$out" | head -n 1))" \
	sh -c "[ '$(echo "$out" | head -n 1)' = 0 ] && [ '$map' = '0 $X 1' ]"

cfg "c['process']['args']=['sleep','100']"
ID=$(new_id st)
U "$CTR" run -d --bundle "$W/b" "$ID" < /dev/null > "$T_TMP/out" 2>&1
l=$(U "$CTR" list -q 2>&1)
ex=$(U "$CTR" exec "$ID" cat /proc/self/uid_map 2>&1 | tr -s ' ' | sed 's/^ //')
U "$CTR" delete -f "$ID" >> "$T_TMP/out" 2>&1
check "rootless_host_state_dir: state in \$XDG_RUNTIME_DIR/ctr, owned by $X; list [$l], exec: '$ex' ($(cat "$T_TMP/out"))" \
	sh -c "[ '$l' = '$ID' ] && [ '$ex' = '0 $X 1' ] && [ \"\$(stat -c %u '$W/xdg/ctr')\" = $X ] && [ ! -e '$W/xdg/ctr/$ID' ]"

cfg "c['process']['args']=['true']; c['linux']['resources']={'pids':{'limit':10}}"
ID=$(new_id res)
out=$(U "$CTR" run --bundle "$W/b" "$ID" 2>&1)
rc=$?
check "rootless_host_resources_error: a limit with no delegated cgroup is an error (rc $rc: $out)" \
	sh -c "[ $rc != 0 ] && echo '$out' | grep -q 'linux.resources.pids: rootless, and no cgroup v2 is delegated to uid $X' && [ ! -e '$W/xdg/ctr/$ID' ]"

# a delegated cgroup2 subtree: a directory chowned to X, the caller in a leaf below it;
# the container's cgroup is ctr/<id> below the highest delegated ancestor
V2=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
if [ -n "$V2" ] && [ -w "$V2" ]; then
	G=$V2/ctrt-rl-$$
	mkdir -p "$G/caller"
	chown -R $X "$G"
	at_exit "for d in \$(find '$G' -depth -type d); do rmdir \"\$d\"; done 2>/dev/null"
	cfg "c['process']['args']=['sleep','100']"
	ID=$(new_id dg)
	sh -c "echo \$\$ > '$G/caller/cgroup.procs' && exec timeout -k 5 60 setpriv --reuid $X --regid $X --clear-groups env XDG_RUNTIME_DIR='$W/xdg' '$CTR' run -d --bundle '$W/b' '$ID'" < /dev/null > "$T_TMP/out" 2>&1
	P=$(U "$CTR" state "$ID" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	cg=$(sed -n 's/^0:://p' "/proc/${P:-0}/cgroup" 2>/dev/null)
	U "$CTR" delete -f "$ID" >> "$T_TMP/out" 2>&1
	check "rootless_host_delegated: the init in the delegated subtree ($cg), removed by delete ($(cat "$T_TMP/out"))" \
		sh -c "[ '$cg' = '/ctrt-rl-$$/ctr/$ID' ] && [ ! -d '$G/ctr/$ID' ]"
else
	skip "rootless_host_delegated: no writable cgroup2 mount here"
fi

# subordinate ranges need newuidmap: without it, an error that says so
cfg "c['process']['args']=['true']; c['linux']['uidMappings'].append({'containerID':1,'hostID':200000,'size':10})"
out=$(U env PATH="$W/none" "$CTR" run --bundle "$W/b" "$(new_id rg)" 2>&1)
rc=$?
check "rootless_host_ranges: a range beyond the own uid goes to newuidmap (not on PATH here: $out)" \
	sh -c "[ $rc != 0 ] && echo '$out' | grep -q 'linux.uidMappings: newuidmap failed: cannot run it'"
