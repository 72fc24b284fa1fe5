// Ingest throughput of the durable Table, for the numbers in the storage notes. Disabled by
// default (timing never decides a unit test); run with
//   ./build-rel/storage_test --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "storage/table.h"
#include "storage_test_util.h"

namespace perch {
namespace {

using storage::testing::ScratchDirectory;

TableSchema appEventsSchema() {
  TableSchema schema;
  schema.columns = {{"timestamp", DataType(TypeId::kDateTime)},     {"organization_id", DataType(TypeId::kString)},
                    {"team_id", DataType(TypeId::kString, true)},   {"user_id", DataType(TypeId::kString)},
                    {"event_type", DataType(TypeId::kString, true)}, {"page", DataType(TypeId::kString)},
                    {"some_number", DataType(TypeId::kInt64)}};
  return schema;
}

Batch appEventsBatch(size_t rows, uint64_t seed) {
  std::mt19937_64 random(seed);
  auto timestamp = std::make_shared<ColumnVector<uint32_t>>(DataType(TypeId::kDateTime));
  auto organization = std::make_shared<ColumnString>();
  auto team = std::make_shared<ColumnString>(DataType(TypeId::kString, true));
  auto user = std::make_shared<ColumnString>();
  auto event_type = std::make_shared<ColumnString>(DataType(TypeId::kString, true));
  auto page = std::make_shared<ColumnString>();
  auto number = std::make_shared<ColumnVector<int64_t>>(DataType(TypeId::kInt64));
  static const char* kEvents[] = {"page_view", "click", "signup", "purchase", "logout"};
  for (size_t r = 0; r < rows; ++r) {
    const uint64_t value = random();
    timestamp->data().push_back(static_cast<uint32_t>(1700000000 + value % 2592000));
    organization->push("org_" + std::to_string(value % 50));
    team->push("team_" + std::to_string(value % 7));
    user->push("user_" + std::to_string(value % 100000));
    event_type->push(kEvents[value % 5]);
    page->push("/page/" + std::to_string(value % 300));
    number->data().push_back(static_cast<int64_t>(value % 1000));
  }
  Batch batch;
  batch.rows = rows;
  batch.columns = {timestamp, organization, team, user, event_type, page, number};
  return batch;
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

TEST(TableThroughput, DISABLED_IngestAppEvents) {
  constexpr size_t kBatchRows = 10000, kBatches = 300;
  std::vector<Batch> batches;
  for (size_t i = 0; i < 16; ++i) batches.push_back(appEventsBatch(kBatchRows, i));
  const double batch_bytes = static_cast<double>(batches[0].byteSize());

  std::printf("%-34s %12s %10s\n", "case", "rows/s", "MB/s");
  for (const auto& [label, durability, threads] :
       {std::tuple{"wait=false, 1 client", Durability::kWritten, 1}, std::tuple{"wait=false, 4 clients", Durability::kWritten, 4},
        std::tuple{"wait=true, 1 client", Durability::kSynced, 1}, std::tuple{"wait=true, 4 clients", Durability::kSynced, 4}}) {
    ScratchDirectory dir;
    TableOptions options;
    options.directory = dir.path();
    options.sorting_key = {"organization_id", "timestamp"};
    Table table("app_events", appEventsSchema(), options);
    const size_t per_thread = (durability == Durability::kSynced ? kBatches / 3 : kBatches) / static_cast<size_t>(threads);
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> clients;
    for (int t = 0; t < threads; ++t) {
      clients.emplace_back([&, t] {
        for (size_t i = 0; i < per_thread; ++i) {
          Batch copy = batches[(i + static_cast<size_t>(t)) % batches.size()];
          table.append(std::move(copy), durability);
        }
      });
    }
    for (auto& client : clients) client.join();
    const double elapsed = seconds(start);
    const double rows = static_cast<double>(per_thread * static_cast<size_t>(threads) * kBatchRows);
    std::printf("%-34s %12.0f %10.1f\n", label, rows / elapsed, rows / kBatchRows * batch_bytes / elapsed / 1e6);
  }

  // Flush (sort + compress + fsync) and cold load of 1M rows.
  ScratchDirectory dir;
  TableOptions options;
  options.directory = dir.path();
  options.background = false;
  options.sorting_key = {"organization_id", "timestamp"};
  {
    Table table("app_events", appEventsSchema(), options);
    for (size_t i = 0; i < 100; ++i) table.append(appEventsBatch(kBatchRows, 1000 + i), Durability::kWritten);  // distinct rows
    auto start = std::chrono::steady_clock::now();
    table.flush();
    std::printf("%-34s %12.0f rows/s, %.1f bytes/row on disk\n", "flush 1M rows to a part", 1e6 / seconds(start),
                static_cast<double>(table.stats().bytes_on_disk) / 1e6);
  }
  auto start = std::chrono::steady_clock::now();
  Table reopened("app_events", appEventsSchema(), options);
  std::printf("%-34s %12.0f rows/s\n", "open (verify + decode) 1M rows", 1e6 / seconds(start));
  EXPECT_EQ(reopened.snapshot()->rows(), 1000000u);
}

}  // namespace
}  // namespace perch

#include "storage/part.h"
#include "storage/row_order.h"
namespace perch {
namespace {
TEST(TableThroughput, DISABLED_FlushBreakdown) {
  std::vector<BatchPtr> batches;
  for (size_t i = 0; i < 100; ++i) batches.push_back(std::make_shared<const Batch>(appEventsBatch(10000, 1000 + i)));
  const TableSchema schema = appEventsSchema();
  auto start = std::chrono::steady_clock::now();
  Batch rows = storage::concatenateBatches(schema, batches);
  std::printf("concatenate %.3f s\n", seconds(start));
  start = std::chrono::steady_clock::now();
  auto permutation = storage::sortPermutation(rows, {1, 0});
  std::printf("sort %.3f s\n", seconds(start));
  start = std::chrono::steady_clock::now();
  Batch sorted = storage::gatherBatch(rows, permutation);
  std::printf("gather %.3f s\n", seconds(start));
  ScratchDirectory dir;
  start = std::chrono::steady_clock::now();
  storage::Part::write(dir.path(), storage::PartName{1, 1, 0}, schema, {}, sorted, storage::PartWriteOptions{});
  std::printf("write %.3f s\n", seconds(start));
}
}  // namespace
}  // namespace perch
