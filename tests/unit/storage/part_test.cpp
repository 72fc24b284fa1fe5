#include "storage/part.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "common/error.h"

#include "storage/row_order.h"
#include "storage_test_util.h"

namespace perch::storage {
namespace {

using testing::allTypesBatch;
using testing::allTypesSchema;
using testing::rowsAsText;
using testing::ScratchDirectory;

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const std::filesystem::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

std::vector<std::string> partRows(const Part& part) {
  std::vector<std::string> rows;
  for (const auto& batch : part.readAll()) {
    auto more = rowsAsText(*batch);
    rows.insert(rows.end(), more.begin(), more.end());
  }
  return rows;
}

TEST(PartName, FormatsAndParses) {
  const PartName name{12, 345, 2};
  EXPECT_EQ(name.toString(), "00000000000000000012_00000000000000000345_2");
  EXPECT_EQ(PartName::parse(name.toString()), name);
  EXPECT_FALSE(PartName::parse("12_11_0"));  // min > max
  EXPECT_FALSE(PartName::parse("abc"));
  EXPECT_TRUE((PartName{1, 10, 1}.covers(PartName{3, 4, 0})));
  EXPECT_FALSE((PartName{3, 4, 0}.covers(PartName{1, 10, 1})));
  EXPECT_FALSE((PartName{1, 10, 1}.covers(PartName{1, 10, 1})));
}

TEST(Compression, ParsesClickHouseCodecSpecs) {
  EXPECT_EQ(parseCodec("ZSTD(3)"), Codec::kZSTD);
  EXPECT_EQ(parseCodec("CODEC(ZSTD(1))"), Codec::kZSTD);
  EXPECT_EQ(parseCodec("CODEC(Delta(4), LZ4)"), Codec::kLZ4);
  EXPECT_EQ(parseCodec("NONE"), Codec::kNone);
  EXPECT_EQ(parseCodec("CODEC(T64)"), std::nullopt);
  EXPECT_EQ(parseCodec(""), std::nullopt);
}

TEST(Part, RoundTripsEveryColumnTypeAcrossGranules) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(0, 20000);
  PartWriteOptions options;
  options.column_codecs["name"] = Codec::kZSTD;
  options.column_codecs["u64"] = Codec::kNone;
  const PartPtr written = Part::write(dir.path(), PartName{1, 9, 0}, allTypesSchema(), {"id"}, rows, options);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "00000000000000000001_00000000000000000009_0.part"));
  EXPECT_EQ(partRows(*written), rowsAsText(rows));

  const PartPtr loaded = Part::load(written->path(), allTypesSchema());
  EXPECT_EQ(loaded->rows(), 20000u);
  EXPECT_EQ(loaded->index().granule_rows, (std::vector<uint32_t>{8192, 8192, 3616}));
  EXPECT_EQ(loaded->granuleCount(), 3u);
  EXPECT_EQ(loaded->index().sorting_key, (std::vector<std::string>{"id"}));
  EXPECT_EQ(loaded->index().blocks[13][0].codec, Codec::kZSTD);
  EXPECT_EQ(loaded->index().blocks[7][0].codec, Codec::kNone);
  EXPECT_EQ(loaded->index().blocks[0][0].codec, Codec::kLZ4);
  EXPECT_EQ(partRows(*loaded), rowsAsText(rows));
  EXPECT_LT(loaded->bytesOnDisk(), rows.byteSize());  // compressed
}

TEST(Part, RecordsMinMaxPerColumnPerGranule) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(100, 10000);
  const PartPtr part = Part::load(
      Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {"id"}, rows, PartWriteOptions{})->path(), allTypesSchema());
  const auto& id_stats = part->index().stats[0];
  ASSERT_EQ(id_stats.size(), 2u);
  auto asInt64 = [](const std::string& bytes) {
    int64_t value;
    std::memcpy(&value, bytes.data(), sizeof(value));
    return value;
  };
  EXPECT_TRUE(id_stats[0].has_min_max);
  EXPECT_EQ(asInt64(id_stats[0].min), 100);
  EXPECT_EQ(asInt64(id_stats[0].max), 100 + 8191);
  EXPECT_EQ(asInt64(id_stats[1].min), 100 + 8192);
  EXPECT_EQ(asInt64(id_stats[1].max), 100 + 9999);
  const auto& kind = part->index().stats[14][0];
  EXPECT_EQ(kind.min, "click");
  EXPECT_EQ(kind.max, "view");
  const auto& maybe = part->index().stats[16][0];  // Nullable(Int32): NULL every 4th id
  EXPECT_TRUE(maybe.has_null);
  EXPECT_TRUE(maybe.has_min_max);
  EXPECT_FALSE(part->index().stats[18][0].has_min_max);  // arrays are not indexed
}

TEST(Part, DetectsEveryFlippedByteAndNamesThePart) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(0, 40);
  PartWriteOptions options;
  options.granule_rows = 16;
  const PartPtr part = Part::write(dir.path(), PartName{5, 6, 0}, allTypesSchema(), {}, rows, options);
  const std::string original = readFile(part->path());
  // Flip bytes in place (rewriting the whole file would make ext4 flush it every time).
  auto flipByte = [&](size_t position) {
    std::fstream file(part->path(), std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(position));
    file.put(static_cast<char>(original[position] ^ 0x10));
  };
  auto restoreByte = [&](size_t position) {
    std::fstream file(part->path(), std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(position));
    file.put(original[position]);
  };
  for (size_t position = 0; position < original.size(); ++position) {
    flipByte(position);
    try {
      Part::load(part->path(), allTypesSchema())->readAll();
      ADD_FAILURE() << "a flipped byte at offset " << position << " of " << original.size() << " went unnoticed";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInternal);
      EXPECT_NE(std::string(error.what()).find(part->path().string()), std::string::npos) << error.what();
    }
    restoreByte(position);
  }
  writeFile(part->path(), original);
  EXPECT_EQ(partRows(*Part::load(part->path(), allTypesSchema())), rowsAsText(rows));
}

TEST(Part, NamesTheColumnAndGranuleOfABadBlock) {
  ScratchDirectory dir;
  const PartPtr part = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {}, allTypesBatch(0, 100), PartWriteOptions{});
  std::string data = readFile(part->path());
  const BlockLocation& block = part->index().blocks[13][0];  // column "name"
  data[block.offset + 13 + block.compressed_size / 2] ^= 0x01;
  writeFile(part->path(), data);
  const PartPtr loaded = Part::load(part->path(), allTypesSchema());  // the index is intact
  try {
    loaded->readAll();
    FAIL() << "expected a checksum error";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("column 'name' granule 0"), std::string::npos) << message;
    EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
  }
}

TEST(Part, ReadsOnlyTheRequestedColumnsAndGranules) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(0, 20000);
  const PartPtr written = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {"id"}, rows, PartWriteOptions{});
  // Break every block of column 5 in granule 0: a read that touched it would fail.
  std::string data = readFile(written->path());
  const BlockLocation& broken = written->index().blocks[5][0];
  data[broken.offset + 13 + broken.compressed_size / 2] ^= 0x20;
  writeFile(written->path(), data);

  const PartPtr part = Part::load(written->path(), allTypesSchema());
  const size_t columns[] = {13, 0};
  const size_t granules[] = {1, 2};
  const Batch read = part->readGranules(columns, granules);
  ASSERT_EQ(read.rows, 20000u - 8192u);
  ASSERT_EQ(read.columns.size(), 2u);
  Batch expected;
  expected.rows = read.rows;
  expected.columns = {sliceBatch(rows, 8192, read.rows).columns[13], sliceBatch(rows, 8192, read.rows).columns[0]};
  EXPECT_EQ(rowsAsText(read), rowsAsText(expected));
  EXPECT_EQ(part->readColumn(5, 1)->size(), 8192u);  // the same column in another granule is fine
  try {
    part->readColumn(5, 0);
    FAIL() << "expected the broken block to fail its read";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.code(), ErrorCode::kInternal);
    EXPECT_NE(message.find(part->path().string()), std::string::npos) << message;
    EXPECT_NE(message.find("granule 0"), std::string::npos) << message;
    EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
  }
  const size_t none[] = {0};
  const Batch counted = part->readGranules({}, none);  // no columns: row count only
  EXPECT_EQ(counted.rows, 8192u);
  EXPECT_TRUE(counted.columns.empty());
}

TEST(Part, StaysReadableAfterItsFileIsUnlinked) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(0, 100);
  const PartPtr part = Part::load(
      Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {}, rows, PartWriteOptions{})->path(), allTypesSchema());
  std::filesystem::remove(part->path());
  ASSERT_FALSE(std::filesystem::exists(part->path()));
  EXPECT_EQ(partRows(*part), rowsAsText(rows));
}

TEST(Part, DecodedBlocksAreCachedWithinABoundedCache) {
  ScratchDirectory dir;
  const PartPtr part = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {}, allTypesBatch(0, 100), PartWriteOptions{});
  const ColumnPtr first = part->readColumn(13, 0);
  // Break the block on disk: a repeated read is served from the cache, the same decoded column.
  std::string data = readFile(part->path());
  const BlockLocation& block = part->index().blocks[13][0];
  data[block.offset + 13] ^= 0x01;
  writeFile(part->path(), data);
  EXPECT_EQ(part->readColumn(13, 0), first);
  // With the cache emptied (capacity 0) the block is read from the file again and verified.
  Part::setBlockCacheCapacity(0);
  EXPECT_THROW(part->readColumn(13, 0), Error);
  Part::setBlockCacheCapacity(Part::kDefaultBlockCacheBytes);
}

TEST(Part, RejectsAPartOfAnotherSchema) {
  ScratchDirectory dir;
  const PartPtr part = Part::write(dir.path(), PartName{1, 1, 0}, testing::smallSchema(), {}, testing::smallBatch({1, 2}), PartWriteOptions{});
  TableSchema other = testing::smallSchema();
  other.columns[1].type = DataType(TypeId::kUUID);
  EXPECT_THROW(Part::load(part->path(), other), Error);
}

TEST(RowOrder, SortsByEveryKeyColumnStably) {
  TableSchema schema;
  schema.columns = {{"org", DataType(TypeId::kString)}, {"ts", DataType(TypeId::kDateTime)}, {"seq", DataType(TypeId::kInt64)}};
  auto org = std::make_shared<ColumnString>();
  auto ts = std::make_shared<ColumnVector<uint32_t>>(DataType(TypeId::kDateTime));
  auto seq = std::make_shared<ColumnVector<int64_t>>(DataType(TypeId::kInt64));
  const std::vector<std::pair<std::string, uint32_t>> input = {{"b", 5}, {"a", 9}, {"b", 1}, {"a", 9}, {"a", 2}, {"c", 0}};
  for (size_t i = 0; i < input.size(); ++i) {
    org->push(input[i].first);
    ts->data().push_back(input[i].second);
    seq->data().push_back(static_cast<int64_t>(i));
  }
  Batch batch;
  batch.rows = input.size();
  batch.columns = {org, ts, seq};
  const Batch sorted = gatherBatch(batch, sortPermutation(batch, {0, 1}));
  EXPECT_EQ(asVector<int64_t>(*sorted.columns[2]).data(), (std::vector<int64_t>{4, 1, 3, 2, 0, 5}));
}

TEST(RowOrder, OrdersSignedIntegersAndFloatsNumerically) {
  auto ints = std::make_shared<ColumnVector<int64_t>>(DataType(TypeId::kInt64), std::vector<int64_t>{3, -5, INT64_MIN, 0, INT64_MAX, -1});
  auto floats = std::make_shared<ColumnVector<float>>(DataType(TypeId::kFloat32), std::vector<float>{1.5f, -0.0f, -2.25f, NAN, 0.0f, -1e30f});
  Batch batch;
  batch.rows = 6;
  batch.columns = {ints, floats};
  EXPECT_EQ(sortPermutation(batch, {0}), (std::vector<uint32_t>{2, 1, 5, 3, 0, 4}));
  EXPECT_EQ(sortPermutation(batch, {1}), (std::vector<uint32_t>{5, 2, 1, 4, 0, 3}));  // -0.0 == 0.0 keeps order
}

TEST(RowOrder, PutsNullsAndNaNLast) {
  auto values = std::make_shared<ColumnNullable>(DataType::nullable(DataType(TypeId::kFloat64)));
  auto push = [&](std::optional<double> value) {
    if (!value) return values->appendNull();
    static_cast<ColumnVector<double>&>(values->nested()).data().push_back(*value);
    values->nullMap().push_back(0);
  };
  push(std::nullopt);
  push(std::nan(""));
  push(2.0);
  push(-1.0);
  Batch batch;
  batch.rows = 4;
  batch.columns = {values};
  EXPECT_EQ(sortPermutation(batch, {0}), (std::vector<uint32_t>{3, 2, 1, 0}));
}

}  // namespace
}  // namespace perch::storage
