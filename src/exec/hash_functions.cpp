// Hash functions with ClickHouse's exact results: cityHash64 and intHash64.
//
// ClickHouse's cityHash64 is Google's CityHash64 as of CityHash 1.0.2 (later CityHash releases
// give different values). Strings hash their bytes; fixed-width values (integers, floats, Date,
// DateTime) hash their bits zero-extended to 64 bits with intHash64 (so toInt8(-1) and
// toUInt8(255) hash alike, as in ClickHouse); arrays hash their length and elements; several
// arguments are combined left to right with CityHash's Hash128to64.
#include <cstring>

#include "common/error.h"
#include "exec/cast.h"
#include "exec/function_registry.h"
#include "exec/hash_functions.h"
#include "exec/kernel_loops.h"

namespace perch {

namespace {

const DataType kUInt64Type{TypeId::kUInt64};

namespace city {

constexpr uint64_t k0 = 0xc3a5c85c97cb3127ULL;
constexpr uint64_t k1 = 0xb492b66fbe98f273ULL;
constexpr uint64_t k2 = 0x9ae16a3b2f90404fULL;
constexpr uint64_t k3 = 0xc949d7c7509e6557ULL;

uint64_t fetch64(const char* p) {
  uint64_t value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}

uint32_t fetch32(const char* p) {
  uint32_t value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}

uint64_t rotate(uint64_t value, int shift) { return shift == 0 ? value : ((value >> shift) | (value << (64 - shift))); }
uint64_t rotateByAtLeast1(uint64_t value, int shift) { return (value >> shift) | (value << (64 - shift)); }
uint64_t shiftMix(uint64_t value) { return value ^ (value >> 47); }

uint64_t hash128to64(uint64_t low, uint64_t high) {
  constexpr uint64_t kMul = 0x9ddfea08eb382d69ULL;
  uint64_t a = (low ^ high) * kMul;
  a ^= (a >> 47);
  uint64_t b = (high ^ a) * kMul;
  b ^= (b >> 47);
  return b * kMul;
}

uint64_t hashLen16(uint64_t u, uint64_t v) { return hash128to64(u, v); }

uint64_t hashLen0to16(const char* s, size_t len) {
  if (len > 8) {
    const uint64_t a = fetch64(s);
    const uint64_t b = fetch64(s + len - 8);
    return hashLen16(a, rotateByAtLeast1(b + len, static_cast<int>(len))) ^ b;
  }
  if (len >= 4) {
    const uint64_t a = fetch32(s);
    return hashLen16(len + (a << 3), fetch32(s + len - 4));
  }
  if (len > 0) {
    const uint8_t a = static_cast<uint8_t>(s[0]);
    const uint8_t b = static_cast<uint8_t>(s[len >> 1]);
    const uint8_t c = static_cast<uint8_t>(s[len - 1]);
    const uint32_t y = static_cast<uint32_t>(a) + (static_cast<uint32_t>(b) << 8);
    const uint32_t z = static_cast<uint32_t>(len) + (static_cast<uint32_t>(c) << 2);
    return shiftMix(y * k2 ^ z * k3) * k2;
  }
  return k2;
}

uint64_t hashLen17to32(const char* s, size_t len) {
  const uint64_t a = fetch64(s) * k1;
  const uint64_t b = fetch64(s + 8);
  const uint64_t c = fetch64(s + len - 8) * k2;
  const uint64_t d = fetch64(s + len - 16) * k0;
  return hashLen16(rotate(a - b, 43) + rotate(c, 30) + d, a + rotate(b ^ k3, 20) - c + len);
}

std::pair<uint64_t, uint64_t> weakHashLen32WithSeeds(uint64_t w, uint64_t x, uint64_t y, uint64_t z, uint64_t a, uint64_t b) {
  a += w;
  b = rotate(b + a + z, 21);
  const uint64_t c = a;
  a += x;
  a += y;
  b += rotate(a, 44);
  return {a + z, b + c};
}

std::pair<uint64_t, uint64_t> weakHashLen32WithSeeds(const char* s, uint64_t a, uint64_t b) {
  return weakHashLen32WithSeeds(fetch64(s), fetch64(s + 8), fetch64(s + 16), fetch64(s + 24), a, b);
}

uint64_t hashLen33to64(const char* s, size_t len) {
  uint64_t z = fetch64(s + 24);
  uint64_t a = fetch64(s) + (len + fetch64(s + len - 16)) * k0;
  uint64_t b = rotate(a + z, 52);
  uint64_t c = rotate(a, 37);
  a += fetch64(s + 8);
  c += rotate(a, 7);
  a += fetch64(s + 16);
  const uint64_t vf = a + z;
  const uint64_t vs = b + rotate(a, 31) + c;
  a = fetch64(s + 16) + fetch64(s + len - 32);
  z = fetch64(s + len - 8);
  b = rotate(a + z, 52);
  c = rotate(a, 37);
  a += fetch64(s + len - 24);
  c += rotate(a, 7);
  a += fetch64(s + len - 16);
  const uint64_t wf = a + z;
  const uint64_t ws = b + rotate(a, 31) + c;
  const uint64_t r = shiftMix((vf + ws) * k2 + (wf + vs) * k0);
  return shiftMix(r * k0 + vs) * k2;
}

uint64_t cityHash64(const char* s, size_t len) {
  if (len <= 32) return len <= 16 ? hashLen0to16(s, len) : hashLen17to32(s, len);
  if (len <= 64) return hashLen33to64(s, len);
  uint64_t x = fetch64(s);
  uint64_t y = fetch64(s + len - 16) ^ k1;
  uint64_t z = fetch64(s + len - 56) ^ k0;
  std::pair<uint64_t, uint64_t> v = weakHashLen32WithSeeds(s + len - 64, len, y);
  std::pair<uint64_t, uint64_t> w = weakHashLen32WithSeeds(s + len - 32, len * k1, k0);
  z += shiftMix(v.second) * k1;
  x = rotate(z + x, 39) * k1;
  y = rotate(y, 33) * k1;
  len = (len - 1) & ~static_cast<size_t>(63);
  do {
    x = rotate(x + y + v.first + fetch64(s + 16), 37) * k1;
    y = rotate(y + v.second + fetch64(s + 48), 42) * k1;
    x ^= w.second;
    y ^= v.first;
    z = rotate(z ^ w.first, 33);
    v = weakHashLen32WithSeeds(s, v.second * k1, x + w.first);
    w = weakHashLen32WithSeeds(s + 32, z + w.second, y);
    std::swap(z, x);
    s += 64;
    len -= 64;
  } while (len != 0);
  return hashLen16(hashLen16(v.first, w.first) + shiftMix(y) * k1 + z, hashLen16(v.second, w.second) + x);
}

}  // namespace city

// ClickHouse's IntHash64Impl: a fixed value mixed in, then the MurmurHash3 finalizer.
uint64_t intHash64(uint64_t x) {
  x ^= 0x4CF2D2BAAE6DA887ULL;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Hashes of one argument for n rows.
std::vector<uint64_t> hashArgument(const Datum& arg, size_t n) {
  std::vector<uint64_t> hashes(n);
  if (n == 0) return hashes;
  const size_t count = arg.is_constant ? 1 : n;
  if (arg.type().isStringLike()) {
    const auto& strings = asString(*arg.column);
    for (size_t i = 0; i < count; ++i) {
      const std::string_view value = strings.at(i);
      hashes[i] = city::cityHash64(value.data(), value.size());
    }
  } else {
    dispatchFixed(arg.type(), [&](auto tag) {
      using T = decltype(tag);
      const T* values = valuesOf<T>(arg);
      for (size_t i = 0; i < count; ++i) {
        if constexpr (sizeof(T) > sizeof(uint64_t)) {
          // Decimal(P > 18): ClickHouse 18.16 refuses it here; its 16 bytes hash as a string would.
          hashes[i] = city::cityHash64(reinterpret_cast<const char*>(&values[i]), sizeof(T));
        } else {
          uint64_t bits = 0;
          std::memcpy(&bits, &values[i], sizeof(T));
          hashes[i] = intHash64(bits);
        }
      }
      return 0;
    });
  }
  if (arg.is_constant) std::fill(hashes.begin() + 1, hashes.end(), hashes[0]);
  return hashes;
}

// Mixes argument `arg` into `result` (n rows) as ClickHouse does: the first argument's hash is the
// start value, later ones are combined in. An array contributes the hash of its length and then
// each element's hash, combined one by one into the running value.
void mixArgument(const Datum& arg, size_t n, bool first, std::vector<uint64_t>& result) {
  if (!arg.type().isArray()) {
    const std::vector<uint64_t> hashes = hashArgument(arg, n);
    for (size_t i = 0; i < n; ++i) result[i] = first ? hashes[i] : city::hash128to64(result[i], hashes[i]);
    return;
  }
  const ColumnPtr full = materialize(arg, n);
  const auto& array = static_cast<const ColumnArray&>(*full);
  std::vector<uint64_t> elements(array.elements().size());
  mixArgument(Datum::full(ColumnPtr(full, &array.elements())), elements.size(), true, elements);
  uint64_t begin = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t end = array.offsets()[i];
    const uint64_t length = intHash64(end - begin);
    uint64_t h = first ? length : city::hash128to64(result[i], length);
    for (uint64_t j = begin; j < end; ++j) h = city::hash128to64(h, elements[j]);
    result[i] = h;
    begin = end;
  }
}

FunctionDefinition cityHash64() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("cityHash64", args, 1, 64);
    for (size_t i = 0; i < args.size(); ++i) {
      DataType type = args[i].type;
      while (type.isArray()) type = type.nested();
      if (!type.isStringLike() && type.fixedWidth() == 0) throwIllegalArgument("cityHash64", i, args[i].type);
    }
    return ResolvedFunction{kUInt64Type, [](std::span<const Datum> call, size_t rows) {
                              bool constant = true;
                              for (const auto& arg : call) constant &= arg.is_constant;
                              const size_t n = constant ? 1 : rows;
                              std::vector<uint64_t> result(n);
                              for (size_t a = 0; a < call.size(); ++a) mixArgument(call[a], n, a == 0, result);
                              return Datum{std::make_shared<ColumnVector<uint64_t>>(kUInt64Type, std::move(result)), constant};
                            }};
  };
  return definition;
}

FunctionDefinition intHash64Function() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("intHash64", args, 1, 1);
    if (!args[0].type.isInteger()) throwIllegalArgument("intHash64", 0, args[0].type);
    return ResolvedFunction{kUInt64Type, [](std::span<const Datum> call, size_t rows) {
                              const Datum as_unsigned = castDatum(call[0], kUInt64Type);
                              return unaryLoop<uint64_t, uint64_t>(as_unsigned, rows, kUInt64Type, [](uint64_t x) { return intHash64(x); });
                            }};
  };
  return definition;
}

}  // namespace

uint64_t clickhouseCityHash64(const char* data, size_t size) { return city::cityHash64(data, size); }
uint64_t clickhouseHash128to64(uint64_t low, uint64_t high) { return city::hash128to64(low, high); }

void registerHashFunctions(FunctionRegistry& registry) {
  registry.add("cityHash64", cityHash64());
  registry.add("intHash64", intHash64Function());
}

}  // namespace perch
