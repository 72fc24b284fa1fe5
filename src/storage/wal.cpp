#include "storage/wal.h"

#include <algorithm>
#include <iostream>

#include "storage/byte_io.h"

namespace perch::storage {
namespace {

constexpr std::string_view kSegmentMagic = "PERCHWAL";
constexpr uint32_t kVersion = 1;
constexpr size_t kRecordHeaderSize = 4 + 4;       // length, crc
constexpr size_t kRecordBodyFixedSize = 8 + 1;    // sequence, kind
constexpr uint32_t kMaxRecordSize = 1u << 30;

std::string segmentHeader(uint64_t first_sequence, std::string_view signature) {
  std::string header(kSegmentMagic);
  ByteWriter writer(header);
  writer.put<uint32_t>(kVersion);
  writer.put<uint64_t>(first_sequence);
  writer.put<uint32_t>(static_cast<uint32_t>(signature.size()));
  header.append(signature);
  writer.put<uint32_t>(checksum(header));
  return header;
}

struct ParsedHeader {
  uint64_t first_sequence = 0;
  std::string signature;
  size_t size = 0;
};

// Parses a segment header; throws CorruptDataError if it is short or fails its checksum.
ParsedHeader parseSegmentHeader(std::string_view data) {
  ByteReader in(data);
  if (in.take(kSegmentMagic.size()) != kSegmentMagic) throw CorruptDataError("not a WAL segment (bad magic)");
  if (const uint32_t version = in.get<uint32_t>(); version != kVersion) {
    throw CorruptDataError("unsupported WAL version " + std::to_string(version));
  }
  ParsedHeader header;
  header.first_sequence = in.get<uint64_t>();
  header.signature = std::string(in.take(in.get<uint32_t>()));
  const size_t checked = in.position();
  if (in.get<uint32_t>() != checksum(data.substr(0, checked))) throw CorruptDataError("segment header checksum mismatch");
  header.size = in.position();
  return header;
}

// The record header and fixed body fields for `payload`, with the CRC filled in.
std::string recordPrefix(uint64_t sequence, WalRecordKind kind, std::string_view payload, uint32_t payload_checksum) {
  const uint32_t length = static_cast<uint32_t>(kRecordBodyFixedSize + payload.size());
  std::string body_start;
  ByteWriter body_writer(body_start);
  body_writer.put<uint64_t>(sequence);
  body_writer.put<uint8_t>(static_cast<uint8_t>(kind));
  std::string length_bytes;
  ByteWriter(length_bytes).put<uint32_t>(length);
  // CRC over length ‖ sequence ‖ kind ‖ payload, the payload's part computed outside the lock.
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(length_bytes.data()), 4);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(body_start.data()), static_cast<uInt>(body_start.size()));
  crc = crc32_combine(crc, payload_checksum, static_cast<z_off_t>(payload.size()));
  std::string prefix = length_bytes;
  ByteWriter(prefix).put<uint32_t>(static_cast<uint32_t>(crc));
  prefix.append(body_start);
  return prefix;
}

}  // namespace

std::string WriteAheadLog::segmentFileName(uint64_t first_sequence) {
  std::string digits = std::to_string(first_sequence);
  return std::string(20 - digits.size(), '0') + digits + ".wal";
}

std::unique_ptr<WriteAheadLog> WriteAheadLog::open(const std::filesystem::path& directory, std::string signature,
                                                   uint64_t skip_through, const std::function<void(const WalRecord&)>& replay,
                                                   WalOptions options) {
  std::filesystem::create_directories(directory);
  std::unique_ptr<WriteAheadLog> log(new WriteAheadLog(directory, std::move(signature), options));

  std::vector<std::pair<uint64_t, std::filesystem::path>> segments;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 24 || !name.ends_with(".wal") ||
        !std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    segments.emplace_back(std::stoull(name.substr(0, 20)), entry.path());
  }
  std::sort(segments.begin(), segments.end());

  uint64_t last_seen = 0;
  for (size_t index = 0; index < segments.size(); ++index) {
    const std::filesystem::path& path = segments[index].second;
    const bool is_last = index + 1 == segments.size();
    const std::string data = readWholeFile(path);
    ParsedHeader header;
    try {
      header = parseSegmentHeader(data);
    } catch (const CorruptDataError& error) {
      if (!is_last) {
        throw Error(ErrorCode::kInternal, "write-ahead log segment '" + path.string() + "' is corrupt at offset 0: " + error.what());
      }
      // A segment whose header never became durable holds no acknowledged record.
      std::cerr << "perch: recovery: removing WAL segment '" << path.string() << "' with a torn header (" << error.what() << ")\n";
      std::filesystem::remove(path);
      syncDirectory(directory);
      break;
    }
    if (header.signature != log->signature_) {
      throw Error(ErrorCode::kInternal, "write-ahead log segment '" + path.string() + "' was written with another schema:\n" +
                                            header.signature + "\nthe table now has:\n" + log->signature_);
    }
    if (last_seen != 0 && header.first_sequence <= last_seen) {
      throw Error(ErrorCode::kInternal, "write-ahead log segment '" + path.string() + "' starts at sequence " +
                                            std::to_string(header.first_sequence) + ", not after " + std::to_string(last_seen));
    }

    size_t offset = header.size;
    uint64_t expected = header.first_sequence;
    std::string problem;
    while (offset < data.size()) {
      std::string_view rest = std::string_view(data).substr(offset);
      if (rest.size() < kRecordHeaderSize) {
        problem = "torn record header";
        break;
      }
      ByteReader in(rest);
      const uint32_t length = in.get<uint32_t>();
      const uint32_t stored_checksum = in.get<uint32_t>();
      if (length < kRecordBodyFixedSize || length > kMaxRecordSize || length > rest.size() - kRecordHeaderSize) {
        problem = "torn or corrupt record (length " + std::to_string(length) + ", " +
                  std::to_string(rest.size() - kRecordHeaderSize) + " bytes left)";
        break;
      }
      const std::string_view body = rest.substr(kRecordHeaderSize, length);
      const uint32_t actual = checksum(body, checksum(rest.substr(0, 4)));
      if (actual != stored_checksum) {
        problem = "record checksum mismatch";
        break;
      }
      ByteReader body_in(body);
      const uint64_t sequence = body_in.get<uint64_t>();
      const uint8_t kind = body_in.get<uint8_t>();
      if (sequence != expected || (kind < static_cast<uint8_t>(WalRecordKind::kBatch) || kind > static_cast<uint8_t>(WalRecordKind::kReplace))) {
        problem = "record has sequence " + std::to_string(sequence) + " (expected " + std::to_string(expected) +
                  ") and kind " + std::to_string(kind);
        break;
      }
      if (sequence > skip_through) {
        try {
          replay(WalRecord{sequence, static_cast<WalRecordKind>(kind), body.substr(kRecordBodyFixedSize)});
        } catch (const CorruptDataError& error) {
          throw Error(ErrorCode::kInternal, "write-ahead log segment '" + path.string() + "' has an undecodable record at offset " +
                                                std::to_string(offset) + ": " + error.what());
        }
      }
      last_seen = sequence;
      ++expected;
      offset += kRecordHeaderSize + length;
    }
    if (!problem.empty()) {
      if (!is_last) {
        throw Error(ErrorCode::kInternal, "write-ahead log segment '" + path.string() + "' is corrupt at offset " +
                                              std::to_string(offset) + ": " + problem);
      }
      std::cerr << "perch: recovery: cutting WAL segment '" << path.string() << "' at offset " << offset << " ("
                << problem << "; " << data.size() - offset << " bytes dropped)\n";
    }
    if (is_last) {
      // Cut a torn tail and make what was recovered durable: after a kill -9 it may sit only in the page cache.
      File file = File::openForAppend(path, false);
      if (offset < data.size()) file.truncate(offset);
      file.sync();
    }
    if (expected == header.first_sequence) {
      // No records: nothing to keep (and a new segment may reuse its name).
      std::filesystem::remove(path);
    } else {
      log->closed_.push_back(ClosedSegment{path, header.first_sequence});
    }
  }

  std::lock_guard lock(log->mutex_);
  log->last_sequence_ = std::max({skip_through, last_seen, options.last_sequence_at_least});
  log->synced_through_ = log->last_sequence_;
  log->startSegmentLocked();
  return log;
}

WriteAheadLog::~WriteAheadLog() {
  try {
    bool unsynced = false;
    {
      std::lock_guard lock(mutex_);
      unsynced = !failure_ && last_sequence_ > synced_through_;
    }
    if (unsynced) syncAll();
  } catch (const std::exception& error) {
    std::cerr << "perch: closing write-ahead log '" << directory_.string() << "' failed: " << error.what() << "\n";
  }
}

void WriteAheadLog::startSegmentLocked() {
  const uint64_t first_sequence = last_sequence_ + 1;
  const std::filesystem::path path = directory_ / segmentFileName(first_sequence);
  auto segment = std::make_shared<Segment>();
  std::error_code ignored;
  std::filesystem::remove(path, ignored);  // an empty leftover from a crash right after creating it
  segment->file = File::openForAppend(path, true);
  const std::string header = segmentHeader(first_sequence, signature_);
  segment->file.writeAll(header);
  segment->first_sequence = first_sequence;
  segment->size = header.size();
  syncDirectory(directory_);
  current_ = std::move(segment);
}

void WriteAheadLog::rotateLocked() {
  if (last_sequence_ < current_->first_sequence) return;  // the current segment holds no record yet
  try {
    current_->file.sync();
    synced_through_ = last_sequence_;
    closed_.push_back(ClosedSegment{current_->file.path(), current_->first_sequence});
    startSegmentLocked();
  } catch (...) {
    if (!failure_) failure_ = std::current_exception();
    throw;
  }
}

void WriteAheadLog::rotate() {
  std::lock_guard lock(mutex_);
  if (failure_) rethrowFailureLocked();
  rotateLocked();
}

void WriteAheadLog::rethrowFailureLocked() const {
  try {
    std::rethrow_exception(failure_);
  } catch (const DiskFullError& error) {
    throw DiskFullError(std::string(error.what()) + " (write-ahead log '" + directory_.string() + "' accepts no more writes)");
  } catch (const std::exception& error) {
    throw Error(ErrorCode::kUnavailable, "write-ahead log '" + directory_.string() +
                                             "' accepts no more writes after an earlier failure: " + error.what());
  }
}

uint64_t WriteAheadLog::write(WalRecordKind kind, std::string_view payload) {
  if (payload.size() > kMaxRecordSize - kRecordBodyFixedSize) {
    throw Error(ErrorCode::kPayloadTooLarge, "a single write-ahead log record is limited to 1 GiB");
  }
  const uint32_t payload_checksum = checksum(payload);
  std::lock_guard lock(mutex_);
  if (failure_) rethrowFailureLocked();
  if (current_->size >= options_.segment_bytes) rotateLocked();
  const uint64_t sequence = last_sequence_ + 1;
  const std::string prefix = recordPrefix(sequence, kind, payload, payload_checksum);
  try {
    current_->file.writeAll(prefix);
    current_->file.writeAll(payload);
  } catch (...) {
    failure_ = std::current_exception();
    throw;
  }
  current_->size += prefix.size() + payload.size();
  last_sequence_ = sequence;
  return sequence;
}

void WriteAheadLog::sync(uint64_t sequence) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (failure_) rethrowFailureLocked();
    if (synced_through_ >= sequence) return;
    if (sync_in_progress_) {
      synced_.wait(lock);
      continue;
    }
    // Become the leader: sync everything written so far, without holding the lock.
    sync_in_progress_ = true;
    const uint64_t target = last_sequence_;
    std::shared_ptr<Segment> segment = current_;
    lock.unlock();
    std::exception_ptr error;
    try {
      segment->file.sync();
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    sync_in_progress_ = false;
    if (error) {
      if (!failure_) failure_ = error;
      synced_.notify_all();
      std::rethrow_exception(error);
    }
    synced_through_ = std::max(synced_through_, target);
    synced_.notify_all();
  }
}

void WriteAheadLog::dropThrough(uint64_t sequence) {
  std::vector<std::filesystem::path> doomed;
  {
    std::lock_guard lock(mutex_);
    size_t dropped = 0;
    for (; dropped < closed_.size(); ++dropped) {
      const uint64_t next_first = dropped + 1 < closed_.size() ? closed_[dropped + 1].first_sequence : current_->first_sequence;
      if (next_first - 1 > sequence) break;
      doomed.push_back(closed_[dropped].path);
    }
    closed_.erase(closed_.begin(), closed_.begin() + static_cast<std::ptrdiff_t>(dropped));
  }
  for (const auto& path : doomed) {
    std::error_code error;
    std::filesystem::remove(path, error);
    if (error) std::cerr << "perch: could not remove WAL segment '" << path.string() << "': " << error.message() << "\n";
  }
}

uint64_t WriteAheadLog::lastSequence() const {
  std::lock_guard lock(mutex_);
  return last_sequence_;
}

bool WriteAheadLog::hasUnsynced() const {
  std::lock_guard lock(mutex_);
  return last_sequence_ > synced_through_;
}

size_t WriteAheadLog::segmentCount() const {
  std::lock_guard lock(mutex_);
  return closed_.size() + 1;
}

}  // namespace perch::storage
