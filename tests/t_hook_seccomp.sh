#!/bin/sh
# A startContainer hook runs under the container's seccomp filter, also with
# noNewPrivileges (where the filter is installed last, as runc does): the hook must not
# be a way around it. The filter denies mkdir; the hook (inside the container) records
# its Seccomp: line and whether its mkdir worked.
. "$(dirname "$0")/lib.sh"
need_root hook-seccomp
command -v python3 >/dev/null || { skip "hook-seccomp: needs python3"; exit 0; }
C() { timeout 30 "$CTR" --root "$ROOT" "$@"; }
RFS=$T_TMP/rootfs
make_rootfs "$RFS" || { fail "hook-seccomp: make_rootfs"; exit 1; }
cat > "$RFS/hook.sh" <<'HOOK'
#!/bin/sh
grep '^Seccomp:' /proc/self/status | tr -d '\t ' > /x/seccomp
mkdir /x/made-by-hook 2> /x/mkdir.err
echo $? > /x/mkdir.rc
HOOK
chmod 755 "$RFS/hook.sh"
mkdir -p "$T_TMP/base"
(cd "$T_TMP/base" && "$CTR" spec) || { fail "hook-seccomp: ctr spec"; exit 1; }

for nnp in True False; do
	x=$T_TMP/x-$nnp
	mkdir -p "$x"
	b=$T_TMP/b-$nnp
	mkdir -p "$b"
	cp "$T_TMP/base/config.json" "$b/"
	set_config "$b" "
c['root']['path'] = '$RFS'
c['process']['terminal'] = False
c['process']['noNewPrivileges'] = $nnp
c['process']['args'] = ['sleep', '1000']
c['mounts'].append({'destination': '/x', 'type': 'bind', 'source': '$x', 'options': ['rbind', 'rw']})
c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [
    {'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1}]}
c['hooks'] = {'startContainer': [{'path': '/hook.sh'}]}" || { fail "hook-seccomp: config"; exit 1; }
	id=$(new_id nnp-$nnp)
	C create --bundle "$b" "$id" && C start "$id"
	rc=$(cat "$x/mkdir.rc" 2>/dev/null)
	if [ "$(cat "$x/seccomp" 2>/dev/null)" = Seccomp:2 ]; then pass "hook-seccomp: noNewPrivileges=$nnp: the startContainer hook runs under the filter (Seccomp: 2)"
	else fail "hook-seccomp: noNewPrivileges=$nnp: the startContainer hook runs under the filter: $(cat "$x/seccomp" 2>&1)"; fi
	if [ -n "$rc" ] && [ "$rc" != 0 ] && [ ! -e "$x/made-by-hook" ]; then pass "hook-seccomp: noNewPrivileges=$nnp: the hook's mkdir was denied by the filter"
	else fail "hook-seccomp: noNewPrivileges=$nnp: the hook's mkdir was denied: rc=$rc $(cat "$x/mkdir.err" 2>&1)"; fi
	"$CTR" --root "$ROOT" delete -f "$id"
done
