#!/bin/sh
# CLI tests of `ctr spec` and `ctr check` (no container is run).
. "$(dirname "$0")/lib.sh"

B=$T_TMP/b
mkdir -p "$B"

# spec writes runc's default (ours: ociVersion 1.3.0, hostname ctr), tab-indented
(cd "$B" && "$CTR" spec) ; rc=$?
check "spec exits 0" [ $rc = 0 ]
check "spec writes config.json" [ -s "$B/config.json" ]
sed -e 's/"1.0.2-dev"/"1.3.0"/' -e 's/"hostname": "runc"/"hostname": "ctr"/' \
	"$TOP/tests/spec/runc-spec.json" > "$T_TMP/want.json"
check "spec output is runc's default" cmp -s "$B/config.json" "$T_TMP/want.json"

# refuses to overwrite, with runc's message, exit 1, file untouched
cp "$B/config.json" "$T_TMP/before.json"
out=$(cd "$B" && "$CTR" spec --rootless 2>&1); rc=$?
check "spec refuses to overwrite (exit 1)" [ $rc = 1 ]
case $out in *"File config.json exists. Remove it first"*) pass "spec overwrite message";;
	*) fail "spec overwrite message: $out";; esac
check "spec left config.json alone" cmp -s "$B/config.json" "$T_TMP/before.json"

# --bundle and --rootless
mkdir -p "$T_TMP/rl"
"$CTR" spec --bundle "$T_TMP/rl" --rootless; rc=$?
check "spec --bundle --rootless exits 0" [ $rc = 0 ]
check "rootless spec has a user namespace" grep -q '"type": "user"' "$T_TMP/rl/config.json"
if grep -q '"type": "network"' "$T_TMP/rl/config.json"; then fail "rootless spec has no network namespace"
else pass "rootless spec has no network namespace"; fi
check "rootless spec maps our uid" grep -q "\"hostID\": $(id -u)," "$T_TMP/rl/config.json"
mkdir -p "$T_TMP/rl2"
"$CTR" spec -b "$T_TMP/rl2" --rootless=false
check "spec --rootless=false is the default config" cmp -s "$T_TMP/rl2/config.json" "$T_TMP/want.json"
out=$("$CTR" spec --bundle "$T_TMP/missing" 2>&1); rc=$?
check "spec into a missing bundle fails" [ $rc = 1 ]
case $out in *"$T_TMP/missing"*) pass "spec missing bundle message names it";;
	*) fail "spec missing bundle message: $out";; esac
out=$("$CTR" spec extra 2>&1); rc=$?
check "spec with an argument is a usage error" [ $rc = 1 ]
out=$("$CTR" spec --bogus 2>&1); rc=$?
check "spec with an unknown flag fails" [ $rc = 1 ]

# --help
out=$("$CTR" spec --help); rc=$?
check "spec --help exits 0" [ $rc = 0 ]
case $out in *"--rootless"*) pass "spec --help lists --rootless";; *) fail "spec --help: $out";; esac
out=$("$CTR" check -h); rc=$?
check "check -h exits 0" [ $rc = 0 ]
case $out in *"--bundle"*) pass "check -h lists --bundle";; *) fail "check -h: $out";; esac

# check: clean on spec output + busybox rootfs
if make_rootfs "$B/rootfs" >/dev/null 2>&1; then
	out=$("$CTR" check --bundle "$B"); rc=$?
	check "check passes on a spec bundle (exit 0)" [ $rc = 0 ]
	case $out in
	"config.json: ok (ociVersion 1.3.0, 7 mounts, 5 namespaces, no seccomp, /bin/sh: ELF "*", static)")
		pass "check prints a one-line summary when clean" ;;
	*) fail "check prints a one-line summary when clean: '$out'" ;;
	esac
	out=$("$CTR" check -q --bundle "$B"); rc=$?
	check "check -q prints nothing when clean" [ $rc = 0 -a -z "$out" ]
	out=$(cd "$B" && "$CTR" check); rc=$?
	check "check defaults to the current directory" [ $rc = 0 ]

	# a broken bundle: several problems at once
	C=$T_TMP/broken
	mkdir -p "$C"
	cp -a "$B/rootfs" "$C/rootfs"
	rm "$C/rootfs/bin/sh"
	chmod -x "$C/rootfs/bin/busybox"
	cat > "$C/config.json" <<-'EOF'
	{
		"ociVersion": "1.0.0",
		"root": {"path": "rootfs"},
		"process": {
			"args": ["sh", "-c", "true"],
			"env": ["PATH=/bin:/usr/bin", "NOEQUALS"],
			"cwd": "/",
			"capabilities": {"bounding": ["CAP_KILL", "CAP_MADE_UP"]},
			"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 10, "soft": 20}]
		},
		"hostname": "h",
		"mounts": [
			{"destination": "relative/dest", "type": "tmpfs", "source": "tmpfs"},
			{"destination": "/x", "type": "bind", "source": "/nonexistent/src", "options": ["rbind"]}
		],
		"hooks": {"prestart": [{"path": "/nonexistent/hook"}],
			"startContainer": [{"path": "/bin/nothere"}, {"path": "/bin/busybox"}]},
		"linux": {
			"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "user"},
				{"type": "ipc", "path": "/proc/999999999/ns/ipc"}],
			"sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "1", "vm.swappiness": "1"},
			"timeOffsets": {"monotonic": {"secs": 1}},
			"maskedPaths": ["proc/kcore"]
		}
	}
	EOF
	out=$("$CTR" check --bundle "$C"); rc=$?
	check "check fails on a broken bundle (exit 1)" [ $rc = 1 ]
	n=$(printf '%s\n' "$out" | grep -c .)
	check "check lists every problem ($n lines)" [ "$n" -ge 15 ]
	# each finding at the position of the value it names, as the parser's errors
	for want in 'process.args\[0\]: "sh" not found' 'CAP_MADE_UP' \
		'config.json:6:[0-9]*: process.env\[1\]' 'config.json:9:[0-9]*: process.rlimits\[0\]' \
		'config.json:14:[0-9]*: mounts\[1\].source' 'config.json:22:[0-9]*: linux.timeOffsets' \
		'hooks.prestart\[0\].path' 'unable to set hostname without a private UTS namespace' \
		'hooks.startContainer\[0\].path: /bin/nothere in the rootfs: No such file' \
		'hooks.startContainer\[1\].path: /bin/busybox in the rootfs: not an executable' \
		'linux.namespaces\[3\].path' 'uidMappings' 'sysctl "net.ipv4.ip_forward"' \
		'sysctl "vm.swappiness"' 'linux.timeOffsets' 'linux.maskedPaths\[0\]'; do
		if printf '%s\n' "$out" | grep -q "$want"; then pass "check reports $want"
		else fail "check reports $want: got: $out"; fi
	done
	# relative mount destinations are legal since runtime-spec 1.2 (create takes them)
	if printf '%s\n' "$out" | grep -q 'mounts\[0\].destination'; then
		fail "check accepts a relative mount destination: $out"
	else pass "check accepts a relative mount destination"; fi
	if printf '%s\n' "$out" | grep -q 'kernel.shmmax'; then
		fail "check accepts kernel.shmmax with an ipc namespace"
	else pass "check accepts kernel.shmmax with an ipc namespace"; fi

	# args[0] not executable; a symlink escaping the rootfs does not count
	sed -i 's/"sh", "-c"/"busybox", "-c"/' "$C/config.json"
	out=$("$CTR" check --bundle "$C")
	case $out in *'"busybox": not an executable file'*) pass "check: args[0] not executable";;
		*) fail "check: args[0] not executable: $out";; esac
	# symlinks resolve inside the rootfs: /usr/bin/env exists on the host, not in it
	ln -s /usr/bin/env "$C/rootfs/bin/hostenv"
	ln -s ../../../../../../../../usr/bin/env "$C/rootfs/bin/upenv"
	sed -i 's/"busybox", "-c"/"hostenv", "-c"/' "$C/config.json"
	out=$("$CTR" check --bundle "$C")
	case $out in *'"hostenv" not found'*) pass "check resolves absolute symlinks inside the rootfs";;
		*) fail "check resolves absolute symlinks inside the rootfs: $out";; esac
	sed -i 's/"hostenv", "-c"/"\/bin\/upenv", "-c"/' "$C/config.json"
	out=$("$CTR" check --bundle "$C")
	case $out in *'"/bin/upenv" not found'*) pass "check: .. in symlinks stops at the rootfs";;
		*) fail "check: .. in symlinks stops at the rootfs: $out";; esac
	# a chain of in-rootfs symlinks to an executable is fine
	chmod +x "$C/rootfs/bin/busybox"
	mkdir -p "$C/rootfs/usr/lib/x"
	ln -s ../../../bin/busybox "$C/rootfs/usr/lib/x/chain"
	ln -s /usr/lib/x/./chain "$C/rootfs/usr/bin/chain"
	sed -i 's/"\/bin\/upenv", "-c"/"chain", "-c"/' "$C/config.json"
	out=$("$CTR" check --bundle "$C")
	case $out in *'process.args'*) fail "check follows in-rootfs symlinks: $out";;
		*) pass "check follows in-rootfs symlinks";; esac

	# user namespace id mappings: the kernel's rules, and the process's ids mapped
	U=$T_TMP/userns
	mkdir -p "$U"
	ln -s "$B/rootfs" "$U/rootfs"
	cat > "$U/config.json" <<-'EOF'
	{
		"ociVersion": "1.4.2",
		"root": {"path": "rootfs"},
		"process": {"args": ["sh"], "cwd": "/", "user": {"uid": 70000, "gid": 5}},
		"hostname": "u",
		"linux": {
			"namespaces": [{"type": "user"}, {"type": "uts"}, {"type": "mount"}],
			"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536},
				{"containerID": 1000, "hostID": 300000, "size": 10}],
			"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 0},
				{"containerID": 4294967295, "hostID": 1, "size": 2}]
		}
	}
	EOF
	out=$("$CTR" check --bundle "$U"); rc=$?
	check "check: bad id mappings (exit 1)" [ $rc = 1 ]
	for want in 'linux.uidMappings\[1\]: overlaps linux.uidMappings\[0\]' \
		'linux.gidMappings\[0\]: empty range' 'linux.gidMappings\[1\]: empty range or beyond 2^32' \
		'process.user.uid: 70000 is not mapped' 'process.user.gid: 5 is not mapped' \
		'ociVersion: 1.4.2 is newer than 1.3.0'; do
		if printf '%s\n' "$out" | grep -q "$want"; then pass "check reports $want"
		else fail "check reports $want: got: $out"; fi
	done
	n=$(printf '%s\n' "$out" | grep -c .)
	check "check: exactly the six problems ($n)" [ "$n" = 6 ]
else
	skip "check on a busybox rootfs: busybox-static missing"
fi

# check: a parse error is reported with its position, alone
P=$T_TMP/parse
mkdir -p "$P/rootfs"
printf '{\n\t"ociVersion": "1.0.0",\n\t"root": {"path": "rootfs"},\n\t"process": {"args": ["sh"], "cwd": "/", "user": {"uid": -1, "gid": 0}}\n}\n' > "$P/config.json"
out=$("$CTR" check --bundle "$P"); rc=$?
check "check fails on a parse error (exit 1)" [ $rc = 1 ]
check "check reports the parse error with path and position" \
	[ "$out" = "$P/config.json:4:58: process.user.uid: -1 is not an integer in 0..4294967295" ]
# check: a repeated key is noted with both positions (the last one counts, as in runc):
# a note, not a problem, as create runs the config too
command -v busybox > /dev/null && make_rootfs "$P/rootfs"
printf '{\n\t"ociVersion": "1.0.0",\n\t"root": {"path": "rootfs"},\n\t"process": {"args": ["sh"], "cwd": "/", "cwd": "/tmp"},\n\t"hostname": "a",\n\t"hostname": "b",\n\t"linux": {"namespaces": [{"type": "uts"}, {"type": "mount"}]}\n}\n' > "$P/config.json"
out=$("$CTR" check --bundle "$P"); rc=$?
if command -v busybox > /dev/null; then
	check "check notes duplicate keys, allowed as in runc (exit 0)" [ $rc = 0 ]
else
	skip "check notes duplicate keys, allowed as in runc (exit 0): busybox-static missing"
fi
for want in "$P/config.json:6:2: duplicate key \"hostname\", also at 5:2" \
	"$P/config.json:4:42: process: duplicate key \"cwd\", also at 4:30"; do
	case $out in *"$want"*) pass "check reports $want";;
		*) fail "check reports $want: got: $out";; esac
done
out=$("$CTR" check --bundle "$T_TMP/nothing-here"); rc=$?
check "check on a missing bundle exits 1" [ $rc = 1 ]
case $out in *"config.json"*) pass "check names the missing config.json";;
	*) fail "check names the missing config.json: $out";; esac
out=$("$CTR" check --bundle "$B" extra 2>&1); rc=$?
check "check with an argument is a usage error" [ $rc = 1 ]
