#include "models/model.hpp"

namespace parallax::models {

std::string to_string(Verdict v) { return std::string(kVerdictNames[static_cast<std::size_t>(v)].second); }

Verdict verdict_of(numeric::Sign score_sign) {
  return score_sign == numeric::Sign::Positive  ? Verdict::Accept
         : score_sign == numeric::Sign::Unknown ? Verdict::Undecided
                                                : Verdict::Reject;
}

bool has_scan(const Model& m) { return std::holds_alternative<LrnnSpec>(m); }

}  // namespace parallax::models
