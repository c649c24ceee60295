#!/bin/sh
# Integration tests of where ctr behaves like runc in process setup, hooks, the rootfs and
# cgroup joining (issue 11): HOME from the container's passwd, stdio owned by the
# container user, the hooks' environment and working directory, bind sources opened on
# the host side, /dev/console with a read-only /dev, no mount namespace, unbindable
# rootfs, resources that cannot be applied, frozen cgroups, cpuset of foreign parents.
. "$(dirname "$0")/lib.sh"

NAMES="home_from_passwd home_exec home_kept home_no_escape stdio_owner stdio_tty_owner hooks_env_inherited hooks_env_explicit hooks_create_cwd console_ro_dev resources_network_error rootfs_unbindable rootfs_runbindable no_mount_ns no_mount_ns_masked_refused cgroup_frozen_refused cgroup_frozen_parent_refused cgroup_frozen_during_create cpuset_foreign_parent bind_source_userns_0700 bind_source_userns_missing"
need_root $NAMES

B=$T_TMP/b
make_bundle "$B" >"$T_TMP/mk.log" 2>&1 || skip_all "cannot make a bundle ($(tail -1 "$T_TMP/mk.log"))"
cp "$B/config.json" "$T_TMP/config.orig"
echo "u1000:x:1000:1000::/home/u1000:/bin/sh" >> "$B/rootfs/etc/passwd"
# paths below the bundle are reached by uids of a user namespace too
chmod 755 "$T_TMP"

# cfg PYTHON: the default config with terminal off, edited by PYTHON
cfg() {
	cp "$T_TMP/config.orig" "$B/config.json"
	set_config "$B" "c['process']['terminal'] = False
$1"
}
# run ARGS-PY: run the bundle with process.args, output in $T_TMP/out (stdout+stderr)
run() {
	set_config "$B" "c['process']['args'] = $1"
	timeout 60 "$CTR" --root "$ROOT" run --bundle "$B" "$(new_id r)" </dev/null >"$T_TMP/out" 2>&1
}
has() { grep -q -- "$1" "$T_TMP/out"; }
out() { head -c 400 "$T_TMP/out" | tr '\n' ' '; }

# ---- HOME ----
cfg "c['process']['env'] = ['PATH=/bin:/usr/bin']"
run "['sh', '-c', 'echo home=\$HOME']"
r0=$(cat "$T_TMP/out")
cfg "c['process']['env'] = ['PATH=/bin:/usr/bin']; c['process']['user'] = {'uid': 1000, 'gid': 1000}"
run "['sh', '-c', 'echo home=\$HOME']"
r1=$(cat "$T_TMP/out")
cfg "c['process']['env'] = ['PATH=/bin:/usr/bin']; c['process']['user'] = {'uid': 2000, 'gid': 2000}"
run "['sh', '-c', 'echo home=\$HOME']"
r2=$(cat "$T_TMP/out")
if [ "$r0|$r1|$r2" = "home=/root|home=/home/u1000|home=/" ]; then pass home_from_passwd
else fail "home_from_passwd: '$r0|$r1|$r2'"; fi

cfg "c['process']['env'] = ['PATH=/bin:/usr/bin', 'HOME=/custom']"
run "['sh', '-c', 'echo home=\$HOME; env | grep -c ^HOME=']"
if [ "$(echo $(cat "$T_TMP/out"))" = "home=/custom 1" ]; then pass home_kept; else fail "home_kept: $(out)"; fi

# exec: --env without HOME gets it too, from the exec user's entry
cfg "c['process']['env'] = ['PATH=/bin:/usr/bin']; c['process']['args'] = ['sleep', '100000']"
SID=$(new_id home)
timeout 60 "$CTR" --root "$ROOT" run -d --bundle "$B" "$SID" </dev/null >"$T_TMP/s.err" 2>&1
e0=$(timeout 60 "$CTR" --root "$ROOT" exec --env FOO=1 "$SID" sh -c 'echo $FOO$HOME' 2>&1)
e1=$(timeout 60 "$CTR" --root "$ROOT" exec --user 1000:1000 "$SID" sh -c 'echo $HOME' 2>&1)
if [ "$e0|$e1" = "1/root|/home/u1000" ]; then pass home_exec; else fail "home_exec: '$e0|$e1' $(cat "$T_TMP/s.err")"; fi
"$CTR" --root "$ROOT" delete -f "$SID" >/dev/null 2>&1

# /etc/passwd a symlink out of the rootfs: resolved inside it, so no entry is found
mv "$B/rootfs/etc/passwd" "$B/rootfs/etc/passwd.real"
echo "esc:x:3000:3000::/escaped:/bin/sh" > "$T_TMP/host-passwd"
ln -s "../../../../../../../../../..$T_TMP/host-passwd" "$B/rootfs/etc/passwd"
cfg "c['process']['env'] = ['PATH=/bin:/usr/bin']; c['process']['user'] = {'uid': 3000, 'gid': 3000}"
run "['sh', '-c', 'echo home=\$HOME']"
if [ "$(cat "$T_TMP/out")" = "home=/" ]; then pass home_no_escape; else fail "home_no_escape: $(out)"; fi
rm "$B/rootfs/etc/passwd"
mv "$B/rootfs/etc/passwd.real" "$B/rootfs/etc/passwd"

# ---- stdio belongs to the container user ----
cfg "c['process']['user'] = {'uid': 1000, 'gid': 1000}"
set_config "$B" "c['process']['args'] = ['sh', '-c', 'echo reopened > /dev/stdout && echo owner=\$(stat -L -c %u /proc/self/fd/1)']"
ID=$(new_id stdio)
timeout 60 "$CTR" --root "$ROOT" run --bundle "$B" "$ID" </dev/null 2>"$T_TMP/err" | cat > "$T_TMP/out"
if [ "$(echo $(cat "$T_TMP/out"))" = "reopened owner=1000" ]; then pass stdio_owner
else fail "stdio_owner: $(out) $(cat "$T_TMP/err")"; fi

# tty_run NAME PYTHON INPUT: create+start with a terminal through tests/recvtty.c, which
# types INPUT; the terminal's output in $T_TMP/tty.out. Fails NAME itself if create fails.
CC=${CC:-cc}
case $CC in *musl*) CC=cc;; esac
"$CC" -O1 -o "$T_TMP/recvtty" "$TOP/tests/recvtty.c" 2>"$T_TMP/cc.log" || rm -f "$T_TMP/recvtty"
tty_run() {
	[ -x "$T_TMP/recvtty" ] || { fail "$1: cannot build tests/recvtty.c"; return 1; }
	cfg "c['process']['terminal'] = True; c['process']['args'] = ['sh']
$2"
	SOCK=$T_TMP/console.sock
	rm -f "$SOCK" "$T_TMP/tty.out"
	"$T_TMP/recvtty" "$SOCK" "$T_TMP/tty.out" "$3" >"$T_TMP/recv.log" 2>&1 &
	RECV=$!
	wait_for grep -q ready "$T_TMP/recv.log"
	ID=$(new_id tty)
	if timeout 60 "$CTR" --root "$ROOT" create --bundle "$B" --console-socket "$SOCK" "$ID" >"$T_TMP/c.err" 2>&1 &&
		timeout 60 "$CTR" --root "$ROOT" start "$ID" >>"$T_TMP/c.err" 2>&1; then
		wait_for eval '! kill -0 $RECV 2>/dev/null'
		rc=0
	else
		fail "$1: $(cat "$T_TMP/c.err")"
		rc=1
	fi
	kill $RECV 2>/dev/null
	"$CTR" --root "$ROOT" delete -f "$ID" >/dev/null 2>&1
	return $rc
}
if tty_run stdio_tty_owner "c['process']['user'] = {'uid': 1000, 'gid': 1000}" 'stat -L -c owner=%u /proc/self/fd/0; exit 0
'; then
	if grep -q "^owner=1000" "$T_TMP/tty.out"; then pass stdio_tty_owner
	else fail "stdio_tty_owner: $(head -c 300 "$T_TMP/tty.out")"; fi
fi

# ---- /dev/console with a read-only /dev ----
if tty_run console_ro_dev "[m['options'].append('ro') for m in c['mounts'] if m['destination'] == '/dev']" 'ls -l /dev/console; touch /dev/x 2>/dev/null || echo dev-is-ro; exit 0
'; then
	if grep -q "^c.* 136, *[0-9]* .*/dev/console" "$T_TMP/tty.out" && grep -q "^dev-is-ro" "$T_TMP/tty.out"; then
		pass console_ro_dev
	else fail "console_ro_dev: $(head -c 300 "$T_TMP/tty.out")"; fi
fi

# ---- hooks: environment and working directory ----
HOOK=$T_TMP/hook.sh
printf '#!/bin/sh\necho "$1|${HOOKVAR:-unset}|${HOOKENV:-unset}|$(pwd)" >> %s\n' "$T_TMP/hooks.out" > "$HOOK"
chmod 755 "$HOOK"
cfg "c['process']['args'] = ['true']
c['hooks'] = {'prestart': [{'path': '$HOOK', 'args': ['h', 'prestart']}],
              'createRuntime': [{'path': '$HOOK', 'args': ['h', 'createRuntime'], 'env': ['HOOKENV=set']}],
              'createContainer': [{'path': '$HOOK', 'args': ['h', 'createContainer']}],
              'poststop': [{'path': '$HOOK', 'args': ['h', 'poststop'], 'env': []}]}"
HOOKVAR=from-runtime timeout 60 "$CTR" --root "$ROOT" run --bundle "$B" "$(new_id hooks)" </dev/null >"$T_TMP/out" 2>&1
got=$(cut -d'|' -f1-3 "$T_TMP/hooks.out" | tr '\n' ' ')
if [ "$got" = "prestart|from-runtime|unset createRuntime|unset|set createContainer|from-runtime|unset poststop|unset|unset " ]; then
	pass hooks_env_inherited
else fail "hooks_env_inherited: $got $(out)"; fi
if grep -q "^createRuntime|unset|set|" "$T_TMP/hooks.out"; then pass hooks_env_explicit
else fail "hooks_env_explicit: $(cat "$T_TMP/hooks.out")"; fi
if [ "$(grep ^createContainer "$T_TMP/hooks.out" | cut -d'|' -f4)" = "$B/rootfs" ]; then pass hooks_create_cwd
else fail "hooks_create_cwd: $(cat "$T_TMP/hooks.out")"; fi

# ---- a resource that cannot be applied fails create and leaves nothing ----
# leftovers ID: state dir or cgroup directories named after the container
leftovers() { ls -d "$ROOT/$1" /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/*/*/"$1" 2>/dev/null; }
cfg "c['process']['args'] = ['true']; c['linux'].setdefault('resources', {})['network'] = {'classID': 1048577}"
ID=$(new_id net)
set_config "$B" "c['linux']['cgroupsPath'] = '/$ID'"
timeout 60 "$CTR" --root "$ROOT" run --bundle "$B" "$ID" </dev/null >"$T_TMP/out" 2>&1; rc=$?
if grep -q net_cls /proc/self/mounts; then
	if [ $rc = 0 ]; then pass resources_network_error; else fail "resources_network_error: net_cls present but run failed: $(out)"; fi
elif [ $rc != 0 ] && has "network" && [ -z "$(leftovers "$ID")" ]; then pass resources_network_error
else fail "resources_network_error: rc=$rc $(out) left: $(leftovers "$ID")"; fi

# ---- rootfsPropagation unbindable: the container's / is unbindable ----
for prop in unbindable runbindable; do
	cfg "c['linux']['rootfsPropagation'] = '$prop'"
	run "['sh', '-c', 'awk \'\$5 == \"/\"\' /proc/self/mountinfo']"
	if [ "$(awk '{print $5}' "$T_TMP/out")" = / ] && has " unbindable "; then pass "rootfs_$prop"
	else fail "rootfs_$prop: $(out)"; fi
done

# ---- no mount namespace: the container inherits ours (mounts made there, as runc) ----
umount_below() { awk -v d="$1/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
	while read -r m; do umount -l "$m"; done; }
at_exit "umount_below $B/rootfs"
cfg "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'mount']
c['linux'].pop('maskedPaths', None); c['linux'].pop('readonlyPaths', None)"
run "['sh', '-c', 'readlink /proc/self/ns/mnt; cat /etc/passwd | head -1; readlink /proc/self/root']"
umount_below "$B/rootfs"
if [ "$(echo $(cat "$T_TMP/out"))" = "$(readlink /proc/self/ns/mnt) root:x:0:0:root:/root:/bin/sh /" ]; then
	pass no_mount_ns
else fail "no_mount_ns: $(out)"; fi
cfg "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'mount']"
run "['true']"; rc=$?
umount_below "$B/rootfs"
if [ $rc != 0 ] && has maskedPaths; then pass no_mount_ns_masked_refused
else fail "no_mount_ns_masked_refused: rc=$rc $(out)"; fi

# ---- a pre-frozen cgroup is refused, not joined (bounded, nothing left) ----
FZ=/sys/fs/cgroup/freezer
if awk -v d="$FZ" '$2 == d && $3 == "cgroup"' /proc/self/mounts | grep -q freezer; then
	ID=$(new_id frozen1)
	mkdir "$FZ/$ID" && echo FROZEN > "$FZ/$ID/freezer.state"
	at_exit "for f in $FZ/$ID/*/freezer.state $FZ/$ID/freezer.state; do echo THAWED > \$f; done; sleep 0.5; rmdir /sys/fs/cgroup/*/$ID/*/ /sys/fs/cgroup/*/$ID"
	cfg "c['process']['args'] = ['sleep', '100000']; c['linux']['cgroupsPath'] = '/$ID'"
	timeout 20 "$CTR" --root "$ROOT" run -d --bundle "$B" "$ID" </dev/null >"$T_TMP/out" 2>&1; rc=$?
	left=$(ls -d "$ROOT/$ID" /sys/fs/cgroup/[!f]*/"$ID" 2>/dev/null; cat "$FZ/$ID/cgroup.procs")
	if [ $rc != 0 ] && [ $rc != 124 ] && has "frozen" && [ -z "$left" ]; then pass cgroup_frozen_refused
	else fail "cgroup_frozen_refused: rc=$rc $(out) left: $left"; fi
	echo THAWED > "$FZ/$ID/freezer.state"
	# frozen by an ancestor: the new cgroup below it is frozen too
	ID2=$(new_id frozen2)
	echo FROZEN > "$FZ/$ID/freezer.state"
	set_config "$B" "c['linux']['cgroupsPath'] = '/$ID/$ID2'"
	timeout 20 "$CTR" --root "$ROOT" run -d --bundle "$B" "$ID2" </dev/null >"$T_TMP/out" 2>&1; rc=$?
	left=$(ls -d "$ROOT/$ID2" /sys/fs/cgroup/*/"$ID"/"$ID2" 2>/dev/null)
	if [ $rc != 0 ] && [ $rc != 124 ] && has "frozen" && [ -z "$left" ]; then pass cgroup_frozen_parent_refused
	else fail "cgroup_frozen_parent_refused: rc=$rc $(out) left: $left"; fi
	echo THAWED > "$FZ/$ID/freezer.state"
	# frozen while being created (by a createRuntime hook): an error after a bounded
	# wait, the container removed
	ID3=$(new_id frozen3)
	printf '#!/bin/sh\necho FROZEN > %s/freezer.state\n' "$FZ/$ID/$ID3" > "$T_TMP/freeze.sh"
	chmod 755 "$T_TMP/freeze.sh"
	cfg "c['process']['args'] = ['sleep', '100000']; c['linux']['cgroupsPath'] = '/$ID/$ID3'
c['hooks'] = {'createRuntime': [{'path': '$T_TMP/freeze.sh'}]}"
	timeout 20 "$CTR" --root "$ROOT" run -d --bundle "$B" "$ID3" </dev/null >"$T_TMP/out" 2>&1; rc=$?
	left=$(ls -d "$ROOT/$ID3" /sys/fs/cgroup/*/"$ID"/"$ID3" 2>/dev/null)
	if [ $rc != 0 ] && [ $rc != 124 ] && has "frozen" && [ -z "$left" ]; then pass cgroup_frozen_during_create
	else fail "cgroup_frozen_during_create: rc=$rc $(out) left: $left"; fi
	[ -d "$FZ/$ID/$ID3" ] && echo THAWED > "$FZ/$ID/$ID3/freezer.state"
else
	skip "cgroup_frozen_during_create: no v1 freezer hierarchy"
	skip "cgroup_frozen_refused: no v1 freezer hierarchy"
	skip "cgroup_frozen_parent_refused: no v1 freezer hierarchy"
fi

# ---- cpuset: a parent made by someone else with empty cpus/mems is filled (v1) ----
CS=/sys/fs/cgroup/cpuset
if [ -f "$CS/cpuset.cpus" ]; then
	P=$(new_id cpusetparent)
	mkdir "$CS/$P"
	at_exit "rmdir /sys/fs/cgroup/*/$P/*/ /sys/fs/cgroup/*/$P"
	ID=$(new_id cpuset)
	cfg "c['process']['args'] = ['sh', '-c', 'cat /proc/self/cpuset']; c['linux']['cgroupsPath'] = '/$P/$ID'"
	set_config "$B" "c['process']['args'] = ['sh', '-c', 'cat /proc/self/cpuset']"
	timeout 60 "$CTR" --root "$ROOT" run --bundle "$B" "$ID" </dev/null >"$T_TMP/out" 2>&1; rc=$?
	if [ $rc = 0 ] && [ "$(cat "$T_TMP/out")" = "/$P/$ID" ] &&
		[ "$(cat "$CS/$P/cpuset.cpus")" = "$(cat "$CS/cpuset.cpus")" ]; then pass cpuset_foreign_parent
	else fail "cpuset_foreign_parent: rc=$rc $(out) parent cpus '$(cat "$CS/$P/cpuset.cpus")'"; fi
else
	skip "cpuset_foreign_parent: no v1 cpuset hierarchy"
fi

# ---- bind sources are opened on the host side: a source under a 0700 dir, userns ----
if ! have_userns; then
	skip "bind_source_userns_0700: no user namespaces on this host"
	skip "bind_source_userns_missing: no user namespaces on this host"
	exit 0
fi
BU=$T_TMP/bu
cp -a "$B" "$BU" && chown -R 100000:100000 "$BU/rootfs"
mkdir -p "$T_TMP/secret/dir" "$BU/rel" && chmod 700 "$T_TMP/secret"
echo in-dir > "$T_TMP/secret/dir/f"; echo a-file > "$T_TMP/secret/file"; echo relative > "$BU/rel/f"
cp "$T_TMP/config.orig" "$BU/config.json"
set_config "$BU" "c['process']['terminal'] = False
c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['mounts'] += [{'destination': '/mnt/d', 'type': 'bind', 'source': '$T_TMP/secret/dir', 'options': ['rbind', 'ro']},
                {'destination': '/mnt/f', 'type': 'bind', 'source': '$T_TMP/secret/file', 'options': ['bind']},
                {'destination': '/mnt/r', 'type': 'none', 'source': 'rel', 'options': ['rbind']}]
c['process']['args'] = ['sh', '-c', 'cat /mnt/d/f /mnt/f /mnt/r/f; touch /mnt/d/x 2>/dev/null || echo ro-kept; id -u']"
timeout 60 "$CTR" --root "$ROOT" run --bundle "$BU" "$(new_id userns)" </dev/null >"$T_TMP/out" 2>&1
if [ "$(echo $(cat "$T_TMP/out"))" = "in-dir a-file relative ro-kept 0" ]; then pass bind_source_userns_0700
else fail "bind_source_userns_0700: $(out)"; fi
set_config "$BU" "c['mounts'].append({'destination': '/mnt/n', 'type': 'bind', 'source': '$T_TMP/secret/none', 'options': ['bind']})"
timeout 60 "$CTR" --root "$ROOT" run --bundle "$BU" "$(new_id userns)" </dev/null >"$T_TMP/out" 2>&1; rc=$?
if [ $rc != 0 ] && has "secret/none: No such file"; then pass bind_source_userns_missing
else fail "bind_source_userns_missing: rc=$rc $(out)"; fi
