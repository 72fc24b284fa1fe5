#include "storage/part.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include "common/error.h"

#include "storage/batch_codec.h"
#include "storage/byte_io.h"
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

class PartCorruption : public ::testing::TestWithParam<size_t> {};

// One block per column (every granule in it) and several blocks of several granules each.
INSTANTIATE_TEST_SUITE_P(BlockSizes, PartCorruption, ::testing::Values(size_t{64} << 10, size_t{40}));

TEST_P(PartCorruption, DetectsEveryFlippedByteAndNamesThePart) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(0, 40);
  PartWriteOptions options;
  options.granule_rows = 8;
  options.min_block_bytes = GetParam();
  const PartPtr part = Part::write(dir.path(), PartName{5, 6, 0}, allTypesSchema(), {}, rows, options);
  const bool several_blocks = part->index().blocks[0].size() > 1;
  ASSERT_EQ(several_blocks, GetParam() < 64) << "the layout this case is meant to cover";
  if (several_blocks) {
    ASSERT_GT(part->index().blocks[4][0].granules, 1u);  // u8: several granules per block
  }
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
  PartWriteOptions options;
  options.min_block_bytes = 1;  // one block per granule
  const PartPtr written = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {"id"}, rows, options);
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

// ---- blocks of several granules ----

// Positions of allTypesSchema() columns used below.
constexpr size_t kId = 0, kU8 = 4, kU16 = 5, kName = 13;

// The blocks of `column` as (first granule, granule count) pairs.
std::vector<std::pair<uint32_t, uint32_t>> blockLayout(const Part& part, size_t column) {
  std::vector<std::pair<uint32_t, uint32_t>> layout;
  for (const BlockLocation& block : part.index().blocks[column]) layout.emplace_back(block.first_granule, block.granules);
  return layout;
}

TEST(PartBlocks, PackConsecutiveGranulesUntilTheMinimumSizeWithoutPassingTheMaximum) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(0, 10000);
  PartWriteOptions options;
  options.granule_rows = 1000;    // 10 granules
  options.min_block_bytes = 5000;  // Int64: 8001 bytes per granule, UInt16: 2001, UInt8: 1001
  options.max_block_bytes = 7000;
  const PartPtr written = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {"id"}, rows, options);
  const PartPtr part = Part::load(written->path(), allTypesSchema());
  // A granule larger than the maximum still gets a block of its own.
  EXPECT_EQ(blockLayout(*part, kId).size(), 10u);
  EXPECT_EQ(blockLayout(*part, kU16), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 3}, {3, 3}, {6, 3}, {9, 1}}));
  EXPECT_EQ(blockLayout(*part, kU8), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 5}, {5, 5}}));
  EXPECT_EQ(blockLayout(*written, kU8), blockLayout(*part, kU8));
  EXPECT_EQ(part->index().granule_rows.size(), 10u);
  EXPECT_EQ(part->index().stats[kU16].size(), 10u);
  EXPECT_EQ(partRows(*part), rowsAsText(rows));
}

TEST(PartBlocks, DefaultBlocksHoldAtLeast64KiBOfEachColumn) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(0, 100000);
  const PartPtr part = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {}, rows, PartWriteOptions{});
  ASSERT_EQ(part->granuleCount(), 13u);
  for (size_t column = 0; column < allTypesSchema().columns.size(); ++column) {
    const auto& blocks = part->index().blocks[column];
    for (size_t i = 0; i + 1 < blocks.size(); ++i) {  // all but the last block
      EXPECT_GE(blocks[i].raw_size, 64u << 10) << allTypesSchema().columns[column].name;
      EXPECT_LE(blocks[i].raw_size, 1u << 20) << allTypesSchema().columns[column].name;
    }
  }
  EXPECT_EQ(blockLayout(*part, kU8), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 8}, {8, 5}}));  // 8193 bytes a granule
  EXPECT_EQ(blockLayout(*part, kId).size(), 13u);
  EXPECT_EQ(partRows(*part), rowsAsText(rows));
}

// Breaks every block of `column` except those holding a granule in `keep`: a read that touched
// one of them would fail its checksum.
void breakBlocksExcept(const Part& part, size_t column, const std::vector<size_t>& keep) {
  std::fstream file(part.path(), std::ios::binary | std::ios::in | std::ios::out);
  for (const BlockLocation& block : part.index().blocks[column]) {
    const bool needed = std::any_of(keep.begin(), keep.end(), [&](size_t granule) {
      return granule >= block.first_granule && granule < block.first_granule + block.granules;
    });
    if (needed) continue;
    const auto position = static_cast<std::streamoff>(block.offset + 13 + block.compressed_size / 2);
    file.seekg(position);
    const char byte = static_cast<char>(file.get());
    file.seekp(position);
    file.put(static_cast<char>(byte ^ 0x40));
  }
}

TEST(PartBlocks, APrunedReadDecodesOnlyTheBlocksOfTheWantedGranulesAndSlicesThemOut) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(0, 10000);
  PartWriteOptions options;
  options.granule_rows = 1000;
  options.min_block_bytes = 5000;
  const PartPtr written = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {"id"}, rows, options);
  ASSERT_EQ(blockLayout(*written, kU16)[1], (std::pair<uint32_t, uint32_t>{3, 3}));
  // Granules 4 and 5 lie in the second UInt16 block (granules 3-5) and in the Int64 blocks 4 and 5.
  breakBlocksExcept(*written, kU16, {4, 5});
  breakBlocksExcept(*written, kId, {4, 5});
  const PartPtr part = Part::load(written->path(), allTypesSchema());
  const size_t columns[] = {kU16, kId};
  const size_t granules[] = {4, 5};
  const Batch read = part->readGranules(columns, granules);
  EXPECT_EQ(part->blocksRead(), 3u);  // one UInt16 block, two Int64 blocks
  ASSERT_EQ(read.rows, 2000u);
  Batch expected;
  expected.rows = 2000;
  const Batch slice = sliceBatch(rows, 4000, 2000);
  expected.columns = {slice.columns[kU16], slice.columns[kId]};
  EXPECT_EQ(rowsAsText(read), rowsAsText(expected));
  // Granule 3 shares the block just read: decoded with it, no other read.
  EXPECT_EQ(asVector<uint16_t>(*part->readColumn(kU16, 3)).data().front(), 3000);
  EXPECT_EQ(part->blocksRead(), 3u);
  // Granule 2 lives in a broken block.
  try {
    part->readColumn(kU16, 2);
    FAIL() << "expected the broken block to fail its read";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(part->path().string()), std::string::npos) << message;
    EXPECT_NE(message.find("column 'u16' granule 2 (block of granules 0-2 at offset"), std::string::npos) << message;
    EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
  }
}

TEST(PartBlocks, ABlockIsReadOnceForAllItsWantedGranulesEvenWithoutTheCache) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(0, 10000);
  PartWriteOptions options;
  options.granule_rows = 1000;
  const PartPtr written = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {}, rows, options);
  ASSERT_EQ(blockLayout(*written, kU8), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 10}}));
  const PartPtr part = Part::load(written->path(), allTypesSchema());
  Part::setBlockCacheCapacity(0);
  const size_t columns[] = {kU8};
  const size_t granules[] = {1, 2, 5, 9};
  const Batch read = part->readGranules(columns, granules);
  const uint64_t blocks_read = part->blocksRead();
  part->readColumn(kU8, 0);
  const uint64_t blocks_read_again = part->blocksRead();
  Part::setBlockCacheCapacity(Part::kDefaultBlockCacheBytes);
  EXPECT_EQ(blocks_read, 1u);
  EXPECT_EQ(blocks_read_again, 2u);  // no cache: read again
  ASSERT_EQ(read.rows, 4000u);
  const auto& values = asVector<uint8_t>(*read.columns[0]).data();
  for (size_t row = 0; row < values.size(); ++row) {
    const size_t id = granules[row / 1000] * 1000 + row % 1000;
    ASSERT_EQ(values[row], static_cast<uint8_t>(id * 3)) << row;
  }
}

// ---- encodings inside a granule ----

TableSchema stringsSchema() {
  TableSchema schema;
  schema.columns = {{"kind", DataType::parse("LowCardinality(String)")},
                    {"wide_kind", DataType::parse("LowCardinality(String)")},
                    {"huge_kind", DataType::parse("LowCardinality(String)")},
                    {"maybe_kind", DataType::parse("Nullable(LowCardinality(String))")},
                    {"kinds", DataType::parse("Array(LowCardinality(String))")},
                    {"page", DataType::parse("String")},
                    {"unique", DataType::parse("String")}};
  return schema;
}

// Row r: a LowCardinality of 3 values (one empty), one of 300, one of a value per row (over
// 65,536 in one granule), a Nullable one with NULLs, arrays of them, a repetitive String and a
// String of mostly distinct values.
Batch stringsBatch(size_t rows) {
  const TableSchema schema = stringsSchema();
  std::vector<MutableColumnPtr> columns;
  for (const auto& column : schema.columns) columns.push_back(makeColumn(column.type));
  const std::string kinds[] = {"click", "", "view"};
  for (size_t r = 0; r < rows; ++r) {
    static_cast<ColumnString&>(*columns[0]).push(kinds[r % 3]);
    static_cast<ColumnString&>(*columns[1]).push("kind-" + std::to_string(r * 7 % 300));
    static_cast<ColumnString&>(*columns[2]).push("k" + std::to_string(r));
    auto& maybe = static_cast<ColumnNullable&>(*columns[3]);
    if (r % 4 == 0) {
      maybe.appendNull();
    } else {
      static_cast<ColumnString&>(maybe.nested()).push(kinds[r % 3]);
      maybe.nullMap().push_back(0);
    }
    auto& arrays = static_cast<ColumnArray&>(*columns[4]);
    for (size_t k = 0; k < r % 3; ++k) static_cast<ColumnString&>(arrays.elements()).push(kinds[(r + k) % 3]);
    arrays.finishRow();
    static_cast<ColumnString&>(*columns[5]).push("/p/" + std::to_string(r % 40));
    static_cast<ColumnString&>(*columns[6]).push("user-" + std::to_string(r * 7919 % 60000));
  }
  Batch batch;
  batch.rows = rows;
  for (auto& column : columns) batch.columns.push_back(std::move(column));
  return batch;
}

TEST(PartEncoding, RoundTripsDictionariesSmallAndHugeEmptyStringsAndNulls) {
  ScratchDirectory dir;
  const size_t rows = 70000;
  const Batch batch = stringsBatch(rows);
  PartWriteOptions options;
  options.granule_rows = rows;  // one granule: the 70,000-value dictionary is too large
  const PartPtr part = Part::load(
      Part::write(dir.path(), PartName{1, 1, 0}, stringsSchema(), {}, batch, options)->path(), stringsSchema());
  EXPECT_EQ(partRows(*part), rowsAsText(batch));
  const auto raw = [&](size_t column) { return part->index().blocks[column][0].raw_size; };
  EXPECT_LT(raw(0), rows + 100);         // 1-byte indexes
  EXPECT_LT(raw(1), 2 * rows + 4000);    // 2-byte indexes for 300 values
  EXPECT_GT(raw(2), 6 * rows);           // plain: the dictionary would not fit
  EXPECT_LT(raw(3), 2 * rows + 100);     // null map + 1-byte indexes
  EXPECT_LT(raw(5), 2 * rows);           // a repetitive String is dictionary-encoded too
  EXPECT_GT(raw(6), 10 * rows);          // mostly distinct values stay plain (a dictionary fits, but does not halve them)
  // The reader produces the same columns as before: strings of the declared type.
  const ColumnPtr kind = part->readColumn(0, 0);
  ASSERT_NE(dynamic_cast<const ColumnString*>(kind.get()), nullptr);
  EXPECT_EQ(kind->type(), stringsSchema().columns[0].type);
  EXPECT_EQ(asString(*kind).at(1), "");
  EXPECT_TRUE(part->readColumn(3, 0)->isNullAt(0));
}

TEST(PartEncoding, RoundTripsEveryTypeInManySmallGranules) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(500, 3000);
  PartWriteOptions options;
  options.granule_rows = 7;
  options.min_block_bytes = 300;
  const PartPtr part = Part::load(
      Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {}, rows, options)->path(), allTypesSchema());
  EXPECT_GT(part->index().blocks[kName].size(), 1u);
  EXPECT_GT(part->index().blocks[kName][0].granules, 1u);
  EXPECT_EQ(partRows(*part), rowsAsText(rows));
  const size_t granules[] = {3, 4, 200, 428};
  const size_t columns[] = {kName, 17, 18, 19};
  const Batch read = part->readGranules(columns, granules);
  std::vector<std::string> expected;
  for (size_t granule : granules) {
    const Batch slice = sliceBatch(rows, granule * 7, part->index().granule_rows[granule]);
    Batch selected;
    selected.rows = slice.rows;
    for (size_t column : columns) selected.columns.push_back(slice.columns[column]);
    auto more = rowsAsText(selected);
    expected.insert(expected.end(), more.begin(), more.end());
  }
  EXPECT_EQ(read.rows, 7u * 3 + 3000 % 7);
  EXPECT_EQ(rowsAsText(read), expected);
}

// ---- format versions ----

// A part in format version 1 as builds before version 2 wrote it: one LZ4 block per column per
// granule holding the granule's rows in the WAL batch layout, no min/max.
std::string legacyPartFile(const TableSchema& schema, const Batch& rows, size_t granule_rows) {
  std::vector<uint32_t> granules;
  for (size_t start = 0; start < rows.rows; start += granule_rows) {
    granules.push_back(static_cast<uint32_t>(std::min(granule_rows, rows.rows - start)));
  }
  std::string file = "PERCHPRT";
  ByteWriter writer(file);
  writer.put<uint32_t>(1);
  std::string entries;
  ByteWriter entry(entries);
  for (size_t column = 0; column < schema.columns.size(); ++column) {
    size_t start = 0;
    for (uint32_t count : granules) {
      std::string raw;
      encodeColumn(*rows.columns[column], start, count, raw);
      start += count;
      const std::string compressed = compressBlock(Codec::kLZ4, raw);
      const auto compressed_size = static_cast<uint32_t>(compressed.size());
      const auto raw_size = static_cast<uint32_t>(raw.size());
      entry.put<uint64_t>(file.size());
      entry.put<uint32_t>(compressed_size);
      entry.put<uint32_t>(raw_size);
      entry.put<uint32_t>(checksum(compressed));
      entry.put<uint8_t>(1);  // LZ4
      entry.put<uint8_t>(0);  // no min/max
      writer.put<uint8_t>(1);
      writer.put<uint32_t>(compressed_size);
      writer.put<uint32_t>(raw_size);
      writer.put<uint32_t>(checksum(compressed));
      file += compressed;
    }
  }
  const uint64_t footer_offset = file.size();
  writer.putString(schema.signature());
  writer.putVarint(0);
  writer.put<uint64_t>(rows.rows);
  writer.putVarint(granules.size());
  for (uint32_t count : granules) writer.putVarint(count);
  writer.putVarint(schema.columns.size());
  file += entries;
  const std::string footer = file.substr(footer_offset);
  writer.put<uint64_t>(footer_offset);
  writer.put<uint32_t>(static_cast<uint32_t>(footer.size()));
  writer.put<uint32_t>(checksum(footer));
  return file + "PERCHEND";
}

TEST(PartVersions, ReadsVersion1Parts) {
  ScratchDirectory dir;
  const Batch rows = allTypesBatch(0, 300);
  const std::filesystem::path path = dir.path() / Part::fileName(PartName{1, 2, 0});
  writeFile(path, legacyPartFile(allTypesSchema(), rows, 128));
  const PartPtr part = Part::load(path, allTypesSchema());
  EXPECT_EQ(part->index().version, 1u);
  EXPECT_EQ(part->index().granule_rows, (std::vector<uint32_t>{128, 128, 44}));
  EXPECT_EQ(blockLayout(*part, kName), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 1}, {1, 1}, {2, 1}}));
  EXPECT_EQ(partRows(*part), rowsAsText(rows));
  const size_t columns[] = {kName};
  const size_t granules[] = {2};
  EXPECT_EQ(part->readGranules(columns, granules).rows, 44u);
  // A version-1 block is still verified.
  std::string data = readFile(path);
  const BlockLocation& block = part->index().blocks[kName][1];
  data[block.offset + 13 + block.compressed_size / 2] ^= 0x01;
  writeFile(path, data);
  const PartPtr broken = Part::load(path, allTypesSchema());
  EXPECT_THROW(broken->readColumn(kName, 1), Error);
  EXPECT_EQ(broken->readColumn(kName, 2)->size(), 44u);
}

TEST(PartVersions, WritesVersion2AndRefusesAnUnknownVersionNamingPartAndVersion) {
  ScratchDirectory dir;
  const PartPtr part = Part::write(dir.path(), PartName{1, 1, 0}, allTypesSchema(), {}, allTypesBatch(0, 10), PartWriteOptions{});
  EXPECT_EQ(part->index().version, 2u);
  std::string data = readFile(part->path());
  ASSERT_EQ(data.substr(0, 8), "PERCHPRT");
  ASSERT_EQ(data[8], '\x02');
  data[8] = '\x03';
  writeFile(part->path(), data);
  try {
    Part::load(part->path(), allTypesSchema());
    FAIL() << "expected version 3 to be refused";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.code(), ErrorCode::kInternal);
    EXPECT_NE(message.find("part '" + part->path().string() + "' has format version 3"), std::string::npos) << message;
  }
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
