#include "automata/classify.hpp"

#include <algorithm>

#include "automata/monoid.hpp"
#include "automata/perm_group.hpp"

namespace parallax::automata {

MonoidSummary summarize(const Dfa& minimal_dfa, std::size_t max_size) {
  const Monoid m = transition_monoid_of(minimal_dfa, max_size);
  MonoidSummary s;
  s.states = minimal_dfa.states;
  s.monoid_size = m.size();
  s.idempotents = idempotents(m).size();

  // Every subgroup of M lies in some maximal subgroup H_e, and all maximal
  // subgroups of one D-class are isomorphic: one per regular D-class covers
  // every group of M up to taking subgroups (and solvability passes to
  // subgroups).
  const GreenClasses green = green_classes(m);
  bool all_solvable = true;
  for (const auto& d : regular_d_classes(m, green)) {
    if (d.group.order() == 1) continue;
    GroupSummary g;
    g.order = d.group.order();
    g.solvable = solvable(d.group);
    g.name = group_name(d.group);
    all_solvable = all_solvable && g.solvable;
    s.groups.push_back(std::move(g));
  }
  std::stable_sort(s.groups.begin(), s.groups.end(),
                   [](const GroupSummary& a, const GroupSummary& b) { return a.order > b.order; });
  // aperiodic iff every maximal subgroup is trivial
  s.aperiodic = s.groups.empty();
  s.max_period = largest_period(m);

  const StableSemigroup stable = stable_semigroup(m);
  s.stability_index = stable.stability_index;
  s.stable_semigroup_size = stable.elements.size();
  s.quasi_aperiodic = is_quasi_aperiodic(m, stable);

  if (!all_solvable)
    s.circuit_class = ComplexityClass::NC1Complete;
  else if (s.quasi_aperiodic)
    s.circuit_class = ComplexityClass::AC0;
  else
    s.circuit_class = ComplexityClass::ACC0;
  return s;
}

}  // namespace parallax::automata
