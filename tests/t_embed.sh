#!/bin/sh
# The library embedded in a program of its own: tests/embed_supervisor.c, linked with
# ctr.c, runs two containers, reaps and restarts them itself, and stops them cleanly.
. "$(dirname "$0")/lib.sh"
need_root embed
command -v python3 >/dev/null || { skip "embed: needs python3"; exit 0; }
CC=${CC:-musl-gcc}
case $CC in *musl*) KINC="-isystem $TOP/build/kheaders/native";; *) KINC="";; esac
SUP=$T_TMP/embed_supervisor
FLAGS=${CFLAGS:-"-std=gnu11 -Wall -Wextra -Werror -Wno-unused-function -O1 $KINC"}
# shellcheck disable=SC2086
if $CC $FLAGS -static -I"$TOP" -o "$SUP" \
	"$TOP/tests/embed_supervisor.c" "$TOP/ctr.c" 2> "$T_TMP/cc.log"; then
	pass "embed: supervisor builds static with $CC against ctr.h + ctr.c"
else
	fail "embed: supervisor does not build: $(head -5 "$T_TMP/cc.log")"; exit 1
fi

make_rootfs "$T_TMP/rootfs" || { fail "embed: make_rootfs"; exit 1; }
chmod 755 "$T_TMP"
for b in worker service; do
	mkdir -p "$T_TMP/$b"
	(cd "$T_TMP/$b" && "$CTR" spec) || { fail "embed: ctr spec"; exit 1; }
done
common="c['root']['path'] = '$T_TMP/rootfs'; c['process']['terminal'] = False"
set_config "$T_TMP/worker" "$common; c['process']['args'] = ['sh', '-c', 'exit 3']"
set_config "$T_TMP/service" "$common; c['process']['args'] = ['sleep', '1000']"

ROOT=$T_TMP/embed-root
timeout 60 "$SUP" "$ROOT" "$T_TMP/worker" "$T_TMP/service" 2 > "$T_TMP/out" 2>&1; rc=$?
out=$(cat "$T_TMP/out")
count() { grep -cx "$1" "$T_TMP/out"; }
t() { n=$1; shift; if eval "$*"; then pass "$n"; else fail "$n"; echo "$out" | sed 's/^/# /'; return 1; fi; }
t "embed: supervisor exits 0" '[ "$rc" = 0 ] && [ "$(tail -1 "$T_TMP/out")" = ok ]'
t "embed: both containers started, service running" '[ "$(count "started service")" = 1 ] && [ "$(count "service is running")" = 1 ]'
t "embed: the worker's exit status (3) seen by the supervisor each time" '[ "$(count "worker exited with 3")" = 3 ] && [ "$(count "worker is stopped")" = 3 ]'
t "embed: worker restarted twice (3 runs)" '[ "$(count "started worker")" = 3 ] && [ "$(count "worker ran 3 times")" = 1 ]'
t "embed: service stopped and reaped by the supervisor" '[ "$(count "service stopped by signal 9")" = 1 ] && [ "$(count "service is stopped")" = 1 ]'
t "embed: nothing left (state, processes)" '[ "$(count "containers left: 0")" = 1 ] && [ -z "$(ls "$ROOT" 2>/dev/null)" ]'

# a supervisor that skips ctr_reexec_sealed is refused, with the call to make named
EMBED_NO_SEAL=1 timeout 60 "$SUP" "$ROOT" "$T_TMP/worker" "$T_TMP/service" 0 > "$T_TMP/out" 2>&1; rc=$?
out=$(cat "$T_TMP/out")
t "embed: without ctr_reexec_sealed, ctr_create refuses and names the call" '[ "$rc" = 1 ] && grep -q "^error: create: .*sealed copy.*ctr_reexec_sealed()" "$T_TMP/out" && [ -z "$(ls "$ROOT" 2>/dev/null)" ]'

# ---- a caller that reaps every child from SIGCHLD (an init system), or ignores SIGCHLD:
# ctr's hooks and helpers stay out of its waitpid(-1), nothing hangs (alarm guard) ----
REAPER=$T_TMP/embed_reaper
# shellcheck disable=SC2086
if $CC $FLAGS -static -I"$TOP" -o "$REAPER" "$TOP/tests/embed_reaper.c" "$TOP/ctr.c" 2> "$T_TMP/cc.log"; then
	pass "embed: reaper builds"
else
	fail "embed: reaper does not build: $(head -5 "$T_TMP/cc.log")"; exit 1
fi
PIDS=$T_TMP/hook-pids
printf '#!/bin/sh\necho $$ >> %s\ncat > /dev/null\n' "$PIDS" > "$T_TMP/hook.sh"
chmod 755 "$T_TMP/hook.sh"
for b in reaper reaper-fail reaper-sleep; do
	mkdir -p "$T_TMP/$b"
	(cd "$T_TMP/$b" && "$CTR" spec) || { fail "embed: ctr spec"; exit 1; }
done
hk="{'path': '$T_TMP/hook.sh'}"
set_config "$T_TMP/reaper" "$common; c['process']['args'] = ['true']
c['hooks'] = {k: [$hk] for k in ['prestart', 'createRuntime', 'poststart', 'poststop']}"
set_config "$T_TMP/reaper-fail" "$common; c['process']['args'] = ['true']
c['hooks'] = {'createRuntime': [{'path': '/bin/sh', 'args': ['sh', '-c', 'exit 3']}]}"
set_config "$T_TMP/reaper-sleep" "$common; c['process']['args'] = ['sleep', '1000']"
for mode in handler ignore; do
	rm -f "$PIDS"
	timeout 120 "$REAPER" "$ROOT" "$T_TMP/reaper" "$T_TMP/reaper-fail" $mode "$PIDS" "$T_TMP/reaper-sleep" > "$T_TMP/out" 2>&1; rc=$?
	out=$(cat "$T_TMP/out")
	t "embed: SIGCHLD $mode: create, start, delete with hooks return (no hang)" '[ "$rc" = 0 ] && [ "$(tail -1 "$T_TMP/out")" = ok ]'
	t "embed: SIGCHLD $mode: 4 hooks ran, none went through the caller's waitpid(-1)" '[ "$(count "hooks ran: 4, reaped by the caller: 0")" = 1 ]'
	t "embed: SIGCHLD $mode: a failing hook is still seen failing with its status" '[ "$(count "failing hook: status 3")" = 1 ]'
	[ $mode = handler ] && t "embed: SIGCHLD $mode: the init stays the caller's child, reaped by it" '[ "$(count "init reaped by the caller: yes")" = 1 ]'
	[ $mode = handler ] && t "embed: SIGCHLD $mode: ctr_exec returns, its process is reaped by the caller (status 7)" '[ "$(count "exec: reaped by the caller with status 7")" = 1 ]'
	t "embed: SIGCHLD $mode: nothing left" '[ -z "$(ls "$ROOT" 2>/dev/null)" ]'
done
