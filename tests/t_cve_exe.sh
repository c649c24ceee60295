#!/bin/sh
# CVE-2019-5736, attempted for real: a hostile container reaches ctr's binary through
# /proc/PID/exe and tries to overwrite it (tests/rootfs/exe_overwrite.c):
#   - a `#!/proc/self/exe` trap as its /bin/sh catches an innocent `ctr exec C sh`;
#   - with CAP_SYS_PTRACE, it opens /proc/1/exe of another container's created init
#     (sharing that pid namespace) and waits for `ctr start`.
# ctr runs from an image no one can write: its binary through a private read-only
# overlayfs, a sealed memfd copy where no overlay can be made, the binary itself on a
# filesystem without write support (squashfs). The host binary's hash must not change
# and the write must be refused. Also: the library refuses create/exec when not sealed.
. "$(dirname "$0")/lib.sh"
need_root cve-exe
command -v python3 >/dev/null || { skip "cve-exe: needs python3"; exit 0; }

# the binary under attack is a copy: a failing run must not ruin ./ctr
VICTIM=$T_TMP/ctr
cp "$CTR" "$VICTIM"
# the victim's commands; with NOFS=1 with fsopen refused (the memfd path, below)
C() {
	if [ "${NOFS:-}" = 1 ]; then timeout 30 python3 "$T_TMP/no_fsopen.py" "$VICTIM" --root "$ROOT" "$@"
	else timeout 30 "$VICTIM" --root "$ROOT" "$@"; fi
}
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
# the kind of the image /proc/PID/exe is: overlay (ours: not the host file, overlayfs),
# memfd, host (the host binary itself), then "ro ERROR" when writing to it is refused
image() {
	l=$(readlink "/proc/$1/exe")
	case $l in
	/memfd:*) k=memfd;;
	*) if [ "/proc/$1/exe" -ef "$2" ]; then k=host
	   elif [ "$(stat -L -f -c %T "/proc/$1/exe")" = overlayfs ]; then k=overlay
	   else k="other($l)"; fi;;
	esac
	echo "$k $(ro "/proc/$1/exe")"
}
# ro FILE: "ro ERROR" when writing to FILE is refused (its own first byte back: no harm
# if it got through)
ro() {
	python3 -c 'import os, sys
with open(sys.argv[1], "rb") as f:
    b = f.read(1)
try:
    fd = os.open(sys.argv[1], os.O_WRONLY)
    os.pwrite(fd, b, 0)
except OSError as e:
    print("ro", e.strerror); sys.exit(0)
print("WRITABLE")' "$1"
}
# the first mapping of PID's image in /proc/PID/map_files, which CAP_SYS_ADMIN can open
# (on older kernels an overlay's mapping is its lower file, through the overlay's own
# read-only clone of the layer's mount); maps pads the addresses with zeros, map_files not
map_file() {
	echo "/proc/$1/map_files/$(head -1 "/proc/$1/maps" | cut -d' ' -f1 |
		sed 's/^0*\([0-9a-f]\)/\1/; s/-0*\([0-9a-f]\)/-\1/')"
}
# mounts with our overlay's layers (the binary's directory over /dev) in /proc/PID/mountinfo
ovl_mounts() { grep -c "lowerdir=[^ ]*:/dev" "/proc/$1/mountinfo"; }
# no_fsopen PROGRAM ARGS: runs it with fsopen refused (ENOSYS, as before Linux 5.2 or
# under qemu-user), so that ctr falls back to the sealed memfd
cat > "$T_TMP/no_fsopen.py" <<'EOF_PY'
import ctypes, errno, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
ul = ctypes.c_ulong
# sock_filter: load the syscall number; fsopen (430 on every arch but alpha): ENOSYS
prog = struct.pack("HBBI" * 4, 0x20, 0, 0, 0, 0x15, 0, 1, 430,
                   0x06, 0, 0, 0x00050000 | errno.ENOSYS, 0x06, 0, 0, 0x7fff0000)
buf = ctypes.create_string_buffer(prog)
class Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
fp = Fprog(4, ctypes.addressof(buf))
if libc.prctl(38, ul(1), ul(0), ul(0), ul(0)) or libc.prctl(22, ul(2), ctypes.byref(fp), ul(0), ul(0)):
    sys.exit("seccomp: %s" % os.strerror(ctypes.get_errno()))
os.execv(sys.argv[1], sys.argv[1:])
EOF_PY
no_fsopen() { python3 "$T_TMP/no_fsopen.py" "$@"; }
id=$(new_id sealed)
b=$(bundle sealed '["sleep", "1000"]')
mounts_before=$(ovl_mounts self)
C create --bundle "$b" "$id"
p=$(pid_of "$id")
img=$(image "$p" "$VICTIM")
t "cve-exe: a created init runs from the binary through a private read-only overlay" \
	'case $img in "overlay ro Read-only file system") true;; *) false;; esac' || echo "# image: $img"
m=$(ro "$(map_file "$p")")
t "cve-exe: its mapping in /proc/PID/map_files is read-only too (not the host file)" \
	'[ "$m" = "ro Read-only file system" ]' || echo "# map_files: $m"
t "cve-exe: the overlay is in no mount namespace (host, container)" \
	'[ "$(ovl_mounts self)" = "$mounts_before" ] && [ "$(ovl_mounts "$p")" = 0 ]'
"$CTR" --root "$ROOT" delete -f "$id"
# overlayfs separates layers with ':' and escapes with '\' (a ',' is plain with fsconfig)
odd="$T_TMP/a:b\\c,d"
mkdir -p "$odd" && cp "$CTR" "$odd/ctr"
# image_of NAME BINARY PATTERN DESCRIPTION: a container created by BINARY runs from an
# image matching PATTERN (what image prints)
image_of() {
	id=$(new_id "$1")
	timeout 30 "$2" --root "$ROOT" create --bundle "$b" "$id"
	img=$(image "$(pid_of "$id")" "$2")
	t "$4" "case \$img in $3) true;; *) false;; esac" || echo "# image: $img"
	"$CTR" --root "$ROOT" delete -f "$id"
}
image_of odd "$odd/ctr" '"overlay ro "*' \
	"cve-exe: the overlay takes a directory named with ':', '\\' and ','"
t "cve-exe: no mount is left behind" '[ "$(ovl_mounts self)" = "$mounts_before" ]'

id=$(new_id memfd)
if no_fsopen "$VICTIM" --root "$ROOT" create --bundle "$b" "$id" > "$T_TMP/memfd.out" 2>&1; then
	p=$(pid_of "$id")
	img=$(image "$p" "$VICTIM")
	t "cve-exe: without the overlay (fsopen refused) it runs from a sealed memfd" \
		'case $img in "memfd ro "*) true;; *) false;; esac' || echo "# image: $img"
	"$CTR" --root "$ROOT" delete -f "$id"
else
	fail "cve-exe: create with fsopen refused: $(head -3 "$T_TMP/memfd.out")"
fi

# a binary on squashfs (firmware) is run as it is: nothing can write it
if ! command -v mksquashfs > /dev/null; then
	skip "cve-exe: squashfs (no mksquashfs: squashfs-tools)"
elif ! { mkdir -p "$T_TMP/sq" "$T_TMP/sqmnt" && cp "$CTR" "$T_TMP/sq/ctr" &&
	mksquashfs "$T_TMP/sq" "$T_TMP/sq.img" -quiet -noappend > /dev/null 2>&1 &&
	mount -t squashfs -o loop,ro "$T_TMP/sq.img" "$T_TMP/sqmnt" 2> /dev/null; }; then
	skip "cve-exe: squashfs (no loop device or no squashfs in the kernel)"
else
	image_of squash "$T_TMP/sqmnt/ctr" '"host ro Read-only file system"' \
		"cve-exe: a binary on squashfs runs as it is (no copy, no overlay)"
	umount "$T_TMP/sqmnt"
fi

# attacks NAME LINK WHAT: both attacks; the container must reach the image LINK (a prefix of
# its /proc/PID/exe link) and be refused
attacks() {
	link=$2
	# ---------- the #!/proc/self/exe trap for `ctr exec` ----------
	before=$(sum)
	id=$(new_id trap$NOFS)
	b=$(bundle trap$NOFS '["/exe_overwrite", "trap", "/x"]')
	C run -d --bundle "$b" "$id"
	wait_for test -e "$b/x/ready" || fail "cve-exe ($1): the trap was not armed"
	C exec "$id" sh > "$T_TMP/exec.out" 2>&1 # the admin's innocent exec
	wait_for test -e "$b/x/result"
	wait_for grep -qE '^(wrote|refused)' "$b/x/result"
	r=$(result "$b")
	t "cve-exe trap ($1): the runtime binary ran inside the container and was caught there" \
		'case $r in found*) true;; *) false;; esac' || echo "# result: $r exec: $(head -3 "$T_TMP/exec.out")"
	t "cve-exe trap ($1): what the container reached is $3, not the host file" 'case $r in *"link $link"*) true;; *) false;; esac' || echo "# result: $r"
	t "cve-exe trap ($1): its write to the binary was refused" 'case $r in *"|refused "*) true;; *) false;; esac' || echo "# result: $r"
	t "cve-exe trap ($1): the host binary is unchanged (sha256)" '[ "$(sum)" = "$before" ]'
	"$CTR" --root "$ROOT" delete -f "$id"

	# ---------- CAP_SYS_PTRACE and a created init ----------
	cp "$CTR" "$VICTIM" # a fresh copy, in case the trap got through
	before=$(sum)
	ida=$(new_id ptrace-a$NOFS)
	C create --bundle "$(bundle ptrace-a$NOFS '["sleep", "1000"]')" "$ida"
	pa=$(pid_of "$ida")
	idb=$(new_id ptrace-b$NOFS)
	b=$(bundle ptrace-b$NOFS '["/exe_overwrite", "ptrace", "/x"]' "
for ns in c['linux']['namespaces']:
    if ns['type'] == 'pid':
        ns['path'] = '/proc/$pa/ns/pid'
for k in c['process']['capabilities']:
    c['process']['capabilities'][k].append('CAP_SYS_PTRACE')")
	C run -d --bundle "$b" "$idb"
	wait_for test -e "$b/x/ready" || fail "cve-exe ($1): the ptrace side did not start"
	wait_for grep -q '^found' "$b/x/result"
	C start "$ida" # the admin starts the created container: its init leaves ctr's code
	wait_for grep -qE '^(wrote|refused)' "$b/x/result"
	r=$(result "$b")
	t "cve-exe ptrace ($1): the container opened the created init's /proc/1/exe" \
		'case $r in found*) true;; *) false;; esac' || echo "# result: $r"
	t "cve-exe ptrace ($1): it is $3, not the host file" 'case $r in *"link $link"*) true;; *) false;; esac' || echo "# result: $r"
	t "cve-exe ptrace ($1): its write was refused" 'case $r in *"|refused "*) true;; *) false;; esac' || echo "# result: $r"
	t "cve-exe ptrace ($1): the host binary is unchanged (sha256)" '[ "$(sum)" = "$before" ]'
	"$CTR" --root "$ROOT" delete -f "$idb"
	"$CTR" --root "$ROOT" delete -f "$ida"
}
NOFS=
attacks overlay "/ctr|" "the overlay's view"
cp "$CTR" "$VICTIM"
NOFS=1
attacks memfd "/memfd:ctr" "the sealed memfd"
