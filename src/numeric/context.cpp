#include "numeric/context.hpp"

#include <utility>

namespace parallax::numeric {

std::vector<std::string> Status::events() const {
  const std::pair<const std::atomic<bool>*, const char*> flags[] = {
      {&saturated, "saturated"}, {&overflow, "overflow"}, {&underflow, "underflow"}, {&invalid, "invalid"}};
  std::vector<std::string> names;
  for (const auto& [flag, name] : flags)
    if (*flag) names.push_back(name);
  return names;
}

Context& current_context() noexcept {
  thread_local Context ctx;
  return ctx;
}

ContextGuard::ContextGuard(const Context& ctx) noexcept : saved_(current_context()) {
  current_context() = ctx;
}

ContextGuard::~ContextGuard() { current_context() = saved_; }

namespace {
template <class F>
void record(F&& f) noexcept {
  if (Status* s = current_context().status) f(*s);
}
}  // namespace

void note_saturated() noexcept { record([](Status& s) { s.saturated.store(true, std::memory_order_relaxed); }); }
void note_overflow() noexcept { record([](Status& s) { s.overflow.store(true, std::memory_order_relaxed); }); }
void note_underflow() noexcept { record([](Status& s) { s.underflow.store(true, std::memory_order_relaxed); }); }
void note_invalid() noexcept { record([](Status& s) { s.invalid.store(true, std::memory_order_relaxed); }); }

}  // namespace parallax::numeric
