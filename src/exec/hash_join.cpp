#include "exec/hash_join.h"

#include <cstring>

#include "exec/cast.h"
#include "exec/kernel_loops.h"
#include "exec/type_rules.h"

namespace perch {

namespace {

constexpr size_t kCrossBatchRows = 8192;
// Charged per long (> 15 bytes) key entry beyond its bytes: the std::string and the hash node.
constexpr size_t kLongKeyOverhead = 64;

/// A batch of `types` holding `source` plus one default row at the end (for unmatched rows).
Batch withDefaultRow(const Batch& source, const std::vector<DataType>& types) {
  Batch out;
  out.rows = source.rows;
  for (size_t c = 0; c < types.size(); ++c) {
    MutableColumnPtr column = makeEmptyColumn(types[c]);
    column->reserve(source.rows + 1);
    if (source.rows) column->appendRange(*source.columns[c], 0, source.rows);
    column->appendDefault();
    out.columns.push_back(std::move(column));
  }
  return out;
}

}  // namespace

HashJoin::EncodedKeys HashJoin::encodeKeys(const std::vector<BoundExprPtr>& keys, const Batch& batch) const {
  EncodedKeys encoded;
  encoded.valid.assign(batch.rows, 1);
  encoded.ends.assign(batch.rows, 0);
  // Column by column into per-row scratch strings would allocate per row; instead compute each
  // row's bytes column-major into fixed-position slots: first the width of every row, then fill.
  std::vector<ColumnPtr> columns;
  for (size_t k = 0; k < keys.size(); ++k) {
    ColumnPtr column = evaluateColumn(*keys[k], batch);
    const Column* values = column.get();
    if (column->type().isNullable()) {
      const auto& nullable = static_cast<const ColumnNullable&>(*column);
      for (size_t i = 0; i < batch.rows; ++i) encoded.valid[i] &= !nullable.nullMap()[i];
      values = &nullable.nested();
    }
    const DataType& target = spec_.key_types[k];
    ColumnPtr plain(column, values);
    if (!(removeLowCardinality(values->type()) == removeLowCardinality(target))) plain = castColumn(plain, target);
    columns.push_back(plain);
  }
  std::vector<uint32_t> widths(batch.rows, 0);
  for (size_t k = 0; k < keys.size(); ++k) {
    const DataType& target = spec_.key_types[k];
    if (target.isStringLike()) {
      const auto& strings = asString(*columns[k]);
      for (size_t i = 0; i < batch.rows; ++i) widths[i] += static_cast<uint32_t>(strings.at(i).size()) + (keys.size() > 1 ? 4 : 0);
    } else {
      for (size_t i = 0; i < batch.rows; ++i) widths[i] += static_cast<uint32_t>(target.fixedWidth());
    }
  }
  uint32_t total = 0;
  for (size_t i = 0; i < batch.rows; ++i) encoded.ends[i] = total += widths[i];
  encoded.bytes.resize(total);
  std::vector<uint32_t> cursor(batch.rows);
  for (size_t i = 0; i < batch.rows; ++i) cursor[i] = i ? encoded.ends[i - 1] : 0;
  char* out = encoded.bytes.data();
  for (size_t k = 0; k < keys.size(); ++k) {
    const DataType& target = spec_.key_types[k];
    if (target.isStringLike()) {
      const auto& strings = asString(*columns[k]);
      for (size_t i = 0; i < batch.rows; ++i) {
        const std::string_view value = strings.at(i);
        if (keys.size() > 1) {  // a length prefix keeps ('ab','c') apart from ('a','bc')
          const uint32_t length = static_cast<uint32_t>(value.size());
          std::memcpy(out + cursor[i], &length, 4);
          cursor[i] += 4;
        }
        std::memcpy(out + cursor[i], value.data(), value.size());
        cursor[i] += static_cast<uint32_t>(value.size());
      }
    } else {
      dispatchFixed(target, [&](auto tag) {
        using T = decltype(tag);
        const T* data = asVector<T>(*columns[k]).data().data();
        for (size_t i = 0; i < batch.rows; ++i) {
          T value = data[i];
          if constexpr (std::is_floating_point_v<T>) {
            if (value == 0) value = 0;  // -0.0 joins with 0.0
          }
          std::memcpy(out + cursor[i], &value, sizeof(T));
          cursor[i] += sizeof(T);
        }
        return 0;
      });
    }
  }
  return encoded;
}

uint32_t HashJoin::lookup(std::string_view key, bool insert) {
  if (key.size() <= 15) {
    char bytes[16] = {};
    std::memcpy(bytes, key.data(), key.size());
    Key128 packed;
    std::memcpy(&packed.low, bytes, 8);
    std::memcpy(&packed.high, bytes + 8, 8);
    packed.high |= static_cast<uint64_t>(key.size()) << 56;
    if (!insert) {
      const uint32_t entry = packed_index_.find(packed);
      return entry == FlatHashMap<Key128>::kEmpty ? kNoEntry : entry;
    }
    bool inserted = false;
    const uint32_t entry = packed_index_.findOrInsert(packed, static_cast<uint32_t>(matches_.size()), inserted);
    if (inserted) matches_.emplace_back();
    return entry;
  }
  if (!insert) {
    auto it = long_index_.find(std::string(key));
    return it == long_index_.end() ? kNoEntry : it->second;
  }
  auto [it, inserted] = long_index_.try_emplace(std::string(key), static_cast<uint32_t>(matches_.size()));
  if (inserted) matches_.emplace_back();
  return it->second;
}

void HashJoin::build() {
  built_ = true;
  const Batch right = drain(*right_, spec_.right_types, "hash join build side");
  const size_t right_bytes = batchBytes(right);
  build_charge_.add(2 * right_bytes, "hash join build side");  // the drained rows and their copy with a default row
  right_rows_ = right.rows;
  right_row_bytes_ = right.rows ? right_bytes / right.rows : 0;
  right_batch_ = withDefaultRow(right, spec_.right_types);
  if (spec_.mode == JoinMode::kRight || spec_.mode == JoinMode::kFull) {
    right_matched_.assign(right_rows_, 0);
    left_defaults_ = withDefaultRow(Batch{}, spec_.left_types);
  }
  if (spec_.mode == JoinMode::kCross) return;
  const EncodedKeys keys = encodeKeys(spec_.right_keys, right);
  MemoryCharge keys_charge;
  keys_charge.add(keys.bytes.size() + right.rows * (sizeof(uint32_t) + 1), "hash join keys");
  // The match lists and long keys, charged every 64Ki rows and at the end (the packed index
  // charges itself).
  size_t long_key_bytes = 0;
  auto chargeIndex = [&](size_t rows_indexed) {
    build_charge_.set(2 * right_bytes + matches_.size() * sizeof(std::vector<uint32_t>) + rows_indexed * sizeof(uint32_t) + long_key_bytes,
                      "hash join index");
  };
  for (size_t i = 0; i < right.rows; ++i) {
    if (!keys.valid[i]) continue;
    const std::string_view key = keys.row(i);
    if (key.size() > 15) long_key_bytes += key.size() + kLongKeyOverhead;  // overcounts repeated keys
    matches_[lookup(key, true)].push_back(static_cast<uint32_t>(i));
    if ((i & 0xFFFF) == 0xFFFF) chargeIndex(i + 1);
  }
  chargeIndex(right.rows);
  build_charge_.subtract(right_bytes);  // `right` itself is freed on return
  context_.checkDeadline();
}

Batch HashJoin::emit(const Batch& left, const std::vector<uint32_t>& left_rows, const std::vector<uint32_t>& right_rows) const {
  Batch out;
  out.rows = left_rows.size();
  for (const auto& column : left.columns) out.columns.push_back(column->gather(left_rows));
  for (const auto& column : right_batch_.columns) out.columns.push_back(column->gather(right_rows));
  return out;
}

std::optional<Batch> HashJoin::unmatchedRight() {
  right_emitted_ = true;
  std::vector<uint32_t> left_rows, right_rows;
  for (size_t i = 0; i < right_rows_; ++i) {
    if (right_matched_[i]) continue;
    left_rows.push_back(0);
    right_rows.push_back(static_cast<uint32_t>(i));
  }
  if (left_rows.empty()) return std::nullopt;
  Batch out = emit(left_defaults_, left_rows, right_rows);
  for (const auto& [left_column, right_column] : spec_.using_columns) {
    ColumnPtr keys = right_batch_.columns[right_column]->gather(right_rows);
    out.columns[left_column] = castColumn(keys, spec_.left_types[left_column]);
  }
  return out;
}

std::optional<Batch> HashJoin::next() {
  if (!built_) build();
  if (spec_.mode == JoinMode::kCross) {
    while (true) {
      if (!cross_left_ || cross_next_right_ >= right_rows_) {
        cross_left_ = left_->next();
        cross_next_right_ = 0;
        if (!cross_left_) return std::nullopt;
        if (right_rows_ == 0) continue;
      }
      context_.checkDeadline();
      const size_t left_count = cross_left_->rows;
      const size_t per_step = std::max<size_t>(1, kCrossBatchRows / std::max<size_t>(1, left_count));
      const size_t end = std::min(right_rows_, cross_next_right_ + per_step);
      std::vector<uint32_t> left_rows, right_rows;
      for (size_t l = 0; l < left_count; ++l) {
        for (size_t r = cross_next_right_; r < end; ++r) {
          left_rows.push_back(static_cast<uint32_t>(l));
          right_rows.push_back(static_cast<uint32_t>(r));
        }
      }
      cross_next_right_ = end;
      if (!left_rows.empty()) return emit(*cross_left_, left_rows, right_rows);
    }
  }
  while (!left_done_) {
    std::optional<Batch> left = left_->next();
    if (!left) {
      left_done_ = true;
      break;
    }
    context_.checkDeadline();
    const EncodedKeys keys = encodeKeys(spec_.left_keys, *left);
    std::vector<uint32_t> left_rows, right_rows;
    left_rows.reserve(left->rows);
    right_rows.reserve(left->rows);
    const bool keep_unmatched = (spec_.mode == JoinMode::kLeft || spec_.mode == JoinMode::kFull) && spec_.match != JoinMatch::kSemi;
    const uint32_t default_row = static_cast<uint32_t>(right_rows_);
    // The row pairs and the output they gather, charged each time the pairs pass a multiple of
    // 64Ki (an ALL join may emit many rows per left row).
    MemoryCharge output_charge;
    const size_t pair_bytes = 2 * sizeof(uint32_t) + right_row_bytes_ + (left->rows ? batchBytes(*left) / left->rows : 0);
    size_t charge_at = 65536;
    for (size_t i = 0; i < left->rows; ++i) {
      if (left_rows.size() >= charge_at) {
        output_charge.set(left_rows.size() * pair_bytes, "hash join output");
        charge_at = left_rows.size() + 65536;
      }
      const std::vector<uint32_t>* matches = nullptr;
      if (keys.valid[i]) {
        const uint32_t entry = lookup(keys.row(i), false);
        if (entry != kNoEntry) matches = &matches_[entry];
      }
      const uint32_t row = static_cast<uint32_t>(i);
      if (spec_.match == JoinMatch::kAnti) {
        if (!matches) {
          left_rows.push_back(row);
          right_rows.push_back(default_row);
        }
        continue;
      }
      if (!matches) {
        if (keep_unmatched) {
          left_rows.push_back(row);
          right_rows.push_back(default_row);
        }
        continue;
      }
      if (spec_.match == JoinMatch::kAll) {
        for (uint32_t match : *matches) {
          left_rows.push_back(row);
          right_rows.push_back(match);
          if (!right_matched_.empty()) right_matched_[match] = 1;
        }
      } else {
        left_rows.push_back(row);
        right_rows.push_back(matches->front());
        if (!right_matched_.empty()) right_matched_[matches->front()] = 1;
      }
    }
    if (!left_rows.empty()) return emit(*left, left_rows, right_rows);
  }
  if (!right_matched_.empty() && !right_emitted_) return unmatchedRight();
  return std::nullopt;
}

}  // namespace perch
