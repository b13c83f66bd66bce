#pragma once
// Reading CSV back in tests (the report's tables, `--csv` output).
#include <string>
#include <vector>

namespace parallax_test {

/// RFC 4180 CSV: fields separated by commas, quoted with "" for a quote.
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true, any = true;
    } else if (c == ',') {
      row.push_back(field), field.clear(), any = true;
    } else if (c == '\n') {
      if (any || !field.empty()) row.push_back(field);
      if (!row.empty()) rows.push_back(row);
      row.clear(), field.clear(), any = false;
    } else if (c != '\r') {
      field += c, any = true;
    }
  }
  if (any || !field.empty()) row.push_back(field), rows.push_back(row);
  return rows;
}

}  // namespace parallax_test
