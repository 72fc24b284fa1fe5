// WriteAheadLog: the durable record of every append and truncate of one table, replayed on open
// (see docs/formats/wal.md).
//
// A log is a directory of segment files named by the first sequence number they may hold. Each
// record is `length, CRC-32, sequence, kind, payload`; sequence numbers increase by one per
// record across segments. write() puts a record into the current segment with write(2) before it
// returns, so it survives a crash of the process; sync(sequence) makes it survive a crash of the
// machine. Concurrent sync() callers share one fdatasync (group commit): the first waiter becomes
// the leader, syncs everything written so far, and wakes the others.
//
// Failures are sticky: after a failed write or fsync every later write()/sync() throws, because
// the kernel may have dropped dirty pages and retrying would pretend. The owner reports the error
// and stops accepting writes.
//
// Recovery (open): segments are read in order; a torn or corrupt record in the LAST segment ends
// the log (the segment is cut there and fsynced); in an older segment it is a hard error naming
// the file and offset. Appends then go to a fresh segment.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "storage/file_io.h"

namespace perch::storage {

enum class WalRecordKind : uint8_t {
  kBatch = 1,     // payload: a Batch in the BatchCodec format
  kTruncate = 2,  // empty payload: every row with a smaller sequence number is gone
  kReplace = 3,   // empty payload: reserves the sequence number of a Table::replace; replay ignores it
                  // (the replace is committed by the table's marker file, not by this record)
};

struct WalRecord {
  uint64_t sequence = 0;
  WalRecordKind kind = WalRecordKind::kBatch;
  std::string_view payload;
};

struct WalOptions {
  /// A segment is closed (fsynced) and a new one started past this size.
  size_t segment_bytes = 64u << 20;
  /// New records get sequence numbers above this even if every segment holding them was dropped
  /// (the table's parts may cover records that `skip_through` does not, e.g. per partition).
  uint64_t last_sequence_at_least = 0;
};

class WriteAheadLog {
 public:
  /// Opens the log in `directory` (created if missing). Records with sequence <= `skip_through`
  /// are already in parts and are not replayed; the others are passed to `replay` in order.
  /// `signature` (the table's schema signature) is stored in every segment and checked here.
  /// Throws perch::Error naming the file and offset on corruption outside the last segment, or if
  /// `replay` throws CorruptDataError.
  static std::unique_ptr<WriteAheadLog> open(const std::filesystem::path& directory, std::string signature,
                                             uint64_t skip_through, const std::function<void(const WalRecord&)>& replay,
                                             WalOptions options = {});
  ~WriteAheadLog();

  /// Appends a record with write(2) and returns its sequence number.
  uint64_t write(WalRecordKind kind, std::string_view payload);
  /// Returns once every record up to `sequence` is fsynced (sharing the fsync with concurrent callers).
  void sync(uint64_t sequence);
  /// Syncs everything written so far.
  void syncAll() { sync(lastSequence()); }
  /// Closes the current segment (fsynced) and starts a new one, so that every older segment only
  /// holds records <= lastSequence(). Callers serialize this with write() when they rely on that.
  void rotate();
  /// Deletes the closed segments whose records all have sequence <= `sequence`.
  void dropThrough(uint64_t sequence);

  uint64_t lastSequence() const;
  bool hasUnsynced() const;
  size_t segmentCount() const;
  const std::filesystem::path& directory() const { return directory_; }

  /// The segment file that starts at `first_sequence`.
  static std::string segmentFileName(uint64_t first_sequence);

 private:
  struct Segment {
    File file;
    uint64_t first_sequence = 0;
    uint64_t size = 0;
  };
  struct ClosedSegment {
    std::filesystem::path path;
    uint64_t first_sequence = 0;
  };

  WriteAheadLog(std::filesystem::path directory, std::string signature, WalOptions options)
      : directory_(std::move(directory)), signature_(std::move(signature)), options_(options) {}
  void startSegmentLocked();
  void rotateLocked();
  [[noreturn]] void rethrowFailureLocked() const;

  const std::filesystem::path directory_;
  const std::string signature_;
  const WalOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable synced_;
  std::shared_ptr<Segment> current_;     // guarded by mutex_; shared with a sync leader
  std::vector<ClosedSegment> closed_;    // guarded by mutex_, in sequence order
  uint64_t last_sequence_ = 0;           // guarded by mutex_: the last record written
  uint64_t synced_through_ = 0;          // guarded by mutex_
  bool sync_in_progress_ = false;        // guarded by mutex_
  std::exception_ptr failure_;           // guarded by mutex_: the first write/fsync error
};

}  // namespace perch::storage
