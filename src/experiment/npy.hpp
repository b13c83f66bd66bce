#pragma once
// Reading and writing NumPy .npy files, so that arrays produced here (for
// example the states and Jacobians of a Newton solve) can be inspected with
// NumPy, and arrays produced by NumPy can be fed back in.
//
// Format (versions 1.0, 2.0 and 3.0 are read; 1.0 is written, or 2.0 when
// the header does not fit a 16-bit length):
//   "\x93NUMPY"  major  minor  header-length  header  data
// The header length is a little-endian uint16 (1.0) or uint32 (2.0, 3.0).
// The header is a Python dict literal with exactly the keys 'descr' (the
// dtype string, e.g. '<f8'), 'fortran_order' (True/False) and 'shape' (a
// tuple of non-negative integers; () is a 0-d array with one element),
// padded with spaces and ended by '\n' so that the data starts at a multiple
// of 64 bytes. The data is the raw element bytes, nothing after them.
//
// Correctness rests on three points:
//  * Every byte is decoded/encoded with an explicit byte order (the dtype's
//    '<' or '>'), independent of the host's byte order, so '>f8' files are
//    byte-swapped correctly and written files are always little-endian.
//  * The header is parsed by a small recursive-descent parser for the subset
//    of Python literals that .npy headers use (strings, True/False, integers,
//    tuples, lists); anything else, a missing/unknown/duplicate key, a shape
//    that is not a tuple of non-negative integers, or an element count whose
//    byte size overflows size_t is rejected before any data is allocated.
//    The file size is then compared with what the shape implies, so
//    truncated files and trailing garbage are both reported.
//  * A Fortran-order array is stored with the first index varying fastest;
//    read_npy walks it with an odometer over the multi-index and stores each
//    element at its C-order (row-major) offset, so callers always see C order.
//
// Writing is atomic: the bytes go to a new temporary file in the target's
// directory, which is flushed to disk and then renamed over the target. A
// failure at any point removes the temporary file and leaves whatever was at
// the target path untouched.
//
// Every error is an NpyError whose message names the file and what is wrong.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace parallax::experiment {

/// An error reading or writing a .npy file; the message names the file.
struct NpyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// An array read from a .npy file, converted to double, in C order.
struct NpyArray {
  std::vector<std::size_t> shape;  ///< {} for a 0-d array
  std::vector<double> data;        ///< product(shape) values, row-major
  std::string dtype;               ///< the descr read, e.g. "<f4"
  std::size_t size() const { return data.size(); }
};

/// The dtypes read_npy accepts, as a human-readable list (used in errors).
std::string npy_supported_dtypes();

/// Reads a .npy file. Accepted dtypes: floats '<f4' '<f8' '>f4' '>f8',
/// integers '<i1'..'<i8' and '<u1'..'<u8' (also with '>'; the one-byte ones
/// also with '|'), and booleans '|b1'; all are converted to double (64-bit
/// integers beyond 2^53 are rounded to the nearest double). Fortran-order
/// arrays are transposed into C order. Throws NpyError.
NpyArray read_npy(const std::string& path);

/// Writes a C-order array of product(shape) doubles as '<f8', or as '<f4'
/// (each value rounded to float) when as_float32. Atomic; throws NpyError.
void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const double* data,
               bool as_float32 = false);

/// Writes a C-order array of product(shape) floats as '<f4'. Atomic; throws
/// NpyError.
void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const float* data);

}  // namespace parallax::experiment
