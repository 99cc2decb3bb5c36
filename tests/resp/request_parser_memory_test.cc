// RequestParser memory behaviour, measured by counting every operator new in this test binary:
// declared lengths are not allocated up front, and a bulk arriving one byte at a time costs
// O(n) bytes of allocation (geometric growth), not O(n^2).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "resp/request_parser.h"

namespace {
std::atomic<size_t> g_allocated{0};
}  // namespace

void* operator new(size_t n) {
  g_allocated.fetch_add(n, std::memory_order_relaxed);
  if (void* p = std::malloc(n != 0 ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace redraft::resp {
namespace {

using Argv = std::vector<std::string>;

TEST(RequestParserMemoryTest, DeclaredLengthsAreNotAllocatedUpFront) {
  RequestParser p;
  size_t consumed;
  Argv argv;
  std::string error;
  std::string in = "*1048576\r\n$536870912\r\nab";
  size_t before = g_allocated.load();
  ASSERT_EQ(p.Parse(in, &consumed, &argv, &error), RequestParser::Outcome::kNeedMore);
  EXPECT_EQ(consumed, in.size());
  // argv gets min(count, 1024) slots as in Redis; the 512 MB bulk gets what has arrived.
  EXPECT_LT(g_allocated.load() - before, 64u * 1024);
}

TEST(RequestParserMemoryTest, BulkByteByByteAllocatesLinearly) {
  const size_t n = 1 << 20;
  std::string in = "*1\r\n$" + std::to_string(n) + "\r\n" + std::string(n, 'z') + "\r\n";
  RequestParser p;
  Argv argv;
  std::string error;
  size_t before = g_allocated.load();
  for (size_t i = 0; i < in.size(); i++) {
    size_t consumed;
    auto out = p.Parse(std::string_view(in).substr(i, 1), &consumed, &argv, &error);
    ASSERT_EQ(consumed, 1u);
    ASSERT_EQ(out, i + 1 == in.size() ? RequestParser::Outcome::kCommand
                                      : RequestParser::Outcome::kNeedMore);
  }
  size_t allocated = g_allocated.load() - before;
  ASSERT_EQ(argv.size(), 1u);
  EXPECT_EQ(argv[0].size(), n);
  EXPECT_LE(argv[0].capacity(), n + 32);  // capped at the declared length
  EXPECT_LT(allocated, 3 * n) << "growth is not geometric";
}

}  // namespace
}  // namespace redraft::resp
