// Scan: reads the columns a query needs from a table snapshot and counts rows_read / bytes_read
// for exactly what it hands out.
//
// A snapshot has parts on disk and buffered batches in memory. Buffered batches are shared as they
// are (zero-copy; ones larger than kMorselRows are cut, which copies). Parts are read lazily: the
// scan first asks its KeyCondition (if the planner gave it one) which granules of each part may
// hold matching rows, skips the others without reading them, and groups the kept granules of a
// part into morsels of up to kMorselRows rows, handed out as one batch per granule (zero-copy
// from the decoded-block cache; see kPartBatchRows). Only the needed columns of those granules are read,
// checksum-verified and decoded — with ExecContext::threads > 1, a few morsels at a time in
// parallel on the task pool; a morsel is also the unit of parallel work for the operators above.
// A corrupt block fails the query with the part's name (perch::Error from Part::readColumn).
//
// FINAL (setFinal) on a ReplacingMergeTree snapshot reads every kept row and keeps, per full
// sorting key, the row with the greatest version (the last inserted one on ties), before any
// filter runs — ClickHouse's read-time deduplication.
//
// Thread-safety: driven by one thread (operator.h); morsel decoding fans out internally.
// OneRowSource is the FROM-less source: one row, no columns (`SELECT 1`).
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "exec/key_condition.h"
#include "exec/operator.h"
#include "storage/table.h"

namespace perch {

class Scan final : public Operator {
 public:
  Scan(SnapshotPtr snapshot, std::vector<size_t> columns, ExecContext& context)
      : snapshot_(std::move(snapshot)), columns_(std::move(columns)), context_(context) {}

  /// The most rows a scanned batch carries: 8 granules. Stored batches up to this size are handed
  /// out whole (zero-copy); only larger ones are cut, which copies. 65,536 rows keep a batch's
  /// selection vectors and group ids within L2.
  static constexpr size_t kMorselRows = 65'536;
  /// A morsel read from a part is handed out as batches of whole granules holding at least this
  /// many rows: with the usual 8,192-row granules, one batch per granule, sharing the decoded
  /// (cached) columns instead of copying 8 of them into one batch.
  static constexpr size_t kPartBatchRows = 8'192;

  /// Skip granules that `condition` rules out (call before the first next()).
  void setKeyCondition(std::shared_ptr<const KeyCondition> condition) { condition_ = std::move(condition); }
  /// Read-time deduplication for `SELECT ... FINAL` (a no-op unless the table is a ReplacingMergeTree).
  void setFinal(bool final) { final_ = final; }
  bool isFinal() const { return final_; }
  /// The schema positions this scan outputs, in order.
  const std::vector<size_t>& columns() const { return columns_; }
  const TableSnapshot& snapshot() const { return *snapshot_; }

  std::optional<Batch> next() override;

  /// Granules considered and granules skipped by the key condition (valid after the first next()).
  size_t granulesTotal() const { return granules_total_; }
  size_t granulesSkipped() const { return granules_skipped_; }

 private:
  struct Morsel {
    const storage::Part* part = nullptr;  // null: a buffered batch
    std::vector<size_t> granules;         // of `part`, ascending
    const Batch* buffered = nullptr;
    size_t offset = 0;  // rows of `buffered` from `offset`
    size_t rows = 0;
  };

  void planMorsels();
  /// Reads one morsel as one batch (thread-safe: touches only immutable state).
  Batch readMorsel(const Morsel& morsel, const std::vector<size_t>& columns) const;
  /// Reads one morsel as the batches next() hands out (see kPartBatchRows; thread-safe).
  std::vector<Batch> readMorselBatches(const Morsel& morsel) const;
  void finalize();
  Batch deduplicate(Batch rows, const std::vector<size_t>& read_columns) const;

  SnapshotPtr snapshot_;
  std::vector<size_t> columns_;  // schema positions, in output order
  ExecContext& context_;
  std::shared_ptr<const KeyCondition> condition_;
  bool final_ = false;
  bool planned_ = false;
  std::vector<Morsel> morsels_;
  size_t next_morsel_ = 0;
  std::deque<Batch> ready_;
  size_t granules_total_ = 0;
  size_t granules_skipped_ = 0;
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
