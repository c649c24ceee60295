# armhf: ARMv7-A hard-float, Thumb-2 (Cortex-A7/A9/A15: IPQ40xx, i.MX6, Allwinner, RPi 2).
BOARD_ARCH    := armv7 (hf)
BOARD_TRIPLET := arm-linux-gnueabihf
BOARD_CFLAGS  := -march=armv7-a -mfpu=vfpv3-d16 -mfloat-abi=hard -mthumb -mtune=cortex-a7
BOARD_ENDIAN  := little
BOARD_BITS    := 32
BOARD_MUSL    := deb:armhf
BOARD_PKGS    := gcc-arm-linux-gnueabihf linux-libc-dev-armhf-cross
BOARD_QEMU    := qemu-arm-static
