# mipsel: MIPS32r2 little-endian, 24Kc (ramips: MT7620/MT7621/MT7628 routers).
BOARD_ARCH    := mips32r2 LE
BOARD_TRIPLET := mipsel-linux-gnu
BOARD_CFLAGS  := -march=24kc -mtune=24kc
BOARD_ENDIAN  := little
BOARD_BITS    := 32
BOARD_MUSL    := deb:mipsel
BOARD_PKGS    := gcc-mipsel-linux-gnu linux-libc-dev-mipsel-cross
BOARD_QEMU    := qemu-mipsel-static
