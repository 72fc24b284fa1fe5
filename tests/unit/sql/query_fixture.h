// Shared pieces of executor tests: a small Catalog (tables built from Batches or given as Tables,
// views as SQL text), scratch directories and options for durable tables, the fixed query clock,
// and generated app_events rows.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "exec/query.h"
#include "types/date_time.h"

namespace perch::testing {

class FixtureCatalog : public Catalog {
 public:
  void addTable(const std::string& name, TableSchema schema, std::vector<Batch> batches) {
    auto table = std::make_shared<Table>(name, std::move(schema));
    for (auto& batch : batches) table->append(std::move(batch));
    tables_[name] = table;
  }
  /// A table built elsewhere (a durable one, with parts and granule statistics).
  void addTable(const std::string& name, std::shared_ptr<Table> table) { tables_[name] = std::move(table); }
  void addView(const std::string& name, const std::string& sql) { views_[name] = sql; }

  SnapshotPtr table(std::string_view name) const override {
    auto it = tables_.find(std::string(name));
    return it == tables_.end() ? nullptr : it->second->snapshot();
  }
  std::optional<std::string> view(std::string_view name) const override {
    auto it = views_.find(std::string(name));
    if (it == views_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::shared_ptr<Table>> tables_;
  std::map<std::string, std::string> views_;
};

/// A fresh directory under the system temp directory, removed with everything in it on destruction.
class ScratchDirectory {
 public:
  explicit ScratchDirectory(const std::string& prefix = "perch-test") {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() { std::filesystem::remove_all(path_); }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Options of a durable table in `directory`, flushed by the test (no background work).
inline TableOptions durableTableOptions(const std::filesystem::path& directory, std::vector<std::string> sorting_key, size_t granule_rows) {
  TableOptions options;
  options.directory = directory;
  options.sorting_key = std::move(sorting_key);
  options.granule_rows = granule_rows;
  options.background = false;
  return options;
}

/// Query options with the clock the SQL files use (now() = 2024-03-15 12:34:56 UTC).
inline QueryOptions fixtureQueryOptions(unsigned threads, bool predicate_pushdown = true) {
  QueryOptions options;
  options.now_seconds = *parseDateTime("2024-03-15 12:34:56");
  options.threads = threads;
  options.predicate_pushdown = predicate_pushdown;
  return options;
}

/// Appends `value` (NULL when absent) to a Nullable column of T.
template <typename T>
void appendNullable(ColumnNullable& column, std::optional<T> value) {
  if (!value) {
    column.appendNull();
    return;
  }
  static_cast<ColumnVector<T>&>(column.nested()).data().push_back(*value);
  column.nullMap().push_back(0);
}

/// One generated app_events row.
struct Event {
  uint32_t timestamp;
  std::string organization_id, team_id, user_id, event_type;
  int64_t some_number;
};

inline TableSchema appEventsSchema() {
  return TableSchema{{{"timestamp", DataType::parse("DateTime")},
                      {"organization_id", DataType::parse("String")},
                      {"team_id", DataType::parse("LowCardinality(String)")},
                      {"user_id", DataType::parse("String")},
                      {"event_type", DataType::parse("LowCardinality(String)")},
                      {"some_number", DataType::parse("Int64")}}};
}

/// Deterministic events spread over `days` days from 2024-01-01, in batches of `batch_rows`.
inline std::vector<Event> generateEvents(size_t rows, int days, uint32_t seed = 42) {
  std::mt19937 random(seed);
  const uint32_t start = static_cast<uint32_t>(*parseDateTime("2024-01-01 00:00:00"));
  std::vector<Event> events;
  events.reserve(rows);
  static const char* kTypes[] = {"click", "view", "purchase", "signup"};
  for (size_t i = 0; i < rows; ++i) {
    Event event;
    event.timestamp = start + static_cast<uint32_t>(random() % (static_cast<uint32_t>(days) * 86400u));
    event.organization_id = "org_" + std::to_string(random() % 5);
    event.team_id = "team_" + std::to_string(random() % 3);
    event.user_id = "u_" + std::to_string(random() % 10);
    event.event_type = kTypes[random() % 4];
    event.some_number = static_cast<int64_t>(random() % 2001) - 1000;
    events.push_back(std::move(event));
  }
  return events;
}

inline std::vector<Batch> eventBatches(const std::vector<Event>& events, size_t batch_rows) {
  const TableSchema schema = appEventsSchema();
  std::vector<Batch> batches;
  for (size_t begin = 0; begin < events.size(); begin += batch_rows) {
    const size_t end = std::min(events.size(), begin + batch_rows);
    auto timestamp = std::make_shared<ColumnVector<uint32_t>>(schema.columns[0].type);
    auto organization = std::make_shared<ColumnString>(schema.columns[1].type);
    auto team = std::make_shared<ColumnString>(schema.columns[2].type);
    auto user = std::make_shared<ColumnString>(schema.columns[3].type);
    auto type = std::make_shared<ColumnString>(schema.columns[4].type);
    auto number = std::make_shared<ColumnVector<int64_t>>(schema.columns[5].type);
    for (size_t i = begin; i < end; ++i) {
      timestamp->data().push_back(events[i].timestamp);
      organization->push(events[i].organization_id);
      team->push(events[i].team_id);
      user->push(events[i].user_id);
      type->push(events[i].event_type);
      number->data().push_back(events[i].some_number);
    }
    Batch batch;
    batch.rows = end - begin;
    batch.columns = {timestamp, organization, team, user, type, number};
    batches.push_back(std::move(batch));
  }
  return batches;
}

/// The text form of row `row` of result column `column`.
inline std::string cell(const QueryResult& result, size_t column, size_t row) {
  std::string out;
  result.columns.at(column)->formatText(row, out);
  return out;
}

/// All rows as "a|b|c" strings.
inline std::vector<std::string> rowsOf(const QueryResult& result) {
  std::vector<std::string> rows;
  for (size_t r = 0; r < result.rows; ++r) {
    std::string line;
    for (size_t c = 0; c < result.columns.size(); ++c) {
      if (c) line += "|";
      line += cell(result, c, r);
    }
    rows.push_back(line);
  }
  return rows;
}

}  // namespace perch::testing
