# x86_64: 64-bit PCs, x86 routers and appliances (APU, Atom, Celeron).
BOARD_ARCH    := x86_64
BOARD_TRIPLET := x86_64-linux-gnu
BOARD_CFLAGS  := -march=x86-64 -mtune=generic
BOARD_ENDIAN  := little
BOARD_BITS    := 64
BOARD_MUSL    := deb:amd64
BOARD_PKGS    := gcc linux-libc-dev
BOARD_QEMU    :=
