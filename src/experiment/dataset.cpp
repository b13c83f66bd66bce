#include "experiment/dataset.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
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
const char* const kAdded[] = {"answer", "split", "n", "id"};

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
    s.lengths_text += (s.lengths_text.empty() ? "" : ",") + part.substr(eq == std::string::npos ? 0 : eq + 1);
    if (s.lengths.size() > limits::kMaxSweepPoints)
      throw OptionError("splits", fmt::format("--splits: split {}: more than {} lengths", s.name, limits::kMaxSweepPoints));
  }
  if (out.empty()) throw OptionError("splits", "--splits: no split given (e.g. train=2..64,test=65..256)");
  return out;
}

std::size_t instance_length(const nlohmann::json& in) {
  if (!in.is_object()) return 0;
  if (const auto it = in.find("n"); it != in.end() && it->is_number_integer() && it->get<std::int64_t>() >= 0)
    return it->get<std::size_t>();
  std::size_t most = 0;
  for (const auto& [key, v] : in.items()) {
    if (key == "problem" || key == "split" || key == "id") continue;
    if (v.is_array()) most = std::max(most, v.size());
    if (v.is_string()) most = std::max(most, v.get_ref<const std::string&>().size());
  }
  return most;
}

// ---- export ---------------------------------------------------------------

void ExportOptions::validate() const {
  if (problem.empty()) throw OptionError("problem", "--problem: give the problem to export (see `parallax problems`)");
  if (out.empty()) throw OptionError("out", "--out: give the folder to write into");
  if (format != "jsonl")
    throw OptionError("format", fmt::format("--format {}: only jsonl is written so far (docs/datasets.md)", format));
  if (per_length == 0) throw OptionError("per_length", "--per-length: at least 1 instance per length");
  const auto splits_ = parse_splits(splits);
  std::uint64_t total = 0;
  for (const auto& s : splits_) total = limits::add(total, limits::mul(per_length, s.lengths.size()));
  if (total > (std::uint64_t(1) << 26))
    throw OptionError("per_length", fmt::format("--splits and --per-length ask for {} instances; the limit is 2^26", total));
}

ExportReport export_dataset(const ExportOptions& o, const std::function<void(const std::string&)>& progress) {
  o.validate();
  const auto problem = problem_named(o.problem);
  const auto splits = parse_splits(o.splits);
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) throw OptionError("out", fmt::format("--out {}: cannot create the folder ({})", o.out, ec.message()));
  io::check_output_path((fs::path(o.out) / "manifest.json").string(), "--out");

  const auto t0 = std::chrono::steady_clock::now();
  ExportReport rep;
  nlohmann::ordered_json manifest;
  manifest["command"] = o.command;
  manifest["parallax_version"] = o.version;
  manifest["problem"] = o.problem;
  manifest["format"] = o.format;
  manifest["seed"] = o.seed;
  manifest["per_length"] = o.per_length;
  manifest["balanced"] = o.balanced;
  manifest["allow_overlap"] = o.allow_overlap;
  manifest["splits"] = nlohmann::ordered_json::array();
  std::unordered_map<std::string, std::size_t> owner;  // instance → the split that holds it
  std::vector<std::pair<std::string, std::string>> contents;
  constexpr int kAttempts = 64;
  for (std::size_t si = 0; si < splits.size(); ++si) {
    const Split& s = splits[si];
    if (progress) progress(fmt::format("{}: lengths {}, {} per length", s.name, s.lengths_text, o.per_length));
    std::string text;
    std::size_t yes_count = 0, lines = 0;
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
            in = problem->generate(n, mix(base, static_cast<std::uint64_t>(attempt)), yes);
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
        nlohmann::ordered_json line;
        for (const auto& [k, v] : in.items()) line[k] = v;
        line["answer"] = yes;
        line["split"] = s.name;
        line["n"] = n;
        text += line.dump();
        text += '\n';
        yes_here += yes;
        ++lines;
      }
      per_length[std::to_string(n)] = {{"instances", o.per_length}, {"yes", yes_here}};
      yes_count += yes_here;
    }
    const std::string file = s.name + ".jsonl";
    nlohmann::ordered_json entry;
    entry["name"] = s.name;
    entry["lengths"] = s.lengths_text;
    entry["file"] = file;
    entry["instances"] = lines;
    entry["yes"] = yes_count;
    entry["no"] = lines - yes_count;
    entry["per_length"] = per_length;
    manifest["splits"].push_back(entry);
    rep.instances += lines;
    contents.emplace_back(file, std::move(text));
  }
  manifest["sha256"] = nlohmann::ordered_json::object();
  for (const auto& [file, text] : contents) {
    const std::string path = (fs::path(o.out) / file).string();
    io::write_file_atomic(path, text);
    manifest["sha256"][file] = sha256_hex(text);
    rep.files.push_back(path);
  }
  const std::string mpath = (fs::path(o.out) / "manifest.json").string();
  io::write_file_atomic(mpath, manifest.dump(2) + "\n");
  rep.files.push_back(mpath);
  rep.manifest = std::move(manifest);
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
};

struct SplitData {
  std::string name;
  std::vector<Line> lines;
};

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

/// Majority class, the best length threshold, and the majority per length mod q.
std::vector<Probe> fit_probes(const std::vector<Line>& train) {
  std::vector<Probe> probes;
  const bool major = majority_of(train);
  probes.push_back({"majority", fmt::format("always {}", major ? "yes" : "no"), [major](const Line&) { return major; }});
  // yes iff n >= t (or n < t): the threshold and side with the best training accuracy, from the
  // per-length counts in one sweep over the lengths (ascending: the first best threshold wins)
  std::map<std::size_t, std::pair<std::size_t, std::size_t>> at;  // n → (yes, no)
  std::size_t yes_total = 0;
  for (const auto& l : train) {
    ++(l.answer ? at[l.n].first : at[l.n].second);
    yes_total += l.answer;
  }
  std::size_t best_t = 0, best = 0, yes_below = 0, no_below = 0;
  bool best_above = true, any = false;
  for (const auto& [t, counts] : at) {
    // above: right = yes at n >= t plus no at n < t; below: the complement
    const std::size_t above = (yes_total - yes_below) + no_below, below = train.size() - above;
    for (const auto& [right, side] : {std::pair{above, true}, {below, false}})
      if (!any || right > best) best = right, best_t = t, best_above = side, any = true;
    yes_below += counts.first, no_below += counts.second;
  }
  probes.push_back({"length-threshold", fmt::format("yes iff n {} {}", best_above ? ">=" : "<", best_t),
                    [best_t, best_above](const Line& l) { return (l.n >= best_t) == best_above; }});
  for (const std::size_t q : {2u, 3u, 4u}) {
    std::vector<std::size_t> yes(q, 0), all(q, 0);
    for (const auto& l : train) yes[l.n % q] += l.answer, ++all[l.n % q];
    std::vector<bool> label(q);
    std::string rule = "yes iff n mod " + std::to_string(q) + " in {";
    bool first = true;
    for (std::size_t r = 0; r < q; ++r) {
      label[r] = all[r] ? 2 * yes[r] >= all[r] : major;
      if (label[r]) rule += (first ? "" : ", ") + std::to_string(r), first = false;
    }
    rule += "}";
    probes.push_back({fmt::format("length-mod-{}", q), rule, [label, q](const Line& l) { return bool(label[l.n % q]); }});
  }
  return probes;
}

}  // namespace

AuditReport audit(const AuditOptions& o) {
  o.validate();
  const auto problem = problem_named(o.problem);
  // read everything first: a bad line stops the audit before any check
  std::vector<SplitData> splits;
  auto split_of = [&](const std::string& name) -> SplitData& {
    for (auto& s : splits)
      if (s.name == name) return s;
    splits.push_back({name, {}});
    return splits.back();
  };
  AuditReport rep;
  std::size_t wrong = 0, total = 0;
  for (const auto& file : o.files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw OptionError("files", fmt::format("{}: cannot open the file", file));
    const std::string stem = fs::path(file).stem().string();
    std::string text;
    std::size_t line_no = 0;
    while (std::getline(in, text)) {
      ++line_no;
      if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
      const nlohmann::json j = parse_instance_line(*problem, text, file, line_no);
      const auto a = j.find("answer");
      if (a == j.end()) throw reductions::ProblemError(fmt::format("{}:{}: field answer: missing (the line's label)", file, line_no));
      bool label;
      if (a->is_boolean())
        label = a->get<bool>();
      else if (a->is_number_integer() && (*a == 0 || *a == 1))
        label = *a == 1;
      else
        throw reductions::ProblemError(fmt::format("{}:{}: field answer: expected true, false, 0 or 1, got {}", file, line_no, a->dump()));
      std::string split = stem;
      if (const auto s = j.find("split"); s != j.end()) {
        if (!s->is_string()) throw reductions::ProblemError(fmt::format("{}:{}: field split: expected a string", file, line_no));
        split = s->get<std::string>();
      }
      const bool reference = problem->solve(j);
      ++total;
      if (reference != label) {
        ++wrong;
        if (rep.wrong.size() < o.list)
          rep.wrong.push_back(fmt::format("{}:{}: label {}, reference {}", file, line_no, label ? "yes" : "no", reference ? "yes" : "no"));
      }
      split_of(split).lines.push_back({instance_key(j), instance_length(j), label});
    }
    if (in.bad()) throw OptionError("files", fmt::format("{}: read error", file));
  }
  if (total == 0) throw OptionError("files", "the files hold no instance");

  const double wrong_share = double(wrong) / double(total);
  rep.checks.push_back({"labels", "", fmt::format("{} of {} labels disagree with the reference solver", wrong, total), wrong_share,
                        o.max_wrong, wrong_share <= o.max_wrong});
  // the training split: "train" when there is one, else the first
  const SplitData* train = &splits.front();
  for (const auto& s : splits)
    if (s.name == "train") train = &s;
  std::unordered_set<std::string> train_keys;
  for (const auto& l : train->lines) train_keys.insert(l.key);
  for (const auto& s : splits) {
    std::unordered_set<std::string> seen;
    std::size_t dup = 0, yes = 0, leak = 0;
    std::map<std::size_t, std::size_t> hist;
    for (const auto& l : s.lines) {
      dup += !seen.insert(l.key).second;
      yes += l.answer;
      ++hist[l.n];
      if (&s != train) leak += train_keys.count(l.key);
    }
    const double m = double(s.lines.size());
    rep.checks.push_back({"duplicates", s.name, fmt::format("{} of {} lines repeat an earlier line of the split", dup, s.lines.size()),
                          dup / m, o.max_duplicates, dup / m <= o.max_duplicates});
    if (&s != train)
      rep.checks.push_back({"leakage", s.name, fmt::format("{} of {} lines appear verbatim in {}", leak, s.lines.size(), train->name),
                            leak / m, o.max_leak, leak / m <= o.max_leak});
    const double minority = std::min(yes, s.lines.size() - yes) / m;
    rep.checks.push_back({"balance", s.name, fmt::format("{} yes, {} no", yes, s.lines.size() - yes), minority, o.min_minority,
                          minority >= o.min_minority});
    nlohmann::ordered_json h = nlohmann::ordered_json::object();
    for (const auto& [n, c] : hist) h[std::to_string(n)] = c;
    rep.splits[s.name] = {{"lines", s.lines.size()}, {"yes", yes}, {"lengths", h}};
  }
  // shortcut probes: fitted on the training split, scored on every other split against the majority class
  const auto probes = fit_probes(train->lines);
  for (const auto& s : splits) {
    if (&s == train) continue;
    const double base = accuracy(probes.front(), s.lines);
    for (std::size_t p = 1; p < probes.size(); ++p) {
      const double acc = accuracy(probes[p], s.lines);
      rep.checks.push_back({"shortcut", s.name,
                            fmt::format("{} ({}): accuracy {:.3f} against the majority class's {:.3f}", probes[p].name,
                                        probes[p].rule, acc, base),
                            acc - base, o.shortcut_margin, acc - base < o.shortcut_margin});
    }
  }
  return rep;
}

}  // namespace parallax::experiment::dataset
