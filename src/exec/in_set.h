// InSet: the right-hand side of `x IN (...)` — constant values or a subquery's column, converted
// to one type — with a batch membership kernel. Tuples are looked up by their text form. NULL on
// the left is never in the set: IN gives 0 and NOT IN gives 1 (ClickHouse's transform_null_in = 0).
// Immutable after construction; shared by the kernels that use it. Its memory is charged to the
// current query's tracker (the string storage estimated: bytes plus a node per element).
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "exec/datum.h"
#include "exec/hash_table.h"
#include "exec/memory_tracker.h"

namespace perch {

class InSet {
 public:
  /// `values`: the set's elements, all of `type` (non-Nullable); NULL elements already removed.
  InSet(DataType type, const Column& values);

  const DataType& type() const { return type_; }
  /// UInt8 per row of `left` (of type() or Nullable(type())): 1 when the value is in the set.
  Datum contains(const Datum& left, size_t rows, bool negated) const;

 private:
  DataType type_;
  MemoryCharge strings_charge_;                 // declared before strings_: released after they are freed
  FlatHashSet64 fixed_;                         // fixed-width values by their bits
  std::vector<std::string> strings_;            // storage for string_set_ (strings, tuple keys, 16-byte values)
  std::unordered_set<std::string_view> string_set_;

  // Decimal(P > 18): 16-byte values, kept in string_set_ by their raw bytes.
  bool wideFixed() const { return type_.fixedWidth() > sizeof(uint64_t); }
};

}  // namespace perch
