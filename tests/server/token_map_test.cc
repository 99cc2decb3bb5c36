// TokenMap (server/token_map.h) against std::unordered_map as the model: random puts, takes and
// erases of mostly consecutive tokens (as the server issues them), through several growths.
#include "server/token_map.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace redraft::server {
namespace {

TEST(TokenMap, AgreesWithAModel) {
  std::mt19937_64 rng(7);
  TokenMap map;
  std::unordered_map<uint64_t, uint64_t> model;
  uint64_t next = 1;
  for (int step = 0; step < 200000; step++) {
    int op = static_cast<int>(rng() % 10);
    if (op < 5) {  // a new request (the usual case)
      uint64_t v = rng() % 1000;
      map.Put(next, v);
      model[next] = v;
      next++;
    } else if (op < 9 && next > 1) {  // an answer, mostly to a recent token
      uint64_t back = rng() % 2 ? rng() % 64 : rng() % next;
      uint64_t t = next - 1 - std::min(back, next - 2);
      uint64_t got = 0;
      bool had = model.count(t) > 0;
      ASSERT_EQ(map.Take(t, &got), had) << "step " << step << " token " << t;
      if (had) {
        ASSERT_EQ(got, model[t]);
        model.erase(t);
      }
    } else if (next > 1) {  // the client went away
      uint64_t t = 1 + rng() % (next - 1);
      map.Erase(t);
      model.erase(t);
    }
    ASSERT_EQ(map.size(), model.size());
  }
  for (auto& [t, v] : model) {  // everything left is still found, once
    uint64_t got = 0;
    ASSERT_TRUE(map.Take(t, &got));
    ASSERT_EQ(got, v);
    ASSERT_FALSE(map.Take(t, &got));
  }
  EXPECT_EQ(map.size(), 0u);
  uint64_t got = 0;
  EXPECT_FALSE(map.Take(0, &got));
}

TEST(TokenMap, PutOverwrites) {
  TokenMap map;
  map.Put(5, 1);
  map.Put(5, 2);
  EXPECT_EQ(map.size(), 1u);
  uint64_t got = 0;
  EXPECT_TRUE(map.Take(5, &got));
  EXPECT_EQ(got, 2u);
}

}  // namespace
}  // namespace redraft::server
