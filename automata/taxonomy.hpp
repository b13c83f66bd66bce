#pragma once
// The two axes of the expressivity table (docs/report.md): the architectures
// that are its columns and the complexity classes that order its rows. Each
// enum has one name table, in the enum's order; every name of an architecture
// or a class is spelled there and nowhere else.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace parallax::automata {

/// The model classes the theory makes claims about, in the table's column order.
enum class Architecture { Diag01, Diag11, Complex, Pd, Dplr, Dense, Rnn, Transformer };

struct ArchitectureNames {
  Architecture architecture;
  std::string_view key;    ///< stable name: the report's column key
  std::string_view title;  ///< the report's column header
  /// The name of the prediction in `parallax classify` (its --json key) and
  /// its label there: the transformer row states the TC0 bound, which holds
  /// for diagonal SSMs too.
  std::string_view prediction_key;
  std::string_view prediction_label;
};

inline constexpr std::array<ArchitectureNames, 8> kArchitectures = {{
    {Architecture::Diag01, "diag01", "diagonal [0,1]", "diag01", "diagonal LRNN, eigenvalues in [0,1]"},
    {Architecture::Diag11, "diag11", "diagonal [\u22121,1]", "diag11", "diagonal LRNN, real eigenvalues in [-1,1]"},
    {Architecture::Complex, "complex", "rotation / complex diag.", "complex", "complex-diagonal LRNN (rotations)"},
    {Architecture::Pd, "pd", "PD-LRNN", "pd", "PD-LRNN (permutation x diagonal)"},
    {Architecture::Dplr, "dplr", "DPLR / Householder", "dplr", "DPLR / Householder products"},
    {Architecture::Dense, "dense", "dense LRNN", "dense", "dense LRNN"},
    {Architecture::Rnn, "rnn", "nonlinear RNN", "rnn", "nonlinear RNN"},
    {Architecture::Transformer, "transformer", "transformer", "tc0", "log-precision transformer / diagonal SSM"},
}};

/// The name table's row of an architecture.
const ArchitectureNames& names(Architecture a);
/// The key: "diag01", "diag11", "complex", "pd", "dplr", "dense", "rnn", "transformer".
std::string to_string(Architecture a);
/// The architecture of a key; nullopt for any other text.
std::optional<Architecture> parse_architecture(std::string_view key);

/// The classes of the theory, in the table's row order (inclusions first,
/// then completeness for ever larger classes).
enum class ComplexityClass { AC0, ACC0, TC0, NC1Complete, CNC1Complete, PNC1Complete, LComplete, PComplete };

struct ComplexityClassNames {
  ComplexityClass complexity_class;
  std::string_view name;
};

inline constexpr std::array<ComplexityClassNames, 8> kComplexityClasses = {{
    {ComplexityClass::AC0, "AC0"},
    {ComplexityClass::ACC0, "ACC0"},
    {ComplexityClass::TC0, "TC0"},
    {ComplexityClass::NC1Complete, "NC1-complete"},
    {ComplexityClass::CNC1Complete, "C=NC1-complete"},
    {ComplexityClass::PNC1Complete, "PNC1-complete"},
    {ComplexityClass::LComplete, "L-complete"},
    {ComplexityClass::PComplete, "P-complete"},
}};

/// "AC0", "ACC0", "TC0", "NC1-complete", "C=NC1-complete", "PNC1-complete",
/// "L-complete", "P-complete".
std::string to_string(ComplexityClass c);
/// The class of a name; nullopt for any other text.
std::optional<ComplexityClass> parse_complexity_class(std::string_view name);

namespace detail {
/// Whether row i of a name table describes enumerator i.
template <class Table, class Member>
constexpr bool in_enum_order(const Table& table, Member member) {
  for (std::size_t i = 0; i < table.size(); ++i)
    if (static_cast<std::size_t>(table[i].*member) != i) return false;
  return true;
}
static_assert(in_enum_order(kArchitectures, &ArchitectureNames::architecture));
static_assert(in_enum_order(kComplexityClasses, &ComplexityClassNames::complexity_class));
}  // namespace detail

}  // namespace parallax::automata
