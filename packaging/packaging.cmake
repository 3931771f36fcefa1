# Installation layout and the Debian package.
#
#   bin/edgemoe-live, bin/edgemoe-run, bin/edgemoe-bench, bin/edgemoe-meters, bin/edgemoe-selftest,
#   bin/edgemoe-xclbin-keys (and bin/edgemoe-serve in builds that have it)
#   share/edgemoe-live/models/*.safetensors, share/edgemoe-live/samples/*   (found by edgemoe::find_resource
#                                                                            as <exe>/../share/edgemoe-live)
#   share/applications/edgemoe-live.desktop, share/icons/hicolor/scalable/apps/edgemoe-live.svg
#
# Build the package from a build configured with -DEDGEMOE_NATIVE=OFF (a -march=native build only
# runs on CPUs like the build machine's):
#   cmake -S . -B build-deb -G Ninja -DEDGEMOE_NATIVE=OFF -DEDGEMOE_BUILD_TESTS=OFF
#   ninja -C build-deb && (cd build-deb && cpack -G DEB)
#   apt install ./build-deb/edgemoe-live_*.deb
#
# Without the desktop program (-DEDGEMOE_BUILD_APP=OFF: the board's build, tools/build_arm64.sh) the
# package is edgemoe-engine: the engine's programs, the model, no Qt. A cross build names its
# target architecture (arm64) and its dependencies itself: dpkg-shlibdeps only knows the packages
# installed on the build machine, and the arm64 libraries live in a sysroot.

set(EDGEMOE_SHARE share/edgemoe-live)

# The bundled model(s) in resources/models (the trained demo model) and the sample video.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/models/ DESTINATION ${EDGEMOE_SHARE}/models
        FILES_MATCHING PATTERN "*.safetensors")
# Sample videos only (not the ground truth that tools/eval uses).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/samples/ DESTINATION ${EDGEMOE_SHARE}/samples
        FILES_MATCHING PATTERN "*.mp4" PATTERN "*.avi" PATTERN "*.mkv" PATTERN "*.webm"
        REGEX "_gt(/|$)" EXCLUDE)
if(EDGEMOE_BUILD_APP)
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/edgemoe-live.desktop DESTINATION share/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/edgemoe-live.svg DESTINATION share/icons/hicolor/scalable/apps)
endif()
# edgemoe-selftest's frame (default_selftest_frame_path).
install(FILES ${PROJECT_SOURCE_DIR}/resources/selftest/frame.npy DESTINATION ${EDGEMOE_SHARE}/selftest)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/edgemoe-live)
install(FILES ${PROJECT_SOURCE_DIR}/docs/board.md DESTINATION share/doc/edgemoe-live)

if(EDGEMOE_NATIVE)
  message(STATUS "EDGEMOE_NATIVE is ON: a package made from this build runs only on CPUs like this one "
                 "(configure with -DEDGEMOE_NATIVE=OFF for a package)")
endif()

# The board's service, when this build has it (its own CMakeLists may install it as well).
if(TARGET edgemoe-serve)
  install(TARGETS edgemoe-serve RUNTIME DESTINATION bin)
endif()

set(CPACK_GENERATOR DEB)
if(EDGEMOE_BUILD_APP)
  set(CPACK_PACKAGE_NAME edgemoe-live)
else()
  set(CPACK_PACKAGE_NAME edgemoe-engine)
  # Both install bin/edgemoe-run and the model.
  set(CPACK_DEBIAN_PACKAGE_CONFLICTS edgemoe-live)
endif()
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "EdgeMoE Live")
set(CPACK_PACKAGE_CONTACT "EdgeMoE Live maintainers <edgemoe-live@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "live demo of the Edge-MoE multi-task mixture-of-experts vision transformer")
# The extended description (the synopsis is the summary above); CPack indents it for the control file.
set(EDGEMOE_DEB_DESCRIPTION_APP
    "EdgeMoE Live runs M3ViT (semantic segmentation and depth from one backbone, its\nMoE layers routing each patch to experts per task) on a camera, a video, an\nimage or a folder of images, and shows the outputs, the expert routing, the\nlatency per stage and, in compare mode, two backends side by side.\n\nThis package holds the desktop program (edgemoe-live), the headless runner\n(edgemoe-run), the benchmark (edgemoe-bench), the bundled model and sample.")
set(EDGEMOE_DEB_DESCRIPTION_ENGINE
    "The EdgeMoE Live engine without the desktop program, for a board (ZCU102,\nKV260) or a headless host: edgemoe-run, edgemoe-bench, edgemoe-meters, the\nboard self-check edgemoe-selftest, edgemoe-xclbin-keys (stamps a board\nbuild's xclbin), edgemoe-serve where built, and the bundled model.")
if(EDGEMOE_BUILD_APP)
  set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "${EDGEMOE_DEB_DESCRIPTION_APP}")
else()
  set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "${EDGEMOE_DEB_DESCRIPTION_ENGINE}")
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# Libraries the binaries link: found by dpkg-shlibdeps when it is there (Debian's dpkg-dev),
# otherwise named here (Debian 12 package names).
find_program(EDGEMOE_DPKG_SHLIBDEPS dpkg-shlibdeps)
# The arm64 binaries need GLIBC_2.34 and GLIBCXX_3.4.29 (GCC 11) at most (aarch64-linux-gnu-objdump -T).
set(EDGEMOE_ENGINE_DEPENDS "libc6 (>= 2.34), libstdc++6 (>= 11), libgcc-s1, libtbb12, libopencv-core406, libopencv-imgproc406, libopencv-imgcodecs406, libopencv-videoio406")
if(TARGET edgemoe_xrt)
  # The fpga backend links XRT's core library (Debian: libxrt1; Xilinx's package is named xrt) and libuuid.
  string(APPEND EDGEMOE_ENGINE_DEPENDS ", libuuid1, libxrt1 | xrt")
endif()
if(CMAKE_CROSSCOMPILING)
  if(CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
    set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
  else()
    message(FATAL_ERROR "packaging: no Debian architecture name known for ${CMAKE_SYSTEM_PROCESSOR}")
  endif()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "${EDGEMOE_ENGINE_DEPENDS}")
elseif(EDGEMOE_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  # The Qt platform plugins are loaded at run time (dpkg-shlibdeps cannot see them).
  if(EDGEMOE_BUILD_APP)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6gui6 (>= 6.2)")
  endif()
elseif(EDGEMOE_BUILD_APP)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "${EDGEMOE_ENGINE_DEPENDS}, libqt6core6 (>= 6.2), libqt6gui6 (>= 6.2), libqt6widgets6 (>= 6.2)")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "${EDGEMOE_ENGINE_DEPENDS}")
endif()
if(EDGEMOE_BUILD_APP)
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "fonts-dejavu-core, libqt6svg6, qt6-wayland")
endif()
include(CPack)
