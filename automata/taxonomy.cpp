#include "automata/taxonomy.hpp"

namespace parallax::automata {

const ArchitectureNames& names(Architecture a) { return kArchitectures[static_cast<std::size_t>(a)]; }

std::string to_string(Architecture a) { return std::string(names(a).key); }

std::optional<Architecture> parse_architecture(std::string_view key) {
  for (const auto& n : kArchitectures)
    if (n.key == key) return n.architecture;
  return std::nullopt;
}

std::string to_string(ComplexityClass c) { return std::string(kComplexityClasses[static_cast<std::size_t>(c)].name); }

std::optional<ComplexityClass> parse_complexity_class(std::string_view name) {
  for (const auto& n : kComplexityClasses)
    if (n.name == name) return n.complexity_class;
  return std::nullopt;
}

}  // namespace parallax::automata
