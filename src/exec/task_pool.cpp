#include "exec/task_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "exec/memory_tracker.h"

namespace perch {

namespace {

// One parallelFor call: tasks are claimed by index; the last finisher wakes the caller.
struct Job {
  const std::function<void(size_t)>* fn = nullptr;
  size_t tasks = 0;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex mutex;
  std::condition_variable finished;
  std::exception_ptr error;  // guarded by mutex
  MemoryTracker* tracker = nullptr;  // the calling query's; current on every worker while it runs tasks

  /// Claims and runs tasks until none are left.
  void work() {
    while (true) {
      const size_t index = next.fetch_add(1);
      if (index >= tasks) return;
      try {
        (*fn)(index);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!error) error = std::current_exception();
      }
      if (done.fetch_add(1) + 1 == tasks) {
        std::lock_guard lock(mutex);
        finished.notify_all();
      }
    }
  }
};

class TaskPool {
 public:
  explicit TaskPool(unsigned workers) {
    for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this] { loop(); });
  }
  ~TaskPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_) thread.join();
  }

  /// Offers `job` to up to `helpers` workers.
  void offer(const std::shared_ptr<Job>& job, unsigned helpers) {
    {
      std::lock_guard lock(mutex_);
      for (unsigned i = 0; i < helpers; ++i) queue_.push_back(job);
    }
    if (helpers == 1) wake_.notify_one();
    else wake_.notify_all();
  }

 private:
  void loop() {
    while (true) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      // The query's tracker is current only while this worker runs its tasks; the scope ends
      // before the worker takes another job. parallelFor waits for every task, so a job taken
      // after its query ended finds no task left and never touches the (gone) tracker.
      MemoryTrackerScope scope(job->tracker);
      job->work();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;  // guarded by mutex_
  bool stopping_ = false;                   // guarded by mutex_
  std::vector<std::thread> threads_;
};

TaskPool& pool() {
  static TaskPool instance(std::max(1u, defaultQueryThreads()) - 1);
  return instance;
}

}  // namespace

unsigned defaultQueryThreads() {
  static const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  return threads;
}

void parallelFor(size_t tasks, unsigned threads, const std::function<void(size_t)>& fn) {
  if (tasks == 0) return;
  if (threads <= 1 || tasks == 1) {
    for (size_t i = 0; i < tasks; ++i) fn(i);
    return;
  }
  auto job = std::make_shared<Job>();
  job->fn = &fn;
  job->tasks = tasks;
  job->tracker = currentMemoryTracker();
  const unsigned helpers = static_cast<unsigned>(std::min<size_t>(std::min(threads, defaultQueryThreads()) - 1, tasks - 1));
  if (helpers > 0) pool().offer(job, helpers);
  job->work();
  std::unique_lock lock(job->mutex);
  job->finished.wait(lock, [&] { return job->done.load() == tasks; });
  if (job->error) std::rethrow_exception(job->error);
}

}  // namespace perch
