#include "exec/window.h"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <sstream>

#include "common/error.h"
#include "exec/aggregate_state_holder.h"
#include "exec/datum.h"
#include "exec/kernel_loops.h"
#include "exec/memory_tracker.h"

namespace perch {

namespace {

std::string upperCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Whether rows a and b of `column` hold the same value (NULL equals NULL, NaN equals NaN), the
// equality that splits sorted rows into partitions and peer groups.
bool sameValue(const Column& column, uint32_t a, uint32_t b) {
  const DataType& type = column.type();
  if (type.isNullable()) {
    const auto& nullable = static_cast<const ColumnNullable&>(column);
    const bool null_a = nullable.nullMap()[a] != 0, null_b = nullable.nullMap()[b] != 0;
    if (null_a || null_b) return null_a == null_b;
    return sameValue(nullable.nested(), a, b);
  }
  if (type.isStringLike()) return asString(column).at(a) == asString(column).at(b);
  if (type.fixedWidth() > 0) {
    return dispatchFixed(type, [&](auto tag) {
      using T = decltype(tag);
      const auto& data = asVector<T>(column).data();
      if constexpr (std::is_floating_point_v<T>) {
        if (data[a] != data[a] && data[b] != data[b]) return true;
      }
      return data[a] == data[b];
    });
  }
  std::string x, y;
  column.formatText(a, x);
  column.formatText(b, y);
  return x == y;
}

// The ORDER BY key of a RANGE frame with offsets, by sorted position, and the frame bounds it
// implies: rows whose key is within the offset of the current row's key. long double holds every
// 64-bit integer exactly.
class RangeKeys {
 public:
  RangeKeys(const WindowFrame& frame, const WindowCall& call, const Batch& keys, size_t key_column, const std::vector<uint32_t>& order) {
    if (!frame.hasRangeOffset()) return;
    descending_ = call.order_keys[0].descending;
    const Column& column = *keys.columns[key_column];
    values_.reserve(order.size());
    dispatchFixed(column.type(), [&](auto tag) {
      using T = decltype(tag);
      const auto& data = asVector<T>(column).data();
      for (uint32_t row : order) values_.push_back(static_cast<long double>(data[row]));
      return 0;
    });
  }

  /// The first position of [ps, pe) inside the bound `bound` of row i (frame start).
  size_t firstWithin(size_t i, size_t ps, size_t pe, const WindowFrameBound& bound) const {
    const long double limit = limitOf(i, bound);
    // Sorted ascending: the first key >= limit; descending: the first key <= limit.
    return partitionPoint(ps, pe, [&](long double key) { return descending_ ? key > limit : key < limit; });
  }
  /// One past the last position of [ps, pe) inside the bound `bound` of row i (frame end).
  size_t endWithin(size_t i, size_t ps, size_t pe, const WindowFrameBound& bound) const {
    const long double limit = limitOf(i, bound);
    return partitionPoint(ps, pe, [&](long double key) { return descending_ ? key >= limit : key <= limit; });
  }

 private:
  // PRECEDING moves against the sort order, FOLLOWING with it.
  long double limitOf(size_t i, const WindowFrameBound& bound) const {
    const long double offset = static_cast<long double>(bound.offset);
    const bool toward_smaller = (bound.kind == WindowFrameBound::Kind::kPreceding) != descending_;
    return toward_smaller ? values_[i] - offset : values_[i] + offset;
  }
  template <typename Before>
  size_t partitionPoint(size_t ps, size_t pe, Before before) const {
    const auto begin = values_.begin() + static_cast<ptrdiff_t>(ps);
    return ps + static_cast<size_t>(std::partition_point(begin, values_.begin() + static_cast<ptrdiff_t>(pe), before) - begin);
  }

  std::vector<long double> values_;
  bool descending_ = false;
};

WindowFrameBound parseBound(const std::vector<std::string>& words, size_t& i, const std::string& text) {
  auto fail = [&]() -> WindowFrameBound { throwBadRequest("Unsupported window frame: " + text); };
  auto word = [&](size_t k) { return i + k < words.size() ? words[i + k] : std::string(); };
  using Kind = WindowFrameBound::Kind;
  if (word(0) == "UNBOUNDED") {
    if (word(1) != "PRECEDING" && word(1) != "FOLLOWING") return fail();
    const Kind kind = word(1) == "PRECEDING" ? Kind::kUnboundedPreceding : Kind::kUnboundedFollowing;
    i += 2;
    return {kind, 0};
  }
  if (word(0) == "CURRENT") {
    if (word(1) != "ROW") return fail();
    i += 2;
    return {Kind::kCurrentRow, 0};
  }
  const std::string number = word(0);
  if (number.empty() || !std::all_of(number.begin(), number.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
      number.size() > 18) {
    return fail();
  }
  if (word(1) != "PRECEDING" && word(1) != "FOLLOWING") return fail();
  const Kind kind = word(1) == "PRECEDING" ? Kind::kPreceding : Kind::kFollowing;
  i += 2;
  return {kind, std::stoull(number)};
}

}  // namespace

WindowFrame parseWindowFrame(std::string_view text) {
  WindowFrame frame;
  if (text.empty()) return frame;
  const std::string upper = upperCase(text);
  std::vector<std::string> words;
  std::istringstream stream(upper);
  for (std::string word; stream >> word;) words.push_back(word);
  size_t i = 0;
  frame.rows = words[0] == "ROWS";
  ++i;
  if (i < words.size() && words[i] == "BETWEEN") {
    ++i;
    frame.start = parseBound(words, i, std::string(text));
    if (i >= words.size() || words[i] != "AND") throwBadRequest("Unsupported window frame: " + std::string(text));
    ++i;
    frame.end = parseBound(words, i, std::string(text));
  } else {
    frame.start = parseBound(words, i, std::string(text));
    frame.end = {WindowFrameBound::Kind::kCurrentRow, 0};
  }
  if (i != words.size()) throwBadRequest("Unsupported window frame: " + std::string(text));
  using Kind = WindowFrameBound::Kind;
  if (frame.start.kind == Kind::kUnboundedFollowing) throwBadRequest("Frame start cannot be UNBOUNDED FOLLOWING: " + std::string(text));
  if (frame.end.kind == Kind::kUnboundedPreceding) throwBadRequest("Frame end cannot be UNBOUNDED PRECEDING: " + std::string(text));
  return frame;
}

bool WindowFrame::hasRangeOffset() const {
  using Kind = WindowFrameBound::Kind;
  const auto has_offset = [](const WindowFrameBound& bound) { return bound.kind == Kind::kPreceding || bound.kind == Kind::kFollowing; };
  return !rows && (has_offset(start) || has_offset(end));
}

bool WindowFrame::wholePartition() const {
  return start.kind == WindowFrameBound::Kind::kUnboundedPreceding && end.kind == WindowFrameBound::Kind::kUnboundedFollowing;
}

std::string rankingFunctionName(std::string_view name) {
  std::string lowered(name);
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lowered == "row_number" || lowered == "rank" || lowered == "dense_rank" ? lowered : std::string();
}

bool isNtileName(std::string_view name) { return upperCase(name) == "NTILE"; }

bool isWindowOnlyFunctionName(std::string_view name) {
  return !rankingFunctionName(name).empty() || isNtileName(name) || name == "lagInFrame" || name == "leadInFrame" || name == "nth_value";
}

std::optional<Batch> Window::next() {
  if (done_) return std::nullopt;
  done_ = true;
  std::vector<Batch> batches;
  size_t rows = 0;
  MemoryCharge charge;  // the buffered partition rows, their concatenation, the computed columns
  while (auto batch = input_->next()) {
    context_.checkDeadline();
    charge.add(batchBytes(*batch), "window buffer");
    rows += batch->rows;
    batches.push_back(std::move(*batch));
  }
  if (rows == 0) return std::nullopt;
  if (batches.size() > 1) charge.add(charge.bytes(), "window buffer");
  Batch all;
  all.rows = rows;
  for (size_t c = 0; c < types_.size(); ++c) {
    if (batches.size() == 1 || !batches[0].columns[c]) {  // columns nothing reads stay null
      all.columns.push_back(batches[0].columns[c]);
      continue;
    }
    std::vector<ColumnPtr> parts;
    for (const auto& batch : batches) parts.push_back(batch.columns[c]);
    all.columns.push_back(concatColumns(parts, types_[c]));
  }
  batches.clear();
  for (const auto& call : calls_) {
    ColumnPtr result = compute(call, all);
    charge.add(result->byteSize(), "window function results");
    all.columns.push_back(std::move(result));
  }
  return all;
}

ColumnPtr Window::compute(const WindowCall& call, const Batch& batch) const {
  const size_t rows = batch.rows;
  // Sort keys: partition keys (any fixed order groups them), then the ORDER BY keys.
  Batch keys;
  keys.rows = rows;
  std::vector<SortKey> sort_keys;
  for (const auto& expr : call.partition_by) {
    sort_keys.push_back(SortKey{keys.columns.size(), false, false});
    keys.columns.push_back(evaluateColumn(*expr, batch));
  }
  const size_t partition_keys = keys.columns.size();
  for (size_t k = 0; k < call.order_by.size(); ++k) {
    sort_keys.push_back(SortKey{keys.columns.size(), call.order_keys[k].descending, call.order_keys[k].nulls_first});
    keys.columns.push_back(evaluateColumn(*call.order_by[k], batch));
  }
  std::vector<uint32_t> order(rows);
  if (sort_keys.empty()) {
    std::iota(order.begin(), order.end(), 0u);
  } else {
    order = sortPermutation(keys, sort_keys, std::nullopt);
  }
  context_.checkDeadline();
  auto same = [&](size_t from, size_t to, uint32_t a, uint32_t b) {
    for (size_t c = from; c < to; ++c) {
      if (!sameValue(*keys.columns[c], a, b)) return false;
    }
    return true;
  };
  // Partition and peer-group bounds of every sorted position.
  std::vector<uint32_t> part_start(rows), part_end(rows), peer_start(rows), peer_end(rows);
  for (size_t i = 0; i < rows; ++i) {
    const bool new_partition = i == 0 || !same(0, partition_keys, order[i - 1], order[i]);
    const bool new_peers = new_partition || !same(partition_keys, keys.columns.size(), order[i - 1], order[i]);
    part_start[i] = new_partition ? static_cast<uint32_t>(i) : part_start[i - 1];
    peer_start[i] = new_peers ? static_cast<uint32_t>(i) : peer_start[i - 1];
  }
  for (size_t i = rows; i-- > 0;) {
    const bool last_of_partition = i + 1 == rows || part_start[i + 1] != part_start[i];
    const bool last_of_peers = last_of_partition || peer_start[i + 1] != peer_start[i];
    part_end[i] = last_of_partition ? static_cast<uint32_t>(i + 1) : part_end[i + 1];
    peer_end[i] = last_of_peers ? static_cast<uint32_t>(i + 1) : peer_end[i + 1];
  }
  using Kind = WindowFrameBound::Kind;
  const WindowFrame& frame = call.frame;
  const RangeKeys range(frame, call, keys, partition_keys, order);
  // The frame of sorted position i as [start, end) of sorted positions.
  auto frameOf = [&](size_t i, size_t& start, size_t& end) {
    const size_t ps = part_start[i], pe = part_end[i];
    switch (frame.start.kind) {
      case Kind::kUnboundedPreceding: start = ps; break;
      case Kind::kPreceding:
        if (!frame.rows) start = range.firstWithin(i, ps, pe, frame.start);
        else start = i - ps >= frame.start.offset ? i - frame.start.offset : ps;
        break;
      case Kind::kCurrentRow: start = frame.rows ? i : peer_start[i]; break;
      case Kind::kFollowing:
        if (!frame.rows) start = range.firstWithin(i, ps, pe, frame.start);
        else start = pe - i > frame.start.offset ? i + frame.start.offset : pe;
        break;
      case Kind::kUnboundedFollowing: start = pe; break;
    }
    switch (frame.end.kind) {
      case Kind::kUnboundedPreceding: end = ps; break;
      case Kind::kPreceding:
        if (!frame.rows) end = range.endWithin(i, ps, pe, frame.end);
        else end = i + 1 - ps >= frame.end.offset ? i + 1 - frame.end.offset : ps;
        break;
      case Kind::kCurrentRow: end = frame.rows ? i + 1 : peer_end[i]; break;
      case Kind::kFollowing:
        if (!frame.rows) end = range.endWithin(i, ps, pe, frame.end);
        else end = pe - i > frame.end.offset ? i + 1 + frame.end.offset : pe;
        break;
      case Kind::kUnboundedFollowing: end = pe; break;
    }
    if (end < start) end = start;
  };

  std::vector<ColumnPtr> args;
  for (const auto& arg : call.args) args.push_back(evaluateColumn(*arg, batch));
  MutableColumnPtr sorted = makeEmptyColumn(call.result_type);
  sorted->reserve(rows);
  switch (call.kind) {
    case WindowFunctionKind::kRowNumber:
    case WindowFunctionKind::kRank:
    case WindowFunctionKind::kDenseRank: {
      auto& out = static_cast<ColumnVector<uint64_t>&>(*sorted).data();
      uint64_t dense = 0;
      for (size_t i = 0; i < rows; ++i) {
        if (i == part_start[i]) dense = 0;
        if (i == peer_start[i]) ++dense;
        if (call.kind == WindowFunctionKind::kRowNumber) out.push_back(i - part_start[i] + 1);
        else if (call.kind == WindowFunctionKind::kRank) out.push_back(peer_start[i] - part_start[i] + 1);
        else out.push_back(dense);
      }
      break;
    }
    case WindowFunctionKind::kNtile: {
      // Rows split in order into `buckets` buckets as equal as possible, the first ones larger.
      auto& out = static_cast<ColumnVector<uint64_t>&>(*sorted).data();
      const uint64_t buckets = call.offset;
      for (size_t i = 0; i < rows; ++i) {
        const uint64_t size = part_end[i] - part_start[i], position = i - part_start[i];
        const uint64_t small = size / buckets, large_buckets = size % buckets, large_rows = large_buckets * (small + 1);
        out.push_back(position < large_rows ? position / (small + 1) + 1 : large_buckets + (position - large_rows) / small + 1);
      }
      break;
    }
    case WindowFunctionKind::kLagInFrame:
    case WindowFunctionKind::kLeadInFrame: {
      const bool lag = call.kind == WindowFunctionKind::kLagInFrame;
      for (size_t i = 0; i < rows; ++i) {
        size_t start = 0, end = 0;
        frameOf(i, start, end);
        bool inside = false;
        size_t target = 0;
        if (lag && i >= call.offset) {
          target = i - call.offset;
          inside = target >= start && target < end;
        } else if (!lag && rows - i > call.offset) {
          target = i + call.offset;
          inside = target >= start && target < end;
        }
        if (inside) sorted->appendRange(*args[0], order[target], 1);
        else if (args.size() > 1) sorted->appendRange(*args[1], order[i], 1);
        else sorted->appendDefault();
      }
      break;
    }
    case WindowFunctionKind::kNthValue:
      for (size_t i = 0; i < rows; ++i) {
        size_t start = 0, end = 0;
        frameOf(i, start, end);
        if (end - start >= call.offset) sorted->appendRange(*args[0], order[start + call.offset - 1], 1);
        else sorted->appendDefault();
      }
      break;
    case WindowFunctionKind::kAggregate: {
      const AggregateFunction& function = *call.aggregate;
      AggregateStateHolder state(function);
      // The state holds the rows [state_start, state_end); a frame that starts at the same row
      // and ends no earlier only adds rows, any other frame starts over.
      size_t state_start = SIZE_MAX, state_end = 0;
      std::vector<ColumnPtr> gathered(args.size());
      for (size_t i = 0; i < rows; ++i) {
        if ((i & 4095) == 0) context_.checkDeadline();
        size_t start = 0, end = 0;
        frameOf(i, start, end);
        if (i == part_start[i] || start != state_start || end < state_end) {
          state.reset();
          state_start = start;
          state_end = start;
        }
        if (end > state_end) {
          const Selection selection(order.data() + state_end, end - state_end);
          for (size_t a = 0; a < args.size(); ++a) gathered[a] = args[a]->gather(selection);
          function.addBatchSingle(state.place(), gathered, end - state_end, nullptr);
          state_end = end;
        }
        function.insertResult(state.place(), *sorted);
      }
      break;
    }
  }
  // Back to the input's row order.
  std::vector<uint32_t> inverse(rows);
  for (size_t i = 0; i < rows; ++i) inverse[order[i]] = static_cast<uint32_t>(i);
  return sorted->gather(inverse);
}

}  // namespace perch
