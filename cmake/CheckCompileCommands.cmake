# A test (tests/CMakeLists.txt): no compile command defines a macro that
# holds an absolute path of the clone or of the build folder. ccache's
# base_dir makes path arguments relative, but not a path inside -DNAME="…",
# so one such definition makes that file miss the compiler cache in every
# other clone. Inputs (-D): COMMANDS (compile_commands.json), ROOTS (paths).
cmake_minimum_required(VERSION 3.25)
if(NOT EXISTS "${COMMANDS}")
  message(FATAL_ERROR "${COMMANDS} not found (CMAKE_EXPORT_COMPILE_COMMANDS is off?)")
endif()
file(READ "${COMMANDS}" json)
string(JSON n LENGTH "${json}")
math(EXPR last "${n} - 1")
set(bad "")
foreach(i RANGE ${last})
  string(JSON command GET "${json}" ${i} command)
  string(JSON file GET "${json}" ${i} file)
  foreach(root IN LISTS ROOTS)
    string(REGEX REPLACE "([][+.*()^$?|\\\\])" "\\\\\\1" pattern "${root}")
    if(command MATCHES "-D[^ ]*${pattern}")
      string(APPEND bad "\n  ${file}: a definition holds ${root}")
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "compile commands with absolute paths in definitions (generate a source file instead, as tests/test_paths.cpp):${bad}")
endif()
message(STATUS "${n} compile commands, none defines an absolute path")
