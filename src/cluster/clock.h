#pragma once

#include <chrono>
#include <cstdint>

namespace redraft::cluster {

// Milliseconds of the steady clock: every deadline of the cluster layer is measured on it.
inline int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace redraft::cluster
