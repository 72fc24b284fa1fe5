// Scan: reads the columns a query needs from a table snapshot, batch by batch, sharing the
// snapshot's column vectors (no copy) and counting rows_read / bytes_read for exactly the columns
// it hands out. Stored batches larger than kMorselRows are cut into morsels of kMorselRows rows
// (copied); a batch is the unit of parallel work. OneRowSource is the FROM-less source: one row, no columns (`SELECT 1`).
#pragma once

#include <vector>

#include "exec/operator.h"
#include "storage/table.h"

namespace perch {

class Scan final : public Operator {
 public:
  Scan(SnapshotPtr snapshot, std::vector<size_t> columns, ExecContext& context)
      : snapshot_(std::move(snapshot)), columns_(std::move(columns)), context_(context) {}

  /// The most rows a scanned batch carries. Stored batches up to this size are handed out whole
  /// (zero-copy, and already plenty of tasks for the parallel operators); only larger ones are cut,
  /// which copies. 65,536 rows keep a batch's selection vectors and group ids within L2.
  static constexpr size_t kMorselRows = 65'536;

  std::optional<Batch> next() override;

 private:
  SnapshotPtr snapshot_;
  std::vector<size_t> columns_;  // schema positions, in output order
  ExecContext& context_;
  size_t next_batch_ = 0;
  size_t next_offset_ = 0;  // row offset inside batches[next_batch_] when it is cut into morsels
};

class OneRowSource final : public Operator {
 public:
  std::optional<Batch> next() override {
    if (done_) return std::nullopt;
    done_ = true;
    Batch batch;
    batch.rows = 1;
    return batch;
  }

 private:
  bool done_ = false;
};

}  // namespace perch
