# Registers the Catch2 test cases of a test executable with CTest, one CTest
# test per case, labelled with the case's tags: `ctest -L quick`,
# `ctest -L regex`. Catch2 2's own catch_discover_tests sets no labels, hence
# this module.
#
#   parallax_catch_tests(TARGET [SPEC catch-test-spec] [TIMEOUT seconds])
#
# The cases are listed after each build of TARGET (a post-build step running
# ParallaxCatchDiscover.cmake), so CTest always sees the cases of the binary
# it runs. Every case must carry exactly one cost tag, [quick], [standard] or
# [extreme]; a case with none or several fails the build, naming it.

set(PARALLAX_CATCH_DISCOVER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/ParallaxCatchDiscover.cmake)

function(parallax_catch_tests target)
  cmake_parse_arguments(arg "" "SPEC;TIMEOUT" "" ${ARGN})
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 1500)
  endif()
  set(tests_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_ctest.cmake)
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_ctest_include.cmake)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND}
      -D EXE=$<TARGET_FILE:${target}>
      -D "SPEC=${arg_SPEC}"
      -D TIMEOUT=${arg_TIMEOUT}
      -D WORKDIR=${CMAKE_CURRENT_BINARY_DIR}
      -D OUT=${tests_file}
      -P ${PARALLAX_CATCH_DISCOVER_SCRIPT}
    BYPRODUCTS ${tests_file}
    VERBATIM)
  file(WRITE ${include_file}
    "if(EXISTS \"${tests_file}\")\n"
    "  include(\"${tests_file}\")\n"
    "else()\n"
    "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
