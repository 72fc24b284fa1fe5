#include "exec/decimal_cast.h"

#include <cmath>
#include <limits>

#include "common/error.h"
#include "exec/kernel_loops.h"
#include "types/decimal.h"

namespace perch {

namespace {

[[noreturn]] void throwConvertOverflow() { throwBadRequest("Decimal convert overflow"); }

template <typename T>
T checkedNarrow(DecimalWide value) {
  if (value < static_cast<DecimalWide>(std::numeric_limits<T>::min()) ||
      value > static_cast<DecimalWide>(std::numeric_limits<T>::max())) {
    throwConvertOverflow();
  }
  return static_cast<T>(value);
}

// Calls fn(raw values, storage type tag) for the column's fixed-width storage.
template <typename Fn>
ColumnPtr withStorage(const DataType& type, Fn&& fn) {
  return dispatchFixed(type, [&](auto tag) -> ColumnPtr { return fn(tag); });
}

}  // namespace

ColumnPtr castToDecimal(const Column& in, const DataType& to) {
  const DataType& from = in.type();
  if (!from.isNumber() && !from.isDecimal() && from.id() != TypeId::kBool) {
    throwBadRequest("Conversion from " + from.name() + " to " + to.name() + " is not supported");
  }
  const unsigned scale = to.scale();
  return withStorage(to, [&](auto to_tag) -> ColumnPtr {
    using To = decltype(to_tag);
    return withStorage(from, [&](auto from_tag) -> ColumnPtr {
      using From = decltype(from_tag);
      const auto& data = asVector<From>(in).data();
      std::vector<To> out(data.size());
      for (size_t i = 0; i < data.size(); ++i) {
        if constexpr (std::is_floating_point_v<From>) {
          const double scaled = static_cast<double>(data[i]) * static_cast<double>(decimalPowerOfTen(scale));
          if (!std::isfinite(scaled) || std::fabs(scaled) >= 1e38) throwConvertOverflow();
          out[i] = checkedNarrow<To>(static_cast<DecimalWide>(scaled));
        } else if (from.isDecimal()) {
          const auto rescaled = rescaleDecimal(data[i], from.scale(), scale);
          if (!rescaled) throwConvertOverflow();
          out[i] = checkedNarrow<To>(*rescaled);
        } else {
          const auto rescaled = rescaleDecimal(static_cast<DecimalWide>(data[i]), 0, scale);
          if (!rescaled) throwConvertOverflow();
          out[i] = checkedNarrow<To>(*rescaled);
        }
      }
      return std::make_shared<ColumnVector<To>>(to, std::move(out));
    });
  });
}

ColumnPtr castFromDecimal(const Column& in, const DataType& to) {
  if (to.isDecimal()) return castToDecimal(in, to);
  if (!to.isNumber() && to.id() != TypeId::kBool) {
    throwBadRequest("Conversion from " + in.type().name() + " to " + to.name() + " is not supported");
  }
  const DecimalWide divisor = decimalPowerOfTen(in.type().scale());
  return withStorage(in.type(), [&](auto from_tag) -> ColumnPtr {
    using From = decltype(from_tag);
    return withStorage(to, [&](auto to_tag) -> ColumnPtr {
      using To = decltype(to_tag);
      const auto& data = asVector<From>(in).data();
      std::vector<To> out(data.size());
      for (size_t i = 0; i < data.size(); ++i) {
        if constexpr (std::is_floating_point_v<To>) {
          out[i] = static_cast<To>(static_cast<double>(data[i]) / static_cast<double>(divisor));
        } else if (to.id() == TypeId::kBool) {
          out[i] = data[i] != 0;
        } else {
          out[i] = checkedNarrow<To>(static_cast<DecimalWide>(data[i]) / divisor);
        }
      }
      return std::make_shared<ColumnVector<To>>(to, std::move(out));
    });
  });
}

ColumnPtr parseDecimalColumn(const ColumnString& in, const DataType& to, ParseFailure on_failure) {
  const size_t rows = in.size();
  std::vector<uint8_t> nulls;
  if (on_failure == ParseFailure::kNull) nulls.assign(rows, 0);
  ColumnPtr values = withStorage(to, [&](auto tag) -> ColumnPtr {
    using T = decltype(tag);
    std::vector<T> out(rows);
    for (size_t i = 0; i < rows; ++i) {
      const std::string_view text = in.at(i);
      DecimalWide raw = 0;
      DecimalParseError error = parseDecimal(text, to.scale(), raw, decimalStorageDigits(to));
      if (error == DecimalParseError::kNone && !decimalFits(raw, to)) error = DecimalParseError::kTooManyDigits;
      if (error == DecimalParseError::kNone) {
        out[i] = static_cast<T>(raw);
        continue;
      }
      if (on_failure == ParseFailure::kThrow) {
        throwBadRequest("Cannot parse string '" + std::string(text.substr(0, 100)) + "' as " + to.name() + ": " +
                        std::string(decimalParseMessage(error)));
      }
      if (on_failure == ParseFailure::kNull) nulls[i] = 1;
    }
    return std::make_shared<ColumnVector<T>>(to, std::move(out));
  });
  if (on_failure != ParseFailure::kNull) return values;
  return std::make_shared<ColumnNullable>(DataType::nullable(to), std::const_pointer_cast<Column>(values), std::move(nulls));
}

}  // namespace perch
