// Redis 7.0's geohash arithmetic (see geohash.h). Every formula keeps Redis's operation order:
// the results must be the same doubles, not merely close ones.
#include "commands/geohash.h"

#include <cmath>

namespace redraft::commands::geo {
namespace {

constexpr double kDegToRad = M_PI / 180.0;
constexpr double kMercatorMax = 20037726.37;

double DegRad(double ang) { return ang * kDegToRad; }
double RadDeg(double ang) { return ang / kDegToRad; }

// Spreads the low 32 bits of x and y: x in the even bit positions, y in the odd ones.
uint64_t Interleave64(uint32_t xlo, uint32_t ylo) {
  static const uint64_t B[] = {0x5555555555555555ULL, 0x3333333333333333ULL, 0x0F0F0F0F0F0F0F0FULL,
                               0x00FF00FF00FF00FFULL, 0x0000FFFF0000FFFFULL};
  static const unsigned S[] = {1, 2, 4, 8, 16};
  uint64_t x = xlo, y = ylo;
  for (int i = 4; i >= 0; i--) {
    x = (x | (x << S[i])) & B[i];
    y = (y | (y << S[i])) & B[i];
  }
  return x | (y << 1);
}

// The inverse: even bits to the low 32 bits, odd bits to the high 32.
uint64_t Deinterleave64(uint64_t interleaved) {
  static const uint64_t B[] = {0x5555555555555555ULL, 0x3333333333333333ULL, 0x0F0F0F0F0F0F0F0FULL,
                               0x00FF00FF00FF00FFULL, 0x0000FFFF0000FFFFULL, 0x00000000FFFFFFFFULL};
  static const unsigned S[] = {0, 1, 2, 4, 8, 16};
  uint64_t x = interleaved, y = interleaved >> 1;
  for (int i = 0; i < 6; i++) {
    x = (x | (x >> S[i])) & B[i];
    y = (y | (y >> S[i])) & B[i];
  }
  return x | (y << 32);
}

Range LongRange() { return {kLongMin, kLongMax}; }
Range LatRange() { return {kLatMin, kLatMax}; }

void MoveX(HashBits* hash, int d) {
  if (d == 0) return;
  uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = hash->bits & 0x5555555555555555ULL;
  uint64_t zz = 0x5555555555555555ULL >> (64 - hash->step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - hash->step * 2));
  hash->bits = x | y;
}

void MoveY(HashBits* hash, int d) {
  if (d == 0) return;
  uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = hash->bits & 0x5555555555555555ULL;
  uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - hash->step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= (0x5555555555555555ULL >> (64 - hash->step * 2));
  hash->bits = x | y;
}

HashBits Moved(HashBits h, int dx, int dy) {
  MoveX(&h, dx);
  MoveY(&h, dy);
  return h;
}

// Redis geohashEstimateStepsByRadius.
int EstimateSteps(double range_meters, double lat) {
  if (range_meters == 0) return 26;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

// Redis geohashBoundingBox.
void BoundingBox(Shape* s) {
  double longitude = s->xy[0], latitude = s->xy[1];
  double height = s->conversion * (s->box ? s->height / 2 : s->radius);
  double width = s->conversion * (s->box ? s->width / 2 : s->radius);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  const double long_delta_top = RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(latitude + lat_delta)));
  const double long_delta_bottom = RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(latitude - lat_delta)));
  bool southern = latitude < 0;
  s->bounds[0] = southern ? longitude - long_delta_bottom : longitude - long_delta_top;
  s->bounds[2] = southern ? longitude + long_delta_bottom : longitude + long_delta_top;
  s->bounds[1] = latitude - lat_delta;
  s->bounds[3] = latitude + lat_delta;
}

// What C's (uint64_t) conversion of a double gives on x86-64 (cvttsd2si, with gcc's handling of
// values >= 2^63); out-of-range values give the "integer indefinite" 2^63.
uint64_t CastToU64(double d) {
  constexpr double k2p63 = 9223372036854775808.0;
  auto cvtt = [](double v) -> uint64_t {
    if (!(v > -k2p63 - 1025.0 && v < k2p63)) return 0x8000000000000000ULL;
    return static_cast<uint64_t>(static_cast<int64_t>(v));
  };
  if (d >= k2p63) return cvtt(d - k2p63) ^ 0x8000000000000000ULL;
  return cvtt(d);
}

}  // namespace

bool Encode(Range lon_range, Range lat_range, double longitude, double latitude, int step, HashBits* hash) {
  if (step > 32 || step == 0 || (lat_range.min == 0 && lat_range.max == 0) ||
      (lon_range.min == 0 && lon_range.max == 0))
    return false;
  if (longitude > kLongMax || longitude < kLongMin || latitude > kLatMax || latitude < kLatMin) return false;
  hash->bits = 0;
  hash->step = static_cast<uint8_t>(step);
  if (latitude < lat_range.min || latitude > lat_range.max || longitude < lon_range.min ||
      longitude > lon_range.max)
    return false;
  double lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min);
  double long_offset = (longitude - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  long_offset *= static_cast<double>(1ULL << step);
  hash->bits = Interleave64(static_cast<uint32_t>(lat_offset), static_cast<uint32_t>(long_offset));
  return true;
}

bool EncodeWGS84(double longitude, double latitude, int step, HashBits* hash) {
  return Encode(LongRange(), LatRange(), longitude, latitude, step, hash);
}

bool Decode(Range lon_range, Range lat_range, HashBits hash, Area* area) {
  if (hash.Zero() || (lat_range.min == 0 && lat_range.max == 0) || (lon_range.min == 0 && lon_range.max == 0))
    return false;
  uint8_t step = hash.step;
  uint64_t hash_sep = Deinterleave64(hash.bits);  // [LAT][LONG]
  double lat_scale = lat_range.max - lat_range.min;
  double long_scale = lon_range.max - lon_range.min;
  uint32_t ilato = static_cast<uint32_t>(hash_sep);
  uint32_t ilono = static_cast<uint32_t>(hash_sep >> 32);
  area->latitude.min = lat_range.min + (ilato * 1.0 / (1ull << step)) * lat_scale;
  area->latitude.max = lat_range.min + ((ilato + 1) * 1.0 / (1ull << step)) * lat_scale;
  area->longitude.min = lon_range.min + (ilono * 1.0 / (1ull << step)) * long_scale;
  area->longitude.max = lon_range.min + ((ilono + 1) * 1.0 / (1ull << step)) * long_scale;
  return true;
}

bool DecodeToLongLat(HashBits hash, double xy[2]) {
  Area area;
  if (!Decode(LongRange(), LatRange(), hash, &area)) return false;
  xy[0] = (area.longitude.min + area.longitude.max) / 2;
  if (xy[0] > kLongMax) xy[0] = kLongMax;
  if (xy[0] < kLongMin) xy[0] = kLongMin;
  xy[1] = (area.latitude.min + area.latitude.max) / 2;
  if (xy[1] > kLatMax) xy[1] = kLatMax;
  if (xy[1] < kLatMin) xy[1] = kLatMin;
  return true;
}

bool DecodeScore(double score, double xy[2]) {
  HashBits hash{CastToU64(score), kStepMax};
  return DecodeToLongLat(hash, xy);
}

uint64_t ScoreOf(double longitude, double latitude) {
  HashBits hash;
  EncodeWGS84(longitude, latitude, kStepMax, &hash);
  return hash.bits << (52 - hash.step * 2);
}

bool GeohashString(double score, std::string* out) {
  static const char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double xy[2];
  if (!DecodeScore(score, xy)) return false;
  // Redis's cells use latitudes +-85.05; a standard geohash uses +-90: re-encode.
  HashBits hash;
  Encode({-180, 180}, {-90, 90}, xy[0], xy[1], 26, &hash);
  out->assign(11, '0');
  for (int i = 0; i < 11; i++) {
    int idx = i == 10 ? 0 : static_cast<int>((hash.bits >> (52 - ((i + 1) * 5))) & 0x1f);
    (*out)[i] = kAlphabet[idx];
  }
  return true;
}

double Distance(double lon1d, double lat1d, double lon2d, double lat2d) {
  double lat1r = DegRad(lat1d), lon1r = DegRad(lon1d), lat2r = DegRad(lat2d), lon2r = DegRad(lon2d);
  double u = std::sin((lat2r - lat1r) / 2);
  double v = std::sin((lon2r - lon1r) / 2);
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(u * u + std::cos(lat1r) * std::cos(lat2r) * v * v));
}

bool WithinShape(const Shape& s, const double xy[2], double* dist) {
  if (!s.box) {
    *dist = Distance(s.xy[0], s.xy[1], xy[0], xy[1]);
    return *dist <= s.radius * s.conversion;
  }
  double width_m = s.width * s.conversion, height_m = s.height * s.conversion;
  double lon_distance = Distance(xy[0], xy[1], s.xy[0], xy[1]);
  double lat_distance = Distance(xy[0], xy[1], xy[0], s.xy[1]);
  if (lon_distance > width_m / 2 || lat_distance > height_m / 2) return false;
  *dist = Distance(s.xy[0], s.xy[1], xy[0], xy[1]);
  return true;
}

// Redis geohashCalculateAreasByShapeWGS84.
SearchCells CellsForShape(Shape* s) {
  BoundingBox(s);
  double min_lon = s->bounds[0], min_lat = s->bounds[1], max_lon = s->bounds[2], max_lat = s->bounds[3];
  double longitude = s->xy[0], latitude = s->xy[1];
  double radius_meters =
      !s->box ? s->radius : std::sqrt((s->width / 2) * (s->width / 2) + (s->height / 2) * (s->height / 2));
  radius_meters *= s->conversion;
  int steps = EstimateSteps(radius_meters, latitude);

  HashBits hash;
  Area area;
  EncodeWGS84(longitude, latitude, steps, &hash);
  Decode(LongRange(), LatRange(), hash, &area);
  // The estimated step may leave part of the box outside the 9 cells: then one step coarser.
  Area north, south, east, west;
  Decode(LongRange(), LatRange(), Moved(hash, 0, 1), &north);
  Decode(LongRange(), LatRange(), Moved(hash, 0, -1), &south);
  Decode(LongRange(), LatRange(), Moved(hash, 1, 0), &east);
  Decode(LongRange(), LatRange(), Moved(hash, -1, 0), &west);
  bool decrease = north.latitude.max < max_lat || south.latitude.min > min_lat || east.longitude.max < max_lon ||
                  west.longitude.min > min_lon;
  if (steps > 1 && decrease) {
    steps--;
    EncodeWGS84(longitude, latitude, steps, &hash);
    Decode(LongRange(), LatRange(), hash, &area);
  }
  SearchCells out;
  HashBits& n = out.cells[1];
  HashBits& so = out.cells[2];
  HashBits& e = out.cells[3];
  HashBits& w = out.cells[4];
  HashBits& ne = out.cells[5];
  HashBits& nw = out.cells[6];
  HashBits& se = out.cells[7];
  HashBits& sw = out.cells[8];
  out.cells[0] = hash;
  n = Moved(hash, 0, 1);
  so = Moved(hash, 0, -1);
  e = Moved(hash, 1, 0);
  w = Moved(hash, -1, 0);
  ne = Moved(hash, 1, 1);
  nw = Moved(hash, -1, 1);
  se = Moved(hash, 1, -1);
  sw = Moved(hash, -1, -1);
  // Drop the cells that cannot hold a point of the box.
  if (steps >= 2) {
    if (area.latitude.min < min_lat) so = sw = se = HashBits{};
    if (area.latitude.max > max_lat) n = ne = nw = HashBits{};
    if (area.longitude.min < min_lon) w = sw = nw = HashBits{};
    if (area.longitude.max > max_lon) e = se = ne = HashBits{};
  }
  return out;
}

void CellScores(HashBits cell, uint64_t* min, uint64_t* max) {
  *min = cell.bits << (52 - cell.step * 2);
  cell.bits++;
  *max = cell.bits << (52 - cell.step * 2);
}

}  // namespace redraft::commands::geo
