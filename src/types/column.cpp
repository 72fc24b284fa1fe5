#include "types/column.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "common/error.h"
#include "types/date_time.h"
#include "types/decimal.h"
#include "types/escaping.h"

namespace perch {

namespace {

template <typename T>
void appendNumber(T value, std::string& out) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

// Floats as ClickHouse prints them: the shortest digits that round-trip, in plain decimal notation
// for decimal exponents in [-6, 21) and as `<digits>e<exp>` otherwise (`10000000000`, `1e-7`, `1e21`).
template <typename T>
void appendFloat(T value, std::string& out) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<size_t>(result.ptr - buffer));
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  const size_t e = text.find('e');
  std::string digits(text.substr(0, e));
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  int exponent = std::atoi(std::string(text.substr(e + 1)).c_str());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (negative) out.push_back('-');
  if (exponent < -6 || exponent >= 21) {
    out.push_back(digits[0]);
    if (digits.size() > 1) out.append(".").append(digits, 1, std::string::npos);
    out.append("e").append(std::to_string(exponent));
    return;
  }
  if (exponent < 0) {
    out.append("0.").append(static_cast<size_t>(-exponent - 1), '0').append(digits);
    return;
  }
  const size_t integer_digits = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= integer_digits) {
    out.append(digits).append(integer_digits - digits.size(), '0');
  } else {
    out.append(digits, 0, integer_digits).append(".").append(digits, integer_digits, std::string::npos);
  }
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  size_t length;
  uint32_t code;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) { length = 2; code = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { length = 3; code = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { length = 4; code = c & 0x07; }
  else return 0;
  if (i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  if ((length == 2 && code < 0x80) || (length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
      (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) {
    return 0;
  }
  return length;
}

}  // namespace

void appendJsonString(std::string_view value, std::string& out) {
  out.push_back('"');
  for (size_t i = 0; i < value.size();) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80) {
      const size_t length = utf8SequenceLength(value, i);
      if (length == 0) {
        out.append("\xEF\xBF\xBD");  // U+FFFD
        ++i;
      } else {
        out.append(value.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out.append(buffer);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

// ---- ColumnVector -------------------------------------------------------------------------

template <typename T>
MutableColumnPtr ColumnVector<T>::gather(Selection indices) const {
  auto result = std::make_shared<ColumnVector<T>>(type());
  auto& out = result->data_;
  out.resize(indices.size());
  const T* in = data_.data();
  for (size_t i = 0; i < indices.size(); ++i) out[i] = in[indices[i]];
  return result;
}

template <typename T>
void ColumnVector<T>::appendRange(const Column& source, size_t start, size_t count) {
  const auto& in = static_cast<const ColumnVector<T>&>(source).data_;
  data_.insert(data_.end(), in.begin() + static_cast<ptrdiff_t>(start),
               in.begin() + static_cast<ptrdiff_t>(start + count));
}

template <typename T>
void ColumnVector<T>::formatText(size_t row, std::string& out) const {
  const T value = data_[row];
  switch (type().id()) {
    case TypeId::kDate: formatDate(static_cast<int64_t>(value), out); return;
    case TypeId::kDateTime: {
      const auto seconds = static_cast<int64_t>(value);
      formatDateTime(seconds + type().timeZone().offsetAt(seconds), out);
      return;
    }
    case TypeId::kDateTime64:
      formatDateTime64(static_cast<int64_t>(value), type().precision(), type().timeZone(), out);
      return;
    case TypeId::kBool: out.append(value ? "true" : "false"); return;
    case TypeId::kDecimal:
      if constexpr (std::is_integral_v<T>) formatDecimal(value, type().scale(), out);
      return;
    default: break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(value)) { out.append("nan"); return; }
    if (std::isinf(value)) { out.append(value > 0 ? "inf" : "-inf"); return; }
    appendFloat(value, out);
  } else if constexpr (sizeof(T) == 1) {
    appendNumber(static_cast<int>(value), out);
  } else {
    appendNumber(value, out);
  }
}

template <typename T>
void ColumnVector<T>::formatJson(size_t row, std::string& out, const FormatOptions& options) const {
  const TypeId id = type().id();
  if (id == TypeId::kDate || id == TypeId::kDateTime || id == TypeId::kDateTime64) {
    out.push_back('"');
    formatText(row, out);
    out.push_back('"');
    return;
  }
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(data_[row])) { out.append("null"); return; }
  }
  // Decimals are bare JSON numbers at every width (1.50), as ClickHouse writes them.
  const bool quote = options.quote_64bit_integers && sizeof(T) == 8 && std::is_integral_v<T> && id != TypeId::kDecimal;
  if (quote) out.push_back('"');
  formatText(row, out);
  if (quote) out.push_back('"');
}

template class ColumnVector<int8_t>;
template class ColumnVector<int16_t>;
template class ColumnVector<int32_t>;
template class ColumnVector<int64_t>;
template class ColumnVector<uint8_t>;
template class ColumnVector<uint16_t>;
template class ColumnVector<uint32_t>;
template class ColumnVector<uint64_t>;
template class ColumnVector<float>;
template class ColumnVector<double>;

// ---- ColumnString -------------------------------------------------------------------------

MutableColumnPtr ColumnString::gather(Selection indices) const {
  auto result = std::make_shared<ColumnString>(type());
  result->offsets_.reserve(indices.size());
  for (uint32_t index : indices) result->push(at(index));
  return result;
}

ColumnString::ColumnString(DataType type, std::vector<uint64_t> offsets, std::string chars)
    : Column(std::move(type)), offsets_(std::move(offsets)), chars_(std::move(chars)) {
  if ((offsets_.empty() ? 0 : offsets_.back()) != chars_.size()) {
    throw std::logic_error("ColumnString: offsets do not end at the size of the character buffer");
  }
}

void ColumnString::appendRange(const Column& source, size_t start, size_t count) {
  const auto& in = static_cast<const ColumnString&>(source);
  if (count == 0) return;
  const uint64_t begin = start == 0 ? 0 : in.offsets_[start - 1];
  const uint64_t end = in.offsets_[start + count - 1];
  const uint64_t shift = chars_.size();
  chars_.append(in.chars_, begin, end - begin);
  for (size_t i = start; i < start + count; ++i) offsets_.push_back(in.offsets_[i] - begin + shift);
}

void ColumnString::truncate(size_t rows) {
  if (rows >= offsets_.size()) return;
  offsets_.resize(rows);
  chars_.resize(rows == 0 ? 0 : offsets_.back());
}

void ColumnString::formatJson(size_t row, std::string& out, const FormatOptions&) const {
  appendJsonString(at(row), out);
}

void ColumnString::formatText(size_t row, std::string& out) const { out.append(at(row)); }

// ---- ColumnNullable -----------------------------------------------------------------------

ColumnNullable::ColumnNullable(DataType type) : Column(type), nested_(makeColumn(type.nested())) {}

ColumnNullable::ColumnNullable(DataType type, MutableColumnPtr nested, std::vector<uint8_t> null_map)
    : Column(std::move(type)), nested_(std::move(nested)), null_map_(std::move(null_map)) {}

void ColumnNullable::appendNull() {
  nested_->appendDefault();
  null_map_.push_back(1);
}

MutableColumnPtr ColumnNullable::gather(Selection indices) const {
  std::vector<uint8_t> null_map(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) null_map[i] = null_map_[indices[i]];
  return std::make_shared<ColumnNullable>(type(), nested_->gather(indices), std::move(null_map));
}

void ColumnNullable::appendRange(const Column& source, size_t start, size_t count) {
  const auto& in = static_cast<const ColumnNullable&>(source);
  nested_->appendRange(*in.nested_, start, count);
  null_map_.insert(null_map_.end(), in.null_map_.begin() + static_cast<ptrdiff_t>(start),
                   in.null_map_.begin() + static_cast<ptrdiff_t>(start + count));
}

void ColumnNullable::reserve(size_t rows) {
  nested_->reserve(rows);
  null_map_.reserve(rows);
}

void ColumnNullable::truncate(size_t rows) {
  nested_->truncate(rows);
  null_map_.resize(std::min(rows, null_map_.size()));
}

void ColumnNullable::formatJson(size_t row, std::string& out, const FormatOptions& options) const {
  if (null_map_[row]) {
    out.append("null");
  } else {
    nested_->formatJson(row, out, options);
  }
}

void ColumnNullable::formatText(size_t row, std::string& out) const {
  if (null_map_[row]) {
    out.append("\\N");
  } else {
    nested_->formatText(row, out);
  }
}

// ---- ColumnArray --------------------------------------------------------------------------

ColumnArray::ColumnArray(DataType type) : Column(type), elements_(makeColumn(type.nested())) {}

MutableColumnPtr ColumnArray::gather(Selection indices) const {
  auto result = std::make_shared<ColumnArray>(type());
  for (uint32_t index : indices) {
    const uint64_t begin = index == 0 ? 0 : offsets_[index - 1];
    result->elements_->appendRange(*elements_, begin, offsets_[index] - begin);
    result->finishRow();
  }
  return result;
}

void ColumnArray::appendRange(const Column& source, size_t start, size_t count) {
  const auto& in = static_cast<const ColumnArray&>(source);
  for (size_t row = start; row < start + count; ++row) {
    const uint64_t begin = row == 0 ? 0 : in.offsets_[row - 1];
    elements_->appendRange(*in.elements_, begin, in.offsets_[row] - begin);
    finishRow();
  }
}

void ColumnArray::truncate(size_t rows) {
  if (rows >= offsets_.size()) return;
  offsets_.resize(rows);
  elements_->truncate(rows == 0 ? 0 : offsets_.back());
}

void ColumnArray::formatJson(size_t row, std::string& out, const FormatOptions& options) const {
  const uint64_t begin = row == 0 ? 0 : offsets_[row - 1];
  out.push_back('[');
  for (uint64_t i = begin; i < offsets_[row]; ++i) {
    if (i != begin) out.push_back(',');
    elements_->formatJson(i, out, options);
  }
  out.push_back(']');
}

void ColumnArray::formatText(size_t row, std::string& out) const {
  // ClickHouse's text form: ['a','b'] / [1,2] / ['a',NULL].
  const uint64_t begin = row == 0 ? 0 : offsets_[row - 1];
  out.push_back('[');
  for (uint64_t i = begin; i < offsets_[row]; ++i) {
    if (i != begin) out.push_back(',');
    formatNestedText(*elements_, i, out);
  }
  out.push_back(']');
}

void formatNestedText(const Column& column, size_t row, std::string& out) {
  if (column.isNullAt(row)) {
    out.append("NULL");
    return;
  }
  const DataType& type = column.type().isNullable() ? column.type().nested() : column.type();
  const bool quoted = type.isStringLike() || type.id() == TypeId::kDate || type.id() == TypeId::kDateTime ||
                      type.id() == TypeId::kDateTime64;
  if (!quoted) {
    column.formatText(row, out);
    return;
  }
  std::string value;
  column.formatText(row, value);
  out.push_back('\'');
  appendEscaped(value, out);
  out.push_back('\'');
}

// ---- ColumnTuple --------------------------------------------------------------------------

ColumnTuple::ColumnTuple(DataType type) : Column(type) {
  for (const DataType& element : type.tupleElements()) elements_.push_back(makeColumn(element));
}

ColumnTuple::ColumnTuple(DataType type, std::vector<MutableColumnPtr> elements)
    : Column(std::move(type)), elements_(std::move(elements)) {}

size_t ColumnTuple::byteSize() const {
  size_t total = 0;
  for (const auto& element : elements_) total += element->byteSize();
  return total;
}

MutableColumnPtr ColumnTuple::gather(Selection indices) const {
  std::vector<MutableColumnPtr> gathered;
  for (const auto& element : elements_) gathered.push_back(element->gather(indices));
  return std::make_shared<ColumnTuple>(type(), std::move(gathered));
}

void ColumnTuple::appendRange(const Column& source, size_t start, size_t count) {
  const auto& in = static_cast<const ColumnTuple&>(source);
  for (size_t i = 0; i < elements_.size(); ++i) elements_[i]->appendRange(*in.elements_[i], start, count);
}

void ColumnTuple::appendDefault() {
  for (const auto& element : elements_) element->appendDefault();
}

void ColumnTuple::reserve(size_t rows) {
  for (const auto& element : elements_) element->reserve(rows);
}

void ColumnTuple::truncate(size_t rows) {
  for (const auto& element : elements_) element->truncate(rows);
}

// An unnamed tuple is a JSON array, a named one an object (ClickHouse's
// output_format_json_named_tuples_as_objects, on by default).
void ColumnTuple::formatJson(size_t row, std::string& out, const FormatOptions& options) const {
  const std::vector<std::string>& names = type().tupleNames();
  out.push_back(names.empty() ? '[' : '{');
  for (size_t i = 0; i < elements_.size(); ++i) {
    if (i) out.push_back(',');
    if (!names.empty()) {
      appendJsonString(names[i], out);
      out.push_back(':');
    }
    elements_[i]->formatJson(row, out, options);
  }
  out.push_back(names.empty() ? ']' : '}');
}

void ColumnTuple::formatText(size_t row, std::string& out) const {
  // ClickHouse's text form: (1,'a',NULL).
  out.push_back('(');
  for (size_t i = 0; i < elements_.size(); ++i) {
    if (i) out.push_back(',');
    formatNestedText(*elements_[i], row, out);
  }
  out.push_back(')');
}

// ---- factory and Batch --------------------------------------------------------------------

void throwTupleUnsupported() {
  throwBadRequest("Tuple values are not supported here (only in expressions, IN and query results)");
}

MutableColumnPtr makeColumn(const DataType& type) {
  if (type.isTuple()) return std::make_shared<ColumnTuple>(type);
  return dispatchPhysical(type, [&](auto* tag) -> MutableColumnPtr {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    return std::make_shared<ColumnType>(type);
  });
}

size_t Batch::byteSize() const {
  size_t total = 0;
  for (const auto& column : columns) total += column->byteSize();
  return total;
}

}  // namespace perch
