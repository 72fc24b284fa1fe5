#include "storage/part.h"

#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <unordered_map>

#include "storage/batch_codec.h"
#include "storage/byte_io.h"
#include "storage/column_encoding.h"
#include "storage/file_io.h"

namespace perch::storage {
namespace {

constexpr std::string_view kHeaderMagic = "PERCHPRT";
constexpr std::string_view kTrailerMagic = "PERCHEND";
constexpr uint32_t kVersion = 2;
constexpr uint32_t kLegacyVersion = 1;  // one block per granule, plain encoding: still read
constexpr size_t kHeaderSize = 8 + 4;
constexpr size_t kTrailerSize = 8 + 4 + 4 + 8;
constexpr size_t kBlockHeaderSize = 1 + 4 + 4 + 4;
constexpr size_t kMaxKeptBuffer = size_t{8} << 20;  // per-thread read buffers larger than this are freed after use

std::string formatSequence(uint64_t value) {
  std::string digits = std::to_string(value);
  return std::string(20 - digits.size(), '0') + digits;
}

bool parseNumber(std::string_view text, uint64_t& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

void encodeBlockLocation(const BlockLocation& block, ByteWriter& writer) {
  writer.put<uint64_t>(block.offset);
  writer.put<uint32_t>(block.compressed_size);
  writer.put<uint32_t>(block.raw_size);
  writer.put<uint32_t>(block.checksum);
  writer.put<uint8_t>(static_cast<uint8_t>(block.codec));
}

BlockLocation decodeBlockLocation(ByteReader& in) {
  BlockLocation block;
  block.offset = in.get<uint64_t>();
  block.compressed_size = in.get<uint32_t>();
  block.raw_size = in.get<uint32_t>();
  block.checksum = in.get<uint32_t>();
  const uint8_t codec = in.get<uint8_t>();
  if (codec > static_cast<uint8_t>(Codec::kZSTD)) throw CorruptDataError("unknown codec " + std::to_string(codec));
  block.codec = static_cast<Codec>(codec);
  return block;
}

void encodeStats(const GranuleStats& stats, ByteWriter& writer) {
  writer.put<uint8_t>(static_cast<uint8_t>((stats.has_min_max ? 1 : 0) | (stats.has_null ? 2 : 0)));
  if (stats.has_min_max) {
    writer.putString(stats.min);
    writer.putString(stats.max);
  }
}

GranuleStats decodeStats(ByteReader& in) {
  GranuleStats stats;
  const uint8_t flags = in.get<uint8_t>();
  stats.has_min_max = flags & 1;
  stats.has_null = flags & 2;
  if (stats.has_min_max) {
    stats.min = std::string(in.getString());
    stats.max = std::string(in.getString());
  }
  return stats;
}

// Version 2, per column: its blocks (each with the number of granules it holds), then the
// min/max of each granule.
void encodeIndex(const PartIndex& index, std::string& out) {
  ByteWriter writer(out);
  writer.putString(index.schema_signature);
  writer.putVarint(index.sorting_key.size());
  for (const auto& key : index.sorting_key) writer.putString(key);
  writer.put<uint64_t>(index.rows);
  writer.putVarint(index.granule_rows.size());
  for (uint32_t rows : index.granule_rows) writer.putVarint(rows);
  writer.putVarint(index.blocks.size());
  for (size_t column = 0; column < index.blocks.size(); ++column) {
    writer.putVarint(index.blocks[column].size());
    for (const BlockLocation& block : index.blocks[column]) {
      encodeBlockLocation(block, writer);
      writer.putVarint(block.granules);
    }
    for (const GranuleStats& stats : index.stats[column]) encodeStats(stats, writer);
  }
}

// Version 2 (see encodeIndex): the blocks of a column must hold its granules exactly once, in order.
void decodeColumnEntries(ByteReader& in, size_t granule_count, std::vector<BlockLocation>& blocks,
                         std::vector<GranuleStats>& stats) {
  const uint64_t block_count = in.getVarint();
  if (block_count > granule_count) throw CorruptDataError("block count is implausible");
  uint64_t next_granule = 0;
  for (uint64_t i = 0; i < block_count; ++i) {
    BlockLocation block = decodeBlockLocation(in);
    const uint64_t granules = in.getVarint();
    if (granules == 0 || granules > granule_count - next_granule) throw CorruptDataError("block granule counts are inconsistent");
    block.first_granule = static_cast<uint32_t>(next_granule);
    block.granules = static_cast<uint32_t>(granules);
    next_granule += granules;
    blocks.push_back(block);
  }
  if (next_granule != granule_count) throw CorruptDataError("the blocks of a column do not hold every granule");
  for (size_t granule = 0; granule < granule_count; ++granule) stats.push_back(decodeStats(in));
}

// Version 1 (legacy, read only): one block per granule, entries interleaved with the min/max.
void decodeLegacyColumnEntries(ByteReader& in, size_t granule_count, std::vector<BlockLocation>& blocks,
                               std::vector<GranuleStats>& stats) {
  for (size_t granule = 0; granule < granule_count; ++granule) {
    BlockLocation block = decodeBlockLocation(in);
    block.first_granule = static_cast<uint32_t>(granule);
    blocks.push_back(block);
    stats.push_back(decodeStats(in));
  }
}

PartIndex decodeIndex(std::string_view data, uint32_t version) {
  ByteReader in(data);
  PartIndex index;
  index.version = version;
  index.schema_signature = std::string(in.getString());
  const uint64_t key_count = in.getVarint();
  if (key_count > in.remaining()) throw CorruptDataError("sorting key count is implausible");
  for (uint64_t i = 0; i < key_count; ++i) index.sorting_key.emplace_back(in.getString());
  index.rows = in.get<uint64_t>();
  const uint64_t granule_count = in.getVarint();
  if (granule_count > in.remaining()) throw CorruptDataError("granule count is implausible");
  uint64_t total_rows = 0;
  for (uint64_t i = 0; i < granule_count; ++i) {
    const uint64_t rows = in.getVarint();
    if (rows == 0 || rows > UINT32_MAX) throw CorruptDataError("granule row count is implausible");
    index.granule_rows.push_back(static_cast<uint32_t>(rows));
    total_rows += rows;
  }
  if (total_rows != index.rows) throw CorruptDataError("granule rows do not add up to the part's rows");
  const uint64_t column_count = in.getVarint();
  // An empty part (every row removed by a TTL merge) has columns but no block entries.
  if (column_count > (granule_count == 0 ? 65536 : in.remaining())) throw CorruptDataError("column count is implausible");
  index.blocks.resize(column_count);
  index.stats.resize(column_count);
  for (uint64_t column = 0; column < column_count; ++column) {
    if (version == kLegacyVersion) {
      decodeLegacyColumnEntries(in, granule_count, index.blocks[column], index.stats[column]);
    } else {
      decodeColumnEntries(in, granule_count, index.blocks[column], index.stats[column]);
    }
  }
  if (!in.atEnd()) throw CorruptDataError("trailing bytes after the index");
  return index;
}

int openForReading(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throwIoError("open", path, errno);
  return fd;
}

// Reads exactly data.size() bytes at `offset`; false when the file is shorter.
bool readAt(int fd, uint64_t offset, std::string& data, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t got = ::pread(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      throwIoError("read", path, errno);
    }
    if (got == 0) return false;
    done += static_cast<size_t>(got);
  }
  return true;
}

[[noreturn]] void throwCorrupt(const std::filesystem::path& path, const std::string& what) {
  throw Error(ErrorCode::kInternal, "part '" + path.string() + "' is corrupt: " + what +
                                        "; the table cannot be read until the part is restored or the table truncated");
}

std::string describeBlock(const BlockLocation& block) {
  const std::string granules = block.granules == 1 ? "granule " + std::to_string(block.first_granule)
                                                   : "granules " + std::to_string(block.first_granule) + "-" +
                                                         std::to_string(block.first_granule + block.granules - 1);
  return "block of " + granules + " at offset " + std::to_string(block.offset);
}

// Checks the file's framing and returns its verified index; throws CorruptDataError.
PartIndex readIndex(int fd, uint64_t file_size, const std::filesystem::path& path, uint64_t& data_end) {
  if (file_size < kHeaderSize + kTrailerSize) {
    throw CorruptDataError("missing header or trailer (file is " + std::to_string(file_size) + " bytes)");
  }
  std::string header(kHeaderSize, '\0');
  std::string trailer(kTrailerSize, '\0');
  if (!readAt(fd, 0, header, path) || !readAt(fd, file_size - kTrailerSize, trailer, path)) {
    throw CorruptDataError("file is shorter than its size");
  }
  if (std::string_view(header).substr(0, 8) != kHeaderMagic || std::string_view(trailer).substr(kTrailerSize - 8) != kTrailerMagic) {
    throw CorruptDataError("missing header or trailer (file is " + std::to_string(file_size) + " bytes)");
  }
  ByteReader header_reader(std::string_view(header).substr(8, 4));
  const uint32_t version = header_reader.get<uint32_t>();
  if (version != kVersion && version != kLegacyVersion) {
    throw Error(ErrorCode::kInternal, "part '" + path.string() + "' has format version " + std::to_string(version) +
                                          "; this build reads versions " + std::to_string(kLegacyVersion) + " and " +
                                          std::to_string(kVersion) + " (was it written by a newer Perch?)");
  }
  ByteReader trailer_reader(trailer);
  const uint64_t footer_offset = trailer_reader.get<uint64_t>();
  const uint32_t footer_size = trailer_reader.get<uint32_t>();
  const uint32_t footer_checksum = trailer_reader.get<uint32_t>();
  if (footer_offset < kHeaderSize || footer_offset > file_size || footer_offset + footer_size != file_size - kTrailerSize) {
    throw CorruptDataError("footer location is inconsistent");
  }
  std::string footer(footer_size, '\0');
  if (!readAt(fd, footer_offset, footer, path)) throw CorruptDataError("file is shorter than its size");
  if (checksum(footer) != footer_checksum) throw CorruptDataError("index checksum mismatch");
  data_end = footer_offset;
  return decodeIndex(footer, version);
}

// Decoded granules recently read, shared by all parts: a hot query over a part then costs what a
// query over in-memory batches costs, without making a restarted table resident. Bounded by bytes
// (least recently used evicted); keyed by a process-unique part id, so a deleted part's entries
// are never hit again and simply age out. Guarded by mutex_.
class DecodedBlockCache {
 public:
  static DecodedBlockCache& instance() {
    static DecodedBlockCache cache;
    return cache;
  }

  ColumnPtr find(uint64_t part, size_t column, size_t granule) {
    std::lock_guard lock(mutex_);
    auto it = map_.find(Key{part, column, granule});
    if (it == map_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->column;
  }

  /// The dictionary of a cached column. Keyed by address: an entry lives exactly as long as the
  /// cache holds the column, so the address cannot belong to another column meanwhile.
  std::shared_ptr<const StringDictionary> dictionaryOf(const Column* column) {
    std::lock_guard lock(mutex_);
    auto it = dictionaries_.find(column);
    return it == dictionaries_.end() ? nullptr : it->second;
  }

  void insert(uint64_t part, size_t column, size_t granule, ColumnPtr value, std::shared_ptr<const StringDictionary> dictionary) {
    size_t bytes = value->byteSize() + 64;
    if (dictionary) bytes += dictionary->values->byteSize() + dictionary->indexes.size();
    std::lock_guard lock(mutex_);
    if (bytes > capacity_ / 8) return;  // one block never takes a large share
    const Key key{part, column, granule};
    if (map_.count(key)) return;
    if (dictionary) dictionaries_[value.get()] = std::move(dictionary);
    lru_.push_front(Entry{key, std::move(value), bytes});
    map_[key] = lru_.begin();
    bytes_ += bytes;
    evictLocked();
  }

  void setCapacity(size_t bytes) {
    std::lock_guard lock(mutex_);
    capacity_ = bytes;
    evictLocked();
  }

 private:
  struct Key {
    uint64_t part;
    size_t column, granule;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const {
      return std::hash<uint64_t>()(key.part * 0x9E3779B97F4A7C15ull ^ (key.column << 32) ^ key.granule);
    }
  };
  struct Entry {
    Key key;
    ColumnPtr column;
    size_t bytes;
  };

  DecodedBlockCache() {
    const char* megabytes = std::getenv("PERCH_BLOCK_CACHE_MB");
    capacity_ = megabytes ? std::strtoull(megabytes, nullptr, 10) << 20 : Part::kDefaultBlockCacheBytes;
  }

  void evictLocked() {
    while (bytes_ > capacity_ && !lru_.empty()) {
      bytes_ -= lru_.back().bytes;
      map_.erase(lru_.back().key);
      dictionaries_.erase(lru_.back().column.get());
      lru_.pop_back();
    }
  }

  std::mutex mutex_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> map_;
  std::unordered_map<const Column*, std::shared_ptr<const StringDictionary>> dictionaries_;  // of cached columns
  size_t bytes_ = 0;
  size_t capacity_ = 0;
};

// Appends the compressed block `raw` (granules [first_granule, first_granule + granules) of a
// column) to `file` and records where it went.
void appendBlock(std::string_view raw, uint32_t first_granule, uint32_t granules, Codec codec, std::string& file,
                 std::vector<BlockLocation>& blocks) {
  const std::string compressed = compressBlock(codec, raw);
  const BlockLocation block{file.size(), static_cast<uint32_t>(compressed.size()), static_cast<uint32_t>(raw.size()),
                            checksum(compressed), codec, first_granule, granules};
  ByteWriter writer(file);
  writer.put<uint8_t>(static_cast<uint8_t>(codec));
  writer.put<uint32_t>(block.compressed_size);
  writer.put<uint32_t>(block.raw_size);
  writer.put<uint32_t>(block.checksum);
  file.append(compressed);
  blocks.push_back(block);
}

// Writes one column as blocks of consecutive granules: a block is closed once it holds
// min_block_bytes, and a granule that would grow it past max_block_bytes starts the next one.
void writeColumnBlocks(const Column& values, const std::vector<uint32_t>& granule_rows, Codec codec,
                       const PartWriteOptions& options, std::string& file, std::vector<BlockLocation>& blocks) {
  std::string raw;
  std::string granule;
  uint32_t first_granule = 0;
  uint32_t granules = 0;
  auto closeBlock = [&] {
    if (granules == 0) return;
    appendBlock(raw, first_granule, granules, codec, file, blocks);
    first_granule += granules;
    granules = 0;
    raw.clear();
  };
  size_t start = 0;
  for (uint32_t rows : granule_rows) {
    granule.clear();
    encodeGranuleColumn(values, start, rows, granule);
    start += rows;
    if (raw.size() + granule.size() > options.max_block_bytes) closeBlock();
    raw += granule;
    ++granules;
    if (raw.size() >= options.min_block_bytes) closeBlock();
  }
  closeBlock();
}

std::atomic<uint64_t> next_part_id{1};

}  // namespace

void Part::setBlockCacheCapacity(size_t bytes) { DecodedBlockCache::instance().setCapacity(bytes); }

std::shared_ptr<const StringDictionary> Part::stringDictionary(const Column& column) {
  return DecodedBlockCache::instance().dictionaryOf(&column);
}

std::string PartName::toString() const {
  const std::string range = formatSequence(min_sequence) + "_" + formatSequence(max_sequence) + "_" + std::to_string(level);
  return partition.empty() ? range : partition + "_" + range;
}

std::optional<PartName> PartName::parse(std::string_view text) {
  PartName name;
  // The range is the last three '_'-separated fields; anything before them is the partition id.
  size_t underscores = 0, prefix_end = std::string_view::npos;
  for (size_t i = text.size(); i-- > 0;) {
    if (text[i] == '_' && ++underscores == 3) {
      prefix_end = i;
      break;
    }
  }
  if (prefix_end != std::string_view::npos) {
    name.partition = std::string(text.substr(0, prefix_end));
    const bool valid = !name.partition.empty() && std::all_of(name.partition.begin(), name.partition.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (!valid) return std::nullopt;
    text.remove_prefix(prefix_end + 1);
  }
  const size_t first = text.find('_');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = text.find('_', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  uint64_t level = 0;
  if (!parseNumber(text.substr(0, first), name.min_sequence) ||
      !parseNumber(text.substr(first + 1, second - first - 1), name.max_sequence) ||
      !parseNumber(text.substr(second + 1), level) || level > UINT32_MAX || name.min_sequence > name.max_sequence) {
    return std::nullopt;
  }
  name.level = static_cast<uint32_t>(level);
  return name;
}

std::shared_ptr<const Part> Part::write(const std::filesystem::path& directory, const PartName& name,
                                        const TableSchema& schema, const std::vector<std::string>& sorting_key,
                                        const Batch& sorted_rows, const PartWriteOptions& options) {
  PartIndex index;
  index.version = kVersion;
  index.schema_signature = schema.signature();
  index.sorting_key = sorting_key;
  index.rows = sorted_rows.rows;
  const size_t granule_rows = std::max<size_t>(1, options.granule_rows);
  for (size_t start = 0; start < sorted_rows.rows; start += granule_rows) {
    index.granule_rows.push_back(static_cast<uint32_t>(std::min(granule_rows, sorted_rows.rows - start)));
  }

  std::string file;
  file.append(kHeaderMagic);
  ByteWriter writer(file);
  writer.put<uint32_t>(kVersion);
  index.blocks.resize(schema.columns.size());
  index.stats.resize(schema.columns.size());
  for (size_t column = 0; column < schema.columns.size(); ++column) {
    Codec codec = options.default_codec;
    if (auto it = options.column_codecs.find(schema.columns[column].name); it != options.column_codecs.end()) codec = it->second;
    writeColumnBlocks(*sorted_rows.columns[column], index.granule_rows, codec, options, file, index.blocks[column]);
    size_t start = 0;
    for (uint32_t rows : index.granule_rows) {
      index.stats[column].push_back(computeGranuleStats(*sorted_rows.columns[column], start, rows));
      start += rows;
    }
  }
  const uint64_t footer_offset = file.size();
  encodeIndex(index, file);
  const std::string_view footer = std::string_view(file).substr(footer_offset);
  const uint32_t footer_size = static_cast<uint32_t>(footer.size());
  const uint32_t footer_checksum = checksum(footer);
  writer.put<uint64_t>(footer_offset);
  writer.put<uint32_t>(footer_size);
  writer.put<uint32_t>(footer_checksum);
  file.append(kTrailerMagic);

  const std::filesystem::path final_path = directory / fileName(name);
  const std::filesystem::path temporary_path = directory / (fileName(name) + ".tmp");
  std::error_code ignored;
  std::filesystem::remove(temporary_path, ignored);
  {
    File out = File::createExclusive(temporary_path);
    out.writeAll(file);
    out.sync();
  }
  renamePath(temporary_path, final_path);
  syncDirectory(directory);

  const int fd = openForReading(final_path);
  return std::shared_ptr<const Part>(new Part(name, final_path, fd, std::move(index), file.size(), schema));
}

std::shared_ptr<const Part> Part::load(const std::filesystem::path& path, const TableSchema& schema) {
  const std::string file_name = path.filename().string();
  std::optional<PartName> name;
  if (file_name.ends_with(".part")) name = PartName::parse(std::string_view(file_name).substr(0, file_name.size() - 5));
  if (!name) throw Error(ErrorCode::kInternal, "'" + path.string() + "' is not a part file name");
  const int fd = openForReading(path);
  try {
    struct stat status {};
    if (::fstat(fd, &status) != 0) throwIoError("stat", path, errno);
    const uint64_t file_size = static_cast<uint64_t>(status.st_size);
    uint64_t data_end = 0;
    PartIndex index;
    try {
      index = readIndex(fd, file_size, path, data_end);
      if (index.schema_signature != schema.signature()) {
        throw Error(ErrorCode::kInternal, "part '" + path.string() + "' was written with another schema:\n" +
                                              index.schema_signature + "\nthe table now has:\n" + schema.signature());
      }
      if (index.blocks.size() != schema.columns.size()) throw CorruptDataError("column count differs from the schema");
      for (size_t column = 0; column < index.blocks.size(); ++column) {
        for (const BlockLocation& block : index.blocks[column]) {
          if (block.offset < kHeaderSize || block.offset + kBlockHeaderSize + block.compressed_size > data_end) {
            throw CorruptDataError("column '" + schema.columns[column].name + "' " + describeBlock(block) +
                                   " lies outside the data area");
          }
        }
      }
    } catch (const CorruptDataError& error) {
      throwCorrupt(path, error.what());
    }
    return std::shared_ptr<const Part>(new Part(*name, path, fd, std::move(index), file_size, schema));
  } catch (...) {
    ::close(fd);
    throw;
  }
}

Part::Part(PartName name, std::filesystem::path path, int fd, PartIndex index, uint64_t bytes_on_disk, const TableSchema& schema)
    : name_(name), path_(std::move(path)), fd_(fd), id_(next_part_id++), index_(std::move(index)), bytes_on_disk_(bytes_on_disk) {
  for (const auto& column : schema.columns) {
    column_types_.push_back(column.type);
    column_names_.push_back(column.name);
  }
  for (const auto& blocks : index_.blocks) {
    for (const auto& block : blocks) raw_bytes_ += block.raw_size;
  }
}

Part::~Part() {
  if (fd_ >= 0) ::close(fd_);
}

ColumnPtr Part::readColumn(size_t column, size_t granule) const {
  if (column >= index_.blocks.size() || granule >= index_.granule_rows.size()) {
    throw std::logic_error("Part::readColumn: column " + std::to_string(column) + " granule " + std::to_string(granule) +
                           " out of range for '" + path_.string() + "'");
  }
  const size_t one[] = {granule};
  return readColumnGranules(column, one).front();
}

size_t Part::blockOf(size_t column, size_t granule) const {
  const auto& blocks = index_.blocks[column];
  const auto after = std::upper_bound(blocks.begin(), blocks.end(), granule,
                                      [](size_t value, const BlockLocation& block) { return value < block.first_granule; });
  return static_cast<size_t>(after - blocks.begin()) - 1;
}

std::vector<ColumnPtr> Part::readColumnGranules(size_t column, std::span<const size_t> granules) const {
  DecodedBlockCache& cache = DecodedBlockCache::instance();
  std::vector<ColumnPtr> columns;
  columns.reserve(granules.size());
  std::vector<DecodedGranule> decoded;  // the granules of the block read last
  size_t decoded_block = SIZE_MAX;
  for (size_t granule : granules) {
    if (ColumnPtr cached = cache.find(id_, column, granule)) {
      columns.push_back(std::move(cached));
      continue;
    }
    const size_t block = blockOf(column, granule);
    const uint32_t first_granule = index_.blocks[column][block].first_granule;
    if (block != decoded_block) {
      decoded = readBlock(column, block, granule);
      decoded_block = block;
      for (size_t i = 0; i < decoded.size(); ++i) cache.insert(id_, column, first_granule + i, decoded[i].column, decoded[i].dictionary);
    }
    columns.push_back(decoded[granule - first_granule].column);
  }
  return columns;
}

std::vector<Part::DecodedGranule> Part::readBlock(size_t column, size_t block_number, size_t wanted) const {
  const BlockLocation& block = index_.blocks[column][block_number];
  const std::string where = "column '" + column_names_[column] + "' granule " + std::to_string(wanted) + " (" + describeBlock(block) + ")";
  try {
    // Per-thread buffers reused across blocks: a scan reads thousands of blocks, and fresh buffers
    // cost a zero fill and page faults each time. Nothing decoded below points into them.
    thread_local std::string data, raw;
    data.resize(kBlockHeaderSize + block.compressed_size);
    blocks_read_.fetch_add(1, std::memory_order_relaxed);
    if (!readAt(fd_, block.offset, data, path_)) throw CorruptDataError(where + ": the file ends inside the block");
    ByteReader block_header(std::string_view(data).substr(0, kBlockHeaderSize));
    const uint8_t codec = block_header.get<uint8_t>();
    const uint32_t compressed_size = block_header.get<uint32_t>();
    const uint32_t raw_size = block_header.get<uint32_t>();
    const uint32_t block_checksum = block_header.get<uint32_t>();
    if (codec != static_cast<uint8_t>(block.codec) || compressed_size != block.compressed_size || raw_size != block.raw_size ||
        block_checksum != block.checksum) {
      throw CorruptDataError(where + ": block header does not match the index");
    }
    const std::string_view compressed = std::string_view(data).substr(kBlockHeaderSize);
    if (checksum(compressed) != block.checksum) throw CorruptDataError(where + ": checksum mismatch");
    decompressBlockInto(block.codec, compressed, raw_size, raw);
    ByteReader in(raw);
    std::vector<DecodedGranule> decoded;
    for (uint32_t granule = block.first_granule; granule < block.first_granule + block.granules; ++granule) {
      try {
        const size_t rows = index_.granule_rows[granule];
        if (index_.version == kLegacyVersion) {
          decoded.push_back({decodeColumn(column_types_[column], rows, in), nullptr});
          continue;
        }
        StringDictionary dictionary;
        DecodedGranule& out = decoded.emplace_back();
        out.column = decodeGranuleColumn(column_types_[column], rows, in, &dictionary);
        // Kept when it repeats values enough to be worth its indexes (2+ rows per value).
        if (dictionary.values && dictionary.values->size() * 2 <= rows) {
          out.dictionary = std::make_shared<const StringDictionary>(std::move(dictionary));
        }
      } catch (const CorruptDataError& error) {
        throw CorruptDataError(where + ": granule " + std::to_string(granule) + ": " + error.what());
      }
    }
    if (!in.atEnd()) throw CorruptDataError(where + ": trailing bytes in the block");
    if (raw.capacity() > kMaxKeptBuffer) std::string().swap(raw);
    if (data.capacity() > kMaxKeptBuffer) std::string().swap(data);
    return decoded;
  } catch (const CorruptDataError& error) {
    throwCorrupt(path_, error.what());
  }
}

namespace {

// The consecutive granule columns `parts` (`rows` rows in all) as one column: shared when there is one.
ColumnPtr concatenate(const DataType& type, std::span<const ColumnPtr> parts, size_t rows) {
  if (parts.size() == 1) return parts.front();
  MutableColumnPtr combined = makeColumn(type);
  combined->reserve(rows);
  for (const ColumnPtr& part : parts) combined->appendRange(*part, 0, part->size());
  return combined;
}

}  // namespace

Batch Part::readGranules(std::span<const size_t> columns, std::span<const size_t> granules) const {
  Batch batch;
  for (size_t granule : granules) batch.rows += index_.granule_rows.at(granule);
  batch.columns.reserve(columns.size());
  for (size_t column : columns) {
    const std::vector<ColumnPtr> parts = readColumnGranules(column, granules);
    batch.columns.push_back(concatenate(column_types_.at(column), parts, batch.rows));
  }
  return batch;
}

std::vector<Batch> Part::readGranuleBatches(std::span<const size_t> columns, std::span<const size_t> granules,
                                            size_t min_rows) const {
  // Cut the granules into runs first: run r is granules [starts[r], starts[r + 1]).
  std::vector<Batch> batches;
  std::vector<size_t> starts;
  for (size_t i = 0; i < granules.size(); ++i) {
    if (batches.empty() || batches.back().rows >= min_rows) {
      batches.emplace_back();
      starts.push_back(i);
    }
    batches.back().rows += index_.granule_rows.at(granules[i]);
  }
  starts.push_back(granules.size());
  for (Batch& batch : batches) batch.columns.reserve(columns.size());
  for (size_t column : columns) {
    const std::vector<ColumnPtr> parts = readColumnGranules(column, granules);
    for (size_t run = 0; run < batches.size(); ++run) {
      const std::span<const ColumnPtr> run_parts(parts.data() + starts[run], starts[run + 1] - starts[run]);
      batches[run].columns.push_back(concatenate(column_types_.at(column), run_parts, batches[run].rows));
    }
  }
  return batches;
}

std::vector<BatchPtr> Part::readAll() const {
  std::vector<size_t> granules(granuleCount());
  for (size_t i = 0; i < granules.size(); ++i) granules[i] = i;
  std::vector<Batch> batches(granules.size());
  for (size_t granule : granules) batches[granule].rows = index_.granule_rows[granule];
  for (size_t column = 0; column < column_types_.size(); ++column) {
    std::vector<ColumnPtr> columns = readColumnGranules(column, granules);
    for (size_t granule : granules) batches[granule].columns.push_back(std::move(columns[granule]));
  }
  std::vector<BatchPtr> result;
  result.reserve(batches.size());
  for (Batch& batch : batches) result.push_back(std::make_shared<const Batch>(std::move(batch)));
  return result;
}

}  // namespace perch::storage
