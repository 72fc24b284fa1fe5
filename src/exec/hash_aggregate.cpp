#include "exec/hash_aggregate.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "common/error.h"
#include "exec/filter.h"
#include "exec/kernel_loops.h"
#include "exec/task_pool.h"
#include "storage/part.h"

namespace perch {

HashAggregate::HashAggregate(OperatorPtr input, std::vector<BoundExprPtr> keys, std::vector<AggregateCall> aggregates,
                             ExecContext& context)
    : input_(std::move(input)), keys_(std::move(keys)), aggregates_(std::move(aggregates)), context_(context) {
  for (const auto& aggregate : aggregates_) {
    const size_t align = aggregate.function->stateAlign();
    state_size_ = (state_size_ + align - 1) / align * align;
    state_offsets_.push_back(state_size_);
    state_size_ += aggregate.function->stateSize();
    state_align_ = std::max(state_align_, align);
  }
  size_t fixed_width = 0;
  bool all_fixed = true;
  for (const auto& key : keys_) {
    const size_t width = key->type.fixedWidth();
    if (width == 0) all_fixed = false;
    fixed_width += width;
  }
  if (keys_.empty()) {
    method_ = Method::kNone;
  } else if (keys_.size() == 1 && all_fixed && fixed_width <= 2) {
    method_ = Method::kDirect16;
    direct_size_ = size_t{1} << (8 * fixed_width);
  } else if (keys_.size() == 1 && all_fixed && fixed_width <= 8) {
    method_ = Method::kFixed64;
  } else if (all_fixed && fixed_width <= 16) {
    method_ = Method::kFixed128;
  } else if (keys_.size() == 1 && keys_[0]->type.isStringLike()) {
    method_ = Method::kString;
  } else {
    method_ = Method::kSerialized;
  }
  addPartial();
}

HashAggregate::Partial& HashAggregate::addPartial() {
  auto partial = std::make_unique<Partial>();
  for (const auto& key : keys_) partial->key_columns.push_back(makeEmptyColumn(key->type));
  if (method_ == Method::kDirect16) partial->direct.assign(direct_size_, FlatHashMap<uint64_t>::kEmpty);
  partials_.push_back(std::move(partial));
  return *partials_.back();
}

HashAggregate::~HashAggregate() {
  for (const auto& partial : partials_) destroyStates(*partial);
  for (size_t a = 0; a < aggregates_.size(); ++a) {
    if (totals_state_ && !aggregates_[a].function->hasTrivialDestructor()) aggregates_[a].function->destroy(totals_state_ + state_offsets_[a]);
  }
}

void HashAggregate::destroyStates(Partial& partial) const {
  for (size_t a = 0; a < aggregates_.size(); ++a) {
    if (aggregates_[a].function->hasTrivialDestructor()) continue;
    for (char* state : partial.group_states) aggregates_[a].function->destroy(state + state_offsets_[a]);
  }
  partial.group_states.clear();
}

uint32_t HashAggregate::newGroup(Partial& partial, const std::vector<ColumnPtr>& keys, size_t row) const {
  char* state = partial.arena.allocate(std::max<size_t>(state_size_, 1), state_align_);
  for (size_t a = 0; a < aggregates_.size(); ++a) aggregates_[a].function->create(state + state_offsets_[a]);
  partial.group_states.push_back(state);
  for (size_t k = 0; k < keys.size(); ++k) partial.key_columns[k]->appendRange(*keys[k], row, 1);
  return static_cast<uint32_t>(partial.group_states.size() - 1);
}

void HashAggregate::chargeGroups(Partial& partial) {
  // Key columns: their values' bytes (the vectors' spare capacity is not seen from here).
  size_t bytes = partial.group_states.capacity() * sizeof(char*) + (partial.direct.capacity() + partial.code_groups.capacity()) * sizeof(uint32_t) +
                 partial.serialize_buffer.capacity();
  for (const auto& column : partial.key_columns) bytes += column->byteSize();
  partial.groups_charge.set(bytes, "GROUP BY keys");
}

namespace {

StringKey storeString(Arena& arena, std::string_view bytes, uint64_t hash) {
  StringKey key;
  key.data = arena.copy(bytes.data(), bytes.size());
  key.size = static_cast<uint32_t>(bytes.size());
  key.hash = hash;
  return key;
}

}  // namespace

namespace {

// Appends the bytes that identify row `row` of `column` (null flag, fixed bits or length + bytes).
void serializeValue(const Column& column, size_t row, std::string& out) {
  const DataType& type = column.type();
  if (type.isNullable()) {
    const auto& nullable = static_cast<const ColumnNullable&>(column);
    const bool is_null = nullable.nullMap()[row] != 0;
    out.push_back(is_null ? '\1' : '\0');
    if (!is_null) serializeValue(nullable.nested(), row, out);
    return;
  }
  if (type.isStringLike()) {
    const std::string_view value = asString(column).at(row);
    const uint32_t size = static_cast<uint32_t>(value.size());
    out.append(reinterpret_cast<const char*>(&size), sizeof(size));
    out.append(value);
    return;
  }
  if (type.isArray()) {
    const auto& array = static_cast<const ColumnArray&>(column);
    const uint64_t begin = row == 0 ? 0 : array.offsets()[row - 1];
    const uint32_t size = static_cast<uint32_t>(array.offsets()[row] - begin);
    out.append(reinterpret_cast<const char*>(&size), sizeof(size));
    for (uint64_t i = begin; i < array.offsets()[row]; ++i) serializeValue(array.elements(), i, out);
    return;
  }
  if (type.id() == TypeId::kNothing) {
    return;
  }
  dispatchFixed(type, [&](auto tag) {
    using T = decltype(tag);
    const T value = asVector<T>(column).data()[row];
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));
    return 0;
  });
}

// Masks that keep the first `size` bytes of a 16-byte load (size 0..15), low and high word: a
// table lookup instead of branches on the length in the short-string GROUP BY loop.
struct ShortStringMasks {
  uint64_t low[16], high[16];
};
constexpr ShortStringMasks makeShortStringMasks() {
  ShortStringMasks masks{};
  for (size_t size = 0; size < 16; ++size) {
    masks.low[size] = size >= 8 ? ~uint64_t{0} : (size == 0 ? 0 : ~uint64_t{0} >> (64 - 8 * size));
    masks.high[size] = size <= 8 ? 0 : ~uint64_t{0} >> (64 - 8 * (size - 8));
  }
  return masks;
}
constexpr ShortStringMasks kShortStringMasks = makeShortStringMasks();

// Raw little-endian bits of a fixed-width column's values, zero-extended to 64 bits. Only keys of
// at most 8 bytes get here (kDirect16, kFixed64); 16-byte Decimals take kFixed128.
template <typename T>
uint64_t bitsOf(T value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, std::min(sizeof(T), sizeof(bits)));
  return bits;
}

}  // namespace

void HashAggregate::assignGroups(Partial& partial, const std::vector<ColumnPtr>& keys, size_t rows, std::vector<uint32_t>& groups) const {
  groups.resize(rows);
  bool inserted = false;
  switch (method_) {
    case Method::kNone:
      if (partial.group_states.empty()) newGroup(partial, keys, 0);
      std::fill(groups.begin(), groups.end(), 0);
      return;
    case Method::kDirect16:
      dispatchFixed(keys[0]->type(), [&](auto tag) {
        using T = decltype(tag);
        if constexpr (sizeof(T) <= 2) {
          const T* data = asVector<T>(*keys[0]).data().data();
          for (size_t i = 0; i < rows; ++i) {
            const uint64_t slot = bitsOf(data[i]);
            uint32_t group = partial.direct[slot];
            if (group == FlatHashMap<uint64_t>::kEmpty) group = partial.direct[slot] = newGroup(partial, keys, i);
            groups[i] = group;
          }
        }
        return 0;
      });
      return;
    case Method::kFixed64:
      dispatchFixed(keys[0]->type(), [&](auto tag) {
        using T = decltype(tag);
        const T* data = asVector<T>(*keys[0]).data().data();
        for (size_t i = 0; i < rows; ++i) {
          const uint32_t next = static_cast<uint32_t>(partial.group_states.size());
          const uint32_t group = partial.fixed64.findOrInsert(bitsOf(data[i]), next, inserted);
          if (inserted) newGroup(partial, keys, i);
          groups[i] = group;
        }
        return 0;
      });
      return;
    case Method::kFixed128: {
      std::vector<Key128> packed(rows);
      size_t offset = 0;
      for (const auto& key : keys) {
        dispatchFixed(key->type(), [&](auto tag) {
          using T = decltype(tag);
          const T* data = asVector<T>(*key).data().data();
          for (size_t i = 0; i < rows; ++i) {
            std::memcpy(reinterpret_cast<char*>(&packed[i]) + offset, &data[i], sizeof(T));
          }
          return 0;
        });
        offset += key->type().fixedWidth();
      }
      for (size_t i = 0; i < rows; ++i) {
        const uint32_t next = static_cast<uint32_t>(partial.group_states.size());
        const uint32_t group = partial.fixed128.findOrInsert(packed[i], next, inserted);
        if (inserted) newGroup(partial, keys, i);
        groups[i] = group;
      }
      return;
    }
    case Method::kString: {
      // Keys of up to 15 bytes (event types, ids, codes: nearly all GROUP BY strings) are packed
      // with their length into 16 bytes and looked up in short_strings — no hashing of bytes, no
      // memcmp. Longer keys go to the string table; a key always lands in the same one.
      const auto& column = asString(*keys[0]);
      const uint64_t* offsets = column.offsets().data();
      const char* chars = column.chars().data();
      const char* limit = chars + column.chars().size();
      auto groupOfRow = [&](size_t i) -> uint32_t {
        const uint64_t begin = i == 0 ? 0 : offsets[i - 1];
        const size_t size = offsets[i] - begin;
        const char* data = chars + begin;
        uint32_t group;
        if (size <= 15) {
          ShortStringKey packed;
          if (data + 16 <= limit) {
            std::memcpy(&packed.low, data, 8);
            std::memcpy(&packed.high, data + 8, 8);
            packed.low &= kShortStringMasks.low[size];
            packed.high &= kShortStringMasks.high[size];
          } else {
            char bytes[16] = {};
            for (size_t k = 0; k < size; ++k) bytes[k] = data[k];
            std::memcpy(&packed.low, bytes, 8);
            std::memcpy(&packed.high, bytes + 8, 8);
          }
          packed.high |= static_cast<uint64_t>(size) << 56;
          const uint32_t next = static_cast<uint32_t>(partial.group_states.size());
          group = partial.short_strings.findOrInsert(packed, next, inserted);
          if (inserted) newGroup(partial, keys, i);
        } else {
          const std::string_view value(data, size);
          StringKey probe{value.data(), static_cast<uint32_t>(value.size()), hashBytes(value.data(), value.size())};
          group = partial.strings.find(probe);
          if (group == FlatHashMap<StringKey>::kEmpty) {
            group = static_cast<uint32_t>(partial.group_states.size());
            partial.strings.findOrInsert(storeString(partial.arena, value, probe.hash), group, inserted);
            newGroup(partial, keys, i);
          }
        }
        return group;
      };
      // A granule column read from a part in the dictionary layout comes with each row's index
      // into its distinct values: a value is looked up once, at its first row, and every row
      // after it is an array lookup.
      const auto dictionary = rows > 0 ? storage::Part::stringDictionary(column) : nullptr;
      if (dictionary && dictionary->indexes.size() == rows * dictionary->width) {
        partial.code_groups.assign(dictionary->values->size(), FlatHashMap<uint64_t>::kEmpty);
        auto byCode = [&](auto index_tag) {
          using Index = decltype(index_tag);
          const char* indexes = dictionary->indexes.data();
          for (size_t i = 0; i < rows; ++i) {
            Index code;
            std::memcpy(&code, indexes + i * sizeof(Index), sizeof(Index));
            uint32_t& group = partial.code_groups[code];
            if (group == FlatHashMap<uint64_t>::kEmpty) group = groupOfRow(i);
            groups[i] = group;
          }
        };
        if (dictionary->width == 1) {
          byCode(uint8_t{});
        } else {
          byCode(uint16_t{});
        }
        return;
      }
      for (size_t i = 0; i < rows; ++i) groups[i] = groupOfRow(i);
      return;
    }
    case Method::kSerialized:
      for (size_t i = 0; i < rows; ++i) {
        partial.serialize_buffer.clear();
        for (const auto& key : keys) serializeValue(*key, i, partial.serialize_buffer);
        StringKey probe{partial.serialize_buffer.data(), static_cast<uint32_t>(partial.serialize_buffer.size()),
                        hashBytes(partial.serialize_buffer.data(), partial.serialize_buffer.size())};
        uint32_t group = partial.strings.find(probe);
        if (group == FlatHashMap<StringKey>::kEmpty) {
          group = static_cast<uint32_t>(partial.group_states.size());
          partial.strings.findOrInsert(storeString(partial.arena, partial.serialize_buffer, probe.hash), group, inserted);
          newGroup(partial, keys, i);
        }
        groups[i] = group;
      }
      return;
  }
}

void HashAggregate::consume(Partial& partial, const Batch& batch) const {
  std::vector<ColumnPtr> keys;
  keys.reserve(keys_.size());
  for (const auto& key : keys_) keys.push_back(evaluateColumn(*key, batch));
  std::vector<uint32_t> groups;
  assignGroups(partial, keys, batch.rows, groups);
  chargeGroups(partial);
  std::vector<char*> places;
  if (method_ != Method::kNone) {
    places.resize(batch.rows);
    for (size_t i = 0; i < batch.rows; ++i) places[i] = partial.group_states[groups[i]];
  }
  std::vector<ColumnPtr> args;
  for (size_t a = 0; a < aggregates_.size(); ++a) {
    args.clear();
    for (const auto& arg : aggregates_[a].args) args.push_back(evaluateColumn(*arg, batch));
    if (method_ == Method::kNone) {
      aggregates_[a].function->addBatchSingle(partial.group_states[0] + state_offsets_[a], args, batch.rows, nullptr);
    } else {
      aggregates_[a].function->addBatch(places.data(), state_offsets_[a], args, batch.rows, nullptr);
    }
  }
}

void HashAggregate::mergeInto(Partial& into, Partial& from) const {
  const size_t groups = from.group_states.size();
  if (groups == 0) return;
  const std::vector<ColumnPtr> keys(from.key_columns.begin(), from.key_columns.end());
  std::vector<uint32_t> targets;
  assignGroups(into, keys, groups, targets);
  chargeGroups(into);
  for (size_t g = 0; g < groups; ++g) {
    for (size_t a = 0; a < aggregates_.size(); ++a) {
      char* state = from.group_states[g] + state_offsets_[a];
      aggregates_[a].function->merge(into.group_states[targets[g]] + state_offsets_[a], state);
      // A merged state's memory (quantile values, sets, strings) is given back now rather than
      // when the operator ends, so the merge does not hold every value twice; the state is left
      // empty and valid for the destructor.
      if (!aggregates_[a].function->hasTrivialDestructor()) {
        aggregates_[a].function->destroy(state);
        aggregates_[a].function->create(state);
      }
    }
  }
}

std::optional<Batch> HashAggregate::next() {
  if (done_) return std::nullopt;
  done_ = true;
  const unsigned threads = std::max(1u, context_.threads);
  if (threads == 1) {
    while (auto batch = input_->next()) {
      context_.checkDeadline();
      consume(*partials_[0], *batch);
    }
  } else {
    // Morsel-driven: pull about kRoundRows rows per thread (the input is driven by this thread
    // only) and aggregate them in parallel: one task per partial table, each claiming the next
    // unclaimed batch until none is left (a task that starts late finds fewer, or none).
    constexpr size_t kRoundRows = 4 * 65'536;
    while (partials_.size() < threads) addPartial();
    bool input_done = false;
    while (!input_done) {
      std::vector<Batch> inputs;
      size_t rows = 0;
      while (rows < threads * kRoundRows) {
        auto batch = input_->next();
        if (!batch) {
          input_done = true;
          break;
        }
        rows += batch->rows;
        inputs.push_back(std::move(*batch));
      }
      context_.checkDeadline();
      if (inputs.empty()) break;
      std::atomic<size_t> next_input{0};
      parallelFor(partials_.size(), threads, [&](size_t p) {
        for (size_t i = next_input.fetch_add(1); i < inputs.size(); i = next_input.fetch_add(1)) consume(*partials_[p], inputs[i]);
      });
    }
    // A merged partial's table, arena and keys go before the output is built.
    for (size_t p = 1; p < partials_.size(); ++p) {
      mergeInto(*partials_[0], *partials_[p]);
      destroyStates(*partials_[p]);
      partials_[p].reset();
    }
    partials_.resize(1);
  }
  Partial& result = *partials_[0];
  // Aggregation without GROUP BY returns one row even for empty input (count() = 0).
  if (method_ == Method::kNone && result.group_states.empty()) newGroup(result, {}, 0);
  const size_t groups = result.group_states.size();
  Batch out;
  out.rows = groups;
  for (auto& key : result.key_columns) out.columns.push_back(key);
  for (size_t a = 0; a < aggregates_.size(); ++a) {
    auto column = makeEmptyColumn(aggregates_[a].function->resultType());
    column->reserve(groups);
    for (char* state : result.group_states) aggregates_[a].function->insertResult(state + state_offsets_[a], *column);
    out.columns.push_back(std::move(column));
  }
  if (totals_enabled_) computeTotals(result, out);
  if (groups == 0) return std::nullopt;
  return out;
}

void HashAggregate::computeTotals(Partial& result, const Batch& groups) {
  std::vector<uint32_t> selected(groups.rows);
  for (size_t g = 0; g < groups.rows; ++g) selected[g] = static_cast<uint32_t>(g);
  for (const auto& predicate : totals_having_) {
    if (selected.empty()) break;
    const Batch remaining = gatherBatch(groups, selected);
    std::vector<uint32_t> passing;
    for (uint32_t row : selectTrueRows(evaluate(*predicate, remaining), remaining.rows)) passing.push_back(selected[row]);
    selected = std::move(passing);
  }
  totals_state_ = result.arena.allocate(std::max<size_t>(state_size_, 1), state_align_);
  for (size_t a = 0; a < aggregates_.size(); ++a) aggregates_[a].function->create(totals_state_ + state_offsets_[a]);
  for (uint32_t g : selected) {
    for (size_t a = 0; a < aggregates_.size(); ++a) {
      aggregates_[a].function->merge(totals_state_ + state_offsets_[a], result.group_states[g] + state_offsets_[a]);
    }
  }
  Batch totals;
  totals.rows = 1;
  for (const auto& key : keys_) {
    auto column = makeEmptyColumn(key->type);
    column->appendDefault();
    totals.columns.push_back(std::move(column));
  }
  for (size_t a = 0; a < aggregates_.size(); ++a) {
    auto column = makeEmptyColumn(aggregates_[a].function->resultType());
    aggregates_[a].function->insertResult(totals_state_ + state_offsets_[a], *column);
    totals.columns.push_back(std::move(column));
  }
  totals_ = std::move(totals);
}

}  // namespace perch
