# i386: 32-bit x86 (i686: Geode-LX-class and older appliances, 32-bit VMs).
BOARD_ARCH    := i386 (i686)
BOARD_TRIPLET := i686-linux-gnu
BOARD_CFLAGS  := -march=i686 -mtune=generic
BOARD_ENDIAN  := little
BOARD_BITS    := 32
BOARD_MUSL    := deb:i386
BOARD_PKGS    := gcc-i686-linux-gnu linux-libc-dev-i386-cross
BOARD_QEMU    := qemu-i386-static
