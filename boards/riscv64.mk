# riscv64: RV64GC (SiFive U74/JH7110, Allwinner D1/C906-class boards).
# Not a Debian 12 release architecture: toolchain.sh builds Debian's musl source.
BOARD_ARCH    := riscv64
BOARD_TRIPLET := riscv64-linux-gnu
BOARD_CFLAGS  := -march=rv64gc -mabi=lp64d
BOARD_ENDIAN  := little
BOARD_BITS    := 64
BOARD_MUSL    := src
BOARD_PKGS    := gcc-riscv64-linux-gnu linux-libc-dev-riscv64-cross dpkg-dev
BOARD_QEMU    := qemu-riscv64-static
