# Installation layout and the Debian package.
#
#   bin/edgemoe-live, bin/edgemoe-run, bin/edgemoe-bench
#   share/edgemoe-live/models/*.safetensors, share/edgemoe-live/samples/*   (found by edgemoe::find_resource
#                                                                            as <exe>/../share/edgemoe-live)
#   share/applications/edgemoe-live.desktop, share/icons/hicolor/scalable/apps/edgemoe-live.svg
#
# Build the package from a build configured with -DEDGEMOE_NATIVE=OFF (a -march=native build only
# runs on CPUs like the build machine's):
#   cmake -S . -B build-deb -G Ninja -DEDGEMOE_NATIVE=OFF -DEDGEMOE_BUILD_TESTS=OFF
#   ninja -C build-deb && (cd build-deb && cpack -G DEB)
#   apt install ./build-deb/edgemoe-live_*.deb

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
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/edgemoe-live)

if(EDGEMOE_NATIVE)
  message(STATUS "EDGEMOE_NATIVE is ON: a package made from this build runs only on CPUs like this one "
                 "(configure with -DEDGEMOE_NATIVE=OFF for a package)")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME edgemoe-live)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "EdgeMoE Live")
set(CPACK_PACKAGE_CONTACT "EdgeMoE Live maintainers <edgemoe-live@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "live demo of the Edge-MoE multi-task mixture-of-experts vision transformer")
# The extended description (the synopsis is the summary above); CPack indents it for the control file.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "EdgeMoE Live runs M3ViT (semantic segmentation and depth from one backbone, its\nMoE layers routing each patch to experts per task) on a camera, a video, an\nimage or a folder of images, and shows the outputs, the expert routing, the\nlatency per stage and, in compare mode, two backends side by side.\n\nThis package holds the desktop program (edgemoe-live), the headless runner\n(edgemoe-run), the benchmark (edgemoe-bench), the bundled model and sample.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# Libraries the binaries link: found by dpkg-shlibdeps when it is there (Debian's dpkg-dev),
# otherwise named here (Debian 12 package names).
find_program(EDGEMOE_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(EDGEMOE_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  # The Qt platform plugins are loaded at run time (dpkg-shlibdeps cannot see them).
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6gui6 (>= 6.2)")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libc6, libstdc++6, libgcc-s1, libgomp1, libqt6core6 (>= 6.2), libqt6gui6 (>= 6.2), libqt6widgets6 (>= 6.2), libopencv-core406, libopencv-imgproc406, libopencv-imgcodecs406, libopencv-videoio406")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "fonts-dejavu-core, libqt6svg6, qt6-wayland")
include(CPack)
