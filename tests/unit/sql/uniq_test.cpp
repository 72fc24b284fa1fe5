// uniq's UniquesHashSet (exec/uniq.h): the skip degree grows exactly as ClickHouse's does, the
// kept set and the estimate do not depend on insertion or merge order, states survive their bytes
// and malformed bytes are refused; through queries, uniq gives ClickHouse 18.16's numbers
// whatever the thread count. The same for uniqCombined / uniqHLL12's CardinalityEstimator and
// HyperLogLog (exec/uniq_combined.h): ClickHouse's estimates, its stage switches, merge order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "common/error.h"
#include "exec/uniq.h"
#include "exec/uniq_combined.h"
#include "query_fixture.h"

namespace perch {
namespace {

// Distinct pseudo-random 32-bit hashes (an odd multiplier is a bijection modulo 2^32).
std::vector<uint32_t> hashes(uint32_t count, uint32_t first = 1) {
  std::vector<uint32_t> out;
  for (uint32_t i = first; i < first + count; ++i) out.push_back(i * 0x9E3779B1u);
  return out;
}

std::vector<uint32_t> contents(const UniquesHashSet& set) {
  std::vector<uint32_t> out;
  set.forEach([&](uint32_t hash) { out.push_back(hash); });
  std::sort(out.begin(), out.end());
  return out;
}

// The skip degree ClickHouse ends with: the smallest d keeping at most 65536 hashes divisible by 2^d.
unsigned expectedSkipDegree(const std::vector<uint32_t>& values) {
  for (unsigned d = 0;; ++d) {
    size_t kept = 0;
    for (uint32_t h : values) kept += (static_cast<uint64_t>(h) & ((uint64_t{1} << d) - 1)) == 0;
    if (kept <= UniquesHashSet::kMaxSize) return d;
  }
}

TEST(UniquesHashSet, ExactUpToTheMaxSize) {
  UniquesHashSet set;
  for (uint32_t h : hashes(UniquesHashSet::kMaxSize - 1)) set.insert(h);
  for (uint32_t h : hashes(1000)) set.insert(h);  // repeats change nothing
  set.insert(0);                                   // zero is a flag, not a cell, but it counts
  EXPECT_EQ(set.skipDegree(), 0);
  EXPECT_EQ(set.keptCount(), UniquesHashSet::kMaxSize);
  EXPECT_EQ(set.estimate(), UniquesHashSet::kMaxSize);
  set.insert(hashes(1, UniquesHashSet::kMaxSize)[0]);  // one more distinct hash: half are dropped
  EXPECT_EQ(set.skipDegree(), 1);
  EXPECT_LT(set.keptCount(), UniquesHashSet::kMaxSize);
}

TEST(UniquesHashSet, SkipDegreeGrowsToKeepAtMostMaxSize) {
  for (uint32_t count : {65537u, 70000u, 200000u, 1000000u}) {
    const std::vector<uint32_t> values = hashes(count);
    UniquesHashSet set;
    for (uint32_t h : values) set.insert(h);
    const unsigned degree = expectedSkipDegree(values);
    EXPECT_GE(degree, 1u);
    EXPECT_EQ(set.skipDegree(), degree) << count;
    std::vector<uint32_t> kept;
    for (uint32_t h : values) {
      if ((static_cast<uint64_t>(h) & ((uint64_t{1} << degree) - 1)) == 0) kept.push_back(h);
    }
    std::sort(kept.begin(), kept.end());
    EXPECT_EQ(contents(set), kept) << count;
    EXPECT_LE(set.keptCount(), UniquesHashSet::kMaxSize);
    // The estimate is within a few percent of the truth (it is ~0.1-2% for these sizes).
    EXPECT_NEAR(static_cast<double>(set.estimate()), count, count * 0.05) << count;
  }
}

TEST(UniquesHashSet, InsertionAndMergeOrderDoNotMatter) {
  std::vector<uint32_t> values = hashes(300000);
  UniquesHashSet whole;
  for (uint32_t h : values) whole.insert(h);

  std::mt19937 random(7);
  for (int round = 0; round < 4; ++round) {
    std::shuffle(values.begin(), values.end(), random);
    // Three uneven parts (one small enough to keep skip degree 0), merged in a shuffled order.
    const size_t cut1 = 1000 + round * 20000, cut2 = 150000 + round * 30000;
    UniquesHashSet parts[3];
    for (size_t i = 0; i < values.size(); ++i) parts[i < cut1 ? 0 : i < cut2 ? 1 : 2].insert(values[i]);
    int order[3] = {0, 1, 2};
    std::shuffle(order, order + 3, random);
    UniquesHashSet merged;
    for (int part : order) merged.merge(parts[part]);
    EXPECT_EQ(merged.skipDegree(), whole.skipDegree());
    EXPECT_EQ(contents(merged), contents(whole));
    EXPECT_EQ(merged.estimate(), whole.estimate());
    // Merging into a non-empty set, and a set into itself's copy, changes nothing either.
    UniquesHashSet again = parts[order[0]];
    again.merge(parts[order[1]]);
    again.merge(parts[order[2]]);
    again.merge(UniquesHashSet(again));
    EXPECT_EQ(again.estimate(), whole.estimate());
  }
}

std::string bytesOf(const UniquesHashSet& set) {
  std::string bytes;
  StateWriter out(bytes);
  set.write(out);
  return bytes;
}

void readInto(UniquesHashSet& set, const std::string& bytes) {
  StateReader in(bytes, "AggregateFunction(uniq, UInt64)");
  set.read(in);
  in.finish();
}

TEST(UniquesHashSet, BytesRoundTrip) {
  for (uint32_t count : {0u, 1u, 15u, 5000u, 250000u}) {
    UniquesHashSet set;
    for (uint32_t h : hashes(count)) set.insert(h);
    if (count == 15) set.insert(0);
    const std::string bytes = bytesOf(set);
    EXPECT_EQ(bytes.size(), 1 + (set.keptCount() < 128 ? 1 : set.keptCount() < 16384 ? 2 : 3) + 4 * set.keptCount());
    UniquesHashSet copy;
    readInto(copy, bytes);
    EXPECT_EQ(copy.skipDegree(), set.skipDegree());
    EXPECT_EQ(contents(copy), contents(set));
    EXPECT_EQ(copy.estimate(), set.estimate());
  }
}

void expectCorrupt(const std::string& bytes, const std::string& problem) {
  UniquesHashSet set;
  try {
    readInto(set, bytes);
    ADD_FAILURE() << "accepted corrupt bytes expected to fail with: " << problem;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
    EXPECT_NE(std::string(error.what()).find(problem), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("AggregateFunction(uniq, UInt64)"), std::string::npos) << error.what();
  }
}

std::string word(uint32_t value) { return std::string(reinterpret_cast<const char*>(&value), 4); }

TEST(UniquesHashSet, MalformedBytesAreRefused) {
  expectCorrupt("", "ends too early");
  expectCorrupt(std::string("\x21\x00", 2), "skip degree is above 32");
  expectCorrupt(std::string("\x00\x01", 2) + "ab", "element count exceeds");  // 2 of 4 bytes
  expectCorrupt(std::string("\x00\x02", 2) + word(5), "element count exceeds");     // claims 2, holds 1
  expectCorrupt(std::string("\x00\x02", 2) + word(5) + word(5), "repeats");
  expectCorrupt(std::string("\x02\x01", 2) + word(6), "not divisible by 2^skip degree");  // 6 is not a multiple of 4
  expectCorrupt(std::string("\x00\x01", 2) + word(5) + "x", "unexpected bytes after");
  // More hashes than 65536 (all the bytes present): refused before inserting them.
  std::string many("\x00\x81\x80\x04", 4);  // VarUInt 65537
  for (uint32_t h : hashes(65537)) many += word(h);
  expectCorrupt(many, "more uniq hashes than 65536");
}

TEST(UniquesHashSet, ClickHouseHashPrimitives) {
  // sipHash64 values from ClickHouse 18.16: SELECT sipHash64(''), sipHash64('abc').
  EXPECT_EQ(clickhouseSipHash64("", 0), 2202906307356721367ULL);
  EXPECT_EQ(clickhouseSipHash64("abc", 3), 4596069200710135518ULL);
  const std::string longer = "hello world, this is longer";
  EXPECT_EQ(clickhouseSipHash64(longer.data(), longer.size()), 15391635390454199997ULL);
  // The hashes ClickHouse 18.16's uniqState(number) FROM numbers(3) holds: 0, 0x34c2cb2c, 0x650683e7.
  EXPECT_EQ(static_cast<uint32_t>(uniqIntHash64(0)), 0u);
  EXPECT_EQ(static_cast<uint32_t>(uniqIntHash64(1)), 0x34c2cb2cu);
  EXPECT_EQ(static_cast<uint32_t>(uniqIntHash64(2)), 0x650683e7u);
}

// ---- through queries ----------------------------------------------------------------------

std::string scalar(const std::string& sql, unsigned threads) {
  testing::FixtureCatalog catalog;
  QueryOptions options;
  options.threads = threads;
  const QueryResult result = executeQuery(sql, catalog, options);
  std::string text;
  for (size_t c = 0; c < result.columns.size(); ++c) {
    if (c) text += '\t';
    result.columns[c]->formatText(0, text);
  }
  return text;
}

void expectForEveryThreadCount(const std::string& sql, const std::string& expected) {
  for (unsigned threads : {1u, 2u, 3u, 4u}) EXPECT_EQ(scalar(sql, threads), expected) << threads << " threads";
}

TEST(UniqQuery, ClickHouseNumbersWhateverTheThreadCount) {
  // Expected values from ClickHouse 18.16 on the same queries.
  expectForEveryThreadCount(
      "SELECT uniq(number), uniq(toString(number)), uniq(number % 100000, number % 7), uniq(toFloat64(number) / 3), "
      "uniq(toInt32(number) - 500000) FROM numbers(1000000)",
      "1001942\t995887\t704878\t1000399\t999239");
  EXPECT_EQ(scalar("SELECT uniq(number) FROM numbers(200000)", 2), "199902");
}


// ---- uniqCombined / uniqHLL12 -------------------------------------------------------------

constexpr EstimatorShape kCombined{8192, 17, 32, true, false};  // uniqCombined over numbers
constexpr EstimatorShape kCombinedString{8192, 17, 64, true, false};
constexpr EstimatorShape kHll12{0, 12, 32, false, true};  // uniqHLL12 over numbers

// uniqCombined's key of the number n, and uniqHLL12's counter hash of it.
uint32_t combinedKey(uint64_t n) { return static_cast<uint32_t>(uniqIntHash64(n)); }

TEST(HyperLogLog, ClickHouseEstimates) {
  // ClickHouse's SQL intHash32 is intHash32<0x75D9543DE018BF45>, the salt XORed in first:
  // SELECT intHash32(0), intHash32(1), intHash32(123456789) on 18.16.
  constexpr uint64_t kSqlSalt = 0x75D9543DE018BF45ULL;
  EXPECT_EQ(clickhouseIntHash32(0 ^ kSqlSalt), 4249604106u);
  EXPECT_EQ(clickhouseIntHash32(1 ^ kSqlSalt), 1343103100u);
  EXPECT_EQ(clickhouseIntHash32(123456789 ^ kSqlSalt), 422452285u);
  // ClickHouse 18.16: SELECT uniqCombined(number), uniqHLL12(number) FROM numbers(n): past the
  // exact stages both are the counters' estimates — linear counting (10,000, 150,000), the bias
  // table (200,000 to 500,000), the raw estimate (1,000,000 and more).
  struct Case {
    uint64_t n;
    uint32_t combined, hll12;
  };
  for (const Case& c : {Case{10000, 10020, 9037}, Case{150000, 150702, 150493}, Case{200000, 200241, 201271},
                        Case{300000, 300800, 298201}, Case{500000, 503060, 497833}, Case{1000000, 1001148, 1008797},
                        Case{3000000, 3020008, 3080882}}) {
    HyperLogLog combined(17, 32), hll12(12, 32);
    for (uint64_t i = 0; i < c.n; ++i) {
      combined.insert(combinedKey(i));
      hll12.insert(clickhouseIntHash32(i));
    }
    EXPECT_EQ(combined.estimate(true), c.combined) << c.n;
    EXPECT_EQ(hll12.estimate(false), c.hll12) << c.n;
  }
}

// A counter whose registers all hold `rank`, through its bytes.
HyperLogLog uniformCounter(uint8_t precision, uint8_t hash_bits, uint8_t rank) {
  std::string bytes;
  StateWriter out(bytes);
  out.writeVarUInt(size_t{1} << precision);
  for (size_t i = 0; i < (size_t{1} << precision); ++i) {
    out.writeVarUInt(i == 0 ? 0 : 1);
    out.writePod(rank);
  }
  HyperLogLog counter(precision, hash_bits);
  StateReader in(bytes, "test");
  counter.read(in);
  in.finish();
  return counter;
}

TEST(HyperLogLog, LargeRangeCorrectionOnlyForThirtyTwoBitHashes) {
  // Every register at rank 12: raw = alpha * m * 2^12, about 3.9e8 > 2^32 / 30, so 32-bit hashes
  // take -2^32 * ln(1 - raw / 2^32) and 64-bit hashes keep the raw estimate.
  const double m = 131072, alpha = 0.7213 / (1 + 1.079 / m);
  const double raw = alpha * m * 4096;
  const double corrected = -4294967296.0 * std::log(1 - raw / 4294967296.0);
  EXPECT_EQ(uniformCounter(17, 32, 12).estimate(true), static_cast<uint32_t>(corrected + 0.5));
  EXPECT_EQ(uniformCounter(17, 64, 12).estimate(true), static_cast<uint32_t>(raw + 0.5));
  EXPECT_GT(corrected - raw, 1e7);  // the two branches are far apart here
}

template <typename Key>
void insertNumbers(CardinalityEstimator<Key>& set, uint64_t from, uint64_t to, const EstimatorShape& shape) {
  for (uint64_t i = from; i < to; ++i) set.insert(static_cast<Key>(shape.int_hash32 ? i : combinedKey(i)), shape);
}

TEST(CardinalityEstimator, StagesSwitchWhereClickHouseSwitches) {
  using Stage = CardinalityEstimator<uint32_t>::Stage;
  CardinalityEstimator<uint32_t> combined;
  insertNumbers(combined, 0, 16, kCombined);
  insertNumbers(combined, 3, 9, kCombined);  // repeats
  EXPECT_EQ(combined.stage(), Stage::kSmall);
  EXPECT_EQ(combined.estimate(kCombined), 16u);
  insertNumbers(combined, 16, 17, kCombined);
  EXPECT_EQ(combined.stage(), Stage::kMedium);
  EXPECT_EQ(combined.estimate(kCombined), 17u);
  insertNumbers(combined, 17, 8192, kCombined);
  EXPECT_EQ(combined.stage(), Stage::kMedium);
  EXPECT_EQ(combined.estimate(kCombined), 8192u);
  // One more insert into the full set, a repeat: HyperLogLog, ClickHouse's 8217
  // (uniqCombined(number % 8192) FROM numbers(8193)).
  insertNumbers(combined, 5, 6, kCombined);
  EXPECT_EQ(combined.stage(), Stage::kLarge);
  EXPECT_EQ(combined.estimate(kCombined), 8217u);

  // uniqHLL12: no hash set; the 17th key starts the counter (ClickHouse: uniqHLL12(number % 17) = 15).
  CardinalityEstimator<uint64_t> hll12;
  insertNumbers(hll12, 0, 16, kHll12);
  EXPECT_EQ(hll12.stage(), CardinalityEstimator<uint64_t>::Stage::kSmall);
  EXPECT_EQ(hll12.estimate(kHll12), 16u);
  insertNumbers(hll12, 16, 17, kHll12);
  EXPECT_EQ(hll12.stage(), CardinalityEstimator<uint64_t>::Stage::kLarge);
  EXPECT_EQ(hll12.estimate(kHll12), 15u);
}

template <typename Key>
void checkMergeOrder(const EstimatorShape& shape, uint64_t count) {
  CardinalityEstimator<Key> whole;
  insertNumbers(whole, 0, count, shape);
  // Seven interleaved parts (each n % 7), merged forwards, backwards and as a tree.
  CardinalityEstimator<Key> parts[7];
  for (uint64_t i = 0; i < count; ++i) insertNumbers(parts[i % 7], i, i + 1, shape);
  CardinalityEstimator<Key> forwards, backwards, left, right;
  for (int p = 0; p < 7; ++p) forwards.merge(parts[p], shape);
  for (int p = 6; p >= 0; --p) backwards.merge(parts[p], shape);
  for (int p = 0; p < 7; ++p) (p < 3 ? left : right).merge(parts[p], shape);
  right.merge(left, shape);
  for (const CardinalityEstimator<Key>* merged : {&forwards, &backwards, &right}) {
    EXPECT_EQ(merged->stage(), whole.stage()) << count;
    EXPECT_EQ(merged->estimate(shape), whole.estimate(shape)) << count;
  }
}

TEST(CardinalityEstimator, MergeOrderDoesNotMatter) {
  for (uint64_t count : {10u, 100u, 3000u, 8191u, 9000u, 300000u}) {
    checkMergeOrder<uint32_t>(kCombined, count);
    checkMergeOrder<uint64_t>(kCombinedString, count);
    checkMergeOrder<uint64_t>(kHll12, count);
  }
}

template <typename Key>
std::string estimatorBytes(const CardinalityEstimator<Key>& set, const EstimatorShape& shape) {
  std::string bytes;
  StateWriter out(bytes);
  set.write(out, shape);
  return bytes;
}

template <typename Key>
void readEstimator(CardinalityEstimator<Key>& set, const std::string& bytes, const EstimatorShape& shape) {
  StateReader in(bytes, "AggregateFunction(uniqCombined, UInt64)");
  set.read(in, shape);
  in.finish();
}

template <typename Key>
void checkRoundTrip(const EstimatorShape& shape, uint64_t count) {
  CardinalityEstimator<Key> set;
  insertNumbers(set, 0, count, shape);
  const std::string bytes = estimatorBytes(set, shape);
  CardinalityEstimator<Key> copy;
  readEstimator(copy, bytes, shape);
  EXPECT_EQ(copy.stage(), set.stage()) << count;
  EXPECT_EQ(copy.estimate(shape), set.estimate(shape)) << count;
  EXPECT_EQ(estimatorBytes(copy, shape).size(), bytes.size()) << count;
  // The copy goes on as the original does.
  insertNumbers(set, count, count + 20000, shape);
  insertNumbers(copy, count, count + 20000, shape);
  EXPECT_EQ(copy.estimate(shape), set.estimate(shape)) << count;
}

TEST(CardinalityEstimator, BytesRoundTrip) {
  for (uint64_t count : {0u, 1u, 16u, 17u, 5000u, 8192u, 100000u}) {
    checkRoundTrip<uint32_t>(kCombined, count);
    checkRoundTrip<uint64_t>(kCombinedString, count);
    checkRoundTrip<uint64_t>(kHll12, count);
  }
  // A large state holds the non-zero registers only: 17 keys in 4096 registers take < 60 bytes.
  CardinalityEstimator<uint64_t> small_large;
  insertNumbers(small_large, 0, 17, kHll12);
  EXPECT_LT(estimatorBytes(small_large, kHll12).size(), 60u);
}

std::string word64(uint64_t value) { return std::string(reinterpret_cast<const char*>(&value), 8); }

template <typename Key>
void expectEstimatorCorrupt(const std::string& bytes, const EstimatorShape& shape, const std::string& problem) {
  CardinalityEstimator<Key> set;
  try {
    readEstimator(set, bytes, shape);
    ADD_FAILURE() << "accepted corrupt bytes expected to fail with: " << problem;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
    EXPECT_NE(std::string(error.what()).find(problem), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("AggregateFunction(uniqCombined, UInt64)"), std::string::npos) << error.what();
  }
}

TEST(CardinalityEstimator, MalformedBytesAreRefused) {
  // Each state: stage byte, precision byte (17 = \x11 for uniqCombined, 12 = \x0c for uniqHLL12), content.
  auto combined = [](const std::string& bytes, const std::string& problem) {
    expectEstimatorCorrupt<uint32_t>(bytes, kCombined, problem);
  };
  combined("", "ends too early");
  combined("\x01", "ends too early");
  combined("\x04\x11", "stage is unknown");
  combined(std::string("\x00\x11", 2), "stage is unknown");
  combined(std::string("\x01\x0e\x00", 3), "written with HyperLogLog precision 14, the function's is 17");
  expectEstimatorCorrupt<uint64_t>("\x02\x0c\x01" + word64(5), kHll12, "stage is unknown");  // no hash set
  std::string seventeen = "\x01\x11\x11";
  for (uint32_t h : hashes(17)) seventeen += word(h);
  combined(seventeen, "more keys than its uniq stage can");
  std::string too_many = std::string("\x02\x11\x81\x40", 4);  // VarUInt 8193 keys, all present
  for (uint32_t h : hashes(8193)) too_many += word(h);
  combined(too_many, "more keys than its uniq stage can");
  combined("\x01\x11\x02" + word(5) + word(5), "repeats");
  combined("\x02\x11\x02" + word(5) + word(5), "repeats");
  combined("\x01\x11\x02" + word(5), "element count exceeds");
  combined("\x01\x11\x01" + word(5) + "x", "unexpected bytes after");
  // HyperLogLog registers: (gap, rank) pairs.
  combined(std::string("\x03\x11\x01\x00\x00", 5), "impossible rank");
  combined(std::string("\x03\x11\x01\x00\x11", 5), "impossible rank");  // 17 > 32 - 17 + 1
  combined(std::string("\x03\x11\x01\x80\x80\x08\x01", 7), "past the last register");  // index 131072
  combined(std::string("\x03\x11\x02\x05\x01\x00\x01", 7), "out of order");
  combined(std::string("\x03\x11\x03\x05\x01", 5), "element count exceeds");
  expectEstimatorCorrupt<uint64_t>(std::string("\x03\x0c\x01\x80\x20\x01", 6), kHll12, "past the last register");  // 4096
  expectEstimatorCorrupt<uint64_t>(std::string("\x03\x0c\x01\x00\x16", 5), kHll12, "impossible rank");  // 22 > 21
}

TEST(UniqCombinedQuery, ClickHouseNumbersWhateverTheThreadCount) {
  // Expected values from ClickHouse 18.16 on the same queries.
  expectForEveryThreadCount(
      "SELECT uniqCombined(number), uniqHLL12(number), uniqCombined(toString(number)), uniqHLL12(toString(number)), "
      "uniqCombined(number % 8192), uniqHLL12(toFloat32(number)) FROM numbers(1000000)",
      "1001148\t1008797\t997439\t976074\t8217\t321572");
  EXPECT_EQ(scalar("SELECT uniqCombined(number), uniqHLL12(number) FROM numbers(8192)", 2), "8192\t7121");
}

}  // namespace
}  // namespace perch
