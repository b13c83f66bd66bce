// Where the values of a JSON document are: the line of every JSON pointer.
#include "models/json_positions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <vector>

#include "numeric/limits.hpp"

namespace parallax::models {

std::optional<std::string> read_text_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return std::nullopt;
  const auto too_long = [&](std::uint64_t bytes) {
    return limits::LimitError(fmt::format("{}: the file is {}, above the limit of {} for a text input (docs/limits.md)",
                                          path, limits::bytes_text(bytes), limits::bytes_text(limits::kMaxTextFileBytes)));
  };
  if (S_ISREG(st.st_mode) && std::uint64_t(st.st_size) > limits::kMaxTextFileBytes) throw too_long(std::uint64_t(st.st_size));
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, std::size_t(in.gcount()));
    if (text.size() > limits::kMaxTextFileBytes) throw too_long(text.size());
  }
  return text;
}

void check_json_limits(const std::string& text, const std::string& source) {
  // One pass before the parser: nesting depth (nlohmann's copy, comparison and
  // dump recurse) and numbers a double cannot hold (nlohmann throws an
  // exception without a position for them).
  std::size_t line = 1, col = 0;
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    ++col;
    if (ch == '\n') {
      ++line, col = 0;
      continue;
    }
    if (in_string) {
      if (ch == '\\') ++i, ++col;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > limits::kMaxJsonDepth)
        throw JsonInputError(fmt::format("{}:{}:{}: JSON nested deeper than {} levels (docs/limits.md)", source, line, col,
                                         limits::kMaxJsonDepth));
    } else if (ch == ']' || ch == '}') {
      --depth;
    } else if (ch == '-' || std::isdigit(static_cast<unsigned char>(ch))) {
      std::size_t end = i;
      bool fractional = false;
      while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '-' ||
                                   text[end] == '+' || text[end] == '.' || text[end] == 'e' || text[end] == 'E')) {
        fractional = fractional || text[end] == '.' || text[end] == 'e' || text[end] == 'E';
        ++end;
      }
      const std::string number = text.substr(i, end - i);
      if (fractional || number.size() > 20) {
        const double v = std::strtod(number.c_str(), nullptr);
        if (std::isinf(v))
          throw JsonInputError(fmt::format("{}:{}:{}: the number {} is out of range (beyond ±1.8e308, the range of a double; "
                                           "write an exact value as a string, e.g. \"1/3\")",
                                           source, line, col, number.size() > 40 ? number.substr(0, 40) + "…" : number));
      }
      col += end - i - 1;
      i = end - 1;
    }
  }
}

nlohmann::json parse_json(const std::string& text, const std::string& source) {
  check_json_limits(text, source);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw JsonInputError(json_syntax_message(source, text, e.byte, e.what()));
  } catch (const nlohmann::json::exception& e) {
    throw JsonInputError(fmt::format("{}: malformed JSON: {}", source, e.what()));
  }
}

std::string json_pointer_token(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '~') r += "~0";
    else if (c == '/') r += "~1";
    else r += c;
  }
  return r;
}

std::map<std::string, int> json_value_lines(const std::string& text) {
  struct Frame {
    bool object;
    std::size_t index;
    std::string key;
  };
  std::vector<Frame> stack;
  std::map<std::string, int> lines;
  int line = 1;
  bool expect_key = false;
  auto path = [&] {
    std::string p;
    for (const auto& f : stack) {
      p += '/';
      p += f.object ? json_pointer_token(f.key) : std::to_string(f.index);
    }
    return p;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '\n') {
      ++line;
    } else if (std::isspace(static_cast<unsigned char>(ch)) || ch == ':') {
    } else if (ch == ',') {
      if (!stack.empty()) {
        if (stack.back().object) expect_key = true;
        else ++stack.back().index;
      }
    } else if (ch == '}' || ch == ']') {
      if (!stack.empty()) stack.pop_back();
      expect_key = false;
    } else if (ch == '"') {
      std::string s;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        s += text[i];
      }
      if (!stack.empty() && stack.back().object && expect_key) {
        stack.back().key = s;
        expect_key = false;
      } else {
        lines.emplace(path(), line);
      }
    } else {
      lines.emplace(path(), line);
      if (ch == '{') {
        stack.push_back({true, 0, ""});
        expect_key = true;
      } else if (ch == '[') {
        stack.push_back({false, 0, ""});
      } else {
        while (i + 1 < text.size() && !std::isspace(static_cast<unsigned char>(text[i + 1])) && text[i + 1] != ',' &&
               text[i + 1] != '}' && text[i + 1] != ']')
          ++i;
      }
    }
  }
  return lines;
}

}  // namespace parallax::models

namespace parallax::models {

int json_line_of(const std::map<std::string, int>& lines, std::string p) {
  while (true) {
    if (auto it = lines.find(p); it != lines.end()) return it->second;
    if (p.empty()) return 0;
    p.erase(p.rfind('/'));
  }
}

std::string json_field_message(const std::string& source, const std::map<std::string, int>& lines,
                               const std::string& ptr, const std::string& msg) {
  const int line = json_line_of(lines, ptr);
  const std::string field = ptr.empty() ? "the document" : "field " + ptr;
  if (line > 0) return fmt::format("{}:{}: {}: {}", source, line, field, msg);
  return fmt::format("{}: {}: {}", source, field, msg);
}

std::string json_syntax_message(const std::string& source, const std::string& text, std::size_t byte,
                                const std::string& what) {
  const std::size_t upto = std::min<std::size_t>(byte == 0 ? 0 : byte - 1, text.size());
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < upto; ++i) {
    if (text[i] == '\n') ++line, col = 1;
    else ++col;
  }
  std::string why = what;
  if (auto pos = why.find("syntax error"); pos != std::string::npos) why = why.substr(pos);
  return fmt::format("{}:{}:{}: malformed JSON: {}", source, line, col, why);
}

}  // namespace parallax::models
