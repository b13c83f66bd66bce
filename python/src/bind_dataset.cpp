// parallax.datasets.export, .audit and .convert: `parallax dataset export`,
// `parallax audit` and `parallax dataset convert` (experiment/dataset.hpp) as calls, with the GIL
// released; bad options raise OptionError, malformed lines ValueError naming
// FILE:LINE and the field.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "experiment/dataset.hpp"
#include "interrupt.hpp"

namespace parallax::python {

using namespace nb::literals;
namespace ds = experiment::dataset;

namespace {

/// An export's or a conversion's report: manifest, files, instances, seconds.
nb::dict report_dict(const ds::ExportReport& rep) {
  nb::dict d;
  d["manifest"] = to_python(rep.manifest);
  d["files"] = rep.files;
  d["instances"] = rep.instances;
  d["seconds"] = rep.seconds;
  return d;
}

}  // namespace

void bind_dataset(nb::module_& m) {
  m.def(
      "dataset_export",
      [](const std::string& problem, const std::string& out, const std::string& splits, std::size_t per_length,
         bool balanced, bool allow_overlap, std::uint64_t seed, const std::string& format, const std::string& negatives) {
        ds::ExportOptions o;
        o.problem = problem, o.out = out, o.splits = splits, o.per_length = per_length;
        o.balanced = balanced, o.allow_overlap = allow_overlap, o.seed = seed, o.format = format, o.negatives = negatives;
        o.command = fmt::format("parallax.datasets.export(problem={:?}, out={:?}, splits={:?}, per_length={}, balanced={}, "
                                "allow_overlap={}, seed={}, format={:?}, negatives={:?})",
                                problem, out, splits, per_length, balanced ? "True" : "False",
                                allow_overlap ? "True" : "False", seed, format, negatives);
        o.version = PARALLAX_VERSION;
        const auto rep = without_gil([&] { return ds::export_dataset(o); });
        return report_dict(rep);
      },
      "problem"_a, "out"_a, "splits"_a, "per_length"_a, "balanced"_a, "allow_overlap"_a, "seed"_a, "format"_a, "negatives"_a);
  m.def(
      "dataset_audit",
      [](const std::string& problem, const std::vector<std::string>& files, double max_wrong, double max_leak,
         double max_duplicates, double min_minority, double shortcut_margin, const std::string& format, std::size_t nodes) {
        ds::AuditOptions o;
        o.problem = problem, o.files = files, o.max_wrong = max_wrong, o.max_leak = max_leak, o.format = format, o.nodes = nodes;
        o.max_duplicates = max_duplicates, o.min_minority = min_minority, o.shortcut_margin = shortcut_margin;
        const auto rep = without_gil([&] { return ds::audit(o); });
        nb::list checks;
        for (const auto& c : rep.checks) checks.append(to_python(ds::to_json(c)));
        nb::dict d;
        d["passed"] = rep.passed();
        d["checks"] = checks;
        d["wrong"] = rep.wrong;
        d["splits"] = to_python(rep.splits);
        d["notes"] = rep.notes;
        return d;
      },
      "problem"_a, "files"_a, "max_wrong"_a, "max_leak"_a, "max_duplicates"_a, "min_minority"_a, "shortcut_margin"_a, "format"_a,
      "nodes"_a);
  m.def(
      "dataset_convert",
      [](const std::string& problem, const std::vector<std::string>& inputs, const std::string& from, const std::string& to,
         const std::string& out, std::size_t nodes, std::uint64_t seed) {
        ds::ConvertOptions o;
        o.problem = problem, o.inputs = inputs, o.from = from, o.to = to, o.out = out, o.nodes = nodes, o.seed = seed;
        o.command = fmt::format("parallax.datasets.convert(problem={:?}, inputs={}, from_={:?}, to={:?}, out={:?}, nodes={}, seed={})",
                                problem, fmt::format("[{:?}]", fmt::join(inputs, ", ")), from, to, out, nodes, seed);
        o.version = PARALLAX_VERSION;
        const auto rep = without_gil([&] { return ds::convert(o); });
        return report_dict(rep);
      },
      "problem"_a, "inputs"_a, "from_"_a, "to"_a, "out"_a, "nodes"_a, "seed"_a);
}

}  // namespace parallax::python
