# Compiler flags. -march=native is applied to every target alike: Eigen's inline kernels must see the
# same vector width in every object file, or objects disagree on alignment (an ODR violation).
# A cross build never uses it: its baseline comes from the toolchain file (cmake/toolchain-*.cmake).
if(EDGEMOE_NATIVE AND NOT CMAKE_CROSSCOMPILING)
  add_compile_options(-march=native)
endif()

# Warnings for the project's own targets; third-party headers come in as SYSTEM includes.
function(edgemoe_target_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(EDGEMOE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
