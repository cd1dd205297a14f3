// The simulator's trace: one line per event, printed only when replaying a single seed (so that
// running thousands of seeds pays nothing for formatting).
#pragma once

#include <cstdarg>
#include <cstdint>
#include <cstdio>

namespace cairn::sim {

class Trace {
 public:
  explicit Trace(bool enabled) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }
  void set_step(uint64_t step) { step_ = step; }

  __attribute__((format(printf, 2, 3))) void Log(const char* fmt, ...) const {
    if (!enabled_) return;
    std::printf("[%6llu] ", static_cast<unsigned long long>(step_));
    va_list args;
    va_start(args, fmt);
    std::vprintf(fmt, args);
    va_end(args);
    std::printf("\n");
  }

 private:
  bool enabled_;
  uint64_t step_ = 0;
};

}  // namespace cairn::sim
