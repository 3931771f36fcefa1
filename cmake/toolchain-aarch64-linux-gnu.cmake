# Cross-compiling for arm64 (the Cortex-A53 of a ZCU102 / KV260) with Debian's
# crossbuild-essential-arm64 (aarch64-linux-gnu-gcc 12).
#
# The arm64 libraries (OpenCV, XRT, Qt Test for the tests) come from one of:
#  - a sysroot of Debian's arm64 packages unpacked into a folder (tools/arm64/make_sysroot.sh):
#    pass -DEDGEMOE_ARM64_SYSROOT=/that/folder. This is what tools/build_arm64.sh and CI use,
#    because Debian 12's arm64 OpenCV codecs cannot be installed beside the amd64 ones (see
#    tools/arm64/make_sysroot.sh);
#  - Debian multiarch (dpkg --add-architecture arm64; apt install libopencv-dev:arm64 ...), on a
#    machine where they are co-installable: leave EDGEMOE_ARM64_SYSROOT empty.
#
# Tests run through qemu-user: ctest starts every test with CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(EDGEMOE_TRIPLET aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${EDGEMOE_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${EDGEMOE_TRIPLET}-g++)

set(EDGEMOE_ARM64_SYSROOT "$ENV{EDGEMOE_ARM64_SYSROOT}" CACHE PATH
    "A folder holding Debian's arm64 packages unpacked (tools/arm64/make_sysroot.sh); empty: multiarch")
if(EDGEMOE_ARM64_SYSROOT)
  set(CMAKE_SYSROOT ${EDGEMOE_ARM64_SYSROOT})
  set(CMAKE_FIND_ROOT_PATH ${EDGEMOE_ARM64_SYSROOT})
  # The unpacked packages' libraries refer to each other by soname; the linker looks them up here.
  set(_rpath_link "-Wl,-rpath-link,${EDGEMOE_ARM64_SYSROOT}/usr/lib/${EDGEMOE_TRIPLET}:${EDGEMOE_ARM64_SYSROOT}/lib/${EDGEMOE_TRIPLET}")
  set(CMAKE_EXE_LINKER_FLAGS_INIT "${_rpath_link}")
  set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_rpath_link}")
  set(_qemu_prefix ${EDGEMOE_ARM64_SYSROOT})
else()
  set(CMAKE_FIND_ROOT_PATH /usr/${EDGEMOE_TRIPLET})
  set(CMAKE_LIBRARY_ARCHITECTURE ${EDGEMOE_TRIPLET})
  set(_qemu_prefix /usr/${EDGEMOE_TRIPLET})
endif()
# Programs (moc, protoc) are the build machine's; libraries, headers and packages the target's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# A generic ARMv8-A baseline (NEON is part of it; Eigen uses it), never -march=native: the binaries
# run on any 64-bit ARM Linux, the A53 of the boards included.
set(CMAKE_C_FLAGS_INIT "-march=armv8-a")
set(CMAKE_CXX_FLAGS_INIT "-march=armv8-a")

# Qt's host tools (moc for the Qt Test suites) come from the build machine's Qt.
set(QT_HOST_PATH /usr CACHE PATH "")
set(QT_HOST_PATH_CMAKE_DIR /usr/lib/x86_64-linux-gnu/cmake CACHE PATH "")

find_program(EDGEMOE_QEMU_AARCH64 qemu-aarch64)
if(EDGEMOE_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${EDGEMOE_QEMU_AARCH64} -L ${_qemu_prefix})
endif()
