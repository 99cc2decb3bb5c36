#include "common/disk_health.h"

namespace redraft {
namespace {

int Slot(DiskHealth::Fault f) { return f == DiskHealth::kLog ? 0 : f == DiskHealth::kStore ? 1 : 2; }

}  // namespace

bool DiskHealth::Set(Fault f, std::string reason) {
  std::lock_guard<std::mutex> l(mu_);
  reasons_[Slot(f)] = std::move(reason);
  return (faults_.fetch_or(f) & f) == 0;
}

bool DiskHealth::Clear(Fault f) {
  std::lock_guard<std::mutex> l(mu_);
  reasons_[Slot(f)].clear();
  return (faults_.fetch_and(~static_cast<unsigned>(f)) & f) != 0;
}

std::string DiskHealth::Reason() const {
  std::lock_guard<std::mutex> l(mu_);
  unsigned bits = faults_.load();
  for (Fault f : {kLog, kStore, kLowSpace}) {
    if (bits & f) return reasons_[Slot(f)];
  }
  return "";
}

std::string DiskHealth::MisconfError() const {
  // Redis 7.0 says "-MISCONF Errors writing to the AOF file: No space left on device".
  std::string why = Reason();
  for (char& c : why) c = (c == '\r' || c == '\n') ? ' ' : c;
  return "-MISCONF Errors writing to disk: " + why +
         ". Writes are refused until space is available; reads still work\r\n";
}

std::string DiskHealth::Describe() const {
  unsigned bits = faults_.load();
  if (bits == 0) return "ok";
  std::string out;
  if (bits & kLog) out += "log";
  if (bits & kStore) out += std::string(out.empty() ? "" : ",") + "store";
  if (bits & kLowSpace) out += std::string(out.empty() ? "" : ",") + "low_space";
  return out;
}

}  // namespace redraft
