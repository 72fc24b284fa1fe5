// Part: an immutable, sorted, compressed columnar file holding the rows of a contiguous range of
// WAL sequence numbers (see docs/formats/part.md).
//
// A part is written once to a temporary name, fsynced, renamed to `<name>.part` and the directory
// fsynced; after that it never changes until it is deleted (replaced by a merge, dropped by a
// truncate). Its name encodes the WAL range it covers and its merge level, so recovery can tell
// which parts a merge replaced and which WAL records are already in a part.
//
// A column is stored as compressed blocks of several consecutive granules (at least 64 KiB
// uncompressed unless the column ends, at most 1 MiB unless one granule is larger, like
// ClickHouse's min/max_compress_block_size), so LZ4 sees enough context; each granule inside a
// block is encoded on its own (storage/column_encoding.h: dictionaries for strings, byte planes
// for integers).
//
// Reads are lazy: after write() or load() a part keeps only its index in memory (granule row
// counts, where each block of each column lies and which granules it holds, min/max per column
// per granule) plus an open read-only file descriptor. readColumn()/readGranules() fetch only the
// blocks holding the wanted granules with pread, verify their checksum and decode them on
// demand. Keeping the descriptor open means a part whose
// file a merge or truncate has unlinked stays readable for every snapshot that still holds it; the
// space is freed when the last reference goes. load() verifies the header, the trailer, the index
// checksum and that every block lies inside the data area (cheap: the index only); block
// checksums are verified on every read, so a flipped byte fails the query that reads it with a
// perch::Error naming the part file, the column and the granule — it never returns wrong numbers.
//
// Decoded granules go to a process-wide cache bounded by bytes (least recently used evicted;
// kDefaultBlockCacheBytes, PERCH_BLOCK_CACHE_MB overrides, 0 disables), so hot queries do not pay
// for decompression again; a block is verified when it is read from the file, not on a cache hit.
// A String granule stored as a dictionary is cached with its dictionary and per-row indexes too
// (stringDictionary()), so a GROUP BY over it can look each distinct value up once per granule.
//
// Parts of format version 1 (one block per granule, plain encoding) are still read; every part
// written is version 2, so merges upgrade old parts.
//
// Thread safety: a Part is immutable after construction and shared as shared_ptr<const Part>; all
// read methods may be called concurrently (pread has no shared file offset).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "storage/column_encoding.h"
#include "storage/compression.h"
#include "storage/row_order.h"
#include "storage/table_schema.h"
#include "types/column.h"

namespace perch::storage {

/// The identity of a part: the WAL sequence range [min_sequence, max_sequence] it covers, how
/// many merges produced it and its partition. A part covers another of the same partition when its
/// range contains the other's and is larger, or is the same with a higher level (a part rewritten
/// alone by a TTL merge).
struct PartName {
  uint64_t min_sequence = 0;
  uint64_t max_sequence = 0;
  uint32_t level = 0;
  /// Partition id (storage/partitioning.h: [A-Za-z0-9-]*); empty for an unpartitioned table.
  std::string partition;

  /// "[<partition>_]<min:020>_<max:020>_<level>".
  std::string toString() const;
  /// Parses toString()'s output; nullopt for anything else.
  static std::optional<PartName> parse(std::string_view text);
  bool covers(const PartName& other) const {
    if (partition != other.partition || min_sequence > other.min_sequence || other.max_sequence > max_sequence) return false;
    return min_sequence != other.min_sequence || max_sequence != other.max_sequence || level > other.level;
  }
  bool operator==(const PartName&) const = default;
};

/// Where one compressed block (granules [first_granule, first_granule + granules) of one column)
/// lives in the part file.
struct BlockLocation {
  uint64_t offset = 0;  // of the block header
  uint32_t compressed_size = 0;
  uint32_t raw_size = 0;
  uint32_t checksum = 0;  // CRC-32 of the compressed bytes
  Codec codec = Codec::kLZ4;
  uint32_t first_granule = 0;
  uint32_t granules = 1;
};

/// The part's index, stored in its footer.
struct PartIndex {
  uint32_t version = 0;  // of the file format: 1 (legacy, read only) or 2
  std::string schema_signature;
  std::vector<std::string> sorting_key;
  uint64_t rows = 0;
  std::vector<uint32_t> granule_rows;
  std::vector<std::vector<BlockLocation>> blocks;  // [column][block], blocks in granule order
  std::vector<std::vector<GranuleStats>> stats;    // [column][granule]
};

struct PartWriteOptions {
  size_t granule_rows = 8192;
  /// A block is closed once it holds this many uncompressed bytes (ClickHouse's min_compress_block_size)
  size_t min_block_bytes = size_t{64} << 10;
  /// and a granule goes to a new block rather than grow one past this (max_compress_block_size).
  size_t max_block_bytes = size_t{1} << 20;
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
  /// Opens the part file `path` and verifies its structure (header, trailer, index checksum, block
  /// extents, schema); throws perch::Error (kInternal) naming the file if anything is wrong or it
  /// was written under another schema. Block checksums are verified when blocks are read.
  static std::shared_ptr<const Part> load(const std::filesystem::path& path, const TableSchema& schema);
  ~Part();
  Part(const Part&) = delete;
  Part& operator=(const Part&) = delete;

  /// Bytes of decoded blocks kept for reuse across queries (all parts together).
  static constexpr size_t kDefaultBlockCacheBytes = size_t{256} << 20;
  static void setBlockCacheCapacity(size_t bytes);

  /// The file name of part `name`.
  static std::string fileName(const PartName& name) { return name.toString() + ".part"; }

  const PartName& name() const { return name_; }
  const std::filesystem::path& path() const { return path_; }
  const PartIndex& index() const { return index_; }
  uint64_t rows() const { return index_.rows; }
  size_t granuleCount() const { return index_.granule_rows.size(); }
  uint64_t bytesOnDisk() const { return bytes_on_disk_; }
  /// Uncompressed bytes of all blocks (what a full decode would produce, roughly).
  uint64_t rawBytes() const { return raw_bytes_; }

  /// Column `column` (schema position) of granule `granule`: its block read, checksum-verified,
  /// decoded. Throws perch::Error (kInternal) naming the part, column and granule on a checksum,
  /// read or decode failure.
  ColumnPtr readColumn(size_t column, size_t granule) const;
  /// Columns `columns` (schema positions, in that output order) of the granules `granules`
  /// (ascending), concatenated into one batch. Each block is read at most once.
  Batch readGranules(std::span<const size_t> columns, std::span<const size_t> granules) const;
  /// The same rows cut into batches: consecutive granules are gathered until a batch holds at
  /// least `min_rows` rows (the last may hold fewer). A batch of one granule shares the decoded
  /// (cached) columns — no copy — so with full-size granules nothing is copied at all.
  std::vector<Batch> readGranuleBatches(std::span<const size_t> columns, std::span<const size_t> granules, size_t min_rows) const;
  /// Every column of every granule, one batch per granule, in sorting-key order (merges, tests).
  std::vector<BatchPtr> readAll() const;
  /// The dictionary `column` was decoded from, when it is a String granule column stored as a
  /// dictionary (storage/column_encoding.h) that the decoded-block cache holds (as returned by
  /// readColumn/readGranules/readGranuleBatches); else nullptr. Any other column — a copy, a
  /// concatenation of granules, a filtered one, an evicted one — has none. Thread-safe.
  static std::shared_ptr<const StringDictionary> stringDictionary(const Column& column);

  /// How many blocks this object has read from its file so far (cache hits are not reads).
  uint64_t blocksRead() const { return blocks_read_.load(std::memory_order_relaxed); }

 private:
  Part(PartName name, std::filesystem::path path, int fd, PartIndex index, uint64_t bytes_on_disk, const TableSchema& schema);

  /// Column `column` of the ascending `granules`, from the cache or their blocks.
  std::vector<ColumnPtr> readColumnGranules(size_t column, std::span<const size_t> granules) const;
  /// Position in index_.blocks[column] of the block holding `granule`.
  size_t blockOf(size_t column, size_t granule) const;
  struct DecodedGranule {
    MutableColumnPtr column;
    std::shared_ptr<const StringDictionary> dictionary;  // a String granule in the dictionary layout
  };
  /// Every granule of block `block` of `column`, read, verified and decoded; `wanted` is the
  /// granule the caller needs, named in errors.
  std::vector<DecodedGranule> readBlock(size_t column, size_t block, size_t wanted) const;

  PartName name_;
  std::filesystem::path path_;
  int fd_ = -1;  // read-only, owned; kept open so an unlinked part stays readable
  uint64_t id_ = 0;  // process-unique, keys the decoded-block cache
  PartIndex index_;
  uint64_t bytes_on_disk_ = 0;
  uint64_t raw_bytes_ = 0;
  std::vector<DataType> column_types_;
  std::vector<std::string> column_names_;
  mutable std::atomic<uint64_t> blocks_read_{0};
};
using PartPtr = std::shared_ptr<const Part>;

}  // namespace perch::storage
