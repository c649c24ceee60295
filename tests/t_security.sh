#!/bin/sh
# Known container escapes stay closed; each test attempts the escape for real:
# host fds leaking in, a cwd outside the rootfs (CVE-2024-21626), opening the runtime's
# binary through /proc/PID/exe while it sets a container up (CVE-2019-5736), and
# signal state leaking into the container.
. "$(dirname "$0")/lib.sh"
need_root security
command -v python3 >/dev/null || { skip "security: needs python3"; exit 0; }

# our own copy: the CVE-2019-5736 test checks that nobody could write to it
cp "$CTR" "$T_TMP/ctr" && CTR=$T_TMP/ctr
C() { "$CTR" --root "$ROOT" "$@"; }
rfs_base security
mkdir -p "$T_TMP/share"

bundle() { # NAME ARGS_JSON [PYTHON]: /x is $T_TMP/share
	rfs_bundle "$1" "$2" "
c['mounts'].append({'destination': '/x', 'type': 'bind', 'source': '$T_TMP/share', 'options': ['rbind', 'rw']})
${3:-}"
}
t() { n=$1; shift; if eval "$*"; then pass "$n"; else fail "$n"; return 1; fi; }
jfield() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1" 2>/dev/null; }
pid_of() { C state "$1" 2>/dev/null | jfield pid; }

# ---------- host fds ----------
# what the container process holds, seen from the host once it runs (sleep: no fds of its own)
fds_of() { ls /proc/$1/fd | sort -n | tr '\n' ' '; }
b=$(bundle fds '["sleep", "1000"]')
id=$(new_id fds)
C run -d --bundle "$b" "$id" 5</etc/hostname 7>"$T_TMP/w" 9<"$T_TMP"
out=$(fds_of "$(pid_of "$id")")
t "no host fd reaches the container (only 0 1 2)" '[ "$out" = "0 1 2 " ]' || echo "# fds inside: $out"
C delete -f "$id"
id=$(new_id fds)
C run -d --preserve-fds 1 --bundle "$b" "$id" 3</etc/hostname 5</etc/hostname
p=$(pid_of "$id")
out=$(fds_of "$p")
t "--preserve-fds 1: only 0 1 2 3, and 3 is the file passed" '[ "$out" = "0 1 2 3 " ] && [ "$(readlink /proc/$p/fd/3)" = /etc/hostname ]' || echo "# fds inside: $out"
C delete -f "$id"

id=$(new_id fdcs)
C create --bundle "$b" "$id" 8</etc/hostname
C start "$id" 6</etc/hostname
out=$(fds_of "$(pid_of "$id")")
t "create + start: no fd of either ctr reaches the process" '[ "$out" = "0 1 2 " ]' || echo "# fds: $out"
C delete -f "$id"

# ---------- cwd inside the rootfs ----------
b=$(bundle cwd '["sh", "-c", "pwd; cd ..; pwd; ls /x >/dev/null && echo ok"]' "c['process']['cwd'] = '/tmp'")
out=$(C run --bundle "$b" "$(new_id cwd)" 2>&1)
t "cwd: the process starts in the configured dir inside the rootfs" '[ "$(echo "$out" | tr "\n" "|")" = "/tmp|/|ok|" ]' || echo "# out: $out"
id=$(new_id cwdh)
C create --bundle "$(bundle cwdh '["sleep", "1000"]' "c['process']['cwd'] = '/tmp'")" "$id"
p=$(pid_of "$id")
t "cwd: seen from the host, the init's cwd is the rootfs's /tmp" '[ "$(stat -L -c %d:%i /proc/$p/cwd)" = "$(stat -c %d:%i "$RFS/tmp")" ]' 
C delete -f "$id"
# CVE-2024-21626: a cwd through a leaked host directory fd
for fd in 7 8 9; do
	b=$(bundle leak "[\"sh\", \"-c\", \"ls ../../.. > /x/leak 2>&1; pwd >> /x/leak\"]" "c['process']['cwd'] = '/proc/self/fd/$fd'")
	rm -f "$T_TMP/share/leak"
	err=$(C run --bundle "$b" "$(new_id leak)" 7</ 8<"$T_TMP" 9</work 2>&1); rc=$?
	t "cwd /proc/self/fd/$fd (a leaked host dir) refused" '[ "$rc" != 0 ] && [ ! -e "$T_TMP/share/leak" ]' || echo "# rc=$rc err=$err leak=$(cat "$T_TMP/share/leak" 2>/dev/null | head -3)"
done

# ---------- CVE-2019-5736: /proc/PID/exe of a container being set up ----------
# Container A waits for the pid (in its pid ns) of container B's init, which joins A's
# pid namespace and stays in `created` (ctr's code, before exec). A then tries to open
# B's /proc/PID/exe for reading and writing and to read the link.
sum_before=$(cksum < "$CTR")
ida=$(new_id exe-a)
C run -d --bundle "$(bundle exe-a '["sh", "-c", "while [ ! -s /x/go ]; do sleep 0.02; done; p=$(cat /x/go); { cat /proc/$p/exe > /dev/null; } 2> /x/read.err; echo $? > /x/read.rc; { echo x >> /proc/$p/exe; } 2> /x/write.err; echo $? > /x/write.rc; readlink /proc/$p/exe > /x/link 2>&1; echo $? > /x/link.rc; touch /x/done; sleep 1000"]')" "$ida"
pa=$(pid_of "$ida")
idb=$(new_id exe-b)
C create --bundle "$(bundle exe-b '["true"]' "
for ns in c['linux']['namespaces']:
    if ns['type'] == 'pid':
        ns['path'] = '/proc/$pa/ns/pid'")" "$idb"
pb=$(pid_of "$idb")
nspid=$(awk '/^NSpid:/ {print $NF}' /proc/$pb/status)
echo "$nspid" > "$T_TMP/share/go.tmp" && mv "$T_TMP/share/go.tmp" "$T_TMP/share/go"
wait_for test -e "$T_TMP/share/done"
t "CVE-2019-5736: the container cannot open a setting-up init's exe for reading" '[ "$(cat "$T_TMP/share/read.rc")" != 0 ] && grep -q "denied" "$T_TMP/share/read.err"' || echo "# read: $(cat "$T_TMP/share/read.err")"
t "CVE-2019-5736: ... nor for writing" '[ "$(cat "$T_TMP/share/write.rc")" != 0 ]'
t "CVE-2019-5736: ... nor read the link" '[ "$(cat "$T_TMP/share/link.rc")" != 0 ]' || echo "# link: $(cat "$T_TMP/share/link")"
t "CVE-2019-5736: the runtime binary is unchanged" '[ "$(cksum < "$CTR")" = "$sum_before" ]'
C delete -f "$idb"
C delete -f "$ida"

# ---------- signal state ----------
b=$(bundle sig '["grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"]')
out=$( (trap '' HUP USR1; exec "$CTR" --root "$ROOT" run --bundle "$b" "$(new_id sig)") 2>&1)
t "the container process starts with no blocked or ignored signals" '[ "$(echo "$out" | tr -s "\t " " " | tr "\n" "|")" = "SigBlk: 0000000000000000|SigIgn: 0000000000000000|" ]' || echo "# $out"
