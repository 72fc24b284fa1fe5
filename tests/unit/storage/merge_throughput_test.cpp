// Throughput of the write path with engines: flush with and without a partition key, a size-tiered
// merge, a ReplacingMergeTree merge and a TTL rewrite, on app_events-like rows. Disabled by
// default (timing never decides a unit test); run with
//   ./build-rel/storage_test --gtest_also_run_disabled_tests --gtest_filter='MergeThroughput*'
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "storage/table.h"
#include "storage_test_util.h"

namespace perch {
namespace {

using storage::testing::ScratchDirectory;

TableSchema eventsSchema() {
  TableSchema schema;
  schema.columns = {{"timestamp", DataType(TypeId::kDateTime)}, {"organization_id", DataType(TypeId::kString)},
                    {"user_id", DataType(TypeId::kString)},     {"event_type", DataType(TypeId::kString, true)},
                    {"some_number", DataType(TypeId::kInt64)}};
  return schema;
}

// Rows spread over 90 days (3 months), 50 organizations, 100k users.
Batch eventsBatch(size_t rows, uint64_t seed) {
  std::mt19937_64 random(seed);
  auto timestamp = std::make_shared<ColumnVector<uint32_t>>(DataType(TypeId::kDateTime));
  auto organization = std::make_shared<ColumnString>();
  auto user = std::make_shared<ColumnString>();
  auto event_type = std::make_shared<ColumnString>(DataType(TypeId::kString, true));
  auto number = std::make_shared<ColumnVector<int64_t>>(DataType(TypeId::kInt64));
  static const char* kEvents[] = {"page_view", "click", "signup", "purchase", "logout"};
  for (size_t r = 0; r < rows; ++r) {
    const uint64_t value = random();
    timestamp->data().push_back(static_cast<uint32_t>(1700000000 + value % (90 * 86400)));
    organization->push("org_" + std::to_string(value % 50));
    user->push("user_" + std::to_string(value % 100000));
    event_type->push(kEvents[value % 5]);
    number->data().push_back(static_cast<int64_t>(value % 1000));
  }
  Batch batch;
  batch.rows = rows;
  batch.columns = {timestamp, organization, user, event_type, number};
  return batch;
}

// The month of the timestamp as text, like toYYYYMM (30-day months are close enough here).
std::vector<std::string> monthOf(const Batch& batch) {
  std::vector<std::string> months;
  months.reserve(batch.rows);
  for (uint32_t ts : asVector<uint32_t>(*batch.columns[0]).data()) months.push_back(std::to_string(ts / (30 * 86400)));
  return months;
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

TEST(MergeThroughput, DISABLED_FlushAndMerge) {
  constexpr size_t kRows = 200'000, kParts = 6;
  std::printf("%-44s %12s\n", "case", "rows/s");
  auto run = [&](const char* label, bool partitioned, TableEngine engine, bool ttl) {
    ScratchDirectory dir;
    TableOptions options;
    options.directory = dir.path();
    options.background = false;
    options.sorting_key = {"organization_id", "user_id"};
    options.engine = engine;
    options.merge_min_parts = kParts;
    if (partitioned) options.partition_of = monthOf;
    if (ttl) {
      options.expires_at = [](const Batch& batch) {
        const auto& ts = asVector<uint32_t>(*batch.columns[0]).data();
        return std::vector<int64_t>(ts.begin(), ts.end());
      };
      options.now_seconds = [] { return int64_t{1700000000 + 45 * 86400}; };  // half the rows expired
    }
    Table table("t", eventsSchema(), options);
    double flush_seconds = 0;
    for (size_t part = 0; part < kParts; ++part) {
      table.append(eventsBatch(kRows, part), Durability::kWritten);
      const auto start = std::chrono::steady_clock::now();
      table.flush();
      flush_seconds += seconds(start);
    }
    const uint64_t parts_before = table.stats().parts;
    const auto start = std::chrono::steady_clock::now();
    size_t merges = 0;
    while (table.mergeOnce()) ++merges;
    const double merge_seconds = seconds(start);
    std::printf("%-44s %12.0f   flush (%llu parts)\n", label, kParts * kRows / flush_seconds,
                static_cast<unsigned long long>(parts_before));
    std::printf("%-44s %12.0f   merge input rows (%zu merges, %zu rows left)\n", label, kParts * kRows / merge_seconds, merges,
                table.snapshot()->rows());
  };
  run("MergeTree", false, TableEngine::kMergeTree, false);
  run("MergeTree, 3 month partitions", true, TableEngine::kMergeTree, false);
  run("ReplacingMergeTree (organization, user)", false, TableEngine::kReplacingMergeTree, false);
  run("MergeTree + TTL (half expired)", false, TableEngine::kMergeTree, true);
}

}  // namespace
}  // namespace perch
