#include "storage/table.h"

#include <algorithm>
#include <charconv>
#include <iostream>
#include <stdexcept>

#include "storage/batch_codec.h"
#include "storage/file_io.h"
#include "storage/merge_policy.h"
#include "storage/part.h"
#include "storage/partitioning.h"
#include "storage/row_order.h"
#include "storage/wal.h"

namespace perch {

using storage::Part;
using storage::PartName;
using storage::PartPtr;
using storage::WriteAheadLog;

namespace {

constexpr std::string_view kTruncationMarker = "truncated";

// The marker file "truncated": "<through>\n" (every row with sequence <= through is gone), and
// after a replace() a second line "replace <sequence>\n" naming the committed replace.
struct TruncationMarker {
  uint64_t through = 0;
  uint64_t replace = 0;  // 0: the last marker was written by truncate()
};

uint64_t parseMarkerNumber(std::string_view text, const std::filesystem::path& path) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw Error(ErrorCode::kInternal, "truncation marker '" + path.string() + "' is corrupt");
  }
  return value;
}

TruncationMarker readTruncationMarker(const std::filesystem::path& path) {
  TruncationMarker marker;
  if (!std::filesystem::exists(path)) return marker;
  const std::string text = storage::readWholeFile(path);
  const size_t newline = text.find('\n');
  marker.through = parseMarkerNumber(std::string_view(text).substr(0, newline), path);
  if (newline != std::string::npos && newline + 1 < text.size()) {
    std::string_view second = std::string_view(text).substr(newline + 1);
    second = second.substr(0, second.find('\n'));
    if (!second.starts_with("replace ")) throw Error(ErrorCode::kInternal, "truncation marker '" + path.string() + "' is corrupt");
    marker.replace = parseMarkerNumber(second.substr(8), path);
  }
  return marker;
}

constexpr std::string_view kReplacePrefix = "replace-";

std::string sequenceText(uint64_t sequence) {
  std::string digits = std::to_string(sequence);
  return std::string(20 - std::min<size_t>(20, digits.size()), '0') + digits;
}

bool partOrder(const PartPtr& a, const PartPtr& b) {
  if (a->name().min_sequence != b->name().min_sequence) return a->name().min_sequence < b->name().min_sequence;
  return a->name().partition < b->name().partition;
}

void removeQuietly(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::remove(path, error);
  if (error) std::cerr << "perch: could not remove '" << path.string() << "': " << error.message() << "\n";
}

}  // namespace

TableSnapshot::TableSnapshot(std::shared_ptr<const TableSchema> schema, std::vector<BatchPtr> batches)
    : TableSnapshot(std::move(schema), {}, {}, std::move(batches)) {}

TableSnapshot::TableSnapshot(std::shared_ptr<const TableSchema> schema, std::vector<std::string> sorting_key,
                             std::vector<PartPtr> parts, std::vector<BatchPtr> buffered, bool replacing,
                             std::string version_column)
    : schema_(std::move(schema)),
      sorting_key_(std::move(sorting_key)),
      parts_(std::move(parts)),
      buffered_(std::move(buffered)),
      replacing_(replacing),
      version_column_(std::move(version_column)) {
  for (const auto& part : parts_) rows_ += part->rows();
  for (const auto& batch : buffered_) rows_ += batch->rows;
}

size_t TableSnapshot::bytes() const {
  size_t total = 0;
  for (const auto& part : parts_) total += part->rawBytes();
  for (const auto& batch : buffered_) total += batch->byteSize();
  return total;
}

std::vector<BatchPtr> TableSnapshot::materialize() const {
  std::vector<BatchPtr> batches;
  for (const auto& part : parts_) {
    std::vector<BatchPtr> granules = part->readAll();
    batches.insert(batches.end(), granules.begin(), granules.end());
  }
  batches.insert(batches.end(), buffered_.begin(), buffered_.end());
  return batches;
}

Table::Table(std::string name, TableSchema schema) : Table(std::move(name), std::move(schema), TableOptions{}) {}

Table::Table(std::string name, TableSchema schema, TableOptions options)
    : name_(std::move(name)), schema_(std::make_shared<const TableSchema>(std::move(schema))), options_(std::move(options)) {
  for (const auto& key : options_.sorting_key) {
    const auto index = schema_->indexOf(key);
    if (!index) throw Error(ErrorCode::kBadRequest, "sorting key column '" + key + "' is not a column of table '" + name_ + "'");
    sorting_key_columns_.push_back(*index);
  }
  row_rules_.sorting_key_columns = sorting_key_columns_;
  row_rules_.replacing = options_.engine == TableEngine::kReplacingMergeTree;
  row_rules_.expires_at = options_.expires_at;
  if (!options_.version_column.empty()) {
    const auto index = schema_->indexOf(options_.version_column);
    if (!index) {
      throw Error(ErrorCode::kBadRequest, "version column '" + options_.version_column + "' is not a column of table '" + name_ + "'");
    }
    const DataType& type = schema_->columns[*index].type;
    if (!(type.isInteger() || type.id() == TypeId::kDate || type.id() == TypeId::kDateTime)) {
      throw Error(ErrorCode::kBadRequest, "version column '" + options_.version_column + "' of table '" + name_ +
                                              "' must be an unsigned or signed integer, Date or DateTime");
    }
    row_rules_.version_column = *index;
  }
  if (!durable()) return;
  open();
  if (options_.background) background_ = std::thread([this] { backgroundLoop(); });
}

Table::~Table() { close(); }

void Table::open() {
  const std::filesystem::path& directory = options_.directory;
  parts_directory_ = directory / "parts";
  std::filesystem::create_directories(parts_directory_);
  const TruncationMarker marker = readTruncationMarker(directory / kTruncationMarker);
  const uint64_t truncated_through = marker.through;
  recoverReplaces(marker.replace);

  // Parts: drop leftovers of interrupted writes, parts a truncate removed and parts a merge replaced.
  std::vector<PartName> names;
  for (const auto& entry : std::filesystem::directory_iterator(parts_directory_)) {
    const std::string file = entry.path().filename().string();
    if (file.ends_with(".tmp")) {
      removeQuietly(entry.path());
      continue;
    }
    if (!file.ends_with(".part")) continue;
    auto name = PartName::parse(std::string_view(file).substr(0, file.size() - 5));
    if (!name) throw Error(ErrorCode::kInternal, "unexpected file '" + entry.path().string() + "' among the parts");
    names.push_back(*name);
  }
  std::vector<PartName> live;
  for (const auto& name : names) {
    const bool covered = std::any_of(names.begin(), names.end(), [&](const PartName& other) { return other.covers(name); });
    if (covered || name.max_sequence <= truncated_through) {
      removeQuietly(parts_directory_ / Part::fileName(name));
    } else {
      live.push_back(name);
    }
  }
  std::sort(live.begin(), live.end(), [](const PartName& a, const PartName& b) {
    return a.min_sequence != b.min_sequence ? a.min_sequence < b.min_sequence : a.partition < b.partition;
  });
  uint64_t parts_through = truncated_through;
  for (const auto& name : live) {
    parts_through = std::max(parts_through, name.max_sequence);
    try {
      parts_.push_back(Part::load(parts_directory_ / Part::fileName(name), *schema_));
    } catch (const Error& error) {
      std::cerr << "perch: table '" << name_ << "': " << error.what() << "\n";
      if (load_error_.empty()) load_error_ = "table '" + name_ + "': " + error.what();
    }
  }

  // Log: replay what no part holds yet. Per partition, a part's range says which records' rows of
  // that partition it holds; a flush interrupted between the parts of two partitions leaves rows
  // of some partitions only in the log, and those are replayed (docs/formats/part.md).
  // A part without a partition id (written before the table had a partition key) holds every row
  // of its records, and so does any part when the table no longer has one.
  auto covered = [&](const std::string& partition, uint64_t sequence) {
    return std::any_of(live.begin(), live.end(), [&](const PartName& name) {
      const bool same = name.partition == partition || name.partition.empty() || !options_.partition_of;
      return same && name.min_sequence <= sequence && sequence <= name.max_sequence;
    });
  };
  uint64_t replayed_truncate = 0;
  auto replay = [&](const storage::WalRecord& record) {
    if (record.kind == storage::WalRecordKind::kReplace) return;  // committed by the marker, not the log
    if (record.kind == storage::WalRecordKind::kTruncate) {
      buffer_.clear();
      buffer_rows_ = buffer_bytes_ = 0;
      replayed_truncate = record.sequence;
      return;
    }
    auto batch = std::make_shared<const Batch>(storage::decodeBatch(*schema_, record.payload));
    if (record.sequence <= parts_through) {
      std::vector<uint32_t> missing;
      for (const auto& group : storage::splitByPartition(*batch, options_.partition_of)) {
        if (!covered(group.partition, record.sequence)) missing.insert(missing.end(), group.rows.begin(), group.rows.end());
      }
      if (missing.empty()) return;
      if (missing.size() < batch->rows) {
        std::sort(missing.begin(), missing.end());
        batch = std::make_shared<const Batch>(storage::gatherBatch(*batch, missing));
      }
    }
    buffer_rows_ += batch->rows;
    buffer_bytes_ += batch->byteSize();
    buffer_.push_back(BufferedBatch{std::move(batch), record.sequence});
  };
  storage::WalOptions wal_options;
  wal_options.segment_bytes = options_.wal_segment_bytes;
  wal_options.last_sequence_at_least = parts_through;
  wal_ = WriteAheadLog::open(directory / "wal", schema_->signature(), truncated_through, replay, wal_options);
  buffer_since_ = std::chrono::steady_clock::now();

  if (replayed_truncate != 0) {
    // A truncate was logged but had not finished: finish it (delete every part older than it).
    storage::writeFileAtomically(directory / kTruncationMarker, std::to_string(replayed_truncate) + "\n");
    std::vector<PartPtr> kept;
    for (const auto& part : parts_) {
      if (part->name().max_sequence < replayed_truncate) {
        removeQuietly(part->path());
      } else {
        kept.push_back(part);
      }
    }
    parts_ = std::move(kept);
    for (const auto& name : live) {
      if (name.max_sequence < replayed_truncate) removeQuietly(parts_directory_ / Part::fileName(name));
    }
    load_error_.clear();
    storage::syncDirectory(parts_directory_);
  }
}

void Table::recoverReplaces(uint64_t committed_replace) {
  for (const auto& entry : std::filesystem::directory_iterator(parts_directory_)) {
    const std::string file = entry.path().filename().string();
    if (!entry.is_directory() || !file.starts_with(kReplacePrefix)) continue;
    if (file == std::string(kReplacePrefix) + sequenceText(committed_replace) && committed_replace != 0) {
      // Committed: the marker was written, the parts may not all have been moved yet.
      for (const auto& staged : std::filesystem::directory_iterator(entry.path())) {
        if (staged.path().filename().string().ends_with(".part")) {
          storage::renamePath(staged.path(), parts_directory_ / staged.path().filename());
        }
      }
      storage::syncDirectory(parts_directory_);
    }
    std::filesystem::remove_all(entry.path());
  }
  storage::syncDirectory(parts_directory_);
}

void Table::markFailed(const std::exception& error, bool disk_full) {
  std::lock_guard lock(mutex_);
  if (!failure_.empty()) return;
  failure_ = error.what();
  disk_full_ = disk_full;
  std::cerr << "perch: table '" << name_ << "' is read-only after a storage failure: " << failure_ << "\n";
}

void Table::throwReadOnlyLocked() const {
  const std::string message = "table '" + name_ + "' accepts no writes after a storage failure (fix the cause and restart): " + failure_;
  if (disk_full_) throw storage::DiskFullError(message);
  throw Error(ErrorCode::kUnavailable, message);
}

template <typename Action>
auto Table::guardIo(Action&& action) {
  try {
    return action();
  } catch (const storage::DiskFullError& error) {
    markFailed(error, true);
    throw;
  } catch (const std::exception& error) {
    markFailed(error, false);
    throw;
  }
}

void Table::checkBatch(const Batch& batch) const {
  if (batch.columns.size() != schema_->columns.size()) {
    throw std::logic_error("Table::append: batch for '" + name_ + "' has the wrong number of columns");
  }
  for (size_t i = 0; i < batch.columns.size(); ++i) {
    if (batch.columns[i]->size() != batch.rows || !(batch.columns[i]->type() == schema_->columns[i].type)) {
      throw std::logic_error("Table::append: column '" + schema_->columns[i].name + "' of '" + name_ +
                             "' does not match the schema");
    }
  }
}

void Table::append(Batch batch, Durability durability) {
  checkBatch(batch);
  if (batch.rows == 0) return;
  auto shared = std::make_shared<const Batch>(std::move(batch));
  const size_t bytes = shared->byteSize();

  std::string payload;
  if (wal_) {
    payload.reserve(bytes + 64);  // the encoding is never larger than the columns plus a header: no regrowth
    storage::encodeBatch(*shared, payload);
  }
  uint64_t sequence = 0;
  {
    std::lock_guard lock(mutex_);
    if (wal_) {
      if (!failure_.empty()) throwReadOnlyLocked();
      if (buffer_rows_ >= options_.max_buffer_rows) {
        throw BackpressureError("table '" + name_ + "' is receiving data faster than it can write parts (" +
                                                 std::to_string(buffer_rows_) + " rows buffered); retry later");
      }
      try {
        sequence = wal_->write(storage::WalRecordKind::kBatch, payload);
      } catch (const std::exception& error) {
        if (failure_.empty()) {
          failure_ = error.what();
          disk_full_ = dynamic_cast<const storage::DiskFullError*>(&error) != nullptr;
          std::cerr << "perch: table '" << name_ << "' is read-only after a storage failure: " << failure_ << "\n";
        }
        throw;
      }
    }
    if (buffer_.empty()) buffer_since_ = std::chrono::steady_clock::now();
    buffer_.push_back(BufferedBatch{std::move(shared), sequence});
    buffer_rows_ += buffer_.back().batch->rows;
    buffer_bytes_ += bytes;
    invalidateSnapshotLocked();
    if (wal_ && (buffer_rows_ >= options_.flush_rows || buffer_bytes_ >= options_.flush_bytes)) wake_background_.notify_one();
  }
  if (wal_ && durability == Durability::kSynced) guardIo([&] { wal_->sync(sequence); });
}

void Table::sync() {
  if (wal_) guardIo([&] { wal_->syncAll(); });
}

SnapshotPtr Table::snapshot() const {
  std::lock_guard lock(mutex_);
  if (!load_error_.empty()) throw Error(ErrorCode::kInternal, load_error_);
  if (!current_) {
    std::vector<BatchPtr> buffered;
    for (const auto& entry : buffer_) buffered.push_back(entry.batch);
    current_ = std::make_shared<const TableSnapshot>(schema_, options_.sorting_key, parts_, std::move(buffered),
                                                     options_.engine == TableEngine::kReplacingMergeTree, options_.version_column);
  }
  return current_;
}

std::shared_ptr<const storage::Part> Table::writePart(const std::filesystem::path& directory, const PartName& name, const Batch& rows) {
  storage::PartWriteOptions write_options;
  write_options.granule_rows = options_.granule_rows;
  write_options.default_codec = options_.default_codec;
  write_options.column_codecs = options_.column_codecs;
  return Part::write(directory, name, *schema_, options_.sorting_key, rows, write_options);
}

std::vector<PartPtr> Table::writePartitionedParts(const std::vector<std::pair<BatchPtr, uint64_t>>& batches,
                                                  const std::filesystem::path& directory, std::optional<uint64_t> sequence) {
  struct Pending {
    std::vector<BatchPtr> batches;
    uint64_t min_sequence = UINT64_MAX;
    uint64_t max_sequence = 0;
  };
  std::map<std::string, Pending> by_partition;
  for (const auto& [batch, batch_sequence] : batches) {
    if (batch->rows == 0) continue;
    for (auto& group : storage::splitByPartition(*batch, options_.partition_of)) {
      Pending& pending = by_partition[group.partition];
      pending.batches.push_back(group.rows.size() == batch->rows ? batch
                                                                 : std::make_shared<const Batch>(storage::gatherBatch(*batch, group.rows)));
      // A partition's part covers only the records that have rows in it (recovery relies on that).
      pending.min_sequence = std::min(pending.min_sequence, batch_sequence);
      pending.max_sequence = std::max(pending.max_sequence, batch_sequence);
    }
  }
  std::vector<PartPtr> parts;
  for (auto& [partition, pending] : by_partition) {
    const Batch rows = storage::preparePartRows(*schema_, pending.batches, row_rules_, std::nullopt);
    PartName name{sequence.value_or(pending.min_sequence), sequence.value_or(pending.max_sequence), 0, partition};
    parts.push_back(writePart(directory, name, rows));
    if (row_rules_.expires_at) {
      const storage::ExpiryRange range = storage::expiryRange({std::make_shared<const Batch>(rows)}, row_rules_.expires_at);
      std::lock_guard lock(mutex_);
      part_expiry_[parts.back()->name().toString()] = range;
    }
  }
  return parts;
}

void Table::insertPartLocked(PartPtr part) {
  parts_.insert(std::upper_bound(parts_.begin(), parts_.end(), part, partOrder), std::move(part));
}

int64_t Table::nowSeconds() const {
  if (options_.now_seconds) return options_.now_seconds();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void Table::flush() {
  if (!wal_) return;
  std::lock_guard maintenance(maintenance_mutex_);
  std::vector<std::pair<BatchPtr, uint64_t>> batches;
  {
    std::lock_guard lock(mutex_);
    if (!failure_.empty()) throwReadOnlyLocked();
    if (buffer_.empty()) return;
    for (const auto& buffered : buffer_) batches.emplace_back(buffered.batch, buffered.sequence);
  }
  const uint64_t through = batches.back().second;
  // Appends after this point go to a newer segment, so every older segment only holds records the
  // parts will contain (or older ones) and can be dropped once they are published. Rotating without
  // mutex_ is fine: a record written meanwhile lands in the old segment and is simply kept until
  // the next flush covers it (dropThrough checks sequence numbers, not timing).
  guardIo([&] { wal_->rotate(); });
  // One part per partition. If a write fails half way, the published parts stay (recovery replays
  // only the rows no part holds), the table becomes read-only and the buffer keeps every row.
  std::vector<PartPtr> parts = guardIo([&] { return writePartitionedParts(batches, parts_directory_, std::nullopt); });
  {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < batches.size(); ++i) {
      buffer_rows_ -= buffer_.front().batch->rows;
      buffer_bytes_ -= buffer_.front().batch->byteSize();
      buffer_.pop_front();
    }
    buffer_since_ = std::chrono::steady_clock::now();
    for (auto& part : parts) insertPartLocked(std::move(part));
    invalidateSnapshotLocked();
  }
  wal_->dropThrough(through);
}

bool Table::mergeOnce() {
  if (!wal_) return false;
  std::lock_guard maintenance(maintenance_mutex_);
  std::vector<PartPtr> parts;
  {
    std::lock_guard lock(mutex_);
    if (!failure_.empty() || !load_error_.empty()) return false;
    parts = parts_;
  }
  const int64_t now = nowSeconds();
  std::vector<storage::MergeCandidate> candidates;
  for (const auto& part : parts) {
    storage::MergeCandidate candidate;
    candidate.partition = part->name().partition;
    candidate.rows = part->rows();
    if (row_rules_.expires_at && part->rows() > 0) {
      std::optional<storage::ExpiryRange> known;
      {
        std::lock_guard lock(mutex_);
        if (auto it = part_expiry_.find(part->name().toString()); it != part_expiry_.end()) known = it->second;
      }
      if (!known) {
        // A part loaded at open: its expiry range is computed once, here, off the append path.
        known = storage::expiryRange(part->readAll(), row_rules_.expires_at);
        std::lock_guard lock(mutex_);
        part_expiry_[part->name().toString()] = *known;
      }
      candidate.min_expiry = known->min;
      candidate.max_expiry = known->max;
      auto last = last_ttl_rewrite_.find(candidate.partition);
      candidate.ttl_rewrite_allowed = last == last_ttl_rewrite_.end() || now - last->second >= options_.ttl_merge_interval.count();
    }
    candidates.push_back(std::move(candidate));
  }
  storage::MergeSettings settings;
  settings.min_parts = options_.merge_min_parts;
  settings.max_parts = options_.merge_max_parts;
  settings.max_part_rows = options_.merge_max_part_rows;
  settings.base_rows = options_.merge_base_rows;
  const storage::MergeChoice choice = storage::chooseMerge(candidates, settings, now);
  if (choice.kind == storage::MergeChoice::Kind::kNone) return false;

  std::vector<PartPtr> run;
  for (size_t index : choice.parts) run.push_back(parts[index]);
  PartName name{run.front()->name().min_sequence, run.back()->name().max_sequence, 0, run.front()->name().partition};
  for (const auto& part : run) name.level = std::max(name.level, part->name().level + 1);
  // Publishing the merged part is the commit point: from then on its name covers the inputs (a
  // larger range, or the same range at a higher level), and recovery deletes them if we crash
  // before we do.
  Batch rows;
  if (choice.kind == storage::MergeChoice::Kind::kDropExpired) {
    rows = storage::concatenateBatches(*schema_, {});  // every row expired: an empty part, nothing read
  } else {
    std::vector<BatchPtr> batches;
    for (const auto& part : run) {
      std::vector<BatchPtr> granules = part->readAll();
      batches.insert(batches.end(), granules.begin(), granules.end());
    }
    rows = storage::preparePartRows(*schema_, batches, row_rules_, row_rules_.expires_at ? std::optional<int64_t>(now) : std::nullopt);
  }
  PartPtr merged = guardIo([&] { return writePart(parts_directory_, name, rows); });
  if (choice.kind == storage::MergeChoice::Kind::kTtlRewrite) last_ttl_rewrite_[name.partition] = now;
  const storage::ExpiryRange merged_expiry =
      row_rules_.expires_at ? storage::expiryRange({std::make_shared<const Batch>(std::move(rows))}, row_rules_.expires_at)
                            : storage::ExpiryRange{};
  {
    std::lock_guard lock(mutex_);
    for (const auto& part : run) {
      parts_.erase(std::find(parts_.begin(), parts_.end(), part));
      part_expiry_.erase(part->name().toString());
    }
    if (row_rules_.expires_at) part_expiry_[merged->name().toString()] = merged_expiry;
    ++merges_;
    rows_written_by_merges_ += merged->rows();
    if (choice.kind == storage::MergeChoice::Kind::kDropExpired) ++expired_parts_dropped_;
    insertPartLocked(std::move(merged));
    invalidateSnapshotLocked();
  }
  for (const auto& part : run) removeQuietly(part->path());
  return true;
}

void Table::replace(std::vector<Batch> batches) {
  for (const auto& batch : batches) checkBatch(batch);
  if (!wal_) {
    std::lock_guard lock(mutex_);
    buffer_.clear();
    buffer_rows_ = buffer_bytes_ = 0;
    for (auto& batch : batches) {
      if (batch.rows == 0) continue;
      auto shared = std::make_shared<const Batch>(std::move(batch));
      buffer_rows_ += shared->rows;
      buffer_bytes_ += shared->byteSize();
      buffer_.push_back(BufferedBatch{std::move(shared), 0});
    }
    invalidateSnapshotLocked();
    return;
  }
  std::lock_guard maintenance(maintenance_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (!failure_.empty()) throwReadOnlyLocked();
  }
  // The replace takes effect at sequence D: rows of records before D are replaced, appends after it
  // are kept. The record reserves D (replay ignores it); the marker file is the commit point.
  const uint64_t sequence = guardIo([&] {
    const uint64_t reserved = wal_->write(storage::WalRecordKind::kReplace, {});
    wal_->sync(reserved);
    return reserved;
  });
  const std::filesystem::path staging = parts_directory_ / (std::string(kReplacePrefix) + sequenceText(sequence));
  std::vector<std::pair<BatchPtr, uint64_t>> shared;
  for (auto& batch : batches) shared.emplace_back(std::make_shared<const Batch>(std::move(batch)), sequence);
  std::vector<PartPtr> staged;
  try {
    staged = guardIo([&] {
      std::filesystem::create_directories(staging);
      storage::syncDirectory(parts_directory_);
      return writePartitionedParts(shared, staging, sequence);
    });
  } catch (...) {
    std::error_code ignored;  // not committed: the old content stays; recovery would delete it too
    std::filesystem::remove_all(staging, ignored);
    throw;
  }
  shared.clear();
  // Commit: "every row before D is gone, the parts of replace D are the content".
  guardIo([&] {
    storage::writeFileAtomically(options_.directory / kTruncationMarker,
                                 std::to_string(sequence - 1) + "\nreplace " + std::to_string(sequence) + "\n");
  });
  std::vector<PartPtr> fresh = guardIo([&] {
    std::vector<std::filesystem::path> files;
    for (const auto& part : staged) files.push_back(part->path().filename());
    staged.clear();
    for (const auto& file : files) storage::renamePath(staging / file, parts_directory_ / file);
    storage::syncDirectory(parts_directory_);
    std::filesystem::remove_all(staging);
    storage::syncDirectory(parts_directory_);
    std::vector<PartPtr> loaded;
    for (const auto& file : files) loaded.push_back(Part::load(parts_directory_ / file, *schema_));
    return loaded;
  });
  std::vector<PartPtr> old_parts;
  {
    std::lock_guard lock(mutex_);
    while (!buffer_.empty() && buffer_.front().sequence < sequence) {
      buffer_rows_ -= buffer_.front().batch->rows;
      buffer_bytes_ -= buffer_.front().batch->byteSize();
      buffer_.pop_front();
    }
    old_parts = std::move(parts_);
    parts_.clear();
    for (const auto& part : old_parts) part_expiry_.erase(part->name().toString());
    for (auto& part : fresh) insertPartLocked(std::move(part));
    load_error_.clear();
    invalidateSnapshotLocked();
  }
  last_ttl_rewrite_.clear();
  for (const auto& part : old_parts) removeQuietly(part->path());
  // Parts that failed to load are not in parts_; the marker already hides them, remove their files too.
  for (const auto& entry : std::filesystem::directory_iterator(parts_directory_)) {
    const std::string file = entry.path().filename().string();
    auto name = file.ends_with(".part") ? PartName::parse(std::string_view(file).substr(0, file.size() - 5)) : std::nullopt;
    if (name && name->max_sequence < sequence) removeQuietly(entry.path());
  }
  wal_->dropThrough(sequence);
}

void Table::truncate() {
  if (!wal_) {
    std::lock_guard lock(mutex_);
    buffer_.clear();
    buffer_rows_ = buffer_bytes_ = 0;
    invalidateSnapshotLocked();
    return;
  }
  std::lock_guard maintenance(maintenance_mutex_);
  uint64_t sequence = 0;
  {
    std::lock_guard lock(mutex_);
    if (!failure_.empty()) throwReadOnlyLocked();
  }
  // The fsynced truncate record is the commit point; the marker file lets the log be dropped later.
  guardIo([&] {
    sequence = wal_->write(storage::WalRecordKind::kTruncate, {});
    wal_->sync(sequence);
  });
  std::vector<PartPtr> old_parts;
  {
    std::lock_guard lock(mutex_);
    while (!buffer_.empty() && buffer_.front().sequence < sequence) {
      buffer_rows_ -= buffer_.front().batch->rows;
      buffer_bytes_ -= buffer_.front().batch->byteSize();
      buffer_.pop_front();
    }
    old_parts = std::move(parts_);
    parts_.clear();
    part_expiry_.clear();
    load_error_.clear();
    invalidateSnapshotLocked();
  }
  last_ttl_rewrite_.clear();
  guardIo([&] { storage::writeFileAtomically(options_.directory / kTruncationMarker, std::to_string(sequence) + "\n"); });
  for (const auto& part : old_parts) removeQuietly(part->path());
  // Parts that failed to load are not in parts_; the marker already hides them, remove their files too.
  for (const auto& entry : std::filesystem::directory_iterator(parts_directory_)) {
    const std::string file = entry.path().filename().string();
    auto name = file.ends_with(".part") ? PartName::parse(std::string_view(file).substr(0, file.size() - 5)) : std::nullopt;
    if (name && name->max_sequence < sequence) removeQuietly(entry.path());
  }
  wal_->dropThrough(sequence);
}

bool Table::flushDue() const {
  if (buffer_.empty()) return false;
  return buffer_rows_ >= options_.flush_rows || buffer_bytes_ >= options_.flush_bytes ||
         std::chrono::steady_clock::now() - buffer_since_ >= options_.flush_age;
}

void Table::backgroundLoop() {
  const auto tick = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(100), options_.wal_sync_interval);
  auto last_sync = std::chrono::steady_clock::now();
  std::string last_background_error;
  std::unique_lock lock(mutex_);
  while (!stop_background_) {
    wake_background_.wait_for(lock, tick);
    if (stop_background_) break;
    if (!failure_.empty()) continue;
    const bool flush_due = flushDue();
    lock.unlock();
    try {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_sync >= options_.wal_sync_interval) {
        last_sync = now;
        if (wal_->hasUnsynced()) guardIo([&] { wal_->syncAll(); });
      }
      if (flush_due) {
        flush();
      } else {
        mergeOnce();
      }
    } catch (const std::exception& error) {
      // A storage failure was recorded and reported by guardIo (the table is read-only now). Anything
      // else (a part unreadable for a merge, a TTL hook that threw) is reported once per message.
      if (failure().empty() && error.what() != last_background_error) {
        last_background_error = error.what();
        std::cerr << "perch: table '" << name_ << "': background merge failed: " << last_background_error << "\n";
      }
    }
    lock.lock();
  }
}

void Table::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    stop_background_ = true;
  }
  wake_background_.notify_all();
  if (background_.joinable()) background_.join();
  if (!wal_) return;
  try {
    sync();
    flush();
  } catch (const std::exception& error) {
    std::cerr << "perch: closing table '" << name_ << "': " << error.what() << "\n";
  }
}

std::string Table::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

TableStats Table::stats() const {
  std::lock_guard lock(mutex_);
  TableStats stats;
  stats.parts = parts_.size();
  stats.buffered_rows = buffer_rows_;
  stats.buffered_batches = buffer_.size();
  stats.wal_segments = wal_ ? wal_->segmentCount() : 0;
  for (const auto& part : parts_) stats.bytes_on_disk += part->bytesOnDisk();
  stats.merges = merges_;
  stats.rows_written_by_merges = rows_written_by_merges_;
  stats.expired_parts_dropped = expired_parts_dropped_;
  return stats;
}

}  // namespace perch
