// Timing note for the product's most common query, 1M rows. Disabled by default (timing never
// decides a unit test): run with
//   ./build-sql/sql_test --gtest_also_run_disabled_tests --gtest_filter='*Timing*'
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "query_fixture.h"

namespace perch {
namespace {

TEST(QueryTiming, DISABLED_DailyTenantQueryOn1MRows) {
  testing::FixtureCatalog catalog;
  const auto events = testing::generateEvents(1'000'000, 30);
  catalog.addTable("app_events", testing::appEventsSchema(), testing::eventBatches(events, 8192));
  const char* queries[] = {
      "SELECT toStartOfDay(timestamp) AS day, sum(some_number) AS total, count() AS events FROM (SELECT * FROM app_events "
      "WHERE organization_id = 'org_1' AND user_id = 'u_3') GROUP BY day ORDER BY day",
      "SELECT event_type, count() FROM app_events GROUP BY event_type",
      "SELECT user_id, sum(some_number) AS s FROM app_events GROUP BY user_id ORDER BY s DESC LIMIT 10",
      "SELECT sum(some_number) FROM app_events",
  };
  const char* only = std::getenv("PERCH_TIMING_QUERY");  // run one query (index) when profiling
  for (size_t q = 0; q < std::size(queries); ++q) {
    if (only && std::to_string(q) != only) continue;
    const char* sql = queries[q];
    double best[2] = {1e9, 1e9};
    QueryResult result;
    for (unsigned threads : {1u, 2u}) {
      QueryOptions options;
      options.threads = threads;
      for (int run = 0; run < (only ? 100 : 10); ++run) {
        const auto start = std::chrono::steady_clock::now();
        result = executeQuery(sql, catalog, options);
        best[threads - 1] = std::min(best[threads - 1], std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      }
      EXPECT_GT(result.rows, 0u);
    }
    std::printf("%8.2f ms (1 thread) %8.2f ms (2 threads)  %zu rows  %s\n", best[0], best[1], result.rows, sql);
  }
}

}  // namespace
}  // namespace perch
