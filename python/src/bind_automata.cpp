// Regular languages: parallax.classify (the syntactic monoid, the circuit
// class and each architecture's prediction) and parallax.equivalent, the
// experiments of `parallax classify` and `parallax equivalent`.
#include "bindings.hpp"
#include "convert.hpp"
#include "experiment/classify.hpp"
#include "experiment/equivalent.hpp"

namespace parallax::python {

using namespace nb::literals;

namespace {
/// Messages spell options as keyword arguments ("regex", "max_monoid").
const experiment::OptionNames kKeywords{false};
}  // namespace

void bind_automata(nb::module_& m) {
  m.def(
      "classify",
      [](const std::string& language, const std::string& automaton, const std::string& automaton_json,
         const std::string& regex, const std::string& alphabet, std::size_t max_monoid, const std::string& cayley) {
        experiment::classify::Options o;
        o.source = {language, automaton, regex, alphabet, automaton_json};
        o.max_monoid = max_monoid;
        o.cayley = cayley;
        experiment::classify::Record r;
        {
          nb::gil_scoped_release release;
          r = experiment::classify::run(o, kKeywords);
        }
        return to_python(experiment::classify::to_json(r));
      },
      "language"_a, "automaton"_a, "automaton_json"_a, "regex"_a, "alphabet"_a, "max_monoid"_a, "cayley"_a);
  m.def(
      "equivalent",
      [](const std::string& a, const std::string& b, const std::string& alphabet) {
        experiment::equivalent::Options o;
        o.a = a, o.b = b, o.alphabet = alphabet;
        experiment::equivalent::Record r;
        {
          nb::gil_scoped_release release;
          r = experiment::equivalent::run(o, kKeywords);
        }
        return to_python(experiment::equivalent::to_json(r));
      },
      "a"_a, "b"_a, "alphabet"_a);
}

}  // namespace parallax::python
