#!/bin/sh
# `ctr check` and `ctr create` agree, both ways (one validator): every config of
# tests/spec/ (good and bad), every example of configs/ and the configs below that the two
# used to judge differently go through both; check ok <=> create ok. Run in one bundle
# with a busybox rootfs; a created container is deleted at once.
. "$(dirname "$0")/lib.sh"
need_root check_agree
B=$T_TMP/b
need_bundle "$B"
cp "$B/config.json" "$T_TMP/default.json"
mkdir -p "$B/rootfs/www" "$B/rootfs/input" "$B/input" "$B/rootfs/var/log"

# Host-only exceptions: create fails for a reason outside the config that check does not
# judge (the host's network devices: check runs on a build host, not the target).
except_why() {
	case $1 in
	configs/netdev-service) echo "its netDevice ctr-uplink0 is a host device (make example creates it)" ;;
	esac
}

# prepare FILE: FILE as the bundle's config. A parsable config gets the bundle's rootfs and
# no terminal (a console socket is a create argument, not config); the rest as is.
prepare() {
	python3 - "$1" "$B/config.json" <<'PY' 2>/dev/null || cp "$1" "$B/config.json"
import json, sys
c = json.load(open(sys.argv[1]))
if isinstance(c.get("root"), dict) and isinstance(c["root"].get("path"), str):
    c["root"]["path"] = "rootfs"
if isinstance(c.get("process"), dict) and c["process"].get("terminal") is True:
    c["process"]["terminal"] = False
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY
}

# agree NAME: check and create judge the bundle's config alike
agree() {
	cout=$("$CTR" check -q --bundle "$B" 2>&1); crc=$?
	id=$(new_id agree)
	# into a file: the container's init keeps a captured stdout open
	"$CTR" --root "$ROOT" create --bundle "$B" "$id" < /dev/null > "$T_TMP/create.log" 2>&1
	rrc=$?
	rout=$(cat "$T_TMP/create.log")
	"$CTR" --root "$ROOT" delete -f "$id" > /dev/null 2>&1
	why=$(except_why "$1")
	if [ -n "$why" ] && [ $crc = 0 ] && [ $rrc != 0 ]; then
		pass "check_agree $1: host exception ($why): check $crc, create $rrc"
	elif [ $((crc == 0)) = $((rrc == 0)) ]; then
		pass "check_agree $1 (check $crc, create $rrc)"
	else
		fail "check_agree $1: check $crc ($(echo "$cout" | head -n 2 | tr '\n' '|')), create $rrc ($(echo "$rout" | tail -n 1))"
	fi
}

for f in "$TOP"/tests/spec/*.json "$TOP"/tests/spec/bad/*.json; do
	prepare "$f"
	agree "$(basename "$f")"
done
for f in "$TOP"/configs/*/config.json; do
	prepare "$f"
	agree "configs/$(basename "$(dirname "$f")")"
done

# the disagreements found in issue 16, each on the default config
variant() { # NAME PYTHON-EXPR-ON-c
	cp "$T_TMP/default.json" "$B/config.json"
	sed -i 's/"terminal": true/"terminal": false/' "$B/config.json"
	set_config "$B" "$2"
	agree "$1"
}
variant memory-negative 'c["linux"]["resources"]["memory"] = {"limit": -5}'
variant memory-minus-one 'c["linux"]["resources"]["memory"] = {"limit": -1}'
variant hostname-100 'c["hostname"] = "h" * 100'
variant hostname-64 'c["hostname"] = "h" * 64'
variant cgroups-path-escape 'c["linux"]["cgroupsPath"] = "../../../escape-ctr-agree"'
variant cgroups-path-dotdot-inside 'c["linux"]["cgroupsPath"] = "/ctr-agree/../ctr-agree2"'
variant mount-relative 'c["mounts"].append({"destination": "tmp", "type": "tmpfs", "source": "tmpfs"})'
variant uidmap-no-userns 'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]; c["linux"]["gidMappings"] = c["linux"]["uidMappings"]'
variant cap-unknown 'c["process"]["capabilities"]["bounding"].append("CAP_NO_SUCH_THING")'
variant env-no-equals 'c["process"]["env"].append("JUSTKEY")'
variant args-missing-program 'c["process"]["args"] = ["/bin/no-such-program"]'
variant args-not-executable 'c["process"]["args"] = ["/etc/passwd"]'
variant args-path-lookup 'c["process"]["args"] = ["busybox", "true"]; c["process"]["env"] = ["PATH=/nowhere:/bin"]'
# create runs check's whole validation (spec_ck_config): what check refused and create ran
variant ioprio-out-of-range 'c["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 9}'
variant nice-out-of-range 'c["process"]["scheduler"] = {"policy": "SCHED_OTHER", "nice": 30}'
variant time-offsets-no-timens 'c["linux"]["timeOffsets"] = {"monotonic": {"secs": 1, "nanosecs": 0}}'
variant device-relative 'c["linux"]["devices"] = [{"path": "dev/null2", "type": "c", "major": 1, "minor": 3}]'
variant masked-relative 'c["linux"]["maskedPaths"].append("proc/kcore")'
variant readonly-relative 'c["linux"]["readonlyPaths"].append("proc/bus")'
variant seccomp-empty-names 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]}'
variant poststop-hook-missing 'c["hooks"] = {"poststop": [{"path": "/no/such/hook"}]}'
variant start-hook-missing 'c["hooks"] = {"startContainer": [{"path": "/no/such/hook"}]}'
variant start-hook-in-rootfs 'c["hooks"] = {"startContainer": [{"path": "/bin/true"}]}'
variant bind-source-missing 'c["mounts"].append({"destination": "/mnt", "type": "bind", "source": "/no/such/src", "options": ["rbind"]})'
# a note, not a problem, for both: its new fields are ignored
variant oci-version-newer 'c["ociVersion"] = "1.9.0"'
# a repeated key: allowed, the last one counts (a note in check, as in runc)
cp "$T_TMP/default.json" "$B/config.json"
sed -i 's/"terminal": true/"terminal": false/; s/"cwd": "\/"/"cwd": "\/", "cwd": "\/tmp"/' "$B/config.json"
agree duplicate-key
