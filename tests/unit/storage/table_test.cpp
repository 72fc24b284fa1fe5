#include "storage/table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <numeric>
#include <set>
#include <thread>

#include "common/error.h"
#include "storage/file_io.h"
#include "storage_test_util.h"

namespace perch {
namespace {

using storage::testing::allTypesBatch;
using storage::testing::allTypesSchema;
using storage::testing::int64Column;
using storage::testing::rowsAsText;
using storage::testing::ScratchDirectory;
using storage::testing::smallBatch;
using storage::testing::smallSchema;

TableOptions manualOptions(const std::filesystem::path& directory) {
  TableOptions options;
  options.directory = directory;
  options.background = false;  // the test drives flush() and mergeOnce()
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

// Copies every regular file under `from` to `to` (a crash image of the table directory).
void copyTree(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::remove_all(to);
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

TEST(Table, InMemoryTableKeepsTheOldBehaviour) {
  Table table("t", smallSchema());
  EXPECT_FALSE(table.durable());
  table.append(smallBatch({1, 2}));
  table.append(smallBatch({3}), Durability::kSynced);
  EXPECT_EQ(table.snapshot()->rows(), 3u);
  table.truncate();
  EXPECT_EQ(table.snapshot()->rows(), 0u);
}

TEST(Table, ReopenKeepsBufferedAndFlushedRowsOfEveryType) {
  ScratchDirectory dir;
  std::vector<std::string> expected;
  {
    Table table("t", allTypesSchema(), manualOptions(dir.path()));
    Batch first = allTypesBatch(0, 300);
    Batch second = allTypesBatch(300, 200);
    auto text = rowsAsText(first);
    expected.insert(expected.end(), text.begin(), text.end());
    text = rowsAsText(second);
    expected.insert(expected.end(), text.begin(), text.end());
    table.append(std::move(first), Durability::kSynced);
    table.flush();
    table.append(std::move(second), Durability::kWritten);
    EXPECT_EQ(table.stats().parts, 1u);
    EXPECT_EQ(table.stats().buffered_rows, 200u);
  }  // the destructor flushes the buffer to a second part
  Table reopened("t", allTypesSchema(), manualOptions(dir.path()));
  EXPECT_EQ(reopened.stats().parts, 2u);
  EXPECT_EQ(rowsAsText(*reopened.snapshot()), expected);
}

TEST(Table, RecoversUnflushedRowsFromTheLogAfterACrash) {
  ScratchDirectory dir, crash;
  {
    Table table("t", smallSchema(), manualOptions(dir.path()));
    table.append(smallBatch(range(0, 10)), Durability::kWritten);
    table.flush();
    table.append(smallBatch(range(10, 25)), Durability::kWritten);
    table.append(smallBatch(range(25, 30)), Durability::kWritten);
    copyTree(dir.path(), crash.path() / "t");  // kill -9 here: no close(), no final flush
  }
  Table recovered("t", smallSchema(), manualOptions(crash.path() / "t"));
  EXPECT_EQ(sortedIds(recovered), range(0, 30));
  EXPECT_EQ(recovered.stats().parts, 1u);
  EXPECT_EQ(recovered.stats().buffered_rows, 20u);
  // A torn record after the last good one is cut off without losing the others.
  recovered.close();
}

TEST(Table, TornLogTailLosesOnlyTheTornBatch) {
  ScratchDirectory dir, crash;
  {
    Table table("t", smallSchema(), manualOptions(dir.path()));
    table.append(smallBatch(range(0, 5)), Durability::kSynced);
    table.append(smallBatch(range(5, 9)), Durability::kSynced);
    copyTree(dir.path(), crash.path() / "t");
  }
  // Cut the last record in half, as a power loss in the middle of an unsynced write could.
  std::filesystem::path segment;
  for (const auto& entry : std::filesystem::directory_iterator(crash.path() / "t" / "wal")) {
    if (std::filesystem::file_size(entry.path()) > std::filesystem::file_size(segment.empty() ? entry.path() : segment) || segment.empty()) {
      segment = entry.path();
    }
  }
  std::filesystem::resize_file(segment, std::filesystem::file_size(segment) - 10);
  Table recovered("t", smallSchema(), manualOptions(crash.path() / "t"));
  EXPECT_EQ(sortedIds(recovered), range(0, 5));  // all of batch 1, none of batch 2
}

TEST(Table, CrashBetweenPartPublishAndLogCleanupDoesNotDuplicateRows) {
  ScratchDirectory dir, before_flush;
  Table table("t", smallSchema(), manualOptions(dir.path()));
  table.append(smallBatch(range(0, 100)), Durability::kSynced);
  table.append(smallBatch(range(100, 150)), Durability::kSynced);
  copyTree(dir.path() / "wal", before_flush.path() / "wal");
  table.flush();
  table.append(smallBatch(range(150, 160)), Durability::kSynced);
  // Crash image: the part is published but the covered log segments were never deleted.
  ScratchDirectory crash;
  copyTree(dir.path(), crash.path() / "t");
  for (const auto& entry : std::filesystem::directory_iterator(before_flush.path() / "wal")) {
    std::filesystem::copy_file(entry.path(), crash.path() / "t" / "wal" / entry.path().filename(),
                               std::filesystem::copy_options::skip_existing);
  }
  Table recovered("t", smallSchema(), manualOptions(crash.path() / "t"));
  EXPECT_EQ(sortedIds(recovered), range(0, 160));
  EXPECT_EQ(recovered.stats().parts, 1u);
  EXPECT_EQ(recovered.stats().buffered_rows, 10u);
}

TEST(Table, CrashBetweenMergePublishAndSourceDeletionDoesNotDuplicateRows) {
  ScratchDirectory dir, before_merge;
  TableOptions options = manualOptions(dir.path());
  options.merge_min_parts = 3;
  {
    Table table("t", smallSchema(), options);
    for (int64_t i = 0; i < 4; ++i) {
      table.append(smallBatch(range(i * 10, i * 10 + 10)), Durability::kWritten);
      table.flush();
    }
    copyTree(dir.path() / "parts", before_merge.path() / "parts");
    EXPECT_TRUE(table.mergeOnce());
    EXPECT_EQ(table.stats().parts, 1u);
    EXPECT_EQ(sortedIds(table), range(0, 40));
  }
  // Crash image: the merged part exists and so do its inputs.
  for (const auto& entry : std::filesystem::directory_iterator(before_merge.path() / "parts")) {
    std::filesystem::copy_file(entry.path(), dir.path() / "parts" / entry.path().filename(),
                               std::filesystem::copy_options::skip_existing);
  }
  Table recovered("t", smallSchema(), options);
  EXPECT_EQ(sortedIds(recovered), range(0, 40));
  EXPECT_EQ(recovered.stats().parts, 1u);
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path() / "parts")) ++files;
  EXPECT_EQ(files, 1u);  // the covered inputs were deleted
}

TEST(Table, FlushSortsBySortingKeyAndMergeKeepsTheOrder) {
  ScratchDirectory dir;
  TableOptions options = manualOptions(dir.path());
  options.sorting_key = {"payload", "id"};
  options.merge_min_parts = 2;
  {
    Table table("t", smallSchema(), options);
    table.append(smallBatch({5, 3, 9, 1}), Durability::kWritten);
    table.append(smallBatch({7, 2}), Durability::kWritten);
    table.flush();
    table.append(smallBatch({8, 4, 6}), Durability::kWritten);
    table.flush();
    EXPECT_TRUE(table.mergeOnce());
  }
  Table reopened("t", smallSchema(), options);
  // payload-N sorts as strings: payload-1 < payload-2 < ... < payload-9.
  EXPECT_EQ(int64Column(*reopened.snapshot(), 0), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(Table, RejectsAnUnknownSortingKeyColumn) {
  TableOptions options;
  options.sorting_key = {"nope"};
  EXPECT_THROW(Table("t", smallSchema(), options), Error);
}

TEST(Table, TruncateIsAtomicAndDurable) {
  ScratchDirectory dir;
  {
    Table table("t", smallSchema(), manualOptions(dir.path()));
    table.append(smallBatch(range(0, 10)), Durability::kWritten);
    table.flush();
    table.append(smallBatch(range(10, 20)), Durability::kWritten);
    table.truncate();
    EXPECT_EQ(table.snapshot()->rows(), 0u);
    table.append(smallBatch(range(100, 105)), Durability::kWritten);
  }
  Table reopened("t", smallSchema(), manualOptions(dir.path()));
  EXPECT_EQ(sortedIds(reopened), range(100, 105));
}

TEST(Table, TruncateLoggedButNotFinishedIsFinishedByRecovery) {
  ScratchDirectory dir, crash;
  {
    Table table("t", smallSchema(), manualOptions(dir.path()));
    table.append(smallBatch(range(0, 10)), Durability::kWritten);
    table.flush();
    copyTree(dir.path() / "parts", crash.path() / "parts");
    table.append(smallBatch(range(10, 20)), Durability::kWritten);
    table.truncate();
    table.append(smallBatch(range(100, 103)), Durability::kSynced);
    copyTree(dir.path() / "wal", crash.path() / "wal");  // crash image: log has the truncate record,
  }                                                      // the old part is still there, no marker
  Table recovered("t", smallSchema(), manualOptions(crash.path()));
  EXPECT_EQ(sortedIds(recovered), range(100, 103));
  EXPECT_TRUE(std::filesystem::exists(crash.path() / "truncated"));
  recovered.close();
  Table again("t", smallSchema(), manualOptions(crash.path()));
  EXPECT_EQ(sortedIds(again), range(100, 103));
}

TEST(Table, CorruptPartFailsReadsWithItsNameUntilTruncated) {
  ScratchDirectory dir;
  std::filesystem::path part_file;
  {
    Table table("t", smallSchema(), manualOptions(dir.path()));
    table.append(smallBatch(range(0, 50)), Durability::kWritten);
    table.flush();
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "parts")) part_file = entry.path();
  {
    std::fstream file(part_file, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(40);
    char byte = 0;
    file.seekg(40);
    file.get(byte);
    file.seekp(40);
    file.put(static_cast<char>(byte ^ 0x04));
  }
  Table table("t", smallSchema(), manualOptions(dir.path()));
  try {
    table.snapshot()->materialize();  // block checksums are verified when a block is read
    FAIL() << "expected the corrupt part to fail the read";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInternal);
    EXPECT_NE(std::string(error.what()).find(part_file.string()), std::string::npos) << error.what();
  }
  table.append(smallBatch({7}), Durability::kSynced);  // writes still work
  table.truncate();
  EXPECT_EQ(table.snapshot()->rows(), 0u);
}

TEST(Table, FsyncFailureFailsTheAppendAndMakesTheTableReadOnly) {
  ScratchDirectory dir;
  Table table("t", smallSchema(), manualOptions(dir.path()));
  table.append(smallBatch({1}), Durability::kSynced);
  storage::setIoFaultInjectorForTesting([](storage::IoOp op, const std::string&) { return op == storage::IoOp::kSync ? EIO : 0; });
  try {
    table.append(smallBatch({2}), Durability::kSynced);
    FAIL() << "expected the append to fail";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInternal);
  }
  storage::setIoFaultInjectorForTesting(nullptr);
  EXPECT_NE(table.failure().find("fsync"), std::string::npos) << table.failure();
  try {
    table.append(smallBatch({3}), Durability::kWritten);
    FAIL() << "expected the table to be read-only";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
    EXPECT_NE(std::string(error.what()).find("accepts no writes"), std::string::npos) << error.what();
  }
  EXPECT_THROW(table.truncate(), Error);
  EXPECT_GE(table.snapshot()->rows(), 1u);  // reads keep working
}

TEST(Table, DiskFullIsReportedAsDiskFull) {
  ScratchDirectory dir;
  Table table("t", smallSchema(), manualOptions(dir.path()));
  table.append(smallBatch({1}), Durability::kWritten);
  storage::setIoFaultInjectorForTesting([](storage::IoOp op, const std::string&) { return op == storage::IoOp::kWrite ? ENOSPC : 0; });
  EXPECT_THROW(table.append(smallBatch({2}), Durability::kWritten), storage::DiskFullError);
  storage::setIoFaultInjectorForTesting(nullptr);
  EXPECT_THROW(table.append(smallBatch({3}), Durability::kWritten), storage::DiskFullError);
  EXPECT_EQ(sortedIds(table), (std::vector<int64_t>{1}));
}

TEST(Table, FailedPartWriteKeepsRowsInTheLog) {
  ScratchDirectory dir;
  {
    Table table("t", smallSchema(), manualOptions(dir.path()));
    table.append(smallBatch(range(0, 20)), Durability::kSynced);
    storage::setIoFaultInjectorForTesting([](storage::IoOp op, const std::string& path) {
      return op == storage::IoOp::kWrite && path.ends_with(".part.tmp") ? ENOSPC : 0;
    });
    EXPECT_THROW(table.flush(), storage::DiskFullError);
    storage::setIoFaultInjectorForTesting(nullptr);
    EXPECT_EQ(sortedIds(table), range(0, 20));
  }
  Table reopened("t", smallSchema(), manualOptions(dir.path()));
  EXPECT_EQ(sortedIds(reopened), range(0, 20));
}

TEST(Table, BackpressureRejectsAppendsWhenTheBufferIsFull) {
  ScratchDirectory dir;
  TableOptions options = manualOptions(dir.path());
  options.max_buffer_rows = 10;
  Table table("t", smallSchema(), options);
  table.append(smallBatch(range(0, 10)), Durability::kWritten);
  try {
    table.append(smallBatch({11}), Durability::kWritten);
    FAIL() << "expected backpressure";
  } catch (const BackpressureError& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
    EXPECT_NE(std::string(error.what()).find("retry later"), std::string::npos);
  }
  table.flush();
  table.append(smallBatch({11}), Durability::kWritten);
  EXPECT_EQ(table.failure(), "");
}

TEST(Table, SnapshotsStayStableWhileAppendsFlushesAndMergesRun) {
  ScratchDirectory dir;
  TableOptions options;
  options.directory = dir.path();
  options.flush_rows = 500;  // the background thread flushes and merges often
  options.merge_min_parts = 3;
  options.wal_sync_interval = std::chrono::milliseconds(20);
  constexpr int64_t kBatches = 300, kBatchRows = 20;
  {
    Table table("t", smallSchema(), options);
    std::atomic<bool> done{false};
    std::thread writer([&] {
      for (int64_t b = 0; b < kBatches; ++b) {
        table.append(smallBatch(range(b * kBatchRows, (b + 1) * kBatchRows)), b % 7 == 0 ? Durability::kSynced : Durability::kWritten);
      }
      done = true;
    });
    std::thread flusher([&] {
      while (!done) {
        table.flush();
        table.mergeOnce();
      }
    });
    size_t previous_rows = 0;
    while (!done) {
      SnapshotPtr snapshot = table.snapshot();
      const std::vector<std::string> before = rowsAsText(*snapshot);
      std::vector<int64_t> ids = int64Column(*snapshot, 0);
      std::sort(ids.begin(), ids.end());
      // Whole batches only, no duplicates, nothing lost: exactly the ids of the first N batches.
      ASSERT_EQ(ids.size() % kBatchRows, 0u);
      ASSERT_EQ(ids, range(0, static_cast<int64_t>(ids.size())));
      ASSERT_GE(ids.size(), previous_rows);
      previous_rows = ids.size();
      std::this_thread::yield();
      ASSERT_EQ(rowsAsText(*snapshot), before);  // a held snapshot never changes
    }
    writer.join();
    flusher.join();
    EXPECT_EQ(sortedIds(table), range(0, kBatches * kBatchRows));
  }
  Table reopened("t", smallSchema(), manualOptions(dir.path()));
  EXPECT_EQ(sortedIds(reopened), range(0, kBatches * kBatchRows));
}

TEST(Table, BackgroundThreadSyncsAndFlushesByAge) {
  ScratchDirectory dir;
  TableOptions options;
  options.directory = dir.path();
  options.flush_age = std::chrono::milliseconds(50);
  options.wal_sync_interval = std::chrono::milliseconds(10);
  Table table("t", smallSchema(), options);
  table.append(smallBatch(range(0, 5)), Durability::kWritten);
  for (int i = 0; i < 500 && table.stats().parts == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(table.stats().parts, 1u);
  EXPECT_EQ(table.stats().buffered_rows, 0u);
}

}  // namespace
}  // namespace perch

namespace perch {
namespace {

TEST(SortingKeyColumns, TakesTheLeadingPlainColumns) {
  TableSchema schema;
  schema.columns = {{"organization_id", DataType(TypeId::kString)}, {"timestamp", DataType(TypeId::kDateTime)}};
  using Columns = std::vector<std::string>;
  EXPECT_EQ(sortingKeyColumns("organization_id, timestamp", schema), (Columns{"organization_id", "timestamp"}));
  EXPECT_EQ(sortingKeyColumns("(`organization_id`,timestamp)", schema), (Columns{"organization_id", "timestamp"}));
  EXPECT_EQ(sortingKeyColumns("tuple()", schema), Columns{});
  EXPECT_EQ(sortingKeyColumns("organization_id, toDate(timestamp), timestamp", schema), Columns{"organization_id"});
  EXPECT_EQ(sortingKeyColumns("", schema), Columns{});
}

}  // namespace
}  // namespace perch
