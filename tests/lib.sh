# Shared helpers for integration tests (sourced by tests/t_*.sh).
# Every test uses its own --root under a temp dir and unique container ids, and cleans
# up on exit, also when interrupted.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
CTR=${CTR:-$TOP/ctr}
T_TMP=$(mktemp -d /tmp/ctr-test.XXXXXX)
ROOT=$T_TMP/root
T_CLEANUPS=""

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }
skip() { echo "SKIP $*"; }

# check NAME COMMAND...: PASS if the command succeeds.
check() { n=$1; shift; if "$@"; then pass "$n"; else fail "$n"; fi; }

# Run on exit: cleanup commands registered with at_exit, then the temp dir.
at_exit() { T_CLEANUPS="$*; $T_CLEANUPS"; }
t_cleanup() {
	eval "$T_CLEANUPS" 2>/dev/null
	for d in "$ROOT"/*/; do
		[ -d "$d" ] && "$CTR" --root "$ROOT" delete -f "$(basename "$d")" >/dev/null 2>&1
	done
	umount -R "$T_TMP" 2>/dev/null
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

is_root() { [ "$(id -u)" = 0 ]; }

# The tests a file reports when it stops early: $NAMES if it set one, else the file's name.
t_names() { echo "${NAMES:-$(basename "$0" .sh)}"; }
# skip_all WHY: SKIP every test of the file and stop. Only for a missing host capability:
# a ctr that does not work must FAIL (fail_all), or a regression would pass silently.
skip_all() { for n in $(t_names); do skip "$n: $1"; done; exit 0; }
# fail_all WHY: FAIL every test of the file and stop.
fail_all() { for n in $(t_names); do fail "$n: $1"; done; exit 1; }

# json_is JSON PYTHON-EXPR: true when the expression on the parsed JSON `d` holds (checks
# values, never the order of keys).
json_is() {
	python3 -c 'import json, sys
d = json.loads(sys.argv[1])
try:
    ok = eval(sys.argv[2])
except (KeyError, IndexError, TypeError):
    ok = False
sys.exit(0 if ok else 1)' "$1" "$2" 2>/dev/null
}

# A cgroup freezer exists on this host (v1 freezer controller or a cgroup2 root).
have_freezer() { grep -qw freezer /proc/cgroups || [ -e /sys/fs/cgroup/cgroup.controllers ]; }
# Unprivileged user namespaces can be created here (a kernel or sysctl may forbid them).
have_userns() { unshare -U true 2>/dev/null; }

# wait_for COMMAND...: until it succeeds, at most ~20 s (bounded; not a timing assertion).
wait_for() { n=0; while ! "$@"; do n=$((n + 1)); [ $n -gt 800 ] && return 1; sleep 0.025; done; }

# need_root NAME...: skip the named tests (and exit) when not root.
need_root() {
	is_root && return 0
	for n in "$@"; do skip "$n: needs root"; done
	exit 0
}

# A unique container id for this run.
uid_seq=0
new_id() { uid_seq=$((uid_seq + 1)); echo "t$$-$uid_seq-$1"; }

# make_rootfs DIR: a busybox rootfs from Debian's busybox-static.
make_rootfs() {
	bb=$(command -v busybox) || { echo "busybox-static is not installed" >&2; return 1; }
	mkdir -p "$1/bin" "$1/sbin" "$1/usr/bin" "$1/usr/sbin" "$1/proc" "$1/sys" "$1/dev" \
		"$1/etc" "$1/tmp" "$1/root" "$1/var"
	cp "$bb" "$1/bin/busybox"
	for a in $("$bb" --list); do
		[ -e "$1/bin/$a" ] || ln -s busybox "$1/bin/$a"
	done
	echo "root:x:0:0:root:/root:/bin/sh" > "$1/etc/passwd"
	echo "root:x:0:" > "$1/etc/group"
}

# make_bundle DIR: a bundle with a busybox rootfs and `ctr spec`'s config.
make_bundle() {
	mkdir -p "$1"
	make_rootfs "$1/rootfs" || return 1
	(cd "$1" && "$CTR" spec) || return 1
}

# need_bundle DIR: make_bundle, or stop the file: SKIP without busybox-static (a host
# package), FAIL when ctr itself cannot write the bundle's config.
# cgtool (tests/cgroup/cgtool.c) into $CGT, unless CGT already names a prebuilt one (make
# test-vm gives the guest a static one: it has no compiler). A build failure FAILs the file.
need_cgtool() {
	[ -x "${CGT:-}" ] && return 0
	CGT=$T_TMP/cgtool
	if [ -z "${CFLAGS:-}" ]; then
		CFLAGS="-std=gnu11 -O1 -Wall -Wextra -Werror -Wno-unused-function"
		case ${CC:-musl-gcc} in *musl*) CFLAGS="$CFLAGS -isystem $TOP/build/kheaders/native";; esac
	fi
	# shellcheck disable=SC2086
	if ! ${CC:-musl-gcc} $CFLAGS -o "$CGT" "$TOP/tests/cgroup/cgtool.c"; then
		fail "cgtool: does not compile"; exit 1
	fi
}

need_bundle() {
	command -v busybox >/dev/null || skip_all "busybox-static is not installed"
	make_bundle "$1" > "$T_TMP/need_bundle.log" 2>&1 ||
		fail_all "cannot make a bundle: $(tail -n 2 "$T_TMP/need_bundle.log" | tr '\n' ' ')"
}

# set_args BUNDLE ARG...: replace process.args in the bundle's config.json (needs python3
# or jq; falls back to sed on the default config).
set_config() { # BUNDLE PYTHON-EXPR-ON-c
	python3 - "$1/config.json" "$2" <<'PY'
import json, sys
p, expr = sys.argv[1], sys.argv[2]
c = json.load(open(p))
exec(expr)
json.dump(c, open(p, "w"), indent=2)
PY
}

# console_recv SOCKET OUT: a --console-socket receiver in the background ($! is it): it
# takes one pty master and appends what the container writes to OUT until the pty closes
# (at most 120 s). Returns once SOCKET listens.
console_recv() {
	rm -f "$1"
	timeout 120 python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
_, fds, _, _ = socket.recv_fds(c, 1024, 1)
out = open(sys.argv[2], "ab", buffering=0)
while True:
    try:
        d = os.read(fds[0], 4096)
    except OSError:
        break
    if not d:
        break
    out.write(d)' "$1" "$2" &
	wait_for test -S "$1"
}

# rfs_base NAME: the shared busybox rootfs $RFS and `ctr spec`'s config in $T_TMP/base,
# what rfs_bundle starts from; if either cannot be made, NAME FAILs and the test ends.
rfs_base() {
	RFS=$T_TMP/rootfs
	make_rootfs "$RFS" || { fail "$1: make_rootfs"; exit 1; }
	mkdir -p "$T_TMP/base"
	(cd "$T_TMP/base" && "$CTR" spec) || { fail "$1: ctr spec"; exit 1; }
}

# rfs_bundle NAME ARGS_JSON [PYTHON]: a bundle $T_TMP/b-NAME with the test's `ctr spec`
# config ($T_TMP/base/config.json) on the shared rootfs $RFS, no terminal, ARGS_JSON as
# process.args; PYTHON edits the config `c` further (drop_ns(TYPE) and ns_path(TYPE, PATH)
# change linux.namespaces). Prints the bundle's path.
rfs_bundle() {
	b=$T_TMP/b-$1
	mkdir -p "$b"
	cp "$T_TMP/base/config.json" "$b/" || return 1
	set_config "$b" "
c['root']['path'] = '$RFS'
c['process']['terminal'] = False
c['process']['args'] = json.loads(r'''$2''')
def drop_ns(t):
    c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != t]
def ns_path(t, p):
    drop_ns(t)
    c['linux']['namespaces'].append({'type': t, 'path': p})
${3:-}" || return 1
	echo "$b"
}
