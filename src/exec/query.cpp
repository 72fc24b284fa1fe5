#include "exec/query.h"

#include <chrono>

#include "common/error.h"
#include "exec/planner.h"
#include "exec/task_pool.h"
#include "sql/parser.h"

namespace perch {

QueryResult executeQuery(std::string_view sql, const Catalog& catalog, const QueryOptions& options) {
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
  while (auto batch = planned.root->next()) {
    rows += batch->rows;
    if (rows > options.max_result_rows) {
      throwBadRequest("Limit for result exceeded, max rows: " + std::to_string(options.max_result_rows));
    }
    for (size_t i = 0; i < parts.size(); ++i) parts[i].push_back(batch->columns[i]);
  }
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
    for (const auto& projection : planned.totals_projections) {
      result.totals.push_back(evaluateColumn(*projection, *planned.totals_source->totals()));
    }
  }
  result.rows_read = context.rows_read;
  result.bytes_read = context.bytes_read;
  return result;
}

}  // namespace perch
