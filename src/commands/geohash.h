// Geohash arithmetic of Redis 7.0's geo commands (geohash.c, geohash_helper.c), so that scores,
// search areas, distances and GEOHASH strings are bit-identical with Redis's.
//
// A point is stored in a sorted set as its 52-bit interleaved geohash (26 bits of latitude in
// the odd positions, 26 of longitude in the even ones, over the Web-Mercator latitude range
// +-85.05112878 and longitude +-180) used as the score. A search covers the shape with the
// geohash cell of the centre at a step chosen from the radius plus its 8 neighbours (some
// dropped when they lie outside the bounding box), and each cell is one score range
// [cell << (52 - 2 step), (cell + 1) << (52 - 2 step)). Distances are haversine on a sphere of
// radius 6372797.560856 m. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace redraft::commands::geo {

inline constexpr double kLongMin = -180;
inline constexpr double kLongMax = 180;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr int kStepMax = 26;  // 52 bits
inline constexpr double kEarthRadiusMeters = 6372797.560856;

struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool Zero() const { return bits == 0 && step == 0; }  // Redis HASHISZERO: a dropped cell
};
struct Range {
  double min = 0, max = 0;
};
struct Area {
  Range longitude, latitude;
};

// Redis geohashEncode over the given ranges; false (hash untouched or zeroed) outside them.
bool Encode(Range lon_range, Range lat_range, double longitude, double latitude, int step, HashBits* hash);
bool EncodeWGS84(double longitude, double latitude, int step, HashBits* hash);
// Redis geohashDecode / geohashDecodeToLongLatWGS84 (the cell's centre, clamped to the limits).
bool Decode(Range lon_range, Range lat_range, HashBits hash, Area* area);
bool DecodeToLongLat(HashBits hash, double xy[2]);
// Redis decodeGeohash: a zset score read as a 52-bit hash, converted to an integer the way C's
// (uint64_t) cast does on x86-64 (so even a score that is not a geohash decodes as in Redis).
bool DecodeScore(double score, double xy[2]);
// The score GEOADD stores for a valid point.
uint64_t ScoreOf(double longitude, double latitude);
// GEOHASH's 11-character string of a stored score; false if it does not decode.
bool GeohashString(double score, std::string* out);

double Distance(double lon1, double lat1, double lon2, double lat2);  // metres

// A search shape (Redis GeoShape): centre, and a radius or a box (width, height), in `unit`s.
struct Shape {
  bool box = false;
  double xy[2] = {0, 0};
  double conversion = 1;  // metres per unit
  double radius = 0;
  double width = 0, height = 0;
  double bounds[4] = {0, 0, 0, 0};  // min lon, min lat, max lon, max lat
};
// Whether the point xy is inside the shape; *dist is its distance from the centre in metres.
bool WithinShape(const Shape& shape, const double xy[2], double* dist);

// The 9 cells of a search (centre, N, S, E, W, NE, NW, SE, SW), dropped ones Zero().
struct SearchCells {
  HashBits cells[9];
};
SearchCells CellsForShape(Shape* shape);  // fills shape->bounds, as Redis does
// The score range [*min, *max) of a cell.
void CellScores(HashBits cell, uint64_t* min, uint64_t* max);

}  // namespace redraft::commands::geo
