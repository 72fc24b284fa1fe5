// Part: an immutable, sorted, compressed columnar file holding the rows of a contiguous range of
// WAL sequence numbers (see docs/formats/part.md).
//
// A part is written once to a temporary name, fsynced, renamed to `<name>.part` and the directory
// fsynced; after that it never changes until it is deleted (replaced by a merge, dropped by a
// truncate). Its name encodes the WAL range it covers and its merge level, so recovery can tell
// which parts a merge replaced and which WAL records are already in a part.
//
// This first version keeps every part fully decoded in memory after load (one Batch per granule):
// reading only the needed columns and granules needs the executor to use the granule index and
// comes next. Load verifies every block's checksum; a mismatch throws perch::Error naming the file.
//
// Thread safety: a Part is immutable after construction and shared as shared_ptr<const Part>.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/compression.h"
#include "storage/row_order.h"
#include "storage/table_schema.h"
#include "types/column.h"

namespace perch::storage {

/// The identity of a part: the WAL sequence range [min_sequence, max_sequence] it covers and how
/// many merges produced it. A part covers another when its range contains the other's.
struct PartName {
  uint64_t min_sequence = 0;
  uint64_t max_sequence = 0;
  uint32_t level = 0;

  /// "<min:020>_<max:020>_<level>".
  std::string toString() const;
  /// Parses toString()'s output; nullopt for anything else.
  static std::optional<PartName> parse(std::string_view text);
  bool covers(const PartName& other) const {
    return min_sequence <= other.min_sequence && other.max_sequence <= max_sequence && !(*this == other);
  }
  bool operator==(const PartName&) const = default;
};

/// Where one compressed block (one column of one granule) lives in the part file.
struct BlockLocation {
  uint64_t offset = 0;  // of the block header
  uint32_t compressed_size = 0;
  uint32_t raw_size = 0;
  uint32_t checksum = 0;  // CRC-32 of the compressed bytes
  Codec codec = Codec::kLZ4;
};

/// The part's index, stored in its footer.
struct PartIndex {
  std::string schema_signature;
  std::vector<std::string> sorting_key;
  uint64_t rows = 0;
  std::vector<uint32_t> granule_rows;
  std::vector<std::vector<BlockLocation>> blocks;  // [column][granule]
  std::vector<std::vector<GranuleStats>> stats;    // [column][granule]
};

struct PartWriteOptions {
  size_t granule_rows = 8192;
  Codec default_codec = Codec::kLZ4;
  std::map<std::string, Codec, std::less<>> column_codecs;  // by column name
};

class Part {
 public:
  /// Writes `sorted_rows` (already in sorting-key order) as part `name` in `directory` and publishes
  /// it atomically. Throws perch::Error / DiskFullError on I/O failure (nothing is published then).
  static std::shared_ptr<const Part> write(const std::filesystem::path& directory, const PartName& name,
                                           const TableSchema& schema, const std::vector<std::string>& sorting_key,
                                           const Batch& sorted_rows, const PartWriteOptions& options);
  /// Loads and verifies the part file `path`; throws perch::Error (kInternal) naming the file if any
  /// checksum, size or structure is wrong or it was written under another schema.
  static std::shared_ptr<const Part> load(const std::filesystem::path& path, const TableSchema& schema);

  /// The file name of part `name`.
  static std::string fileName(const PartName& name) { return name.toString() + ".part"; }

  const PartName& name() const { return name_; }
  const std::filesystem::path& path() const { return path_; }
  const PartIndex& index() const { return index_; }
  uint64_t rows() const { return index_.rows; }
  uint64_t bytesOnDisk() const { return bytes_on_disk_; }
  /// The decoded rows, one batch per granule, in sorting-key order.
  const std::vector<BatchPtr>& batches() const { return batches_; }

 private:
  Part(PartName name, std::filesystem::path path, PartIndex index, uint64_t bytes_on_disk, std::vector<BatchPtr> batches)
      : name_(name), path_(std::move(path)), index_(std::move(index)), bytes_on_disk_(bytes_on_disk), batches_(std::move(batches)) {}

  PartName name_;
  std::filesystem::path path_;
  PartIndex index_;
  uint64_t bytes_on_disk_ = 0;
  std::vector<BatchPtr> batches_;
};
using PartPtr = std::shared_ptr<const Part>;

}  // namespace perch::storage
