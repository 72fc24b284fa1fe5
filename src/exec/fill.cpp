#include "exec/fill.h"

#include <algorithm>

#include "common/error.h"
#include "exec/datum.h"
#include "exec/kernel_loops.h"
#include "exec/memory_tracker.h"
#include "types/date_time.h"

namespace perch {

namespace {

constexpr int64_t kSecondsPerDay = 86400;

// Adds `months` to a day number, clamping the day to the target month's length (addMonths).
int64_t addMonthsToDays(int64_t days, int64_t months) {
  const CivilDate date = civilFromDays(days);
  const int64_t total = static_cast<int64_t>(date.year) * 12 + (date.month - 1) + months;
  const int year = static_cast<int>(floorDiv(total, 12));
  const unsigned month = static_cast<unsigned>(total - static_cast<int64_t>(year) * 12 + 1);
  const int64_t first = daysFromCivil(year, month, 1);
  const int64_t next_first = month == 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1);
  return first + std::min<int64_t>(date.day, next_first - first) - 1;
}

// One row of fill values, and the stepping rules of ClickHouse's FillingRow.
class FillingRow {
 public:
  explicit FillingRow(const std::vector<FillColumn>& fills) : fills_(fills), values_(fills.size()) {}

  FillValue& operator[](size_t i) { return values_[i]; }
  const FillValue& operator[](size_t i) const { return values_[i]; }
  size_t size() const { return values_.size(); }

  bool less(const FillValue& a, const FillValue& b, size_t i) const {
    if (a.null || b.null) return false;
    const bool is_float = fills_[i].type.isFloat();
    const bool a_less = is_float ? a.real < b.real : a.integer < b.integer;
    const bool b_less = is_float ? b.real < a.real : b.integer < a.integer;
    return fills_[i].descending ? b_less : a_less;
  }
  bool equals(const FillValue& a, const FillValue& b, size_t i) const {
    if (a.null || b.null) return false;
    return fills_[i].type.isFloat() ? a.real == b.real : a.integer == b.integer;
  }
  /// Lexicographic order, skipping positions where either side is absent.
  bool operator<(const FillingRow& other) const {
    for (size_t i = 0; i < size(); ++i) {
      if (values_[i].null || other[i].null || equals(values_[i], other[i], i)) continue;
      return less(values_[i], other[i], i);
    }
    return false;
  }

  void initFromDefaults(size_t from) {
    for (size_t i = from; i < size(); ++i) values_[i] = fills_[i].from;
  }

  /// Advances to the next row to insert before `to`; false when there is none.
  bool next(const FillingRow& to) {
    size_t pos = 0;
    while (pos < size() && (values_[pos].null || to[pos].null || equals(values_[pos], to[pos], pos))) ++pos;
    if (pos == size() || less(to[pos], values_[pos], pos)) return false;
    // A later column with a TO is filled up to it first.
    for (size_t i = size() - 1; i > pos; --i) {
      if (fills_[i].to.null || values_[i].null) continue;
      const FillValue stepped = step(values_[i], i);
      if (less(stepped, fills_[i].to, i)) {
        values_[i] = stepped;
        initFromDefaults(i + 1);
        return true;
      }
    }
    const FillValue stepped = step(values_[pos], pos);
    if (less(to[pos], stepped, pos)) return false;
    values_[pos] = stepped;
    if (equals(values_[pos], to[pos], pos)) {
      bool is_less = false;
      for (size_t i = pos + 1; i < size(); ++i) {
        values_[i] = fills_[i].from.null ? to[i] : fills_[i].from;
        is_less |= less(values_[i], to[i], i);
      }
      return is_less;
    }
    initFromDefaults(pos + 1);
    return true;
  }

 private:
  FillValue step(FillValue value, size_t i) const {
    const FillColumn& fill = fills_[i];
    if (fill.type.isFloat()) {
      value.real += fill.step.real;
      return value;
    }
    switch (fill.step.unit) {
      case FillStep::Unit::kNumber: value.integer += fill.step.count; break;
      case FillStep::Unit::kSecond:  // DateTime or DateTime64 (the planner scales the step to ticks)
        value.integer += fill.step.count;
        break;
      case FillStep::Unit::kMonth:
        if (fill.type.id() == TypeId::kDate) {
          value.integer = addMonthsToDays(value.integer, fill.step.count);
        } else {  // DateTime seconds, or DateTime64 ticks
          const int64_t day = kSecondsPerDay * (fill.type.id() == TypeId::kDateTime64 ? powerOfTen(fill.type.precision()) : 1);
          const int64_t days = floorDiv(value.integer, day);
          value.integer = addMonthsToDays(days, fill.step.count) * day + (value.integer - days * day);
        }
        break;
    }
    return value;
  }

  const std::vector<FillColumn>& fills_;
  std::vector<FillValue> values_;
};

void appendFillValue(Column& column, const FillValue& value) {
  if (value.null) {
    column.appendDefault();
    return;
  }
  dispatchFixed(column.type(), [&](auto tag) {
    using T = decltype(tag);
    auto& data = static_cast<ColumnVector<T>&>(column).data();
    data.push_back(column.type().isFloat() ? static_cast<T>(value.real) : static_cast<T>(value.integer));
    return 0;
  });
}

// Builds the output: real rows copied, filled rows generated in between.
class FillWriter {
 public:
  FillWriter(const Batch& input, const std::vector<DataType>& types, const std::vector<size_t>& prefix,
             const std::vector<FillColumn>& fills, ExecContext& context)
      : input_(input), prefix_(prefix), fills_(fills), context_(context) {
    for (const auto& type : types) columns_.push_back(makeEmptyColumn(type));
  }

  void fillGroup(size_t begin, size_t end) {
    group_begin_ = begin;
    FillingRow filling(fills_), next_row(fills_);
    // The first row: start at FROM when it lies before the group's first value.
    for (size_t i = 0; i < fills_.size(); ++i) {
      const FillValue current = valueAt(begin, i);
      if (!fills_[i].from.null && !filling.equals(current, fills_[i].from, i)) {
        filling.initFromDefaults(i);
        if (filling.less(fills_[i].from, current, i)) insert(filling);
        break;
      }
      filling[i] = current;
    }
    for (size_t row = begin; row < end; ++row) {
      const bool insert_first = next_row < filling;
      for (size_t i = 0; i < fills_.size(); ++i) {
        const FillValue current = valueAt(row, i);
        next_row[i] = fills_[i].to.null || filling.less(current, fills_[i].to, i) ? current : fills_[i].to;
      }
      advance(filling, next_row, insert_first);
      for (size_t c = 0; c < columns_.size(); ++c) columns_[c]->appendRange(*input_.columns[c], row, 1);
      if (++rows_ % 65536 == 0) checkpoint();
    }
    // After the last row: up to TO.
    const bool insert_first = next_row < filling;
    for (size_t i = 0; i < fills_.size(); ++i) next_row[i] = fills_[i].to;
    advance(filling, next_row, insert_first);
  }

  Batch finish() {
    Batch out;
    out.rows = rows_;
    out.columns.assign(columns_.begin(), columns_.end());
    return out;
  }

 private:
  FillValue valueAt(size_t row, size_t i) const { return fillValueAt(*input_.columns[fills_[i].column], row); }

  /// Every 65536 output rows: the deadline, and the output so far charged to the memory tracker.
  void checkpoint() {
    context_.checkDeadline();
    size_t bytes = 0;
    for (const auto& column : columns_) bytes += column->byteSize();
    charge_.set(bytes, "WITH FILL rows");
  }

  void advance(FillingRow& filling, const FillingRow& next_row, bool insert_first) {
    if (insert_first && filling < next_row) insert(filling);
    while (filling.next(next_row)) insert(filling);
  }

  void insert(const FillingRow& filling) {
    if (++rows_ > Fill::kMaxRows) {
      throwBadRequest("WITH FILL would produce more than " + std::to_string(Fill::kMaxRows) + " rows; narrow FROM/TO or use a larger STEP");
    }
    if (rows_ % 65536 == 0) checkpoint();
    for (size_t c = 0; c < columns_.size(); ++c) {
      auto fill = std::find_if(fills_.begin(), fills_.end(), [&](const FillColumn& column) { return column.column == c; });
      if (fill != fills_.end()) {
        appendFillValue(*columns_[c], filling[fill - fills_.begin()]);
      } else if (std::find(prefix_.begin(), prefix_.end(), c) != prefix_.end()) {
        columns_[c]->appendRange(*input_.columns[c], group_begin_, 1);
      } else {
        columns_[c]->appendDefault();
      }
    }
  }

  const Batch& input_;
  const std::vector<size_t>& prefix_;
  const std::vector<FillColumn>& fills_;
  ExecContext& context_;
  MemoryCharge charge_;  // declared before columns_: released after they are freed
  std::vector<MutableColumnPtr> columns_;
  size_t rows_ = 0;
  size_t group_begin_ = 0;
};

bool samePrefix(const Batch& batch, const std::vector<size_t>& prefix, size_t a, size_t b) {
  for (size_t column : prefix) {
    const Column& values = *batch.columns[column];
    if (values.isNullAt(a) != values.isNullAt(b)) return false;
    std::string left, right;
    values.formatText(a, left);
    values.formatText(b, right);
    if (left != right) return false;
  }
  return true;
}

}  // namespace

FillValue fillValueAt(const Column& column, size_t row) {
  FillValue value;
  value.null = false;
  dispatchFixed(column.type(), [&](auto tag) {
    using T = decltype(tag);
    const T stored = asVector<T>(column).data()[row];
    if (column.type().isFloat()) {
      value.real = static_cast<double>(stored);
    } else {
      value.integer = static_cast<int64_t>(stored);
    }
    return 0;
  });
  return value;
}

std::optional<Batch> Fill::next() {
  if (done_) return std::nullopt;
  done_ = true;
  const Batch input = drain(*input_, types_, "WITH FILL input");
  MemoryCharge input_charge;
  input_charge.add(batchBytes(input), "WITH FILL input");
  FillWriter writer(input, types_, prefix_, fills_, context_);
  size_t begin = 0;
  for (size_t row = 1; row <= input.rows; ++row) {
    if (row < input.rows && samePrefix(input, prefix_, begin, row)) continue;
    writer.fillGroup(begin, row);
    begin = row;
  }
  Batch out = writer.finish();
  if (out.rows == 0) return std::nullopt;
  return out;
}

}  // namespace perch
