// ClickHouse's hash primitives with its exact results, for code outside the SQL hash functions
// (uniq hashes its values as ClickHouse does). Defined in hash_functions.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace perch {

/// CityHash64 as of CityHash 1.0.2 (ClickHouse's cityHash64 of a string).
uint64_t clickhouseCityHash64(const char* data, size_t size);
/// CityHash 1.0.2's Hash128to64(uint128(low, high)).
uint64_t clickhouseHash128to64(uint64_t low, uint64_t high);

}  // namespace perch
