# aarch64: ARMv8-A 64-bit (Cortex-A53/A72: MT7622/MT7986, IPQ807x, RPi 3/4/5).
BOARD_ARCH    := aarch64
BOARD_TRIPLET := aarch64-linux-gnu
BOARD_CFLAGS  := -march=armv8-a -mtune=cortex-a53
BOARD_ENDIAN  := little
BOARD_BITS    := 64
BOARD_MUSL    := deb:arm64
BOARD_PKGS    := gcc-aarch64-linux-gnu linux-libc-dev-arm64-cross
BOARD_QEMU    := qemu-aarch64-static
