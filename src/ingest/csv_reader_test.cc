#include "ingest/csv_reader.h"

#include <gtest/gtest.h>

namespace shouwang::ingest {
namespace {

std::vector<std::vector<std::string>> read_all(std::string_view text, std::vector<int64_t>* lines = nullptr) {
  CsvReader reader(text);
  std::vector<std::string_view> fields;
  std::vector<std::vector<std::string>> out;
  while (reader.next(fields)) {
    out.emplace_back(fields.begin(), fields.end());
    if (lines) lines->push_back(reader.line());
  }
  return out;
}

TEST(CsvReader, SplitsPlainFieldsWithLfAndCrlf) {
  auto rows = read_all("a,b,c\r\n1,,3\r\n4,5,6");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "", "3"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"4", "5", "6"}));
}

TEST(CsvReader, HandlesQuotesEscapesAndNewlinesInsideQuotes) {
  std::vector<int64_t> lines;
  auto rows = read_all("\xEF\xBB\xBFname,x\r\n\"Korea, South\",1\r\n\"say \"\"hi\"\"\",2\n\"two\nlines\",3\nlast,4\n", &lines);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0][0], "name");  // BOM stripped
  EXPECT_EQ(rows[1][0], "Korea, South");
  EXPECT_EQ(rows[2][0], "say \"hi\"");
  EXPECT_EQ(rows[3][0], "two\nlines");
  EXPECT_EQ(rows[4][0], "last");
  EXPECT_EQ(lines, (std::vector<int64_t>{1, 2, 3, 4, 6}));
}

TEST(CsvReader, FlagsBadQuotes) {
  CsvReader reader("\"abc\"x,1\n\"open,2\n");
  std::vector<std::string_view> fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_TRUE(reader.malformed());
  ASSERT_TRUE(reader.next(fields));
  EXPECT_TRUE(reader.malformed());
  EXPECT_FALSE(reader.next(fields));
}

TEST(CsvReader, EscapedFieldsInOneRowStayValid) {
  // Several unescaped fields in one record each keep their own buffer.
  auto rows = read_all(std::string("\"a\"\"1\",\"b\"\"2\",\"c\"\"3\",\"d\"\"4\",\"e\"\"5\",\"f\"\"6\",\"g\"\"7\",\"h\"\"8\"\n"));
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].size(), 8u);
  EXPECT_EQ(rows[0][0], "a\"1");
  EXPECT_EQ(rows[0][7], "h\"8");
}

}  // namespace
}  // namespace shouwang::ingest
