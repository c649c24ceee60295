#!/bin/sh
# The Debian packages of tests/packages.txt that tests or make targets need.
#   sh tests/packages.sh install NAME...  install the missing ones when root on Debian
#                                         (apt-get update once, no recommends, saying which;
#                                         NO_INSTALL=1: never), else say what to install
#   sh tests/packages.sh missing NAME...  print those not installed (nothing off Debian)
#   sh tests/packages.sh needs NAME       print those NAME needs
# NAME: a test (its file name in tests/ without extension) or a make target (demo,
# example); "tests" stands for every test, or those of $TESTS. Never fails: a test whose
# package is missing is skipped by tests/run.sh, naming it.
cd "$(dirname "$0")/.." || exit 1
mode=$1
shift

# names: the arguments, "tests" expanded
names=""
for a in "$@"; do
	if [ "$a" != tests ]; then names="$names $a"; continue; fi
	for f in tests/unit_*.c tests/t_*.sh; do
		[ -e "$f" ] || continue
		n=$(basename "$f"); n=${n%.c}; n=${n%.sh}
		if [ -n "${TESTS:-}" ]; then case " $TESTS " in *" $n "*) ;; *) continue ;; esac; fi
		names="$names $n"
	done
done

# needs NAME...: the packages whose patterns match one of the names
needs() {
	set -f
	sed 's/#.*//' tests/packages.txt | while read -r pkg pats; do
		for p in $pats; do
			for n in "$@"; do
				# shellcheck disable=SC2254 # $p is a pattern
				case $n in $p) echo "$pkg"; continue 3 ;; esac
			done
		done
	done
	set +f
}
# missing PKG...: those dpkg does not have installed (none when this is not Debian)
missing() {
	command -v dpkg-query > /dev/null || return 0
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			echo "$p"
	done
}

# shellcheck disable=SC2086,SC2046 # lists of names, split on purpose
case $mode in
needs) needs $names ;;
missing) missing $(needs $names) | tr '\n' ' ' | sed 's/ $//' ;;
install)
	if ! command -v dpkg-query > /dev/null; then
		echo "not Debian: install the equivalents of the packages in tests/packages.txt"
		exit 0
	fi
	lack=$(missing $(needs $names) | tr '\n' ' ' | sed 's/ $//')
	[ -n "$lack" ] || exit 0
	if [ "$(id -u)" != 0 ] || [ -n "${NO_INSTALL:-}" ] || ! command -v apt-get > /dev/null; then
		echo "missing Debian packages: $lack"
		echo "  install them as root: apt-get install --no-install-recommends $lack"
		echo "  (\`make test\` or \`make demo\` as root installs them); what needs them is skipped"
		exit 0
	fi
	mkdir -p build
	echo "installing Debian packages: $lack (apt-get install --no-install-recommends; log: build/apt.log)"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $lack ||
		for p in $lack; do apt-get install -y -qq --no-install-recommends "$p"; done
	} < /dev/null > build/apt.log 2>&1
	lack=$(missing $lack | tr '\n' ' ' | sed 's/ $//')
	[ -z "$lack" ] || echo "could not install: $lack (see build/apt.log); what needs them is skipped"
	;;
*) echo "usage: sh tests/packages.sh install|missing|needs NAME..." >&2; exit 2 ;;
esac
exit 0
