#include "types/data_type.h"

#include <array>
#include <cctype>
#include <utility>

#include "common/error.h"
#include "types/time_zone.h"

namespace perch {

namespace {

struct NamedType {
  std::string_view name;
  TypeId id;
};

constexpr std::array<NamedType, 15> kScalarTypes = {{
    {"Int8", TypeId::kInt8},       {"Int16", TypeId::kInt16},     {"Int32", TypeId::kInt32},
    {"Int64", TypeId::kInt64},     {"UInt8", TypeId::kUInt8},     {"UInt16", TypeId::kUInt16},
    {"UInt32", TypeId::kUInt32},   {"UInt64", TypeId::kUInt64},   {"Float32", TypeId::kFloat32},
    {"Float64", TypeId::kFloat64}, {"Bool", TypeId::kBool},       {"String", TypeId::kString},
    {"Date", TypeId::kDate},       {"DateTime", TypeId::kDateTime}, {"UUID", TypeId::kUUID},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// If `text` is `Wrapper(inner)`, returns inner; otherwise an empty optional-like pair.
std::pair<bool, std::string_view> unwrap(std::string_view text, std::string_view wrapper) {
  if (text.size() > wrapper.size() + 2 && text.substr(0, wrapper.size()) == wrapper &&
      text[wrapper.size()] == '(' && text.back() == ')') {
    return {true, trim(text.substr(wrapper.size() + 1, text.size() - wrapper.size() - 2))};
  }
  return {false, {}};
}

// Splits `text` at the commas that are outside parentheses and quotes, trimming each piece.
std::vector<std::string_view> splitArguments(std::string_view text) {
  std::vector<std::string_view> pieces;
  int depth = 0;
  char quote = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"' || c == '`') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      pieces.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  pieces.push_back(trim(text.substr(start)));
  return pieces;
}

bool isIdentifier(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text.front()))) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

[[noreturn]] void throwBadType(std::string_view text, std::string_view why) {
  throw Error(ErrorCode::kBadRequest, "unsupported data type '" + std::string(text) + "': " + std::string(why));
}

// AggregateFunction(name[(parameters)], T1, ...): the function with its parameters, then the
// argument types. Parameters are kept as text, re-joined with ", " as ClickHouse prints them.
DataType parseAggregateFunction(std::string_view text, std::string_view inner) {
  const std::vector<std::string_view> pieces = splitArguments(inner);
  std::string_view function = pieces[0];
  std::string parameters;
  if (const size_t open = function.find('('); open != std::string_view::npos) {
    if (function.back() != ')') throwBadType(text, "malformed aggregate function parameters");
    for (std::string_view parameter : splitArguments(function.substr(open + 1, function.size() - open - 2))) {
      if (parameter.empty()) throwBadType(text, "empty aggregate function parameter");
      if (!parameters.empty()) parameters.append(", ");
      parameters.append(parameter);
    }
    function = trim(function.substr(0, open));
  }
  if (!isIdentifier(function)) throwBadType(text, "expected an aggregate function name");
  std::vector<DataType> arguments;
  for (size_t i = 1; i < pieces.size(); ++i) arguments.push_back(DataType::parse(pieces[i]));
  return DataType::aggregateFunction(std::string(function), std::move(parameters), std::move(arguments));
}

// 'Europe/Madrid' (or "Europe/Madrid") without its quotes; throws when not quoted.
std::string_view unquote(std::string_view text, std::string_view whole) {
  if (text.size() < 2 || (text.front() != '\'' && text.front() != '"') || text.back() != text.front()) {
    throwBadType(whole, "expected a quoted time zone name");
  }
  return text.substr(1, text.size() - 2);
}

DataType parseDateTime64(std::string_view text, std::string_view inner) {
  const std::vector<std::string_view> pieces = splitArguments(inner);
  if (pieces.size() > 2 || pieces[0].size() != 1 || pieces[0][0] < '0' || pieces[0][0] > '9') {
    throwBadType(text, "expected DateTime64(precision[, 'zone']) with a precision from 0 to 9");
  }
  return DataType::dateTime64(static_cast<unsigned>(pieces[0][0] - '0'), pieces.size() == 2 ? unquote(pieces[1], text) : "");
}

// The element "name Type" of a named tuple: the name and the type text, or an empty name.
std::pair<std::string_view, std::string_view> splitTupleElement(std::string_view element) {
  int depth = 0;
  for (size_t i = 0; i < element.size(); ++i) {
    if (element[i] == '(') ++depth;
    if (element[i] == ')') --depth;
    if (depth == 0 && (element[i] == ' ' || element[i] == '\t')) {
      const std::string_view name = element.substr(0, i);
      if (isIdentifier(name)) return {name, trim(element.substr(i + 1))};
      break;
    }
  }
  return {{}, element};
}

DataType parseTuple(std::string_view text, std::string_view inner) {
  std::vector<DataType> elements;
  std::vector<std::string> names;
  for (std::string_view piece : splitArguments(inner)) {
    if (piece.empty()) throwBadType(text, "empty tuple element");
    const auto [name, type_text] = splitTupleElement(piece);
    if (!name.empty()) names.emplace_back(name);
    elements.push_back(DataType::parse(type_text));
  }
  if (!names.empty() && names.size() != elements.size()) throwBadType(text, "either every tuple element has a name or none");
  return DataType::tuple(std::move(elements), std::move(names));
}

unsigned parseSmallNumber(std::string_view text, std::string_view whole, std::string_view expected) {
  unsigned value = 0;
  if (text.empty() || text.size() > 3) throwBadType(whole, expected);
  for (char c : text) {
    if (c < '0' || c > '9') throwBadType(whole, expected);
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

// Decimal(P, S) / Decimal(P) (scale 0), and Decimal32(S) / Decimal64(S) / Decimal128(S), which are
// Decimal(9, S), Decimal(18, S) and Decimal(38, S).
DataType parseDecimal(std::string_view text, std::string_view inner, unsigned fixed_precision) {
  const std::vector<std::string_view> pieces = splitArguments(inner);
  if (fixed_precision) {
    if (pieces.size() != 1) throwBadType(text, "expected one argument, the scale");
    return DataType::decimal(fixed_precision, parseSmallNumber(pieces[0], text, "expected a number as the scale"));
  }
  if (pieces.size() > 2) throwBadType(text, "expected Decimal(precision, scale)");
  const unsigned precision = parseSmallNumber(pieces[0], text, "expected a number as the precision");
  return DataType::decimal(precision, pieces.size() == 2 ? parseSmallNumber(pieces[1], text, "expected a number as the scale") : 0);
}

DataType parseSimpleAggregateFunction(std::string_view text, std::string_view inner) {
  const std::vector<std::string_view> pieces = splitArguments(inner);
  if (pieces.size() != 2 || !isIdentifier(pieces[0])) {
    throwBadType(text, "expected SimpleAggregateFunction(function, type)");
  }
  return DataType::simpleAggregateFunction(std::string(pieces[0]), DataType::parse(pieces[1]));
}

}  // namespace

DataType DataType::aggregateFunction(std::string function, std::string parameters, std::vector<DataType> arguments) {
  DataType type(TypeId::kAggregateFunction);
  type.details_ = std::make_shared<const Details>(
      Details{.function = std::move(function), .parameters = std::move(parameters), .arguments = std::move(arguments)});
  return type;
}

DataType DataType::simpleAggregateFunction(std::string function, const DataType& type) {
  DataType result = type;
  Details details = type.details_ ? *type.details_ : Details{};
  details.function = std::move(function);
  details.simple_aggregate = true;
  result.details_ = std::make_shared<const Details>(std::move(details));
  return result;
}

const std::string& DataType::aggregateFunctionName() const {
  static const std::string kEmpty;
  return details_ ? details_->function : kEmpty;
}

const std::string& DataType::aggregateFunctionParameters() const {
  static const std::string kEmpty;
  return details_ ? details_->parameters : kEmpty;
}

const std::vector<DataType>& DataType::aggregateFunctionArguments() const {
  static const std::vector<DataType> kEmpty;
  return details_ ? details_->arguments : kEmpty;
}

bool DataType::isSimpleAggregateFunction() const { return details_ && details_->simple_aggregate; }

DataType DataType::dateTime(std::string_view zone) {
  return DataType(TypeId::kDateTime).withTimeZone(zone);
}

DataType DataType::dateTime64(unsigned precision, std::string_view zone) {
  if (precision > 9) throw Error(ErrorCode::kBadRequest, "DateTime64 precision " + std::to_string(precision) + " is out of bounds (0 to 9)");
  DataType type = DataType(TypeId::kDateTime64).withTimeZone(zone);
  Details details = *type.details_;
  details.precision = precision;
  type.details_ = std::make_shared<const Details>(std::move(details));
  return type;
}

DataType DataType::decimal(unsigned precision, unsigned scale) {
  if (precision < 1 || precision > 38) {
    throw Error(ErrorCode::kBadRequest, "Decimal precision " + std::to_string(precision) + " is out of bounds (1 to 38)");
  }
  if (scale > precision) {
    throw Error(ErrorCode::kBadRequest, "Decimal scale " + std::to_string(scale) + " is out of bounds (0 to the precision " +
                                            std::to_string(precision) + ")");
  }
  DataType type(TypeId::kDecimal);
  type.details_ = std::make_shared<const Details>(Details{.decimal_precision = precision, .scale = scale});
  return type;
}

unsigned DataType::decimalPrecision() const { return details_ ? details_->decimal_precision : 0; }

unsigned DataType::scale() const { return details_ ? details_->scale : 0; }

DataType DataType::tuple(std::vector<DataType> elements, std::vector<std::string> names) {
  if (elements.empty()) throw Error(ErrorCode::kBadRequest, "a Tuple needs at least one element");
  DataType type(TypeId::kTuple);
  type.details_ = std::make_shared<const Details>(Details{.elements = std::move(elements), .names = std::move(names)});
  return type;
}

DataType DataType::withTimeZone(std::string_view zone) const {
  DataType type = *this;
  Details details = details_ ? *details_ : Details{};
  details.zone_name = std::string(zone);
  details.zone = zone.empty() ? nullptr : TimeZone::get(zone);
  type.details_ = std::make_shared<const Details>(std::move(details));
  return type;
}

const std::string& DataType::timeZoneName() const {
  static const std::string kEmpty;
  return details_ ? details_->zone_name : kEmpty;
}

const TimeZone& DataType::timeZone() const {
  return details_ && details_->zone ? *details_->zone : TimeZone::utc();
}

unsigned DataType::precision() const { return details_ ? details_->precision : 0; }

const std::vector<DataType>& DataType::tupleElements() const {
  static const std::vector<DataType> kEmpty;
  return details_ ? details_->elements : kEmpty;
}

const std::vector<std::string>& DataType::tupleNames() const {
  static const std::vector<std::string> kEmpty;
  return details_ ? details_->names : kEmpty;
}

DataType DataType::nullable(const DataType& nested) {
  DataType type(TypeId::kNullable);
  type.nested_ = std::make_shared<const DataType>(nested);
  return type;
}

DataType DataType::array(const DataType& element) {
  DataType type(TypeId::kArray);
  type.nested_ = std::make_shared<const DataType>(element);
  return type;
}

DataType DataType::parse(std::string_view text) {
  text = trim(text);
  if (auto [ok, inner] = unwrap(text, "LowCardinality"); ok) {
    DataType nested = parse(inner);
    if (nested.isNullable()) {
      DataType result = DataType::nullable(DataType(nested.nested().id(), true));
      return result;
    }
    if (nested.id() != TypeId::kString) {
      throw Error(ErrorCode::kBadRequest, "LowCardinality is supported for String only, got '" + std::string(text) + "'");
    }
    return DataType(nested.id(), true);
  }
  if (auto [ok, inner] = unwrap(text, "Nullable"); ok) return nullable(parse(inner));
  if (auto [ok, inner] = unwrap(text, "Array"); ok) return array(parse(inner));
  if (auto [ok, inner] = unwrap(text, "AggregateFunction"); ok) return parseAggregateFunction(text, inner);
  if (auto [ok, inner] = unwrap(text, "SimpleAggregateFunction"); ok) return parseSimpleAggregateFunction(text, inner);
  if (auto [ok, inner] = unwrap(text, "DateTime"); ok) return dateTime(unquote(inner, text));
  if (auto [ok, inner] = unwrap(text, "DateTime64"); ok) return parseDateTime64(text, inner);
  if (auto [ok, inner] = unwrap(text, "Tuple"); ok) return parseTuple(text, inner);
  if (auto [ok, inner] = unwrap(text, "Decimal"); ok) return parseDecimal(text, inner, 0);
  if (auto [ok, inner] = unwrap(text, "Decimal32"); ok) return parseDecimal(text, inner, 9);
  if (auto [ok, inner] = unwrap(text, "Decimal64"); ok) return parseDecimal(text, inner, 18);
  if (auto [ok, inner] = unwrap(text, "Decimal128"); ok) return parseDecimal(text, inner, 38);
  if (text == "Boolean") return DataType(TypeId::kBool);
  for (const auto& named : kScalarTypes) {
    if (named.name == text) return DataType(named.id);
  }
  throw Error(ErrorCode::kBadRequest, "unknown or unsupported data type '" + std::string(text) + "'");
}

size_t DataType::fixedWidth() const {
  switch (id_) {
    case TypeId::kInt8: case TypeId::kUInt8: case TypeId::kBool: return 1;
    case TypeId::kInt16: case TypeId::kUInt16: case TypeId::kDate: return 2;
    case TypeId::kInt32: case TypeId::kUInt32: case TypeId::kFloat32: case TypeId::kDateTime: return 4;
    case TypeId::kInt64: case TypeId::kUInt64: case TypeId::kFloat64: case TypeId::kDateTime64: return 8;
    case TypeId::kDecimal: return decimalPrecision() <= 9 ? 4 : decimalPrecision() <= 18 ? 8 : 16;
    default: return 0;
  }
}

std::string DataType::name() const {
  if (isSimpleAggregateFunction()) return "SimpleAggregateFunction(" + details_->function + ", " + plainName() + ")";
  return plainName();
}

std::string DataType::plainName() const {
  switch (id_) {
    case TypeId::kNullable: return "Nullable(" + nested_->name() + ")";
    case TypeId::kArray: return "Array(" + nested_->name() + ")";
    case TypeId::kNothing: return "Nothing";
    case TypeId::kAggregateFunction: {
      std::string text = "AggregateFunction(" + details_->function;
      if (!details_->parameters.empty()) text.append("(").append(details_->parameters).append(")");
      for (const DataType& argument : details_->arguments) text.append(", ").append(argument.name());
      return text + ")";
    }
    case TypeId::kDateTime:
      return timeZoneName().empty() ? "DateTime" : "DateTime('" + timeZoneName() + "')";
    case TypeId::kDateTime64:
      return "DateTime64(" + std::to_string(precision()) + (timeZoneName().empty() ? "" : ", '" + timeZoneName() + "'") + ")";
    case TypeId::kDecimal:
      return "Decimal(" + std::to_string(decimalPrecision()) + ", " + std::to_string(scale()) + ")";
    case TypeId::kTuple: {
      std::string text = "Tuple(";
      for (size_t i = 0; i < details_->elements.size(); ++i) {
        if (i) text.append(", ");
        if (!details_->names.empty()) text.append(details_->names[i]).append(" ");
        text.append(details_->elements[i].name());
      }
      return text + ")";
    }
    default: break;
  }
  for (const auto& named : kScalarTypes) {
    if (named.id == id_) {
      return low_cardinality_ ? "LowCardinality(" + std::string(named.name) + ")" : std::string(named.name);
    }
  }
  return "Unknown";
}

bool DataType::operator==(const DataType& other) const {
  if (id_ != other.id_ || low_cardinality_ != other.low_cardinality_) return false;
  if (id_ == TypeId::kAggregateFunction) {
    return details_->function == other.details_->function && details_->parameters == other.details_->parameters &&
           details_->arguments == other.details_->arguments;
  }
  if (id_ == TypeId::kDateTime || id_ == TypeId::kDateTime64) {
    return timeZoneName() == other.timeZoneName() && precision() == other.precision();
  }
  if (id_ == TypeId::kDecimal) return decimalPrecision() == other.decimalPrecision() && scale() == other.scale();
  if (id_ == TypeId::kTuple) return details_->elements == other.details_->elements && details_->names == other.details_->names;
  if (nested_ && other.nested_) return *nested_ == *other.nested_;
  return !nested_ && !other.nested_;
}

}  // namespace perch
