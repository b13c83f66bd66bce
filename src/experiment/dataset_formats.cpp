#include "experiment/dataset_formats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "automata/languages.hpp"
#include "experiment/dataset.hpp"
#include "experiment/instances.hpp"
#include "experiment/options.hpp"

namespace parallax::experiment::dataset {

namespace fs = std::filesystem;
using reductions::ProblemError;

Format parse_format(const std::string& name, const std::string& option) {
  if (name == "jsonl") return Format::Jsonl;
  if (name == "linearrnn") return Format::LinearRnn;
  if (name == "word-csv") return Format::WordCsv;
  throw OptionError(option.substr(2), fmt::format("{} {}: expected jsonl, linearrnn or word-csv (docs/datasets.md)", option, name));
}

std::string to_string(Format f) {
  switch (f) {
    case Format::Jsonl: return "jsonl";
    case Format::LinearRnn: return "linearrnn";
    case Format::WordCsv: return "word-csv";
  }
  return "?";
}

namespace {

// ---- what each format encodes ----------------------------------------------

/// The linear-RNN code's tasks, each a Parallax problem.
enum class Task { None, Connectivity, Unbounded, ModProduct, PermProduct };

struct Mapping {
  Task task = Task::None;
  std::int64_t modulus = 0;      ///< ModProduct: P
  std::optional<int> entry;      ///< ModProduct: the entry the problem's name fixes
  std::string group;             ///< word-csv: G of word:G:all
  std::string ios_group;         ///< word-csv: its name in the CSV files ("A4_x_Z5")
};

Mapping linearrnn_task(const std::string& name) {
  Mapping m;
  if (name == "dgc") m.task = Task::Connectivity;
  else if (name == "imm3:zero") m.task = Task::Unbounded;
  else if (name == "word:S3:all") m.task = Task::PermProduct;
  else if (name.starts_with("imm3:mod:")) {
    m.task = Task::ModProduct;
    const std::string rest = name.substr(9);
    const auto colon = rest.find(':');
    m.modulus = std::stoll(rest.substr(0, colon));  // the problem's own parser accepted the name
    if (colon != std::string::npos) m.entry = std::stoi(rest.substr(colon + 1));
  }
  return m;
}

Mapping wordcsv_group(const std::string& name) {
  Mapping m;
  if (!name.starts_with("word:") || !name.ends_with(":all")) return m;
  m.group = name.substr(5, name.size() - 9);
  static const char* const fixed[] = {"S3", "S4", "S5", "A4", "A5"};
  if (std::find(std::begin(fixed), std::end(fixed), m.group) != std::end(fixed) || (m.group.size() > 1 && m.group[0] == 'Z'))
    m.ios_group = m.group;
  else if (m.group == "A4xZ5")
    m.ios_group = "A4_x_Z5";
  return m;
}

[[noreturn]] void fail_at(const std::string& where, const std::string& what) { throw ProblemError(fmt::format("{}: {}", where, what)); }

/// s += sep + x, the separator only between items.
void append(std::string& s, const char* sep, const std::string& x) {
  if (!s.empty()) s += sep;
  s += x;
}

std::vector<std::string> split_on(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

/// A decimal integer in [lo, hi], the whole field; nullopt otherwise.
std::optional<std::int64_t> parse_int(const std::string& s, std::int64_t lo, std::int64_t hi) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size() || s.find_first_not_of("0123456789", i) != std::string::npos) return std::nullopt;
  const std::int64_t v = std::stoll(s);
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

std::string strip_cr(std::string s) {
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

std::vector<std::string> read_lines(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw OptionError("files", fmt::format("{}: cannot open the file", file));
  std::vector<std::string> lines;
  std::string text;
  while (std::getline(in, text)) lines.push_back(strip_cr(text));
  if (in.bad()) throw OptionError("files", fmt::format("{}: read error", file));
  return lines;
}

// ---- groups as word:G:all sees them ------------------------------------------

/// The elements of G in the word:G:all alphabet order (the states of its DFA,
/// start = identity), their inverses, and each letter's element.
struct GroupTable {
  automata::Dfa dfa;
  std::vector<std::uint32_t> inverse;  ///< element → its inverse
  std::map<std::string, std::uint32_t> letter;  ///< name → index
};

std::shared_ptr<const GroupTable> group_table(const std::string& problem_name) {
  auto t = std::make_shared<GroupTable>();
  t->dfa = automata::language(problem_name);
  const auto& d = t->dfa;
  const std::size_t g = d.alphabet.size();
  t->inverse.assign(g, 0);
  for (std::uint32_t l = 0; l < g; ++l) {
    t->letter[d.alphabet[l]] = l;
    const std::uint32_t el = d.delta[l][d.start];
    for (std::uint32_t j = 0; j < g; ++j)
      if (d.delta[j][el] == d.start) {
        t->inverse[d.delta[l][d.start]] = d.delta[j][d.start];
        break;
      }
  }
  return t;
}

/// The letters of a word:G:all instance as element indices.
std::vector<std::uint32_t> word_letters(const GroupTable& t, const nlohmann::json& in) {
  std::vector<std::uint32_t> w;
  const auto& word = in.at("word");
  if (word.is_string()) {
    for (char c : word.get<std::string>()) w.push_back(t.letter.at(std::string(1, c)));
  } else {
    for (const auto& l : word) w.push_back(t.letter.at(l.get<std::string>()));
  }
  return w;
}

nlohmann::json word_json(const std::string& problem, const GroupTable& t, const std::vector<std::uint32_t>& w) {
  const bool chars = std::all_of(t.dfa.alphabet.begin(), t.dfa.alphabet.end(), [](const std::string& s) { return s.size() == 1; });
  nlohmann::json in;
  in["problem"] = problem;
  if (chars) {
    std::string s;
    for (auto x : w) s += t.dfa.alphabet[x];
    in["word"] = s;
  } else {
    nlohmann::json a = nlohmann::json::array();
    for (auto x : w) a.push_back(t.dfa.alphabet[x]);
    in["word"] = a;
  }
  return in;
}

// ---- the split of a file ----------------------------------------------------

std::string linearrnn_split(const fs::path& p) {
  std::string stem = p.stem().string();
  for (const char* tag : {"_src", "_tgt"})
    if (const auto at = stem.find(tag); at != std::string::npos) return stem.erase(at, 4);
  return stem;
}

/// The _src and _tgt files of a pair, from either one.
std::pair<std::string, std::string> linearrnn_pair(const std::string& file) {
  const fs::path p(file);
  const std::string name = p.filename().string();
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"_src", "_tgt"}, {"_tgt", "_src"}}) {
    if (const auto at = name.find(from); at != std::string::npos) {
      std::string other = name;
      other.replace(at, 4, to);
      const std::string o = (p.parent_path() / other).string();
      return from == "_src" ? std::pair{file, o} : std::pair{o, file};
    }
  }
  throw OptionError("files", fmt::format("{}: a linearrnn file is named SPLIT_src.txt or SPLIT_tgt.txt (or A_src_B.txt)", file));
}

// ---- linearrnn ----------------------------------------------------------------

std::string binary(std::uint64_t v) {
  if (v == 0) return "0";
  std::string s;
  for (; v; v >>= 1) s += char('0' + (v & 1));
  std::reverse(s.begin(), s.end());
  return s;
}

std::optional<std::uint64_t> parse_binary(const std::string& s) {
  if (s.empty() || s.size() > 31 || s.find_first_not_of("01") != std::string::npos || (s.size() > 1 && s[0] == '0'))
    return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) v = v * 2 + std::uint64_t(c - '0');
  return v;
}

std::optional<bool> parse_bit(const std::string& s) {
  if (s == "0") return false;
  if (s == "1") return true;
  return std::nullopt;
}

/// "a1,...,a9": a 3x3 matrix row-major, entries in {-1, 0, 1}.
nlohmann::json parse_matrix(const std::string& where, const std::string& field, std::size_t index, const std::string& text) {
  const auto parts = split_on(text, ',');
  if (parts.size() != 9)
    fail_at(where, fmt::format("{}: matrix {}: expected 9 comma-separated entries (row-major), found {}", field, index + 1, parts.size()));
  nlohmann::json m = nlohmann::json::array();
  for (int r = 0; r < 3; ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (int c = 0; c < 3; ++c) {
      const auto v = parse_int(parts[std::size_t(3 * r + c)], -1, 1);
      if (!v) fail_at(where, fmt::format("{}: matrix {}, entry {}: expected -1, 0 or 1, found '{}'", field, index + 1, 3 * r + c,
                                         parts[std::size_t(3 * r + c)]));
      row.push_back(*v);
    }
    m.push_back(row);
  }
  return m;
}

std::string matrix_text(const nlohmann::json& m) {
  std::string s;
  for (const auto& row : m)
    for (const auto& v : row) append(s, ",", std::to_string(v.get<std::int64_t>()));
  return s;
}

/// The permutation of a 3x3 0/1 permutation matrix (row r has its 1 in column p[r]).
std::optional<std::string> perm_of_matrix(const nlohmann::json& m) {
  std::string p;
  for (const auto& row : m) {
    int col = -1, ones = 0;
    for (int c = 0; c < 3; ++c) {
      const auto v = row[std::size_t(c)].get<std::int64_t>();
      if (v == 1) col = c, ++ones;
      else if (v != 0) return std::nullopt;
    }
    if (ones != 1) return std::nullopt;
    p += char('0' + col);
  }
  std::string sorted = p;
  std::sort(sorted.begin(), sorted.end());
  if (sorted != "012") return std::nullopt;
  return p;
}

std::string perm_matrix_text(const std::string& p) {
  std::string s;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) append(s, ",", p[std::size_t(r)] - '0' == c ? "1" : "0");
  return s;
}

/// The edges of a graph with out-degree <= 1 in topological order (every
/// edge entering a node before the edge leaving it: Kahn's order of their
/// sources), stable otherwise; nullopt when the edges close a cycle.
std::optional<std::vector<std::pair<std::uint64_t, std::uint64_t>>> topological(
    const std::vector<std::pair<std::uint64_t, std::uint64_t>>& edges) {
  std::map<std::uint64_t, std::size_t> indegree;
  std::map<std::uint64_t, std::vector<std::size_t>> out;  // node → its out-edges, in order
  for (std::size_t e = 0; e < edges.size(); ++e) {
    ++indegree[edges[e].second];
    indegree.try_emplace(edges[e].first, 0);
    out[edges[e].first].push_back(e);
  }
  std::vector<std::uint64_t> ready;
  for (const auto& [v, d] : indegree)
    if (d == 0) ready.push_back(v);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> sorted;
  for (std::size_t i = 0; i < ready.size(); ++i)
    for (const std::size_t e : out[ready[i]]) {
      sorted.push_back(edges[e]);
      if (--indegree[edges[e].second] == 0) ready.push_back(edges[e].second);
    }
  if (sorted.size() != edges.size()) return std::nullopt;
  return sorted;
}

Labelled read_linearrnn_line(const reductions::Problem& problem, const Mapping& m, const GroupTable* perms, const std::string& src,
                             const std::string& tgt, const std::string& where, const ReadOptions& o) {
  Labelled l;
  l.where = where;
  const std::string& name = problem.info().name;
  nlohmann::json in;
  in["problem"] = name;
  switch (m.task) {
    case Task::Connectivity: {
      const auto parts = split_on(src, ';');
      if (parts.size() < 2) fail_at(where, "source line: expected src;i-j;...;tgt (node ids in binary)");
      std::uint64_t most = 0;
      auto node = [&](const std::string& s, const std::string& what) {
        const auto v = parse_binary(s);
        if (!v) fail_at(where, fmt::format("source line: {}: expected a node id in binary without leading zeros, found '{}'", what, s));
        most = std::max(most, *v);
        return *v;
      };
      const auto s = node(parts.front(), "the source node (first field)");
      const auto t = node(parts.back(), "the target node (last field)");
      std::vector<std::pair<std::uint64_t, std::uint64_t>> list;
      for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
        const auto ij = split_on(parts[i], '-');
        if (ij.size() != 2) fail_at(where, fmt::format("source line: field {}: expected an edge i-j, found '{}'", i + 1, parts[i]));
        const auto what = fmt::format("edge {}", i);
        const auto a = node(ij[0], what);
        list.emplace_back(a, node(ij[1], what));
      }
      // the files list edges sorted; Parallax's instance lists them in topological order
      const auto order = topological(list);
      if (!order) fail_at(where, "source line: the edges close a cycle (dgc graphs are acyclic)");
      nlohmann::json edges = nlohmann::json::array();
      for (const auto& [a, b] : *order) edges.push_back({a, b});
      const std::uint64_t nodes = o.nodes ? o.nodes : most + 1;
      if (most >= nodes) fail_at(where, fmt::format("source line: node id {} is not below --nodes {}", most, nodes));
      in["nodes"] = nodes;
      in["source"] = s;
      in["target"] = t;
      in["edges"] = std::move(edges);
      l.n = nodes;
      const auto bit = parse_bit(tgt);
      if (!bit) fail_at(where, fmt::format("target line: expected 0 or 1, found '{}'", tgt));
      l.answer = *bit;
      break;
    }
    case Task::Unbounded: {
      const auto parts = split_on(src, '|');
      const auto T = parse_int(parts[0], 1, std::int64_t(1) << 40);
      if (!T) fail_at(where, fmt::format("source line: field T: expected the number of matrices, found '{}'", parts[0]));
      if (parts.size() != std::size_t(*T) + 1)
        fail_at(where, fmt::format("source line: T is {} but {} matrices follow", *T, parts.size() - 1));
      nlohmann::json ms = nlohmann::json::array();
      for (std::size_t i = 1; i < parts.size(); ++i) ms.push_back(parse_matrix(where, "source line", i - 1, parts[i]));
      in["matrices"] = std::move(ms);
      l.n = std::size_t(*T);
      const auto bit = parse_bit(tgt);
      if (!bit) fail_at(where, fmt::format("target line: expected 0 or 1, found '{}'", tgt));
      l.answer = *bit;
      break;
    }
    case Task::ModProduct:
    case Task::PermProduct: {
      const auto parts = split_on(src, '|');
      if (parts.size() < 4) fail_at(where, "source line: expected T|m|qk|a1,...,a9|...");
      const auto T = parse_int(parts[0], 1, std::int64_t(1) << 40);
      if (!T) fail_at(where, fmt::format("source line: field T: expected the number of matrices, found '{}'", parts[0]));
      if (parts.size() != std::size_t(*T) + 3)
        fail_at(where, fmt::format("source line: T is {} but {} matrices follow", *T, parts.size() - 3));
      const std::int64_t want_m = m.task == Task::ModProduct ? m.modulus : 6;
      const auto mod = parse_int(parts[1], 1, std::int64_t(1) << 40);
      if (!mod || *mod != want_m)
        fail_at(where, fmt::format("source line: field m: {} has m = {}, found '{}'", name, want_m, parts[1]));
      const auto qk = parse_int(parts[2], 0, 8);
      if (!qk) fail_at(where, fmt::format("source line: field qk: expected the queried entry 0 to 8, found '{}'", parts[2]));
      if (m.task == Task::ModProduct && m.entry && *qk != *m.entry)
        fail_at(where, fmt::format("source line: field qk: {} queries entry {}, the line {}", name, *m.entry, *qk));
      nlohmann::json ms = nlohmann::json::array();
      std::vector<std::uint32_t> word;
      for (std::size_t i = 3; i < parts.size(); ++i) {
        auto mat = parse_matrix(where, "source line", i - 3, parts[i]);
        if (m.task == Task::PermProduct) {
          const auto p = perm_of_matrix(mat);
          if (!p) fail_at(where, fmt::format("source line: matrix {}: not a 3x3 permutation matrix", i - 2));
          word.push_back(perms->letter.at(*p));
        }
        ms.push_back(std::move(mat));
      }
      if (m.task == Task::ModProduct) {
        in["matrices"] = std::move(ms);
        // the files carry per-position labels and no decision; the instance
        // needs a residue to be valid, and asks whether the entry is 0
        in["residue"] = 0;
        if (*qk != 0 || m.entry) in["entry"] = *qk;
      } else {
        in = word_json(name, *perms, word);
      }
      l.n = std::size_t(*T);
      const auto vs = split_on(tgt, '|');
      if (vs.size() != std::size_t(*T)) fail_at(where, fmt::format("target line: {} labels for {} matrices", vs.size(), *T));
      for (std::size_t i = 0; i < vs.size(); ++i) {
        const auto v = parse_int(vs[i], 0, want_m - 1);
        if (!v) fail_at(where, fmt::format("target line: label {}: expected an integer from 0 to {}, found '{}'", i + 1, want_m - 1, vs[i]));
        l.targets.push_back(*v);
      }
      break;
    }
    case Task::None: break;
  }
  try {
    problem.validate(in);
  } catch (const ProblemError& e) {
    fail_at(where, e.what());
  }
  l.instance = std::move(in);
  return l;
}

// ---- word-csv -------------------------------------------------------------------

/// The CSV's element numbering is word:G:all's (the same element list), but
/// its products compose right to left ((p·q)(i) = p(q(i))) where Parallax's
/// compose left to right; element e of a CSV line is therefore the letter of
/// e⁻¹ in Parallax, and a label (a running product) k is Parallax's label
/// k⁻¹. Both maps are the same involution.
std::vector<std::string> csv_fields(const std::string& line) {
  // the files are plain: no quoted commas (the input and target columns are space-separated numbers)
  std::vector<std::string> f = split_on(line, ',');
  for (auto& s : f)
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return f;
}

std::vector<std::string> words_of(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string w;
  while (ss >> w) out.push_back(w);
  return out;
}

}  // namespace

void check_format_supports(Format f, const reductions::Problem& problem, const std::string& option) {
  const std::string& name = problem.info().name;
  if (f == Format::LinearRnn && linearrnn_task(name).task == Task::None)
    throw OptionError(option.substr(2), fmt::format("{} linearrnn: the linear-RNN task files encode dgc (connectivity), imm3:zero "
                                            "(unbounded product), imm3:mod:P[:K] (product mod P) and word:S3:all (3x3 permutation "
                                            "matrices), not {}",
                                            option, name));
  if (f == Format::WordCsv && wordcsv_group(name).ios_group.empty())
    throw OptionError(option.substr(2), fmt::format("{} word-csv: the word-problem CSVs encode word:G:all for G one of S3, S4, S5, A4, "
                                            "A5, A4xZ5, Z<m> (one letter per group element), not {}",
                                            option, name));
}

std::vector<std::string> reading_notes(Format f, const reductions::Problem& problem, const ReadOptions& o) {
  std::vector<std::string> notes;
  const std::string& name = problem.info().name;
  if (f == Format::LinearRnn) {
    const Mapping m = linearrnn_task(name);
    if (m.task == Task::Connectivity && o.nodes == 0)
      notes.push_back("the connectivity files do not write the number of nodes: each line's is taken as its largest node id + 1 "
                      "(--nodes N sets it)");
    if (m.task == Task::ModProduct)
      notes.push_back(fmt::format("the files carry per-position labels and no decision: each {} instance gets residue 0 and no answer",
                                  name));
  }
  if (f == Format::WordCsv)
    notes.push_back(fmt::format("the CSVs compose permutations right to left: element e of a line is {}'s letter e^-1, and a "
                                "running-product label k is label k^-1 (docs/datasets.md)",
                                name));
  return notes;
}

std::vector<Labelled> read_dataset(const reductions::Problem& problem, Format f, const std::vector<std::string>& files,
                                   const ReadOptions& o) {
  check_format_supports(f, problem);
  std::vector<Labelled> out;
  const std::string& name = problem.info().name;
  switch (f) {
    case Format::Jsonl:
      for (const auto& file : files) {
        const std::string stem = fs::path(file).stem().string();
        const auto lines = read_lines(file);
        for (std::size_t i = 0; i < lines.size(); ++i) {
          if (lines[i].find_first_not_of(" \t") == std::string::npos) continue;
          const std::string where = fmt::format("{}:{}", file, i + 1);
          nlohmann::json j = parse_instance_line(problem, lines[i], file, i + 1);
          Labelled l;
          l.where = where;
          l.split = stem;
          if (const auto s = j.find("split"); s != j.end()) {
            if (!s->is_string()) fail_at(where, "field split: expected a string");
            l.split = s->get<std::string>();
          }
          if (const auto a = j.find("answer"); a != j.end()) {
            if (a->is_boolean()) l.answer = a->get<bool>();
            else if (a->is_number_integer() && (*a == 0 || *a == 1)) l.answer = *a == 1;
            else fail_at(where, fmt::format("field answer: expected true, false, 0 or 1, got {}", a->dump()));
          }
          if (const auto t = j.find("targets"); t != j.end()) {
            if (!t->is_array()) fail_at(where, "field targets: expected an array of labels (non-negative integers)");
            for (const auto& v : *t) {
              if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
                fail_at(where, fmt::format("field targets: expected non-negative integers, found {}", v.dump()));
              l.targets.push_back(v.get<std::int64_t>());
            }
          }
          if (!l.answer && l.targets.empty()) fail_at(where, "field answer: missing (the line's label; or targets, per position)");
          l.n = instance_length(j);
          for (const char* added : {"answer", "split", "n", "id", "targets"}) j.erase(added);
          l.instance = std::move(j);
          out.push_back(std::move(l));
        }
      }
      break;
    case Format::LinearRnn: {
      const Mapping m = linearrnn_task(name);
      std::shared_ptr<const GroupTable> perms;
      if (m.task == Task::PermProduct) perms = group_table(name);
      std::vector<std::string> seen;
      for (const auto& file : files) {
        const auto [src_file, tgt_file] = linearrnn_pair(file);
        if (std::find(seen.begin(), seen.end(), src_file) != seen.end()) continue;  // both files of a pair given
        seen.push_back(src_file);
        const auto src = read_lines(src_file), tgt = read_lines(tgt_file);
        std::size_t src_n = src.size(), tgt_n = tgt.size();
        while (src_n && src[src_n - 1].empty()) --src_n;
        while (tgt_n && tgt[tgt_n - 1].empty()) --tgt_n;
        if (src_n != tgt_n)
          throw ProblemError(fmt::format("{}: {} lines, but {} has {}: the files of a pair hold one instance per line", src_file, src_n,
                                         tgt_file, tgt_n));
        const std::string split = linearrnn_split(src_file);
        for (std::size_t i = 0; i < src_n; ++i) {
          auto l = read_linearrnn_line(problem, m, perms.get(), src[i], tgt[i], fmt::format("{}:{}", src_file, i + 1), o);
          l.split = split;
          out.push_back(std::move(l));
        }
      }
      break;
    }
    case Format::WordCsv: {
      const auto table = group_table(name);
      const std::int64_t order = std::int64_t(table->dfa.alphabet.size());
      for (const auto& file : files) {
        const auto lines = read_lines(file);
        if (lines.empty()) throw ProblemError(fmt::format("{}:1: expected a header with the columns input and target", file));
        const auto header = csv_fields(lines[0]);
        const auto col = [&](const char* c) -> std::size_t {
          const auto it = std::find(header.begin(), header.end(), c);
          if (it == header.end()) throw ProblemError(fmt::format("{}:1: the header has no column '{}'", file, c));
          return std::size_t(it - header.begin());
        };
        const std::size_t ci = col("input"), ct = col("target");
        std::string split = fs::path(file).parent_path().filename().string();
        if (split.empty()) split = fs::path(file).stem().string();
        for (std::size_t i = 1; i < lines.size(); ++i) {
          if (lines[i].empty()) continue;
          const std::string where = fmt::format("{}:{}", file, i + 1);
          const auto fields = csv_fields(lines[i]);
          if (fields.size() != header.size())
            fail_at(where, fmt::format("{} fields, the header has {}", fields.size(), header.size()));
          const auto input = words_of(fields[ci]), target = words_of(fields[ct]);
          if (input.empty()) fail_at(where, "column input: no element");
          std::vector<std::uint32_t> word;
          for (std::size_t k = 0; k < input.size(); ++k) {
            const auto e = parse_int(input[k], 0, order - 1);
            if (!e) fail_at(where, fmt::format("column input: element {}: expected an index from 0 to {}, found '{}'", k + 1, order - 1, input[k]));
            word.push_back(table->inverse[std::size_t(*e)]);
          }
          Labelled l;
          l.where = where;
          l.split = split;
          l.n = word.size();
          if (target.size() == input.size()) {
            for (std::size_t k = 0; k < target.size(); ++k) {
              const auto e = parse_int(target[k], 0, order - 1);
              if (!e) fail_at(where, fmt::format("column target: label {}: expected an index from 0 to {}, found '{}'", k + 1, order - 1, target[k]));
              l.targets.push_back(table->inverse[std::size_t(*e)]);
            }
          } else if (target.size() == 1) {
            // the older files: only the product of the whole word
            const auto e = parse_int(target[0], 0, order - 1);
            if (!e) fail_at(where, fmt::format("column target: expected an index from 0 to {}, found '{}'", order - 1, target[0]));
            l.answer = table->inverse[std::size_t(*e)] == table->dfa.start;
          } else {
            fail_at(where, fmt::format("column target: {} labels for {} elements (expected one per element, or one)", target.size(),
                                       input.size()));
          }
          l.instance = word_json(name, *table, word);
          out.push_back(std::move(l));
        }
      }
      break;
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> write_split(const reductions::Problem& problem, Format f, const std::string& split,
                                                             const std::vector<Labelled>& lines, std::uint64_t seed) {
  check_format_supports(f, problem);
  const bool stepwise = !problem.info().steps.empty();
  auto targets_of = [&](const Labelled& l) {
    if (!l.targets.empty()) return l.targets;
    auto t = problem.solve_steps(l.instance);
    if (t.empty()) throw std::logic_error(fmt::format("{}: no per-position labels to write", problem.info().name));
    return t;
  };
  std::vector<std::pair<std::string, std::string>> files;
  switch (f) {
    case Format::Jsonl: {
      std::string text;
      for (const auto& l : lines) {
        nlohmann::ordered_json line;
        for (const auto& [k, v] : l.instance.items()) line[k] = v;
        if (l.answer) line["answer"] = *l.answer;
        if (stepwise || !l.targets.empty()) line["targets"] = targets_of(l);
        line["split"] = split;
        line["n"] = l.n;
        text += line.dump();
        text += '\n';
      }
      files.emplace_back(split + ".jsonl", std::move(text));
      break;
    }
    case Format::LinearRnn: {
      const Mapping m = linearrnn_task(problem.info().name);
      std::shared_ptr<const GroupTable> perms;
      if (m.task == Task::PermProduct) perms = group_table(problem.info().name);
      std::string src, tgt;
      for (const auto& l : lines) {
        const auto& in = l.instance;
        auto label = [&] {
          if (!l.answer) throw std::logic_error("linearrnn: a line without its answer");
          return *l.answer ? "1" : "0";
        };
        switch (m.task) {
          case Task::Connectivity: {
            // nodes renumbered in a topological order (Kahn's, over every node), so that every
            // edge goes up and the sorted edge list the format writes is itself topological
            const std::uint64_t nodes = in.at("nodes").get<std::uint64_t>();
            std::vector<std::pair<std::uint64_t, std::uint64_t>> edges;
            std::vector<std::int64_t> next(nodes, -1);
            std::vector<std::size_t> indegree(nodes, 0);
            for (const auto& e : in.at("edges")) {
              edges.emplace_back(e[0].get<std::uint64_t>(), e[1].get<std::uint64_t>());
              next[edges.back().first] = std::int64_t(edges.back().second);
              ++indegree[edges.back().second];
            }
            std::vector<std::uint64_t> rank(nodes), ready;
            for (std::uint64_t v = 0; v < nodes; ++v)
              if (indegree[v] == 0) ready.push_back(v);
            for (std::size_t i = 0; i < ready.size(); ++i) {
              rank[ready[i]] = i;
              if (next[ready[i]] >= 0 && --indegree[std::size_t(next[ready[i]])] == 0) ready.push_back(std::uint64_t(next[ready[i]]));
            }
            for (auto& [i, j] : edges) i = rank[i], j = rank[j];
            std::sort(edges.begin(), edges.end());
            src += binary(rank[in.at("source").get<std::uint64_t>()]);
            for (const auto& [i, j] : edges) src += ";" + binary(i) + "-" + binary(j);
            src += ";" + binary(rank[in.at("target").get<std::uint64_t>()]) + "\n";
            tgt += std::string(label()) + "\n";
            break;
          }
          case Task::Unbounded: {
            src += std::to_string(in.at("matrices").size());
            for (const auto& mat : in.at("matrices")) src += "|" + matrix_text(mat);
            src += "\n";
            tgt += std::string(label()) + "\n";
            break;
          }
          case Task::ModProduct: {
            const auto& ms = in.at("matrices");
            src += fmt::format("{}|{}|{}", ms.size(), m.modulus, in.contains("entry") ? in["entry"].get<int>() : m.entry.value_or(0));
            for (const auto& mat : ms) src += "|" + matrix_text(mat);
            src += "\n";
            std::string t;
            for (const auto v : targets_of(l)) append(t, "|", std::to_string(v));
            tgt += t + "\n";
            break;
          }
          case Task::PermProduct: {
            const auto word = word_letters(*perms, in);
            src += fmt::format("{}|6|0", word.size());
            for (const auto x : word) src += "|" + perm_matrix_text(perms->dfa.alphabet[x]);
            src += "\n";
            std::string t;
            for (const auto v : targets_of(l)) append(t, "|", std::to_string(v));
            tgt += t + "\n";
            break;
          }
          case Task::None: break;
        }
      }
      files.emplace_back(split + "_src.txt", std::move(src));
      files.emplace_back(split + "_tgt.txt", std::move(tgt));
      break;
    }
    case Format::WordCsv: {
      const Mapping m = wordcsv_group(problem.info().name);
      const auto table = group_table(problem.info().name);
      std::map<std::size_t, std::string> by_length;
      for (const auto& l : lines) {
        const auto word = word_letters(*table, l.instance);
        std::string input, target;
        for (const auto x : word) append(input, " ", std::to_string(table->inverse[x]));
        for (const auto v : targets_of(l)) append(target, " ", std::to_string(table->inverse[std::size_t(v)]));
        auto& text = by_length[word.size()];
        if (text.empty()) text = "seed,input,target\n";
        text += fmt::format("{},{},{}\n", seed, input, target);
      }
      for (auto& [k, text] : by_length) files.emplace_back(fmt::format("{}/{}={}.csv", split, m.ios_group, k), std::move(text));
      break;
    }
  }
  return files;
}

}  // namespace parallax::experiment::dataset
