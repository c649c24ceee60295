#!/bin/sh
# gen-syscalls.sh - regenerate the seccomp syscall tables in ctr.c (seccomp section).
#
# Usage: boards/gen-syscalls.sh [FILE]      (FILE defaults to ctr.c)
#
# Source of truth: the kernel's own uapi headers as Debian ships them.
#   x86_64, x32, i386   host linux-libc-dev      (/usr/include/x86_64-linux-gnu/asm)
#   arm (EABI)          linux-libc-dev-armhf-cross + gcc-arm-linux-gnueabihf
#   aarch64             linux-libc-dev-arm64-cross + gcc-aarch64-linux-gnu
#   mips o32/n32/n64    linux-libc-dev-mips-cross  + gcc-mips-linux-gnu (-mabi=32/n32/64;
#                       both endiannesses share the numbers)
#   riscv64             linux-libc-dev-riscv64-cross + gcc-riscv64-linux-gnu
# Install what is missing with apt-get (the package names above). Each arch's
# asm/unistd.h is run through its cross compiler's preprocessor (so the ABI macros are
# right), every __NR_* / __ARM_NR_* definition is kept and the host compiler evaluates
# them. x32 numbers keep their __X32_SYSCALL_BIT (0x40000000), as the kernel sees them.
#
# Output (rewritten between the "BEGIN/END GENERATED SYSCALL TABLES" marker comments):
#   sc_names      every name of every arch, sorted and front-coded (each name is a byte
#                 below '0' counting the bytes it shares with the name before, then the
#                 rest of it; the first of each block of SC_BLOCK = 16 names shares none);
#   sc_name_blk   the offset of each block in the pool (binary-searched by its first name);
#   sc_nr_<arch>  per arch, one uint16 per name: its number, or 0xffff when the arch
#                 lacks it. Numbers >= 0xf000 encode ARM private calls 0xf0000 + (v & 0xfff).
#                 x32 has no table: sc_x32_diff lists where it differs from x86_64
#                 ({name index, number}); its values are stored without 0x40000000.
# Only the build's native arch group is compiled in (#if per group); the string pool is
# shared. Commit the regenerated file.
set -eu
cd "$(dirname "$0")/.."
out=${1:-ctr.c}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# macros ARCH CPP-COMMAND...: the __NR definitions seen by that preprocessor
macros() {
	a=$1; shift
	eval "$* -E -dM -" </dev/null 2>"$tmp/$a.err" |
		grep -E '^#define (__NR_|__ARM_NR_|__NR3264_|__X32_SYSCALL_BIT)' > "$tmp/$a.h" || {
		cat "$tmp/$a.err" >&2; echo "gen-syscalls: no headers for $a" >&2; exit 1; }
	# evaluate every __NR_<name> with the host compiler
	{
		echo '#include <stdio.h>'
		cat "$tmp/$a.h"
		echo 'int main(void) {'
		sed -nE 's/^#define (__NR_|__ARM_NR_)([a-z0-9_]+) .*/\1\2 \2/p' "$tmp/$a.h" |
		while read -r mac name; do
			case $name in
			syscalls|Linux|Linux_syscalls|arch_specific_syscall|SYSCALL_BASE|\
			OABI_SYSCALL_BASE|SYSCALL_MASK|BASE|O32_Linux*|N32_Linux*|64_Linux*) continue ;;
			esac
			printf 'printf("%%s %%lu\\n", "%s", (unsigned long)(%s));\n' "$name" "$mac"
		done
		echo 'return 0; }'
	} > "$tmp/$a.c"
	cc -w -o "$tmp/$a.bin" "$tmp/$a.c"
	"$tmp/$a.bin" | sort -u > "$tmp/$a.list"
}

X86INC=/usr/include/x86_64-linux-gnu
macros x86_64 cpp -nostdinc -isystem $X86INC -include asm/unistd_64.h
macros i386 cpp -nostdinc -isystem $X86INC -include asm/unistd_32.h
macros x32 cpp -nostdinc -isystem $X86INC -D__X32_SYSCALL_BIT=0x40000000 -include asm/unistd_x32.h
macros arm arm-linux-gnueabihf-gcc -include asm/unistd.h
macros aarch64 aarch64-linux-gnu-gcc -include asm/unistd.h
macros mips_o32 mips-linux-gnu-gcc -mabi=32 -include asm/unistd.h
macros mips_n32 mips-linux-gnu-gcc -mabi=n32 -include asm/unistd.h
macros mips_n64 mips-linux-gnu-gcc -mabi=64 -include asm/unistd.h
macros riscv64 riscv64-linux-gnu-gcc -include asm/unistd.h
ARCHES="x86_64 i386 x32 arm aarch64 mips_o32 mips_n32 mips_n64 riscv64"

# Syscalls newer than Debian 12's 6.1 headers. Since Linux 5.1 every arch gives a new
# syscall the same number (plus its ABI base: mips o32 4000, n64 5000, n32 6000, x32
# 0x40000000); add them where the headers lack them. map_shadow_stack has no x32 entry.
NEWER="451 cachestat 452 fchmodat2 453 map_shadow_stack 454 futex_wake 455 futex_wait
456 futex_requeue 457 statmount 458 listmount 459 lsm_get_self_attr 460 lsm_set_self_attr
461 lsm_list_modules 462 mseal 463 setxattrat 464 getxattrat 465 listxattrat 466 removexattrat"
for a in $ARCHES; do
	case $a in
	x32) base=1073741824 ;; mips_o32) base=4000 ;; mips_n64) base=5000 ;; mips_n32) base=6000 ;;
	*) base=0 ;;
	esac
	set -- $NEWER
	while [ $# -ge 2 ]; do
		if ! grep -q "^$2 " "$tmp/$a.list" && ! { [ $a = x32 ] && [ $2 = map_shadow_stack ]; }; then
			echo "$2 $(($1 + base))" >> "$tmp/$a.list"
		fi
		shift 2
	done
	sort -u -o "$tmp/$a.list" "$tmp/$a.list"
done

cat $(for a in $ARCHES; do echo "$tmp/$a.list"; done) | awk '{print $1}' | LC_ALL=C sort -u > "$tmp/names"

{
	echo "/* BEGIN GENERATED SYSCALL TABLES (boards/gen-syscalls.sh; do not edit by hand) */"
	echo "#define SC_NNAMES $(wc -l < "$tmp/names")"
	echo "#define SC_BLOCK 16"
	echo "static const char sc_names[] ="
	# front-coded: per name, a byte (octal, < '0') counting the bytes it shares with the
	# name before, then the rest of it; the first of every block of SC_BLOCK shares none
	awk '{ if (length($0) >= 40) { print "name too long: " $0 > "/dev/stderr"; exit 1 }
	       k = 0
	       if ((NR - 1) % 16)
		       while (k < length($0) && k < length(prev) && substr($0, k + 1, 1) == substr(prev, k + 1, 1)) k++
	       line = line sprintf("\\%03o", k) substr($0, k + 1); prev = $0
	       if (length(line) > 80) { printf "\t\"%s\"\n", line; line = "" } }
	     END { if (line != "") printf "\t\"%s\"\n", line }' "$tmp/names"
	printf "\t;\n"
	echo "static const uint16_t sc_name_blk[(SC_NNAMES + SC_BLOCK - 1) / SC_BLOCK] = {"
	awk 'BEGIN { off = 0; n = 0 } { if ((NR - 1) % 16 == 0) { printf "%s%d,", (n == 0 ? "\t" : n % 16 ? " " : "\n\t"), off; n++ }
	       k = 0
	       if ((NR - 1) % 16)
		       while (k < length($0) && k < length(prev) && substr($0, k + 1, 1) == substr(prev, k + 1, 1)) k++
	       off += 1 + length($0) - k; prev = $0 }
	     END { printf "\n" }' "$tmp/names"
	echo "};"
	for a in $ARCHES; do
		case $a in
		x86_64|i386|x32) g=SC_GROUP_X86 ;;
		arm|aarch64) g=SC_GROUP_ARM ;;
		mips_*) g=SC_GROUP_MIPS ;;
		riscv64) g=SC_GROUP_RISCV ;;
		esac
		echo "#if $g"
		if [ $a = x32 ]; then
			# x32 is x86_64's numbers (plus 0x40000000) but for these {name index, number}
			echo "static const uint16_t sc_x32_diff[][2] = {"
			awk 'NR == FNR { nr[$1] = $2; next } FILENAME ~ /x86_64/ { x[$1] = $2; next }
				{ v = ($1 in nr) ? nr[$1] - 1073741824 : 65535; w = ($1 in x) ? x[$1] : 65535
				  if (v != w) { printf "%s{%d, %d},", (n % 8 == 0 ? (n ? "\n\t" : "\t") : " "), FNR - 1, v; n++ } }
				END { printf "\n" }' "$tmp/x32.list" "$tmp/x86_64.list" "$tmp/names"
			echo "};"
			echo "#endif"
			continue
		fi
		echo "static const uint16_t sc_nr_$a[SC_NNAMES] = {"
		awk -v arch=$a 'NR == FNR { nr[$1] = $2; next }
			{ v = ($1 in nr) ? nr[$1] : 65535
			  if (arch == "x32" && v != 65535) v -= 1073741824
			  if (v >= 983040 && v < 987136) v = 61440 + (v - 983040)
			  else if (v > 65535 || v >= 61440 && v != 65535) { print "bad number " $1 " " v > "/dev/stderr"; exit 1 }
			  printf "%s%d,", (FNR % 16 == 1 ? "\t" : " "), v; if (FNR % 16 == 0) printf "\n" }
			END { if (FNR % 16) printf "\n" }' "$tmp/$a.list" "$tmp/names"
		echo "};"
		echo "#endif"
	done
	echo "/* END GENERATED SYSCALL TABLES */"
} > "$tmp/tables"

# splice between the markers
awk -v tables="$tmp/tables" '
	/BEGIN GENERATED SYSCALL TABLES/ { while ((getline l < tables) > 0) print l; skip = 1; next }
	/END GENERATED SYSCALL TABLES/ { skip = 0; next }
	!skip { print }' "$out" > "$tmp/out"
grep -q 'BEGIN GENERATED SYSCALL TABLES' "$tmp/out" || { echo "gen-syscalls: markers missing in $out" >&2; exit 1; }
cat "$tmp/out" > "$out"
echo "gen-syscalls: $(wc -l < "$tmp/names") names, arches: $ARCHES"
