// NumPy .npy reading and writing (npy.hpp explains the format and why the
// code is correct). Bytes are decoded and encoded with explicit shifts, so the
// host's byte order never matters; file access is POSIX (fstat to learn the
// size before anything is allocated; writes go through io::AtomicFile, a
// temporary file + fsync + rename).
#include "experiment/npy.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <array>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <string_view>

#include "numeric/output.hpp"

namespace parallax::experiment {
namespace {

constexpr std::string_view kMagic{"\x93NUMPY", 6};
constexpr std::size_t kAlign = 64;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw NpyError(fmt::format("{}: {}", path, what));
}

std::string errno_text(int err) { return std::strerror(err); }

// Printable form of arbitrary bytes (for messages): ASCII as is, the rest as
// \xNN; cut after `limit` bytes.
std::string printable(std::string_view s, std::size_t limit = 200) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (s.size() > limit) out += "...";
  return out;
}

// The header text for messages, without its padding.
std::string header_text(std::string_view header) {
  const std::size_t end = header.find_last_not_of(" \t\r\n");
  return printable(header.substr(0, end == std::string_view::npos ? 0 : end + 1));
}

// ---------------------------------------------------------------------------
// Header dict: a recursive-descent parser for the Python literals used in
// .npy headers.

struct PyValue {
  enum class Kind { Str, Bool, Int, None, Tuple, List, Dict } kind = Kind::None;
  std::string str;             // Str
  bool flag = false;           // Bool
  bool negative = false;       // Int: sign
  bool too_large = false;      // Int: magnitude does not fit uint64
  std::uint64_t magnitude = 0; // Int
  std::string digits;          // Int: as written (for messages)
  std::vector<PyValue> items;  // Tuple, List; Dict: key, value, key, value, ...
};

std::string repr(const PyValue& v) {
  switch (v.kind) {
    case PyValue::Kind::Str: return "'" + printable(v.str, 60) + "'";
    case PyValue::Kind::Bool: return v.flag ? "True" : "False";
    case PyValue::Kind::None: return "None";
    case PyValue::Kind::Int:
      return (v.negative ? "-" : "") + printable(v.digits, 40);
    case PyValue::Kind::Tuple:
    case PyValue::Kind::List:
    case PyValue::Kind::Dict: {
      const bool tuple = v.kind == PyValue::Kind::Tuple, dict = v.kind == PyValue::Kind::Dict;
      std::string out = tuple ? "(" : dict ? "{" : "[";
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        if (i > 0) out += dict && i % 2 == 1 ? ": " : ", ";
        out += repr(v.items[i]);
      }
      if (tuple && v.items.size() == 1) out += ",";
      out += tuple ? ")" : dict ? "}" : "]";
      return out;
    }
  }
  return "?";
}

struct ParseError {
  std::string what;
  std::size_t offset;
};

class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : s_(text) {}

  // The whole header: one dict, then only whitespace.
  PyValue parse_header() {
    skip_ws();
    if (peek() != '{') error("expected '{' at the start of the header dict");
    PyValue v = value(0);
    skip_ws();
    if (pos_ != s_.size()) error("unexpected text after the header dict");
    return v;
  }

 private:
  static constexpr int kMaxDepth = 32;
  std::string_view s_;
  std::size_t pos_ = 0;

  [[noreturn]] void error(const std::string& what) const { throw ParseError{what, pos_}; }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool at_end() const { return pos_ >= s_.size(); }
  void skip_ws() {
    while (!at_end() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  void expect(char c) {
    skip_ws();
    if (peek() != c) error(fmt::format("expected '{}'", c));
    ++pos_;
  }

  PyValue value(int depth) {
    if (depth > kMaxDepth) error("nesting too deep");
    skip_ws();
    if (at_end()) error("unexpected end of the header");
    const char c = peek();
    if (c == '\'' || c == '"') return string_value();
    if (c == '(') return sequence(depth, '(', ')', PyValue::Kind::Tuple);
    if (c == '[') return sequence(depth, '[', ']', PyValue::Kind::List);
    if (c == '{') return dict(depth);
    if (c == '-' || c == '+' || (c >= '0' && c <= '9')) return integer();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return keyword();
    error(fmt::format("unexpected character '{}'", printable(std::string_view(&s_[pos_], 1))));
  }

  PyValue string_value() {
    const char quote = s_[pos_++];
    PyValue v;
    v.kind = PyValue::Kind::Str;
    while (true) {
      if (at_end() || s_[pos_] == '\n') error("unterminated string");
      const char c = s_[pos_++];
      if (c == quote) break;
      if (c == '\\') {
        if (at_end()) error("unterminated string");
        v.str += s_[pos_++];  // simple escapes only: the escaped character itself
      } else {
        v.str += c;
      }
    }
    return v;
  }

  PyValue integer() {
    PyValue v;
    v.kind = PyValue::Kind::Int;
    if (peek() == '-' || peek() == '+') v.negative = s_[pos_++] == '-';
    if (!(peek() >= '0' && peek() <= '9')) error("expected digits");
    while (peek() >= '0' && peek() <= '9') {
      v.digits += s_[pos_];
      const auto d = static_cast<std::uint64_t>(s_[pos_++] - '0');
      if (v.magnitude > (std::numeric_limits<std::uint64_t>::max() - d) / 10) v.too_large = true;
      if (!v.too_large) v.magnitude = v.magnitude * 10 + d;
    }
    if (peek() == 'L' || peek() == 'l') ++pos_;  // Python 2 long suffix, in old files
    if (peek() == '.' || peek() == 'e' || peek() == 'E' || peek() == 'x' || peek() == '_')
      error("only plain decimal integers are allowed");
    return v;
  }

  PyValue keyword() {
    const std::size_t start = pos_;
    while (!at_end() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    const std::string_view word = s_.substr(start, pos_ - start);
    PyValue v;
    if (word == "True" || word == "False") {
      v.kind = PyValue::Kind::Bool;
      v.flag = word == "True";
    } else if (word == "None") {
      v.kind = PyValue::Kind::None;
    } else {
      pos_ = start;
      error(fmt::format("unexpected name '{}'", printable(word, 40)));
    }
    return v;
  }

  // '(' and '[': Python semantics, so "(3)" is the integer 3, "(3,)" a tuple.
  PyValue sequence(int depth, char open, char close, PyValue::Kind kind) {
    ++pos_;  // open
    PyValue v;
    v.kind = kind;
    skip_ws();
    if (peek() == close) {
      ++pos_;
      return v;
    }
    bool comma_seen = false;
    while (true) {
      v.items.push_back(value(depth + 1));
      skip_ws();
      if (peek() == close) {
        ++pos_;
        break;
      }
      if (peek() != ',') error(fmt::format("expected ',' or '{}'", close));
      ++pos_;
      comma_seen = true;
      skip_ws();
      if (peek() == close) {
        ++pos_;
        break;
      }
    }
    if (open == '(' && v.items.size() == 1 && !comma_seen) return std::move(v.items[0]);
    return v;
  }

  PyValue dict(int depth) {
    ++pos_;  // '{'
    PyValue v;
    v.kind = PyValue::Kind::Dict;
    skip_ws();
    if (peek() == '}') {
      ++pos_;
      return v;
    }
    while (true) {
      skip_ws();
      const std::size_t key_pos = pos_;
      PyValue key = value(depth + 1);
      if (key.kind != PyValue::Kind::Str) {
        pos_ = key_pos;
        error("dict keys must be strings");
      }
      expect(':');
      v.items.push_back(std::move(key));
      v.items.push_back(value(depth + 1));
      skip_ws();
      if (peek() == '}') {
        ++pos_;
        break;
      }
      if (peek() != ',') error("expected ',' or '}'");
      ++pos_;
      skip_ws();
      if (peek() == '}') {
        ++pos_;
        break;
      }
    }
    return v;
  }
};

// ---------------------------------------------------------------------------
// Dtypes.

struct Dtype {
  char kind = 'f';     // 'f' float, 'i' signed, 'u' unsigned, 'b' bool
  std::size_t size = 8;
  bool big = false;    // big-endian bytes
};

// Parses a descr such as "<f8"; false when unsupported.
bool parse_dtype(std::string_view d, Dtype& out) {
  if (d.size() != 3) return false;
  const char order = d[0], kind = d[1], digit = d[2];
  if (order != '<' && order != '>' && order != '|') return false;
  if (digit < '1' || digit > '9') return false;
  const auto size = static_cast<std::size_t>(digit - '0');
  bool ok = false;
  switch (kind) {
    case 'f': ok = size == 4 || size == 8; break;
    case 'i':
    case 'u': ok = size == 1 || size == 2 || size == 4 || size == 8; break;
    case 'b': ok = size == 1; break;
    default: ok = false;
  }
  if (!ok) return false;
  if (order == '|' && size != 1) return false;  // '|' means "no byte order": one-byte types only
  out = Dtype{kind, size, order == '>'};
  return true;
}

std::uint64_t load_uint(const unsigned char* p, std::size_t size, bool big) {
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const std::size_t byte = big ? i : size - 1 - i;  // most significant first
    u = (u << 8) | p[byte];
  }
  return u;
}

void store_le(unsigned char* p, std::uint64_t u, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<unsigned char>(u >> (8 * i));
}

using Decoder = double (*)(const unsigned char*);

template <char Kind, std::size_t Size, bool Big>
double decode(const unsigned char* p) {
  const std::uint64_t u = load_uint(p, Size, Big);
  if constexpr (Kind == 'f') {
    if constexpr (Size == 4) {
      return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(u)));
    } else {
      return std::bit_cast<double>(u);
    }
  } else if constexpr (Kind == 'i') {
    constexpr unsigned shift = 64 - 8 * Size;  // sign-extend from Size bytes
    return static_cast<double>(static_cast<std::int64_t>(u << shift) >> shift);
  } else if constexpr (Kind == 'u') {
    return static_cast<double>(u);
  } else {
    return u != 0 ? 1.0 : 0.0;
  }
}

template <char Kind, std::size_t Size>
Decoder pick(bool big) {
  return big ? &decode<Kind, Size, true> : &decode<Kind, Size, false>;
}

Decoder decoder_for(const Dtype& t) {
  switch (t.kind) {
    case 'f': return t.size == 4 ? pick<'f', 4>(t.big) : pick<'f', 8>(t.big);
    case 'i':
      switch (t.size) {
        case 1: return pick<'i', 1>(t.big);
        case 2: return pick<'i', 2>(t.big);
        case 4: return pick<'i', 4>(t.big);
        default: return pick<'i', 8>(t.big);
      }
    case 'u':
      switch (t.size) {
        case 1: return pick<'u', 1>(t.big);
        case 2: return pick<'u', 2>(t.big);
        case 4: return pick<'u', 4>(t.big);
        default: return pick<'u', 8>(t.big);
      }
    default: return pick<'b', 1>(t.big);
  }
}

// ---------------------------------------------------------------------------
// Shapes.

std::string shape_repr(const std::vector<std::size_t>& shape) {
  if (shape.empty()) return "()";
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

// Element count; false on overflow. Any zero dimension makes the count 0
// (no overflow is reported then, whatever the other dimensions).
bool element_count(const std::vector<std::size_t>& shape, std::size_t& count) {
  for (const std::size_t d : shape) {
    if (d == 0) {
      count = 0;
      return true;
    }
  }
  std::size_t n = 1;
  for (const std::size_t d : shape) {
    if (n > std::numeric_limits<std::size_t>::max() / d) return false;
    n *= d;
  }
  count = n;
  return true;
}

// ---------------------------------------------------------------------------
// Files.

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Reads exactly n bytes, or throws (read error, or the file shrank while read).
void read_exact(std::FILE* f, const std::string& path, unsigned char* buf, std::size_t n, const char* what) {
  const std::size_t got = std::fread(buf, 1, n, f);
  if (got == n) return;
  if (std::ferror(f)) fail(path, fmt::format("cannot read {}: {}", what, errno_text(errno)));
  fail(path, fmt::format("file ended while reading {} ({} of {} bytes)", what, got, n));
}

// Writes header + data (encoded by `encode(first, count, out)`, which stores
// `count` elements starting at index `first` into `out`) atomically and
// durably, through io::AtomicFile (numeric/output.hpp: a temporary file in
// the target's folder, fsync, rename; a device such as /dev/full is written
// in place, never replaced). Every failure is an NpyError naming the file.
template <class Encode>
void write_atomic(const std::string& path, const std::string& header, std::size_t count, std::size_t item,
                  Encode encode) {
  if (path.empty()) throw NpyError("write_npy: empty file name");
  try {
    io::AtomicFile file(path, io::WriteOptions{.sync = true});
    file.write(header);
    constexpr std::size_t kChunk = 1 << 16;  // elements per write
    std::vector<unsigned char> buf(std::min(count, kChunk) * item);
    for (std::size_t first = 0; first < count; first += kChunk) {
      const std::size_t n = std::min(kChunk, count - first);
      encode(first, n, buf.data());
      file.write(std::string_view(reinterpret_cast<const char*>(buf.data()), n * item));
    }
    file.commit();
  } catch (const io::WriteError& e) {
    throw NpyError(e.what());
  }
}

// The complete header (magic, version, length, dict, padding, '\n') for a
// C-order array; version 1.0 unless its length does not fit 16 bits.
std::string make_header(const std::string& descr, const std::vector<std::size_t>& shape) {
  const std::string dict =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, shape_repr(shape));
  for (const int major : {1, 2}) {
    const std::size_t prefix = kMagic.size() + 2 + (major == 1 ? 2 : 4);
    const std::size_t unpadded = prefix + dict.size() + 1;  // + '\n'
    const std::size_t total = (unpadded + kAlign - 1) / kAlign * kAlign;
    const std::size_t len = total - prefix;
    if (major == 1 && len > 0xffff) continue;
    std::string h(kMagic);
    h += static_cast<char>(major);
    h += '\0';
    unsigned char lenbytes[4];
    store_le(lenbytes, len, major == 1 ? 2 : 4);
    h.append(reinterpret_cast<const char*>(lenbytes), major == 1 ? 2 : 4);
    h += dict;
    h.append(total - unpadded, ' ');
    h += '\n';
    return h;
  }
  throw NpyError("unreachable");  // version 2.0 always fits (dict length << 4 GiB)
}

template <class T>
void write_impl(const std::string& path, const std::vector<std::size_t>& shape, const T* data, bool f32) {
  std::size_t count = 0;
  const std::size_t item = f32 ? 4 : 8;
  if (!element_count(shape, count) || count > std::numeric_limits<std::size_t>::max() / item)
    fail(path, fmt::format("cannot write: shape {} has too many elements (the byte size overflows size_t)",
                           shape_repr(shape)));
  if (count > 0 && data == nullptr) fail(path, "cannot write: data is a null pointer");
  const std::string header = make_header(f32 ? "<f4" : "<f8", shape);
  write_atomic(path, header, count, item, [&](std::size_t first, std::size_t n, unsigned char* out) {
    for (std::size_t i = 0; i < n; ++i) {
      const T x = data[first + i];
      if (f32) {
        store_le(out + 4 * i, std::bit_cast<std::uint32_t>(static_cast<float>(x)), 4);
      } else {
        store_le(out + 8 * i, std::bit_cast<std::uint64_t>(static_cast<double>(x)), 8);
      }
    }
  });
}

}  // namespace

std::string npy_supported_dtypes() {
  return "'<f4', '<f8', '>f4', '>f8' (float32/float64); "
         "'<i1', '<i2', '<i4', '<i8', '<u1', '<u2', '<u4', '<u8' and the same with '>' (integers; "
         "'|i1' and '|u1' too); '|b1' (bool)";
}

NpyArray read_npy(const std::string& path) {
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) fail(path, fmt::format("cannot open: {}", errno_text(errno)));
  std::FILE* f = file.get();

  struct stat st {};
  if (::fstat(::fileno(f), &st) != 0) fail(path, fmt::format("cannot read: {}", errno_text(errno)));
  if (S_ISDIR(st.st_mode)) fail(path, "cannot read: is a directory");
  if (!S_ISREG(st.st_mode)) fail(path, "cannot read: not a regular file");
  const auto file_size = static_cast<std::uint64_t>(st.st_size);

  // Magic string and version.
  std::array<unsigned char, 8> pre{};
  const std::size_t got = std::fread(pre.data(), 1, std::min<std::uint64_t>(file_size, 8), f);
  if (std::ferror(f)) fail(path, fmt::format("cannot read: {}", errno_text(errno)));
  const std::string_view magic(reinterpret_cast<const char*>(pre.data()), std::min<std::size_t>(got, 6));
  if (magic != kMagic)
    fail(path, fmt::format("not a .npy file: bad magic string (expected \\x93NUMPY, found '{}')", printable(magic)));
  if (got < 8) fail(path, "truncated: the file ends inside the format version");
  const int major = pre[6], minor = pre[7];
  if (!((major == 1 || major == 2 || major == 3) && minor == 0))
    fail(path, fmt::format("unsupported .npy format version {}.{} (supported: 1.0, 2.0, 3.0)", major, minor));

  // Header length and header.
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  if (file_size < 8 + len_bytes) fail(path, "truncated: the file ends inside the header length");
  unsigned char lenbuf[4] = {0, 0, 0, 0};
  read_exact(f, path, lenbuf, len_bytes, "the header length");
  const std::uint64_t header_len = load_uint(lenbuf, len_bytes, false);
  const std::uint64_t data_offset = 8 + len_bytes + header_len;
  if (data_offset > file_size)
    fail(path, fmt::format("truncated header: the header length field says {} bytes but only {} follow", header_len,
                           file_size - 8 - len_bytes));
  std::string header(static_cast<std::size_t>(header_len), '\0');
  read_exact(f, path, reinterpret_cast<unsigned char*>(header.data()), header.size(), "the header");

  PyValue dict;
  try {
    dict = HeaderParser(header).parse_header();
  } catch (const ParseError& e) {
    fail(path, fmt::format("malformed header dict ({} at offset {}): {}", e.what, e.offset, header_text(header)));
  }

  // Keys: exactly descr, fortran_order, shape.
  const PyValue *descr = nullptr, *fortran = nullptr, *shape_v = nullptr;
  for (std::size_t i = 0; i < dict.items.size(); i += 2) {
    const std::string& key = dict.items[i].str;
    const PyValue** slot = key == "descr" ? &descr : key == "fortran_order" ? &fortran : key == "shape" ? &shape_v : nullptr;
    if (slot == nullptr)
      fail(path, fmt::format("malformed header dict: unexpected key '{}' (expected exactly 'descr', "
                             "'fortran_order', 'shape')",
                             printable(key, 60)));
    if (*slot != nullptr) fail(path, fmt::format("malformed header dict: duplicate key '{}'", key));
    *slot = &dict.items[i + 1];
  }
  for (const auto& [ptr, key] : {std::pair{descr, "descr"}, std::pair{fortran, "fortran_order"},
                                  std::pair{shape_v, "shape"}})
    if (ptr == nullptr) fail(path, fmt::format("malformed header dict: missing key '{}': {}", key, header_text(header)));

  // descr
  if (descr->kind != PyValue::Kind::Str)
    fail(path, fmt::format("unsupported dtype in 'descr': {} (structured dtypes are not supported; supported: {})",
                           printable(repr(*descr), 120), npy_supported_dtypes()));
  Dtype type;
  if (!parse_dtype(descr->str, type))
    fail(path, fmt::format("unsupported dtype '{}' in 'descr' (supported: {})", printable(descr->str, 60),
                           npy_supported_dtypes()));

  // fortran_order
  if (fortran->kind != PyValue::Kind::Bool)
    fail(path, fmt::format("malformed header dict: 'fortran_order' must be True or False, found {}", repr(*fortran)));

  // shape
  if (shape_v->kind != PyValue::Kind::Tuple)
    fail(path, fmt::format("malformed header dict: 'shape' must be a tuple of non-negative integers, found {}",
                           printable(repr(*shape_v), 120)));
  NpyArray out;
  for (const PyValue& d : shape_v->items) {
    if (d.kind != PyValue::Kind::Int || d.negative)
      fail(path, fmt::format("malformed header dict: bad 'shape' {}: dimensions must be non-negative integers",
                             printable(repr(*shape_v), 120)));
    if (d.too_large || d.magnitude > std::numeric_limits<std::size_t>::max())
      fail(path, fmt::format("'shape' {} overflows: a dimension does not fit size_t", printable(repr(*shape_v), 120)));
    out.shape.push_back(static_cast<std::size_t>(d.magnitude));
  }
  std::size_t count = 0;
  if (!element_count(out.shape, count) || count > std::numeric_limits<std::size_t>::max() / type.size)
    fail(path, fmt::format("'shape' {} overflows: the number of bytes does not fit size_t", shape_repr(out.shape)));
  const std::size_t bytes = count * type.size;

  // Data size: exactly what the shape implies.
  const std::uint64_t available = file_size - data_offset;
  if (available < bytes)
    fail(path, fmt::format("data truncated: expected {} bytes of data for 'shape' {} of '{}', found {}", bytes,
                           shape_repr(out.shape), descr->str, available));
  if (available > bytes)
    fail(path, fmt::format("trailing garbage: {} bytes after the {} bytes of data that 'shape' {} of '{}' implies",
                           available - bytes, bytes, shape_repr(out.shape), descr->str));

  std::vector<unsigned char> raw(bytes);
  read_exact(f, path, raw.data(), bytes, "the data");

  out.dtype = descr->str;
  out.data.resize(count);
  const Decoder dec = decoder_for(type);
  const std::size_t rank = out.shape.size();
  if (!fortran->flag || rank <= 1 || count == 0) {
    for (std::size_t i = 0; i < count; ++i) out.data[i] = dec(raw.data() + i * type.size);
  } else {
    // The file lists elements with the first index varying fastest; walk
    // that order with an odometer and store each at its row-major offset.
    std::vector<std::size_t> stride(rank), idx(rank, 0);
    stride[rank - 1] = 1;
    for (std::size_t a = rank - 1; a > 0; --a) stride[a - 1] = stride[a] * out.shape[a];
    std::size_t c = 0;
    for (std::size_t j = 0; j < count; ++j) {
      out.data[c] = dec(raw.data() + j * type.size);
      std::size_t a = 0;
      ++idx[0];
      c += stride[0];
      while (idx[a] == out.shape[a] && a + 1 < rank) {
        c -= out.shape[a] * stride[a];
        idx[a] = 0;
        ++a;
        ++idx[a];
        c += stride[a];
      }
    }
  }
  return out;
}

void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const double* data, bool as_float32) {
  write_impl(path, shape, data, as_float32);
}

void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const float* data) {
  write_impl(path, shape, data, true);
}

}  // namespace parallax::experiment
