#pragma once
// Ctrl-C during a long run. A run releases the GIL; its hooks' poll (called
// from the calling thread between trials, words, widths and circuits) takes
// the GIL back at most every 100 ms to run Python's signal handlers. When one
// raises (KeyboardInterrupt), the poll throws Interrupted, the run stops (its
// results so far stay in the store), and the binding re-raises the pending
// Python error.
#include <chrono>
#include <functional>

#include "bindings.hpp"

namespace parallax::python {

/// A Python signal handler raised during a run; its exception is pending.
struct Interrupted {};

/// A poll for a run's hooks: Python's signal handlers at most every `interval`.
inline std::function<void()> signal_poll(std::chrono::milliseconds interval = std::chrono::milliseconds(100)) {
  auto last = std::chrono::steady_clock::now();
  return [last, interval]() mutable {
    const auto now = std::chrono::steady_clock::now();
    if (now - last < interval) return;
    last = now;
    nb::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw Interrupted{};
  };
}

/// Runs f() without the GIL; an Interrupted run raises its pending Python error.
template <class F>
auto without_gil(F&& f) -> decltype(f()) {
  try {
    nb::gil_scoped_release release;
    return f();
  } catch (const Interrupted&) {
    throw nb::python_error();
  }
}

}  // namespace parallax::python
