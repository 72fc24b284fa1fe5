// Table::replace: atomic swap of the whole content, durable, crash-safe at every step, and
// consistent with concurrent appends.
#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <thread>

#include "common/error.h"
#include "storage/file_io.h"
#include "storage/table.h"
#include "storage_test_util.h"

namespace perch {
namespace {

using storage::testing::int64Column;
using storage::testing::ScratchDirectory;
using storage::testing::smallBatch;
using storage::testing::smallSchema;

TableOptions manualOptions(const std::filesystem::path& directory) {
  TableOptions options;
  options.directory = directory;
  options.background = false;
  options.partition_of = [](const Batch& batch) {
    std::vector<std::string> values;
    for (int64_t id : asVector<int64_t>(*batch.columns[0]).data()) values.push_back(id % 2 == 0 ? "even" : "odd");
    return values;
  };
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

void copyTree(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::remove_all(to);
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

std::vector<Batch> newContent() {
  std::vector<Batch> batches;
  batches.push_back(smallBatch(range(1000, 1010)));
  batches.push_back(smallBatch(range(1010, 1013)));
  return batches;
}

// A table with old rows in parts (two partitions) and in the buffer.
void writeOldContent(Table& table) {
  table.append(smallBatch(range(0, 20)), Durability::kWritten);
  table.flush();
  table.append(smallBatch(range(20, 25)), Durability::kSynced);
}

TEST(Replace, SwapsTheContentDurablyAndKeepsLaterAppends) {
  ScratchDirectory dir;
  {
    Table table("t", smallSchema(), manualOptions(dir.path()));
    writeOldContent(table);
    SnapshotPtr before = table.snapshot();
    table.replace(newContent());
    EXPECT_EQ(sortedIds(table), range(1000, 1013));
    EXPECT_EQ(before->rows(), 25u);  // a snapshot taken before still sees the old content
    EXPECT_EQ(table.stats().parts, 2u);  // one per partition
    table.append(smallBatch({2000}), Durability::kSynced);
  }
  Table reopened("t", smallSchema(), manualOptions(dir.path()));
  auto expected = range(1000, 1013);
  expected.push_back(2000);
  EXPECT_EQ(sortedIds(reopened), expected);
  // Nothing of the old content or the staging area is left on disk.
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "parts")) {
    EXPECT_FALSE(entry.is_directory()) << entry.path();
  }
}

TEST(Replace, WithNothingEmptiesTheTable) {
  ScratchDirectory dir;
  {
    Table table("t", smallSchema(), manualOptions(dir.path()));
    writeOldContent(table);
    table.replace({});
    EXPECT_EQ(table.snapshot()->rows(), 0u);
  }
  Table reopened("t", smallSchema(), manualOptions(dir.path()));
  EXPECT_EQ(reopened.snapshot()->rows(), 0u);
}

TEST(Replace, InMemoryTable) {
  Table table("t", smallSchema());
  table.append(smallBatch({1, 2}));
  table.replace(newContent());
  EXPECT_EQ(sortedIds(table), range(1000, 1013));
}

TEST(Replace, ReplacingEngineDeduplicatesTheNewContent) {
  ScratchDirectory dir;
  TableOptions options = manualOptions(dir.path());
  options.engine = TableEngine::kReplacingMergeTree;
  options.sorting_key = {"id"};
  Table table("t", smallSchema(), options);
  std::vector<Batch> batches;
  batches.push_back(smallBatch({1, 2, 3}));
  batches.push_back(smallBatch({2, 3}));
  table.replace(std::move(batches));
  EXPECT_EQ(sortedIds(table), (std::vector<int64_t>{1, 2, 3}));
}

// Crash images: the replace fails at one I/O step (as a crash there would stop it), the directory is
// copied as it is on disk, and recovery must show exactly the old or exactly the new content.
struct CrashCase {
  const char* name;
  std::function<bool(storage::IoOp, const std::string&)> fails;
  bool expect_new;
};

void checkCrashImage(const CrashCase& crash_case) {
  SCOPED_TRACE(crash_case.name);
  ScratchDirectory dir, crash;
  {
    Table table("t", smallSchema(), manualOptions(dir.path()));
    writeOldContent(table);
    storage::setIoFaultInjectorForTesting([&](storage::IoOp op, const std::string& path) { return crash_case.fails(op, path) ? EIO : 0; });
    EXPECT_THROW(table.replace(newContent()), Error);
    storage::setIoFaultInjectorForTesting(nullptr);
    copyTree(dir.path(), crash.path() / "t");
  }
  for (int round = 0; round < 2; ++round) {  // recovery itself is durable: a second open agrees
    Table recovered("t", smallSchema(), manualOptions(crash.path() / "t"));
    EXPECT_EQ(sortedIds(recovered), crash_case.expect_new ? range(1000, 1013) : range(0, 25));
    for (const auto& entry : std::filesystem::directory_iterator(crash.path() / "t" / "parts")) {
      EXPECT_FALSE(entry.is_directory()) << entry.path();
    }
  }
}

TEST(Replace, CrashAtAnyStepRecoversToOldOrNewNeverAMix) {
  auto in_parts_directory = [](const std::string& path) {
    return std::filesystem::path(path).parent_path().filename() == "parts" && path.ends_with(".part");
  };
  int moved = 0;
  const std::vector<CrashCase> cases = {
      {"while writing the new parts", [](storage::IoOp op, const std::string& path) {
         return op == storage::IoOp::kWrite && path.find("replace-") != std::string::npos && path.find("/odd_") != std::string::npos;
       }, false},
      {"before the commit marker", [](storage::IoOp op, const std::string& path) {
         return op == storage::IoOp::kRename && path.ends_with("/truncated");
       }, false},
      {"after the commit, before moving any part", [&](storage::IoOp op, const std::string& path) {
         return op == storage::IoOp::kRename && in_parts_directory(path);
       }, true},
      {"after moving one of two parts", [&](storage::IoOp op, const std::string& path) {
         return op == storage::IoOp::kRename && in_parts_directory(path) && ++moved == 2;
       }, true},
  };
  for (const auto& crash_case : cases) checkCrashImage(crash_case);
}

TEST(Replace, ConcurrentAppendsLandEitherBeforeOrAfterConsistently) {
  ScratchDirectory dir;
  TableOptions options = manualOptions(dir.path());
  std::vector<int64_t> survivors;
  int64_t first_after = -1, batches = 0;
  {
    Table table("t", smallSchema(), options);
    writeOldContent(table);
    std::atomic<bool> replaced{false};
    std::thread writer([&] {
      // Appends all the time; stops 20 batches after replace() has returned.
      for (int64_t batch = 0;; ++batch) {
        const bool after = replaced.load();
        table.append(smallBatch(range(10'000 + batch * 3, 10'000 + batch * 3 + 3)), Durability::kWritten);
        if (after && first_after < 0) first_after = batch;
        if (after && batch - first_after == 20) {
          batches = batch + 1;
          break;
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    table.replace(newContent());
    replaced = true;
    writer.join();
    survivors = sortedIds(table);
  }
  const int64_t end_id = 10'000 + batches * 3;
  // The new content plus a suffix of the appended batches (those after the replace point): whole
  // batches, no gap, and every batch appended after replace() returned.
  ASSERT_GE(survivors.size(), 13u);
  ASSERT_EQ(std::vector<int64_t>(survivors.begin(), survivors.begin() + 13), range(1000, 1013));
  std::vector<int64_t> appended(survivors.begin() + 13, survivors.end());
  ASSERT_FALSE(appended.empty());
  EXPECT_EQ((appended.front() - 10'000) % 3, 0);
  EXPECT_EQ(appended, range(appended.front(), end_id));
  EXPECT_LE(appended.front(), 10'000 + first_after * 3);
  Table reopened("t", smallSchema(), options);
  EXPECT_EQ(sortedIds(reopened), survivors);
}

}  // namespace
}  // namespace perch
