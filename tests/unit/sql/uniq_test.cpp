// uniq's UniquesHashSet (exec/uniq.h): the skip degree grows exactly as ClickHouse's does, the
// kept set and the estimate do not depend on insertion or merge order, states survive their bytes
// and malformed bytes are refused; through queries, uniq gives ClickHouse 18.16's numbers
// whatever the thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "common/error.h"
#include "exec/uniq.h"
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

TEST(UniqQuery, ClickHouseNumbersWhateverTheThreadCount) {
  // Expected values from ClickHouse 18.16 on the same queries.
  const std::string sql =
      "SELECT uniq(number), uniq(toString(number)), uniq(number % 100000, number % 7), uniq(toFloat64(number) / 3), "
      "uniq(toInt32(number) - 500000) FROM numbers(1000000)";
  for (unsigned threads : {1u, 2u, 3u, 4u}) {
    EXPECT_EQ(scalar(sql, threads), "1001942\t995887\t704878\t1000399\t999239") << threads << " threads";
  }
  EXPECT_EQ(scalar("SELECT uniq(number) FROM numbers(200000)", 2), "199902");
}

}  // namespace
}  // namespace perch
