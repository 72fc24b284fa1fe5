// tableOptions: a data source's ENGINE settings turned into storage options and hooks.
#include <gtest/gtest.h>

#include "common/error.h"
#include "server/workspace.h"

namespace perch::server {
namespace {

project::DataSource eventsSource() {
  project::DataSource source;
  source.name = "events";
  source.file = "datasources/events.datasource";
  source.columns.push_back({"organization_id", DataType(TypeId::kString), "$.organization_id", std::nullopt, "", 1});
  source.columns.push_back({"timestamp", DataType(TypeId::kDateTime), "$.timestamp", std::nullopt, "", 2});
  source.columns.push_back({"version", DataType(TypeId::kUInt32), "$.version", std::nullopt, "", 3});
  source.sorting_key = "organization_id, timestamp";
  return source;
}

TableSchema schemaOf(const project::DataSource& source) {
  TableSchema schema;
  for (const auto& column : source.columns) schema.columns.push_back({column.name, column.type});
  return schema;
}

Batch twoRows() {
  auto organizations = std::make_shared<ColumnString>();
  organizations->push("acme");
  organizations->push("globex");
  Batch batch;
  batch.rows = 2;
  batch.columns = {organizations,
                   std::make_shared<ColumnVector<uint32_t>>(DataType(TypeId::kDateTime), std::vector<uint32_t>{1706745599, 1706745600}),
                   std::make_shared<ColumnVector<uint32_t>>(DataType(TypeId::kUInt32), std::vector<uint32_t>{1, 2})};
  return batch;
}

TEST(TableOptionsFromDataSource, PartitionKeyTtlAndGranularityBecomeHooks) {
  project::DataSource source = eventsSource();
  source.partition_key = "toYYYYMM(timestamp)";
  source.ttl = "timestamp + INTERVAL 1 DAY DELETE";
  source.engine_settings = "index_granularity = 256, some_other_setting = 1";
  const TableOptions options = tableOptions(source, schemaOf(source));
  ASSERT_TRUE(options.partition_of);
  EXPECT_EQ(options.partition_of(twoRows()), (std::vector<std::string>{"202401", "202402"}));
  ASSERT_TRUE(options.expires_at);
  EXPECT_EQ(options.expires_at(twoRows()), (std::vector<int64_t>{1706745599 + 86400, 1706745600 + 86400}));
  EXPECT_EQ(options.granule_rows, 256u);
  EXPECT_EQ(options.engine, TableEngine::kMergeTree);
  EXPECT_EQ(options.sorting_key, (std::vector<std::string>{"organization_id", "timestamp"}));
}

TEST(TableOptionsFromDataSource, ReplacingMergeTreeWithVersion) {
  project::DataSource source = eventsSource();
  source.engine = "ReplacingMergeTree";
  source.version_column = "version";
  TableOptions options = tableOptions(source, schemaOf(source));
  EXPECT_EQ(options.engine, TableEngine::kReplacingMergeTree);
  EXPECT_EQ(options.version_column, "version");
  // An expression in the key: deduplicating by its leading columns would lose rows, so no dedupe.
  source.sorting_key = "organization_id, toDate(timestamp)";
  options = tableOptions(source, schemaOf(source));
  EXPECT_EQ(options.engine, TableEngine::kMergeTree);
}

TEST(TableOptionsFromDataSource, InvalidSettingsFailNamingTheFile) {
  auto expectError = [](project::DataSource source, const std::string& needle) {
    try {
      tableOptions(source, schemaOf(source));
      ADD_FAILURE() << "expected an error mentioning " << needle;
    } catch (const Error& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find("datasources/events.datasource: "), std::string::npos) << message;
      EXPECT_NE(message.find(needle), std::string::npos) << message;
    }
  };
  project::DataSource source = eventsSource();
  source.partition_key = "toYYYYMM(missing)";
  expectError(source, "ENGINE_PARTITION_KEY");
  source = eventsSource();
  source.ttl = "organization_id";
  expectError(source, "must be a Date or DateTime");
  source = eventsSource();
  source.ttl = "timestamp + INTERVAL 1 DAY TO VOLUME 'cold'";
  expectError(source, "ENGINE_TTL");
  source = eventsSource();
  source.engine_settings = "index_granularity = lots";
  expectError(source, "index_granularity");
  source = eventsSource();
  source.engine = "ReplacingMergeTree";
  source.version_column = "organization_id";
  expectError(source, "ENGINE_VER");
  source.engine = "MergeTree";
  source.version_column = "version";
  expectError(source, "ENGINE_VER");
}

}  // namespace
}  // namespace perch::server
