#include "project/project.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

namespace perch::project {
namespace {

constexpr const char* kDataSource = R"DS(DESCRIPTION >
    Events from the product, one row per action.
TOKEN ingest_app APPEND
TOKEN analyst READ
SCHEMA >
    `timestamp` DateTime `json:$.timestamp`,
    `organization_id` String `json:$.org.id`,
    user_id String,
    `team_id` LowCardinality(String) `json:$.team_id` DEFAULT '',
    `tags` Array(String) `json:$.tags[:]`,
    `some_number` Int64 `json:$.value` DEFAULT 0 CODEC(ZSTD(1))
ENGINE "MergeTree"
ENGINE_PARTITION_KEY "toYYYYMM(timestamp)"
ENGINE_SORTING_KEY "organization_id, timestamp"
ENGINE_TTL "timestamp + INTERVAL 90 DAY"
)DS";

TEST(DataSourceParserTest, ParsesTheSpecExample) {
  std::vector<Diagnostic> diagnostics;
  DataSource source = parseDataSource(kDataSource, "ds/app_events.datasource", diagnostics);
  ASSERT_TRUE(diagnostics.empty()) << diagnostics[0].toString();
  EXPECT_EQ(source.name, "app_events");
  EXPECT_EQ(source.description, "Events from the product, one row per action.");
  ASSERT_EQ(source.columns.size(), 6u);
  EXPECT_EQ(source.columns[1].json_path, "$.org.id");
  EXPECT_EQ(source.columns[2].json_path, "$.user_id");
  EXPECT_EQ(source.columns[3].type.name(), "LowCardinality(String)");
  EXPECT_EQ(source.columns[3].default_expr, "''");
  EXPECT_EQ(source.columns[4].type.name(), "Array(String)");
  EXPECT_EQ(source.columns[5].default_expr, "0");
  EXPECT_EQ(source.columns[5].codec, "CODEC(ZSTD(1))");
  EXPECT_EQ(source.columns[5].line, 11);
  EXPECT_EQ(source.sorting_key, "organization_id, timestamp");
  EXPECT_EQ(source.partition_key, "toYYYYMM(timestamp)");
  EXPECT_EQ(source.ttl, "timestamp + INTERVAL 90 DAY");
  ASSERT_EQ(source.tokens.size(), 2u);
  EXPECT_EQ(source.tokens[0].permission, "APPEND");
  EXPECT_EQ(source.tokens[1].name, "analyst");
}

TEST(DataSourceParserTest, ReportsErrorsWithLines) {
  std::vector<Diagnostic> diagnostics;
  parseDataSource("SCHEMA >\n    `a` Int32,\n    `b` Int128\nBOGUS x\nKAFKA_TOPIC t\n", "x.datasource", diagnostics);
  ASSERT_EQ(diagnostics.size(), 3u);
  EXPECT_EQ(diagnostics[0].toString().substr(0, 15), "x.datasource:3:");
  EXPECT_NE(diagnostics[0].message.find("Int128"), std::string::npos);
  EXPECT_EQ(diagnostics[1].line, 4);
  EXPECT_FALSE(diagnostics[1].is_warning);
  EXPECT_EQ(diagnostics[2].line, 5);
  EXPECT_TRUE(diagnostics[2].is_warning);
}

TEST(PipeParserTest, SqlBodyAtColumnZeroEndsAtTheNextKey) {
  const char* text =
      "DESCRIPTION >\n    Daily totals.\nTOKEN dashboard READ\n\n"
      "NODE filtered\nSQL >\n%\nSELECT * FROM app_events\nWHERE organization_id = {{String(org, required=True)}}\n\n"
      "NODE daily\nDESCRIPTION >\n    per day\nSQL >\n    SELECT toStartOfDay(timestamp) AS day\n    FROM filtered\n"
      "TYPE Endpoint\n\nNODE unused\nSQL >\n    SELECT 1\n";
  std::vector<Diagnostic> diagnostics;
  Pipe pipe = parsePipe(text, "p/daily_totals.pipe", diagnostics);
  ASSERT_TRUE(diagnostics.empty()) << diagnostics[0].toString();
  EXPECT_EQ(pipe.name, "daily_totals");
  EXPECT_EQ(pipe.description, "Daily totals.");
  ASSERT_EQ(pipe.nodes.size(), 3u);
  EXPECT_TRUE(pipe.nodes[0].tmpl.has_value());
  EXPECT_EQ(pipe.nodes[0].sql, "%\nSELECT * FROM app_events\nWHERE organization_id = {{String(org, required=True)}}");
  EXPECT_EQ(pipe.nodes[1].description, "per day");
  EXPECT_EQ(pipe.nodes[1].sql, "SELECT toStartOfDay(timestamp) AS day\nFROM filtered");
  EXPECT_FALSE(pipe.nodes[1].tmpl.has_value());
  EXPECT_EQ(pipe.endpoint_node, 1u);
  ASSERT_EQ(pipe.tokens.size(), 1u);
  const auto parameters = pipe.parameters();
  ASSERT_EQ(parameters.size(), 1u);
  EXPECT_EQ(parameters[0].name, "org");
  EXPECT_TRUE(parameters[0].required);
}

TEST(PipeParserTest, LastNodeIsPublishedWithoutTypeAndBadTemplatesAreReported) {
  std::vector<Diagnostic> diagnostics;
  Pipe pipe = parsePipe("NODE a\nSQL >\n    SELECT 1\nNODE b\nSQL >\n    SELECT 2\n", "x.pipe", diagnostics);
  EXPECT_TRUE(diagnostics.empty());
  EXPECT_EQ(pipe.endpoint_node, 1u);

  diagnostics.clear();
  parsePipe("NODE a\nSQL >\n    %\n    SELECT {% if defined(x) %} 1\n", "bad.pipe", diagnostics);
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics[0].message.find("Missing {% end %} block for if"), std::string::npos);

  diagnostics.clear();
  Pipe materialized = parsePipe("NODE a\nSQL >\n    SELECT 1\nTYPE materialized\nDATASOURCE target\n", "m.pipe", diagnostics);
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_TRUE(diagnostics[0].is_warning);
  EXPECT_FALSE(materialized.runnable);

  diagnostics.clear();
  parsePipe("NODE a\nSQL >\n    SELECT 1\nTYPE endpoint\nNODE b\nSQL >\n    SELECT 2\nTYPE endpoint\n", "two.pipe", diagnostics);
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].line, 8);
}

TEST(ProjectLoaderTest, LoadsRecursivelyAndRefusesBrokenProjects) {
  const auto root = std::filesystem::temp_directory_path() / ("perch_project_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "datasources");
  std::filesystem::create_directories(root / "pipes");
  std::ofstream(root / "datasources" / "events.datasource") << "SCHEMA >\n    `a` Int32\n";
  std::ofstream(root / "pipes" / "p.pipe") << "NODE n\nSQL >\n    SELECT a FROM events\n";
  Project project = loadProject(root);
  EXPECT_EQ(project.data_sources.size(), 1u);
  EXPECT_EQ(project.pipes.size(), 1u);

  std::ofstream(root / "pipes" / "events.pipe") << "NODE n\nSQL >\n    SELECT 1\n";
  std::ofstream(root / "pipes" / "broken.pipe") << "NODE n\n";
  try {
    loadProject(root);
    FAIL() << "expected a ProjectError";
  } catch (const ProjectError& error) {
    EXPECT_EQ(error.diagnostics().size(), 2u);
    EXPECT_NE(std::string(error.what()).find("broken.pipe:1: node 'n' has no SQL"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("same name as a data source"), std::string::npos);
  }
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace perch::project
