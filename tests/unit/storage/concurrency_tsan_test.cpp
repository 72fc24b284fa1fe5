// Ingestion, flushes, merges, truncates and reads on one durable table at once, with the background
// thread on. Written to be run under ThreadSanitizer (scripts/tsan.sh), where any data race fails
// the run; in the normal build it still checks what every reader must see at every moment:
//   - only whole batches, each row once;
//   - per writer, a contiguous run of its batches (a truncate removes a prefix, never a hole);
//   - a snapshot it holds never changes while flushes, merges and truncates replace parts.
// After everything stops, a reopened table holds exactly what the last snapshot showed.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "storage/table.h"
#include "storage_test_util.h"

namespace perch {
namespace {

using storage::testing::int64Column;
using storage::testing::ScratchDirectory;
using storage::testing::smallBatch;
using storage::testing::smallSchema;

constexpr int64_t kWriterStride = 10'000'000;  // writer w uses ids from w * kWriterStride
constexpr int64_t kBatchStride = 100;          // batch b of a writer starts at b * kBatchStride
constexpr int64_t kBatchRows = 25;

std::vector<int64_t> batchIds(int writer, int64_t batch) {
  std::vector<int64_t> ids;
  for (int64_t r = 0; r < kBatchRows; ++r) ids.push_back(writer * kWriterStride + batch * kBatchStride + r);
  return ids;
}

// What a reader checks in one snapshot; returns "" or what is wrong.
std::string checkSnapshot(const TableSnapshot& snapshot, int writers) {
  std::map<int64_t, int64_t> rows_per_batch;  // writer * kWriterStride + batch * kBatchStride -> rows
  for (int64_t id : int64Column(snapshot, 0)) {
    if (id % kBatchStride >= kBatchRows) return "unexpected id " + std::to_string(id);
    ++rows_per_batch[id - id % kBatchStride];
  }
  std::vector<std::vector<int64_t>> batches(static_cast<size_t>(writers));
  for (const auto& [first_id, rows] : rows_per_batch) {
    if (rows != kBatchRows) return "batch at id " + std::to_string(first_id) + " has " + std::to_string(rows) + " rows";
    batches[static_cast<size_t>(first_id / kWriterStride)].push_back((first_id % kWriterStride) / kBatchStride);
  }
  for (int writer = 0; writer < writers; ++writer) {
    const auto& seen = batches[static_cast<size_t>(writer)];
    for (size_t i = 1; i < seen.size(); ++i) {
      if (seen[i] != seen[i - 1] + 1) {
        return "writer " + std::to_string(writer) + " has a hole between batches " + std::to_string(seen[i - 1]) +
               " and " + std::to_string(seen[i]);
      }
    }
  }
  return "";
}

int64_t sumOfIds(const TableSnapshot& snapshot) {
  int64_t sum = 0;
  for (int64_t id : int64Column(snapshot, 0)) sum += id;
  return sum;
}

TEST(TableConcurrency, IngestFlushMergeTruncateAndReadAtOnce) {
  ScratchDirectory dir;
  TableOptions options;
  options.directory = dir.path();
  options.sorting_key = {"id"};
  options.flush_rows = 400;  // the background thread flushes often ...
  options.flush_age = std::chrono::milliseconds(5);
  options.merge_min_parts = 3;  // ... and merges often
  options.merge_max_parts = 5;
  options.wal_sync_interval = std::chrono::milliseconds(2);
  options.wal_segment_bytes = 16 << 10;  // segments rotate and are dropped while writers run
  options.granule_rows = 64;
  constexpr int kWriters = 2;
  constexpr int64_t kBatchesPerWriter = 150;

  SnapshotPtr last;
  {
    Table table("t", smallSchema(), options);
    std::atomic<int> writers_running{kWriters};
    std::atomic<bool> truncates_done{false};
    std::vector<std::atomic<int64_t>> final_batch(kWriters);
    std::atomic<int> failures{0};
    auto fail = [&](const std::string& what) {
      if (failures++ == 0) ADD_FAILURE() << what;
    };

    std::vector<std::thread> threads;
    for (int writer = 0; writer < kWriters; ++writer) {
      threads.emplace_back([&, writer] {
        const Durability durability = writer == 0 ? Durability::kWritten : Durability::kSynced;
        // Keep writing until at least one batch went in after the last truncate.
        for (int64_t batch = 0; failures == 0; ++batch) {
          const bool after_truncates = truncates_done;
          table.append(smallBatch(batchIds(writer, batch)), durability);
          final_batch[static_cast<size_t>(writer)] = batch;
          if (after_truncates && batch + 1 >= kBatchesPerWriter) break;
        }
        --writers_running;
      });
    }
    threads.emplace_back([&] {  // explicit flushes, merges and syncs next to the background thread
      while (writers_running > 0) {
        table.flush();
        table.mergeOnce();
        table.sync();
      }
    });
    threads.emplace_back([&] {  // a few truncates while everything else runs
      for (int i = 0; i < 4; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(15));
        table.truncate();
      }
      truncates_done = true;
    });
    for (int reader = 0; reader < 2; ++reader) {
      threads.emplace_back([&] {
        size_t snapshots = 0;
        while (writers_running > 0 || snapshots == 0) {
          SnapshotPtr snapshot = table.snapshot();
          const size_t rows = snapshot->rows();
          const int64_t sum = sumOfIds(*snapshot);
          if (std::string problem = checkSnapshot(*snapshot, kWriters); !problem.empty()) fail(problem);
          const TableStats stats = table.stats();
          if (!table.failure().empty()) fail("table failed: " + table.failure());
          (void)stats;
          std::this_thread::yield();
          if (snapshot->rows() != rows || sumOfIds(*snapshot) != sum) fail("a held snapshot changed");
          ++snapshots;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    ASSERT_EQ(failures.load(), 0);

    last = table.snapshot();
    EXPECT_EQ(checkSnapshot(*last, kWriters), "");
    // Each writer's final batch went in after the last truncate, so it is there.
    const std::vector<int64_t> ids = int64Column(*last, 0);
    for (int writer = 0; writer < kWriters; ++writer) {
      const int64_t final_batch_first = writer * kWriterStride + final_batch[static_cast<size_t>(writer)] * kBatchStride;
      EXPECT_NE(std::find(ids.begin(), ids.end(), final_batch_first), ids.end()) << "writer " << writer;
    }
  }
  // Reopen: recovery shows exactly what the last snapshot showed.
  TableOptions reopen_options = options;
  reopen_options.background = false;
  Table reopened("t", smallSchema(), reopen_options);
  std::vector<int64_t> before = int64Column(*last, 0), after = int64Column(*reopened.snapshot(), 0);
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, before);
}

}  // namespace
}  // namespace perch
