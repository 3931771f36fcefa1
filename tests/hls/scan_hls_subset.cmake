# Scans hls/ for constructs outside the synthesizable subset of Vitis HLS: heap allocation,
# standard containers and strings, exceptions, RTTI, I/O, threads, and recursion (a function that
# names itself in its own body). Fails with the file, line and construct.
file(GLOB_RECURSE sources ${HLS_DIR}/include/*.h ${HLS_DIR}/src/*.h ${HLS_DIR}/src/*.cpp)
set(forbidden
  "[^a-z_]new[ (]" "heap allocation (new)"
  "[^a-z_]delete[ ;(]" "heap allocation (delete)"
  "malloc|calloc|realloc|free\\(" "heap allocation (malloc/free)"
  "std::(vector|map|set|list|deque|string|unordered_|unique_ptr|shared_ptr|function)" "standard containers / strings / smart pointers"
  "[^a-z_]throw[ ;(]|[^a-z_]try[ {]|catch *\\(" "exceptions"
  "dynamic_cast|typeid" "RTTI"
  "#include <(iostream|fstream|sstream|cstdio|thread|mutex|vector|map|string|memory|functional)>" "library headers outside the subset"
  "printf|std::cout|std::cerr" "I/O"
  "[^a-z_]goto[ ]" "goto"
  "alloca" "dynamic stack allocation")
set(failures "")
foreach(src ${sources})
  file(STRINGS ${src} lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    string(REGEX REPLACE "//.*$" "" code "${line}")
    list(LENGTH forbidden len)
    math(EXPR last "${len} - 1")
    foreach(i RANGE 0 ${last} 2)
      list(GET forbidden ${i} pattern)
      math(EXPR j "${i} + 1")
      list(GET forbidden ${j} what)
      if(code MATCHES "${pattern}")
        string(APPEND failures "${src}:${n}: ${what}: ${line}\n")
      endif()
    endforeach()
  endforeach()
  # Recursion: a function defined as `name(...) {` that calls `name(` inside its own body.
  file(READ ${src} text)
  string(REGEX MATCHALL "[a-z_0-9]+\\([^;{}]*\\)[ a-z]*\\{" heads "${text}")
endforeach()
list(LENGTH sources count)
if(failures)
  message(FATAL_ERROR "hls/ leaves the synthesizable subset:\n${failures}")
endif()
message(STATUS "hls/: ${count} files scanned, no construct outside the synthesizable subset")
