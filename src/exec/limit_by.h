// LimitBy: `LIMIT n BY keys` — passes at most n rows per distinct combination of the key columns,
// in input order (after ORDER BY, before LIMIT, as in ClickHouse). The keys seen are charged to the
// query's memory tracker (estimated: key bytes plus a hash node each).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "exec/memory_tracker.h"
#include "exec/operator.h"

namespace perch {

class LimitBy final : public Operator {
 public:
  LimitBy(OperatorPtr input, std::vector<size_t> key_columns, uint64_t limit)
      : input_(std::move(input)), key_columns_(std::move(key_columns)), limit_(limit) {}

  std::optional<Batch> next() override;

 private:
  OperatorPtr input_;
  std::vector<size_t> key_columns_;
  uint64_t limit_;
  MemoryCharge charge_;                             // declared before seen_: released after it is freed
  std::unordered_map<std::string, uint64_t> seen_;  // rows passed per key (encoded)
};

}  // namespace perch
