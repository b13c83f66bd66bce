// Tests of the .npy reader and writer (experiment/npy.hpp): bit-exact round
// trips, the exact byte layout of written files checked against the format
// rules, hand-built files for the other versions, byte orders, integer and
// bool dtypes and Fortran order (each compared with values computed
// independently here), every error case, atomic writes, and, when NumPy is
// installed, agreement with NumPy in both directions.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "experiment/npy.hpp"

namespace {

namespace fs = std::filesystem;
using parallax::experiment::NpyArray;
using parallax::experiment::NpyError;
using parallax::experiment::read_npy;
using parallax::experiment::write_npy;
using Catch::Matchers::Contains;

// The hand-built files below put element bytes in memory order.
static_assert(std::endian::native == std::endian::little, "these tests assume a little-endian host");

// A private directory for the files of this process, removed at exit.
struct ScratchDir {
  fs::path path = fs::temp_directory_path() / ("parallax-npy-test-" + std::to_string(::getpid()));
  ScratchDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

fs::path scratch_dir() {
  static const ScratchDir dir;
  return dir.path;
}

std::string scratch(const std::string& name) { return (scratch_dir() / name).string(); }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// A .npy file built by hand: magic, version, length field (2 bytes for major
// 1, else 4), the dict padded with spaces and '\n' to a multiple of `align`.
std::string npy_file(const std::string& dict, const std::string& data, int major = 1, int minor = 0,
                     std::size_t align = 64) {
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  const std::size_t prefix = 8 + len_bytes;
  std::string header = dict;
  while ((prefix + header.size() + 1) % align != 0) header += ' ';
  header += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += static_cast<char>(minor);
  for (std::size_t i = 0; i < len_bytes; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

template <class T>
std::string le_bytes(const std::vector<T>& v) {
  std::string s(v.size() * sizeof(T), '\0');
  if (!v.empty()) std::memcpy(s.data(), v.data(), s.size());
  return s;
}

template <class T>
std::string be_bytes(const std::vector<T>& v) {
  std::string s = le_bytes(v);
  for (std::size_t i = 0; i < s.size(); i += sizeof(T)) std::reverse(s.begin() + i, s.begin() + i + sizeof(T));
  return s;
}

std::string dict_for(const std::string& descr, const std::string& shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape +
         ", }";
}

// The message of the NpyError that f throws (or a marker that none was).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const NpyError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<not an NpyError> ") + e.what();
  }
  return "<no exception>";
}

// Writes `bytes` to a file named `name`, reads it, and returns the error message.
std::string read_error(const std::string& name, const std::string& bytes) {
  const std::string path = scratch(name);
  write_bytes(path, bytes);
  return error_of([&] { read_npy(path); });
}

std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

std::size_t product(const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

// Doubles with awkward bit patterns: signed zeros, infinities, NaN,
// subnormals, extremes, and random bit patterns.
std::vector<double> test_values(std::size_t n, std::uint64_t seed) {
  const std::vector<double> special = {0.0,
                                       -0.0,
                                       1.0,
                                       -1.5,
                                       std::numeric_limits<double>::infinity(),
                                       -std::numeric_limits<double>::infinity(),
                                       std::numeric_limits<double>::quiet_NaN(),
                                       std::numeric_limits<double>::denorm_min(),
                                       std::numeric_limits<double>::max(),
                                       std::numeric_limits<double>::lowest(),
                                       1e-310,
                                       M_PI};
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i < special.size() ? special[i] : std::bit_cast<double>(rng());
  return v;
}

bool python_numpy_available() { return std::system("python3 -c 'import numpy' 2>/dev/null") == 0; }

}  // namespace

TEST_CASE("npy round trip of float64 arrays is bit exact", "[quick][npy]") {
  for (const std::vector<std::size_t>& shape :
       std::vector<std::vector<std::size_t>>{{}, {0}, {5}, {2, 3, 4}, {3, 0, 2}, {1, 1, 1, 7}}) {
    const std::size_t n = product(shape);
    const auto values = test_values(n, 17 + n);
    const std::string path = scratch("rt64.npy");
    write_npy(path, shape, values.data());
    const NpyArray a = read_npy(path);
    CHECK(a.shape == shape);
    CHECK(a.dtype == "<f8");
    REQUIRE(a.size() == n);
    for (std::size_t i = 0; i < n; ++i) CHECK(bits(a.data[i]) == bits(values[i]));
  }
}

TEST_CASE("npy round trip of float32 arrays", "[quick][npy]") {
  for (const std::vector<std::size_t>& shape :
       std::vector<std::vector<std::size_t>>{{}, {0}, {5}, {2, 3, 4}}) {
    const std::size_t n = product(shape);
    const auto values = test_values(n, 99 + n);
    // From doubles: each value rounded to float.
    const std::string p1 = scratch("rt32d.npy");
    write_npy(p1, shape, values.data(), true);
    const NpyArray a = read_npy(p1);
    CHECK(a.shape == shape);
    CHECK(a.dtype == "<f4");
    REQUIRE(a.size() == n);
    for (std::size_t i = 0; i < n; ++i)
      CHECK(bits(a.data[i]) == bits(static_cast<double>(static_cast<float>(values[i]))));
    // From floats: exact.
    std::vector<float> fv(n);
    for (std::size_t i = 0; i < n; ++i) fv[i] = static_cast<float>(values[i]) * 0.75f;
    const std::string p2 = scratch("rt32f.npy");
    write_npy(p2, shape, fv.data());
    const NpyArray b = read_npy(p2);
    CHECK(b.shape == shape);
    CHECK(b.dtype == "<f4");
    REQUIRE(b.size() == n);
    for (std::size_t i = 0; i < n; ++i)
      CHECK(std::bit_cast<std::uint32_t>(static_cast<float>(b.data[i])) == std::bit_cast<std::uint32_t>(fv[i]));
  }
}

TEST_CASE("npy written files follow the format byte for byte", "[quick][npy]") {
  struct Case {
    std::vector<std::size_t> shape;
    bool f32;
    std::string shape_text;
  };
  for (const Case& c : {Case{{2, 3}, false, "(2, 3)"}, Case{{5}, false, "(5,)"}, Case{{}, false, "()"},
                        Case{{4, 1, 2}, true, "(4, 1, 2)"}, Case{{0}, true, "(0,)"}}) {
    const std::size_t n = product(c.shape);
    std::vector<double> values(n);
    for (std::size_t i = 0; i < n; ++i) values[i] = 0.1 * static_cast<double>(i) - 1.0 / 3.0;
    const std::string path = scratch("layout.npy");
    write_npy(path, c.shape, values.data(), c.f32);
    const std::string f = read_bytes(path);
    REQUIRE(f.size() >= 10);
    CHECK(f.substr(0, 6) == std::string("\x93NUMPY", 6));
    CHECK(f[6] == 1);  // version 1.0
    CHECK(f[7] == 0);
    const std::size_t hlen = static_cast<unsigned char>(f[8]) + 256u * static_cast<unsigned char>(f[9]);
    CHECK((10 + hlen) % 64 == 0);
    REQUIRE(f.size() >= 10 + hlen);
    const std::string header = f.substr(10, hlen);
    CHECK(header.back() == '\n');
    // Padding is spaces only, and there is less than a full block of it.
    const std::string dict = header.substr(0, header.find_last_not_of(" \n") + 1);
    CHECK(header.find_first_not_of(' ', dict.size()) == hlen - 1);
    CHECK(hlen - dict.size() <= 64);
    // The dict parses back to what was written.
    std::smatch m;
    REQUIRE(std::regex_search(dict, m, std::regex(R"('descr':\s*'([^']*)')")));
    CHECK(m[1] == (c.f32 ? "<f4" : "<f8"));
    REQUIRE(std::regex_search(dict, m, std::regex(R"('fortran_order':\s*(True|False))")));
    CHECK(m[1] == "False");
    REQUIRE(std::regex_search(dict, m, std::regex(R"('shape':\s*(\([^)]*\)))")));
    CHECK(m[1] == c.shape_text);
    CHECK(dict == dict_for(c.f32 ? "<f4" : "<f8", c.shape_text));
    // The data is the little-endian values, nothing after them.
    const std::string data = f.substr(10 + hlen);
    if (c.f32) {
      std::vector<float> fv(values.begin(), values.end());
      CHECK(data == le_bytes(fv));
    } else {
      CHECK(data == le_bytes(values));
    }
  }
}

TEST_CASE("npy writes version 2.0 when the header exceeds 64 KiB", "[quick][npy]") {
  const std::vector<std::size_t> shape(25000, 1);  // "1, " per dimension: about 75 000 header bytes
  const double value = -7.25;
  const std::string path = scratch("v2w.npy");
  write_npy(path, shape, &value);
  const std::string f = read_bytes(path);
  REQUIRE(f.size() > 12);
  CHECK(f[6] == 2);
  CHECK(f[7] == 0);
  std::size_t hlen = 0;
  for (int i = 0; i < 4; ++i) hlen |= static_cast<std::size_t>(static_cast<unsigned char>(f[8 + i])) << (8 * i);
  CHECK(hlen > 0xffff);
  CHECK((12 + hlen) % 64 == 0);
  CHECK(f.size() == 12 + hlen + 8);
  const NpyArray a = read_npy(path);
  CHECK(a.shape == shape);
  REQUIRE(a.size() == 1);
  CHECK(a.data[0] == value);
}

TEST_CASE("npy reads hand-built files of versions 2.0 and 3.0 and old headers", "[quick][npy]") {
  const std::vector<double> v = {1.5, -2.0, 1e-300};
  for (const int major : {2, 3}) {
    const std::string path = scratch("v" + std::to_string(major) + ".npy");
    write_bytes(path, npy_file(dict_for("<f8", "(3,)"), le_bytes(v), major));
    const NpyArray a = read_npy(path);
    CHECK(a.shape == std::vector<std::size_t>{3});
    CHECK(a.data == v);
  }
  // Older writers: 16-byte alignment, reordered keys, double quotes, Python 2 longs.
  const std::string path = scratch("old.npy");
  write_bytes(path, npy_file(R"({"shape": (1L, 3L), "fortran_order": False, "descr": "<f8"})", le_bytes(v), 1, 0, 16));
  const NpyArray a = read_npy(path);
  CHECK(a.shape == std::vector<std::size_t>{1, 3});
  CHECK(a.data == v);
}

TEST_CASE("npy reads Fortran-order arrays in C order", "[quick][npy]") {
  for (const std::vector<std::size_t>& shape :
       std::vector<std::vector<std::size_t>>{{2, 3}, {2, 3, 4}, {3, 1, 2, 2}, {4}, {}, {2, 0, 3}}) {
    const std::size_t n = product(shape), rank = shape.size();
    // The value of element (i0, ..., ik) encodes its index; the file lists
    // elements with i0 varying fastest.
    auto value_of = [](const std::vector<std::size_t>& idx) {
      double v = 0;
      for (auto i : idx) v = 10 * v + static_cast<double>(i);
      return v;
    };
    std::vector<double> f_order(n), expect(n);
    for (std::size_t j = 0; j < n; ++j) {
      std::vector<std::size_t> idx(rank);
      std::size_t rest = j;
      for (std::size_t a = 0; a < rank; ++a) {
        idx[a] = rest % shape[a];
        rest /= shape[a];
      }
      f_order[j] = value_of(idx);
      std::size_t c = 0;  // row-major offset of idx
      for (std::size_t a = 0; a < rank; ++a) c = c * shape[a] + idx[a];
      expect[c] = value_of(idx);
    }
    std::string shape_text = "(";
    for (std::size_t a = 0; a < rank; ++a) shape_text += std::to_string(shape[a]) + (rank == 1 || a + 1 < rank ? "," : "");
    shape_text += ")";
    const std::string path = scratch("fortran.npy");
    write_bytes(path, npy_file(dict_for("<f8", shape_text, true), le_bytes(f_order)));
    const NpyArray a = read_npy(path);
    CHECK(a.shape == shape);
    CHECK(a.data == expect);
  }
}

TEST_CASE("npy reads big-endian floats", "[quick][npy]") {
  const std::vector<double> d = {1.5, -2.25, M_PI, 1e300, -0.0, 5e-324};
  const std::string p8 = scratch("be8.npy");
  write_bytes(p8, npy_file(dict_for(">f8", "(2, 3)"), be_bytes(d)));
  const NpyArray a = read_npy(p8);
  CHECK(a.dtype == ">f8");
  CHECK(a.shape == std::vector<std::size_t>{2, 3});
  REQUIRE(a.size() == d.size());
  for (std::size_t i = 0; i < d.size(); ++i) CHECK(bits(a.data[i]) == bits(d[i]));

  const std::vector<float> f = {1.5f, -2.25f, 3.1415927f, 1e30f};
  const std::string p4 = scratch("be4.npy");
  write_bytes(p4, npy_file(dict_for(">f4", "(4,)"), be_bytes(f)));
  const NpyArray b = read_npy(p4);
  REQUIRE(b.size() == f.size());
  for (std::size_t i = 0; i < f.size(); ++i) CHECK(b.data[i] == static_cast<double>(f[i]));
}

TEST_CASE("npy reads integer and bool dtypes", "[quick][npy]") {
  auto check = [](const std::string& name, const std::string& descr, const std::string& bytes,
                  const std::vector<double>& expect) {
    INFO(descr);
    const std::string path = scratch(name);
    write_bytes(path, npy_file(dict_for(descr, "(" + std::to_string(expect.size()) + ",)"), bytes));
    const NpyArray a = read_npy(path);
    CHECK(a.dtype == descr);
    CHECK(a.shape == std::vector<std::size_t>{expect.size()});
    CHECK(a.data == expect);
  };
  const std::vector<std::int32_t> i4 = {std::numeric_limits<std::int32_t>::min(), -1, 0, 7,
                                        std::numeric_limits<std::int32_t>::max()};
  check("i4.npy", "<i4", le_bytes(i4), std::vector<double>(i4.begin(), i4.end()));
  check("bi4.npy", ">i4", be_bytes(i4), std::vector<double>(i4.begin(), i4.end()));
  const std::vector<std::int64_t> i8 = {-(std::int64_t{1} << 53), -3, std::int64_t{1} << 53,
                                        std::numeric_limits<std::int64_t>::min()};
  check("i8.npy", "<i8", le_bytes(i8), std::vector<double>(i8.begin(), i8.end()));
  const std::vector<std::int16_t> i2 = {-32768, -2, 300, 32767};
  check("i2.npy", ">i2", be_bytes(i2), std::vector<double>(i2.begin(), i2.end()));
  const std::vector<std::uint32_t> u4 = {0, 1, 4000000000u, std::numeric_limits<std::uint32_t>::max()};
  check("u4.npy", "<u4", le_bytes(u4), std::vector<double>(u4.begin(), u4.end()));
  const std::vector<std::uint64_t> u8 = {0, 12345, std::numeric_limits<std::uint64_t>::max()};
  check("u8.npy", "<u8", le_bytes(u8), {0.0, 12345.0, 18446744073709551616.0});

  std::vector<std::uint8_t> u1(256);
  std::vector<std::int8_t> i1(256);
  std::vector<double> u1_expect(256), i1_expect(256);
  for (int k = 0; k < 256; ++k) {
    u1[k] = static_cast<std::uint8_t>(k);
    u1_expect[k] = k;
    i1[k] = static_cast<std::int8_t>(k - 128);
    i1_expect[k] = k - 128;
  }
  check("u1.npy", "|u1", le_bytes(u1), u1_expect);
  check("lu1.npy", "<u1", le_bytes(u1), u1_expect);
  check("i1.npy", "|i1", le_bytes(i1), i1_expect);
  check("li1.npy", "<i1", le_bytes(i1), i1_expect);
  check("b1.npy", "|b1", std::string("\x00\x01\x01\x00\x01", 5), {0, 1, 1, 0, 1});
}

TEST_CASE("npy read errors name the file and the problem", "[quick][errors][npy]") {
  const std::string ok_data = le_bytes(std::vector<double>(6, 1.0));  // 48 bytes: shape (2, 3) of <f8

  SECTION("missing file") {
    const std::string path = scratch("does-not-exist.npy");
    CHECK_THAT(error_of([&] { read_npy(path); }), Contains(path) && Contains("cannot open"));
  }
  SECTION("unreadable: a directory") {
    const std::string path = scratch("a-directory.npy");
    fs::create_directories(path);
    CHECK_THAT(error_of([&] { read_npy(path); }), Contains(path) && Contains("directory"));
  }
  SECTION("bad magic") {
    std::string f = npy_file(dict_for("<f8", "(2, 3)"), ok_data);
    f[5] = 'X';
    CHECK_THAT(read_error("badmagic.npy", f), Contains("badmagic.npy") && Contains("magic"));
    CHECK_THAT(read_error("short.npy", "\x93NU"), Contains("short.npy") && Contains("magic"));
    CHECK_THAT(read_error("empty.npy", ""), Contains("empty.npy") && Contains("magic"));
  }
  SECTION("unsupported version") {
    CHECK_THAT(read_error("v4.npy", npy_file(dict_for("<f8", "(2, 3)"), ok_data, 4, 0)),
               Contains("v4.npy") && Contains("version 4.0"));
    CHECK_THAT(read_error("v11.npy", npy_file(dict_for("<f8", "(2, 3)"), ok_data, 1, 1)),
               Contains("v11.npy") && Contains("version 1.1"));
  }
  SECTION("truncated header") {
    std::string f = npy_file(dict_for("<f8", "(2, 3)"), "");
    CHECK_THAT(read_error("hdr.npy", f.substr(0, 40)), Contains("hdr.npy") && Contains("header"));
    CHECK_THAT(read_error("hdr2.npy", f.substr(0, 9)), Contains("hdr2.npy") && Contains("header length"));
  }
  SECTION("malformed header dict") {
    struct Bad {
      std::string dict, field;
    };
    const std::vector<Bad> bad = {
        {"[1, 2]", "malformed header"},
        {"{'descr': '<f8', 'fortran_order': False, }", "'shape'"},
        {"{'fortran_order': False, 'shape': (2, 3), }", "'descr'"},
        {"{'descr': '<f8', 'shape': (2, 3), }", "'fortran_order'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}", "'extra'"},
        {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}", "duplicate key 'descr'"},
        {"{'descr': '<f8', 'fortran_order': 1, 'shape': (2, 3), }", "'fortran_order' must be True or False"},
        {dict_for("<f8", "(2, -3)"), "bad 'shape' (2, -3)"},
        {dict_for("<f8", "(6)"), "'shape' must be a tuple"},
        {dict_for("<f8", "[2, 3]"), "'shape' must be a tuple"},
        {dict_for("<f8", "('2', 3)"), "bad 'shape'"},
        {dict_for("<f8", "(2, 3.0)"), "'shape': (2, 3.0)"},
        {dict_for("<f8", "(2, 3"), "'shape': (2, 3"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } junk", "after the header dict"},
        {"{'descr': '<f8, 'fortran_order': False, 'shape': (2, 3), }", "malformed header"},
        {"{'descr': '<f8' 'fortran_order': False, 'shape': (2, 3), }", "expected ',' or '}'"},
        {"{descr: '<f8', 'fortran_order': False, 'shape': (2, 3), }", "'descr'"},
    };
    for (std::size_t i = 0; i < bad.size(); ++i) {
      const std::string name = "bad-dict-" + std::to_string(i) + ".npy";
      const std::string msg = read_error(name, npy_file(bad[i].dict, ok_data));
      INFO(bad[i].dict);
      CHECK_THAT(msg, Contains(name) && Contains(bad[i].field));
      CHECK_THAT(msg, !Contains("<no exception>") && !Contains("<not an NpyError>"));
    }
  }
  SECTION("unknown dtype") {
    for (const std::string descr : {"<c16", "<U3", "|O", "<f2", "|f8", "<b2", "<M8[ns]", "f8"}) {
      const std::string name = "dtype-" + std::to_string(std::hash<std::string>{}(descr) % 100000) + ".npy";
      const std::string msg = read_error(name, npy_file(dict_for(descr, "(2, 3)"), ok_data));
      INFO(descr);
      CHECK_THAT(msg, Contains(name) && Contains("'" + descr + "'") && Contains("descr"));
      CHECK_THAT(msg, Contains("'<f8'") && Contains("'<i4'") && Contains("'|b1'"));  // the supported list
    }
    const std::string msg = read_error("structured.npy",
                                       npy_file("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2, 3)}",
                                                ok_data));
    CHECK_THAT(msg, Contains("structured.npy") && Contains("[('a', '<f8')]") && Contains("structured"));
  }
  SECTION("data shorter than the shape implies") {
    const std::string msg = read_error("short-data.npy", npy_file(dict_for("<f8", "(2, 3)"), ok_data.substr(0, 40)));
    CHECK_THAT(msg, Contains("short-data.npy") && Contains("expected 48 bytes") && Contains("found 40"));
    const std::string msg2 = read_error("no-data.npy", npy_file(dict_for("<i4", "()"), ""));
    CHECK_THAT(msg2, Contains("no-data.npy") && Contains("expected 4 bytes") && Contains("found 0"));
  }
  SECTION("trailing garbage") {
    const std::string msg = read_error("trailing.npy", npy_file(dict_for("<f8", "(2, 3)"), ok_data + "extra"));
    CHECK_THAT(msg, Contains("trailing.npy") && Contains("trailing garbage: 5 bytes"));
    const std::string msg2 = read_error("trailing0.npy", npy_file(dict_for("<f8", "(0,)"), "x"));
    CHECK_THAT(msg2, Contains("trailing0.npy") && Contains("trailing garbage: 1 bytes"));
  }
  SECTION("shape overflow") {
    CHECK_THAT(read_error("ovf1.npy", npy_file(dict_for("<f8", "(4294967296, 4294967296)"), ok_data)),
               Contains("ovf1.npy") && Contains("'shape'") && Contains("overflows"));
    // 2^61 elements fit size_t but 2^61 * 8 bytes do not.
    CHECK_THAT(read_error("ovf2.npy", npy_file(dict_for("<f8", "(2305843009213693952,)"), ok_data)),
               Contains("ovf2.npy") && Contains("'shape'") && Contains("overflows"));
    CHECK_THAT(read_error("ovf3.npy", npy_file(dict_for("<f8", "(99999999999999999999999,)"), ok_data)),
               Contains("ovf3.npy") && Contains("'shape' (99999999999999999999999,)") && Contains("overflows"));
    // Large but not overflowing: reported as too little data, without allocating it.
    CHECK_THAT(read_error("big.npy", npy_file(dict_for("<f8", "(1000000000000,)"), ok_data)),
               Contains("big.npy") && Contains("expected 8000000000000 bytes") && Contains("found 48"));
  }
}

TEST_CASE("npy writes are atomic and report failures", "[quick][npy][report]") {
  const std::vector<double> v = {1, 2, 3, 4, 5, 6};

  SECTION("missing directory") {
    const std::string path = scratch("no-such-dir/out.npy");
    CHECK_THAT(error_of([&] { write_npy(path, {2, 3}, v.data()); }), Contains(path) && Contains("cannot write"));
    CHECK_FALSE(fs::exists(scratch("no-such-dir")));
  }
  SECTION("target is a directory: no leftovers") {
    const fs::path parent = scratch_dir() / "atomic1";
    fs::create_directories(parent / "target.npy");
    const std::string path = (parent / "target.npy").string();
    CHECK_THAT(error_of([&] { write_npy(path, {2, 3}, v.data()); }), Contains(path) && Contains("cannot write"));
    CHECK(fs::is_directory(path));
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(parent)) ++entries;
    CHECK(entries == 1);  // the temporary file was removed
  }
  SECTION("a failed write leaves the old file intact") {
    const fs::path parent = scratch_dir() / "atomic2";
    fs::create_directories(parent);
    const std::string path = (parent / "keep.npy").string();
    write_npy(path, {2, 3}, v.data());
    const std::string before = read_bytes(path);
    const std::size_t big = std::size_t{1} << 62;
    CHECK_THAT(error_of([&] { write_npy(path, {big, 4}, v.data()); }), Contains(path) && Contains("shape"));
    CHECK_THAT(error_of([&] { write_npy(path, {big}, v.data()); }), Contains(path) && Contains("shape"));
    CHECK_THAT(error_of([&] { write_npy(path, {2, 3}, static_cast<const double*>(nullptr)); }),
               Contains(path) && Contains("null"));
    CHECK(read_bytes(path) == before);
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(parent)) ++entries;
    CHECK(entries == 1);
    // A successful write replaces it completely.
    const std::vector<double> w = {9, 8};
    write_npy(path, {2}, w.data());
    const NpyArray a = read_npy(path);
    CHECK(a.shape == std::vector<std::size_t>{2});
    CHECK(a.data == w);
    entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(parent)) ++entries;
    CHECK(entries == 1);
  }
  SECTION("a relative path in the current directory") {
    const fs::path old = fs::current_path();
    fs::current_path(scratch_dir());
    const std::string msg = error_of([&] {
      write_npy("relative.npy", {6}, v.data());
      if (read_npy("relative.npy").data != v) throw std::runtime_error("wrong data");
    });
    fs::current_path(old);
    CHECK(msg == "<no exception>");
  }
}

TEST_CASE("npy agrees with NumPy in both directions", "[quick][npy]") {
  if (!python_numpy_available()) {
    WARN("python3 with numpy is not installed: the NumPy cross-check is skipped");
    return;
  }
  const fs::path dir = scratch_dir() / "numpy";
  fs::create_directories(dir);
  const std::string d = dir.string();
  // Reference values: v(k) = k / 4 - 3 over a (2, 3, 4) array, exact in float32 and float64.
  std::vector<double> ref(24);
  for (std::size_t k = 0; k < 24; ++k) ref[k] = static_cast<double>(k) / 4 - 3;

  // NumPy writes, we read.
  const std::string save_script = d + "/save.py";
  {
    std::ofstream py(save_script);
    py << "import sys\nimport numpy as np\nd = sys.argv[1]\n"
          "a = (np.arange(24) / 4 - 3).reshape(2, 3, 4)\n"
          "np.save(d + '/np_f8.npy', a)\n"
          "np.save(d + '/np_f4.npy', a.astype('<f4'))\n"
          "np.save(d + '/np_fortran.npy', np.asfortranarray(a))\n"
          "np.save(d + '/np_be.npy', a.astype('>f8'))\n"
          "np.save(d + '/np_i4.npy', np.arange(-12, 12, dtype='<i4').reshape(4, 6))\n"
          "np.save(d + '/np_u1.npy', np.arange(256, dtype='|u1'))\n"
          "np.save(d + '/np_b1.npy', np.array([True, False, True]))\n"
          "np.save(d + '/np_0d.npy', np.float64(2.5))\n"
          "np.save(d + '/np_empty.npy', np.zeros((0, 3)))\n";
  }
  REQUIRE(std::system(("python3 " + save_script + " " + d).c_str()) == 0);
  const std::vector<std::size_t> s234 = {2, 3, 4};
  for (const char* name : {"np_f8.npy", "np_f4.npy", "np_fortran.npy", "np_be.npy"}) {
    INFO(name);
    const NpyArray a = read_npy(d + "/" + name);
    CHECK(a.shape == s234);
    CHECK(a.data == ref);
  }
  CHECK(read_npy(d + "/np_fortran.npy").dtype == "<f8");
  CHECK(read_npy(d + "/np_be.npy").dtype == ">f8");
  const NpyArray i4 = read_npy(d + "/np_i4.npy");
  CHECK(i4.shape == std::vector<std::size_t>{4, 6});
  for (std::size_t k = 0; k < 24; ++k) CHECK(i4.data[k] == static_cast<double>(k) - 12);
  const NpyArray u1 = read_npy(d + "/np_u1.npy");
  REQUIRE(u1.size() == 256);
  for (std::size_t k = 0; k < 256; ++k) CHECK(u1.data[k] == static_cast<double>(k));
  CHECK(read_npy(d + "/np_b1.npy").data == std::vector<double>{1, 0, 1});
  const NpyArray zero_d = read_npy(d + "/np_0d.npy");
  CHECK(zero_d.shape.empty());
  CHECK(zero_d.data == std::vector<double>{2.5});
  const NpyArray empty = read_npy(d + "/np_empty.npy");
  CHECK(empty.shape == std::vector<std::size_t>{0, 3});
  CHECK(empty.size() == 0);

  // We write, NumPy reads (the script exits non-zero on any mismatch).
  write_npy(d + "/our_f8.npy", s234, ref.data());
  write_npy(d + "/our_f4.npy", s234, ref.data(), true);
  const std::vector<float> ref_f(ref.begin(), ref.end());
  write_npy(d + "/our_f4f.npy", s234, ref_f.data());
  const double scalar = 2.5;
  write_npy(d + "/our_0d.npy", {}, &scalar);
  write_npy(d + "/our_empty.npy", {0, 3}, ref.data());
  write_npy(d + "/our_1d.npy", {5}, ref.data());
  const std::string load_script = d + "/load.py";
  {
    std::ofstream py(load_script);
    py << "import sys\nimport numpy as np\nd = sys.argv[1]\n"
          "a = (np.arange(24) / 4 - 3).reshape(2, 3, 4)\n"
          "def check(name, expect, dtype):\n"
          "    b = np.load(d + '/' + name)\n"
          "    ok = b.dtype == np.dtype(dtype) and b.shape == expect.shape and np.array_equal(b, expect)\n"
          "    if not ok: print('mismatch in', name, b.dtype, b.shape); sys.exit(1)\n"
          "check('our_f8.npy', a, '<f8')\n"
          "check('our_f4.npy', a.astype('<f4'), '<f4')\n"
          "check('our_f4f.npy', a.astype('<f4'), '<f4')\n"
          "check('our_0d.npy', np.array(2.5), '<f8')\n"
          "check('our_empty.npy', np.zeros((0, 3)), '<f8')\n"
          "check('our_1d.npy', a.reshape(-1)[:5], '<f8')\n";
  }
  CHECK(std::system(("python3 " + load_script + " " + d).c_str()) == 0);
}
