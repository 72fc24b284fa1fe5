#include "exec/query.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <optional>

#include "common/error.h"
#include "exec/memory_tracker.h"
#include "exec/planner.h"
#include "exec/task_pool.h"
#include "sql/parser.h"

namespace perch {

namespace {

constexpr uint64_t kUnset = UINT64_MAX;
std::atomic<uint64_t> default_max_memory{kUnset};

/// PERCH_MAX_QUERY_MEMORY (bytes) when set, else half the physical RAM, at most 4 GiB (4 GiB when
/// RAM is unknown).
uint64_t machineDefaultMaxMemory() {
  if (const char* env = std::getenv("PERCH_MAX_QUERY_MEMORY"); env && *env) {
    char* end = nullptr;
    const unsigned long long value = std::strtoull(env, &end, 10);
    if (end && *end == '\0') return value;
  }
  constexpr uint64_t kCap = uint64_t{4} << 30;
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return kCap;
  return std::min(kCap, static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size) / 2);
}

QueryResult run(std::string_view sql, const Catalog& catalog, const QueryOptions& options);

}  // namespace

uint64_t defaultMaxQueryMemory() {
  const uint64_t value = default_max_memory.load(std::memory_order_relaxed);
  if (value != kUnset) return value;
  static const uint64_t machine = machineDefaultMaxMemory();
  return machine;
}

void setDefaultMaxQueryMemory(uint64_t bytes) { default_max_memory.store(bytes, std::memory_order_relaxed); }

QueryResult executeQuery(std::string_view sql, const Catalog& catalog, const QueryOptions& options) {
  // The tracker outlives everything the query charges: run() owns the planner, the plan and the
  // result buffers, and the result it returns holds no charge.
  // max_memory_bytes 0 without a tracker of the caller's: nothing is counted.
  std::optional<MemoryTracker> own_tracker;
  MemoryTracker* tracker = options.memory_tracker;
  if (!tracker && options.max_memory_bytes != 0) tracker = &own_tracker.emplace(options.max_memory_bytes);
  MemoryTrackerScope scope(tracker);
  return run(sql, catalog, options);
}

namespace {

QueryResult run(std::string_view sql, const Catalog& catalog, const QueryOptions& options) {
  ExecContext context;
  context.timeout = options.timeout;
  context.deadline = std::chrono::steady_clock::now() + options.timeout;
  context.threads = options.threads ? options.threads : defaultQueryThreads();
  FunctionContext functions;
  functions.now_seconds = options.now_seconds != 0
                              ? options.now_seconds
                              : std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();

  std::unique_ptr<SelectQuery> query = parseSelect(sql);
  Planner planner(catalog, context, functions);
  planner.setPredicatePushdown(options.predicate_pushdown);
  PlannedQuery planned = planner.plan(*query, QueryText{sql, ""}, std::nullopt, true);

  QueryResult result;
  result.names = planned.names;
  result.types = planned.types;
  std::vector<std::vector<ColumnPtr>> parts(planned.types.size());
  size_t rows = 0;
  MemoryCharge result_charge;
  while (auto batch = planned.root->next()) {
    rows += batch->rows;
    if (rows > options.max_result_rows) {
      throwBadRequest("Limit for result exceeded, max rows: " + std::to_string(options.max_result_rows));
    }
    result_charge.add(batchBytes(*batch), "the result");
    for (size_t i = 0; i < parts.size(); ++i) parts[i].push_back(batch->columns[i]);
  }
  if (!parts.empty() && parts[0].size() > 1) result_charge.add(result_charge.bytes(), "the result");  // the concatenated copy
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].size() == 1) {
      result.columns.push_back(parts[i][0]);
    } else {
      result.columns.push_back(concatColumns(parts[i], planned.types[i]));
    }
  }
  result.rows = rows;
  if (planned.limit) result.rows_before_limit = planned.limit->rowsBeforeLimit();
  if (planned.totals_source && planned.totals_source->totals()) {
    Batch totals = *planned.totals_source->totals();
    for (const auto& stage : planned.totals_projections) {
      Batch next;
      next.rows = totals.rows;
      for (const auto& projection : stage) next.columns.push_back(std::const_pointer_cast<Column>(evaluateColumn(*projection, totals)));
      totals = std::move(next);
    }
    for (const auto& column : totals.columns) result.totals.push_back(column);
  }
  result.rows_read = context.rows_read;
  result.bytes_read = context.bytes_read;
  return result;
}

}  // namespace

}  // namespace perch
