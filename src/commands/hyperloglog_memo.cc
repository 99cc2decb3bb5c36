#include "commands/hyperloglog_memo.h"

#include <mutex>
#include <string>
#include <unordered_map>

namespace redraft::commands::hll_memo {
namespace {

struct Memo {
  std::mutex mu;
  std::unordered_map<std::string, std::pair<std::string, uint64_t>> by_key;  // [db:1][key] -> bytes, count
  size_t bytes = 0;
};

Memo& Get() {
  static Memo m;
  return m;
}

std::string MemoKey(int db, std::string_view key) {
  std::string k(1, static_cast<char>(db));
  k.append(key);
  return k;
}

}  // namespace

bool Find(int db, std::string_view key, std::string_view hll, uint64_t* card) {
  Memo& m = Get();
  std::lock_guard<std::mutex> lock(m.mu);
  auto it = m.by_key.find(MemoKey(db, key));
  if (it == m.by_key.end() || it->second.first != hll) return false;
  *card = it->second.second;
  return true;
}

void Remember(int db, std::string_view key, std::string_view hll, uint64_t card) {
  Memo& m = Get();
  std::lock_guard<std::mutex> lock(m.mu);
  std::string k = MemoKey(db, key);
  auto it = m.by_key.find(k);
  if (it != m.by_key.end()) {
    m.bytes -= it->second.first.size();
    it->second = {std::string(hll), card};
    m.bytes += hll.size();
    return;
  }
  if (m.by_key.size() >= kMaxEntries || m.bytes + hll.size() > kMaxBytes) {
    m.by_key.clear();
    m.bytes = 0;
  }
  m.by_key.emplace(std::move(k), std::make_pair(std::string(hll), card));
  m.bytes += hll.size();
}

}  // namespace redraft::commands::hll_memo
