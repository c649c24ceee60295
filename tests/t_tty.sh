#!/bin/sh
# Integration tests of terminals: the pty master over --console-socket (create and
# exec -t, received by tests/recvtty.c), the foreground relay of `ctr run` and
# `ctr exec -t` driven for real in tmux (typing, ^C, resize, exit status, the terminal
# restored afterwards), and plain stdio passed through untouched without a terminal.
. "$(dirname "$0")/lib.sh"

NAMES="tty_socket_create tty_console_size tty_dev_console tty_socket_exec tty_needs_socket tty_relay_run tty_relay_raw tty_relay_resize tty_relay_run_exit tty_relay_run_restored tty_relay_exec tty_relay_exec_killed tty_passthrough tty_passthrough_pipes"
need_root $NAMES

B=$T_TMP/b
need_bundle "$B"
CC=${CC:-cc}
case $CC in *musl*) CC=cc;; esac
"$CC" -O1 -o "$T_TMP/recvtty" "$TOP/tests/recvtty.c" 2>"$T_TMP/cc.log" ||
	skip_all "cannot build tests/recvtty.c ($(head -c 200 "$T_TMP/cc.log"))"

# wait_for FILE TEXT: until FILE contains TEXT (at most ~20 s; not a timing assertion)
wait_text() { wait_for grep -q -- "$2" "$1" 2>/dev/null; }

# ---- console socket: create with process.terminal ----
set_config "$B" '
c["process"]["terminal"] = True
c["process"]["consoleSize"] = {"height": 30, "width": 100}
c["process"]["args"] = ["sh"]
'
SOCK=$T_TMP/console.sock
"$T_TMP/recvtty" "$SOCK" "$T_TMP/tty.out" 'tty; stty size; ls -l /dev/console; exit 5
' >"$T_TMP/recv.log" 2>&1 &
RECV=$!
at_exit "kill $RECV"
wait_text "$T_TMP/recv.log" ready
ID=$(new_id tty)
if timeout 60 "$CTR" --root "$ROOT" create --bundle "$B" --console-socket "$SOCK" "$ID" >"$T_TMP/c.err" 2>&1 &&
	timeout 60 "$CTR" --root "$ROOT" start "$ID" >>"$T_TMP/c.err" 2>&1; then
	wait $RECV
	if grep -q "^pty " "$T_TMP/recv.log" && grep -q "^/dev/pts/0" "$T_TMP/tty.out"; then pass tty_socket_create
	else fail "tty_socket_create: $(cat "$T_TMP/recv.log" "$T_TMP/tty.out" | head -c 400)"; fi
	if grep -q "^30 100" "$T_TMP/tty.out"; then pass tty_console_size
	else fail "tty_console_size: $(tr -d '\r' < "$T_TMP/tty.out" | tail -5)"; fi
	# /dev/console is the pty's slave: devpts major 136
	if grep -q "^c.* 136, *0 .*/dev/console" "$T_TMP/tty.out"; then pass tty_dev_console
	else fail "tty_dev_console: $(grep console "$T_TMP/tty.out")"; fi
else
	for n in tty_socket_create tty_console_size tty_dev_console; do fail "$n: create with a terminal fails: $(head -c 200 "$T_TMP/c.err")"; done
	kill $RECV 2>/dev/null
fi
"$CTR" --root "$ROOT" delete -f "$ID" >/dev/null 2>&1

ID=$(new_id tty)
if timeout 60 "$CTR" --root "$ROOT" create --bundle "$B" "$ID" >"$T_TMP/c.err" 2>&1; then
	fail "tty_needs_socket: create with a terminal and no console socket succeeded"
elif grep -q "console socket" "$T_TMP/c.err"; then pass tty_needs_socket
else fail "tty_needs_socket: $(cat "$T_TMP/c.err")"; fi
"$CTR" --root "$ROOT" delete -f "$ID" >/dev/null 2>&1

# ---- a long-running container without a terminal for exec and passthrough ----
cp -r "$B" "$T_TMP/bs"
set_config "$T_TMP/bs" 'c["process"]["terminal"] = False; c["process"]["args"] = ["sleep", "100000"]'
SID=$(new_id sleeper)
timeout 60 "$CTR" --root "$ROOT" run -d --bundle "$T_TMP/bs" "$SID" </dev/null >"$T_TMP/s.err" 2>&1 ||
	fail_all "cannot run a container: $(head -c 200 "$T_TMP/s.err")"

"$T_TMP/recvtty" "$SOCK" "$T_TMP/tty2.out" 'tty; exit 0
' >"$T_TMP/recv2.log" 2>&1 &
RECV=$!
wait_text "$T_TMP/recv2.log" ready
if timeout 60 "$CTR" --root "$ROOT" exec -t -d --console-socket "$SOCK" --pid-file "$T_TMP/x.pid" "$SID" sh \
	>"$T_TMP/x.out" 2>&1; then
	wait $RECV
	if [ ! -s "$T_TMP/x.out" ] && [ -s "$T_TMP/x.pid" ] && grep -q "^/dev/pts/[0-9]" "$T_TMP/tty2.out"; then
		pass tty_socket_exec
	else
		fail "tty_socket_exec: $(cat "$T_TMP/x.out" "$T_TMP/recv2.log" "$T_TMP/tty2.out" | head -c 400)"
	fi
else
	fail "tty_socket_exec: $(cat "$T_TMP/x.out")"
	kill $RECV 2>/dev/null
fi

# ---- no terminal: stdio passes through untouched ----
out=$(echo passthrough-data | timeout 60 "$CTR" --root "$ROOT" exec "$SID" sh -c 'cat; echo err-line >&2' 2>"$T_TMP/e")
if [ "$out" = passthrough-data ] && [ "$(cat "$T_TMP/e")" = err-line ]; then pass tty_passthrough
else fail "tty_passthrough: '$out' / '$(cat "$T_TMP/e")'"; fi
out=$(timeout 60 "$CTR" --root "$ROOT" exec "$SID" sh -c 'readlink /proc/self/fd/0; readlink /proc/self/fd/1; [ -t 0 ] || echo notty' </dev/null | cat)
case $(echo $out) in "/dev/null pipe:"*" notty") pass tty_passthrough_pipes;; *) fail "tty_passthrough_pipes: $out";; esac

# ---- the relay, for real, in tmux ----
if ! command -v tmux >/dev/null; then
	for n in tty_relay_run tty_relay_raw tty_relay_resize tty_relay_run_exit tty_relay_run_restored tty_relay_exec tty_relay_exec_killed; do skip "$n: no tmux"; done
	exit 0
fi
TM="tmux -L ctrtest$$ -f /dev/null"
at_exit "$TM kill-server"
$TM new-session -d -s t -x 80 -y 24 "env PS1='host\$ ' sh" || skip_all "tmux does not start"
screen() { $TM capture-pane -p -t t -S -50; }
wait_screen() { n=0; while [ $n -lt 200 ]; do screen | grep -q -- "$1" && return 0; sleep 0.1; n=$((n + 1)); done; return 1; }
type_line() { $TM send-keys -t t -l "$1"; $TM send-keys -t t Enter; }
wait_screen 'host\$' || skip_all "tmux shell does not come up"

# run: the container's shell in our terminal. Checks print through `inside`, which answers
# only in the container (its rootfs has /.inside, the host has not): had ctr died, the host
# shell would print the same text and the check would pass.
touch "$B/rootfs/.inside"
RID=$(new_id relay)
type_line "stty -a > $T_TMP/before; $CTR --root $ROOT run --bundle $B $RID; echo rc=\$? > $T_TMP/rc; stty -a > $T_TMP/after; clear"
if wait_screen '^/ #'; then
	type_line 'echo relay-$((6*7))'
	if wait_screen 'relay-42'; then pass tty_relay_run; else fail "tty_relay_run: $(screen | tail -5)"; fi
	# raw mode on our side: ^C reaches the container's shell instead of killing ctr
	type_line 'sleep 1000'
	sleep 0.5
	$TM send-keys -t t C-c
	type_line '[ -e /.inside ] && echo still-in-$((1+1))'
	if wait_screen 'still-in-2' && [ ! -e "$T_TMP/rc" ]; then pass tty_relay_raw; else fail "tty_relay_raw: $(screen | tail -5)"; fi
	$TM resize-window -t t -x 100 -y 30
	type_line '[ -e /.inside ] && echo "size-in $(stty size)"'
	if wait_screen '^size-in 30 100' && [ ! -e "$T_TMP/rc" ]; then pass tty_relay_resize; else fail "tty_relay_resize: $(screen | tail -3)"; fi
	type_line 'exit 3'
	if wait_text "$T_TMP/rc" "rc=" && [ "$(cat "$T_TMP/rc")" = rc=3 ]; then pass tty_relay_run_exit
	else fail "tty_relay_run_exit: $(cat "$T_TMP/rc" 2>&1)"; fi
	wait_text "$T_TMP/after" "speed"
	# the size changed meanwhile: compare everything but the size line
	if [ "$(sed 1d "$T_TMP/before")" = "$(sed 1d "$T_TMP/after")" ]; then pass tty_relay_run_restored
	else fail "tty_relay_run_restored: $(diff "$T_TMP/before" "$T_TMP/after" | tr '\n' ' ')"; fi
else
	for n in tty_relay_run tty_relay_raw tty_relay_resize tty_relay_run_exit tty_relay_run_restored; do
		fail "$n: ctr run with a terminal did not come up: $(screen | tail -3 | tr '\n' ' ')"
	done
	$TM send-keys -t t C-c
fi
"$CTR" --root "$ROOT" delete -f "$RID" >/dev/null 2>&1

# exec -t: into the sleeper; then one killed by a signal
wait_screen 'host\$'
rm -f "$T_TMP/rc" "$T_TMP/before" "$T_TMP/after"
type_line "clear; stty -a > $T_TMP/before; $CTR --root $ROOT exec -t $SID sh; echo rc=\$? > $T_TMP/rc; stty -a > $T_TMP/after"
if wait_screen '^/ #'; then
	type_line 'echo exec-relay-$((6*7)); exit 4'
	if wait_text "$T_TMP/rc" "rc=" && [ "$(cat "$T_TMP/rc")" = rc=4 ] && screen | grep -q exec-relay-42 &&
		wait_text "$T_TMP/after" speed && cmp -s "$T_TMP/before" "$T_TMP/after"; then
		pass tty_relay_exec
	else
		fail "tty_relay_exec: $(cat "$T_TMP/rc" 2>&1); $(diff "$T_TMP/before" "$T_TMP/after" 2>&1 | tr '\n' ' ')"
	fi
else
	fail "tty_relay_exec: the shell did not come up: $(screen | tail -3 | tr '\n' ' ')"
fi
rm -f "$T_TMP/rc" "$T_TMP/after"
wait_screen 'host\$'
type_line "clear; $CTR --root $ROOT exec -t $SID sh; echo rc=\$? > $T_TMP/rc; stty -a > $T_TMP/after"
if wait_screen '^/ #'; then
	type_line 'kill -9 $$'
	if wait_text "$T_TMP/rc" "rc=" && [ "$(cat "$T_TMP/rc")" = rc=137 ] && wait_text "$T_TMP/after" speed &&
		cmp -s "$T_TMP/before" "$T_TMP/after"; then
		pass tty_relay_exec_killed
	else
		fail "tty_relay_exec_killed: $(cat "$T_TMP/rc" 2>&1); $(diff "$T_TMP/before" "$T_TMP/after" 2>&1 | tr '\n' ' ')"
	fi
else
	fail "tty_relay_exec_killed: the shell did not come up"
fi
"$CTR" --root "$ROOT" delete -f "$SID" >/dev/null 2>&1
exit 0
