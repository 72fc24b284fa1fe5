// Part::readGranuleBatches: the scan's zero-copy read path. The same rows as readGranules, cut
// into batches of whole granules of at least min_rows rows; a one-granule batch shares the
// decoded column the block cache holds instead of copying it. Part::stringDictionary: a cached
// dictionary-layout String granule comes with its indexes, nothing else does.
#include <gtest/gtest.h>

#include "storage/part.h"
#include "storage/row_order.h"
#include "storage_test_util.h"

namespace perch::storage {
namespace {

using testing::allTypesBatch;
using testing::allTypesSchema;
using testing::rowsAsText;
using testing::ScratchDirectory;

// Every row of `batches`, in order, as text.
std::vector<std::string> rowsOf(const std::vector<Batch>& batches) {
  std::vector<std::string> rows;
  for (const Batch& batch : batches) {
    for (std::string& row : rowsAsText(batch)) rows.push_back(std::move(row));
  }
  return rows;
}

TEST(PartGranuleBatches, OneBatchPerFullGranuleSharingTheCachedColumns) {
  Part::setBlockCacheCapacity(Part::kDefaultBlockCacheBytes);  // whatever PERCH_BLOCK_CACHE_MB says
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(0, 3 * 8192 + 100);  // granules of 8192, 8192, 8192 and 100 rows
  const PartPtr part = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {"id"}, rows, PartWriteOptions{});
  ASSERT_EQ(part->granuleCount(), 4u);
  const size_t columns[] = {13, 14, 0, 18};  // String, LowCardinality(String), Int64, Array(String)
  const size_t granules[] = {0, 1, 3};
  const std::vector<Batch> batches = part->readGranuleBatches(columns, granules, 8192);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].rows, 8192u);
  EXPECT_EQ(batches[1].rows, 8192u);
  EXPECT_EQ(batches[2].rows, 100u);
  EXPECT_EQ(rowsOf(batches), rowsAsText(part->readGranules(columns, granules)));
  for (size_t b = 0; b < batches.size(); ++b) {
    ASSERT_EQ(batches[b].columns.size(), 4u);
    for (size_t c = 0; c < 4; ++c) {
      // The very column object readColumn returns from the block cache: nothing was copied.
      EXPECT_EQ(batches[b].columns[c].get(), part->readColumn(columns[c], granules[b]).get()) << "batch " << b << " column " << c;
    }
  }
}

TEST(PartGranuleBatches, SmallGranulesAreGatheredUpToMinRows) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(100, 1000);
  PartWriteOptions options;
  options.granule_rows = 100;  // 10 granules of 100 rows
  const PartPtr part = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {"id"}, rows, options);
  ASSERT_EQ(part->granuleCount(), 10u);
  const size_t columns[] = {0, 13, 17};
  const size_t granules[] = {0, 1, 2, 4, 5, 6, 7, 9};
  const std::vector<Batch> batches = part->readGranuleBatches(columns, granules, 250);
  // 300 (granules 0-2), 300 (4-6), 200 (7, 9: the rest).
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].rows, 300u);
  EXPECT_EQ(batches[1].rows, 300u);
  EXPECT_EQ(batches[2].rows, 200u);
  for (const Batch& batch : batches) {
    for (const auto& column : batch.columns) EXPECT_EQ(column->size(), batch.rows);
  }
  EXPECT_EQ(rowsOf(batches), rowsAsText(part->readGranules(columns, granules)));
  // Row 0 of the second batch is granule 4's first row: id 100 + 400.
  Batch expected = sliceBatch(rows, 400, 1);
  expected.columns = {expected.columns[0], expected.columns[13], expected.columns[17]};
  EXPECT_EQ(rowsAsText(batches[1]).front(), rowsAsText(expected).front());
}

TEST(PartGranuleBatches, NoColumnsCountsRowsAndNoGranulesGivesNoBatch) {
  ScratchDirectory dir;
  const PartPtr part = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {"id"}, allTypesBatch(0, 20000), PartWriteOptions{});
  const size_t granules[] = {0, 2};
  const std::vector<Batch> counted = part->readGranuleBatches({}, granules, 8192);
  ASSERT_EQ(counted.size(), 2u);
  EXPECT_EQ(counted[0].rows, 8192u);
  EXPECT_EQ(counted[1].rows, 20000u - 2 * 8192u);
  EXPECT_TRUE(counted[0].columns.empty());
  const size_t columns[] = {0};
  EXPECT_TRUE(part->readGranuleBatches(columns, {}, 8192).empty());
}

TEST(PartStringDictionary, CachedDictionaryGranulesComeWithTheirIndexes) {
  Part::setBlockCacheCapacity(Part::kDefaultBlockCacheBytes);
  ScratchDirectory dir;
  const PartPtr part = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {"id"}, allTypesBatch(0, 20000), PartWriteOptions{});
  // "kind": LowCardinality(String), "click" when id % 3 == 0 else "view" — a dictionary of 2.
  for (size_t granule = 0; granule < part->granuleCount(); ++granule) {
    const ColumnPtr column = part->readColumn(14, granule);
    const auto dictionary = Part::stringDictionary(*column);
    ASSERT_NE(dictionary, nullptr) << "granule " << granule;
    ASSERT_EQ(dictionary->width, 1u);
    ASSERT_EQ(dictionary->indexes.size(), column->size());
    const auto& values = static_cast<const ColumnString&>(*dictionary->values);
    ASSERT_EQ(values.size(), 2u);
    const auto& strings = static_cast<const ColumnString&>(*column);
    for (size_t row = 0; row < strings.size(); ++row) {
      const auto index = static_cast<uint8_t>(dictionary->indexes[row]);
      ASSERT_EQ(values.at(index), strings.at(row)) << "granule " << granule << " row " << row;
    }
  }
  // Distinct names are stored plain; Nullable and Array strings are not a top-level String leaf.
  for (size_t column : {13u, 17u, 18u}) EXPECT_EQ(Part::stringDictionary(*part->readColumn(column, 0)), nullptr) << column;
  // A batch of two granules is a copy: it has no dictionary; a one-granule batch has.
  const size_t columns[] = {14};
  const size_t two[] = {0, 1};
  EXPECT_EQ(Part::stringDictionary(*part->readGranules(columns, two).columns[0]), nullptr);
  EXPECT_NE(Part::stringDictionary(*part->readGranuleBatches(columns, two, 1)[1].columns[0]), nullptr);
  // Evicted from the cache: the column lives on (held here), its dictionary entry does not.
  const ColumnPtr held = part->readColumn(14, 0);
  Part::setBlockCacheCapacity(0);
  EXPECT_EQ(Part::stringDictionary(*held), nullptr);
  EXPECT_EQ(Part::stringDictionary(*part->readColumn(14, 1)), nullptr);  // nothing is cached now
  Part::setBlockCacheCapacity(Part::kDefaultBlockCacheBytes);
}

}  // namespace
}  // namespace perch::storage
