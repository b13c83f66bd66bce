#include "experiment/fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace parallax::experiment {

std::string to_string(Law law) {
  switch (law) {
    case Law::Constant: return "constant";
    case Law::Logarithmic: return "a + b*log2 n";
    case Law::Linear: return "a + b*n";
  }
  return "?";
}

LawFit fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size() || x.empty()) throw std::invalid_argument("fit_line: need equally many x and y, at least one");
  const double m = static_cast<double>(x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sx += x[i], sy += y[i], sxx += x[i] * x[i], sxy += x[i] * y[i];
  LawFit f;
  const double den = m * sxx - sx * sx;
  f.b = den != 0 ? (m * sxy - sx * sy) / den : 0;
  f.a = (sy - f.b * sx) / m;
  for (std::size_t i = 0; i < x.size(); ++i) f.rss += std::pow(y[i] - (f.a + f.b * x[i]), 2);
  return f;
}

std::vector<LawFit> fit_laws(const std::vector<double>& n, const std::vector<double>& y) {
  std::vector<double> ones(n.size(), 0.0), logs, lins;
  for (double v : n) {
    if (!(v >= 1)) throw std::invalid_argument("fit_laws: lengths must be at least 1");
    logs.push_back(std::log2(v));
    lins.push_back(v);
  }
  LawFit c = fit_line(ones, y), l = fit_line(logs, y), li = fit_line(lins, y);
  c.law = Law::Constant, c.b = 0;
  l.law = Law::Logarithmic;
  li.law = Law::Linear;
  return {c, l, li};
}

LawFit best_law(const std::vector<double>& n, const std::vector<double>& y) {
  if (n.size() < 2) throw std::invalid_argument("best_law: need at least two points");
  const auto fits = fit_laws(n, y);
  if (std::all_of(y.begin(), y.end(), [&](double v) { return v == y.front(); })) return fits[0];
  return fits[2].rss < fits[1].rss ? fits[2] : fits[1];
}

std::string describe(const LawFit& f) {
  switch (f.law) {
    case Law::Constant: return fmt::format("{:.3g} (constant, rss {:.3g})", f.a, f.rss);
    case Law::Logarithmic: return fmt::format("{:.3f} + {:.3f}*log2 n (rss {:.3g})", f.a, f.b, f.rss);
    case Law::Linear: return fmt::format("{:.3f} + {:.3g}*n (rss {:.3g})", f.a, f.b, f.rss);
  }
  return "?";
}

}  // namespace parallax::experiment
