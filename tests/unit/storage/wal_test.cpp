#include "storage/wal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <set>
#include <thread>

#include "storage_test_util.h"

namespace perch::storage {
namespace {

using testing::ScratchDirectory;

constexpr std::string_view kSignature = "id Int64\n";

struct Replayed {
  std::vector<uint64_t> sequences;
  std::vector<std::string> payloads;
};

std::unique_ptr<WriteAheadLog> openLog(const std::filesystem::path& directory, Replayed& out, uint64_t skip_through = 0,
                                       WalOptions options = {}) {
  return WriteAheadLog::open(directory, std::string(kSignature), skip_through, [&](const WalRecord& record) {
    out.sequences.push_back(record.sequence);
    out.payloads.emplace_back(record.payload);
  }, options);
}

std::vector<std::filesystem::path> segmentFiles(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Writes records "record-1".."record-n" in one session and returns the segment holding them.
std::filesystem::path writeRecords(const std::filesystem::path& directory, int count, WalOptions options = {}) {
  Replayed ignored;
  auto log = openLog(directory, ignored, 0, options);
  for (int i = 1; i <= count; ++i) log->write(WalRecordKind::kBatch, "record-" + std::to_string(i));
  log->syncAll();
  return segmentFiles(directory).back();
}

std::vector<std::string> expectedPayloads(int count) {
  std::vector<std::string> payloads;
  for (int i = 1; i <= count; ++i) payloads.push_back("record-" + std::to_string(i));
  return payloads;
}

TEST(WriteAheadLog, RoundTripsRecordsAcrossReopen) {
  ScratchDirectory dir;
  {
    Replayed replayed;
    auto log = openLog(dir.path(), replayed);
    EXPECT_TRUE(replayed.payloads.empty());
    EXPECT_EQ(log->write(WalRecordKind::kBatch, "first"), 1u);
    EXPECT_EQ(log->write(WalRecordKind::kTruncate, ""), 2u);
    EXPECT_EQ(log->write(WalRecordKind::kBatch, std::string(100000, 'z')), 3u);
  }
  Replayed replayed;
  auto log = openLog(dir.path(), replayed);
  EXPECT_EQ(replayed.sequences, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(replayed.payloads, (std::vector<std::string>{"first", "", std::string(100000, 'z')}));
  EXPECT_EQ(log->write(WalRecordKind::kBatch, "next"), 4u);
}

TEST(WriteAheadLog, SkipsRecordsAlreadyInParts) {
  ScratchDirectory dir;
  writeRecords(dir.path(), 5);
  Replayed replayed;
  auto log = openLog(dir.path(), replayed, 3);
  EXPECT_EQ(replayed.sequences, (std::vector<uint64_t>{4, 5}));
}

TEST(WriteAheadLog, TruncatesATornTailAndKeepsEarlierRecords) {
  for (const std::string& garbage : {std::string("\x07"), std::string("\x20\0\0\0\x11\x22", 6), std::string(300, '\xee')}) {
    ScratchDirectory dir;
    const auto segment = writeRecords(dir.path(), 10);
    const auto good_size = std::filesystem::file_size(segment);
    {
      std::ofstream out(segment, std::ios::binary | std::ios::app);
      out << garbage;
    }
    Replayed replayed;
    auto log = openLog(dir.path(), replayed);
    EXPECT_EQ(replayed.payloads, expectedPayloads(10));
    EXPECT_EQ(std::filesystem::file_size(segment), good_size);
    // The log continues after the cut, and a second recovery sees everything once.
    EXPECT_EQ(log->write(WalRecordKind::kBatch, "record-11"), 11u);
    log.reset();
    Replayed again;
    openLog(dir.path(), again);
    EXPECT_EQ(again.payloads, expectedPayloads(11));
  }
}

TEST(WriteAheadLog, TruncatesAHalfWrittenRecord) {
  ScratchDirectory dir;
  const auto segment = writeRecords(dir.path(), 3);
  const auto three_records = std::filesystem::file_size(segment);
  writeRecords(dir.path(), 0);  // no-op session: keeps segment layout simple
  // Write one more record in a session, then cut it in half as a crash in the middle of write(2) would.
  {
    Replayed ignored;
    auto log = openLog(dir.path(), ignored);
    log->write(WalRecordKind::kBatch, std::string(1000, 'q'));
  }
  const auto last = segmentFiles(dir.path()).back();
  std::filesystem::resize_file(last, std::filesystem::file_size(last) - 500);
  Replayed replayed;
  openLog(dir.path(), replayed);
  EXPECT_EQ(replayed.payloads, expectedPayloads(3));
  EXPECT_EQ(std::filesystem::file_size(segment), three_records);
}

TEST(WriteAheadLog, CorruptRecordInTheLastSegmentEndsTheLog) {
  ScratchDirectory dir;
  const auto segment = writeRecords(dir.path(), 10);
  std::string data;
  {
    std::ifstream in(segment, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  const size_t position = data.find("record-5");
  ASSERT_NE(position, std::string::npos);
  data[position + 3] ^= 0x01;
  {
    std::ofstream out(segment, std::ios::binary | std::ios::trunc);
    out << data;
  }
  Replayed replayed;
  openLog(dir.path(), replayed);
  EXPECT_EQ(replayed.payloads, expectedPayloads(4));
  // Cut at the start of record 5: its 8-byte header and 9 fixed body bytes precede the payload.
  EXPECT_EQ(std::filesystem::file_size(segment), position - 8 - 9);
}

TEST(WriteAheadLog, CorruptRecordInAnOlderSegmentIsAHardError) {
  ScratchDirectory dir;
  WalOptions small;
  small.segment_bytes = 100;
  writeRecords(dir.path(), 12, small);
  const auto files = segmentFiles(dir.path());
  ASSERT_GE(files.size(), 3u);
  const auto victim = files.front();
  {
    std::fstream file(victim, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(std::filesystem::file_size(victim) - 2));
    file.put('#');
  }
  Replayed replayed;
  try {
    openLog(dir.path(), replayed, 0, small);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(victim.string()), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("offset"), std::string::npos) << error.what();
  }
}

TEST(WriteAheadLog, RejectsSegmentsOfAnotherSchema) {
  ScratchDirectory dir;
  writeRecords(dir.path(), 2);
  EXPECT_THROW(WriteAheadLog::open(dir.path(), "id String\n", 0, [](const WalRecord&) {}), Error);
}

TEST(WriteAheadLog, RotatesAndDropsCoveredSegments) {
  ScratchDirectory dir;
  Replayed replayed;
  auto log = openLog(dir.path(), replayed);
  log->write(WalRecordKind::kBatch, "a");
  log->write(WalRecordKind::kBatch, "b");
  log->rotate();
  log->write(WalRecordKind::kBatch, "c");
  EXPECT_EQ(log->segmentCount(), 2u);
  log->dropThrough(1);  // the first segment also holds record 2
  EXPECT_EQ(log->segmentCount(), 2u);
  log->dropThrough(2);
  EXPECT_EQ(log->segmentCount(), 1u);
  log.reset();
  Replayed after;
  openLog(dir.path(), after);
  EXPECT_EQ(after.payloads, (std::vector<std::string>{"c"}));
}

TEST(WriteAheadLog, ConcurrentSyncsShareOneFsync) {
  ScratchDirectory dir;
  Replayed replayed;
  auto log = openLog(dir.path(), replayed);
  constexpr int kThreads = 8;
  std::mutex mutex;
  std::condition_variable all_written;
  int written = 0;
  std::atomic<int> syncs{0};
  // The first fsync waits until every thread has written its record, so the second fsync (by the
  // next leader) covers all of them: exactly two fsyncs for eight durable appends.
  setIoFaultInjectorForTesting([&](IoOp op, const std::string&) {
    if (op == IoOp::kSync && syncs.fetch_add(1) == 0) {
      std::unique_lock lock(mutex);
      all_written.wait_for(lock, std::chrono::seconds(10), [&] { return written == kThreads; });
    }
    return 0;
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const uint64_t sequence = log->write(WalRecordKind::kBatch, "thread-" + std::to_string(t));
      {
        std::lock_guard lock(mutex);
        ++written;
      }
      all_written.notify_all();
      log->sync(sequence);
    });
  }
  for (auto& thread : threads) thread.join();
  setIoFaultInjectorForTesting(nullptr);
  EXPECT_EQ(syncs.load(), 2);
  log.reset();
  Replayed after;
  openLog(dir.path(), after);
  std::sort(after.payloads.begin(), after.payloads.end());
  std::vector<std::string> expected;
  for (int t = 0; t < kThreads; ++t) expected.push_back("thread-" + std::to_string(t));
  EXPECT_EQ(after.payloads, expected);
}

TEST(WriteAheadLog, ManyThreadsWithGroupCommitLoseNothing) {
  ScratchDirectory dir;
  constexpr int kThreads = 6, kPerThread = 150;
  {
    Replayed replayed;
    WalOptions options;
    options.segment_bytes = 4096;  // also exercises rotation under concurrency
    auto log = openLog(dir.path(), replayed, 0, options);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) log->sync(log->write(WalRecordKind::kBatch, std::to_string(t * 1000 + i)));
      });
    }
    for (auto& thread : threads) thread.join();
  }
  Replayed after;
  openLog(dir.path(), after);
  ASSERT_EQ(after.payloads.size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t i = 0; i < after.sequences.size(); ++i) EXPECT_EQ(after.sequences[i], i + 1);
  std::set<std::string> unique(after.payloads.begin(), after.payloads.end());
  EXPECT_EQ(unique.size(), after.payloads.size());
}

TEST(WriteAheadLog, FsyncFailureIsStickyAndReported) {
  ScratchDirectory dir;
  Replayed replayed;
  auto log = openLog(dir.path(), replayed);
  const uint64_t sequence = log->write(WalRecordKind::kBatch, "x");
  setIoFaultInjectorForTesting([](IoOp op, const std::string&) { return op == IoOp::kSync ? EIO : 0; });
  try {
    log->sync(sequence);
    FAIL() << "expected the fsync to fail";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInternal);
    EXPECT_NE(std::string(error.what()).find("fsync"), std::string::npos) << error.what();
  }
  setIoFaultInjectorForTesting(nullptr);
  // Never retried: the pages may be gone, so the log refuses further writes.
  try {
    log->write(WalRecordKind::kBatch, "y");
    FAIL() << "expected the log to refuse writes";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
  }
}

TEST(WriteAheadLog, DiskFullIsADistinctError) {
  ScratchDirectory dir;
  Replayed replayed;
  auto log = openLog(dir.path(), replayed);
  setIoFaultInjectorForTesting([](IoOp op, const std::string&) { return op == IoOp::kWrite ? ENOSPC : 0; });
  EXPECT_THROW(log->write(WalRecordKind::kBatch, "x"), DiskFullError);
  setIoFaultInjectorForTesting(nullptr);
  EXPECT_THROW(log->write(WalRecordKind::kBatch, "y"), DiskFullError);
}

}  // namespace
}  // namespace perch::storage
