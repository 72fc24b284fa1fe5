// Window functions: frame clause parsing (window.h) and ClickHouse's result column names through
// the whole query path. Row-level behaviour is covered by tests/sql/window/window.test.
#include <gtest/gtest.h>

#include "common/error.h"
#include "exec/window.h"
#include "query_fixture.h"

namespace perch {
namespace {

using Kind = WindowFrameBound::Kind;

TEST(WindowFrame, DefaultIsRangeFromPartitionStartToCurrentPeers) {
  const WindowFrame frame = parseWindowFrame("");
  EXPECT_FALSE(frame.rows);
  EXPECT_EQ(frame.start.kind, Kind::kUnboundedPreceding);
  EXPECT_EQ(frame.end.kind, Kind::kCurrentRow);
}

TEST(WindowFrame, ParsesBetweenAndShortForms) {
  WindowFrame frame = parseWindowFrame("ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING");
  EXPECT_TRUE(frame.rows);
  EXPECT_EQ(frame.start.kind, Kind::kPreceding);
  EXPECT_EQ(frame.start.offset, 3u);
  EXPECT_EQ(frame.end.kind, Kind::kFollowing);
  EXPECT_EQ(frame.end.offset, 2u);

  frame = parseWindowFrame("rows 5 preceding");
  EXPECT_TRUE(frame.rows);
  EXPECT_EQ(frame.start.kind, Kind::kPreceding);
  EXPECT_EQ(frame.start.offset, 5u);
  EXPECT_EQ(frame.end.kind, Kind::kCurrentRow);

  frame = parseWindowFrame("RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING");
  EXPECT_FALSE(frame.rows);
  EXPECT_EQ(frame.start.kind, Kind::kCurrentRow);
  EXPECT_EQ(frame.end.kind, Kind::kUnboundedFollowing);
}

TEST(WindowFrame, RangeFramesTakeOffsets) {
  const WindowFrame frame = parseWindowFrame("RANGE BETWEEN 10 PRECEDING AND 5 FOLLOWING");
  EXPECT_FALSE(frame.rows);
  EXPECT_EQ(frame.start.kind, Kind::kPreceding);
  EXPECT_EQ(frame.start.offset, 10u);
  EXPECT_EQ(frame.end.kind, Kind::kFollowing);
  EXPECT_EQ(frame.end.offset, 5u);
  EXPECT_TRUE(frame.hasRangeOffset());
  EXPECT_FALSE(frame.wholePartition());
  EXPECT_FALSE(parseWindowFrame("ROWS BETWEEN 1 PRECEDING AND CURRENT ROW").hasRangeOffset());
  EXPECT_FALSE(parseWindowFrame("RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW").hasRangeOffset());
  EXPECT_TRUE(parseWindowFrame("RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING").wholePartition());
}

TEST(WindowFrame, RejectsWhatItCannotEvaluate) {
  for (const char* text : {"ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW", "ROWS BETWEEN CURRENT ROW AND UNBOUNDED PRECEDING",
                           "RANGE BETWEEN UNBOUNDED FOLLOWING AND 1 FOLLOWING", "ROWS BETWEEN x PRECEDING AND CURRENT ROW",
                           "ROWS BETWEEN 1 PRECEDING CURRENT ROW", "ROWS CURRENT", "ROWS 1 PRECEDING EXTRA"}) {
    try {
      parseWindowFrame(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kBadRequest) << text;
    }
  }
}

TEST(WindowQuery, ColumnNamesAndTypesAreClickHouses) {
  testing::FixtureCatalog catalog;
  catalog.addTable("app_events", testing::appEventsSchema(), testing::eventBatches(testing::generateEvents(1000, 5), 256));
  const QueryResult result = executeQuery(
      "SELECT row_number() OVER (PARTITION BY organization_id ORDER BY some_number DESC), count() OVER w, "
      "lagInFrame(organization_id) OVER () AS previous FROM app_events WINDOW w AS (PARTITION BY organization_id) LIMIT 1",
      catalog);
  ASSERT_EQ(result.names.size(), 3u);
  EXPECT_EQ(result.names[0], "row_number() OVER (PARTITION BY organization_id ORDER BY some_number DESC)");
  EXPECT_EQ(result.names[1], "count() OVER w");
  EXPECT_EQ(result.names[2], "previous");
  EXPECT_EQ(result.types[0].name(), "UInt64");
  EXPECT_EQ(result.types[1].name(), "UInt64");
}

}  // namespace
}  // namespace perch
