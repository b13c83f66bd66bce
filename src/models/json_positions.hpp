#pragma once
// Lines of the values of a JSON document, so that readers of JSON files
// (models, automata) can name the file, line and field of a bad value.
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace parallax::models {

/// The whole content of a file, or nullopt when it cannot be opened (callers
/// throw their own error naming the file). A file (or stream, such as
/// /dev/zero) longer than limits::kMaxTextFileBytes is refused with a
/// limits::LimitError naming the path, before it is read to the end.
std::optional<std::string> read_text_file(const std::string& path);

/// A document that is not acceptable JSON: "source:line:column: …".
struct JsonInputError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// The one JSON parser of every reader (model, automaton, cell, transformer
/// and circuit files, instance lines, stored records): refuses nesting deeper
/// than limits::kMaxJsonDepth and numbers beyond the range of a double
/// (1e400) before nlohmann::json sees them, and reports syntax errors with
/// line and column. Throws JsonInputError whose message starts with `source`.
nlohmann::json parse_json(const std::string& text, const std::string& source);

/// The checks of parse_json before parsing (depth, number range), for callers
/// that parse into another type (nlohmann::ordered_json).
void check_json_limits(const std::string& text, const std::string& source);

/// A key escaped for a JSON pointer (~ → ~0, / → ~1).
std::string json_pointer_token(const std::string& key);

/// The JSON pointer of every value of a syntactically valid document → its
/// 1-based line ("" is the document itself).
std::map<std::string, int> json_value_lines(const std::string& text);

/// The line of the value at `pointer`, or of its nearest enclosing value; 0 if none.
int json_line_of(const std::map<std::string, int>& lines, std::string pointer);

/// "source:line: field /ptr: msg" with the line of the value at ptr (or of
/// its nearest enclosing value); "the document" for ptr = "".
std::string json_field_message(const std::string& source, const std::map<std::string, int>& lines,
                               const std::string& ptr, const std::string& msg);

/// "source:line:column: malformed JSON: …" for a parse error at the 1-based
/// byte offset `byte` (nlohmann::json::parse_error::byte), keeping the parser's
/// explanation from "syntax error" on.
std::string json_syntax_message(const std::string& source, const std::string& text, std::size_t byte,
                                const std::string& what);

}  // namespace parallax::models
