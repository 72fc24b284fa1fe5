// TaskPool: the process-wide worker threads that run the parallel parts of query execution
// (morsel-driven: each task is one batch). parallelFor(n, threads, fn) runs fn(0..n-1) on up to
// `threads` threads — the caller's thread plus pool workers — and returns when all are done; the
// first exception thrown by a task is rethrown in the caller after the others finish. Workers run
// the tasks with the caller's current memory tracker (memory_tracker.h) as theirs.
//
// Thread-safety: parallelFor may be called from any number of threads at once; tasks of
// different calls share the workers. fn must be safe to call concurrently for different indices.
#pragma once

#include <cstddef>
#include <functional>

namespace perch {

/// Threads a query uses when QueryOptions::threads is 0: the machine's hardware threads.
unsigned defaultQueryThreads();

void parallelFor(size_t tasks, unsigned threads, const std::function<void(size_t)>& fn);

}  // namespace perch
