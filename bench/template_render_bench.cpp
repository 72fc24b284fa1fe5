// Rendering a typical 3-node pipe with 5 parameters (issue 3 asks for < 5 µs per render).
//   cmake --build build --target template_render_bench && ./build/template_render_bench
#include <benchmark/benchmark.h>

#include "templating/template.h"

namespace {

using perch::templating::Params;
using perch::templating::Template;

const char* kFiltered = R"(%
SELECT timestamp, user_id, event_type, some_number
FROM app_events
WHERE organization_id = {{ String(organization_id, required=True) }}
{% if defined(team_id) %} AND team_id = {{ String(team_id) }} {% end %}
{% if defined(event_types) %} AND event_type IN {{ Array(event_types, 'String') }} {% end %}
AND timestamp >= {{ DateTime(start_date, '2026-10-01 00:00:00') }})";

const char* kDaily = R"(%
SELECT toStartOfDay(timestamp) AS day, {{ column(String(metric, 'some_number', enum=['some_number'])) }} AS value
FROM filtered)";

const char* kEndpoint = R"(%
SELECT day, sum(value) AS total FROM daily GROUP BY day ORDER BY day
LIMIT {{ Int32(page_size, 50) }} OFFSET {{ Int32(page, 0) * Int32(page_size, 50) }})";

void BM_RenderThreeNodePipe(benchmark::State& state) {
  const Template filtered = Template::parse(kFiltered, "filtered", "bench");
  const Template daily = Template::parse(kDaily, "daily", "bench");
  const Template endpoint = Template::parse(kEndpoint, "endpoint", "bench");
  const Params params = {{"organization_id", {"org_42"}},
                         {"team_id", {"team_alpha"}},
                         {"event_types", {"click", "purchase"}},
                         {"start_date", {"2026-11-01 00:00:00"}},
                         {"page", {"2"}}};
  size_t bytes = 0;
  for (auto _ : state) {
    std::string a = filtered.render(params);
    std::string b = daily.render(params);
    std::string c = endpoint.render(params);
    bytes += a.size() + b.size() + c.size();
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_RenderThreeNodePipe);

}  // namespace

BENCHMARK_MAIN();
