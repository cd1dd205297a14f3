// Status formatting.
#include "common/status.h"

namespace cairn {

std::string Status::ToString() const {
  static constexpr std::string_view kNames[] = {"OK",          "NotFound",    "Corruption",
                                                "IO error",    "Invalid argument", "Out of range",
                                                "Unavailable", "Busy",        "Aborted",
                                                "Internal"};
  auto idx = static_cast<size_t>(code_);
  std::string out(idx < std::size(kNames) ? kNames[idx] : "Unknown");
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace cairn
