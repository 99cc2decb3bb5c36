#include "common/status.h"

#include <cstdio>
#include <cstdlib>

namespace redraft {

std::string Status::ToString() const {
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: return "NotFound: " + message_;
    case Code::kCorruption: return "Corruption: " + message_;
    case Code::kIOError: return "IO error: " + message_;
    case Code::kInvalidArgument: return "Invalid argument: " + message_;
    case Code::kBusy: return "Busy: " + message_;
    case Code::kAborted: return "Aborted: " + message_;
    case Code::kNoSpace: return "No space: " + message_;
  }
  return "Unknown: " + message_;
}

void Panic(const char* file, int line, const std::string& msg) {
  std::fprintf(stderr, "PANIC %s:%d: %s\n", file, line, msg.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace redraft
