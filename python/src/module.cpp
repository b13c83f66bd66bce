// parallax._core: the compiled half of the Python package. The Python half
// (python/parallax) wraps it in keyword-argument functions with docstrings;
// docs/python.md is the API.
//
// Errors: what the command line refuses with exit 2 (bad options, files,
// models, limits) raises ValueError with the same message, naming the file,
// line, field or option; the rest raises RuntimeError. A run interrupted by
// Ctrl-C raises KeyboardInterrupt (interrupt.hpp).
#include <nanobind/nanobind.h>

#include <optional>
#include <stdexcept>

#include "automata/automaton_json.hpp"
#include "automata/regex.hpp"
#include "bindings.hpp"
#include "experiment/npy.hpp"
#include "experiment/options.hpp"
#include "experiment/store.hpp"
#include "models/lrnn.hpp"
#include "numeric/limits.hpp"

namespace nb = nanobind;
using namespace parallax;

NB_MODULE(_core, m) {
  m.doc() = "The compiled core of Parallax (use the package `parallax`, not this module)";
  m.attr("__version__") = PARALLAX_VERSION;

  // parallax.OptionError(ValueError): a bad option, its name in .option;
  // parallax.RegexError(OptionError): a malformed regex, its offset in .position
  static nb::exception<experiment::OptionError> option_error(m, "OptionError", PyExc_ValueError);
  static nb::exception<automata::RegexError> regex_error(m, "RegexError", option_error.ptr());
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    auto raise = [](nb::handle type, const char* what, const std::string& option, std::optional<std::size_t> position) {
      nb::object inst = nb::borrow(type)(what);
      inst.attr("option") = option;
      inst.attr("position") = position ? nb::cast(*position) : nb::none();
      PyErr_SetObject(type.ptr(), inst.ptr());
    };
    try {
      std::rethrow_exception(p);
    } catch (const automata::RegexError& e) {
      raise(regex_error, e.what(), "regex", e.position);
    } catch (const experiment::OptionError& e) {
      try {
        std::rethrow_if_nested(e);
        raise(option_error, e.what(), e.option, std::nullopt);
      } catch (const automata::RegexError& inner) {
        raise(regex_error, e.what(), e.option, inner.position);
      } catch (...) {
        raise(option_error, e.what(), e.option, std::nullopt);
      }
    } catch (const models::ModelError& e) {  // a bad model file, model or token: bad input
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const automata::AutomatonError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const experiment::NpyError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const experiment::StoreError& e) {
      // a missing file, not a store, a newer schema, a malformed stored
      // record: bad input; a lock held elsewhere or an I/O failure: RuntimeError
      using K = experiment::StoreError::Kind;
      const bool bad = e.kind == K::NotFound || e.kind == K::NotAStore || e.kind == K::NewerSchema || e.kind == K::NoSuchRun;
      PyErr_SetString(bad ? PyExc_ValueError : PyExc_RuntimeError, e.what());
    }
    // std::invalid_argument (options, precisions, limits, JSON, records, problems)
    // is nanobind's ValueError; other exceptions its RuntimeError
  });

  python::bind_numeric(m);
  python::bind_models(m);
  python::bind_solve(m);
  python::bind_automata(m);
  python::bind_problems(m);
  python::bind_experiments(m);
  python::bind_store(m);
  python::bind_suite(m);
  python::bind_dataset(m);
}
