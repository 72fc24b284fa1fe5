#include "storage/table.h"

#include <algorithm>
#include <charconv>
#include <iostream>
#include <stdexcept>

#include "storage/batch_codec.h"
#include "storage/file_io.h"
#include "storage/part.h"
#include "storage/row_order.h"
#include "storage/wal.h"

namespace perch {

using storage::Part;
using storage::PartName;
using storage::PartPtr;
using storage::WriteAheadLog;

namespace {

constexpr std::string_view kTruncationMarker = "truncated";

// The sequence number recorded by the last completed truncate, or 0.
uint64_t readTruncationMarker(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return 0;
  const std::string text = storage::readWholeFile(path);
  uint64_t value = 0;
  const std::string_view trimmed = std::string_view(text).substr(0, text.find('\n'));
  auto [end, error] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), value);
  if (error != std::errc() || end != trimmed.data() + trimmed.size()) {
    throw Error(ErrorCode::kInternal, "truncation marker '" + path.string() + "' is corrupt");
  }
  return value;
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
  if (!durable()) return;
  open();
  if (options_.background) background_ = std::thread([this] { backgroundLoop(); });
}

Table::~Table() { close(); }

void Table::open() {
  const std::filesystem::path& directory = options_.directory;
  parts_directory_ = directory / "parts";
  std::filesystem::create_directories(parts_directory_);
  const uint64_t truncated_through = readTruncationMarker(directory / kTruncationMarker);

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
  std::sort(live.begin(), live.end(), [](const PartName& a, const PartName& b) { return a.min_sequence < b.min_sequence; });
  uint64_t skip_through = truncated_through;
  for (const auto& name : live) {
    skip_through = std::max(skip_through, name.max_sequence);
    try {
      parts_.push_back(Part::load(parts_directory_ / Part::fileName(name), *schema_));
    } catch (const Error& error) {
      std::cerr << "perch: table '" << name_ << "': " << error.what() << "\n";
      if (load_error_.empty()) load_error_ = "table '" + name_ + "': " + error.what();
    }
  }

  // Log: replay what no part holds yet.
  uint64_t replayed_truncate = 0;
  auto replay = [&](const storage::WalRecord& record) {
    if (record.kind == storage::WalRecordKind::kTruncate) {
      buffer_.clear();
      buffer_rows_ = buffer_bytes_ = 0;
      replayed_truncate = record.sequence;
      return;
    }
    auto batch = std::make_shared<const Batch>(storage::decodeBatch(*schema_, record.payload));
    buffer_rows_ += batch->rows;
    buffer_bytes_ += batch->byteSize();
    buffer_.push_back(BufferedBatch{std::move(batch), record.sequence});
  };
  storage::WalOptions wal_options;
  wal_options.segment_bytes = options_.wal_segment_bytes;
  wal_ = WriteAheadLog::open(directory / "wal", schema_->signature(), skip_through, replay, wal_options);
  buffer_since_ = std::chrono::steady_clock::now();

  if (replayed_truncate != 0) {
    // A truncate was logged but had not finished: finish it (every part is older than it).
    storage::writeFileAtomically(directory / kTruncationMarker, std::to_string(replayed_truncate) + "\n");
    for (const auto& part : parts_) removeQuietly(part->path());
    for (const auto& name : live) removeQuietly(parts_directory_ / Part::fileName(name));
    parts_.clear();
    load_error_.clear();
    storage::syncDirectory(parts_directory_);
  }
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

void Table::append(Batch batch, Durability durability) {
  if (batch.columns.size() != schema_->columns.size()) {
    throw std::logic_error("Table::append: batch for '" + name_ + "' has the wrong number of columns");
  }
  for (size_t i = 0; i < batch.columns.size(); ++i) {
    if (batch.columns[i]->size() != batch.rows || !(batch.columns[i]->type() == schema_->columns[i].type)) {
      throw std::logic_error("Table::append: column '" + schema_->columns[i].name + "' of '" + name_ +
                             "' does not match the schema");
    }
  }
  if (batch.rows == 0) return;
  auto shared = std::make_shared<const Batch>(std::move(batch));
  const size_t bytes = shared->byteSize();

  std::string payload;
  if (wal_) storage::encodeBatch(*shared, payload);
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

void Table::flush() {
  if (!wal_) return;
  std::lock_guard maintenance(maintenance_mutex_);
  std::vector<BatchPtr> batches;
  PartName name;
  {
    std::lock_guard lock(mutex_);
    if (!failure_.empty()) throwReadOnlyLocked();
    if (buffer_.empty()) return;
    for (const auto& buffered : buffer_) batches.push_back(buffered.batch);
    name.min_sequence = buffer_.front().sequence;
    name.max_sequence = buffer_.back().sequence;
  }
  // Appends after this point go to a newer segment, so every older segment only holds records the
  // part will contain (or older ones) and can be dropped once it is published. Rotating without
  // mutex_ is fine: a record written meanwhile lands in the old segment and is simply kept until
  // the next flush covers it (dropThrough checks sequence numbers, not timing).
  guardIo([&] { wal_->rotate(); });

  storage::PartWriteOptions write_options;
  write_options.granule_rows = options_.granule_rows;
  write_options.default_codec = options_.default_codec;
  write_options.column_codecs = options_.column_codecs;
  PartPtr part = guardIo([&] {
    Batch rows = storage::concatenateBatches(*schema_, batches);
    if (!sorting_key_columns_.empty()) rows = storage::gatherBatch(rows, storage::sortPermutation(rows, sorting_key_columns_));
    return Part::write(parts_directory_, name, *schema_, options_.sorting_key, rows, write_options);
  });
  {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < batches.size(); ++i) {
      buffer_rows_ -= buffer_.front().batch->rows;
      buffer_bytes_ -= buffer_.front().batch->byteSize();
      buffer_.pop_front();
    }
    buffer_since_ = std::chrono::steady_clock::now();
    parts_.push_back(std::move(part));
    invalidateSnapshotLocked();
  }
  wal_->dropThrough(name.max_sequence);
}

bool Table::mergeOnce() {
  if (!wal_) return false;
  std::lock_guard maintenance(maintenance_mutex_);
  std::vector<PartPtr> run;
  {
    std::lock_guard lock(mutex_);
    if (!failure_.empty() || !load_error_.empty()) return false;
    std::vector<PartPtr> candidate;
    for (const auto& part : parts_) {
      if (part->rows() < options_.merge_max_part_rows) {
        candidate.push_back(part);
        if (candidate.size() == options_.merge_max_parts) break;
      } else if (candidate.size() >= options_.merge_min_parts) {
        break;
      } else {
        candidate.clear();
      }
    }
    if (candidate.size() < std::max<size_t>(2, options_.merge_min_parts)) return false;
    run = std::move(candidate);
  }

  PartName name{run.front()->name().min_sequence, run.back()->name().max_sequence, 0};
  std::vector<BatchPtr> batches;
  for (const auto& part : run) {
    name.level = std::max(name.level, part->name().level + 1);
    std::vector<BatchPtr> granules = part->readAll();
    batches.insert(batches.end(), granules.begin(), granules.end());
  }
  storage::PartWriteOptions write_options;
  write_options.granule_rows = options_.granule_rows;
  write_options.default_codec = options_.default_codec;
  write_options.column_codecs = options_.column_codecs;
  // Publishing the merged part is the commit point: from then on its range covers the inputs, and
  // recovery deletes them if we crash before we do.
  PartPtr merged = guardIo([&] {
    Batch rows = storage::concatenateBatches(*schema_, batches);
    if (!sorting_key_columns_.empty()) rows = storage::gatherBatch(rows, storage::sortPermutation(rows, sorting_key_columns_));
    return Part::write(parts_directory_, name, *schema_, options_.sorting_key, rows, write_options);
  });
  {
    std::lock_guard lock(mutex_);
    auto first = std::find(parts_.begin(), parts_.end(), run.front());
    auto position = parts_.erase(first, first + static_cast<std::ptrdiff_t>(run.size()));
    parts_.insert(position, std::move(merged));
    invalidateSnapshotLocked();
  }
  for (const auto& part : run) removeQuietly(part->path());
  return true;
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
    load_error_.clear();
    invalidateSnapshotLocked();
  }
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
    } catch (const std::exception&) {
      // guardIo has recorded and reported it; the table is read-only now.
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
  return stats;
}

}  // namespace perch
