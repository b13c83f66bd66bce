#pragma once
// Lines of the values of a JSON document, so that readers of JSON files
// (models, automata) can name the file, line and field of a bad value.
#include <map>
#include <string>

namespace parallax::models {

/// A key escaped for a JSON pointer (~ → ~0, / → ~1).
std::string json_pointer_token(const std::string& key);

/// The JSON pointer of every value of a syntactically valid document → its
/// 1-based line ("" is the document itself).
std::map<std::string, int> json_value_lines(const std::string& text);

/// The line of the value at `pointer`, or of its nearest enclosing value; 0 if none.
int json_line_of(const std::map<std::string, int>& lines, std::string pointer);

}  // namespace parallax::models
