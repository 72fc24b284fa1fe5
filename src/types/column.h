// Column vectors and batches: the unit of data that storage hands to the executor and that
// operators exchange.
//
// A Column is a typed, contiguous vector of values. Kernels never call a virtual method per row:
// they downcast once per batch (`asVector<T>()`, `asString()`) and loop over raw storage. The
// virtual methods here are the generic, type-agnostic operations (gather, append, formatting)
// that operators apply to whole columns.
//
// Columns are immutable once shared (`ColumnPtr` is shared_ptr<const Column>), so snapshots and
// results can share them across threads without locks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "types/data_type.h"

namespace perch {

class Column;
using ColumnPtr = std::shared_ptr<const Column>;
using MutableColumnPtr = std::shared_ptr<Column>;

/// Row positions selected from a column (ascending or arbitrary order).
using Selection = std::span<const uint32_t>;

/// Formatting knobs shared by the output formats.
struct FormatOptions {
  bool quote_64bit_integers = false;  // output_format_json_quote_64bit_integers
};

class Column {
 public:
  explicit Column(DataType type) : type_(std::move(type)) {}
  virtual ~Column() = default;

  const DataType& type() const { return type_; }
  virtual size_t size() const = 0;
  /// Approximate bytes of payload, used for statistics.bytes_read.
  virtual size_t byteSize() const = 0;

  /// A new empty column of the same type.
  virtual MutableColumnPtr cloneEmpty() const = 0;
  /// A new column holding rows `indices` of this one, in that order.
  virtual MutableColumnPtr gather(Selection indices) const = 0;
  /// Appends `count` rows starting at `start` from `source`, which must have the same type.
  virtual void appendRange(const Column& source, size_t start, size_t count) = 0;
  /// Appends the type's default value (0, '', 1970-01-01, NULL for Nullable, [] for Array).
  virtual void appendDefault() = 0;
  virtual void reserve(size_t rows) = 0;
  /// Drops rows past `rows` (used to undo a partially appended row).
  virtual void truncate(size_t rows) = 0;

  virtual bool isNullAt(size_t /*row*/) const { return false; }
  /// Appends the value at `row` as a JSON value (numbers bare, strings quoted and escaped).
  virtual void formatJson(size_t row, std::string& out, const FormatOptions& options) const = 0;
  /// Appends the value at `row` as plain text (CSV/TSV escaping is the caller's job).
  virtual void formatText(size_t row, std::string& out) const = 0;

 private:
  DataType type_;
};

/// Fixed-width values: all integers, floats, Bool, Date, DateTime, DateTime64 and Decimal.
template <typename T>
class ColumnVector final : public Column {
 public:
  using ValueType = T;
  explicit ColumnVector(DataType type) : Column(std::move(type)) {}
  ColumnVector(DataType type, std::vector<T> data) : Column(std::move(type)), data_(std::move(data)) {}

  std::vector<T>& data() { return data_; }
  const std::vector<T>& data() const { return data_; }

  size_t size() const override { return data_.size(); }
  size_t byteSize() const override { return data_.size() * sizeof(T); }
  MutableColumnPtr cloneEmpty() const override { return std::make_shared<ColumnVector<T>>(type()); }
  MutableColumnPtr gather(Selection indices) const override;
  void appendRange(const Column& source, size_t start, size_t count) override;
  void appendDefault() override { data_.push_back(T{}); }
  void reserve(size_t rows) override { data_.reserve(rows); }
  void truncate(size_t rows) override { data_.resize(std::min(rows, data_.size())); }
  void formatJson(size_t row, std::string& out, const FormatOptions& options) const override;
  void formatText(size_t row, std::string& out) const override;

 private:
  std::vector<T> data_;
};

/// Variable-length strings: `offsets_[i]` is the end of row i in `chars_` (Arrow/ClickHouse style).
class ColumnString final : public Column {
 public:
  explicit ColumnString(DataType type = DataType(TypeId::kString)) : Column(std::move(type)) {}
  /// Takes finished buffers (decoders build them in one pass): `offsets[i]` is the end of row i in
  /// `chars`, non-decreasing, the last equal to chars.size() (checked).
  ColumnString(DataType type, std::vector<uint64_t> offsets, std::string chars);

  std::string_view at(size_t row) const {
    uint64_t begin = row == 0 ? 0 : offsets_[row - 1];
    return std::string_view(chars_.data() + begin, offsets_[row] - begin);
  }
  void push(std::string_view value) {
    chars_.append(value);
    offsets_.push_back(chars_.size());
  }
  const std::vector<uint64_t>& offsets() const { return offsets_; }
  const std::string& chars() const { return chars_; }

  size_t size() const override { return offsets_.size(); }
  size_t byteSize() const override { return chars_.size() + offsets_.size() * sizeof(uint64_t); }
  MutableColumnPtr cloneEmpty() const override { return std::make_shared<ColumnString>(type()); }
  MutableColumnPtr gather(Selection indices) const override;
  void appendRange(const Column& source, size_t start, size_t count) override;
  void appendDefault() override { offsets_.push_back(chars_.size()); }
  void reserve(size_t rows) override { offsets_.reserve(rows); }
  void truncate(size_t rows) override;
  void formatJson(size_t row, std::string& out, const FormatOptions& options) const override;
  void formatText(size_t row, std::string& out) const override;

 private:
  std::vector<uint64_t> offsets_;
  std::string chars_;
};

/// Nullable(T): a nested column plus a byte per row, 1 = NULL (the nested value is the default).
class ColumnNullable final : public Column {
 public:
  explicit ColumnNullable(DataType type);
  ColumnNullable(DataType type, MutableColumnPtr nested, std::vector<uint8_t> null_map);

  Column& nested() { return *nested_; }
  const Column& nested() const { return *nested_; }
  std::vector<uint8_t>& nullMap() { return null_map_; }
  const std::vector<uint8_t>& nullMap() const { return null_map_; }
  void appendNull();

  size_t size() const override { return null_map_.size(); }
  size_t byteSize() const override { return nested_->byteSize() + null_map_.size(); }
  MutableColumnPtr cloneEmpty() const override { return std::make_shared<ColumnNullable>(type()); }
  MutableColumnPtr gather(Selection indices) const override;
  void appendRange(const Column& source, size_t start, size_t count) override;
  void appendDefault() override { appendNull(); }
  void reserve(size_t rows) override;
  void truncate(size_t rows) override;
  bool isNullAt(size_t row) const override { return null_map_[row] != 0; }
  void formatJson(size_t row, std::string& out, const FormatOptions& options) const override;
  void formatText(size_t row, std::string& out) const override;

 private:
  MutableColumnPtr nested_;
  std::vector<uint8_t> null_map_;
};

/// Array(T): element values of all rows in one nested column; `offsets_[i]` ends row i.
class ColumnArray final : public Column {
 public:
  explicit ColumnArray(DataType type);

  Column& elements() { return *elements_; }
  const Column& elements() const { return *elements_; }
  const std::vector<uint64_t>& offsets() const { return offsets_; }
  /// Closes the current row after its elements were appended to elements().
  void finishRow() { offsets_.push_back(elements_->size()); }

  size_t size() const override { return offsets_.size(); }
  size_t byteSize() const override { return elements_->byteSize() + offsets_.size() * sizeof(uint64_t); }
  MutableColumnPtr cloneEmpty() const override { return std::make_shared<ColumnArray>(type()); }
  MutableColumnPtr gather(Selection indices) const override;
  void appendRange(const Column& source, size_t start, size_t count) override;
  void appendDefault() override { finishRow(); }
  void reserve(size_t rows) override { offsets_.reserve(rows); }
  void truncate(size_t rows) override;
  void formatJson(size_t row, std::string& out, const FormatOptions& options) const override;
  void formatText(size_t row, std::string& out) const override;

 private:
  MutableColumnPtr elements_;
  std::vector<uint64_t> offsets_;
};

/// Tuple(T1, ...): one column per element, all as long as the tuple column.
class ColumnTuple final : public Column {
 public:
  explicit ColumnTuple(DataType type);
  ColumnTuple(DataType type, std::vector<MutableColumnPtr> elements);

  size_t elementCount() const { return elements_.size(); }
  Column& element(size_t index) { return *elements_[index]; }
  const Column& element(size_t index) const { return *elements_[index]; }
  const MutableColumnPtr& elementPtr(size_t index) const { return elements_[index]; }

  size_t size() const override { return elements_[0]->size(); }
  size_t byteSize() const override;
  MutableColumnPtr cloneEmpty() const override { return std::make_shared<ColumnTuple>(type()); }
  MutableColumnPtr gather(Selection indices) const override;
  void appendRange(const Column& source, size_t start, size_t count) override;
  void appendDefault() override;
  void reserve(size_t rows) override;
  void truncate(size_t rows) override;
  void formatJson(size_t row, std::string& out, const FormatOptions& options) const override;
  void formatText(size_t row, std::string& out) const override;

 private:
  std::vector<MutableColumnPtr> elements_;
};

/// Appends the value at `row` as it appears inside an array or tuple in ClickHouse's text form:
/// strings, dates and times single-quoted and escaped (`\'`, `\t`, ...), NULL as `NULL`. The text of
/// an Array or Tuple is therefore escaped already, and text formats write it as it is.
void formatNestedText(const Column& column, size_t row, std::string& out);

/// Creates an empty column whose class matches `type` (see data_type.h for the mapping).
MutableColumnPtr makeColumn(const DataType& type);

/// Downcasts for kernels; the caller has checked the type.
template <typename T>
const ColumnVector<T>& asVector(const Column& column) {
  return static_cast<const ColumnVector<T>&>(column);
}
inline const ColumnString& asString(const Column& column) { return static_cast<const ColumnString&>(column); }

/// Throws the user error for a Tuple reaching code that handles flat columns only (storage, keys).
[[noreturn]] void throwTupleUnsupported();

/// Calls `fn(ColumnVector<T>* tag)` / `fn(ColumnString* tag)` etc. with a null pointer of the
/// concrete column class for `type`, so generic code can be written once per physical type.
/// Nothing maps to ColumnVector<uint8_t> (see below). Tuple is not dispatched: code that supports
/// tuples handles ColumnTuple before calling this, and everything else refuses them with an error.
template <typename Fn>
decltype(auto) dispatchPhysical(const DataType& type, Fn&& fn) {
  switch (type.id()) {
    case TypeId::kInt8: return fn(static_cast<ColumnVector<int8_t>*>(nullptr));
    case TypeId::kInt16: return fn(static_cast<ColumnVector<int16_t>*>(nullptr));
    case TypeId::kInt32: return fn(static_cast<ColumnVector<int32_t>*>(nullptr));
    case TypeId::kInt64: case TypeId::kDateTime64: return fn(static_cast<ColumnVector<int64_t>*>(nullptr));
    case TypeId::kUInt8: case TypeId::kBool: return fn(static_cast<ColumnVector<uint8_t>*>(nullptr));
    case TypeId::kUInt16: case TypeId::kDate: return fn(static_cast<ColumnVector<uint16_t>*>(nullptr));
    case TypeId::kUInt32: case TypeId::kDateTime: return fn(static_cast<ColumnVector<uint32_t>*>(nullptr));
    case TypeId::kUInt64: return fn(static_cast<ColumnVector<uint64_t>*>(nullptr));
    case TypeId::kFloat32: return fn(static_cast<ColumnVector<float>*>(nullptr));
    case TypeId::kFloat64: return fn(static_cast<ColumnVector<double>*>(nullptr));
    case TypeId::kString: case TypeId::kUUID: case TypeId::kAggregateFunction:
      return fn(static_cast<ColumnString*>(nullptr));
    case TypeId::kNullable: return fn(static_cast<ColumnNullable*>(nullptr));
    case TypeId::kArray: return fn(static_cast<ColumnArray*>(nullptr));
    // Nothing (the type of a bare NULL, e.g. inside Nullable(Nothing) or Array(Nullable(Nothing)))
    // has no values of its own; it is stored as one placeholder byte per row, always masked by a
    // null map, as exec/datum.cpp creates it.
    case TypeId::kNothing: break;
    case TypeId::kTuple: throwTupleUnsupported();
    case TypeId::kDecimal:
      if (type.decimalPrecision() <= 9) return fn(static_cast<ColumnVector<int32_t>*>(nullptr));
      if (type.decimalPrecision() <= 18) return fn(static_cast<ColumnVector<int64_t>*>(nullptr));
      return fn(static_cast<ColumnVector<Int128>*>(nullptr));
  }
  return fn(static_cast<ColumnVector<uint8_t>*>(nullptr));
}

/// A horizontal slice of a table or intermediate result: equally long columns.
struct Batch {
  std::vector<ColumnPtr> columns;
  size_t rows = 0;

  size_t byteSize() const;
};
using BatchPtr = std::shared_ptr<const Batch>;

/// Appends `value` to `out` as a JSON string literal (quotes included, control bytes escaped,
/// invalid UTF-8 replaced by U+FFFD so the document stays valid).
void appendJsonString(std::string_view value, std::string& out);

}  // namespace perch
