#!/bin/sh
# CVE-2019-5736, attempted for real: a hostile container reaches ctr's binary through
# /proc/PID/exe and tries to overwrite it (tests/rootfs/exe_overwrite.c):
#   - a `#!/proc/self/exe` trap as its /bin/sh catches an innocent `ctr exec C sh`;
#   - with CAP_SYS_PTRACE, it opens /proc/1/exe of another container's created init
#     (sharing that pid namespace) and waits for `ctr start`.
# ctr runs from a sealed memfd copy: the host binary's hash must not change and the
# write must be refused. Also: the library refuses create/exec when not sealed.
. "$(dirname "$0")/lib.sh"
need_root cve-exe
command -v python3 >/dev/null || { skip "cve-exe: needs python3"; exit 0; }

# the binary under attack is a copy: a failing run must not ruin ./ctr
VICTIM=$T_TMP/ctr
cp "$CTR" "$VICTIM"
C() { timeout 30 "$VICTIM" --root "$ROOT" "$@"; }
HOSTILE=$T_TMP/exe_overwrite
CC=${CC:-musl-gcc}
if ! { "$CC" -static -O1 -o "$HOSTILE" "$TOP/tests/rootfs/exe_overwrite.c" ||
	gcc -static -O1 -o "$HOSTILE" "$TOP/tests/rootfs/exe_overwrite.c"; } 2> "$T_TMP/cc.log"; then
	fail "cve-exe: the hostile helper does not build: $(head -3 "$T_TMP/cc.log")"; exit 1
fi
mkdir -p "$T_TMP/base"
(cd "$T_TMP/base" && "$CTR" spec) || { fail "cve-exe: ctr spec"; exit 1; }

bundle() { # NAME ARGS_JSON [PYTHON]: own rootfs (the trap rewrites /bin/sh), /x shared
	b=$T_TMP/b-$1
	mkdir -p "$b/x"
	make_rootfs "$b/rootfs" >/dev/null || return 1
	cp "$HOSTILE" "$b/rootfs/exe_overwrite"
	cp "$T_TMP/base/config.json" "$b/"
	set_config "$b" "
c['root']['readonly'] = False
c['process']['terminal'] = False
c['process']['args'] = json.loads(r'''$2''')
c['mounts'].append({'destination': '/x', 'type': 'bind', 'source': '$b/x', 'options': ['rbind', 'rw']})
${3:-}" || return 1
	echo "$b"
}
t() { n=$1; shift; if eval "$*"; then pass "$n"; else fail "$n"; return 1; fi; }
pid_of() { "$CTR" --root "$ROOT" state "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'; }
wait_for() { n=0; while ! "$@"; do n=$((n + 1)); [ $n -gt 800 ] && return 1; sleep 0.025; done; }
sum() { sha256sum < "$VICTIM"; }
result() { cat "$1/x/result" 2>/dev/null | tr '\n' '|'; }

# ---------- the CLI re-executes sealed (the library's refusal: t_embed) ----------
id=$(new_id sealed)
b=$(bundle sealed '["sleep", "1000"]')
C create --bundle "$b" "$id"
p=$(pid_of "$id")
t "cve-exe: a created init runs from a sealed memfd, not the host binary" \
	'case $(readlink /proc/$p/exe) in /memfd:*) true;; *) false;; esac' || echo "# exe: $(readlink /proc/$p/exe)"
"$CTR" --root "$ROOT" delete -f "$id"

# ---------- the #!/proc/self/exe trap for `ctr exec` ----------
before=$(sum)
id=$(new_id trap)
b=$(bundle trap '["/exe_overwrite", "trap", "/x"]')
C run -d --bundle "$b" "$id"
wait_for test -e "$b/x/ready" || fail "cve-exe: the trap was not armed"
C exec "$id" sh > "$T_TMP/exec.out" 2>&1 # the admin's innocent exec
wait_for test -e "$b/x/result"
wait_for grep -qE '^(wrote|refused)' "$b/x/result"
r=$(result "$b")
t "cve-exe trap: the runtime binary ran inside the container and was caught there" \
	'case $r in found*) true;; *) false;; esac' || echo "# result: $r exec: $(head -3 "$T_TMP/exec.out")"
t "cve-exe trap: what the container reached is the sealed copy" 'case $r in *"link /memfd:"*) true;; *) false;; esac' || echo "# result: $r"
t "cve-exe trap: its write to the binary was refused" 'case $r in *"|refused "*) true;; *) false;; esac' || echo "# result: $r"
t "cve-exe trap: the host binary is unchanged (sha256)" '[ "$(sum)" = "$before" ]'
"$CTR" --root "$ROOT" delete -f "$id"

# ---------- CAP_SYS_PTRACE and a created init ----------
cp "$CTR" "$VICTIM" # a fresh copy, in case the trap got through
before=$(sum)
ida=$(new_id ptrace-a)
C create --bundle "$(bundle ptrace-a '["sleep", "1000"]')" "$ida"
pa=$(pid_of "$ida")
idb=$(new_id ptrace-b)
b=$(bundle ptrace-b '["/exe_overwrite", "ptrace", "/x"]' "
for ns in c['linux']['namespaces']:
    if ns['type'] == 'pid':
        ns['path'] = '/proc/$pa/ns/pid'
for k in c['process']['capabilities']:
    c['process']['capabilities'][k].append('CAP_SYS_PTRACE')")
C run -d --bundle "$b" "$idb"
wait_for test -e "$b/x/ready" || fail "cve-exe: the ptrace side did not start"
wait_for grep -q '^found' "$b/x/result"
C start "$ida" # the admin starts the created container: its init leaves ctr's code
wait_for grep -qE '^(wrote|refused)' "$b/x/result"
r=$(result "$b")
t "cve-exe ptrace: the container opened the created init's /proc/1/exe" \
	'case $r in found*) true;; *) false;; esac' || echo "# result: $r"
t "cve-exe ptrace: it is the sealed copy" 'case $r in *"link /memfd:"*) true;; *) false;; esac' || echo "# result: $r"
t "cve-exe ptrace: its write was refused" 'case $r in *"|refused "*) true;; *) false;; esac' || echo "# result: $r"
t "cve-exe ptrace: the host binary is unchanged (sha256)" '[ "$(sum)" = "$before" ]'
"$CTR" --root "$ROOT" delete -f "$idb"
"$CTR" --root "$ROOT" delete -f "$ida"
