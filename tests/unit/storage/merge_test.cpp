// Merges: partitions, size-tiered policy (bounded write amplification), TTL with an injected
// clock, ReplacingMergeTree with and without a version column, and recovery of each.
#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <set>

#include "common/error.h"
#include "storage/file_io.h"
#include "storage/merge_policy.h"
#include "storage/part.h"
#include "storage/partitioning.h"
#include "storage/table.h"
#include "storage_test_util.h"

namespace perch {
namespace {

using storage::testing::int64Column;
using storage::testing::rowsAsText;
using storage::testing::ScratchDirectory;
using storage::testing::smallBatch;
using storage::testing::smallSchema;

TableOptions manualOptions(const std::filesystem::path& directory) {
  TableOptions options;
  options.directory = directory;
  options.background = false;
  return options;
}

std::vector<int64_t> range(int64_t begin, int64_t end) {
  std::vector<int64_t> ids(static_cast<size_t>(end - begin));
  std::iota(ids.begin(), ids.end(), begin);
  return ids;
}

std::vector<int64_t> sortedIds(const Table& table) {
  std::vector<int64_t> ids = int64Column(*table.snapshot(), 0);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> partFiles(const std::filesystem::path& table_directory) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(table_directory / "parts")) {
    if (entry.path().extension() == ".part") files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void copyTree(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::remove_all(to);
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

// Partition "p<id % 3>", like a partition key `id % 3` rendered by the caller.
std::vector<std::string> partitionByIdModulo3(const Batch& batch) {
  std::vector<std::string> values;
  for (int64_t id : asVector<int64_t>(*batch.columns[0]).data()) values.push_back("p" + std::to_string(id % 3));
  return values;
}

// TTL: row `id` expires at second `id`.
std::vector<int64_t> expiresAtId(const Batch& batch) {
  const auto& ids = asVector<int64_t>(*batch.columns[0]).data();
  return std::vector<int64_t>(ids.begin(), ids.end());
}

// id Int64, payload String, version UInt64.
TableSchema versionedSchema() {
  TableSchema schema = smallSchema();
  schema.columns.push_back({"version", DataType(TypeId::kUInt64)});
  return schema;
}

Batch versionedBatch(const std::vector<int64_t>& ids, const std::string& payload, uint64_t version) {
  Batch batch = smallBatch(ids);
  auto payloads = std::make_shared<ColumnString>();
  for (size_t i = 0; i < ids.size(); ++i) payloads->push(payload);
  batch.columns[1] = payloads;
  batch.columns.push_back(std::make_shared<ColumnVector<uint64_t>>(DataType(TypeId::kUInt64), std::vector<uint64_t>(ids.size(), version)));
  return batch;
}

// "id=payload" per row, sorted.
std::vector<std::string> idPayloads(const Table& table) {
  std::vector<std::string> rows;
  for (const auto& batch : table.snapshot()->materialize()) {
    for (size_t r = 0; r < batch->rows; ++r) {
      rows.push_back(std::to_string(asVector<int64_t>(*batch->columns[0]).data()[r]) + "=" +
                     std::string(static_cast<const ColumnString&>(*batch->columns[1]).at(r)));
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// ---- policy -------------------------------------------------------------------------------------

storage::MergeCandidate candidate(uint64_t rows, std::string partition = "") {
  storage::MergeCandidate part;
  part.rows = rows;
  part.partition = std::move(partition);
  return part;
}

TEST(MergePolicy, MergesOnlyRunsOfOneTierAndOnePartition) {
  storage::MergeSettings settings;
  settings.min_parts = 3;
  settings.max_parts = 4;
  settings.base_rows = 10;
  EXPECT_EQ(storage::mergeTier(9, settings), 0u);
  EXPECT_EQ(storage::mergeTier(10, settings), 1u);
  EXPECT_EQ(storage::mergeTier(29, settings), 1u);
  EXPECT_EQ(storage::mergeTier(30, settings), 2u);
  // A big part followed by two small ones: nothing (the big one is never rewritten for them).
  std::vector<storage::MergeCandidate> parts = {candidate(300), candidate(5), candidate(5)};
  EXPECT_EQ(storage::chooseMerge(parts, settings, 0).kind, storage::MergeChoice::Kind::kNone);
  // Three small ones, but in two partitions: still nothing.
  parts = {candidate(300), candidate(5, "a"), candidate(5, "b"), candidate(5, "a")};
  EXPECT_EQ(storage::chooseMerge(parts, settings, 0).kind, storage::MergeChoice::Kind::kNone);
  // Three of partition "a" (with a "b" in between in WAL order): merged, at most max_parts.
  parts = {candidate(300), candidate(5, "a"), candidate(5, "b"), candidate(5, "a"), candidate(6, "a"), candidate(7, "a"), candidate(8, "a")};
  storage::MergeChoice choice = storage::chooseMerge(parts, settings, 0);
  EXPECT_EQ(choice.kind, storage::MergeChoice::Kind::kMerge);
  EXPECT_EQ(choice.parts, (std::vector<size_t>{1, 3, 4, 5}));
  // The lowest tier goes first.
  parts = {candidate(40), candidate(40), candidate(40), candidate(5), candidate(5), candidate(5)};
  EXPECT_EQ(storage::chooseMerge(parts, settings, 0).parts, (std::vector<size_t>{3, 4, 5}));
  // Parts at the size cap are never merged.
  settings.max_part_rows = 40;
  parts = {candidate(40), candidate(40), candidate(40)};
  EXPECT_EQ(storage::chooseMerge(parts, settings, 0).kind, storage::MergeChoice::Kind::kNone);
}

TEST(MergePolicy, ExpiredPartsComeFirstAndTtlRewritesRespectTheInterval) {
  storage::MergeSettings settings;
  std::vector<storage::MergeCandidate> parts = {candidate(100), candidate(100)};
  parts[0].min_expiry = 50;
  parts[0].max_expiry = 200;
  parts[1].min_expiry = 10;
  parts[1].max_expiry = 90;
  EXPECT_EQ(storage::chooseMerge(parts, settings, 5).kind, storage::MergeChoice::Kind::kNone);
  storage::MergeChoice choice = storage::chooseMerge(parts, settings, 60);
  EXPECT_EQ(choice.kind, storage::MergeChoice::Kind::kTtlRewrite);
  EXPECT_EQ(choice.parts, std::vector<size_t>{0});
  parts[0].ttl_rewrite_allowed = parts[1].ttl_rewrite_allowed = false;
  EXPECT_EQ(storage::chooseMerge(parts, settings, 60).kind, storage::MergeChoice::Kind::kNone);
  choice = storage::chooseMerge(parts, settings, 95);  // dropping needs no rewrite: not rate-limited
  EXPECT_EQ(choice.kind, storage::MergeChoice::Kind::kDropExpired);
  EXPECT_EQ(choice.parts, std::vector<size_t>{1});
}

TEST(Partitioning, PlainValuesAreTheirOwnIdsOthersAreHashed) {
  EXPECT_EQ(storage::partitionId("202401"), "202401");
  EXPECT_EQ(storage::partitionId("-7"), "-7");
  const std::string hashed = storage::partitionId("acme corp/eu");
  EXPECT_EQ(hashed.size(), 17u);
  EXPECT_EQ(hashed[0], 'x');
  EXPECT_NE(hashed, storage::partitionId("acme corp/us"));
  EXPECT_NE(storage::partitionId(""), "");
  auto name = storage::PartName::parse("202401_00000000000000000001_00000000000000000002_3");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->partition, "202401");
  EXPECT_EQ(name->level, 3u);
  EXPECT_EQ(name->toString(), "202401_00000000000000000001_00000000000000000002_3");
  EXPECT_FALSE(storage::PartName::parse("a.b_00000000000000000001_00000000000000000002_3"));
}

// ---- partitions ---------------------------------------------------------------------------------

TEST(Merge, FlushWritesOnePartPerPartitionAndMergesNeverMixThem) {
  ScratchDirectory dir;
  TableOptions options = manualOptions(dir.path());
  options.partition_of = partitionByIdModulo3;
  options.merge_min_parts = 2;
  {
    Table table("t", smallSchema(), options);
    for (int64_t flush = 0; flush < 4; ++flush) {
      table.append(smallBatch(range(flush * 30, flush * 30 + 30)), Durability::kWritten);
      table.flush();
    }
    EXPECT_EQ(table.stats().parts, 12u);
    while (table.mergeOnce()) {
    }
    EXPECT_EQ(table.stats().parts, 3u);
    EXPECT_EQ(sortedIds(table), range(0, 120));
  }
  const std::vector<std::string> files = partFiles(dir.path());
  ASSERT_EQ(files.size(), 3u);
  for (size_t p = 0; p < 3; ++p) EXPECT_TRUE(files[p].starts_with("p" + std::to_string(p) + "_")) << files[p];
  Table reopened("t", smallSchema(), options);
  EXPECT_EQ(reopened.stats().parts, 3u);
  // Each part holds exactly its partition's rows.
  for (const auto& part : reopened.snapshot()->parts()) {
    for (const auto& batch : part->readAll()) {
      for (int64_t id : asVector<int64_t>(*batch->columns[0]).data()) {
        EXPECT_EQ(part->name().partition, "p" + std::to_string(id % 3));
      }
    }
  }
  EXPECT_EQ(sortedIds(reopened), range(0, 120));
}

TEST(Merge, CrashBetweenThePartsOfOneFlushReplaysOnlyTheMissingPartitions) {
  ScratchDirectory dir, crash;
  TableOptions options = manualOptions(dir.path());
  options.partition_of = partitionByIdModulo3;
  {
    Table table("t", smallSchema(), options);
    table.append(smallBatch(range(0, 30)), Durability::kSynced);
    table.append(smallBatch(range(30, 45)), Durability::kSynced);
    // The part of partition p1 fails: p0's part is published, p1 and p2 are not.
    storage::setIoFaultInjectorForTesting([](storage::IoOp op, const std::string& path) {
      return op == storage::IoOp::kWrite && path.find("/p1_") != std::string::npos ? EIO : 0;
    });
    EXPECT_THROW(table.flush(), Error);
    storage::setIoFaultInjectorForTesting(nullptr);
    copyTree(dir.path(), crash.path() / "t");
  }
  ASSERT_EQ(partFiles(crash.path() / "t").size(), 1u);
  EXPECT_TRUE(partFiles(crash.path() / "t")[0].starts_with("p0_"));
  options.directory = crash.path() / "t";
  {
    Table recovered("t", smallSchema(), options);
    EXPECT_EQ(sortedIds(recovered), range(0, 45));  // every row exactly once
    EXPECT_EQ(recovered.stats().parts, 1u);
    EXPECT_EQ(recovered.stats().buffered_rows, 30u);  // p1 and p2 rows only
    recovered.append(smallBatch(range(45, 48)), Durability::kSynced);
    recovered.flush();
    EXPECT_EQ(recovered.stats().parts, 4u);
  }
  Table again("t", smallSchema(), options);
  EXPECT_EQ(sortedIds(again), range(0, 48));
}

TEST(Merge, AddingOrRemovingAPartitionKeyDoesNotReplayRowsAlreadyInParts) {
  for (const bool add : {true, false}) {
    SCOPED_TRACE(add ? "adding" : "removing");
    ScratchDirectory dir, before_flush, crash;
    TableOptions before = manualOptions(dir.path());
    if (!add) before.partition_of = partitionByIdModulo3;
    {
      Table table("t", smallSchema(), before);
      table.append(smallBatch(range(0, 30)), Durability::kSynced);
      copyTree(dir.path() / "wal", before_flush.path() / "wal");
      table.flush();
      table.append(smallBatch(range(30, 33)), Durability::kSynced);
      // Crash image: parts published, the covered log segments not yet deleted.
      copyTree(dir.path(), crash.path() / "t");
    }
    for (const auto& entry : std::filesystem::directory_iterator(before_flush.path() / "wal")) {
      std::filesystem::copy_file(entry.path(), crash.path() / "t" / "wal" / entry.path().filename(),
                                 std::filesystem::copy_options::skip_existing);
    }
    TableOptions after = manualOptions(crash.path() / "t");
    if (add) after.partition_of = partitionByIdModulo3;
    Table reopened("t", smallSchema(), after);
    EXPECT_EQ(sortedIds(reopened), range(0, 33));
  }
}

// ---- size-tiered write amplification -----------------------------------------------------------

TEST(Merge, WriteAmplificationIsLogarithmic) {
  ScratchDirectory dir;
  TableOptions options = manualOptions(dir.path());
  options.merge_min_parts = 4;
  options.merge_max_parts = 4;
  options.merge_base_rows = 10;
  constexpr int64_t kFlushes = 64, kRows = 10;
  Table table("t", smallSchema(), options);
  for (int64_t flush = 0; flush < kFlushes; ++flush) {
    table.append(smallBatch(range(flush * kRows, (flush + 1) * kRows)), Durability::kWritten);
    table.flush();
    while (table.mergeOnce()) {
    }
  }
  EXPECT_EQ(sortedIds(table), range(0, kFlushes * kRows));
  // 64 parts of tier 1, merged 4 at a time: every row is rewritten exactly log4(64) = 3 times. A
  // policy that merged each new small part into the big one would rewrite O(n^2 / 4) rows.
  EXPECT_EQ(table.stats().rows_written_by_merges, static_cast<uint64_t>(3 * kFlushes * kRows));
  EXPECT_EQ(table.stats().parts, 1u);
}

// ---- TTL ----------------------------------------------------------------------------------------

TEST(Merge, TtlRemovesExpiredRowsDropsExpiredPartsAndRecoveryKeepsThemGone) {
  ScratchDirectory dir;
  std::atomic<int64_t> now{-1};  // row 0 expires at second 0
  TableOptions options = manualOptions(dir.path());
  options.expires_at = expiresAtId;
  options.now_seconds = [&] { return now.load(); };
  options.ttl_merge_interval = std::chrono::seconds(100);
  {
    Table table("t", smallSchema(), options);
    table.append(smallBatch(range(0, 100)), Durability::kWritten);
    table.flush();
    table.append(smallBatch(range(1000, 1010)), Durability::kWritten);
    table.flush();
    EXPECT_FALSE(table.mergeOnce());  // nothing expired yet; 2 parts < merge_min_parts
    now = 50;                         // ids 0..50 expired: the first part is rewritten alone
    ASSERT_TRUE(table.mergeOnce());
    EXPECT_EQ(sortedIds(table), [] { auto ids = range(51, 100); auto more = range(1000, 1010); ids.insert(ids.end(), more.begin(), more.end()); return ids; }());
    EXPECT_EQ(table.stats().parts, 2u);
    now = 60;  // more rows expired, but the partition was TTL-merged 10 s ago
    EXPECT_FALSE(table.mergeOnce());
    now = 500;  // the first part is all expired: dropped without rewriting
    ASSERT_TRUE(table.mergeOnce());
    EXPECT_EQ(table.stats().expired_parts_dropped, 1u);
    EXPECT_EQ(sortedIds(table), range(1000, 1010));
    EXPECT_FALSE(table.mergeOnce());
  }
  Table reopened("t", smallSchema(), options);
  EXPECT_EQ(sortedIds(reopened), range(1000, 1010));  // the log does not bring them back
  now = 2000;
  ASSERT_TRUE(reopened.mergeOnce());  // expiry of parts loaded at open is computed on demand
  EXPECT_EQ(reopened.snapshot()->rows(), 0u);
}

TEST(Merge, NormalMergesApplyTheTtlToo) {
  ScratchDirectory dir;
  TableOptions options = manualOptions(dir.path());
  options.expires_at = expiresAtId;
  options.now_seconds = [] { return int64_t{15}; };
  options.ttl_merge_interval = std::chrono::seconds(1'000'000);
  options.merge_min_parts = 2;
  Table table("t", smallSchema(), options);
  table.append(smallBatch(range(20, 30)), Durability::kWritten);
  table.flush();
  table.append(smallBatch(range(10, 20)), Durability::kWritten);
  table.flush();
  ASSERT_TRUE(table.mergeOnce());  // TTL rewrite of the second part (ids 10..15 expired)
  ASSERT_TRUE(table.mergeOnce());  // the size-tiered merge of both
  EXPECT_EQ(table.stats().parts, 1u);
  EXPECT_EQ(sortedIds(table), range(16, 30));
}

// ---- ReplacingMergeTree -------------------------------------------------------------------------

TEST(Merge, ReplacingWithoutVersionKeepsTheLastInsertedRow) {
  ScratchDirectory dir;
  TableOptions options = manualOptions(dir.path());
  options.engine = TableEngine::kReplacingMergeTree;
  options.sorting_key = {"id"};
  options.merge_min_parts = 2;
  {
    Table table("t", versionedSchema(), options);
    table.append(versionedBatch({1, 2, 3}, "old", 0), Durability::kWritten);
    table.append(versionedBatch({2}, "newer", 0), Durability::kWritten);
    table.flush();  // deduplicated inside the flushed part already
    EXPECT_EQ(idPayloads(table), (std::vector<std::string>{"1=old", "2=newer", "3=old"}));
    table.append(versionedBatch({1, 3}, "newest", 0), Durability::kWritten);
    table.flush();
    EXPECT_EQ(table.snapshot()->rows(), 5u);  // two parts: duplicates until they merge
    ASSERT_TRUE(table.mergeOnce());
    EXPECT_EQ(idPayloads(table), (std::vector<std::string>{"1=newest", "2=newer", "3=newest"}));
  }
  Table reopened("t", versionedSchema(), options);
  EXPECT_EQ(idPayloads(reopened), (std::vector<std::string>{"1=newest", "2=newer", "3=newest"}));
}

TEST(Merge, ReplacingWithVersionKeepsTheGreatestVersionAndTheLastOnTies) {
  ScratchDirectory dir;
  TableOptions options = manualOptions(dir.path());
  options.engine = TableEngine::kReplacingMergeTree;
  options.sorting_key = {"id"};
  options.version_column = "version";
  options.merge_min_parts = 2;
  Table table("t", versionedSchema(), options);
  table.append(versionedBatch({1}, "v5", 5), Durability::kWritten);
  table.append(versionedBatch({2}, "v1-first", 1), Durability::kWritten);
  table.flush();
  table.append(versionedBatch({1}, "v3", 3), Durability::kWritten);  // later, but an older version
  table.append(versionedBatch({2}, "v1-second", 1), Durability::kWritten);
  table.flush();
  ASSERT_TRUE(table.mergeOnce());
  EXPECT_EQ(idPayloads(table), (std::vector<std::string>{"1=v5", "2=v1-second"}));
}

TEST(Merge, ReplacingRejectsAnUnusableVersionColumn) {
  TableOptions options;
  options.engine = TableEngine::kReplacingMergeTree;
  options.sorting_key = {"id"};
  options.version_column = "payload";
  EXPECT_THROW(Table("t", versionedSchema(), options), Error);
  options.version_column = "missing";
  EXPECT_THROW(Table("t", versionedSchema(), options), Error);
}

}  // namespace
}  // namespace perch
