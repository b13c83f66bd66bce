#include "experiment/dataset.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "experiment/instances.hpp"
#include "experiment/lengths.hpp"
#include "experiment/options.hpp"
#include "numeric/limits.hpp"
#include "numeric/output.hpp"

namespace parallax::experiment::dataset {

namespace fs = std::filesystem;

namespace {

/// The fields a dataset line adds to the problem's instance.
const char* const kAdded[] = {"answer", "split", "n", "id", "targets"};

/// The instance alone (without the dataset's fields), as the key of duplicates.
std::string instance_key(const nlohmann::json& line) {
  nlohmann::json in = line;
  for (const char* f : kAdded) in.erase(f);
  return in.dump();
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("sha256: the digest failed");
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

/// A seed for one draw, mixing every coordinate (splitmix64 steps).
std::uint64_t mix(std::uint64_t h, std::uint64_t x) {
  h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h += 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

std::unique_ptr<reductions::Problem> problem_named(const std::string& name) {
  try {
    return reductions::make_problem(name);
  } catch (const reductions::ProblemError& e) {
    throw OptionError("problem", fmt::format("--problem: {}", e.what()));
  }
}

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

}  // namespace

std::vector<Split> parse_splits(const std::string& text) {
  std::vector<Split> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const auto eq = part.find('=');
    std::string item = part;
    if (eq != std::string::npos) {
      Split s;
      s.name = part.substr(0, eq);
      if (s.name.empty() || s.name.size() > 64 || !std::all_of(s.name.begin(), s.name.end(), name_char))
        throw OptionError("splits", fmt::format("--splits: split name '{}': letters, digits, '-' and '_' only", s.name));
      for (const auto& o : out)
        if (o.name == s.name) throw OptionError("splits", fmt::format("--splits: split '{}' is given twice", s.name));
      out.push_back(std::move(s));
      item = part.substr(eq + 1);
    } else if (out.empty()) {
      throw OptionError("splits", fmt::format("--splits: '{}': expected NAME=LENGTHS (e.g. train=2..64)", part));
    }
    // a range without a step is every length in it
    if (const auto dots = item.find(".."); dots != std::string::npos && item.find_first_of("x+", dots) == std::string::npos)
      item += "+1";
    auto& s = out.back();
    try {
      for (const std::size_t n : parse_lengths(item)) {
        if (n == 0) throw std::invalid_argument(fmt::format("'{}': lengths start at 1", item));
        s.lengths.push_back(n);
      }
    } catch (const std::invalid_argument& e) {
      throw OptionError("splits", fmt::format("--splits: split {}: {}", s.name, e.what()));
    }
    if (!s.lengths_text.empty()) s.lengths_text += ',';
    s.lengths_text += part.substr(eq == std::string::npos ? 0 : eq + 1);
    if (s.lengths.size() > limits::kMaxSweepPoints)
      throw OptionError("splits", fmt::format("--splits: split {}: more than {} lengths", s.name, limits::kMaxSweepPoints));
  }
  if (out.empty()) throw OptionError("splits", "--splits: no split given (e.g. train=2..64,test=65..256)");
  return out;
}

namespace {

/// An instance's sequence: its longest top-level array or string other than
/// "problem", "split" and "id" (the word, the matrices, the edges); null when
/// it has none. Its size is the instance's length, its elements the tokens.
const nlohmann::json* sequence_of(const nlohmann::json& in) {
  if (!in.is_object()) return nullptr;
  const nlohmann::json* best = nullptr;
  std::size_t most = 0;
  for (const auto& [key, v] : in.items()) {
    if (key == "problem" || key == "split" || key == "id") continue;
    const std::size_t size = v.is_array() ? v.size() : v.is_string() ? v.get_ref<const std::string&>().size() : 0;
    if (size > most) most = size, best = &v;
  }
  return best;
}

}  // namespace

std::size_t instance_length(const nlohmann::json& in) {
  if (!in.is_object()) return 0;
  if (const auto it = in.find("n"); it != in.end() && it->is_number_integer() && it->get<std::int64_t>() >= 0)
    return it->get<std::size_t>();
  const nlohmann::json* seq = sequence_of(in);
  return !seq ? 0 : seq->is_string() ? seq->get_ref<const std::string&>().size() : seq->size();
}

// ---- export ---------------------------------------------------------------

void ExportOptions::validate() const {
  if (problem.empty()) throw OptionError("problem", "--problem: give the problem to export (see `parallax problems`)");
  if (out.empty()) throw OptionError("out", "--out: give the folder to write into");
  (void)parse_format(format);
  if (negatives != "matched" && negatives != "uniform")
    throw OptionError("negatives", fmt::format("--negatives {}: expected matched or uniform", negatives));
  if (per_length == 0) throw OptionError("per_length", "--per-length: at least 1 instance per length");
  const auto splits_ = parse_splits(splits);
  std::uint64_t total = 0;
  for (const auto& s : splits_) total = limits::add(total, limits::mul(per_length, s.lengths.size()));
  if (total > (std::uint64_t(1) << 26))
    throw OptionError("per_length", fmt::format("--splits and --per-length ask for {} instances; the limit is 2^26", total));
}

namespace {

/// Creates OUT and checks that it can be written, before any work.
void prepare_out(const std::string& out) {
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw OptionError("out", fmt::format("--out {}: cannot create the folder ({})", out, ec.message()));
  io::check_output_path((fs::path(out) / "manifest.json").string(), "--out");
}

/// Writes the files (relative to OUT), their sha256 into the manifest, then
/// the manifest last.
void write_with_manifest(const std::string& out, const std::vector<std::pair<std::string, std::string>>& contents,
                         nlohmann::ordered_json& manifest, ExportReport& rep) {
  manifest["sha256"] = nlohmann::ordered_json::object();
  for (const auto& [file, text] : contents) {
    const fs::path path = fs::path(out) / file;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw OptionError("out", fmt::format("--out {}: cannot create the folder ({})", path.parent_path().string(), ec.message()));
    io::write_file_atomic(path.string(), text);
    manifest["sha256"][file] = sha256_hex(text);
    rep.files.push_back(path.string());
  }
  const std::string mpath = (fs::path(out) / "manifest.json").string();
  io::write_file_atomic(mpath, manifest.dump(2) + "\n");
  rep.files.push_back(mpath);
  rep.manifest = manifest;
}

/// The manifest's first fields, shared by export and convert.
nlohmann::ordered_json manifest_head(const std::string& command, const std::string& version, const std::string& problem,
                                     const std::string& format) {
  nlohmann::ordered_json m;
  m["command"] = command;
  m["parallax_version"] = version;
  m["problem"] = problem;
  m["format"] = format;
  return m;
}

}  // namespace

ExportReport export_dataset(const ExportOptions& o, const std::function<void(const std::string&)>& progress) {
  o.validate();
  const auto problem = problem_named(o.problem);
  const Format format = parse_format(o.format);
  check_format_supports(format, *problem);
  const auto splits = parse_splits(o.splits);
  prepare_out(o.out);

  const auto t0 = std::chrono::steady_clock::now();
  ExportReport rep;
  nlohmann::ordered_json manifest = manifest_head(o.command, o.version, o.problem, o.format);
  manifest["seed"] = o.seed;
  manifest["per_length"] = o.per_length;
  manifest["balanced"] = o.balanced;
  manifest["allow_overlap"] = o.allow_overlap;
  manifest["negatives"] = o.negatives;
  if (const auto m = problem->matched_negatives(); o.negatives == "matched" && !m.empty()) manifest["matched_negatives"] = m;
  if (!problem->info().steps.empty()) manifest["targets"] = problem->info().steps;
  manifest["splits"] = nlohmann::ordered_json::array();
  std::unordered_map<std::string, std::size_t> owner;  // instance → the split that holds it
  std::vector<std::pair<std::string, std::string>> contents;
  constexpr int kAttempts = 64;
  for (std::size_t si = 0; si < splits.size(); ++si) {
    const Split& s = splits[si];
    if (progress) progress(fmt::format("{}: lengths {}, {} per length", s.name, s.lengths_text, o.per_length));
    std::vector<Labelled> lines;
    std::size_t yes_count = 0;
    nlohmann::ordered_json per_length = nlohmann::ordered_json::object();
    for (const std::size_t n : s.lengths) {
      std::size_t yes_here = 0;
      for (std::size_t i = 0; i < o.per_length; ++i) {
        const std::uint64_t base = mix(mix(mix(o.seed, si), n), i);
        const bool yes = o.balanced ? i % 2 == 0 : (mix(base, 0xa11) & 1) == 0;
        nlohmann::json in;
        bool placed = false;
        for (int attempt = 0; attempt < kAttempts && !placed; ++attempt) {
          try {
            const std::uint64_t seed = mix(base, static_cast<std::uint64_t>(attempt));
            in = yes || o.negatives == "uniform" ? problem->generate(n, seed, yes) : problem->generate_matched_no(n, seed);
          } catch (const reductions::ProblemError& e) {
            throw OptionError("splits", fmt::format("split {}, length {}: {}", s.name, n, e.what()));
          }
          const std::string key = instance_key(in);
          const auto [it, fresh] = owner.emplace(key, si);
          placed = fresh || it->second == si || o.allow_overlap;
        }
        if (!placed)
          throw OptionError("splits", fmt::format("split {}, length {}: {} draws in a row were instances of an earlier split "
                                                  "(few instances of this length): use other lengths, or --allow-overlap",
                                                  s.name, n, kAttempts));
        if (problem->solve(in) != yes)  // the generator's label, checked by the reference solver
          throw std::logic_error(fmt::format("{}: generated a {} instance the reference solver answers otherwise", o.problem,
                                             yes ? "yes" : "no"));
        Labelled l;
        l.instance = std::move(in);
        l.answer = yes;
        l.split = s.name;
        l.n = n;
        lines.push_back(std::move(l));
        yes_here += yes;
      }
      per_length[std::to_string(n)] = {{"instances", o.per_length}, {"yes", yes_here}};
      yes_count += yes_here;
    }
    auto files = write_split(*problem, format, s.name, lines, o.seed);
    nlohmann::ordered_json entry;
    entry["name"] = s.name;
    entry["lengths"] = s.lengths_text;
    entry["files"] = nlohmann::ordered_json::array();
    for (const auto& f : files) entry["files"].push_back(f.first);
    entry["instances"] = lines.size();
    entry["yes"] = yes_count;
    entry["no"] = lines.size() - yes_count;
    entry["per_length"] = per_length;
    manifest["splits"].push_back(entry);
    rep.instances += lines.size();
    for (auto& f : files) contents.push_back(std::move(f));
  }
  write_with_manifest(o.out, contents, manifest, rep);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

std::vector<std::string> expand_inputs(Format f, const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  auto wanted = [f](const fs::path& p) {
    const std::string name = p.filename().string();
    switch (f) {
      case Format::Jsonl: return p.extension() == ".jsonl";
      case Format::LinearRnn: return p.extension() == ".txt" && name.find("_src") != std::string::npos;
      case Format::WordCsv: return p.extension() == ".csv";
    }
    return false;
  };
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(path, ec)) {
        if (e.is_regular_file() && wanted(e.path())) found.push_back(e.path().string());
        if (f == Format::WordCsv && e.is_directory())
          for (const auto& e2 : fs::directory_iterator(e.path(), ec))
            if (e2.is_regular_file() && wanted(e2.path())) found.push_back(e2.path().string());
      }
      if (found.empty())
        throw OptionError("files", fmt::format("{}: a folder without {} files", path, to_string(f)));
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      out.push_back(path);
    } else {
      throw OptionError("files", fmt::format("{}: no such file or folder", path));
    }
  }
  return out;
}

void ConvertOptions::validate() const {
  if (problem.empty()) throw OptionError("problem", "--problem: give the problem the files hold (see `parallax problems`)");
  if (inputs.empty()) throw OptionError("files", "give the dataset files or folders to convert");
  if (out.empty()) throw OptionError("out", "--out: give the folder to write into");
  (void)parse_format(from, "--from");
  (void)parse_format(to, "--to");
}

ExportReport convert(const ConvertOptions& o) {
  o.validate();
  const auto problem = problem_named(o.problem);
  const Format from = parse_format(o.from, "--from"), to = parse_format(o.to, "--to");
  check_format_supports(from, *problem, "--from");
  check_format_supports(to, *problem, "--to");
  const auto files = expand_inputs(from, o.inputs);
  const auto lines = read_dataset(*problem, from, files, {o.nodes});
  if (lines.empty()) throw OptionError("files", "the files hold no instance");
  // what the target format needs and the source lacks
  for (const auto& l : lines) {
    const bool wants_answer = to == Format::LinearRnn && problem->info().steps.empty();
    if (wants_answer && !l.answer)
      throw OptionError("to", fmt::format("{}: the line has per-position labels only; --to {} writes {}'s decision label",
                                          l.where, o.to, o.problem));
  }
  prepare_out(o.out);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> order;
  std::map<std::string, std::vector<Labelled>> by_split;
  for (const auto& l : lines) {
    if (!by_split.count(l.split)) order.push_back(l.split);
    by_split[l.split].push_back(l);
  }
  ExportReport rep;
  nlohmann::ordered_json manifest = manifest_head(o.command, o.version, o.problem, o.to);
  manifest["converted_from"] = {{"format", o.from}, {"files", files}};
  if (const auto notes = reading_notes(from, *problem, {o.nodes}); !notes.empty()) manifest["notes"] = notes;
  bool computed = false;
  for (const auto& l : lines) computed = computed || (l.targets.empty() && !problem->info().steps.empty() && to != Format::Jsonl);
  if (computed) manifest["targets_computed"] = "per-position labels the source lacks are the reference solver's";
  manifest["splits"] = nlohmann::ordered_json::array();
  std::vector<std::pair<std::string, std::string>> contents;
  for (const auto& name : order) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), name_char))
      throw OptionError("files", fmt::format("split '{}': letters, digits, '-' and '_' only (it names the files written)", name));
    const auto& ls = by_split[name];
    auto fs_ = write_split(*problem, to, name, ls, o.seed);
    std::size_t yes = 0, answered = 0;
    for (const auto& l : ls) yes += l.answer.value_or(false), answered += l.answer.has_value();
    nlohmann::ordered_json entry;
    entry["name"] = name;
    entry["files"] = nlohmann::ordered_json::array();
    for (const auto& f : fs_) entry["files"].push_back(f.first);
    entry["instances"] = ls.size();
    if (answered) entry["yes"] = yes, entry["no"] = answered - yes;
    manifest["splits"].push_back(entry);
    rep.instances += ls.size();
    for (auto& f : fs_) contents.push_back(std::move(f));
  }
  write_with_manifest(o.out, contents, manifest, rep);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

// ---- audit ----------------------------------------------------------------

void AuditOptions::validate() const {
  if (problem.empty()) throw OptionError("problem", "--problem: give the problem the files hold (see `parallax problems`)");
  if (files.empty()) throw OptionError("files", "give at least one dataset file");
  for (const auto& [v, name] : {std::pair{max_wrong, "max_wrong"}, {max_leak, "max_leak"}, {max_duplicates, "max_duplicates"},
                                {min_minority, "min_minority"}, {shortcut_margin, "shortcut_margin"}})
    if (!(v >= 0 && v <= 1)) throw OptionError(name, fmt::format("a fraction from 0 to 1, not {}", v));
}

bool AuditReport::passed() const {
  return std::all_of(checks.begin(), checks.end(), [](const Check& c) { return c.passed; });
}

nlohmann::ordered_json to_json(const Check& c) {
  nlohmann::ordered_json j;
  j["check"] = c.check;
  j["split"] = c.split;
  j["value"] = c.value;
  j["threshold"] = c.threshold;
  j["passed"] = c.passed;
  j["detail"] = c.detail;
  return j;
}

namespace {

struct Line {
  std::string key;  ///< the instance alone
  std::size_t n = 0;
  bool answer = false;
  std::vector<std::string> tokens;  ///< the instance's sequence (letters, matrices, edges), each as text
  /// the problem-specific features (problem_features): name → value
  std::vector<std::pair<std::string, std::string>> features;
};

struct SplitData {
  std::string name;
  std::vector<Line> lines;  ///< the lines with a decision label
  std::size_t all = 0;      ///< every line, per-position labels only included
  std::map<std::size_t, std::size_t> lengths;
};

/// The tokens of an instance: the elements of its sequence (sequence_of, the
/// one instance_length measures), each as text.
std::vector<std::string> tokens_of(const nlohmann::json& in) {
  std::vector<std::string> out;
  const nlohmann::json* best = sequence_of(in);
  if (!best) return out;
  if (best->is_string())
    for (char c : best->get_ref<const std::string&>()) out.emplace_back(1, c);
  else
    for (const auto& t : *best) out.push_back(t.is_string() ? t.get<std::string>() : t.dump());
  return out;
}

/// z with P(N(0,1) > z) = tail, by bisection on the complementary error function.
double chance_z(double tail) {
  double lo = 0, hi = 40;
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(mid / std::sqrt(2.0)) > tail ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

/// A probe: a rule fitted on the training lines, then applied to any line.
struct Probe {
  std::string name, rule;
  std::function<bool(const Line&)> predict;
};

double accuracy(const Probe& p, const std::vector<Line>& lines) {
  if (lines.empty()) return 0;
  std::size_t right = 0;
  for (const auto& l : lines) right += p.predict(l) == l.answer;
  return double(right) / double(lines.size());
}

bool majority_of(const std::vector<Line>& lines) {
  std::size_t yes = 0;
  for (const auto& l : lines) yes += l.answer;
  return 2 * yes >= lines.size();
}

/// yes iff f(line) >= t (or < t): the threshold and side with the best
/// training accuracy, from the per-value counts in one sweep (ascending: the
/// first best threshold wins). Returns the rule's text and the predicate.
std::pair<std::string, std::function<bool(const Line&)>> fit_threshold(const std::vector<Line>& train, const std::string& what,
                                                                      std::function<std::size_t(const Line&)> f) {
  std::map<std::size_t, std::pair<std::size_t, std::size_t>> at;  // value → (yes, no)
  std::size_t yes_total = 0;
  for (const auto& l : train) {
    ++(l.answer ? at[f(l)].first : at[f(l)].second);
    yes_total += l.answer;
  }
  std::size_t best_t = 0, best = 0, yes_below = 0, no_below = 0;
  bool best_above = true, any = false;
  for (const auto& [t, counts] : at) {
    // above: right = yes at v >= t plus no at v < t; below: the complement
    const std::size_t above = (yes_total - yes_below) + no_below, below = train.size() - above;
    for (const auto& [right, side] : {std::pair{above, true}, {below, false}})
      if (!any || right > best) best = right, best_t = t, best_above = side, any = true;
    yes_below += counts.first, no_below += counts.second;
  }
  return {fmt::format("yes iff {} {} {}", what, best_above ? ">=" : "<", best_t),
          [f, best_t, best_above](const Line& l) { return (f(l) >= best_t) == best_above; }};
}

/// For each value of key(line) the training split's majority answer (unseen
/// values: the overall majority); the rule lists the keys answered yes (up to 6).
Probe fit_lookup(const std::vector<Line>& train, const std::string& name, const std::string& what,
                 std::function<std::string(const Line&)> key) {
  std::map<std::string, std::pair<std::size_t, std::size_t>> at;
  for (const auto& l : train) {
    auto& c = at[key(l)];
    ++(l.answer ? c.first : c.second);
  }
  const bool major = majority_of(train);
  auto yes_keys = std::make_shared<std::unordered_set<std::string>>();
  auto known = std::make_shared<std::unordered_set<std::string>>();
  std::string listed;
  std::size_t shown = 0;
  for (const auto& [k, c] : at) {
    known->insert(k);
    if (c.first >= c.second && c.first > 0) {
      yes_keys->insert(k);
      if (shown++ < 6) {
        if (!listed.empty()) listed += ", ";
        listed += k;
      }
    }
  }
  if (shown > 6) listed += fmt::format(", … ({} in all)", shown);
  return {name, fmt::format("yes iff {} in {{{}}}", what, listed),
          [key, yes_keys, known, major](const Line& l) {
            const std::string k = key(l);
            return known->count(k) ? yes_keys->count(k) > 0 : major;
          }};
}

/// Weak rules specific to a problem family that a finite-state or bounded-width
/// model computes, as features whose values the probes look up:
///   imm3:*  the queried entry of the product modulo 2 and modulo 3 (3×3
///           matrices mod q: a finite automaton of q^9 states), beside the
///           sign-free question the problem asks; skipped for imm3:mod:q itself
///   dgc     whether the target has an entering edge, whether the source has
///           a leaving one (one local look at the edge list)
std::vector<std::pair<std::string, std::string>> problem_features(const std::string& problem, const nlohmann::json& in) {
  std::vector<std::pair<std::string, std::string>> f;
  if (problem.starts_with("imm3:") && in.contains("matrices")) {
    const int entry = in.contains("entry") ? in["entry"].get<int>() : 0;
    for (const std::int64_t q : {2, 3}) {
      if (problem == fmt::format("imm3:mod:{}", q) || problem.starts_with(fmt::format("imm3:mod:{}:", q))) continue;
      std::array<std::int64_t, 3> row{0, 0, 0};  // e_i^T M_1 ⋯ M_t mod q
      row[std::size_t(entry / 3)] = 1;
      for (const auto& m : in["matrices"]) {
        std::array<std::int64_t, 3> next{0, 0, 0};
        for (std::size_t c = 0; c < 3; ++c)
          for (std::size_t k = 0; k < 3; ++k) next[c] += row[k] * m[k][c].get<std::int64_t>();
        for (auto& v : next) v = ((v % q) + q) % q;
        row = next;
      }
      f.emplace_back(fmt::format("entry-mod-{}", q), std::to_string(row[std::size_t(entry % 3)]));
    }
  }
  if (problem == "dgc" && in.contains("edges")) {
    bool into = false, out = false;
    for (const auto& e : in["edges"]) {
      into = into || e[1] == in["target"];
      out = out || e[0] == in["source"];
    }
    f.emplace_back("target-entered", into ? "1" : "0");
    f.emplace_back("source-left", out ? "1" : "0");
  }
  return f;
}

/// Problems whose own decision rule one of the probe kinds expresses: those
/// probes are not run for them (they would "find" the problem itself).
bool rule_is_probe(const std::string& problem, const std::string& kind) {
  if (kind == "count") return problem == "majority" || problem == "dyck1";
  if (kind == "count-mod")
    return problem == "parity" || problem.starts_with("modcount:") || (problem.starts_with("word:Z") && problem.find(':', 5) == std::string::npos);
  return false;
}

/// The probes, fitted on the training lines: majority class, length rules,
/// first / last tokens, token counts and counts mod q.
std::vector<Probe> fit_probes(const std::string& problem, const std::vector<Line>& train) {
  std::vector<Probe> probes;
  const bool major = majority_of(train);
  probes.push_back({"majority", fmt::format("always {}", major ? "yes" : "no"), [major](const Line&) { return major; }});
  {
    auto [rule, f] = fit_threshold(train, "n", [](const Line& l) { return l.n; });
    probes.push_back({"length-threshold", rule, f});
  }
  for (const std::size_t q : {2u, 3u, 4u})
    probes.push_back(fit_lookup(train, fmt::format("length-mod-{}", q), fmt::format("n mod {}", q),
                                [q](const Line& l) { return std::to_string(l.n % q); }));
  for (const std::size_t k : {1u, 2u}) {
    auto join = [](auto b, auto e) {
      std::string s;
      for (auto it = b; it != e; ++it) {
        if (!s.empty()) s += ' ';
        s += *it;
      }
      return s;
    };
    probes.push_back(fit_lookup(train, fmt::format("first-{}", k), fmt::format("the first {} token{}", k, k > 1 ? "s" : ""),
                                [k, join](const Line& l) { return join(l.tokens.begin(), l.tokens.begin() + std::ptrdiff_t(std::min(k, l.tokens.size()))); }));
    probes.push_back(fit_lookup(train, fmt::format("last-{}", k), fmt::format("the last {} token{}", k, k > 1 ? "s" : ""),
                                [k, join](const Line& l) { return join(l.tokens.end() - std::ptrdiff_t(std::min(k, l.tokens.size())), l.tokens.end()); }));
  }
  // the problem's own weak rules (problem_features): the same features on every line
  if (!train.empty())
    for (std::size_t i = 0; i < train.front().features.size(); ++i) {
      const std::string name = train.front().features[i].first;
      probes.push_back(fit_lookup(train, name, name, [i](const Line& l) { return l.features[i].second; }));
    }
  // the most frequent tokens of the training split (at most 8): counts and counts mod q
  std::unordered_map<std::string, std::size_t> freq;
  for (const auto& l : train)
    for (const auto& t : l.tokens) ++freq[t];
  std::vector<std::pair<std::size_t, std::string>> top;
  for (const auto& [t, c] : freq) top.emplace_back(c, t);
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  if (top.size() > 8) top.resize(8);
  for (const auto& entry : top) {
    const std::string tok = entry.second;  // a plain variable: lambdas capture it (not a structured binding)
    auto count = [tok](const Line& l) { return std::size_t(std::count(l.tokens.begin(), l.tokens.end(), tok)); };
    if (!rule_is_probe(problem, "count")) {
      auto [rule, f] = fit_threshold(train, fmt::format("count({})", tok), count);
      probes.push_back({fmt::format("count[{}]", tok), rule, f});
    }
    if (!rule_is_probe(problem, "count-mod"))
      for (const std::size_t q : {2u, 3u})
        probes.push_back(fit_lookup(train, fmt::format("count-mod-{}[{}]", q, tok), fmt::format("count({}) mod {}", tok, q),
                                    [count, q](const Line& l) { return std::to_string(count(l) % q); }));
  }
  return probes;
}

}  // namespace

AuditReport audit(const AuditOptions& o) {
  o.validate();
  const auto problem = problem_named(o.problem);
  const Format format = parse_format(o.format);
  // read everything first: a bad line stops the audit before any check
  const auto lines = read_dataset(*problem, format, expand_inputs(format, o.files), {o.nodes});
  if (lines.empty()) throw OptionError("files", "the files hold no instance");
  std::vector<SplitData> splits;
  auto split_of = [&](const std::string& name) -> SplitData& {
    for (auto& s : splits)
      if (s.name == name) return s;
    splits.push_back({name, {}, 0, {}});
    return splits.back();
  };
  AuditReport rep;
  rep.notes = reading_notes(format, *problem, {o.nodes});
  std::size_t wrong = 0, positions = 0, wrong_positions = 0;
  std::unordered_map<std::string, std::vector<std::string>> keys;  // split → instance keys, every line
  for (const auto& l : lines) {
    bool right = true;
    std::string why;
    if (l.answer) {
      const bool reference = problem->solve(l.instance);
      if (reference != *l.answer) right = false, why = fmt::format("label {}, reference {}", *l.answer ? "yes" : "no", reference ? "yes" : "no");
    }
    if (!l.targets.empty()) {
      const auto ref = problem->solve_steps(l.instance);
      if (ref.empty())
        throw OptionError("files", fmt::format("{}: per-position labels, but {} has none (docs/problems.md)", l.where, o.problem));
      if (ref.size() != l.targets.size())
        throw reductions::ProblemError(fmt::format("{}: {} per-position labels for an instance of {} positions", l.where,
                                                   l.targets.size(), ref.size()));
      std::size_t first = ref.size();
      for (std::size_t t = 0; t < ref.size(); ++t)
        if (ref[t] != l.targets[t]) {
          ++wrong_positions;
          first = std::min(first, t);
        }
      positions += ref.size();
      if (first < ref.size() && right)
        right = false, why = fmt::format("position {}: label {}, reference {}", first + 1, l.targets[first], ref[first]);
    }
    if (!right) {
      ++wrong;
      if (rep.wrong.size() < o.list) rep.wrong.push_back(fmt::format("{}: {}", l.where, why));
    }
    auto& s = split_of(l.split);
    ++s.all;
    ++s.lengths[l.n];
    const std::string key = l.instance.dump();
    keys[l.split].push_back(key);
    if (l.answer) s.lines.push_back({key, l.n, *l.answer, tokens_of(l.instance), problem_features(o.problem, l.instance)});
  }

  const double total = double(lines.size());
  const double wrong_share = double(wrong) / total;
  std::string detail = fmt::format("{} of {} lines disagree with the reference solver", wrong, lines.size());
  if (positions) detail += fmt::format(" ({} of {} per-position labels)", wrong_positions, positions);
  rep.checks.push_back({"labels", "", detail, wrong_share, o.max_wrong, wrong_share <= o.max_wrong});
  // the training split: "train" when there is one, else the first
  const SplitData* train = &splits.front();
  for (const auto& s : splits)
    if (s.name == "train") train = &s;
  std::unordered_set<std::string> train_keys(keys[train->name].begin(), keys[train->name].end());
  for (const auto& s : splits) {
    std::unordered_set<std::string> seen;
    std::size_t dup = 0, leak = 0;
    for (const auto& k : keys[s.name]) {
      dup += !seen.insert(k).second;
      if (&s != train) leak += train_keys.count(k);
    }
    const double m = double(s.all);
    rep.checks.push_back({"duplicates", s.name, fmt::format("{} of {} lines repeat an earlier line of the split", dup, s.all), dup / m,
                          o.max_duplicates, dup / m <= o.max_duplicates});
    if (&s != train)
      rep.checks.push_back({"leakage", s.name, fmt::format("{} of {} lines appear verbatim in {}", leak, s.all, train->name), leak / m,
                            o.max_leak, leak / m <= o.max_leak});
    std::size_t yes = 0;
    for (const auto& l : s.lines) yes += l.answer;
    if (!s.lines.empty()) {
      const double answered = double(s.lines.size());
      const double minority = double(std::min(yes, s.lines.size() - yes)) / answered;
      rep.checks.push_back({"balance", s.name, fmt::format("{} yes, {} no", yes, s.lines.size() - yes), minority, o.min_minority,
                            minority >= o.min_minority});
    }
    nlohmann::ordered_json h = nlohmann::ordered_json::object();
    for (const auto& [n, c] : s.lengths) h[std::to_string(n)] = c;
    rep.splits[s.name] = {{"lines", s.all}, {"answered", s.lines.size()}, {"yes", yes}, {"lengths", h}};
  }
  // shortcut probes: fitted on the training split, scored on every other split against the majority class
  if (train->lines.empty()) return rep;  // per-position labels only: no decision to probe
  const auto probes = fit_probes(o.problem, train->lines);
  for (const auto& s : splits) {
    if (&s == train || s.lines.empty()) continue;
    const double base = accuracy(probes.front(), s.lines);
    // beyond chance: a rule unrelated to the answers scores about ±√(1/4m) around the
    // majority class on m lines; with P probes, z = Φ⁻¹(1 − 0.001/P) of those keeps the chance
    // that any unrelated probe is flagged below 0.001 (Bonferroni)
    const double noise = chance_z(0.001 / double(probes.size() - 1)) * std::sqrt(0.25 / double(s.lines.size()));
    for (std::size_t p = 1; p < probes.size(); ++p) {
      const double acc = accuracy(probes[p], s.lines);
      const bool flagged = acc - base >= o.shortcut_margin && acc - base >= noise;
      rep.checks.push_back({"shortcut", s.name,
                            fmt::format("{} ({}): accuracy {:.3f} against the majority class's {:.3f}{}", probes[p].name,
                                        probes[p].rule, acc, base,
                                        acc - base >= o.shortcut_margin && !flagged
                                            ? fmt::format(" (within chance on {} lines: {:.3f})", s.lines.size(), noise)
                                            : ""),
                            acc - base, o.shortcut_margin, !flagged});
    }
  }
  return rep;
}

}  // namespace parallax::experiment::dataset
