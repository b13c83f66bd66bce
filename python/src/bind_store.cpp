// parallax.Store: a result store (experiment/store.hpp) opened for reading,
// its runs and results as dicts; the Python layer makes pandas tables of them.
#include "bindings.hpp"
#include "convert.hpp"
#include "experiment/store.hpp"

namespace parallax::python {

using namespace nb::literals;
namespace ex = experiment;

namespace {

struct StoreHandle {
  ex::Store store;
};

nb::dict run_dict(const ex::Store::Run& r) {
  nb::dict d;
  d["id"] = r.id;
  d["command"] = r.command;
  d["config"] = to_python(r.config);
  d["version"] = r.version;
  d["seed"] = r.seed;
  d["started"] = r.started;
  d["finished"] = r.finished ? nb::cast(*r.finished) : nb::none();
  d["host"] = r.host;
  d["results"] = r.results;
  return d;
}

}  // namespace

void bind_store(nb::module_& m) {
  nb::class_<StoreHandle>(m, "_Store")
      .def_static(
          "open", [](const std::string& path) { return StoreHandle{ex::Store::open(path, false)}; }, "path"_a)
      .def_prop_ro("path", [](const StoreHandle& s) { return s.store.path(); })
      .def("runs",
           [](const StoreHandle& s) {
             nb::list out;
             for (const auto& r : s.store.runs()) out.append(run_dict(r));
             return out;
           })
      .def(
          "results",
          [](const StoreHandle& s, std::optional<std::int64_t> run) {
            if (run) s.store.run(*run);  // NoSuchRun names the file and the id
            nb::list out;
            for (const auto& r : s.store.results(run)) {
              nb::dict d;
              d["id"] = r.id;
              d["run"] = r.run;
              d["kind"] = r.kind;
              d["key"] = r.key;
              d["created"] = r.created;
              d["record"] = to_python(r.record);
              out.append(d);
            }
            return out;
          },
          "run"_a.none());
}

}  // namespace parallax::python
