#!/bin/sh
# checkpoint/restore on any host, no working criu needed: the flags and the errors that
# come before criu runs (criu not found or too old, bad state, missing images, an id that
# exists). The checkpoints themselves run in the guest: tests/vm/criu.sh (make test-vm).
. "$(dirname "$0")/lib.sh"
NAMES="criu_cli_flags criu_not_found criu_too_old criu_stopped criu_missing_container
criu_missing_image criu_restore_exists criu_features"
need_root $NAMES
B=$T_TMP/bundle
need_bundle "$B"
set_config "$B" "c['process']['args']=['sleep','1000']; c['process']['terminal']=False"
C() { "$CTR" --root "$ROOT" "$@"; }
# has NAME WANT OUT RC: PASS when the command failed (RC != 0) and said WANT
has() { if [ "$4" != 0 ] && case $3 in *"$2"*) true;; *) false;; esac; then pass "$1"; else fail "$1: rc $4, want \"$2\" in: $3"; fi; }

out=$(C checkpoint --bundle "$B" x 2>&1); rc=$?
out2=$(C restore --leave-running x 2>&1); rc2=$?
out3=$(C checkpoint --manage-cgroups-mode bogus x 2>&1); rc3=$?
if [ $rc != 0 ] && [ $rc2 != 0 ] && [ $rc3 != 0 ] && case "$out$out2" in *"not defined: --bundle"*"not defined: --leave-running"*) true;; *) false;; esac &&
	case $out3 in *"soft, full, strict or ignore"*) true;; *) false;; esac; then
	pass "criu_cli_flags: restore-only and checkpoint-only flags refused, --manage-cgroups-mode checked"
else
	fail "criu_cli_flags: $out / $out2 / $out3"
fi

ID=$(new_id run)
C run -d --bundle "$B" "$ID" < /dev/null > /dev/null 2>&1 || fail_all "run -d failed"
out=$(C --criu "$T_TMP/no/criu" checkpoint --image-path "$T_TMP/img" "$ID" 2>&1); rc=$?
out2=$(PATH=$T_TMP/nothing "$CTR" --root "$ROOT" checkpoint --image-path "$T_TMP/img" "$ID" 2>&1); rc2=$?
st=$(C state "$ID" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')
if [ $rc2 != 0 ] && [ "$st" = running ] && case $out2 in *"criu not found"*) true;; *) false;; esac; then
	has criu_not_found "criu not found ($T_TMP/no/criu)" "$out" $rc
else
	fail "criu_not_found: PATH without criu: rc $rc2, $out2; container $st"
fi

# a criu that is too old (a script that prints what criu 2.5 prints)
printf '#!/bin/sh\necho "Version: 2.5"\n' > "$T_TMP/oldcriu"
chmod +x "$T_TMP/oldcriu"
out=$(C --criu "$T_TMP/oldcriu" checkpoint --image-path "$T_TMP/img" "$ID" 2>&1); rc=$?
has criu_too_old "criu 2.5.0 is too old" "$out" $rc
C delete -f "$ID" > /dev/null 2>&1

set_config "$B" "c['process']['args']=['true']"
ID=$(new_id stopped)
C run -d --bundle "$B" "$ID" < /dev/null > /dev/null 2>&1
wait_for sh -c "'$CTR' --root '$ROOT' state '$ID' | grep -q '\"stopped\"'"
out=$(C --criu "$T_TMP/oldcriu" checkpoint --image-path "$T_TMP/img" "$ID" 2>&1); rc=$?
has criu_stopped "container $ID cannot be checkpointed in stopped state" "$out" $rc
C delete -f "$ID" > /dev/null 2>&1

out=$(C checkpoint --image-path "$T_TMP/img" "$(new_id none)" 2>&1); rc=$?
has criu_missing_container "does not exist" "$out" $rc

out=$(C restore --image-path "$T_TMP/noimg" --bundle "$B" "$(new_id r)" 2>&1); rc=$?
has criu_missing_image "checkpoint directory $T_TMP/noimg" "$out" $rc

# an id that exists: refused before criu is even looked for, the container untouched
set_config "$B" "c['process']['args']=['sleep','1000']"
ID=$(new_id exists)
C run -d --bundle "$B" "$ID" < /dev/null > /dev/null 2>&1
mkdir -p "$T_TMP/fake" && : > "$T_TMP/fake/inventory.img"
printf '#!/bin/sh\necho "Version: 3.17.1"\n' > "$T_TMP/newcriu"
chmod +x "$T_TMP/newcriu"
out=$(C --criu "$T_TMP/newcriu" restore -d --image-path "$T_TMP/fake" --bundle "$B" "$ID" 2>&1); rc=$?
st=$(C state "$ID" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')
has criu_restore_exists "container with id $ID already exists" "$out$([ "$st" = running ] || echo " but $ID is $st")" $rc
C delete -f "$ID" > /dev/null 2>&1

# features: checkpoint enabled exactly when a criu is on PATH
mkdir -p "$T_TMP/bin" && cp "$T_TMP/newcriu" "$T_TMP/bin/criu"
with=$(PATH=$T_TMP/bin "$CTR" features | grep checkpoint.enabled)
without=$(PATH=$T_TMP/nothing "$CTR" features | grep checkpoint.enabled)
check criu_features sh -c "echo '$with' | grep -q '\"true\"' && echo '$without' | grep -q '\"false\"'"
