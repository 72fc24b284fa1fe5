// Helpers shared by the storage tests: scratch directories and batches of every column class.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "storage/table.h"
#include "types/column.h"

namespace perch::storage::testing {

/// A fresh directory under the system temp dir, removed when the object dies.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("perch-storage-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A schema with one column of every physical class (and the logical types mapped onto them).
inline TableSchema allTypesSchema() {
  TableSchema schema;
  auto add = [&](std::string name, DataType type) { schema.columns.push_back({std::move(name), std::move(type)}); };
  add("id", DataType(TypeId::kInt64));
  add("i8", DataType(TypeId::kInt8));
  add("i16", DataType(TypeId::kInt16));
  add("i32", DataType(TypeId::kInt32));
  add("u8", DataType(TypeId::kUInt8));
  add("u16", DataType(TypeId::kUInt16));
  add("u32", DataType(TypeId::kUInt32));
  add("u64", DataType(TypeId::kUInt64));
  add("f32", DataType(TypeId::kFloat32));
  add("f64", DataType(TypeId::kFloat64));
  add("flag", DataType(TypeId::kBool));
  add("day", DataType(TypeId::kDate));
  add("ts", DataType(TypeId::kDateTime));
  add("name", DataType(TypeId::kString));
  add("kind", DataType(TypeId::kString, true));
  add("uuid", DataType(TypeId::kUUID));
  add("maybe", DataType::nullable(DataType(TypeId::kInt32)));
  add("maybe_text", DataType::nullable(DataType(TypeId::kString)));
  add("tags", DataType::array(DataType(TypeId::kString)));
  add("scores", DataType::array(DataType::nullable(DataType(TypeId::kFloat64))));
  return schema;
}

/// `rows` rows of allTypesSchema(); row r has id = first_id + r and values derived from the id.
inline Batch allTypesBatch(int64_t first_id, size_t rows) {
  const TableSchema schema = allTypesSchema();
  std::vector<MutableColumnPtr> columns;
  for (const auto& column : schema.columns) columns.push_back(makeColumn(column.type));
  for (size_t r = 0; r < rows; ++r) {
    const int64_t id = first_id + static_cast<int64_t>(r);
    static_cast<ColumnVector<int64_t>&>(*columns[0]).data().push_back(id);
    static_cast<ColumnVector<int8_t>&>(*columns[1]).data().push_back(static_cast<int8_t>(id));
    static_cast<ColumnVector<int16_t>&>(*columns[2]).data().push_back(static_cast<int16_t>(-id));
    static_cast<ColumnVector<int32_t>&>(*columns[3]).data().push_back(static_cast<int32_t>(id * 7));
    static_cast<ColumnVector<uint8_t>&>(*columns[4]).data().push_back(static_cast<uint8_t>(id * 3));
    static_cast<ColumnVector<uint16_t>&>(*columns[5]).data().push_back(static_cast<uint16_t>(id));
    static_cast<ColumnVector<uint32_t>&>(*columns[6]).data().push_back(static_cast<uint32_t>(id * 11));
    static_cast<ColumnVector<uint64_t>&>(*columns[7]).data().push_back(static_cast<uint64_t>(id) << 33);
    static_cast<ColumnVector<float>&>(*columns[8]).data().push_back(static_cast<float>(id) / 4);
    static_cast<ColumnVector<double>&>(*columns[9]).data().push_back(static_cast<double>(id) * 1.5);
    static_cast<ColumnVector<uint8_t>&>(*columns[10]).data().push_back(static_cast<uint8_t>(id % 2));
    static_cast<ColumnVector<uint16_t>&>(*columns[11]).data().push_back(static_cast<uint16_t>(19000 + id % 100));
    static_cast<ColumnVector<uint32_t>&>(*columns[12]).data().push_back(static_cast<uint32_t>(1700000000 + id));
    static_cast<ColumnString&>(*columns[13]).push("name-" + std::to_string(id) + std::string(static_cast<size_t>(id % 5), 'x'));
    static_cast<ColumnString&>(*columns[14]).push(id % 3 == 0 ? "click" : "view");
    static_cast<ColumnString&>(*columns[15]).push("00000000-0000-0000-0000-" + std::to_string(100000000000 + id));
    auto& maybe = static_cast<ColumnNullable&>(*columns[16]);
    if (id % 4 == 0) {
      maybe.appendNull();
    } else {
      static_cast<ColumnVector<int32_t>&>(maybe.nested()).data().push_back(static_cast<int32_t>(id));
      maybe.nullMap().push_back(0);
    }
    auto& maybe_text = static_cast<ColumnNullable&>(*columns[17]);
    if (id % 3 == 1) {
      maybe_text.appendNull();
    } else {
      static_cast<ColumnString&>(maybe_text.nested()).push("t" + std::to_string(id));
      maybe_text.nullMap().push_back(0);
    }
    auto& tags = static_cast<ColumnArray&>(*columns[18]);
    for (int64_t k = 0; k < id % 3; ++k) static_cast<ColumnString&>(tags.elements()).push("tag" + std::to_string(k));
    tags.finishRow();
    auto& scores = static_cast<ColumnArray&>(*columns[19]);
    auto& score_values = static_cast<ColumnNullable&>(scores.elements());
    for (int64_t k = 0; k < id % 4; ++k) {
      if (k == 1) {
        score_values.appendNull();
      } else {
        static_cast<ColumnVector<double>&>(score_values.nested()).data().push_back(static_cast<double>(k) + 0.25);
        score_values.nullMap().push_back(0);
      }
    }
    scores.finishRow();
  }
  Batch batch;
  batch.rows = rows;
  for (auto& column : columns) batch.columns.push_back(std::move(column));
  return batch;
}

/// Every row of `batch` as text, one string per row (columns joined by '|').
inline std::vector<std::string> rowsAsText(const Batch& batch) {
  std::vector<std::string> rows;
  for (size_t r = 0; r < batch.rows; ++r) {
    std::string text;
    for (const auto& column : batch.columns) {
      column->formatJson(r, text, FormatOptions{});
      text.push_back('|');
    }
    rows.push_back(std::move(text));
  }
  return rows;
}

/// All rows of a snapshot as text, in snapshot order.
inline std::vector<std::string> rowsAsText(const TableSnapshot& snapshot) {
  std::vector<std::string> rows;
  for (const auto& batch : snapshot.batches()) {
    auto more = rowsAsText(*batch);
    rows.insert(rows.end(), more.begin(), more.end());
  }
  return rows;
}

/// The Int64 values of column `column` over all batches of a snapshot.
inline std::vector<int64_t> int64Column(const TableSnapshot& snapshot, size_t column) {
  std::vector<int64_t> values;
  for (const auto& batch : snapshot.batches()) {
    const auto& data = asVector<int64_t>(*batch->columns[column]).data();
    values.insert(values.end(), data.begin(), data.end());
  }
  return values;
}

/// A two-column schema (id Int64, payload String) for the log and table tests.
inline TableSchema smallSchema() {
  TableSchema schema;
  schema.columns.push_back({"id", DataType(TypeId::kInt64)});
  schema.columns.push_back({"payload", DataType(TypeId::kString)});
  return schema;
}

inline Batch smallBatch(const std::vector<int64_t>& ids) {
  auto id_column = std::make_shared<ColumnVector<int64_t>>(DataType(TypeId::kInt64), ids);
  auto payload = std::make_shared<ColumnString>();
  for (int64_t id : ids) payload->push("payload-" + std::to_string(id));
  Batch batch;
  batch.rows = ids.size();
  batch.columns = {id_column, payload};
  return batch;
}

}  // namespace perch::storage::testing
