#include "storage/part.h"

#include <charconv>

#include "storage/batch_codec.h"
#include "storage/byte_io.h"
#include "storage/file_io.h"

namespace perch::storage {
namespace {

constexpr std::string_view kHeaderMagic = "PERCHPRT";
constexpr std::string_view kTrailerMagic = "PERCHEND";
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderSize = 8 + 4;
constexpr size_t kTrailerSize = 8 + 4 + 4 + 8;
constexpr size_t kBlockHeaderSize = 1 + 4 + 4 + 4;

std::string formatSequence(uint64_t value) {
  std::string digits = std::to_string(value);
  return std::string(20 - digits.size(), '0') + digits;
}

bool parseNumber(std::string_view text, uint64_t& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

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
    for (size_t granule = 0; granule < index.granule_rows.size(); ++granule) {
      const BlockLocation& block = index.blocks[column][granule];
      writer.put<uint64_t>(block.offset);
      writer.put<uint32_t>(block.compressed_size);
      writer.put<uint32_t>(block.raw_size);
      writer.put<uint32_t>(block.checksum);
      writer.put<uint8_t>(static_cast<uint8_t>(block.codec));
      const GranuleStats& stats = index.stats[column][granule];
      writer.put<uint8_t>(static_cast<uint8_t>((stats.has_min_max ? 1 : 0) | (stats.has_null ? 2 : 0)));
      if (stats.has_min_max) {
        writer.putString(stats.min);
        writer.putString(stats.max);
      }
    }
  }
}

PartIndex decodeIndex(std::string_view data) {
  ByteReader in(data);
  PartIndex index;
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
  if (column_count > in.remaining()) throw CorruptDataError("column count is implausible");
  index.blocks.resize(column_count);
  index.stats.resize(column_count);
  for (uint64_t column = 0; column < column_count; ++column) {
    for (uint64_t granule = 0; granule < granule_count; ++granule) {
      BlockLocation block;
      block.offset = in.get<uint64_t>();
      block.compressed_size = in.get<uint32_t>();
      block.raw_size = in.get<uint32_t>();
      block.checksum = in.get<uint32_t>();
      const uint8_t codec = in.get<uint8_t>();
      if (codec > static_cast<uint8_t>(Codec::kZSTD)) throw CorruptDataError("unknown codec " + std::to_string(codec));
      block.codec = static_cast<Codec>(codec);
      GranuleStats stats;
      const uint8_t flags = in.get<uint8_t>();
      stats.has_min_max = flags & 1;
      stats.has_null = flags & 2;
      if (stats.has_min_max) {
        stats.min = std::string(in.getString());
        stats.max = std::string(in.getString());
      }
      index.blocks[column].push_back(block);
      index.stats[column].push_back(std::move(stats));
    }
  }
  if (!in.atEnd()) throw CorruptDataError("trailing bytes after the index");
  return index;
}

}  // namespace

std::string PartName::toString() const {
  return formatSequence(min_sequence) + "_" + formatSequence(max_sequence) + "_" + std::to_string(level);
}

std::optional<PartName> PartName::parse(std::string_view text) {
  const size_t first = text.find('_');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = text.find('_', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  PartName name;
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
  std::string raw;
  index.blocks.resize(schema.columns.size());
  index.stats.resize(schema.columns.size());
  for (size_t column = 0; column < schema.columns.size(); ++column) {
    Codec codec = options.default_codec;
    if (auto it = options.column_codecs.find(schema.columns[column].name); it != options.column_codecs.end()) codec = it->second;
    size_t start = 0;
    for (uint32_t rows : index.granule_rows) {
      raw.clear();
      encodeColumn(*sorted_rows.columns[column], start, rows, raw);
      const std::string compressed = compressBlock(codec, raw);
      BlockLocation block{file.size(), static_cast<uint32_t>(compressed.size()), static_cast<uint32_t>(raw.size()),
                          checksum(compressed), codec};
      writer.put<uint8_t>(static_cast<uint8_t>(codec));
      writer.put<uint32_t>(block.compressed_size);
      writer.put<uint32_t>(block.raw_size);
      writer.put<uint32_t>(block.checksum);
      file.append(compressed);
      index.blocks[column].push_back(block);
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

  std::vector<BatchPtr> batches;
  size_t start = 0;
  for (uint32_t rows : index.granule_rows) {
    batches.push_back(std::make_shared<const Batch>(sliceBatch(sorted_rows, start, rows)));
    start += rows;
  }
  return std::shared_ptr<const Part>(new Part(name, final_path, std::move(index), file.size(), std::move(batches)));
}

std::shared_ptr<const Part> Part::load(const std::filesystem::path& path, const TableSchema& schema) {
  const std::string file_name = path.filename().string();
  std::optional<PartName> name;
  if (file_name.ends_with(".part")) name = PartName::parse(std::string_view(file_name).substr(0, file_name.size() - 5));
  if (!name) throw Error(ErrorCode::kInternal, "'" + path.string() + "' is not a part file name");
  const std::string file = readWholeFile(path);
  const std::string_view data = file;
  try {
    if (data.size() < kHeaderSize + kTrailerSize || data.substr(0, 8) != kHeaderMagic || data.substr(data.size() - 8) != kTrailerMagic) {
      throw CorruptDataError("missing header or trailer (file is " + std::to_string(data.size()) + " bytes)");
    }
    ByteReader header(data.substr(8, 4));
    if (const uint32_t version = header.get<uint32_t>(); version != kVersion) {
      throw CorruptDataError("unsupported part version " + std::to_string(version));
    }
    ByteReader trailer(data.substr(data.size() - kTrailerSize));
    const uint64_t footer_offset = trailer.get<uint64_t>();
    const uint32_t footer_size = trailer.get<uint32_t>();
    const uint32_t footer_checksum = trailer.get<uint32_t>();
    if (footer_offset < kHeaderSize || footer_offset + footer_size != data.size() - kTrailerSize) {
      throw CorruptDataError("footer location is inconsistent");
    }
    const std::string_view footer = data.substr(footer_offset, footer_size);
    if (checksum(footer) != footer_checksum) throw CorruptDataError("index checksum mismatch");
    PartIndex index = decodeIndex(footer);
    if (index.schema_signature != schema.signature()) {
      throw Error(ErrorCode::kInternal, "part '" + path.string() + "' was written with another schema:\n" +
                                            index.schema_signature + "\nthe table now has:\n" + schema.signature());
    }
    if (index.blocks.size() != schema.columns.size()) throw CorruptDataError("column count differs from the schema");

    std::vector<BatchPtr> batches;
    for (size_t granule = 0; granule < index.granule_rows.size(); ++granule) {
      Batch batch;
      batch.rows = index.granule_rows[granule];
      for (size_t column = 0; column < schema.columns.size(); ++column) {
        const BlockLocation& block = index.blocks[column][granule];
        const std::string where = "column '" + schema.columns[column].name + "' granule " + std::to_string(granule) +
                                  " (block at offset " + std::to_string(block.offset) + ")";
        if (block.offset < kHeaderSize || block.offset + kBlockHeaderSize + block.compressed_size > footer_offset) {
          throw CorruptDataError(where + " lies outside the data area");
        }
        ByteReader block_header(data.substr(block.offset, kBlockHeaderSize));
        const uint8_t codec = block_header.get<uint8_t>();
        const uint32_t compressed_size = block_header.get<uint32_t>();
        const uint32_t raw_size = block_header.get<uint32_t>();
        const uint32_t block_checksum = block_header.get<uint32_t>();
        if (codec != static_cast<uint8_t>(block.codec) || compressed_size != block.compressed_size ||
            raw_size != block.raw_size || block_checksum != block.checksum) {
          throw CorruptDataError(where + ": block header does not match the index");
        }
        const std::string_view compressed = data.substr(block.offset + kBlockHeaderSize, compressed_size);
        if (checksum(compressed) != block.checksum) throw CorruptDataError(where + ": checksum mismatch");
        const std::string raw = decompressBlock(block.codec, compressed, raw_size);
        ByteReader in(raw);
        try {
          batch.columns.push_back(decodeColumn(schema.columns[column].type, batch.rows, in));
        } catch (const CorruptDataError& error) {
          throw CorruptDataError(where + ": " + error.what());
        }
        if (!in.atEnd()) throw CorruptDataError(where + ": trailing bytes in the block");
      }
      batches.push_back(std::make_shared<const Batch>(std::move(batch)));
    }
    return std::shared_ptr<const Part>(new Part(*name, path, std::move(index), data.size(), std::move(batches)));
  } catch (const CorruptDataError& error) {
    throw Error(ErrorCode::kInternal, "part '" + path.string() + "' is corrupt: " + error.what() +
                                          "; the table cannot be read until the part is restored or the table truncated");
  }
}

}  // namespace perch::storage
