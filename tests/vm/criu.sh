#!/bin/sh
# criu_* checks for the guest of `make test-vm` (criu 3.17, kernel 6.1, systemd, cgroup v2):
# `ctr checkpoint` / `ctr restore` on real containers. A counter shell keeps its count in
# memory and writes it out; a restored one must go on from where it was (a restarted one
# would begin at 1). Then the bad cases, and podman driving ctr (podman_checkpoint).
# Where criu cannot work (no criu, `criu check` fails: this build host) one SKIP each.
CTR=${CTR:-$(cd "$(dirname "$0")/../.." && pwd)/ctr}
NAMES="criu_restore_continues criu_leave_running criu_new_id criu_mounts criu_pre_dump
criu_console criu_pipes criu_stopped_error criu_exists_error criu_missing_image podman_checkpoint"
. "$(dirname "$0")/../lib.sh"
need_root $NAMES
command -v criu > /dev/null || skip_all "criu is not installed"
criu check > /dev/null 2>&1 || skip_all "criu check fails on this kernel: $(criu check 2>&1 | tail -n 1)"

B=$T_TMP/bundle
make_bundle "$B" > /dev/null || fail_all "cannot make a bundle"
# the counter: $i lives only in the shell's memory
COUNT='i=0; while :; do i=$((i+1)); echo $i > /c.tmp; mv /c.tmp /c; sleep 0.1; done'
set_config "$B" "c['process']['args']=['sh','-c','exec </dev/null >/dev/null 2>&1; $COUNT']; c['process']['terminal']=False; c['root']['readonly']=False"
cp "$B/config.json" "$B/config.base"
# every call bounded: a hung criu fails its check instead of the whole file
C() { timeout -k 5 180 "$CTR" --root "$ROOT" "$@"; }
cnt() { cat "$B/rootfs/c" 2>/dev/null || echo 0; }
# past N: wait (bounded) until the counter file is above N
past() { wt "[ \"\$(cat '$B/rootfs/c' 2>/dev/null || echo 0)\" -gt $1 ]"; }
st_of() { C state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
pid_of() { C state "$1" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p'; }
# wt CODE: until the shell code holds, at most ~30 s (no process per try: TCG is slow)
wt() { n=0; while ! eval "$1" 2>/dev/null; do n=$((n + 1)); [ $n -gt 150 ] && return 1; sleep 0.2; done; }
ms() { echo $(($(date +%s%N) / 1000000)); }
# why DIR: criu's error lines from the logs in DIR, into this file's log (not a result line)
why() { for l in "$1"/*.log; do [ -f "$l" ] && grep -E 'Error|Warn|tty|xternal' "$l" | head -n 30 | sed "s|^|  $(basename "$l"): |"; done; }
at_exit 'for d in "$ROOT"/*/; do C delete -f "$(basename "$d")"; done'

# ---- checkpoint, the container is gone, restore: the count goes on ----
ID=$(new_id cnt)
C run -d --bundle "$B" "$ID" < /dev/null > /dev/null 2>&1 || fail "criu_setup: run -d failed"
past 5
n=$(cnt)
t0=$(ms)
if C checkpoint --image-path "$T_TMP/img1" "$ID" 2> "$T_TMP/err"; then
	t1=$(ms)
	gone=$(C state "$ID" 2>&1)
	t2=$(ms)
	if C restore -d --image-path "$T_TMP/img1" --bundle "$B" --pid-file "$T_TMP/pid" "$ID" 2> "$T_TMP/err"; then
		t3=$(ms)
		echo "criu_time: checkpoint $((t1 - t0)) ms, restore $((t3 - t2)) ms (small busybox container)"
		past "$n"
		m=$(cnt)
		if [ "$n" -ge 5 ] && [ "$m" -gt "$n" ] && [ "$(st_of "$ID")" = running ] && [ "$(pid_of "$ID")" = "$(cat "$T_TMP/pid")" ] &&
			case $gone in *"does not exist"*) true;; *) false;; esac; then
			pass "criu_restore_continues: count $n at checkpoint, $m after restore; state running with the pid-file's pid"
		else
			fail "criu_restore_continues: count $n -> $m, state $(st_of "$ID") pid $(pid_of "$ID") vs $(cat "$T_TMP/pid"); after checkpoint: $gone"
			why "$T_TMP/img1"
		fi
	else
		fail "criu_restore_continues: restore: $(cat "$T_TMP/err")"
		why "$T_TMP/img1"
	fi
else
	fail "criu_restore_continues: checkpoint: $(cat "$T_TMP/err")"
	why "$T_TMP/img1"
fi

# ---- --leave-running: still running; then a restore into a new id from the same bundle ----
n0=$(cnt)
if C checkpoint --leave-running --image-path "$T_TMP/img2" "$ID" 2> "$T_TMP/err"; then
	n=$(cnt)
	past "$n"
	check criu_leave_running sh -c "[ '$(st_of "$ID")' = running ] && [ \$(cat '$B/rootfs/c') -gt $n ]"
	C delete -f "$ID" > /dev/null 2>&1
	n2=$(cnt)
	ID2=$(new_id again)
	if C restore -d --image-path "$T_TMP/img2" --bundle "$B" "$ID2" 2> "$T_TMP/err"; then
		wt "[ \"\$(cat '$B/rootfs/c')\" != '$n2' ]"
		m=$(cnt)
		# dumped at a count >= n0 (> 5): the restored counter goes on from there, not from 1
		if [ "$m" -gt "$n0" ] && [ "$(st_of "$ID2")" = running ]; then
			pass "criu_new_id: restored as $ID2 from the same bundle, counting on ($m > $n0)"
		else
			fail "criu_new_id: count $m (dumped after $n0), state $(st_of "$ID2")"
		fi
		C delete -f "$ID2" > /dev/null 2>&1
	else
		fail "criu_new_id: restore: $(cat "$T_TMP/err")"
		why "$T_TMP/img2"
	fi
else
	fail "criu_leave_running: checkpoint: $(cat "$T_TMP/err")"
	why "$T_TMP/img2"
	fail "criu_new_id: no checkpoint to restore"
	why "$T_TMP/img2"
fi
C delete -f "$ID" > /dev/null 2>&1

# ---- a tmpfs and a bind mount ----
mkdir -p "$T_TMP/host"
set_config "$B" "c['mounts'] += [{'destination':'/data','type':'tmpfs','source':'tmpfs','options':['nosuid','size=1m']}, {'destination':'/host','type':'bind','source':'$T_TMP/host','options':['rbind','rw']}]; c['process']['args']=['sh','-c','exec </dev/null >/dev/null 2>&1; echo in-tmpfs > /data/f; i=0; while :; do i=\$((i+1)); echo \$i > /host/c.tmp; mv /host/c.tmp /host/c; sleep 0.1; done']"
hc() { cat "$T_TMP/host/c" 2>/dev/null || echo 0; }
ID=$(new_id mnt)
C run -d --bundle "$B" "$ID" < /dev/null > /dev/null 2>&1
wt "[ \$(cat '$T_TMP/host/c' 2>/dev/null || echo 0) -gt 3 ]" || echo "criu_mounts: the counter did not start: $(C state "$ID" 2>&1 | grep status)"
n=$(hc)
if C checkpoint --image-path "$T_TMP/img3" "$ID" 2> "$T_TMP/err"; then
	if C restore -d --image-path "$T_TMP/img3" --bundle "$B" "$ID" 2> "$T_TMP/err"; then
		wt "[ \$(cat '$T_TMP/host/c' 2>/dev/null || echo 0) -gt $n ]"
		f=$(C exec "$ID" cat /data/f 2>&1)
		if [ "$n" -gt 3 ] && [ "$(hc)" -gt "$n" ] && [ "$f" = in-tmpfs ]; then
			pass "criu_mounts: the bind mount gets the count on ($n -> $(hc)), the tmpfs kept its file"
		else
			fail "criu_mounts: count $n -> $(hc), /data/f: $f"
		fi
	else
		fail "criu_mounts: restore: $(cat "$T_TMP/err")"
		why "$T_TMP/img3"
	fi
else
	fail "criu_mounts: checkpoint: $(cat "$T_TMP/err")"
	why "$T_TMP/img3"
fi
C delete -f "$ID" > /dev/null 2>&1
cp "$B/config.base" "$B/config.json"

# ---- pre-dump, then a dump on top of it ----
ID=$(new_id pre)
C run -d --bundle "$B" "$ID" < /dev/null > /dev/null 2>&1
past 3
if C checkpoint --pre-dump --image-path "$T_TMP/pre" "$ID" 2> "$T_TMP/err" &&
	[ "$(st_of "$ID")" = running ] &&
	n=$(cnt) && C checkpoint --parent-path ../pre --image-path "$T_TMP/img4" "$ID" 2> "$T_TMP/err"; then
	if C restore -d --image-path "$T_TMP/img4" --bundle "$B" "$ID" 2> "$T_TMP/err"; then
		past "$n"
		check criu_pre_dump sh -c "[ $n -ge 3 ] && [ \$(cat '$B/rootfs/c') -gt $n ] && [ -e '$T_TMP/img4/parent' ]"
	else
		fail "criu_pre_dump: restore: $(cat "$T_TMP/err")"
		why "$T_TMP/img4"
	fi
else
	fail "criu_pre_dump: checkpoint (state $(st_of "$ID")): $(cat "$T_TMP/err")"
	why "$T_TMP/img4"
fi
C delete -f "$ID" > /dev/null 2>&1

# ---- a terminal: restore --detach --console-socket, the output goes on in the new pty ----
recv() { console_recv "$@"; }
nums() { tr -d '\r' < "$1" | sed -n 's/^n\([0-9]*\)$/\1/p'; }
set_config "$B" "c['process']['terminal']=True; c['process']['args']=['sh','-c','i=0; while :; do i=\$((i+1)); echo n\$i; sleep 0.1; done']"
ID=$(new_id tty)
recv "$T_TMP/s1" "$T_TMP/o1"
C run -d --console-socket "$T_TMP/s1" --bundle "$B" "$ID" < /dev/null > /dev/null 2>&1
wt "[ \$(tr -d '\r' < '$T_TMP/o1' | grep -c '^n') -gt 3 ]"
if C --debug checkpoint --image-path "$T_TMP/img5" "$ID" 2> "$T_TMP/err"; then
	l=$(nums "$T_TMP/o1" | tail -n 1)
	recv "$T_TMP/s2" "$T_TMP/o2"
	if C restore -d --console-socket "$T_TMP/s2" --image-path "$T_TMP/img5" --bundle "$B" "$ID" 2> "$T_TMP/err"; then
		wt "[ \$(tr -d '\r' < '$T_TMP/o2' | grep -c '^n') -gt 1 ]"
		f=$(nums "$T_TMP/o2" | head -n 1)
		check criu_console sh -c "[ -n '$f' ] && [ '$f' -gt '${l:-0}' ]"
		[ -n "$f" ] && [ "$f" -gt "${l:-0}" ] || echo "criu_console: last before $l, first after '$f'"
	else
		fail "criu_console: restore: $(cat "$T_TMP/err")"
		why "$T_TMP/img5"
	fi
else
	fail "criu_console: checkpoint: $(cat "$T_TMP/err")"
	why "$T_TMP/img5"
fi
C delete -f "$ID" > /dev/null 2>&1
cp "$B/config.base" "$B/config.json"

# ---- stdio pipes (what conmon and containerd give): the restore's own pipes take over ----
set_config "$B" "c['process']['args']=['sh','-c','i=0; while :; do i=\$((i+1)); echo p\$i; sleep 0.1; done']"
ID=$(new_id pipe)
echo "# pipes: run"; timeout 200 sleep 120 | C run -d --bundle "$B" "$ID" 2>&1 | cat > "$T_TMP/p1" &
wt "[ \$(grep -c '^p' '$T_TMP/p1') -gt 3 ]"
echo "# pipes: checkpoint"
if C checkpoint --image-path "$T_TMP/img6" "$ID" 2> "$T_TMP/err"; then
	l=$(sed -n 's/^p//p' "$T_TMP/p1" | tail -n 1)
	echo "# pipes: restore"; timeout 200 sleep 120 | C restore -d --image-path "$T_TMP/img6" --bundle "$B" "$ID" 2> "$T_TMP/err" | cat > "$T_TMP/p2" &
	wt "[ \$(grep -c '^p' '$T_TMP/p2' 2>/dev/null) -gt 1 ]"
	f=$(sed -n 's/^p//p' "$T_TMP/p2" | head -n 1)
	if [ -n "$f" ] && [ "$f" -gt "${l:-0}" ]; then
		pass "criu_pipes: output goes on in the restore's stdout pipe (p$l, then p$f)"
	else
		fail "criu_pipes: last before p$l, first after '$f'; $(cat "$T_TMP/err")"
	fi
else
	fail "criu_pipes: checkpoint: $(cat "$T_TMP/err")"
	why "$T_TMP/img6"
fi
C delete -f "$ID" > /dev/null 2>&1
cp "$B/config.base" "$B/config.json"

# ---- bad cases ----
set_config "$B" "c['process']['args']=['true']"
ID=$(new_id stopped)
C run -d --bundle "$B" "$ID" < /dev/null > /dev/null 2>&1
wt "[ \"\$('$CTR' --root '$ROOT' state '$ID' | sed -n 's/.*\"status\": *\"\\([a-z]*\\)\".*/\\1/p')\" = stopped ]"
out=$(C checkpoint --image-path "$T_TMP/img7" "$ID" 2>&1)
rc=$?
check criu_stopped_error sh -c "[ $rc != 0 ] && echo '$out' | grep -q 'cannot be checkpointed in stopped state'"
C delete -f "$ID" > /dev/null 2>&1
cp "$B/config.base" "$B/config.json"

ID=$(new_id exists)
C run -d --bundle "$B" "$ID" < /dev/null > /dev/null 2>&1
out=$(C restore -d --image-path "$T_TMP/img1" --bundle "$B" "$ID" 2>&1)
rc=$?
check criu_exists_error sh -c "[ $rc != 0 ] && echo '$out' | grep -q 'already exists' && [ '$(st_of "$ID")' = running ]"
C delete -f "$ID" > /dev/null 2>&1

out=$(C restore -d --image-path "$T_TMP/nonexistent" --bundle "$B" "$(new_id noimg)" 2>&1)
rc=$?
check criu_missing_image sh -c "[ $rc != 0 ] && echo '$out' | grep -q 'nonexistent'"

# ---- podman container checkpoint / restore with --runtime ctr ----
podman_checkpoint() {
	command -v podman > /dev/null || { skip "podman_checkpoint: podman is not installed"; return; }
	PS=$T_TMP/podman
	mkdir -p "$PS/tmp"
	P() {
		timeout 120 podman --root "$PS/root" --runroot "$PS/run" --tmpdir "$PS/tmp" \
			--storage-driver vfs --events-backend file --cgroup-manager cgroupfs \
			--runtime "$CTR" "$@"
	}
	at_exit "P rm -af -t 0 >/dev/null 2>&1; P rmi -af >/dev/null 2>&1"
	tar -C "$B/rootfs" -cf "$T_TMP/rootfs.tar" . 2>/dev/null
	P import -q "$T_TMP/rootfs.tar" localhost/ctrtest-bb > /dev/null 2> "$T_TMP/perr" ||
		{ fail "podman_checkpoint: podman import: $(tail -n 1 "$T_TMP/perr")"; return; }
	name=ctrcr-$$
	P run -d --network none --name "$name" localhost/ctrtest-bb sh -c "$COUNT" > /dev/null 2> "$T_TMP/perr" ||
		{ fail "podman_checkpoint: podman run: $(tail -n 2 "$T_TMP/perr" | tr '\n' ' ')"; return; }
	pc() { P exec "$name" cat /c 2>/dev/null || echo 0; }
	i=0
	while [ "$(pc)" -le 2 ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done
	n=$(pc)
	if ! P container checkpoint "$name" > /dev/null 2> "$T_TMP/perr"; then
		fail "podman_checkpoint: checkpoint: $(tail -n 3 "$T_TMP/perr" | tr '\n' ' ')"
		return
	fi
	s=$(P inspect -f '{{.State.Status}}' "$name" 2>/dev/null)
	if ! P container restore "$name" > /dev/null 2> "$T_TMP/perr"; then
		fail "podman_checkpoint: restore (status after checkpoint: $s): $(tail -n 3 "$T_TMP/perr" | tr '\n' ' ')"
		return
	fi
	i=0
	while [ "$(pc)" -le "$n" ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done
	m=$(pc)
	if [ "$s" = exited ] && [ "$m" -gt "$n" ] && [ "$(P inspect -f '{{.State.Status}}' "$name")" = running ]; then
		pass "podman_checkpoint: podman checkpoint + restore through ctr, count $n -> $m"
	else
		fail "podman_checkpoint: count $n -> $m, status after checkpoint $s, now $(P inspect -f '{{.State.Status}}' "$name" 2>&1)"
	fi
	P rm -f -t 0 "$name" > /dev/null 2>&1
}
podman_checkpoint
