// A small in-memory Catalog for executor tests: tables built from Batches, views as SQL text.
#pragma once

#include <map>
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
