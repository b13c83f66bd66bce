#pragma once
// Growth laws of a measured quantity y(n) (circuit depth, minimum bits):
// least-squares fits of y ≈ a (constant), a + b·log₂ n and a + b·n, and the
// law that describes the data best.
#include <string>
#include <vector>

namespace parallax::experiment {

enum class Law { Constant, Logarithmic, Linear };
/// "constant", "a + b*log2 n", "a + b*n".
std::string to_string(Law law);

struct LawFit {
  Law law = Law::Constant;
  double a = 0, b = 0;
  double rss = 0;  ///< residual sum of squares
};

/// Least squares y ≈ a + b·x.
LawFit fit_line(const std::vector<double>& x, const std::vector<double>& y);

/// The three fits of y against n (n ≥ 1), constant first.
std::vector<LawFit> fit_laws(const std::vector<double>& n, const std::vector<double>& y);

/// The law that fits best: constant when y does not change; otherwise the
/// smaller residual of the two one-slope laws (ties to the logarithmic one).
/// Needs at least two points.
LawFit best_law(const std::vector<double>& n, const std::vector<double>& y);

/// "9.00 + 0.50*log2 n (rss 0.25)" and the like.
std::string describe(const LawFit& f);

}  // namespace parallax::experiment
