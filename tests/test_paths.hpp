#pragma once
// Where the tests find the `parallax` executable and the source tree. Defined
// in the test_paths.cpp that CMake generates in the build folder, so that the
// test sources themselves hold no absolute path and compile to the same object
// in every clone (the compiler cache then serves one clone from another).
namespace parallax_test {
extern const char* const parallax_binary;
extern const char* const source_dir;
}  // namespace parallax_test
