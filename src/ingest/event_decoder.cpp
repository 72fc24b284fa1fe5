#include "ingest/event_decoder.h"

#include <simdjson.h>

#include <algorithm>

#include "common/error.h"
#include "ingest/value_converter.h"
#include "types/date_time.h"

namespace perch::ingest {

namespace {

constexpr size_t kMaxRawInError = 512;
// A thread's parser is kept between bodies unless a huge line grew it past this.
constexpr size_t kKeptParserCapacity = 1u << 20;

std::string_view trimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// Follows `path` from `root`. Returns false when a step is missing.
bool navigate(simdjson::dom::element root, const std::vector<PathStep>& path, simdjson::dom::element& out) {
  simdjson::dom::element current = root;
  for (const auto& step : path) {
    if (step.kind == PathStep::Kind::kAll) break;  // `[:]` takes the array as it is
    if (step.kind == PathStep::Kind::kKey) {
      if (current.type() != simdjson::dom::element_type::OBJECT) return false;
      auto field = current.get_object().value_unsafe()[step.key];
      if (field.error()) return false;
      current = field.value_unsafe();
    } else {
      if (current.type() != simdjson::dom::element_type::ARRAY) return false;
      auto item = current.get_array().value_unsafe().at(step.index);
      if (item.error()) return false;
      current = item.value_unsafe();
    }
  }
  out = current;
  return true;
}

std::string constantDefault(const ColumnDefault& value, int64_t now_seconds, const DataType& type) {
  switch (value.kind) {
    case ColumnDefault::Kind::kConstant: return value.constant;
    case ColumnDefault::Kind::kNow: {
      std::string text;
      formatDateTime(now_seconds, text);
      return text;
    }
    case ColumnDefault::Kind::kToday: {
      std::string text;
      formatDate(floorDiv(now_seconds, 86400), text);
      return text;
    }
    case ColumnDefault::Kind::kZero: break;
  }
  (void)type;
  return {};
}

}  // namespace

std::vector<PathStep> parseJsonPath(std::string_view path) {
  auto fail = [&]() -> std::vector<PathStep> {
    throw Error(ErrorCode::kBadRequest, "invalid jsonpath '" + std::string(path) + "'");
  };
  if (path.empty() || path[0] != '$') return fail();
  std::vector<PathStep> steps;
  size_t pos = 1;
  while (pos < path.size()) {
    if (path[pos] == '.') {
      const size_t start = ++pos;
      while (pos < path.size() && path[pos] != '.' && path[pos] != '[') ++pos;
      if (pos == start) return fail();
      steps.push_back({PathStep::Kind::kKey, std::string(path.substr(start, pos - start))});
    } else if (path[pos] == '[') {
      const size_t close = path.find(']', pos);
      if (close == std::string_view::npos) return fail();
      const std::string_view inside = path.substr(pos + 1, close - pos - 1);
      if (inside == ":") {
        steps.push_back({PathStep::Kind::kAll, {}});
      } else {
        size_t index = 0;
        if (inside.empty() || inside.find_first_not_of("0123456789") != std::string_view::npos) return fail();
        for (char c : inside) index = index * 10 + static_cast<size_t>(c - '0');
        steps.push_back({PathStep::Kind::kIndex, {}, index});
      }
      pos = close + 1;
    } else {
      return fail();
    }
  }
  return steps;
}

ColumnDefault parseDefault(std::string_view expression, const DataType& type) {
  std::string_view text = trimSpaces(expression);
  auto unsupported = [&]() -> ColumnDefault {
    throw Error(ErrorCode::kBadRequest, "unsupported DEFAULT expression '" + std::string(expression) + "'");
  };
  // Unwrap one conversion call around a literal: toDateTime('...'), toDate('...'), toDateTime64(0, 3).
  for (std::string_view wrapper : {"toDateTime64(", "toDateTime(", "toDate(", "toString(", "toInt64(", "toUInt64("}) {
    if (text.substr(0, wrapper.size()) == wrapper && text.back() == ')') {
      text = trimSpaces(text.substr(wrapper.size(), text.size() - wrapper.size() - 1));
      if (wrapper == "toDateTime64(") text = trimSpaces(text.substr(0, text.find(',')));
      break;
    }
  }
  ColumnDefault result;
  if (text == "now()" || text.substr(0, 6) == "now64(") {
    result.kind = ColumnDefault::Kind::kNow;
  } else if (text == "today()") {
    result.kind = ColumnDefault::Kind::kToday;
  } else if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'') {
    result.kind = ColumnDefault::Kind::kConstant;
    std::string value;
    for (size_t i = 1; i + 1 < text.size(); ++i) {
      if (text[i] == '\\' && i + 2 < text.size()) ++i;
      value.push_back(text[i]);
    }
    result.constant = std::move(value);
  } else if (!text.empty() && text.find_first_not_of("0123456789.-+eE") == std::string_view::npos) {
    result.kind = ColumnDefault::Kind::kConstant;
    result.constant = std::string(text);
    if (type.id() == TypeId::kDateTime || type.id() == TypeId::kDate) {
      if (text == "0") {
        result.constant = type.id() == TypeId::kDate ? "1970-01-01" : "1970-01-01 00:00:00";
      }
    }
  } else if (text == "[]" && type.isArray()) {
    result.kind = ColumnDefault::Kind::kZero;
  } else if (text == "NULL" || text == "null") {
    if (!type.isNullable()) unsupported();
    result.kind = ColumnDefault::Kind::kZero;
  } else {
    return unsupported();
  }
  if (result.kind == ColumnDefault::Kind::kConstant) {
    const DataType target = type.isNullable() ? type.nested() : type;
    auto probe = makeColumn(target);
    std::string error;
    if (!appendText(*probe, target, result.constant, error)) {
      throw Error(ErrorCode::kBadRequest, "DEFAULT " + std::string(expression) + " does not fit " + type.name() + ": " + error);
    }
  }
  return result;
}

TableSchema quarantineSchema(const TableSchema& schema) {
  TableSchema result;
  const DataType nullable_string = DataType::nullable(DataType(TypeId::kString));
  for (const auto& column : schema.columns) result.columns.push_back({column.name, nullable_string});
  result.columns.push_back({"c__error_column", DataType::array(DataType(TypeId::kString))});
  result.columns.push_back({"c__error", DataType::array(DataType(TypeId::kString))});
  result.columns.push_back({"c__import_id", nullable_string});
  result.columns.push_back({"insertion_date", DataType(TypeId::kDateTime)});
  return result;
}

EventDecoder::EventDecoder(std::vector<IngestColumn> columns) : columns_(std::move(columns)) {
  for (size_t i = 0; i < columns_.size(); ++i) {
    const auto& column = columns_[i];
    paths_.push_back(parseJsonPath(column.json_path));
    writers_.emplace_back(column.type);
    schema_.columns.push_back({column.name, column.type});
    const auto& path = paths_.back();
    top_level_.push_back(path.size() == 1 && path[0].kind == PathStep::Kind::kKey);
    next_same_key_.push_back(kNoColumn);
  }
  quarantine_schema_ = quarantineSchema(schema_);
  // Chain the columns that read the same key, in column order, behind one index entry.
  for (size_t i = columns_.size(); i-- > 0;) {
    if (!top_level_[i]) continue;
    const std::string& key = paths_[i][0].key;
    auto same = std::find_if(key_index_.begin(), key_index_.end(), [&](const KeyEntry& entry) { return entry.key == key; });
    if (same == key_index_.end()) {
      key_index_.push_back({key, i});
    } else {
      next_same_key_[i] = same->column;
      same->column = i;
    }
  }
  std::sort(key_index_.begin(), key_index_.end(), [](const KeyEntry& a, const KeyEntry& b) { return a.key < b.key; });
}

size_t EventDecoder::columnForKey(std::string_view key) const {
  auto it = std::lower_bound(key_index_.begin(), key_index_.end(), key,
                             [](const KeyEntry& entry, std::string_view wanted) { return entry.key < wanted; });
  return it != key_index_.end() && it->key == key ? it->column : kNoColumn;
}

DecodeResult EventDecoder::decode(std::string_view body, int64_t now_seconds, std::string_view import_id) const {
  const size_t column_count = columns_.size();
  const size_t expected_rows = static_cast<size_t>(std::count(body.begin(), body.end(), '\n')) + 1;
  std::vector<MutableColumnPtr> rows;
  std::vector<MutableColumnPtr> quarantine;
  for (const auto& column : schema_.columns) {
    rows.push_back(makeColumn(column.type));
    rows.back()->reserve(expected_rows);
  }
  for (const auto& column : quarantine_schema_.columns) quarantine.push_back(makeColumn(column.type));

  // Constant defaults are converted once per body.
  std::vector<std::string> defaults(column_count);
  for (size_t i = 0; i < column_count; ++i) {
    defaults[i] = constantDefault(columns_[i].default_value, now_seconds, columns_[i].type);
  }

  DecodeResult result;
  // One parser per thread, kept across bodies: its buffers are sized by the longest line seen.
  thread_local simdjson::dom::parser parser;
  std::vector<std::string> error_columns;
  std::vector<std::string> errors;
  std::string error;
  std::vector<simdjson::dom::element> values(column_count);
  std::vector<uint8_t> found(column_count);
  std::vector<size_t> column_at_field;  // the column the n-th field of the previous row belonged to

  auto quarantine_row = [&](const simdjson::dom::element* root) {
    for (size_t i = 0; i < column_count; ++i) {
      auto& target = static_cast<ColumnNullable&>(*quarantine[i]);
      simdjson::dom::element value;
      if (root && navigate(*root, paths_[i], value) && value.type() != simdjson::dom::element_type::NULL_VALUE) {
        auto& strings = static_cast<ColumnString&>(target.nested());
        if (value.type() == simdjson::dom::element_type::STRING) {
          strings.push(value.get_string().value_unsafe());
        } else {
          strings.push(simdjson::minify(value));  // a temporary std::string: push copies it now
        }
        target.nullMap().push_back(0);
      } else {
        target.appendNull();
      }
    }
    auto push_strings = [](Column& column, const std::vector<std::string>& values) {
      auto& array = static_cast<ColumnArray&>(column);
      for (const auto& value : values) static_cast<ColumnString&>(array.elements()).push(value);
      array.finishRow();
    };
    push_strings(*quarantine[column_count], error_columns);
    push_strings(*quarantine[column_count + 1], errors);
    auto& import = static_cast<ColumnNullable&>(*quarantine[column_count + 2]);
    static_cast<ColumnString&>(import.nested()).push(import_id);
    import.nullMap().push_back(0);
    static_cast<ColumnVector<uint32_t>&>(*quarantine[column_count + 3]).data().push_back(static_cast<uint32_t>(now_seconds));
    ++result.quarantined_rows;
  };

  // Finds every column's value in `object`: one walk over its fields for the `$.key` columns (the
  // first occurrence of a key wins, as with a lookup), then the deeper paths.
  auto locate_values = [&](simdjson::dom::element root) {
    std::fill(found.begin(), found.end(), 0);
    simdjson::dom::object object;
    if (root.get_object().get(object)) return;  // not reached: decode() only passes objects
    size_t field = 0;
    for (const auto [key, value] : object) {
      size_t column = field < column_at_field.size() ? column_at_field[field] : kNoColumn;
      if (column == kNoColumn || paths_[column][0].key != key) column = columnForKey(key);
      if (field < column_at_field.size()) {
        column_at_field[field] = column;
      } else {
        column_at_field.push_back(column);
      }
      ++field;
      for (; column != kNoColumn; column = next_same_key_[column]) {
        if (found[column]) break;  // a repeated key: the first one counts
        found[column] = 1;
        values[column] = value;
      }
    }
    for (size_t i = 0; i < column_count; ++i) {
      if (!top_level_[i]) found[i] = navigate(root, paths_[i], values[i]);
    }
  };

  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view line = trimSpaces(body.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;

    error_columns.clear();
    errors.clear();
    simdjson::dom::element root;
    auto parsed = parser.parse(line.data(), line.size(), true);
    if (parsed.error() || parsed.value_unsafe().type() != simdjson::dom::element_type::OBJECT) {
      std::string message = parsed.error() ? std::string("invalid JSON: ") + simdjson::error_message(parsed.error())
                                           : std::string("expected a JSON object");
      message += " in line: " + std::string(line.substr(0, kMaxRawInError));
      errors.push_back(std::move(message));
      quarantine_row(nullptr);
      continue;
    }
    root = parsed.value_unsafe();
    locate_values(root);

    const size_t row = result.successful_rows;
    for (size_t i = 0; i < column_count; ++i) {
      const IngestColumn& column = columns_[i];
      Column& target = *rows[i];
      const simdjson::dom::element value = values[i];
      const bool use_default =
          !found[i] || (value.type() == simdjson::dom::element_type::NULL_VALUE && column.has_default && !column.type.isNullable());
      bool ok;
      if (use_default) {
        if (columns_[i].default_value.kind == ColumnDefault::Kind::kZero) {
          target.appendDefault();
          ok = true;
        } else {
          ok = appendText(target, column.type, defaults[i], error);
        }
      } else {
        ok = writers_[i].append(target, value, error);
      }
      if (!ok) {
        error_columns.push_back(column.name);
        errors.push_back(column.name + ": " + error);
      }
    }
    if (!errors.empty()) {
      for (auto& column : rows) column->truncate(row);
      quarantine_row(&root);
      continue;
    }
    ++result.successful_rows;
  }

  if (parser.capacity() > kKeptParserCapacity) parser = simdjson::dom::parser();

  result.rows.rows = result.successful_rows;
  for (auto& column : rows) result.rows.columns.push_back(std::move(column));
  result.quarantine.rows = result.quarantined_rows;
  for (auto& column : quarantine) result.quarantine.columns.push_back(std::move(column));
  return result;
}

}  // namespace perch::ingest
