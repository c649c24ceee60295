#!/bin/sh
# `ctr check` on real programs: Debian's dynamically linked busybox in a rootfs without its
# loader and libraries (check names them, and run indeed fails), then with them (check is
# clean, run works); a foreign-architecture static program (check names what it found and
# the expected architecture; --arch accepts it).
. "$(dirname "$0")/lib.sh"

# the dynamic busybox (package busybox, not busybox-static), unpacked, never installed:
# it would replace busybox-static. The .deb is kept in build/debs/.
debs=$TOP/build/debs
dynbb=$T_TMP/busybox-deb/bin/busybox
mkdir -p "$debs"
if ! ls "$debs"/busybox_*.deb > /dev/null 2>&1; then
	(cd "$debs" && timeout 120 apt-get download busybox > "$T_TMP/apt.log" 2>&1)
fi
deb=$(ls "$debs"/busybox_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] && dpkg -x "$deb" "$T_TMP/busybox-deb"

# bundle NAME: a bundle whose rootfs holds only bin/ (filled by the caller)
bundle() {
	mkdir -p "$T_TMP/$1/rootfs/bin" "$T_TMP/$1/rootfs/proc" "$T_TMP/$1/rootfs/dev" \
		"$T_TMP/$1/rootfs/sys"
	(cd "$T_TMP/$1" && "$CTR" spec && sed -i 's/"terminal": true/"terminal": false/' config.json)
	echo "$T_TMP/$1"
}
# has OUTPUT TEXT: OUTPUT contains TEXT
has() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
# result NAME: PASS if the last command succeeded, else FAIL NAME (call right after a test)
result() { if [ $? = 0 ]; then pass "$1"; else fail "$1"; fi; }

if [ ! -x "$dynbb" ]; then
	for n in "dynamic busybox: missing loader and libraries named" \
		"dynamic busybox: with its libraries, check is clean and run works"; do
		skip "$n: cannot fetch Debian's busybox (apt-get download busybox: $(tail -n 1 "$T_TMP/apt.log" 2>/dev/null))"
	done
else
	B=$(bundle dyn)
	cp "$dynbb" "$B/rootfs/bin/busybox"
	ln -s busybox "$B/rootfs/bin/sh"
	interp=$(readelf -l "$dynbb" 2>/dev/null | sed -n 's/.*interpreter: \(.*\)]$/\1/p')
	libs=$(readelf -d "$dynbb" 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]$/\1/p' | tr '\n' ' ')
	out=$("$CTR" check --bundle "$B"); rc=$?
	missing_ok=1
	for l in $libs; do has "$out" "$l" || missing_ok=0; done
	if [ $rc = 1 ] && [ -n "$interp" ] && [ -n "$libs" ] && [ $missing_ok = 1 ] &&
		has "$out" "process.args[0]: /bin/sh: its ELF interpreter $interp is missing from the rootfs" &&
		has "$out" "not found in the rootfs"; then
		pass "dynamic busybox: missing loader and libraries named"
	else
		fail "dynamic busybox: missing loader and libraries named: rc $rc, interp '$interp', libs '$libs': $out"
	fi
	# and check is right: run fails the way the issue describes
	if is_root; then
		id=$(new_id dyn)
		out=$(echo 'echo ran' | "$CTR" --root "$ROOT" run --bundle "$B" "$id" 2>&1); rc=$?
		[ $rc != 0 ] && ! has "$out" ran
		result "dynamic busybox without libraries: run fails too ($rc: $(echo "$out" | head -n 1))"
	fi
	# a startContainer hook in the rootfs is read the same way
	set_config "$B" 'c.setdefault("hooks", {})["startContainer"] = [{"path": "/bin/busybox", "args": ["true"]}]'
	out=$("$CTR" check --bundle "$B")
	if has "$out" "hooks.startContainer[0].path: /bin/busybox: its ELF interpreter $interp is missing"; then
		pass "dynamic busybox: a startContainer hook's missing loader named"
	else
		fail "dynamic busybox: a startContainer hook's missing loader named: $out"
	fi
	set_config "$B" 'del c["hooks"]'

	# copy the loader and each library (and theirs) from the host, where this busybox runs
	for f in $interp $(ldd "$dynbb" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p'); do
		mkdir -p "$B/rootfs$(dirname "$f")"
		cp -L "$f" "$B/rootfs$f"
	done
	out=$("$CTR" check --bundle "$B"); rc=$?
	if [ $rc = 0 ] && has "$out" "config.json: ok (" && has "$out" ", dynamic ($interp, "; then
		pass "dynamic busybox: with its libraries, check is clean"
	else
		fail "dynamic busybox: with its libraries, check is clean: rc $rc: $out"
	fi
	if is_root; then
		id=$(new_id dyn)
		out=$(echo 'echo ran' | "$CTR" --root "$ROOT" run --bundle "$B" "$id" 2>&1); rc=$?
		[ $rc = 0 ] && [ "$out" = ran ]
		result "dynamic busybox: with its libraries, run works too ($rc: $out)"
	fi
fi

# a foreign architecture: a tiny static program from Debian's cross compilers
for cc_arch in mipsel-linux-gnu:mipsel mips-linux-gnu:mips; do
	cc=${cc_arch%:*}-gcc arch=${cc_arch#*:}
	if ! command -v "$cc" > /dev/null; then
		skip "$arch program: $cc is not installed (package gcc-${cc_arch%:*})"
		continue
	fi
	B=$(bundle "$arch")
	printf 'void __start(void) { for (;;); }\n' > "$T_TMP/start.c"
	"$cc" -static -nostdlib -O2 -o "$B/rootfs/bin/sh" "$T_TMP/start.c" || { fail "$arch: $cc failed"; continue; }
	native=$(uname -m)
	case $native in i?86) native=i386 ;; armv7*) native=armhf ;; esac
	[ "$native" = "$arch" ] && continue
	case $arch in mips) what="ELF 32-bit MSB MIPS" ;; *) what="ELF 32-bit LSB MIPS" ;; esac
	out=$("$CTR" check --bundle "$B"); rc=$?
	[ $rc = 1 ] && [ "$out" = "$B/config.json:10:4: process.args[0]: /bin/sh: $what, expected $native" ]
	result "$arch program: check names it and the expected $native ($out)"
	out=$("$CTR" check --bundle "$B" --arch "$arch"); rc=$?
	[ $rc = 0 ] && has "$out" "config.json: ok (" && has "$out" "/bin/sh: $what, static)"
	result "$arch program: check --arch $arch is clean ($out)"
	other=mips; [ "$arch" = mips ] && other=mipsel
	out=$("$CTR" check --bundle "$B" --arch "$other"); rc=$?
	[ $rc = 1 ] && [ "$out" = "$B/config.json:10:4: process.args[0]: /bin/sh: $what, expected $other" ]
	result "$arch program: check --arch $other says $what, expected $other ($out)"
done

# a 32-bit x86 program: what an x86_64 kernel runs too, so only --arch x86_64 refuses it
if [ "$(uname -m)" != x86_64 ]; then
	skip "i386 program: this host is not x86_64"
elif ! command -v i686-linux-gnu-gcc > /dev/null; then
	skip "i386 program: i686-linux-gnu-gcc is not installed (package gcc-i686-linux-gnu)"
else
	B=$(bundle i386)
	printf 'void _start(void) { for (;;); }\n' > "$T_TMP/start.c"
	i686-linux-gnu-gcc -static -nostdlib -O2 -o "$B/rootfs/bin/sh" "$T_TMP/start.c"
	out=$("$CTR" check --bundle "$B"); rc=$?
	[ $rc = 0 ] && has "$out" "/bin/sh: ELF 32-bit LSB Intel 80386, static)"
	result "i386 program: check without --arch accepts it on x86_64 ($out)"
	out=$("$CTR" check --bundle "$B" --arch x86_64); rc=$?
	[ $rc = 1 ] && [ "$out" = "$B/config.json:10:4: process.args[0]: /bin/sh: ELF 32-bit LSB Intel 80386, expected x86_64" ]
	result "i386 program: check --arch x86_64 refuses it ($out)"
	if is_root; then
		id=$(new_id i386)
		timeout 10 "$CTR" --root "$ROOT" run -d --bundle "$B" "$id" < /dev/null > "$T_TMP/i386.log" 2>&1
		st=$("$CTR" --root "$ROOT" state "$id" 2>&1 | grep -o '"status": "[a-z]*"')
		if grep -qi 'exec format error' "$T_TMP/i386.log"; then
			skip "i386 program: this kernel runs no 32-bit x86 programs (no IA32 emulation)"
		else
			has "$st" '"status": "running"'
			result "i386 program: and it runs here ($(head -c 200 "$T_TMP/i386.log") $st)"
		fi
		"$CTR" --root "$ROOT" delete -f "$id" > /dev/null 2>&1
	fi
fi

# a script saved with DOS line endings: "#!/bin/sh\r" names an interpreter that is not there
B=$T_TMP/crlf
if make_bundle "$B" > /dev/null 2>&1; then
	printf '#!/bin/sh\r\necho ran\r\n' > "$B/rootfs/bin/start"
	chmod 755 "$B/rootfs/bin/start"
	set_config "$B" 'c["process"]["args"] = ["/bin/start"]; c["process"]["terminal"] = False'
	out=$("$CTR" check --bundle "$B"); rc=$?
	[ $rc = 1 ] && has "$out" 'process.args[0]: /bin/start: its #! line ends in \r (DOS line endings)'
	result "a #! script with DOS line endings: check names the CR"
	if is_root; then
		id=$(new_id crlf)
		out=$("$CTR" --root "$ROOT" run --bundle "$B" "$id" < /dev/null 2>&1); rc=$?
		[ $rc != 0 ] && ! has "$out" ran
		result "a #! script with DOS line endings: run fails too ($rc: $out)"
	fi
else
	fail "a #! script with DOS line endings: cannot make a bundle"
fi

out=$("$CTR" check --arch sparc 2>&1); rc=$?
[ $rc = 1 ] && has "$out" "mipsel"
result "check --arch with an unknown name fails and lists the names ($out)"
