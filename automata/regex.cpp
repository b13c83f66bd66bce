#include "automata/regex.hpp"

#include <fmt/format.h>

#include <array>
#include <bitset>
#include <cstdint>
#include <utility>

#include "automata/minimize.hpp"

namespace parallax::automata {

RegexError::RegexError(std::size_t pos, const std::string& message)
    : std::invalid_argument(fmt::format("regex position {}: {}", pos, message)), position(pos) {}

namespace {

std::string show(unsigned char c) {
  if (c >= 0x20 && c < 0x7F) return std::string(1, static_cast<char>(c));
  return fmt::format("\\x{:02X}", static_cast<unsigned>(c));
}

std::string alphabet_text(const std::vector<std::string>& alphabet) {
  std::string s = "{";
  for (std::size_t i = 0; i < alphabet.size(); ++i) s += (i ? ", " : "") + alphabet[i];
  return s + "}";
}

enum class Kind { Empty, Set, Concat, Alt, Star, Plus, Optional };

struct Node {
  Kind kind = Kind::Empty;
  std::vector<std::uint32_t> kids;  ///< Concat, Alt: the parts; Star, Plus, Optional: one
  std::bitset<256> chars;           ///< Set: the listed characters (ranges filled in)
  bool negated = false;             ///< Set: [^...]
  bool any = false;                 ///< Set: '.'
};

/// Recursive descent over
///   alt := concat ('|' concat)*     concat := repeat*     repeat := atom [*+?]*
///   atom := '(' alt ')' | '[' class ']' | '.' | '\' char | char
/// into a syntax tree; symbols are resolved afterwards, once the alphabet
/// (possibly inferred from the whole regex) is known.
class Parser {
 public:
  explicit Parser(const std::string& re) : re_(re) {}

  std::uint32_t parse() {
    const auto root = parse_alt(0);
    if (pos_ < re_.size()) throw RegexError(pos_, "unmatched ')'");  // parse_alt stops only at ')'
    return root;
  }

  std::vector<Node> nodes;
  std::vector<std::pair<unsigned char, std::size_t>> literals;  ///< (character, position), ranges excluded
  std::bitset<256> range_chars;                                  ///< characters spanned by ranges

 private:
  static constexpr std::size_t kMaxDepth = 1000;  // keeps the recursion far from the stack limit

  bool at(char c) const { return pos_ < re_.size() && re_[pos_] == c; }

  std::uint32_t add(Node n) {
    nodes.push_back(std::move(n));
    return static_cast<std::uint32_t>(nodes.size() - 1);
  }

  std::uint32_t parse_alt(std::size_t depth) {
    std::vector<std::uint32_t> parts{parse_concat(depth)};
    while (at('|')) {
      ++pos_;
      parts.push_back(parse_concat(depth));
    }
    if (parts.size() == 1) return parts[0];
    Node n;
    n.kind = Kind::Alt;
    n.kids = std::move(parts);
    return add(std::move(n));
  }

  std::uint32_t parse_concat(std::size_t depth) {
    std::vector<std::uint32_t> parts;
    while (pos_ < re_.size() && !at('|') && !at(')')) parts.push_back(parse_repeat(depth));
    if (parts.empty()) return add(Node{});  // the empty word
    if (parts.size() == 1) return parts[0];
    Node n;
    n.kind = Kind::Concat;
    n.kids = std::move(parts);
    return add(std::move(n));
  }

  static bool is_postfix(char c) { return c == '*' || c == '+' || c == '?'; }

  std::uint32_t parse_repeat(std::size_t depth) {
    if (is_postfix(re_[pos_])) throw RegexError(pos_, fmt::format("'{}' has nothing to repeat", re_[pos_]));
    auto atom = parse_atom(depth);
    while (pos_ < re_.size() && is_postfix(re_[pos_])) {
      const Kind k = re_[pos_] == '*' ? Kind::Star : re_[pos_] == '+' ? Kind::Plus : Kind::Optional;
      ++pos_;
      auto& a = nodes[atom];
      if (a.kind == Kind::Star || a.kind == Kind::Plus || a.kind == Kind::Optional) {
        // Stacked operators collapse (x** = x*, x+? = x*, x?? = x?, ...), so
        // "a****..." cannot build a deep tree.
        if (a.kind != k) a.kind = Kind::Star;
      } else {
        Node n;
        n.kind = k;
        n.kids = {atom};
        atom = add(std::move(n));
      }
    }
    return atom;
  }

  std::uint32_t parse_atom(std::size_t depth) {
    const std::size_t start = pos_;
    const char c = re_[pos_];
    if (c == '(') {
      if (depth >= kMaxDepth) throw RegexError(start, fmt::format("parentheses nested deeper than {}", kMaxDepth));
      ++pos_;
      const auto inner = parse_alt(depth + 1);
      if (!at(')')) throw RegexError(start, "unmatched '(' (no closing ')')");
      ++pos_;
      return inner;
    }
    if (c == '[') return parse_class();
    if (c == ']') throw RegexError(start, "unmatched ']' (write \\] for a literal ']')");
    Node n;
    n.kind = Kind::Set;
    if (c == '.') {
      n.any = true;
      ++pos_;
      return add(std::move(n));
    }
    const auto lit = read_char();
    n.chars.set(lit);
    literals.emplace_back(lit, pos_ - 1);
    return add(std::move(n));
  }

  /// One possibly escaped character; afterwards pos_ - 1 is its position.
  unsigned char read_char() {
    if (re_[pos_] == '\\') {
      if (pos_ + 1 >= re_.size()) throw RegexError(pos_, "dangling backslash at the end");
      ++pos_;
    }
    return static_cast<unsigned char>(re_[pos_++]);
  }

  std::uint32_t parse_class() {
    const std::size_t start = pos_;
    auto unterminated = [&] {
      return RegexError(start, fmt::format("unterminated character class starting at position {} (no closing ']')",
                                           start));
    };
    ++pos_;
    Node n;
    n.kind = Kind::Set;
    if (at('^')) {
      n.negated = true;
      ++pos_;
    }
    bool empty = true;
    for (;;) {
      if (pos_ >= re_.size()) throw unterminated();
      if (re_[pos_] == ']') {
        if (empty) throw RegexError(start, "empty character class (write \\] for a literal ']')");
        ++pos_;
        break;
      }
      empty = false;
      const std::size_t item = pos_;
      const auto lo = read_char();
      const std::size_t lo_pos = pos_ - 1;
      // '-' makes a range unless it ends the class ("[a-]" lists 'a' and '-').
      if (at('-') && pos_ + 1 < re_.size() && re_[pos_ + 1] != ']') {
        ++pos_;
        const auto hi = read_char();
        if (hi < lo)
          throw RegexError(item, fmt::format("invalid range '{}-{}' (the end comes before the start)", show(lo),
                                             show(hi)));
        for (unsigned x = lo; x <= hi; ++x) {
          n.chars.set(x);
          range_chars.set(x);
        }
      } else {
        n.chars.set(lo);
        literals.emplace_back(lo, lo_pos);
      }
    }
    return add(std::move(n));
  }

  const std::string& re_;
  std::size_t pos_ = 0;
};

/// Thompson's construction: every fragment has one entry and one exit state.
class Thompson {
 public:
  Thompson(const std::vector<Node>& nodes, std::size_t sigma) : nodes_(nodes), sigma_(sigma) {}

  Nfa nfa;

  std::pair<std::uint32_t, std::uint32_t> build(std::uint32_t id) {
    const Node& n = nodes_[id];
    switch (n.kind) {
      case Kind::Empty: {
        const auto s = state();
        return {s, s};
      }
      case Kind::Set: {
        const auto s = state(), t = state();
        for (std::uint32_t a = 0; a < sigma_; ++a)
          if (member(n, a)) edge(s, a, t);
        return {s, t};
      }
      case Kind::Concat: {
        auto [in, out] = build(n.kids[0]);
        for (std::size_t i = 1; i < n.kids.size(); ++i) {
          const auto [i2, o2] = build(n.kids[i]);
          eps(out, i2);
          out = o2;
        }
        return {in, out};
      }
      case Kind::Alt: {
        const auto s = state(), t = state();
        for (auto k : n.kids) {
          const auto [in, out] = build(k);
          eps(s, in);
          eps(out, t);
        }
        return {s, t};
      }
      case Kind::Star:
      case Kind::Plus:
      case Kind::Optional: {
        const auto s = state();
        const auto [in, out] = build(n.kids[0]);
        const auto t = state();
        eps(s, in);
        eps(out, t);
        if (n.kind != Kind::Optional) eps(out, in);  // repeat
        if (n.kind != Kind::Plus) eps(s, t);         // skip
        return {s, t};
      }
    }
    return {0, 0};  // unreachable
  }

 private:
  bool member(const Node& n, std::uint32_t a) const {
    if (n.any) return true;
    return n.chars.test(static_cast<unsigned char>(nfa.alphabet[a][0])) != n.negated;
  }
  std::uint32_t state() {
    nfa.edges.emplace_back();
    nfa.accepting.push_back(false);
    return static_cast<std::uint32_t>(nfa.states++);
  }
  void edge(std::uint32_t from, std::uint32_t symbol, std::uint32_t to) { nfa.edges[from].push_back({symbol, to}); }
  void eps(std::uint32_t from, std::uint32_t to) { edge(from, Nfa::kEpsilon, to); }

  const std::vector<Node>& nodes_;
  std::size_t sigma_;
};

}  // namespace

Nfa regex_to_nfa(const std::string& re, std::vector<std::string> alphabet) {
  Parser parser(re);
  const auto root = parser.parse();

  std::array<std::int32_t, 256> symbol_of;
  symbol_of.fill(-1);
  if (alphabet.empty()) {
    std::bitset<256> used = parser.range_chars;
    for (const auto& [c, p] : parser.literals) used.set(c);
    for (unsigned c = 0; c < 256; ++c)
      if (used.test(c)) alphabet.emplace_back(1, static_cast<char>(c));
    if (alphabet.empty())
      throw std::invalid_argument(fmt::format(
          "regex '{}' has no literal symbols to infer the alphabet from: pass an alphabet explicitly", re));
  } else {
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
      if (alphabet[i].size() != 1)
        throw std::invalid_argument(fmt::format(
            "regex alphabet symbol '{}' is not a single character (regex symbols are one character each)",
            alphabet[i]));
      const auto c = static_cast<unsigned char>(alphabet[i][0]);
      if (symbol_of[c] >= 0) throw std::invalid_argument(fmt::format("regex alphabet lists '{}' twice", show(c)));
      symbol_of[c] = static_cast<std::int32_t>(i);
    }
    for (const auto& [c, p] : parser.literals)
      if (symbol_of[c] < 0)
        throw RegexError(p, fmt::format("symbol '{}' (position {}) is not in the alphabet {}", show(c), p,
                                        alphabet_text(alphabet)));
  }

  Thompson t(parser.nodes, alphabet.size());
  t.nfa.alphabet = std::move(alphabet);
  const auto [in, out] = t.build(root);
  t.nfa.start = {in};
  t.nfa.accepting[out] = true;
  return std::move(t.nfa);
}

Dfa regex_to_dfa(const std::string& re, std::vector<std::string> alphabet) {
  auto dfa = minimize(determinize(regex_to_nfa(re, std::move(alphabet))));
  dfa.name = re;
  return dfa;
}

}  // namespace parallax::automata
