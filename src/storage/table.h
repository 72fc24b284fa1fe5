// Table: the storage API every engine implements — append a batch, read a consistent snapshot.
//
// Readers take an immutable, reference-counted TableSnapshot (schema, parts, buffered batches); appends, flushes,
// merges and truncates build a new one and swap it in under a mutex, so a snapshot held by a query
// never changes underneath it (no lock while scanning).
//
// Without a directory (TableOptions::directory empty) the table lives in memory only. With one it
// is durable (see docs/formats/wal.md and part.md):
//   - append() writes the batch to the write-ahead log before returning (Durability::kWritten:
//     survives kill -9; kSynced additionally waits for a shared fsync: survives power loss) and
//     keeps it in an in-memory buffer that snapshots include at once;
//   - a background thread fsyncs the log about every wal_sync_interval, flushes the buffer to an
//     immutable sorted part when it exceeds flush_rows / flush_bytes / flush_age, and merges small
//     parts; a part records the WAL range it covers, so recovery never applies a record twice;
//   - opening the table recovers: parts are loaded (and verified), the log is replayed.
// Engines and partitions: a flush writes one part per partition (TableOptions::partition_of);
// merges (storage/merge_policy.h) stay inside a partition, drop TTL-expired rows and parts
// (expires_at), and for ReplacingMergeTree keep one row per sorting key (flushes dedupe too).
// replace() swaps the whole content atomically (commit = the marker file, docs/formats/wal.md).
// Parts keep only their index in memory; queries read the column blocks of the granules they need
// (see part.h), so a restarted table is not resident.
//
// Failures: a failed write or fsync fails that call (perch::Error kInternal, or
// storage::DiskFullError when the disk is full), is reported on stderr, and makes the table
// read-only: later appends/truncates throw kUnavailable (DiskFullError after ENOSPC); reads keep
// working. A part whose structure is corrupt at open makes snapshot() throw an error naming the
// part; a corrupt block is found when a query reads it, and that query fails naming the part.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "storage/compression.h"
#include "storage/part_rows.h"
#include "storage/table_schema.h"
#include "types/column.h"

namespace perch {

namespace storage {
class Part;
struct PartName;
class WriteAheadLog;
}  // namespace storage

/// An immutable view of a table at one moment: the parts (on disk, read lazily through their
/// granule index) and the buffered batches (in memory, not yet flushed) appended before it was
/// taken. Holding a snapshot keeps its parts readable even after a merge or truncate unlinked
/// their files. Every batch has one column per schema column, in schema order.
/// Thread safety: immutable; any number of threads may read it.
class TableSnapshot {
 public:
  /// Batches only (in-memory tables).
  TableSnapshot(std::shared_ptr<const TableSchema> schema, std::vector<BatchPtr> batches);
  /// `replacing`: the table is a ReplacingMergeTree with `version_column` ("" = none), for FINAL.
  TableSnapshot(std::shared_ptr<const TableSchema> schema, std::vector<std::string> sorting_key,
                std::vector<std::shared_ptr<const storage::Part>> parts, std::vector<BatchPtr> buffered,
                bool replacing = false, std::string version_column = {});

  const TableSchema& schema() const { return *schema_; }
  /// The columns parts are sorted by (ENGINE_SORTING_KEY); empty when unsorted.
  const std::vector<std::string>& sortingKey() const { return sorting_key_; }
  /// Parts in WAL order (older rows first), then the buffered batches in append order.
  const std::vector<std::shared_ptr<const storage::Part>>& parts() const { return parts_; }
  const std::vector<BatchPtr>& buffered() const { return buffered_; }
  /// What `SELECT ... FINAL` deduplicates by: ReplacingMergeTree keeps, per sorting key, the row
  /// with the greatest versionColumn() (the last inserted one on ties or without a version).
  bool replacing() const { return replacing_; }
  const std::string& versionColumn() const { return version_column_; }
  size_t rows() const { return rows_; }
  /// Uncompressed bytes (parts: from their index, nothing is read).
  size_t bytes() const;
  /// Every row as batches (parts decoded granule by granule, then the buffer): for merges, tests
  /// and small tables — the executor reads parts lazily instead. Throws like Part::readColumn.
  std::vector<BatchPtr> materialize() const;
  /// Same as materialize() (kept for older callers).
  std::vector<BatchPtr> batches() const { return materialize(); }

 private:
  std::shared_ptr<const TableSchema> schema_;
  std::vector<std::string> sorting_key_;
  std::vector<std::shared_ptr<const storage::Part>> parts_;
  std::vector<BatchPtr> buffered_;
  bool replacing_ = false;
  std::string version_column_;
  size_t rows_ = 0;
};
using SnapshotPtr = std::shared_ptr<const TableSnapshot>;

/// Ingestion outpaces flushing: the append was refused before anything was written. The server
/// answers 503 with Retry-After.
class BackpressureError : public Error {
 public:
  explicit BackpressureError(std::string message) : Error(ErrorCode::kUnavailable, std::move(message)) {}
};

/// What append() waits for before returning.
enum class Durability {
  kWritten,  // in the write-ahead log (write(2) done): survives a crash of the process → HTTP 202
  kSynced,   // the log is fsynced: survives a crash of the machine → HTTP 200 (wait=true)
};

/// The table engine (ENGINE). kReplacingMergeTree keeps, per full sorting key, one row: the one
/// with the greatest version_column value, the last inserted one on ties or without a version
/// column. Deduplication happens when parts are written and merged, so a snapshot may still hold
/// duplicates from different parts (a query collapses them with FINAL).
enum class TableEngine { kMergeTree, kReplacingMergeTree };

struct TableOptions {
  /// Where the table keeps its files; empty = in memory only (nothing survives a restart).
  std::filesystem::path directory;
  /// Column names the parts are sorted by (ENGINE_SORTING_KEY); each must be a schema column.
  std::vector<std::string> sorting_key;
  TableEngine engine = TableEngine::kMergeTree;
  /// ReplacingMergeTree's version column (ENGINE_VER); empty = the last inserted row wins.
  std::string version_column;
  /// Partitioning (ENGINE_PARTITION_KEY): the partition value of every row of a batch, computed by
  /// the caller (storage evaluates no SQL). Null = one partition. A flush writes one part per
  /// partition; merges never combine partitions; the partition id is part of the part's file name
  /// (docs/formats/part.md). Must be deterministic and thread-safe: it runs on flushes (background
  /// thread) and on recovery for replayed rows. If it throws during a flush, the table becomes
  /// read-only like after a write failure (rows stay in the log).
  std::function<std::vector<std::string>(const Batch&)> partition_of;
  /// TTL (ENGINE_TTL ... DELETE): the expiry time of every row of a batch, seconds since the epoch
  /// (INT64_MAX = never). Null = no TTL. Merges drop rows whose expiry <= now_seconds(); a part whose
  /// rows have all expired is replaced by an empty part without reading it; a part holding expired
  /// rows is rewritten even when no size-based merge would pick it, at most once per
  /// ttl_merge_interval per partition (ClickHouse's merge_with_ttl_timeout). Flushes and replace()
  /// keep expired rows (like ClickHouse inserts); queries see them until a merge runs.
  /// Same thread-safety and determinism rules as partition_of.
  std::function<std::vector<int64_t>(const Batch&)> expires_at;
  /// The clock TTL compares against (seconds since the epoch); null = the system clock. For tests.
  std::function<int64_t()> now_seconds;
  std::chrono::seconds ttl_merge_interval{4 * 3600};
  /// The buffer is flushed to a part when it holds this many rows or bytes, or is this old.
  size_t flush_rows = 1'000'000;
  size_t flush_bytes = 256u << 20;
  std::chrono::milliseconds flush_age{60'000};
  /// Appends without fsync are fsynced by the background thread within about this long.
  std::chrono::milliseconds wal_sync_interval{1000};
  size_t wal_segment_bytes = 64u << 20;
  /// Backpressure: appends fail with kUnavailable ("retry later") while the buffer holds more rows.
  size_t max_buffer_rows = 8'000'000;
  size_t granule_rows = 8192;
  storage::Codec default_codec = storage::Codec::kLZ4;
  std::map<std::string, storage::Codec, std::less<>> column_codecs;
  /// Size-tiered merges (storage/merge_policy.h): a merge combines merge_min_parts..merge_max_parts
  /// consecutive parts of one partition and one size tier (tier k+1 holds merge_min_parts times the
  /// rows of tier k; parts under merge_base_rows form tier 0), each smaller than
  /// merge_max_part_rows rows. A row is rewritten about once per tier: bounded write amplification.
  size_t merge_min_parts = 6;
  size_t merge_max_parts = 10;
  size_t merge_max_part_rows = 10'000'000;
  size_t merge_base_rows = 8192;
  /// Run the background thread (WAL fsync, flushes, merges). Tests turn it off to drive flush() and
  /// mergeOnce() themselves.
  bool background = true;
};

/// Counters for tests and system tables.
struct TableStats {
  size_t parts = 0;
  size_t buffered_rows = 0;
  size_t buffered_batches = 0;
  size_t wal_segments = 0;
  uint64_t bytes_on_disk = 0;
  uint64_t merges = 0;               // since open: merges, TTL rewrites and expired-part drops
  uint64_t rows_written_by_merges = 0;  // since open: rows in the parts merges wrote
  uint64_t expired_parts_dropped = 0;   // since open
};

class Table {
 public:
  /// An in-memory table.
  Table(std::string name, TableSchema schema);
  /// Opens (and recovers) or creates the table described by `options`. Throws perch::Error on an
  /// unusable directory, a corrupt write-ahead log, or a sorting key naming an unknown column.
  Table(std::string name, TableSchema schema, TableOptions options);
  /// Stops the background thread, fsyncs the log and flushes the buffer to a part (errors go to stderr).
  ~Table();
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  const std::string& name() const { return name_; }
  const TableSchema& schema() const { return *schema_; }
  bool durable() const { return !options_.directory.empty(); }

  /// Appends `batch` atomically: a snapshot sees all of its rows or none, and recovery restores all
  /// or none. The batch must have one column per schema column with the schema's types (checked;
  /// violations throw std::logic_error, they are bugs).
  void append(Batch batch, Durability durability);
  void append(Batch batch) { append(std::move(batch), Durability::kWritten); }
  /// Removes every row atomically (durably, fsynced, for a durable table).
  void truncate();
  /// Replaces the whole content with the rows of `batches` atomically (POST /v0/datasources
  /// ?mode=replace): a snapshot sees either all old rows or all new ones, and a crash at any point
  /// recovers to one of the two, never a mix. Returns once the new content is durable (fsynced;
  /// answer 200). Batches are checked like append()'s (violations throw std::logic_error); empty
  /// batches are allowed (replace with nothing = truncate). An append running concurrently lands
  /// either before the replace (its rows are replaced) or after it (kept), the same way in memory
  /// and after recovery. The new rows are split by partition, sorted and, for ReplacingMergeTree,
  /// deduplicated like a flush; TTL is applied by later merges. Throws like truncate() on a storage
  /// failure (the table becomes read-only; if the failure came after the commit point, the new
  /// content appears after a restart).
  void replace(std::vector<Batch> batches);
  /// The current contents. Throws perch::Error naming the part if a part failed verification at open.
  SnapshotPtr snapshot() const;

  /// Writes the buffered rows to a part now (no-op for an in-memory table or an empty buffer).
  void flush();
  /// Runs one merge if the policy finds one (dropping a fully expired part, a TTL rewrite, or a
  /// size-tiered merge; storage/merge_policy.h); returns whether it did.
  bool mergeOnce();
  /// Fsyncs everything appended so far.
  void sync();
  /// Stops background work and makes everything durable; the table stays readable. Idempotent.
  void close();
  /// Why the table is read-only, or "" if it accepts writes.
  std::string failure() const;
  TableStats stats() const;

 private:
  struct BufferedBatch {
    BatchPtr batch;
    uint64_t sequence = 0;
  };

  void open();
  /// Finishes a replace() whose commit marker was written, or discards an uncommitted one.
  void recoverReplaces(uint64_t committed_replace);
  void checkBatch(const Batch& batch) const;
  /// Writes `batches` (oldest first, each with its sequence) as one part per partition in
  /// `directory`, named by the sequences of the rows each holds (`sequence` overrides them).
  std::vector<std::shared_ptr<const storage::Part>> writePartitionedParts(const std::vector<std::pair<BatchPtr, uint64_t>>& batches,
                                                                          const std::filesystem::path& directory,
                                                                          std::optional<uint64_t> sequence);
  std::shared_ptr<const storage::Part> writePart(const std::filesystem::path& directory, const storage::PartName& name, const Batch& rows);
  /// Inserts `part` into parts_ in (min_sequence, partition) order. Caller holds mutex_.
  void insertPartLocked(std::shared_ptr<const storage::Part> part);
  int64_t nowSeconds() const;
  void backgroundLoop();
  /// Records the first storage failure, reports it and makes the table read-only.
  void markFailed(const std::exception& error, bool disk_full);
  [[noreturn]] void throwReadOnlyLocked() const;
  /// Runs `action`; on a storage error marks the table failed and rethrows.
  template <typename Action>
  auto guardIo(Action&& action);
  bool flushDue() const;
  void invalidateSnapshotLocked() { current_.reset(); }

  const std::string name_;
  const std::shared_ptr<const TableSchema> schema_;
  const TableOptions options_;
  std::vector<size_t> sorting_key_columns_;
  storage::PartRowRules row_rules_;  // sorting, Replacing and TTL rules for new parts; const after construction
  std::filesystem::path parts_directory_;
  std::unique_ptr<storage::WriteAheadLog> wal_;  // null for an in-memory table; thread-safe itself

  std::mutex maintenance_mutex_;  // serializes flush, merge, truncate and close (disk layout changes)

  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const storage::Part>> parts_;  // guarded by mutex_, ordered by WAL range
  std::deque<BufferedBatch> buffer_;                          // guarded by mutex_, in sequence order
  size_t buffer_rows_ = 0;                                    // guarded by mutex_
  size_t buffer_bytes_ = 0;                                   // guarded by mutex_
  std::chrono::steady_clock::time_point buffer_since_;        // guarded by mutex_: oldest buffered append
  mutable SnapshotPtr current_;                               // guarded by mutex_; null = rebuild
  std::string failure_;                                       // guarded by mutex_
  bool disk_full_ = false;                                    // guarded by mutex_
  std::string load_error_;                                    // guarded by mutex_: a corrupt part
  bool closed_ = false;                                       // guarded by mutex_
  std::map<std::string, storage::ExpiryRange> part_expiry_;  // guarded by mutex_: by part name; TTL tables only
  std::map<std::string, int64_t> last_ttl_rewrite_;           // guarded by maintenance_mutex_: partition -> time
  uint64_t merges_ = 0, rows_written_by_merges_ = 0, expired_parts_dropped_ = 0;  // guarded by mutex_

  std::condition_variable wake_background_;  // with mutex_
  bool stop_background_ = false;             // guarded by mutex_
  std::thread background_;
};

}  // namespace perch
