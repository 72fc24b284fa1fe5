// TableSnapshot over lazily read parts: a snapshot keeps reading the parts it was taken with while
// merges and truncates replace and unlink their files.
#include <gtest/gtest.h>

#include <algorithm>

#include "storage/part.h"
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
  options.sorting_key = {"id"};
  options.granule_rows = 4;
  options.background = false;
  options.merge_min_parts = 2;
  return options;
}

std::vector<int64_t> range(int64_t begin, int64_t end) {
  std::vector<int64_t> values;
  for (int64_t v = begin; v < end; ++v) values.push_back(v);
  return values;
}

std::vector<int64_t> sorted(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  return values;
}

TEST(TableSnapshot, SurvivesAMergeThatDeletesItsParts) {
  ScratchDirectory dir;
  Table table("t", smallSchema(), manualOptions(dir.path()));
  for (int64_t part = 0; part < 3; ++part) {
    table.append(smallBatch(range(part * 10, part * 10 + 10)), Durability::kWritten);
    table.flush();
  }
  table.append(smallBatch({100, 101}), Durability::kWritten);  // stays buffered
  const SnapshotPtr before = table.snapshot();
  ASSERT_EQ(before->parts().size(), 3u);
  ASSERT_EQ(before->buffered().size(), 1u);
  EXPECT_EQ(before->rows(), 32u);

  ASSERT_TRUE(table.mergeOnce());
  for (const auto& part : before->parts()) EXPECT_FALSE(std::filesystem::exists(part->path())) << part->path();
  std::vector<int64_t> expected = range(0, 30);
  expected.push_back(100);
  expected.push_back(101);
  EXPECT_EQ(sorted(int64Column(*before, 0)), expected);  // read from the unlinked files

  const SnapshotPtr after = table.snapshot();
  EXPECT_EQ(after->parts().size(), 1u);
  EXPECT_EQ(sorted(int64Column(*after, 0)), expected);
}

TEST(TableSnapshot, SurvivesATruncate) {
  ScratchDirectory dir;
  Table table("t", smallSchema(), manualOptions(dir.path()));
  table.append(smallBatch(range(0, 9)), Durability::kWritten);
  table.flush();
  const SnapshotPtr before = table.snapshot();
  table.truncate();
  EXPECT_EQ(table.snapshot()->rows(), 0u);
  EXPECT_EQ(sorted(int64Column(*before, 0)), range(0, 9));
}

TEST(TableSnapshot, ReopenedTableReadsPartsLazily) {
  ScratchDirectory dir;
  {
    Table table("t", smallSchema(), manualOptions(dir.path()));
    table.append(smallBatch(range(0, 10)), Durability::kWritten);
  }  // close flushes the buffer to a part
  Table table("t", smallSchema(), manualOptions(dir.path()));
  const SnapshotPtr snapshot = table.snapshot();
  ASSERT_EQ(snapshot->parts().size(), 1u);
  EXPECT_TRUE(snapshot->buffered().empty());
  EXPECT_EQ(snapshot->rows(), 10u);
  EXPECT_EQ(snapshot->parts()[0]->granuleCount(), 3u);  // 4-row granules
  EXPECT_GT(snapshot->bytes(), 0u);                     // from the index, without reading blocks
  EXPECT_EQ(int64Column(*snapshot, 0), range(0, 10));
}

}  // namespace
}  // namespace perch
