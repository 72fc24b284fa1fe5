// The query entry point: parse, bind and execute one SELECT against a Catalog of tables and
// views, returning typed result columns with ClickHouse's column names and result types.
//
// Name resolution: a FROM/JOIN name is looked up as a view first (its SQL is parsed and inlined
// as a subquery), then as a table. While a view is being expanded, a reference to its own name
// resolves to the table of that name — which lets a catalog wrap a table in a filtering view of
// the same name (row-level READ filters); any other cycle is a 400.
//
// Thread-safety: executeQuery is reentrant; concurrent calls share only the Catalog, whose
// methods must be thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/table.h"
#include "types/column.h"

namespace perch {

/// Resolves names in FROM/JOIN. Thread-safe for concurrent queries.
class Catalog {
 public:
  virtual ~Catalog() = default;
  /// A data source snapshot by name, or nullptr if no such table.
  virtual SnapshotPtr table(std::string_view name) const = 0;
  /// The SQL text of a view (a pipe node, already rendered), or nullopt. Views are parsed and inlined
  /// as subqueries; a view may reference tables and other views (detect cycles → 400).
  virtual std::optional<std::string> view(std::string_view name) const = 0;

  /// The same lookups, told which views are being expanded around the reference (outermost
  /// first; empty for a name written in the query itself). Catalogs that enforce access rules
  /// (a token may read a data source only directly with a scope, or inside a pipe it may read)
  /// override these; the planner always calls these two.
  virtual SnapshotPtr tableIn(std::string_view name, const std::vector<std::string>& /*expanding*/) const {
    return table(name);
  }
  virtual std::optional<std::string> viewIn(std::string_view name, const std::vector<std::string>& /*expanding*/) const {
    return view(name);
  }
};

class MemoryTracker;

/// The memory limit of a query whose options don't set one: setDefaultMaxQueryMemory's value
/// (`perch serve/sql --max-query-memory`), else the environment's PERCH_MAX_QUERY_MEMORY (bytes),
/// else half the machine's RAM, at most 4 GiB.
uint64_t defaultMaxQueryMemory();
/// Sets defaultMaxQueryMemory() for the process (0: no limit). Call at startup, before queries.
void setDefaultMaxQueryMemory(uint64_t bytes);

struct QueryOptions {
  int64_t now_seconds = 0;                // value of now()/today(); 0 → real clock at query start
  std::chrono::milliseconds timeout{10000};
  size_t max_result_rows = 10'000'000;
  /// Bytes the query's buffers may hold (memory_tracker.h says what is counted); past it the query
  /// fails with Error(kBadRequest) "Memory limit (for query) exceeded: ...". 0: no limit (and
  /// nothing counted).
  uint64_t max_memory_bytes = defaultMaxQueryMemory();
  /// Charge this tracker (its own limit applies; max_memory_bytes is ignored) instead of a new one
  /// per query: for tests, and callers that want the peak. Must outlive the call.
  MemoryTracker* memory_tracker = nullptr;
  unsigned threads = 0;                   // threads for scans/filters; 0 → all hardware threads
  bool predicate_pushdown = true;         // move WHERE conjuncts into joins and subqueries (off: for differential tests)
};

struct QueryResult {
  std::vector<std::string> names;         // result column names as ClickHouse names them: the alias, or the
                                          // expression as written in call form (`count()`, `plus(a, 1)`)
  std::vector<DataType> types;            // ClickHouse result types
  std::vector<ColumnPtr> columns;         // one per name, all with `rows` rows
  size_t rows = 0;
  std::optional<uint64_t> rows_before_limit;   // set when the outermost query has LIMIT: rows before LIMIT/OFFSET applied
  std::vector<ColumnPtr> totals;               // WITH TOTALS: one 1-row column per name (not among `columns`); else empty
  uint64_t rows_read = 0, bytes_read = 0;      // what scans actually read (rows × columns actually read)
};

/// Parses, binds and executes one SELECT. A trailing `FORMAT X` is parsed and ignored here (the
/// caller picks the output format); non-SELECT statements are rejected with 400. Errors:
/// Error(kBadRequest) for anything wrong with the query or past options.max_memory_bytes,
/// Error(kTimeout) past options.timeout.
QueryResult executeQuery(std::string_view sql, const Catalog& catalog, const QueryOptions& options = {});

}  // namespace perch
