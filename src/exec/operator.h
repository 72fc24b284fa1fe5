// Physical operators: the pull-based, batch-at-a-time pipeline. Each operator returns batches of
// typed columns from next() until it returns nullopt. Operators never emit rows one at a time;
// every per-row loop lives in a kernel. ExecContext carries what the whole query shares: the
// deadline and the scan statistics. Operators that buffer their input charge it to the query's
// memory tracker (memory_tracker.h, batchBytes below).
//
// Thread-safety: an operator tree is driven by one thread. Operators whose per-batch work is
// independent (Filter) fan batches out to ExecContext::threads threads (task_pool.h) and keep the
// input order; ExecContext counters are only touched by the driving thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "types/column.h"

namespace perch {

struct ExecContext {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::milliseconds timeout{0};
  uint64_t rows_read = 0;
  uint64_t bytes_read = 0;
  unsigned threads = 1;  // threads a parallel operator may use (morsels: one batch per task)

  /// Throws Error(kTimeout) once the deadline has passed.
  void checkDeadline() const;
};

class Operator {
 public:
  virtual ~Operator() = default;
  /// The next non-empty batch, or nullopt when the stream is exhausted.
  virtual std::optional<Batch> next() = 0;
};
using OperatorPtr = std::unique_ptr<Operator>;

/// Concatenates every batch of `input` into one (columns of `types`). The batches and the copy are
/// charged to the current memory tracker (as `what`) while it runs; the caller charges the result
/// it keeps.
Batch drain(Operator& input, std::span<const DataType> types, const char* what = "buffered rows");

/// Bytes the columns of `batch` hold (what buffering it costs; shared columns counted in full).
size_t batchBytes(const Batch& batch);

}  // namespace perch
