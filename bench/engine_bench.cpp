// Engine micro-benchmarks: endpoint-style queries over an app_events table, executed through
// executeQuery with 1 and 2 threads, against two copies of the same rows in the same run:
//   storage:0 — an in-memory table (unsorted batches, everything resident, nothing to prune: how
//               every query ran before parts were read lazily);
//   storage:1 — a durable table sorted by (organization_id, timestamp), flushed to a part and
//               reopened (as after a restart): columns and granules are read lazily from the part
//               file (page cache warm after the first iteration), skipping granules by min/max.
// Prints Google Benchmark's table (time per query) plus, once, the resident memory the reopened
// durable table costs.
//
//   ./build-sql/engine_bench                          # 2M rows (PERCH_BENCH_ROWS to change)
//   ./build-sql/engine_bench --benchmark_filter=Daily
//
// The table mirrors the `app_events` shape of ARCHITECTURE.md ("What fast means"): tenants with a
// Zipf-like skew, users, teams, LowCardinality event types, a numeric metric and 90 days of
// timestamps, in stored batches of 65,536 rows (the scan cuts them into 8,192-row morsels).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include "exec/query.h"
#include "types/date_time.h"

namespace perch {
namespace {

size_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

class BenchCatalog : public Catalog {
 public:
  SnapshotPtr table(std::string_view name) const override { return name == "app_events" ? table_->snapshot() : nullptr; }
  std::optional<std::string> view(std::string_view) const override { return std::nullopt; }

  /// mode 0: in-memory table; mode 1: durable table read from its part.
  static const BenchCatalog& instance(int64_t mode) {
    static const Data data;
    static const BenchCatalog memory(data.memory);
    static const BenchCatalog parts(data.durable);
    return mode == 0 ? memory : parts;
  }

 private:
  struct Data {
    std::shared_ptr<Table> memory, durable;
    std::filesystem::path directory;
    Data() {
      const char* rows_text = std::getenv("PERCH_BENCH_ROWS");
      const size_t rows = rows_text ? std::strtoull(rows_text, nullptr, 10) : 2'000'000;
      const TableSchema schema = appEventsSchema();
      directory = std::filesystem::temp_directory_path() / ("perch-engine-bench-" + std::to_string(::getpid()));
      std::filesystem::remove_all(directory);
      TableOptions options;
      options.directory = directory;
      options.sorting_key = {"organization_id", "timestamp"};
      options.background = false;
      options.flush_rows = rows + 1;
      options.max_buffer_rows = rows + 1;
      memory = std::make_shared<Table>("app_events", schema);
      {
        Table writer("app_events", schema, options);
        for (Batch& batch : generate(schema, rows)) {
          writer.append(batch, Durability::kWritten);
          memory->append(std::move(batch));
        }
        writer.flush();
      }
      const size_t before = residentBytes();
      durable = std::make_shared<Table>("app_events", schema, options);  // reopened, as after a restart
      const size_t after = residentBytes();
      const auto stats = durable->stats();
      std::cerr << "engine_bench: " << rows << " rows; reopened durable table: " << stats.parts << " part(s), "
                << stats.bytes_on_disk / (1 << 20) << " MiB on disk, resident memory +" << (after - before) / 1024
                << " KiB after opening (in-memory copy: " << memory->snapshot()->bytes() / (1 << 20) << " MiB)\n";
    }
    ~Data() {
      durable.reset();
      std::error_code ignored;
      std::filesystem::remove_all(directory, ignored);
    }
  };

  explicit BenchCatalog(std::shared_ptr<Table> table) : table_(std::move(table)) {}

  static TableSchema appEventsSchema() {
    return TableSchema{{{"timestamp", DataType::parse("DateTime")},
                        {"organization_id", DataType::parse("String")},
                        {"team_id", DataType::parse("LowCardinality(String)")},
                        {"user_id", DataType::parse("String")},
                        {"event_type", DataType::parse("LowCardinality(String)")},
                        {"some_number", DataType::parse("Int64")}}};
  }

  static std::vector<Batch> generate(const TableSchema& schema, size_t rows) {
    std::vector<Batch> batches;
    std::mt19937_64 random(7);
    const uint32_t start = static_cast<uint32_t>(*parseDateTime("2024-01-01 00:00:00"));
    static const char* kTypes[] = {"page_view", "click", "signup", "purchase", "logout", "search"};
    constexpr size_t kBatch = 65'536;
    for (size_t begin = 0; begin < rows; begin += kBatch) {
      const size_t count = std::min(kBatch, rows - begin);
      auto timestamp = std::make_shared<ColumnVector<uint32_t>>(schema.columns[0].type);
      auto organization = std::make_shared<ColumnString>(schema.columns[1].type);
      auto team = std::make_shared<ColumnString>(schema.columns[2].type);
      auto user = std::make_shared<ColumnString>(schema.columns[3].type);
      auto type = std::make_shared<ColumnString>(schema.columns[4].type);
      auto number = std::make_shared<ColumnVector<int64_t>>(schema.columns[5].type);
      for (size_t i = 0; i < count; ++i) {
        // Tenant 1 of 100 is the biggest (Zipf-like: tenant k has weight ~1/k).
        const double u = std::uniform_real_distribution<double>(0, 1)(random);
        const size_t tenant = static_cast<size_t>(std::pow(100.0, u));
        timestamp->data().push_back(start + static_cast<uint32_t>(random() % (90u * 86400u)));
        organization->push("org_" + std::to_string(tenant));
        team->push("team_" + std::to_string(random() % 20));
        user->push("user_" + std::to_string(random() % 5000));
        type->push(kTypes[random() % 6]);
        number->data().push_back(static_cast<int64_t>(random() % 1000));
      }
      Batch batch;
      batch.rows = count;
      batch.columns = {timestamp, organization, team, user, type, number};
      batches.push_back(std::move(batch));
    }
    return batches;
  }

  std::shared_ptr<Table> table_;
};

void runQuery(benchmark::State& state, const char* sql) {
  const BenchCatalog& catalog = BenchCatalog::instance(state.range(1));
  QueryOptions options;
  options.threads = static_cast<unsigned>(state.range(0));
  if (state.range(2) == 0) options.predicate_pushdown = false;  // the plan as written, for comparison
  size_t rows = 0;
  uint64_t rows_read = 0;
  for (auto _ : state) {
    QueryResult result = executeQuery(sql, catalog, options);
    rows = result.rows;
    rows_read = result.rows_read;
    benchmark::DoNotOptimize(result);
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["rows_read"] = static_cast<double>(rows_read);
}

#define PERCH_QUERY_BENCH(name, sql) \
  void name(benchmark::State& state) { runQuery(state, sql); } \
  BENCHMARK(name)->ArgNames({"threads", "storage", "pushdown"})->ArgsProduct({{1, 2}, {0, 1}, {1}})->Unit(benchmark::kMillisecond)
/// Also run with predicate pushdown off (pushdown:0).
#define PERCH_QUERY_BENCH_PUSHDOWN(name, sql) \
  void name(benchmark::State& state) { runQuery(state, sql); } \
  BENCHMARK(name)->ArgNames({"threads", "storage", "pushdown"})->ArgsProduct({{1, 2}, {0, 1}, {0, 1}})->Unit(benchmark::kMillisecond)

PERCH_QUERY_BENCH(DailyTenantSums,
                  "SELECT toStartOfDay(timestamp) AS day, sum(some_number) AS total, count() AS events FROM app_events "
                  "WHERE organization_id = 'org_1' GROUP BY day ORDER BY day");
PERCH_QUERY_BENCH(TenantWeekByHour,
                  "SELECT toStartOfHour(timestamp) AS hour, count() FROM app_events WHERE organization_id = 'org_3' "
                  "AND timestamp >= '2024-02-01 00:00:00' AND timestamp < '2024-02-08 00:00:00' GROUP BY hour ORDER BY hour");
PERCH_QUERY_BENCH(TenantTopUsers,
                  "SELECT user_id, count() AS c FROM app_events WHERE organization_id = 'org_1' GROUP BY user_id ORDER BY c DESC LIMIT 10");
PERCH_QUERY_BENCH(ScanGroupByLowCardinality, "SELECT event_type, count(), sum(some_number) FROM app_events GROUP BY event_type");
// query_bench's tenant_event_mix without uniq: a low-cardinality GROUP BY behind a tenant filter
// (granules wholly of the tenant pass the filter unchanged, dictionary indexes and all).
PERCH_QUERY_BENCH(TenantGroupByLowCardinality,
                  "SELECT event_type, count() AS c, sum(some_number) FROM app_events WHERE organization_id = 'org_1' "
                  "GROUP BY event_type ORDER BY event_type");
PERCH_QUERY_BENCH(ScanGroupByHighCardinalityTop10,
                  "SELECT user_id, count() AS c FROM app_events GROUP BY user_id ORDER BY c DESC LIMIT 10");
PERCH_QUERY_BENCH(ScanQuantilePerTenant,
                  "SELECT organization_id, quantile(0.95)(some_number) FROM app_events GROUP BY organization_id");
PERCH_QUERY_BENCH(ScanSum, "SELECT sum(some_number) FROM app_events");
PERCH_QUERY_BENCH(JoinSmallDimension,
                  "SELECT plan, count() FROM app_events AS e INNER JOIN (SELECT 'org_1' AS organization_id, 'pro' AS plan UNION ALL "
                  "SELECT 'org_2', 'free') AS p USING (organization_id) GROUP BY plan");
// query_bench's join_plan_last_week: the WHERE on the left side reaches its scan (predicate pushdown).
PERCH_QUERY_BENCH_PUSHDOWN(JoinSmallDimensionLastWeek,
                  "SELECT plan, count() FROM app_events ALL INNER JOIN (SELECT 'org_1' AS organization_id, 'pro' AS plan UNION ALL "
                  "SELECT 'org_2', 'free') AS p USING (organization_id) WHERE timestamp >= toDateTime('2024-03-25 00:00:00') "
                  "GROUP BY plan ORDER BY plan");
// query_bench's tenant_uniq_users: uniq over a high-cardinality String behind a tenant filter
// (ClickHouse's UniquesHashSet of 32-bit hashes); uniqExact (a set of 64-bit hashes) for comparison.
PERCH_QUERY_BENCH(TenantUniqUsers, "SELECT uniq(user_id) FROM app_events WHERE organization_id = 'org_1'");
PERCH_QUERY_BENCH(TenantUniqExactUsers, "SELECT uniqExact(user_id) FROM app_events WHERE organization_id = 'org_1'");

}  // namespace
}  // namespace perch

BENCHMARK_MAIN();
