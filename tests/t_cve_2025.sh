#!/bin/sh
# The 2025 runc CVE class, attempted for real. A createContainer hook runs in the
# container's mount namespace after the mounts and before masking, the console and the
# process attributes: exactly the window a racing container (shared mounts) needs, made
# deterministic. Through it, and through a hostile image, the container tries to:
#   CVE-2025-31133  swap /dev/null for a symlink to /proc/sys/kernel/core_pattern, so that
#                   the masked paths get that procfs file bind-mounted (writable);
#   CVE-2025-52565  swap /dev/pts/N (and /dev/console) for such symlinks, so that the pty
#                   bound onto /dev/console is that file;
#   CVE-2025-52881  redirect /proc/self (a bind over /proc/1) so that ctr's writes to /proc
#                   (oom_score_adj, the console's /proc/self/fd source) land on host files;
#                   also config mounts into /proc, directly and through an image symlink.
# Nothing is written to the procfs targets: the container only reports what it got.
. "$(dirname "$0")/lib.sh"
need_root cve-2025
command -v python3 >/dev/null || { skip "cve-2025: needs python3"; exit 0; }
C() { timeout 60 "$CTR" --root "$ROOT" "$@"; }
t() { n=$1; shift; if eval "$*"; then pass "$n"; else fail "$n"; return 1; fi; }
mkdir -p "$T_TMP/base"
(cd "$T_TMP/base" && "$CTR" spec) || { fail "cve-2025: ctr spec"; exit 1; }
CORE=/proc/sys/kernel/core_pattern
core_before=$(cat $CORE)
# what the container process reports, into /x/report
REPORT='for f in /proc/keys /proc/kcore /proc/timer_list /dev/console; do
	[ -e $f ] && echo "$f $(stat -L -c "%F %t:%T" $f) $(stat -f -L -c %T $f)"; done
grep -c core_pattern /proc/self/mountinfo | sed "s/^/core_pattern mounts: /"
echo "oom $(cat /proc/self/oom_score_adj)"'

bundle() { # NAME HOOK_SCRIPT [PYTHON]: own rootfs, /x shared, the hook as createContainer
	b=$T_TMP/b-$1
	mkdir -p "$b/x"
	make_rootfs "$b/rootfs" >/dev/null || return 1
	printf '#!/bin/sh\nR=%s\n%s\n' "$b/rootfs" "$2" > "$b/hook.sh"
	chmod 755 "$b/hook.sh"
	cp "$T_TMP/base/config.json" "$b/"
	printf '%s\n' "$REPORT" > "$b/report.sh"
	set_config "$b" "
c['root']['path'] = '$b/rootfs'
c['root']['readonly'] = False
c['process']['terminal'] = False
c['process']['oomScoreAdj'] = 123
c['process']['args'] = ['sh', '-c', '{ ' + open('$b/report.sh').read() + '} > /x/report 2>&1']
c['mounts'].append({'destination': '/x', 'type': 'bind', 'source': '$b/x', 'options': ['rbind', 'rw']})
c['hooks'] = {'createContainer': [{'path': '$b/hook.sh'}]}
${3:-}" || return 1
	echo "$b"
}
run() { # BUNDLE [CREATE OPTIONS]: create + start, wait for the report; rc of create
	b=$1; shift
	id=$(new_id "$(basename "$b")")
	C create --bundle "$b" "$@" "$id" > "$b/create.err" 2>&1; rc=$?
	[ $rc = 0 ] && C start "$id" && { n=0; while [ ! -s "$b/x/report" ] && [ $n -lt 400 ]; do sleep 0.025; n=$((n + 1)); done; }
	sleep 0.1
	"$CTR" --root "$ROOT" delete -f "$id" 2>/dev/null
	return $rc
}
rep() { cat "$1/x/report" 2>/dev/null; }
core_untouched() { [ "$(cat $CORE)" = "$core_before" ] && [ -s "$1/x/report" ] && ! grep -q "core_pattern mounts: [1-9]" "$1/x/report"; }

# ---------- CVE-2025-31133: /dev/null swapped before the masked paths ----------
b=$(bundle null-swap 'rm -f "$R/dev/null" && ln -s /proc/sys/kernel/core_pattern "$R/dev/null"')
run "$b"
t "cve-2025-31133: /dev/null swapped for a procfs symlink: masked files are still the null device" \
	'rep "$b" | grep -q "^/proc/keys character special file 1:3 " && ! rep "$b" | grep "^/proc/k" | grep -q proc$' || echo "# $(rep "$b" | tr '\n' '|') $(cat "$b/create.err")"
t "cve-2025-31133: ... and core_pattern is neither mounted nor changed" 'core_untouched "$b"' || echo "# $(rep "$b" | tr '\n' '|')"
# the image's own /dev (no /dev tmpfs) ships the symlink
b=$(bundle null-image ':' "c['mounts'] = [m for m in c['mounts'] if m['destination'] != '/dev']")
rm -f "$b/rootfs/dev/null" && ln -s /proc/sys/kernel/core_pattern "$b/rootfs/dev/null"
run "$b"
t "cve-2025-31133: an image whose /dev/null is a procfs symlink: masked files are the null device" \
	'rep "$b" | grep -q "^/proc/keys character special file 1:3 " && core_untouched "$b"' || echo "# $(rep "$b" | tr '\n' '|') $(cat "$b/create.err")"

# ---------- CVE-2025-52565: /dev/pts/N and /dev/console swapped ----------
"${CC:-musl-gcc}" -O1 -o "$T_TMP/recvtty" "$TOP/tests/recvtty.c" 2> "$T_TMP/cc.log" ||
	gcc -O1 -o "$T_TMP/recvtty" "$TOP/tests/recvtty.c" 2>> "$T_TMP/cc.log" ||
	{ fail "cve-2025: recvtty does not build: $(head -3 "$T_TMP/cc.log")"; exit 1; }
tty_run() { # BUNDLE: with a terminal through a console socket
	sock=$1/console.sock
	"$T_TMP/recvtty" "$sock" "$1/tty.out" > "$1/recv.log" 2>&1 &
	rpid=$!
	n=0; while ! grep -q ready "$1/recv.log" 2>/dev/null && [ $n -lt 400 ]; do sleep 0.025; n=$((n + 1)); done
	run "$1" --console-socket "$sock"; r=$?
	kill $rpid 2>/dev/null; wait $rpid 2>/dev/null
	return $r
}
# /dev/pts replaced by a tmpfs whose entries all point at core_pattern (ptmx still the
# real one, so a pty is allocated and a path lookup of its slave would follow the lie)
b=$(bundle pts-swap 'S=$R/../pts-fake && mkdir -p "$S" && mount -t tmpfs none "$S" && touch "$S/ptmx" &&
mount --bind "$R/dev/pts/ptmx" "$S/ptmx" &&
for i in 0 1 2 3 4 5 6 7 8 9; do ln -s /proc/sys/kernel/core_pattern "$S/$i"; done &&
mount --rbind "$S" "$R/dev/pts"' "c['process']['terminal'] = True")
tty_run "$b"; rc=$?
t "cve-2025-52565: /dev/pts/N swapped for procfs symlinks: refused, or /dev/console is the pty (136:*)" \
	'{ [ $rc != 0 ] && grep -q "pts" "$b/create.err"; } || rep "$b" | grep -q "^/dev/console character special file 88:"' || echo "# $(rep "$b" | tr '\n' '|') $(cat "$b/create.err")"
t "cve-2025-52565: ... and core_pattern is neither mounted nor changed" '[ "$(cat $CORE)" = "$core_before" ] && ! grep -q "core_pattern mounts: [1-9]" "$b/x/report" 2>/dev/null' 
b=$(bundle console-swap 'rm -f "$R/dev/console" && ln -s /proc/sys/kernel/core_pattern "$R/dev/console"' "c['process']['terminal'] = True")
tty_run "$b"; rc=$?
t "cve-2025-52565: /dev/console swapped for a procfs symlink: refused, or the console is the pty" \
	'{ [ $rc != 0 ] && grep -q console "$b/create.err"; } || rep "$b" | grep -q "^/dev/console character special file 88:"' || echo "# rc=$rc $(rep "$b" | tr '\n' '|') $(cat "$b/create.err")"
t "cve-2025-52565: ... and core_pattern is neither mounted nor changed" '[ "$(cat $CORE)" = "$core_before" ] && ! grep -q "core_pattern mounts: [1-9]" "$b/x/report" 2>/dev/null'

# ---------- CVE-2025-52881: /proc redirected by the container's mounts ----------
# a bind over /proc/1 (the init's /proc/self): fake oom_score_adj, fd/N -> core_pattern
FAKE=$T_TMP/fake-pid
mkdir -p "$FAKE/fd" "$FAKE/attr"
echo 0 > "$FAKE/oom_score_adj"
for i in $(seq 0 40); do ln -s /proc/sys/kernel/core_pattern "$FAKE/fd/$i"; done
b=$(bundle proc-redirect "mount --bind '$FAKE' \"\$R/proc/1\"" "c['process']['terminal'] = True")
tty_run "$b"; rc=$?
t "cve-2025-52881: /proc/self redirected: ctr's oom_score_adj write does not land on the host file" \
	'[ "$(cat "$FAKE/oom_score_adj")" = 0 ]' || echo "# host file now: $(cat "$FAKE/oom_score_adj")"
echo "# (create: rc=$rc $(head -c 300 "$b/create.err"))"
t "cve-2025-52881: ... the console is not bound from the redirected /proc/self/fd" \
	'[ "$(cat $CORE)" = "$core_before" ] && ! grep -q "core_pattern mounts: [1-9]" "$b/x/report" 2>/dev/null && ! rep "$b" | grep -q "^/dev/console.* proc$"' || echo "# rc=$rc $(rep "$b" | tr '\n' '|') $(cat "$b/create.err")"
t "cve-2025-52881: ... and the container is refused, or runs with its own oom_score_adj" \
	'[ $rc != 0 ] || rep "$b" | grep -q "^oom 123$"' || echo "# rc=$rc $(rep "$b" | tr '\n' '|')"
# the same without oomScoreAdj: the container runs, its console must be its pty
b=$(bundle proc-redirect-tty "mount --bind '$FAKE' \"\$R/proc/1\"" "c['process']['terminal'] = True
del c['process']['oomScoreAdj']")
tty_run "$b"; rc=$?
t "cve-2025-52881: /proc/self redirected, a terminal: the container runs and /dev/console is its pty" \
	'[ $rc = 0 ] && rep "$b" | grep -q "^/dev/console character special file 88:" && core_untouched "$b"' || echo "# rc=$rc $(rep "$b" | tr '\n' '|') $(cat "$b/create.err")"
# config mounts into /proc, directly and through a symlink in the image
echo 0 > "$FAKE/oom_score_adj"
b=$(bundle proc-mount ':' "c['mounts'].append({'destination': '/proc/1', 'type': 'bind', 'source': '$FAKE', 'options': ['rbind']})")
run "$b"; rc=$?
t "cve-2025-52881: a config mount over /proc/1 is refused" '[ $rc != 0 ] && grep -q "inside /proc" "$b/create.err" && [ "$(cat "$FAKE/oom_score_adj")" = 0 ]' || echo "# rc=$rc $(cat "$b/create.err")"
b=$(bundle proc-mount-link ':' "c['mounts'].append({'destination': '/data', 'type': 'bind', 'source': '$FAKE', 'options': ['rbind']})")
ln -s /proc/1 "$b/rootfs/data"
run "$b"; rc=$?
t "cve-2025-52881: ... also through an image symlink (/data -> /proc/1)" '[ $rc != 0 ] && grep -q "inside /proc" "$b/create.err" && [ "$(cat "$FAKE/oom_score_adj")" = 0 ]' || echo "# rc=$rc $(cat "$b/create.err")"
