// Redis 7.0's geohash arithmetic (commands/geohash.h): values from Redis's documentation and
// redis-server 7.0 (the byte-exact comparison is tests/integration/compat_cases_geo.txt).
#include "commands/geohash.h"

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "commands/args.h"

namespace redraft::commands::geo {
namespace {

TEST(GeohashTest, ScoresAndDecodingMatchRedis) {
  EXPECT_EQ(ScoreOf(13.361389, 38.115556), 3479099956230698ull);  // Palermo
  EXPECT_EQ(ScoreOf(15.087269, 37.502669), 3479447370796909ull);  // Catania
  double xy[2];
  ASSERT_TRUE(DecodeScore(3479099956230698.0, xy));
  EXPECT_EQ(FormatLongDoubleHuman(xy[0]), "13.36138933897018433");
  EXPECT_EQ(FormatLongDoubleHuman(xy[1]), "38.11555639549629859");
  std::string h;
  ASSERT_TRUE(GeohashString(3479099956230698.0, &h));
  EXPECT_EQ(h, "sqc8b49rny0");
}

TEST(GeohashTest, DistanceIsRedisHaversine) {
  double a[2], b[2];
  ASSERT_TRUE(DecodeScore(3479099956230698.0, a));
  ASSERT_TRUE(DecodeScore(3479447370796909.0, b));
  char buf[64];
  snprintf(buf, sizeof(buf), "%.4f", Distance(a[0], a[1], b[0], b[1]));
  EXPECT_STREQ(buf, "166274.1516");
  EXPECT_EQ(Distance(a[0], a[1], a[0], a[1]), 0);
}

TEST(GeohashTest, LimitsAndNonGeoScores) {
  HashBits hash;
  EXPECT_FALSE(EncodeWGS84(180.1, 0, kStepMax, &hash));
  EXPECT_FALSE(EncodeWGS84(0, 85.06, kStepMax, &hash));
  EXPECT_TRUE(EncodeWGS84(180, kLatMax, kStepMax, &hash));
  // Any score decodes (as Redis decodes it), clamped to the limits.
  double xy[2];
  for (double s : {0.0, -1.0, 1e20, -1e20, 4503599627370496.0}) {
    ASSERT_TRUE(DecodeScore(s, xy));
    EXPECT_GE(xy[0], kLongMin);
    EXPECT_LE(xy[0], kLongMax);
    EXPECT_GE(xy[1], kLatMin);
    EXPECT_LE(xy[1], kLatMax);
  }
}

TEST(GeohashTest, SearchCellsCoverTheShape) {
  Shape s;
  s.xy[0] = 15;
  s.xy[1] = 37;
  s.radius = 200;
  s.conversion = 1000;
  SearchCells cells = CellsForShape(&s);
  EXPECT_LT(s.bounds[0], 15);
  EXPECT_GT(s.bounds[2], 15);
  EXPECT_FALSE(cells.cells[0].Zero());
  // The centre cell's score range holds the centre's own score.
  uint64_t min, max, score = ScoreOf(15, 37);
  CellScores(cells.cells[0], &min, &max);
  EXPECT_LE(min, score);
  EXPECT_LT(score, max);
  double dist;
  double inside[2] = {15.5, 37.5}, outside[2] = {20, 40};
  EXPECT_TRUE(WithinShape(s, inside, &dist));
  EXPECT_FALSE(WithinShape(s, outside, &dist));
}

}  // namespace
}  // namespace redraft::commands::geo
