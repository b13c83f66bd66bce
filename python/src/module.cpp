// parallax._core: the compiled half of the Python package. The Python half
// (python/parallax) wraps it in keyword-argument functions with docstrings;
// docs/python.md is the API.
//
// Errors: what the command line refuses with exit 2 (bad options, files,
// models, limits) raises ValueError with the same message, naming the file,
// line, field or option; the rest raises RuntimeError.
#include <nanobind/nanobind.h>

#include <stdexcept>

#include "automata/automaton_json.hpp"
#include "automata/regex.hpp"
#include "bindings.hpp"
#include "experiment/npy.hpp"
#include "models/lrnn.hpp"
#include "numeric/limits.hpp"

namespace nb = nanobind;
using namespace parallax;

NB_MODULE(_core, m) {
  m.doc() = "The compiled core of Parallax (use the package `parallax`, not this module)";
  m.attr("__version__") = PARALLAX_VERSION;

  static nb::exception<automata::RegexError> regex_error(m, "RegexError", PyExc_ValueError);
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const automata::RegexError& e) {
      nb::object err = nb::borrow(regex_error);
      nb::object inst = err(e.what());
      inst.attr("position") = e.position;
      PyErr_SetObject(err.ptr(), inst.ptr());
    } catch (const models::ModelError& e) {  // a bad model file, model or token: bad input
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const automata::AutomatonError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const experiment::NpyError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
    // std::invalid_argument (options, precisions, limits, JSON, records, problems)
    // is nanobind's ValueError; other exceptions its RuntimeError
  });

  python::bind_numeric(m);
  python::bind_models(m);
  python::bind_solve(m);
}
