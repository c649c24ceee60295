#!/bin/sh
# configs/: every example bundle runs as a real container on this host (configs/examples.sh,
# also run inside the emulated boards by boards/qemu/suite.sh).
. "$(dirname "$0")/lib.sh"
need_root configs
BB=$(command -v busybox) || { skip "configs: busybox-static is not installed"; exit 0; }
command -v ip > /dev/null || { skip "configs: no ip command"; exit 0; }
# port 80 may be taken on a developer machine: any free one proves the same
port=80
while [ -n "$(netstat -ltn 2>/dev/null | awk -v p=":$port" '$4 ~ p"$"')" ] ||
	[ -n "$(ss -ltn 2>/dev/null | awk -v p=":$port" '$4 ~ p"$"')" ]; do port=$((port + 1)); done
mkdir -p "$T_TMP/work"
CTR=$CTR BUSYBOX=$BB WORK=$T_TMP/work CONFIGS=$TOP/configs PORT=$port sh "$TOP/configs/examples.sh"
