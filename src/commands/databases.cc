#include "commands/databases.h"

#include <atomic>
#include <climits>
#include <string>

#include "commands/args.h"
#include "store/store.h"

namespace redraft::commands {
namespace {
std::atomic<int> g_databases{16};
}  // namespace

int DatabaseCount() { return g_databases.load(std::memory_order_relaxed); }

void SetDatabaseCount(int n) {
  REDRAFT_CHECK(n >= 1 && n <= store::kMaxDatabases);
  g_databases.store(n, std::memory_order_relaxed);
}

Status ParseDbIndex(std::string_view arg, int limit, int* db, std::string_view msg) {
  int v;
  REDRAFT_RETURN_IF_ERROR(ParseDbInt(arg, &v, msg));
  if (v < 0 || v >= limit) return Status::InvalidArgument("ERR DB index is out of range");
  *db = v;
  return Status::OK();
}

Status ParseDbInt(std::string_view arg, int* out, std::string_view msg) {
  int64_t v;
  if (!ParseInt64(arg, &v)) {
    return Status::InvalidArgument(msg.empty() ? std::string(kErrNotInteger) : "ERR " + std::string(msg));
  }
  if (v < INT_MIN || v > INT_MAX) {
    return Status::InvalidArgument(msg.empty() ? "ERR value is out of range, value must between -2147483648 and 2147483647"
                                               : "ERR " + std::string(msg));
  }
  *out = static_cast<int>(v);
  return Status::OK();
}

}  // namespace redraft::commands
