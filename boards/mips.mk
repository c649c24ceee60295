# mips: MIPS32r2 big-endian, 24Kc (ath79: Atheros AR71xx/AR9xxx, QCA95xx routers).
# Debian 12 ships no big-endian mips musl: toolchain.sh builds Debian's musl source.
BOARD_ARCH    := mips32r2 BE
BOARD_TRIPLET := mips-linux-gnu
BOARD_CFLAGS  := -march=24kc -mtune=24kc
BOARD_ENDIAN  := big
BOARD_BITS    := 32
BOARD_MUSL    := src
BOARD_PKGS    := gcc-mips-linux-gnu linux-libc-dev-mips-cross dpkg-dev
BOARD_QEMU    := qemu-mips-static
