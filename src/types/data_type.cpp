#include "types/data_type.h"

#include <array>
#include <utility>

#include "common/error.h"

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

}  // namespace

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
  // DateTime('UTC') is DateTime in UTC, the only zone this engine stores.
  if (auto [ok, inner] = unwrap(text, "DateTime"); ok) {
    if (inner == "'UTC'" || inner == "\"UTC\"") return DataType(TypeId::kDateTime);
    throw Error(ErrorCode::kBadRequest, "unsupported time zone in type '" + std::string(text) + "' (only UTC)");
  }
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
    case TypeId::kInt64: case TypeId::kUInt64: case TypeId::kFloat64: return 8;
    default: return 0;
  }
}

std::string DataType::name() const {
  switch (id_) {
    case TypeId::kNullable: return "Nullable(" + nested_->name() + ")";
    case TypeId::kArray: return "Array(" + nested_->name() + ")";
    case TypeId::kNothing: return "Nothing";
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
  if (nested_ && other.nested_) return *nested_ == *other.nested_;
  return !nested_ && !other.nested_;
}

}  // namespace perch
