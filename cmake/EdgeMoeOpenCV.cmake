# OpenCV (core, imgproc, imgcodecs, videoio): through OpenCVConfig.cmake where it is installed
# (libopencv-dev), otherwise from the four modules' own packages alone. The second way is for the
# arm64 sysroot (tools/arm64/make_sysroot.sh): Debian's libopencv-dev, the only package carrying
# OpenCVConfig.cmake, depends on every OpenCV module (VTK, GDAL, contrib...), ten times the
# download of the four modules the engine uses.
set(EDGEMOE_OPENCV_MODULES core imgproc imgcodecs videoio)
find_package(OpenCV 4 QUIET COMPONENTS ${EDGEMOE_OPENCV_MODULES})
if(NOT OpenCV_FOUND)
  find_path(OpenCV_INCLUDE_DIRS opencv2/core.hpp PATH_SUFFIXES opencv4)
  set(OpenCV_LIBS)
  foreach(m ${EDGEMOE_OPENCV_MODULES})
    find_library(OpenCV_${m}_LIBRARY NAMES opencv_${m})
    if(NOT OpenCV_${m}_LIBRARY)
      message(FATAL_ERROR "OpenCV: neither OpenCVConfig.cmake (libopencv-dev) nor libopencv_${m}.so "
                          "(libopencv-${m}-dev) found")
    endif()
    list(APPEND OpenCV_LIBS ${OpenCV_${m}_LIBRARY})
  endforeach()
  if(NOT OpenCV_INCLUDE_DIRS)
    message(FATAL_ERROR "OpenCV: opencv2/core.hpp not found (libopencv-core-dev)")
  endif()
  message(STATUS "OpenCV: the modules' libraries without OpenCVConfig.cmake: ${OpenCV_LIBS}")
endif()
