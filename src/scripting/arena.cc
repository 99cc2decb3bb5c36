// The Lua states' allocator and its snapshot (lua_internal.h: Arena).
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "scripting/lua_internal.h"

namespace redraft::scripting {
namespace {
constexpr size_t kMaxSpareChunks = 4;  // what a restored arena keeps for its next run
}  // namespace

Arena::~Arena() {
  for (char* c : chunks_) std::free(c);
  for (char* c : spare_) std::free(c);
  for (auto& [p, n] : large_) std::free(p);
  for (auto& b : image_large_) std::free(b.p);
}

bool Arena::InImage(void* p) const {
  if (!has_image_) return false;
  auto it = std::lower_bound(image_large_.begin(), image_large_.end(), static_cast<char*>(p),
                             [](const Block& b, char* q) { return b.p < q; });
  return it != image_large_.end() && it->p == p;
}

void* Arena::Alloc(size_t n) {
  if (n > kMaxSmall) {
    void* p = std::malloc(n);
    if (p) large_[p] = n;
    return p;
  }
  size_t c = Class(n);
  if (void* p = free_[c]) {
    free_[c] = *static_cast<void**>(p);
    return p;
  }
  size_t bytes = c * 16;
  if (left_ < bytes) {
    if (!spare_.empty()) {
      cur_ = spare_.back();
      spare_.pop_back();
    } else {
      cur_ = static_cast<char*>(std::malloc(kChunk));
    }
    if (!cur_) {
      left_ = 0;
      return nullptr;
    }
    chunks_.push_back(cur_);
    left_ = kChunk;
  }
  void* p = cur_;
  cur_ += bytes;
  left_ -= bytes;
  return p;
}

void Arena::Free(void* p, size_t n) {
  if (n > kMaxSmall) {
    if (InImage(p)) return;  // deferred: Restore writes it back
    large_.erase(p);
    return std::free(p);
  }
  size_t c = Class(n);
  *static_cast<void**>(p) = free_[c];
  free_[c] = p;
}

void* Arena::Realloc(void* p, size_t old_n, size_t n) {
  if (!p) return Alloc(n);
  if (old_n > kMaxSmall && n > kMaxSmall && !InImage(p)) {
    void* q = std::realloc(p, n);
    if (!q) return nullptr;
    large_.erase(p);
    large_[q] = n;
    return q;
  }
  if (old_n <= kMaxSmall && n <= kMaxSmall && Class(old_n) == Class(n)) return p;
  void* q = Alloc(n);
  if (!q) return nullptr;
  std::memcpy(q, p, std::min(old_n, n));
  Free(p, old_n);
  return q;
}

void Arena::Snapshot() {
  has_image_ = true;
  image_chunks_ = chunks_.size();
  image_cur_ = cur_;
  image_left_ = left_;
  std::memcpy(image_free_, free_, sizeof(free_));
  image_.clear();
  for (size_t i = 0; i < chunks_.size(); i++) {
    size_t used = i + 1 == chunks_.size() ? kChunk - left_ : kChunk;
    image_.append(chunks_[i], used);
  }
  image_large_.clear();
  for (auto& [p, n] : large_) image_large_.push_back({static_cast<char*>(p), n});
  large_.clear();
  std::sort(image_large_.begin(), image_large_.end(), [](const Block& a, const Block& b) { return a.p < b.p; });
  for (auto& b : image_large_) image_.append(b.p, b.n);
}

void Arena::Restore() {
  for (auto& [p, n] : large_) std::free(p);
  large_.clear();
  while (chunks_.size() > image_chunks_) {
    spare_.push_back(chunks_.back());
    chunks_.pop_back();
  }
  while (spare_.size() > kMaxSpareChunks) {
    std::free(spare_.back());
    spare_.pop_back();
  }
  const char* src = image_.data();
  for (size_t i = 0; i < image_chunks_; i++) {
    size_t used = i + 1 == image_chunks_ ? kChunk - image_left_ : kChunk;
    std::memcpy(chunks_[i], src, used);
    src += used;
  }
  for (auto& b : image_large_) {
    std::memcpy(b.p, src, b.n);
    src += b.n;
  }
  cur_ = image_cur_;
  left_ = image_left_;
  std::memcpy(free_, image_free_, sizeof(free_));
}

}  // namespace redraft::scripting
